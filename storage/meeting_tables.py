"""The meeting table: one row per meeting of SSU, the strategy gathering, PA, dialogue or AU.

Why the deadlines are stored and not only computed: reminders, the case form and the notice all
ask "which meetings have a deadline between X and Y" — stored, indexed UTC columns answer that in
one query, and a meeting keeps the deadlines it was planned with even if the rules change later.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow

BODIES = ("SSU", "STRATEGY", "PA", "DIALOG", "AU")
FORMS = ("physical", "digital", "hybrid")
STATES = (
    "planned",
    "notice_published",
    "held",
    "protocol_published",
    "protocol_signed",
    "cancelled",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Meeting(SQLModel, table=True):
    """A meeting. Times are aware UTC; ``year`` is the Europe/Oslo year of the start.

    ``pattern_key`` is set for meetings created from the yearly pattern (``plan --apply`` or the
    plan card) and is unique per (year, body), which makes applying a plan idempotent; meetings
    added by hand have none. ``moved_from`` is the pattern date when a public holiday moved it.
    """

    __table_args__ = (
        UniqueConstraint("year", "body", "pattern_key", name="uq_meeting_year_body_pattern"),
        CheckConstraint(_one_of("body", BODIES), name="ck_meeting_body"),
        CheckConstraint(_one_of("form", FORMS), name="ck_meeting_form"),
        CheckConstraint(_one_of("state", STATES), name="ck_meeting_state"),
        CheckConstraint("end_at > start_at", name="ck_meeting_end_after_start"),
        Index("ix_meeting_state_start", "state", "start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    body: str = Field(max_length=16, index=True)
    title: str = Field(max_length=300)
    start_at: datetime = Field(index=True)
    end_at: datetime
    year: int = Field(index=True)
    form: str = Field(max_length=16)
    online: bool = Field(default=False)
    location: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=100)
    moved_from: date | None = None
    state: str = Field(default="planned", max_length=32)
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pattern_key: str | None = Field(default=None, max_length=32)
    case_submission_at: datetime = Field(index=True)
    notice_at: datetime = Field(index=True)
    protocol_at: datetime = Field(index=True)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
