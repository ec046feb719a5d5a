"""Queries on the evaluation tables. No rules here: bot/services/evaluation.py decides.

Why :func:`store_answer` rewrites all of an evaluation's answers instead of inserting one row:
the answer table has no person, no time and no sequential id, but a database still remembers
*when* and *in which order* rows were written. On PostgreSQL every row carries ``xmin``, the id of
the transaction that wrote it, readable by anyone who can ``SELECT`` the table; the respondent
row marked "answered" in the same transaction carries the same ``xmin``. Row order (``ctid``,
SQLite's ``rowid``) tells the same story. Deleting the evaluation's answers and inserting them
all again, shuffled, in every answering transaction gives every answer the latest transaction's
``xmin`` and a fresh random position — so neither says which answer came with which respondent.
An evaluation has at most a few dozen answers, so this costs next to nothing.

Why this module filters two loggers: with DEBUG logging, aiosqlite logs every statement with its
parameters, and SQLAlchemy's engine echo logs parameters (and, at its most verbose, rows) as a
separate line after each statement. The answer's ratings and comment would then sit in the log a
few lines from the audit entry that names the person, in the same transaction.
:class:`WithholdAnswers` replaces what those loggers would write about ``evaluation_answer``
statements with a note that the values were withheld; statements on other tables are untouched.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.evaluation_tables import (
    Evaluation,
    EvaluationAnswer,
    EvaluationQuestionSet,
    EvaluationRespondent,
)
from storage.meeting_tables import Meeting
from storage.models import Membership, Person

ANSWER_TABLE = EvaluationAnswer.__tablename__
WITHHELD = "[values of an evaluation answer withheld]"
_STATEMENT_LOGGERS = ("aiosqlite",)
"""Loggers that put a statement and its parameters in one record."""
_ECHO_LOGGERS = ("sqlalchemy.engine.Engine",)
"""Loggers that write the statement, then its parameters and rows as records of their own."""


class WithholdAnswers(logging.Filter):
    """Keeps evaluation answers out of SQL debug logging (see the module docstring).

    For the echo loggers, the record after a statement on the answer table is its parameters
    (SQLAlchemy writes both without yielding in between), and rows follow only while no other
    statement was logged on the same thread; those are withheld until the next statement.
    """

    def __init__(self) -> None:
        super().__init__()
        self._after_answer_statement = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name in _STATEMENT_LOGGERS:
            if ANSWER_TABLE in message:
                record.msg, record.args = f"statement on {ANSWER_TABLE} {WITHHELD}", ()
            return True
        if ANSWER_TABLE in message:
            self._after_answer_statement.on = True
        elif getattr(self._after_answer_statement, "on", False):
            if message.startswith(("[", "Row", "Col")):
                record.msg, record.args = WITHHELD, ()
            else:
                self._after_answer_statement.on = False
        return True


_WITHHOLD = WithholdAnswers()
for _name in (*_STATEMENT_LOGGERS, *_ECHO_LOGGERS):
    logging.getLogger(_name).addFilter(_WITHHOLD)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An answer row as it is read and written: nothing but these three facts."""

    token_hash: str
    ratings: tuple[int, ...]
    comment: str | None


