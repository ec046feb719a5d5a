"""Outbox repository: idempotent insert, lease-based claiming and guarded state transitions.

Every transition is one UPDATE whose WHERE names the state it leaves and, while a sender holds
the row, the sender's `claimed_by`. A sender that lost its lease (it stalled and another replica
took the row over) therefore changes nothing: the UPDATE matches no row and the caller is told so.

Claiming uses `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas sweeping at the same
moment take disjoint rows without waiting for each other. SQLite renders no FOR UPDATE; there
storage/db.py starts every transaction with BEGIN IMMEDIATE, which serialises claimers (one
process is the supported SQLite set-up; a second one would still never double-claim).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationRef, Person
from storage.outbox_tables import FINAL_STATES, OutboxMessage, OutboxState

PENDING = OutboxState.PENDING.value
SENDING = OutboxState.SENDING.value
SENT = OutboxState.SENT.value


def idempotency_key(*, kind: str, subject: str, recipient: str, deadline_key: str) -> str:
    """A stable hash of what makes a message *the same message* (never of its wording)."""
    canonical = json.dumps(
        [kind, subject, recipient, deadline_key], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewMessage:
    kind: str
    subject: str
    deadline_key: str
    recipient_person_id: int | None
    conversation_id: str | None
    mandatory: bool
    payload: dict[str, Any]
    not_before: datetime
    expires_at: datetime

    @property
    def recipient(self) -> str:
        if self.recipient_person_id is not None:
            return f"person:{self.recipient_person_id}"
        return f"conversation:{self.conversation_id}"

    @property
    def key(self) -> str:
        return idempotency_key(
            kind=self.kind,
            subject=self.subject,
            recipient=self.recipient,
            deadline_key=self.deadline_key,
        )


async def insert_if_absent(
    session: AsyncSession, message: NewMessage, *, now: datetime
) -> tuple[OutboxMessage, bool]:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING, then read the row back.

    Why not "select, then insert if missing": two transactions (replicas, a redelivered job) can
    both see nothing and both insert; the unique key plus DO NOTHING makes the database decide,
    without an exception that would abort the caller's transaction.
    """
    values = {
        "idempotency_key": message.key,
        "kind": message.kind,
        "subject": message.subject,
        "deadline_key": message.deadline_key,
        "recipient_person_id": message.recipient_person_id,
        "conversation_id": message.conversation_id,
        "mandatory": message.mandatory,
        "payload": message.payload,
        "not_before": message.not_before,
        "expires_at": message.expires_at,
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": message.not_before,
        "created_at": now,
        "updated_at": now,
    }
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    dialect = _dialect(session)
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values)
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"unsupported database {dialect!r}")
    statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.exec(statement)
    created = bool(result.rowcount)
    row = await get_by_key(session, message.key)
    if row is None:  # pragma: no cover - the row exists: we inserted it or the conflict did
        raise RuntimeError("outbox row vanished after insert")
    return row, created


async def get_by_key(session: AsyncSession, key: str) -> OutboxMessage | None:
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def get(session: AsyncSession, row_id: int) -> OutboxMessage | None:
    query = select(OutboxMessage).where(OutboxMessage.id == row_id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


def _dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def _lease_free(now: datetime) -> Any:
    return or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now)


def _claimable(now: datetime) -> Any:
    """Due pending rows nobody holds, and in-doubt `sending` rows whose sender's lease ran out."""
    due_pending = and_(
        col(OutboxMessage.state) == PENDING,
        col(OutboxMessage.next_attempt_at) <= now,
        _lease_free(now),
    )
    in_doubt = and_(col(OutboxMessage.state) == SENDING, col(OutboxMessage.claimed_until) <= now)
    return and_(or_(due_pending, in_doubt), col(OutboxMessage.expires_at) > now)


async def expire(session: AsyncSession, *, now: datetime, limit: int = 500) -> list[OutboxMessage]:
    """Drop unsent rows whose deadline has passed (and that no live sender holds)."""
    query = (
        select(OutboxMessage)
        .where(
            col(OutboxMessage.state).in_([PENDING, SENDING]),
            col(OutboxMessage.expires_at) <= now,
            _lease_free(now),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.exec(query.execution_options(populate_existing=True))).all())
    for row in rows:
        in_doubt = row.state == SENDING
        row.last_error = "expired" + (" (last attempt in doubt)" if in_doubt else "")
        row.state = OutboxState.DROPPED.value
        row.claimed_by = None
        row.claimed_until = None
        row.updated_at = now
        session.add(row)
    await session.flush()
    return rows


async def claim(
    session: AsyncSession, *, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[OutboxMessage]:
    """Lease up to `limit` deliverable rows to `owner`; the caller commits at once."""
    if limit <= 0:
        return []
    query = (
        select(OutboxMessage)
        .where(_claimable(now))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.exec(query.execution_options(populate_existing=True))).all())
    for row in rows:
        row.claimed_by = owner
        row.claimed_until = lease_until
        row.updated_at = now
        session.add(row)
    await session.flush()
    return rows


async def renew(
    session: AsyncSession, *, owner: str, ids: Sequence[int], lease_until: datetime
) -> int:
    """Extend the lease on rows still waiting in this sender (not on those being sent)."""
    if not ids:
        return 0
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(ids)),
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.state) == PENDING,
        )
        .values(claimed_until=lease_until)
    )
    return int((await session.exec(statement)).rowcount)


