"""Self-evaluation tables: evaluations, who may and did answer, the anonymous answers, and the
question set configured per year.

Anonymity is a property of this schema, not a promise of the code around it:

- ``evaluation_answer`` has *no* column that names a person, a Teams account, a conversation or a
  time. Its key is the SHA-256 hash of a random token that only the person's own card holds, so
  the server can replace an answer when that token comes back, but cannot say whose it is.
- ``evaluation_respondent`` says who was eligible and whether they answered, and holds nothing
  that points at an answer.
- Neither table has an autoincrement id or a timestamp, so neither row order nor ids line up
  between the two; ``storage.evaluations.store_answer`` also rewrites an evaluation's answers in a
  random order on every answer (see there for why).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from storage.models import utcnow

EVALUATION_STATES = ("open", "closed")


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class EvaluationQuestionSet(SQLModel, table=True):
    """The question set the secretariat configured for a year (absent: the default set)."""

    __tablename__ = "evaluation_question_set"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    questions: str = Field(sa_column=Column(Text, nullable=False))
    """``bot.domain.evaluation.QuestionSet.to_json()`` as JSON."""
    updated_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc())


class Evaluation(SQLModel, table=True):
    """One evaluation per meeting, with a copy of the questions it was asked with."""

    __tablename__ = "evaluation"
    __table_args__ = (
        CheckConstraint(
            f"state IN ({', '.join(repr(s) for s in EVALUATION_STATES)})",
            name="ck_evaluation_state",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", unique=True)
    year: int = Field(index=True)
    questions: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="open", max_length=16)
    chat_conversation_id: str | None = Field(default=None, max_length=400)
    """The meeting chat the poll was posted to (results go there too); None: personal only."""
    opened_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    closed_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class EvaluationRespondent(SQLModel, table=True):
    """Someone who may answer (present at the meeting) and whether they have. No answer link."""

    __tablename__ = "evaluation_respondent"

    evaluation_id: int = Field(foreign_key="evaluation.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    answered: bool = Field(default=False)


class EvaluationAnswer(SQLModel, table=True):
    """One anonymous answer: the ratings and the comment, keyed by the hash of the change token."""

    __tablename__ = "evaluation_answer"

    token_hash: str = Field(primary_key=True, max_length=64)
    evaluation_id: int = Field(foreign_key="evaluation.id", index=True)
    ratings: str = Field(max_length=64)
    """The 1–5 ratings in statement order, as a JSON list."""
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
