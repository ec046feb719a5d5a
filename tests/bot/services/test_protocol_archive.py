"""Retrying the archive of a signed protocol (bot/services/protocol.py, ``archive_signed``): a
failed upload after the second signature is tried again with backoff until it succeeds, then
the protocol is final and posted to the team once — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.graph.port import StoredDocument
from bot.services import protocol as service
from bot.services.protocol import (
    Finalised,
    Refusal,
    Refused,
    Signed,
    archive_retry_delay,
    archive_signed,
    archives_due,
)
from storage.db import transaction
from storage.models import ConversationRef
from storage.outbox_tables import OutboxMessage
from tests.bot.services.test_protocol import (
    DEPUTY_LEADER,
    LEADER,
    FakeStore,
    published,
    render,
    sign,
    state_of,
)
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]
CHANNEL = "19:general-ssu@thread.tacv2"


@pytest.fixture
async def roster(sessions: Sessions) -> Sessions:
    """The demo roster, and the bot installed in the team's channel."""
    await load_demo_roster(sessions)
    async with transaction(sessions) as session:
        session.add(
            ConversationRef(
                conversation_id=CHANNEL,
                conversation_type="channel",
                team_id=CHANNEL,
                service_url="http://127.0.0.1:9/",
                reference_json="{}",
            )
        )
    return sessions


def test_the_wait_doubles_from_a_minute_up_to_an_hour() -> None:
    minutes = [archive_retry_delay(n) / timedelta(minutes=1) for n in range(0, 10)]
    assert minutes == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert archive_retry_delay(10_000) == timedelta(hours=1)


async def _due(sessions: Sessions, at: datetime) -> list[int]:
    async with transaction(sessions) as session:
        return await archives_due(session, now=at)


async def _team_posts(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == service.KIND_SIGNED)
        return list((await session.exec(query)).all())


async def test_a_failed_archive_is_retried_after_its_backoff_and_then_posted_once(
    roster: Sessions,
) -> None:
    store = FakeStore()
    protocol = await published(roster, store)
    assert isinstance(await sign(roster, LEADER, protocol, store=store), Signed)
    assert await _due(roster, datetime.now(UTC) + timedelta(days=1)) == []  # one signature

    store.fail = True
    second = await sign(roster, DEPUTY_LEADER, protocol, store=store)
    assert isinstance(second, Signed) and second.final
    assert await state_of(roster, protocol.id) == ("published", "protocol_published", 2)
    assert await _team_posts(roster) == []
    failed_at = datetime.now(UTC)
    assert await _due(roster, failed_at) == []
    assert await _due(roster, failed_at + timedelta(seconds=61)) == [protocol.id]

    # The job's first retry fails too: the next one waits two minutes.
    again = await archive_signed(
        roster, documents=store, render=render, now=failed_at + timedelta(seconds=61)
    )
    assert again == [Refused(Refusal.STORAGE_FAILED, protocol.id)]
    later = datetime.now(UTC)
    assert await _due(roster, later + timedelta(seconds=61)) == []
    assert await _due(roster, later + timedelta(seconds=121)) == [protocol.id]

    store.fail = False
    [done] = await archive_signed(
        roster, documents=store, render=render, now=later + timedelta(seconds=121)
    )
    assert isinstance(done, Finalised)
    assert await state_of(roster, protocol.id) == ("signed", "protocol_signed", 2)
    assert "protokoller/2026/2026-05-21-SSU-protokoll-v1-signert.pdf" in store.files
    [post] = await _team_posts(roster)
    assert post.conversation_id == CHANNEL
    # Nothing is due any more: a further run stores and posts nothing.
    assert await _due(roster, later + timedelta(days=1)) == []
    assert await archive_signed(roster, documents=store, render=render) == []
    assert len(await _team_posts(roster)) == 1


@dataclass
class DyingStore(FakeStore):
    """The process stops in the middle of the upload (the signer's turn is cancelled)."""

    async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument:
        raise asyncio.CancelledError


async def test_a_protocol_whose_archive_never_ran_is_due_at_once(roster: Sessions) -> None:
    store = FakeStore()
    protocol = await published(roster, store)
    assert isinstance(await sign(roster, LEADER, protocol, store=store), Signed)
    with pytest.raises(asyncio.CancelledError):
        await sign(roster, DEPUTY_LEADER, protocol, store=DyingStore())
    assert await state_of(roster, protocol.id) == ("published", "protocol_published", 2)
    assert await _due(roster, datetime.now(UTC)) == [protocol.id]

    [done] = await archive_signed(roster, documents=store, render=render)
    assert isinstance(done, Finalised)
    assert await state_of(roster, protocol.id) == ("signed", "protocol_signed", 2)
    assert len(await _team_posts(roster)) == 1


async def test_a_second_archive_of_the_same_protocol_in_this_process_waits_its_turn(
    roster: Sessions,
) -> None:
    """The signer's own archive and the job meet: only one of them uploads and posts."""
    uploading, gate = asyncio.Event(), asyncio.Event()

    @dataclass
    class SlowStore(FakeStore):
        async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument:
            uploading.set()
            await gate.wait()
            return await super().put(path, content, content_type=content_type)

    store = FakeStore()
    protocol = await published(roster, store)
    assert isinstance(await sign(roster, LEADER, protocol, store=store), Signed)
    slow = SlowStore()
    signing = asyncio.create_task(sign(roster, DEPUTY_LEADER, protocol, store=slow))
    await asyncio.wait_for(uploading.wait(), 10)
    assert await archive_signed(roster, documents=slow, render=render) == []
    gate.set()
    signed = await signing
    assert isinstance(signed, Signed) and signed.protocol.final
    assert list(slow.files) == ["protokoller/2026/2026-05-21-SSU-protokoll-v1-signert.pdf"]
    assert len(await _team_posts(roster)) == 1
