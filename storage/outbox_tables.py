"""The outbox: every proactive Teams message is a row here before it is a request to Teams.

Why a table and not APScheduler's job store: the row is the one durable record of "this message
must reach this person once, not after its deadline". It survives restarts, is shared by replicas
on PostgreSQL, and its unique idempotency key turns every duplicate enqueue (a redelivered job, a
planner run twice, two replicas planning at once) into a no-op.

States (guarded transitions, see storage/outbox.py)::

    pending ──claim (lease)──► pending+claimed ──just before the POST──► sending ──2xx──► sent
       ▲                                 │                                  │
       └──── retryable error, lease expiry ┴──────── 403/404 ──► unreachable │
    pending/sending past expires_at ──► dropped            permanent error ──► failed
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Always UTC in, always aware UTC out.

    Why: SQLite has no time zones — SQLAlchemy writes an aware datetime's *local* wall clock and
    reads it back naive, so a +01:00 value would be stored an hour off and compare wrongly in the
    sweep's `next_attempt_at <= :now`. Converting to UTC on the way in keeps the stored strings
    ordered like the instants they denote, on SQLite and PostgreSQL alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("outbox times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(*, nullable: bool = False) -> Any:
    return Column(UTCDateTime(), nullable=nullable)


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DROPPED = "dropped"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


FINAL_STATES = frozenset(
    {OutboxState.SENT, OutboxState.DROPPED, OutboxState.UNREACHABLE, OutboxState.FAILED}
)


class OutboxMessage(SQLModel, table=True):
    """One message to one person (personal chat) or one conversation (a channel post)."""

    __tablename__ = "outboxmessage"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outboxmessage_idempotency_key"),
        CheckConstraint(
            "(recipient_person_id IS NULL) <> (conversation_id IS NULL)",
            name="ck_outboxmessage_one_target",
        ),
        Index("ix_outboxmessage_due", "state", "next_attempt_at"),
        Index("ix_outboxmessage_lease", "state", "claimed_until"),
        Index("ix_outboxmessage_expiry", "state", "expires_at"),
        Index("ix_outboxmessage_kind_subject", "kind", "subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=64)
    """sha256 of (kind, subject, recipient, deadline key): at most one row per occurrence."""
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=300)
    deadline_key: str = Field(max_length=200)
    recipient_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    conversation_id: str | None = Field(default=None, max_length=400)
    mandatory: bool = Field(default=False)
    """True: sent even to people who turned reminders off (the secretariat's own deadlines)."""
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    """{"text": str | None, "card": Adaptive Card dict | None, "summary": str | None}."""
    not_before: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    """The deadline: never sent at or after it."""
    state: str = Field(default=OutboxState.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    """HTTP attempts made (each `sending` transition)."""
    next_attempt_at: datetime = Field(sa_column=_utc())
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    activity_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
