"""Enqueue proactive messages: the one way any feature sends something to Teams later.

Why an outbox: a feature writes the message in the *same transaction* as the change that causes
it (a case triaged, a protocol published, a reminder planned), so either both happen or neither.
The sender (bot/teams/delivery.py) delivers committed rows later, within Teams' rate limits, and
the unique idempotency key makes a repeated enqueue — a planner that runs twice, a redelivered
job, two replicas — return the row that already exists instead of sending twice.

    async with transaction(sessions) as session:
        ...change something...
        await outbox.enqueue(session, kind="case_submission", subject="SSU 2026-02-12",
                             recipient_person_id=p.id, payload=outbox.payload(text="…"),
                             not_before=due, expires_at=deadline,
                             deadline_key=f"{deadline.isoformat()}/7d")
    bot.scheduler.kick(app)   # optional: deliver now instead of at the next sweep
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.roles import Actor
from bot.i18n import t
from storage import audit
from storage import outbox as repository
from storage.models import Person, utcnow
from storage.outbox_tables import OutboxMessage
from storage.people import members_of_body

log = logging.getLogger(__name__)

MAX_CARD_BYTES = 28 * 1024
"""Teams refuses a message whose card payload is larger than about 28 KB."""
UNREACHABLE_NOTICE = "unreachable_notice"
UNREACHABLE_NOTICE_LIFETIME = timedelta(days=7)
SECRETARIAT_BODY = "SEK"


class OutboxRefused(ValueError):
    """The message is malformed (a programming error in the caller, not a user error)."""


def payload(
    *, text: str | None = None, card: dict[str, Any] | None = None, summary: str | None = None
) -> dict[str, Any]:
    """The stored message: a text, an Adaptive Card (schema ≤ 1.5), or both."""
    document: dict[str, Any] = {"text": text, "card": card, "summary": summary}
    _validate_payload(document)
    return document


def _validate_payload(document: dict[str, Any]) -> None:
    text = document.get("text")
    card = document.get("card")
    if not text and not card:
        raise OutboxRefused("a message needs a text or a card")
    if text is not None and not isinstance(text, str):
        raise OutboxRefused("text must be a string")
    if card is not None:
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            raise OutboxRefused("card must be an Adaptive Card document")
        size = len(json.dumps(card, ensure_ascii=False).encode("utf-8"))
        if size > MAX_CARD_BYTES:
            raise OutboxRefused(f"card is {size} bytes; Teams accepts at most {MAX_CARD_BYTES}")


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    not_before: datetime,
    expires_at: datetime,
    deadline_key: str,
    recipient_person_id: int | None = None,
    conversation_id: str | None = None,
    mandatory: bool = False,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Insert the message, or return the row that already has its key (never a second row).

    `deadline_key` names the occurrence: the same kind, subject and recipient with the same
    deadline key is the same message (include which reminder it is, e.g. "…/7d" and "…/1d").
    Returns None, and stores nothing, when the recipient turned reminders off and the message is
    not `mandatory`; the delivery checks again just before sending, so turning reminders off
    later still stops it.
    """
    if (recipient_person_id is None) == (conversation_id is None):
        raise OutboxRefused("give exactly one of recipient_person_id and conversation_id")
    if not kind or len(kind) > 32 or not subject or len(subject) > 300:
        raise OutboxRefused("kind (≤ 32 chars) and subject (≤ 300 chars) are required")
    if not deadline_key or len(deadline_key) > 200:
        raise OutboxRefused("deadline_key (≤ 200 chars) is required")
    if not_before.tzinfo is None or expires_at.tzinfo is None:
        raise OutboxRefused("not_before and expires_at must be timezone-aware")
    if expires_at <= not_before:
        raise OutboxRefused("expires_at must be after not_before")
    _validate_payload(payload)
    now = now or utcnow()
    if recipient_person_id is not None and not mandatory:
        person = await session.get(Person, recipient_person_id)
        if person is None:
            raise OutboxRefused(f"no person {recipient_person_id}")
        if not person.reminders_enabled:
            log.info(
                "not enqueued: reminders turned off",
                extra={"kind": kind, "subject": subject, "person": recipient_person_id},
            )
            return None
    message = repository.NewMessage(
        kind=kind,
        subject=subject,
        deadline_key=deadline_key,
        recipient_person_id=recipient_person_id,
        conversation_id=conversation_id,
        mandatory=mandatory,
        payload=payload,
        not_before=not_before.astimezone(UTC),
        expires_at=expires_at.astimezone(UTC),
    )
    row, created = await repository.insert_if_absent(session, message, now=now)
    log.info(
        "outbox enqueued" if created else "outbox already had this message",
        extra={
            "outbox_id": row.id,
            "kind": kind,
            "subject": subject,
            "recipient": message.recipient,
            "not_before": message.not_before.isoformat(),
        },
    )
    return row


async def notify_unreachable(
    session: AsyncSession,
    *,
    person: Person | None,
    conversation_id: str | None,
    what: str,
    now: datetime,
) -> int:
    """Tell every secretariat member that a recipient could not be reached (once per episode).

    The key's deadline part is the recipient, so one unreachable person gives each secretariat
    member one notice however many messages to that person fail, until the person is reachable
    again (delivery clears `Person.unreachable`) and the episode key changes with the date.
    """
    if person is not None:
        target = f"{person.name} <{person.email}>"
        episode = f"person:{person.id}:{now.date().isoformat()}"
    else:
        target = str(conversation_id)
        episode = f"conversation:{conversation_id}:{now.date().isoformat()}"
    notices = 0
    for _membership, member in await members_of_body(session, body_code=SECRETARIAT_BODY):
        if member.id is None or (person is not None and member.id == person.id):
            continue
        text = t("outbox.unreachable", member.locale, target=target, what=what)
        row = await enqueue(
            session,
            kind=UNREACHABLE_NOTICE,
            subject=episode,
            payload=payload(text=text),
            not_before=now,
            expires_at=now + UNREACHABLE_NOTICE_LIFETIME,
            deadline_key=episode,
            recipient_person_id=member.id,
            mandatory=True,
            now=now,
        )
        notices += row is not None
    if notices == 0:
        log.warning("nobody in the secretariat to tell about an unreachable recipient")
    return notices


class PreferenceRefused(Exception):
    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


async def set_reminders(session: AsyncSession, *, actor: Actor, enabled: bool) -> Person:
    """A person turns their optional reminders off or on (mandatory ones still come).

    Kept beside the outbox because the outbox is what enforces the choice, at enqueue and again
    just before each send.
    """
    if actor.person_id is None:
        raise PreferenceRefused("error.unknown_person")
    person = await session.get(Person, actor.person_id)
    if person is None:
        raise PreferenceRefused("error.unknown_person")
    changed = person.reminders_enabled != enabled
    person.reminders_enabled = enabled
    session.add(person)
    await audit.append(
        session,
        action="preferences.reminders",
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type="person",
        subject_id=actor.person_id,
        detail={"enabled": enabled, "changed": changed},
    )
    return person