async def get(
    session: AsyncSession, evaluation_id: int, *, for_update: bool = False
) -> Evaluation | None:
    """The evaluation, row-locked on PostgreSQL when an answer or the close is about to change it
    (so an answer can never slip in beside a close, and answers never interleave their rewrites).
    """
    query = select(Evaluation).where(Evaluation.id == evaluation_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def for_meeting(session: AsyncSession, meeting_id: int) -> Evaluation | None:
    query = select(Evaluation).where(Evaluation.meeting_id == meeting_id)
    return (await session.exec(query)).first()


async def with_meetings(
    session: AsyncSession, *, state: str | None = None, year: int | None = None
) -> list[tuple[Evaluation, Meeting]]:
    """Evaluations with their meetings, oldest meeting first."""
    query = select(Evaluation, Meeting).join(Meeting, col(Meeting.id) == col(Evaluation.meeting_id))
    if state is not None:
        query = query.where(Evaluation.state == state)
    if year is not None:
        query = query.where(Evaluation.year == year)
    query = query.order_by(col(Meeting.start_at), col(Evaluation.id))
    return [(e, m) for e, m in (await session.exec(query)).all()]


async def latest(session: AsyncSession) -> tuple[Evaluation, Meeting] | None:
    """The evaluation of the meeting that started last."""
    query = (
        select(Evaluation, Meeting)
        .join(Meeting, col(Meeting.id) == col(Evaluation.meeting_id))
        .order_by(col(Meeting.start_at).desc(), col(Evaluation.id).desc())
        .limit(1)
    )
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found is not None else None


async def add(session: AsyncSession, evaluation: Evaluation, person_ids: Iterable[int]) -> None:
    """A new evaluation and its respondents (nobody has answered yet)."""
    session.add(evaluation)
    await session.flush()
    assert evaluation.id is not None
    for person_id in sorted(set(person_ids)):
        session.add(EvaluationRespondent(evaluation_id=evaluation.id, person_id=person_id))
    await session.flush()


async def save(session: AsyncSession, evaluation: Evaluation) -> None:
    session.add(evaluation)
    await session.flush()


async def respondent(
    session: AsyncSession, *, evaluation_id: int, person_id: int
) -> EvaluationRespondent | None:
    query = select(EvaluationRespondent).where(
        EvaluationRespondent.evaluation_id == evaluation_id,
        EvaluationRespondent.person_id == person_id,
    )
    return (await session.exec(query)).first()


async def mark_answered(session: AsyncSession, seat: EvaluationRespondent) -> None:
    seat.answered = True
    session.add(seat)
    await session.flush()


async def respondent_ids(
    session: AsyncSession, *, evaluation_id: int, answered: bool | None = None
) -> list[int]:
    query = select(EvaluationRespondent.person_id).where(
        EvaluationRespondent.evaluation_id == evaluation_id
    )
    if answered is not None:
        query = query.where(EvaluationRespondent.answered == answered)
    return sorted((await session.exec(query)).all())


async def counts(session: AsyncSession, *, evaluation_id: int) -> tuple[int, int]:
    """(eligible, answered) for one evaluation."""
    query = select(EvaluationRespondent.answered).where(
        EvaluationRespondent.evaluation_id == evaluation_id
    )
    flags = list((await session.exec(query)).all())
    return len(flags), sum(1 for flag in flags if flag)


async def answers(session: AsyncSession, *, evaluation_id: int) -> list[StoredAnswer]:
    """Read as plain columns, not ORM objects: :func:`store_answer` rewrites these rows with
    Core statements, and an identity map holding the old versions would hand them back stale."""
    query = select(
        EvaluationAnswer.token_hash, EvaluationAnswer.ratings, EvaluationAnswer.comment
    ).where(EvaluationAnswer.evaluation_id == evaluation_id)
    return [_stored(*row) for row in (await session.exec(query)).all()]


async def answers_of(
    session: AsyncSession, *, evaluation_ids: Sequence[int]
) -> dict[int, list[StoredAnswer]]:
    """The answers of several evaluations at once (the trend and the CSV)."""
    if not evaluation_ids:
        return {}
    query = select(
        EvaluationAnswer.evaluation_id,
        EvaluationAnswer.token_hash,
        EvaluationAnswer.ratings,
        EvaluationAnswer.comment,
    ).where(col(EvaluationAnswer.evaluation_id).in_(list(evaluation_ids)))
    found: dict[int, list[StoredAnswer]] = {i: [] for i in evaluation_ids}
    for evaluation_id, *row in (await session.exec(query)).all():
        found[evaluation_id].append(_stored(*row))
    return found


def _stored(token_hash: str, ratings: str, comment: str | None) -> StoredAnswer:
    return StoredAnswer(token_hash, tuple(int(v) for v in json.loads(ratings)), comment)


async def store_answer(
    session: AsyncSession,
    *,
    evaluation_id: int,
    answer: StoredAnswer,
    rng: random.Random,
) -> bool:
    """Add ``answer``, or replace the one with the same token hash; True when it replaced one.

    Rewrites every answer of the evaluation in random order (see the module docstring). The
    caller holds the evaluation's row lock, so two answers never rewrite at the same time.
    """
    current = await answers(session, evaluation_id=evaluation_id)
    replaced = any(a.token_hash == answer.token_hash for a in current)
    rows = [a for a in current if a.token_hash != answer.token_hash] + [answer]
    rng.shuffle(rows)
    connection = await session.connection()
    await connection.execute(
        delete(EvaluationAnswer).where(col(EvaluationAnswer.evaluation_id) == evaluation_id)
    )
    await connection.execute(
        insert(EvaluationAnswer),
        [
            {
                "token_hash": a.token_hash,
                "evaluation_id": evaluation_id,
                "ratings": json.dumps(list(a.ratings)),
                "comment": a.comment,
            }
            for a in rows
        ],
    )
    return replaced


async def has_answer(session: AsyncSession, *, evaluation_id: int, token_hash: str) -> bool:
    query = select(EvaluationAnswer.token_hash).where(
        EvaluationAnswer.evaluation_id == evaluation_id,
        EvaluationAnswer.token_hash == token_hash,
    )
    return (await session.exec(query)).first() is not None


async def people(session: AsyncSession, *, person_ids: Iterable[int]) -> dict[int, Person]:
    query = select(Person).where(col(Person.id).in_(sorted(set(person_ids))))
    return {p.id: p for p in (await session.exec(query)).all() if p.id is not None}


async def latest_started_meeting(
    session: AsyncSession, *, bodies: Iterable[str], now: datetime
) -> Meeting | None:
    """The meeting of one of ``bodies`` that started last by ``now``, cancelled ones left out."""
    query = (
        select(Meeting)
        .where(
            col(Meeting.body).in_(sorted(bodies)),
            Meeting.state != "cancelled",
            Meeting.start_at <= now,
        )
        .order_by(col(Meeting.start_at).desc(), col(Meeting.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def member_ids(session: AsyncSession, *, body_code: str, roles: Iterable[str]) -> set[int]:
    """People holding one of ``roles`` in ``body_code``."""
    query = select(Membership.person_id).where(
        Membership.body_code == body_code, col(Membership.role).in_(sorted(set(roles)))
    )
    return set((await session.exec(query)).all())


async def question_set(session: AsyncSession, *, year: int) -> EvaluationQuestionSet | None:
    return await session.get(EvaluationQuestionSet, year)


async def save_question_set(session: AsyncSession, row: EvaluationQuestionSet) -> None:
    await session.merge(row)
    await session.flush()