async def mark_sending(
    session: AsyncSession,
    *,
    row_id: int,
    owner: str,
    now: datetime,
    lease_until: datetime,
) -> bool:
    """The last write before the POST: from here until `mark_sent` the row is *in doubt*.

    Guarded: only while `owner` still holds a live lease and the deadline has not passed. The
    lease is stretched to cover the whole HTTP call, so no other sender can take the row over
    while the request may be on the wire.
    """
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.claimed_until) > now,
            col(OutboxMessage.state).in_([PENDING, SENDING]),
            col(OutboxMessage.expires_at) > now,
        )
        .values(
            state=SENDING,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=lease_until,
            updated_at=now,
        )
    )
    return bool((await session.exec(statement)).rowcount)


async def mark_sent(
    session: AsyncSession, *, row_id: int, owner: str, now: datetime, activity_id: str | None
) -> bool:
    """Record the connector's acceptance. Returns False if another sender had taken over.

    The sender records its success even when it lost the lease: the message *was* accepted, and
    writing that down is what stops a further resend. Losing the lease is only reported.
    """
    values = {
        "state": SENT,
        "sent_at": now,
        "activity_id": activity_id,
        "claimed_by": None,
        "claimed_until": None,
        "last_error": None,
        "updated_at": now,
    }
    guarded = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.state) != SENT,
        )
        .values(**values)
    )
    if (await session.exec(guarded)).rowcount:
        return True
    anyway = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.state) != SENT)
        .values(**values)
    )
    await session.exec(anyway)
    return False


async def release(
    session: AsyncSession,
    *,
    row_id: int,
    owner: str,
    now: datetime,
    next_attempt_at: datetime,
    error: str,
) -> bool:
    """Back to `pending` for a later attempt (retryable failure, or this sender gives it up)."""
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.state).in_([PENDING, SENDING]),
        )
        .values(
            state=PENDING,
            next_attempt_at=next_attempt_at,
            claimed_by=None,
            claimed_until=None,
            last_error=error[:2000],
            updated_at=now,
        )
    )
    return bool((await session.exec(statement)).rowcount)


async def finish(
    session: AsyncSession,
    *,
    row_id: int,
    owner: str,
    now: datetime,
    state: OutboxState,
    error: str | None,
) -> bool:
    """A final state other than `sent`: unreachable, failed or dropped."""
    if state not in FINAL_STATES or state == OutboxState.SENT:
        raise ValueError(f"not a final failure state: {state}")
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.state).in_([PENDING, SENDING]),
        )
        .values(
            state=state.value,
            claimed_by=None,
            claimed_until=None,
            last_error=(error or "")[:2000] or None,
            updated_at=now,
        )
    )
    return bool((await session.exec(statement)).rowcount)


async def release_unsent(session: AsyncSession, *, owner: str, now: datetime) -> int:
    """On a clean shutdown: hand back every row this sender claimed but never put on the wire."""
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.claimed_by) == owner, col(OutboxMessage.state) == PENDING)
        .values(claimed_by=None, claimed_until=None, updated_at=now)
    )
    return int((await session.exec(statement)).rowcount)


async def next_due(session: AsyncSession, *, now: datetime) -> datetime | None:
    """When the earliest not-yet-due pending row becomes due (for a short linger)."""
    query = select(func.min(OutboxMessage.next_attempt_at)).where(
        col(OutboxMessage.state) == PENDING, col(OutboxMessage.expires_at) > now
    )
    value = (await session.exec(query)).first()
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=now.tzinfo)


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    query = select(OutboxMessage.state, func.count()).group_by(col(OutboxMessage.state))
    return {state: int(n) for state, n in (await session.exec(query)).all()}


async def for_subject(
    session: AsyncSession, *, kind: str | None = None, subject: str | None = None
) -> list[OutboxMessage]:
    """Rows about one meeting/case/protocol (for `ssu-bot reminders` and the secretariat)."""
    query = select(OutboxMessage)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if subject is not None:
        query = query.where(OutboxMessage.subject == subject)
    return list((await session.exec(query.order_by(col(OutboxMessage.not_before)))).all())


@dataclass(frozen=True, slots=True)
class Targets:
    """The people and stored conversation references a batch of claimed rows needs."""

    people: dict[int, Person]
    personal: dict[int, ConversationRef]
    """person id → their newest installed personal chat with the bot."""
    conversations: dict[str, ConversationRef]


async def targets_for(session: AsyncSession, rows: Sequence[OutboxMessage]) -> Targets:
    """Three queries for a whole claimed batch, instead of two per row: the claim transaction
    holds SQLite's single write lock, and every `sending` commit waits behind it."""
    person_ids = sorted({r.recipient_person_id for r in rows if r.recipient_person_id is not None})
    conversation_ids = sorted({r.conversation_id for r in rows if r.conversation_id is not None})
    people: dict[int, Person] = {}
    personal: dict[int, ConversationRef] = {}
    conversations: dict[str, ConversationRef] = {}
    if person_ids:
        found = await session.exec(select(Person).where(col(Person.id).in_(person_ids)))
        people = {p.id: p for p in found.all() if p.id is not None}
        refs = await session.exec(
            select(ConversationRef)
            .where(
                col(ConversationRef.person_id).in_(person_ids),
                ConversationRef.conversation_type == "personal",
                col(ConversationRef.installed),
            )
            .order_by(col(ConversationRef.updated_at).desc(), col(ConversationRef.id).desc())
        )
        for ref in refs.all():
            if ref.person_id is not None:
                personal.setdefault(ref.person_id, ref)
    if conversation_ids:
        refs = await session.exec(
            select(ConversationRef).where(
                col(ConversationRef.conversation_id).in_(conversation_ids)
            )
        )
        conversations = {ref.conversation_id: ref for ref in refs.all()}
    return Targets(people, personal, conversations)
