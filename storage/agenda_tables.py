"""Agenda and notice tables: a meeting's agenda as the secretariat arranged it, and every
published version of its notice.

Why tables of their own beside ``meeting`` and ``case_record``: the meeting row is the plan and
the case row the case (each owned by its feature); the order of the cases on one meeting's agenda,
the minutes set there and the standing items' numbers belong to the agenda. A case that moves to
another meeting simply leaves its old placement behind, unread.

Why a row per published version: "republishing after changes makes a new version" — each version
keeps the fingerprint of what it said, where its document is, who published it, whether it was
late and why, and whom it was sent to. The unique (meeting, version) pair makes two publishers at
the same moment produce one version, not two.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.case_tables import CaseTime
from storage.models import utcnow


class AgendaRecord(SQLModel, table=True):
    """One meeting's agenda: the standing items' case numbers and their minutes, the lunch break.

    ``lunch_minutes`` None means the default for the meeting's length (see
    ``bot.domain.agenda.default_lunch``); 0 means no lunch break.
    """

    __tablename__ = "agenda"
    __table_args__ = (
        CheckConstraint(
            "approval_minutes >= 1 AND approval_minutes <= 240", name="ck_agenda_approval_minutes"
        ),
        CheckConstraint(
            "minutes_minutes >= 1 AND minutes_minutes <= 240", name="ck_agenda_minutes_minutes"
        ),
        CheckConstraint(
            "lunch_minutes IS NULL OR (lunch_minutes >= 0 AND lunch_minutes <= 120)",
            name="ck_agenda_lunch_minutes",
        ),
        UniqueConstraint("year", "approval_number", name="uq_agenda_approval_number"),
        UniqueConstraint("year", "minutes_number", name="uq_agenda_minutes_number"),
    )

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id"), primary_key=True, autoincrement=False)
    )
    year: int
    approval_number: int
    minutes_number: int
    approval_minutes: int = Field(default=2)
    minutes_minutes: int = Field(default=3)
    lunch_minutes: int | None = None
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(CaseTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(CaseTime(), nullable=False)
    )


class AgendaPlacement(SQLModel, table=True):
    """A case's place (within its section) and minutes on one meeting's agenda."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("meeting_id", "case_id", name="uq_agenda_item_meeting_case"),
        CheckConstraint(
            "minutes IS NULL OR (minutes >= 1 AND minutes <= 240)", name="ck_agenda_item_minutes"
        ),
        Index("ix_agenda_item_meeting", "meeting_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    case_id: int = Field(foreign_key="case_record.id")
    position: int | None = None
    minutes: int | None = None
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(CaseTime(), nullable=False)
    )


class NoticeVersion(SQLModel, table=True):
    """A published version of a meeting's notice.

    ``content`` is what it said (``bot.domain.notice.content_to_json``), so a deputy called in
    later gets exactly this version; ``recipients`` is a JSON list of the person ids it was sent
    to personally; ``case_ids`` the cases it listed (they moved to *scheduled* with it).
    """

    __tablename__ = "notice_version"
    __table_args__ = (
        UniqueConstraint("meeting_id", "version", name="uq_notice_version_meeting_version"),
        CheckConstraint("version >= 1", name="ck_notice_version_version"),
        Index("ix_notice_version_meeting", "meeting_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    version: int
    content_hash: str = Field(max_length=64)
    content: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    document_path: str = Field(max_length=400)
    document_url: str = Field(sa_column=Column(Text, nullable=False))
    document_size: int = Field(default=0)
    published_at: datetime = Field(sa_column=Column(CaseTime(), nullable=False))
    published_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    late: bool = Field(default=False)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recipients: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    channels: int = Field(default=0)
    case_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
