"""Helpers for the outbox tests and bench/fanout.py: people, personal chats, a sender."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from botbuilder.core import serializer_helper
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.services import outbox
from bot.teams.adapter import build_adapter
from bot.teams.delivery import BotFrameworkTransport, OutboxConfig, OutboxSender
from bot.teams.rate_limit import TeamsRateLimiter
from storage.db import transaction
from storage.models import ConversationRef, Membership, Person
from storage.outbox_tables import OutboxMessage

BOT_ID = "28:ssu-bot"
TENANT_ID = "7d1f3b4e-0000-4000-8000-00000000aaaa"


def reference_json(*, conversation_id: str, service_url: str, user_id: str) -> str:
    reference = ConversationReference(
        activity_id="f:incoming",
        bot=ChannelAccount(id=BOT_ID, name="SSU-assistenten"),
        channel_id="msteams",
        conversation=ConversationAccount(
            id=conversation_id, conversation_type="personal", tenant_id=TENANT_ID
        ),
        service_url=service_url,
        user=ChannelAccount(id=user_id),
    )
    return json.dumps(serializer_helper(reference), sort_keys=True)


async def add_person(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    locale: str | None = None,
    reminders_enabled: bool = True,
    body: str | None = None,
    role: str = "member",
) -> Person:
    person = Person(name=name, email=email, locale=locale, reminders_enabled=reminders_enabled)
    session.add(person)
    await session.flush()
    if body is not None:
        assert person.id is not None
        category = "secretariat" if body == "SEK" else "administrative"
        session.add(Membership(person_id=person.id, body_code=body, role=role, category=category))
        await session.flush()
    return person


async def add_personal_chat(session: AsyncSession, person: Person, service_url: str) -> str:
    conversation_id = f"a:personal-{person.id}"
    session.add(
        ConversationRef(
            conversation_id=conversation_id,
            conversation_type="personal",
            person_id=person.id,
            tenant_id=TENANT_ID,
            service_url=service_url,
            reference_json=reference_json(
                conversation_id=conversation_id,
                service_url=service_url,
                user_id=f"29:{person.id}",
            ),
        )
    )
    await session.flush()
    return conversation_id


async def seed_people(
    sessions: async_sessionmaker[AsyncSession], service_url: str, count: int, *, prefix: str = "p"
) -> list[tuple[int, str]]:
    """`count` people with a personal chat each: [(person id, conversation id)]."""
    people: list[tuple[int, str]] = []
    async with transaction(sessions) as session:
        for n in range(count):
            person = await add_person(session, name=f"Person {n}", email=f"{prefix}{n}@x.example")
            conversation = await add_personal_chat(session, person, service_url)
            assert person.id is not None
            people.append((person.id, conversation))
    return people


async def enqueue_reminder(
    session: AsyncSession,
    person_id: int,
    *,
    now: datetime,
    text: str | None = None,
    kind: str = "meeting",
    subject: str = "SSU 2026-02-12",
    deadline_key: str = "2026-02-12T09:30+01:00/1d",
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    mandatory: bool = False,
) -> OutboxMessage | None:
    return await outbox.enqueue(
        session,
        kind=kind,
        subject=subject,
        recipient_person_id=person_id,
        payload=outbox.payload(text=text or f"Påminnelse til {person_id}"),
        not_before=not_before or now,
        expires_at=expires_at or now + timedelta(days=1),
        deadline_key=deadline_key,
        mandatory=mandatory,
        now=now,
    )


def fast_config(**overrides: Any) -> OutboxConfig:
    values: dict[str, Any] = {
        "linger_seconds": 0.0,
        "send_timeout_seconds": 5.0,
        "backoff_base_seconds": 1.0,
        "rate_margin_seconds": 0.0,
    }
    values.update(overrides)
    return OutboxConfig(_env_file=None, **values)


def make_sender(
    sessions: async_sessionmaker[AsyncSession],
    *,
    config: OutboxConfig | None = None,
    limiter: TeamsRateLimiter | None = None,
    owner: str | None = None,
) -> OutboxSender:
    config = config or fast_config()
    adapter = build_adapter(Settings(_env_file=None))
    transport = BotFrameworkTransport(adapter, app_id="", timeout=config.send_timeout_seconds)
    sender = OutboxSender(sessions=sessions, transport=transport, config=config, limiter=limiter)
    if owner is not None:
        sender.owner = owner
    return sender


async def all_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def person(sessions: async_sessionmaker[AsyncSession], person_id: int) -> Person:
    async with sessions() as session:
        found = await session.get(Person, person_id)
        assert found is not None
        return found
