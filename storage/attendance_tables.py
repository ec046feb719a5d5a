"""Attendance and the meeting as it really happened.

Why two tables beside ``meeting`` rather than columns on it: the meeting row is the plan (owned by
the meetings feature); what happened on the day — who reported absence, which deputy was called
in, who checked in, which Teams chat belongs to the meeting and when it really started and ended —
is recorded here, one row per person per meeting and one context row per meeting, so attendance
changes never contend with planning changes for the same row.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class AttendanceStatus(StrEnum):
    """``called_in``: a personal deputy asked to take an absent member's seat, not yet present."""

    PRESENT = "present"
    ABSENT = "absent"
    CALLED_IN = "called_in"


class AttendanceSource(StrEnum):
    """How the row got its status: the person themselves, the secretariat, an absence report."""

    SELF = "self"
    SECRETARIAT = "secretariat"
    ABSENCE = "absence"


STATUSES = tuple(s.value for s in AttendanceStatus)
SOURCES = tuple(s.value for s in AttendanceSource)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Attendance(SQLModel, table=True):
    """One person's attendance at one meeting.

    ``replaces_person_id`` is set on a personal deputy's row: the member whose seat they take.
    ``absence_reported_at`` is set once when the person themselves reports absence in advance
    (``kan ikke stille``); a second report is refused, a later check-in keeps it for the record.
    """

    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id", name="uq_attendance_meeting_person"),
        CheckConstraint(_one_of("status", STATUSES), name="ck_attendance_status"),
        CheckConstraint(_one_of("source", SOURCES), name="ck_attendance_source"),
        Index("ix_attendance_meeting_status", "meeting_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=16)
    source: str = Field(max_length=16)
    replaces_person_id: int | None = Field(default=None, foreign_key="person.id")
    absence_reported_at: datetime | None = None
    checked_in_at: datetime | None = None
    updated_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MeetingContext(SQLModel, table=True):
    """The meeting as it happened: its Teams chat, its real start and end.

    ``conversation_id`` is the Teams meeting chat (or group chat) the meeting was opened in;
    ``join_thread`` the ``19:meeting_…@thread.v2`` thread of the Teams join URL, which is also
    the id of the meeting's chat. ``started_at``/``ended_at`` are when it really started and ended
    (Teams meeting events or the chair's ``åpne møte``/``avslutt møte``), first report wins.
    """

    __tablename__ = "meetingcontext"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True, index=True)
    conversation_id: str | None = Field(default=None, max_length=400, index=True)
    teams_meeting_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    join_thread: str | None = Field(default=None, max_length=400, index=True)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    opened_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    closed_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
