"""Case tables: the submitted cases (saker) and the per-year counter that numbers them.

Why a counter row per year instead of ``MAX(number) + 1``: two submitters at the same moment
would both read the same maximum. ``UPDATE case_counter SET last_number = last_number + 1 …
RETURNING`` takes the row's lock (PostgreSQL) or runs under SQLite's ``BEGIN IMMEDIATE`` write
lock, so numbers are handed out one at a time; the counter is updated in the same transaction as
the case is inserted, so a failed submission rolls its number back and the series stays gap-free.
The unique (year, number) constraint is the last line of defence.

Why ``submission_key`` is unique: it is the card's draft id, so a double click or a redelivered
invoke can never create a second case.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage.models import utcnow

STATUSES = ("submitted", "triaged", "scheduled", "treated", "decided", "closed")
CASE_TYPES = ("decision", "theme", "report", "other")
IMPACTS = ("none", "minor", "major")
ROUTES = ("au", "au_line", "ssu")
SECTIONS = ("decision", "theme", "report", "other")


def _one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    check = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {check}" if nullable else check


class CaseTime(TypeDecorator[datetime]):
    """Aware UTC in and out on both backends.

    Why: SQLite has no time zones; SQLAlchemy would store an aware value's wall clock and hand it
    back naive. Storing UTC and re-attaching UTC on the way out keeps comparisons right.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("case times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time(*, nullable: bool = False) -> Any:
    return Column(CaseTime(), nullable=nullable)


class CaseCounter(SQLModel, table=True):
    """The last case number handed out in a calendar year (Europe/Oslo)."""

    __tablename__ = "case_counter"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last_number: int = Field(default=0)


class Case(SQLModel, table=True):
    """A case submitted on the template, with its number, route and place in a meeting.

    ``requested_meeting_id`` is the meeting the submitter chose; ``meeting_id`` the one the case
    is planned for (the next open one when the chosen meeting's case deadline had passed, or the
    secretariat's choice at triage). The submitter is kept three ways: the roster person when
    known, the AAD object id (anyone may submit, also people not in the roster) and the personal
    conversation, which is how the bot tells people outside the roster about status changes.
    """

    __tablename__ = "case_record"
    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_case_record_year_number"),
        UniqueConstraint("submission_key", name="uq_case_record_submission_key"),
        CheckConstraint(_one_of("status", STATUSES), name="ck_case_record_status"),
        CheckConstraint(_one_of("case_type", CASE_TYPES), name="ck_case_record_case_type"),
        CheckConstraint(_one_of("economic_impact", IMPACTS), name="ck_case_record_impact"),
        CheckConstraint(_one_of("route", ROUTES, nullable=True), name="ck_case_record_route"),
        CheckConstraint(_one_of("section", SECTIONS, nullable=True), name="ck_case_record_section"),
        CheckConstraint(
            "minutes IS NULL OR (minutes >= 1 AND minutes <= 240)", name="ck_case_record_minutes"
        ),
        CheckConstraint("number >= 1", name="ck_case_record_number"),
        Index("ix_case_record_status", "status"),
        Index("ix_case_record_meeting", "meeting_id"),
        Index("ix_case_record_submitter_person", "submitter_person_id"),
        Index("ix_case_record_submitter_aad", "submitter_aad_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    number: int
    submission_key: str = Field(max_length=64)
    title: str = Field(max_length=200)
    submitter_org: str = Field(max_length=200)
    anchored: bool = Field(default=True)
    anchored_with: str = Field(max_length=200)
    case_type: str = Field(max_length=16)
    background: str = Field(sa_column=Column(Text, nullable=False))
    assessment: str = Field(sa_column=Column(Text, nullable=False))
    proposal: str = Field(default="", sa_column=Column(Text, nullable=False))
    economic_impact: str = Field(max_length=8)
    attachments: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    requested_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    status: str = Field(default="submitted", max_length=16)
    route: str | None = Field(default=None, max_length=8)
    section: str | None = Field(default=None, max_length=16)
    minutes: int | None = None
    submitter_person_id: int | None = Field(default=None, foreign_key="person.id")
    submitter_aad_id: str | None = Field(default=None, max_length=64)
    submitter_name: str = Field(default="", max_length=200)
    submitter_conversation_id: str | None = Field(default=None, max_length=400)
    triaged_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    triaged_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())
