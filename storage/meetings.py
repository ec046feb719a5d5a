"""Queries on the meeting table. No rules here: the service decides, this reads and writes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.meeting_tables import Meeting
from storage.models import Membership, Person

_POSTGRES_PLAN_LOCK = 0x53_53_55_50  # "SSUP": one plan application at a time per database


async def lock_plan(session: AsyncSession) -> None:
    """Serialise plan applications on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).

    Why: two secretaries approving the same plan at once would both see "not there yet" and the
    second would fail on the unique key; with the lock the second sees the first one's meetings.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        connection = await session.connection()
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_PLAN_LOCK}
        )


async def add(session: AsyncSession, meeting: Meeting) -> Meeting:
    session.add(meeting)
    await session.flush()
    return meeting


async def get_many(session: AsyncSession, meeting_ids: Collection[int]) -> list[Meeting]:
    """Several meetings in one query (a list of cases refers to a handful of meetings)."""
    if not meeting_ids:
        return []
    return list(
        (await session.exec(select(Meeting).where(col(Meeting.id).in_(list(meeting_ids))))).all()
    )


async def get(
    session: AsyncSession, meeting_id: int, *, for_update: bool = False
) -> Meeting | None:
    """The meeting, row-locked on PostgreSQL when it is about to change."""
    query = select(Meeting).where(Meeting.id == meeting_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def by_pattern(session: AsyncSession, *, year: int) -> dict[tuple[str, str], Meeting]:
    """The year's pattern meetings by (body, pattern_key), cancelled ones included."""
    query = select(Meeting).where(Meeting.year == year, col(Meeting.pattern_key).is_not(None))
    return {(m.body, m.pattern_key or ""): m for m in (await session.exec(query)).all()}


async def in_range(
    session: AsyncSession, *, start: datetime, end: datetime, include_cancelled: bool = True
) -> list[Meeting]:
    """The meetings starting in [start, end), ordered by start."""
    query = select(Meeting).where(Meeting.start_at >= start, Meeting.start_at < end)
    if not include_cancelled:
        query = query.where(Meeting.state != "cancelled")
    return list((await session.exec(query.order_by(col(Meeting.start_at), col(Meeting.id)))).all())


async def upcoming(
    session: AsyncSession,
    *,
    now: datetime,
    bodies: Collection[str] | None = None,
    limit: int = 100,
) -> list[Meeting]:
    """Meetings not cancelled that have not ended by ``now``, soonest first."""
    query = select(Meeting).where(Meeting.end_at > now, Meeting.state != "cancelled")
    if bodies is not None:
        query = query.where(col(Meeting.body).in_(list(bodies)))
    query = query.order_by(col(Meeting.start_at), col(Meeting.id)).limit(limit)
    return list((await session.exec(query)).all())


async def open_for_cases(session: AsyncSession, *, now: datetime) -> list[Meeting]:
    """Meetings not yet held whose case-submission deadline is still ahead, soonest first."""
    query = (
        select(Meeting)
        .where(
            Meeting.case_submission_at > now,
            col(Meeting.state).in_(["planned", "notice_published"]),
        )
        .order_by(col(Meeting.start_at), col(Meeting.id))
    )
    return list((await session.exec(query)).all())


async def seats_with_people(session: AsyncSession) -> Sequence[tuple[Membership, Person]]:
    """Every seat with its person: the invitation rule picks the attendees from these."""
    query = (
        select(Membership, Person)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .order_by(col(Person.name), col(Person.id))
    )
    return [(m, p) for m, p in (await session.exec(query)).all()]


async def people_with_role(
    session: AsyncSession, *, body_code: str, roles: Collection[str]
) -> list[Person]:
    """People holding one of ``roles`` in ``body_code`` (e.g. the SSU leader and deputy)."""
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.body_code == body_code, col(Membership.role).in_(list(roles)))
        .order_by(col(Person.name))
    )
    return list((await session.exec(query)).all())
