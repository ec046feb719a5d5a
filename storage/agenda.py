"""Queries on the agenda and notice tables. No rules here: the services decide, this reads and
writes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.agenda_tables import AgendaPlacement, AgendaRecord, NoticeVersion
from storage.case_tables import Case, CaseCounter
from storage.meeting_tables import Meeting


async def record_for(
    session: AsyncSession, *, meeting_id: int, for_update: bool = False
) -> AgendaRecord | None:
    query = select(AgendaRecord).where(AgendaRecord.meeting_id == meeting_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def peek_number(session: AsyncSession, *, year: int) -> int:
    """The case number the year's series would hand out next (nothing is taken)."""
    query = select(CaseCounter.last_number).where(CaseCounter.year == year)
    last = (await session.exec(query)).first()
    return (last or 0) + 1


async def add_record(session: AsyncSession, record: AgendaRecord) -> AgendaRecord:
    session.add(record)
    await session.flush()
    return record


async def cases_for(
    session: AsyncSession, *, meeting_id: int, statuses: Collection[str]
) -> list[Case]:
    """The meeting's cases in the given states, by number."""
    query = (
        select(Case)
        .where(Case.meeting_id == meeting_id, col(Case.status).in_(list(statuses)))
        .order_by(col(Case.year), col(Case.number))
    )
    return list((await session.exec(query)).all())


async def count_cases(session: AsyncSession, *, meeting_id: int, statuses: Collection[str]) -> int:
    query = select(func.count()).where(
        col(Case.meeting_id) == meeting_id, col(Case.status).in_(list(statuses))
    )
    return int((await session.exec(query)).one())


async def placements(session: AsyncSession, *, meeting_id: int) -> dict[int, AgendaPlacement]:
    """The meeting's placements by case id."""
    query = select(AgendaPlacement).where(AgendaPlacement.meeting_id == meeting_id)
    return {row.case_id: row for row in (await session.exec(query)).all()}


async def save(session: AsyncSession, *rows: AgendaRecord | AgendaPlacement) -> None:
    for row in rows:
        session.add(row)
    await session.flush()


async def versions(session: AsyncSession, *, meeting_id: int) -> list[NoticeVersion]:
    """Every published version of the meeting's notice, oldest first."""
    query = (
        select(NoticeVersion)
        .where(NoticeVersion.meeting_id == meeting_id)
        .order_by(col(NoticeVersion.version))
    )
    return list((await session.exec(query)).all())


async def latest_version(session: AsyncSession, *, meeting_id: int) -> NoticeVersion | None:
    query = (
        select(NoticeVersion)
        .where(NoticeVersion.meeting_id == meeting_id)
        .order_by(col(NoticeVersion.version).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def add_version(session: AsyncSession, version: NoticeVersion) -> NoticeVersion:
    session.add(version)
    await session.flush()
    return version


async def previous_meeting(
    session: AsyncSession, *, body: str, before: datetime, states: Collection[str]
) -> Meeting | None:
    """The body's latest meeting in ``states`` that started before ``before``."""
    query = (
        select(Meeting)
        .where(
            Meeting.body == body,
            Meeting.start_at < before,
            col(Meeting.state).in_(list(states)),
        )
        .order_by(col(Meeting.start_at).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()
