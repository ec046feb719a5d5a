"""Consensus tables: the rounds held on decision cases, each member's answer and the observers'
input.

Why three tables: a round is one row the chair opens and closes (with the final decision text,
the outcome and the quorum as it was at the close, for the protocol); answers and observer input
are one row per person per round, so a member changing their answer updates only their own row
and never contends with anyone else's. Observers' input has its own table: it is never counted,
and keeping it apart makes it impossible to count by mistake.

Why names are copied into the answer rows: the protocol must say who stood for and against *at
that meeting*, also after the roster has changed (a member replaced, a name corrected).

Why a partial unique index on (case_id) where the round is open: a second round on the same case
can only start after the first is closed, also when two clicks arrive at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.case_tables import CaseTime
from storage.models import utcnow

ROUND_STATUSES = ("open", "closed")
OUTCOMES = ("consensus", "no_consensus")
POSITIONS = ("agree", "object", "abstain")


def _one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    check = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {check}" if nullable else check


def _time(*, nullable: bool = False) -> Any:
    return Column(CaseTime(), nullable=nullable)


_OPEN = text("status = 'open'")


class ConsensusRound(SQLModel, table=True):
    """One consensus round on one decision case at one meeting.

    ``proposal`` is the case's proposed decision when the round started; ``decision_text`` the
    text put to the round (the chair may amend it). ``major_economic`` is fixed at the start: it
    decides who may answer. ``conversation_id``/``activity_id`` are the chat and the message of
    the round card, updated on every change. At the close: ``outcome``, the quorum as it was and
    how many were eligible (``eligible_count``; those who did not answer are not named).
    """

    __tablename__ = "consensus_round"
    __table_args__ = (
        CheckConstraint(_one_of("status", ROUND_STATUSES), name="ck_consensus_round_status"),
        CheckConstraint(
            _one_of("outcome", OUTCOMES, nullable=True), name="ck_consensus_round_outcome"
        ),
        CheckConstraint(
            "(status = 'open') = (outcome IS NULL)", name="ck_consensus_round_outcome_when_closed"
        ),
        Index("ix_consensus_round_meeting", "meeting_id"),
        Index("ix_consensus_round_case", "case_id"),
        Index(
            "uq_consensus_round_open_case",
            "case_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    case_id: int = Field(foreign_key="case_record.id")
    status: str = Field(default="open", max_length=8)
    proposal: str = Field(default="", sa_column=Column(Text, nullable=False))
    decision_text: str = Field(sa_column=Column(Text, nullable=False))
    major_economic: bool = Field(default=False)
    chair_person_id: int | None = Field(default=None, foreign_key="person.id")
    started_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    conversation_id: str | None = Field(default=None, max_length=400)
    activity_id: str | None = Field(default=None, max_length=200)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    closed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    closed_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    outcome: str | None = Field(default=None, max_length=16)
    quorum_present: int | None = None
    quorum_total: int | None = None
    quorum_required: int | None = None
    quorum_reached: bool | None = None
    eligible_count: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class ConsensusAnswer(SQLModel, table=True):
    """A member's (or a personal deputy's) answer in a round; changed in place until the close.

    ``seat_member_id`` is the member whose seat the person sits in (themselves, or the absent
    member a deputy replaces). ``counted`` is set at the close: whether the person was still
    eligible then (an answer by someone who left is kept, not counted).
    """

    __tablename__ = "consensus_answer"
    __table_args__ = (
        UniqueConstraint("round_id", "person_id", name="uq_consensus_answer_round_person"),
        CheckConstraint(_one_of("position", POSITIONS), name="ck_consensus_answer_position"),
        Index("ix_consensus_answer_round", "round_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="consensus_round.id")
    person_id: int = Field(foreign_key="person.id")
    seat_member_id: int = Field(foreign_key="person.id")
    person_name: str = Field(max_length=200)
    seat_member_name: str = Field(default="", max_length=200)
    position: str = Field(max_length=8)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    counted: bool | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class ConsensusInput(SQLModel, table=True):
    """An observer's input to a round: recorded for the protocol, never counted."""

    __tablename__ = "consensus_input"
    __table_args__ = (
        UniqueConstraint("round_id", "person_id", name="uq_consensus_input_round_person"),
        Index("ix_consensus_input_round", "round_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="consensus_round.id")
    person_id: int = Field(foreign_key="person.id")
    person_name: str = Field(max_length=200)
    organisation: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())
