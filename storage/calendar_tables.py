"""Tables of the calendar sync: the durable job queue, the meeting ↔ calendar event link, and the
events of the embedded local calendar.

Why a queue table: a meeting change is committed together with its calendar job in one transaction,
and the Graph call happens later, outside it. So a crash or a Graph outage can delay a change but
never lose it, and the job's fixed ``transaction_id`` makes a retried create idempotent at Graph.

Times are UTC. SQLite keeps no offset, so the repository converts to UTC before writing and marks
values read back as UTC (see ``storage.calendar_sync.as_utc``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.models import _utc_column, utcnow


class JobOp(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    CANCEL = "cancel"


class JobState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class SyncState(StrEnum):
    SYNCED = "synced"
    PENDING = "pending"
    FAILED = "failed"


class CalendarJob(SQLModel, table=True):
    """One calendar change to carry out: run in id order per meeting, retried until it succeeds
    or Graph refuses it for good.

    ``next_attempt_at`` doubles as the claim lease: a worker that takes a job pushes it forward,
    so no other worker takes it meanwhile, and a crashed worker's job comes due again by itself.
    """

    __tablename__ = "calendarjob"
    __table_args__ = (Index("ix_calendarjob_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(index=True)
    op: str = Field(max_length=16)
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The CalendarEvent as JSON; None for a cancel."""
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    transaction_id: str = Field(max_length=36, unique=True)
    """Fixed at enqueue and sent on every retry, so Graph never creates a second event."""
    state: str = Field(default=JobState.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class CalendarEventLink(SQLModel, table=True):
    """Which calendar event belongs to a meeting, and whether the calendar has caught up."""

    __tablename__ = "calendarevent"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(unique=True, index=True)
    event_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ical_uid: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    join_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    web_link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cancelled: bool = Field(default=False)
    sync_state: str = Field(default=SyncState.PENDING.value, max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class LocalCalendarEvent(SQLModel, table=True):
    """An event of the embedded calendar (used when Microsoft Graph is not configured)."""

    __tablename__ = "localcalendarevent"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64, unique=True, index=True)
    transaction_id: str | None = Field(default=None, max_length=64, unique=True)
    meeting_id: int = Field(index=True)
    ical_uid: str = Field(max_length=200)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    start: datetime = Field(sa_column=_utc_column(index=True))
    end: datetime = Field(sa_column=_utc_column())
    location: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    online: bool = Field(default=False)
    attendees: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    """JSON list of {"email", "name", "required"}."""
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False))
    sequence: int = Field(default=0)
    cancelled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
