"""Queries on attendance and meeting contexts. No rules here: the service decides, this reads and
writes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.attendance_tables import Attendance, MeetingContext
from storage.calendar_tables import CalendarEventLink
from storage.meeting_tables import Meeting
from storage.models import Membership, Person


async def for_meeting(session: AsyncSession, *, meeting_id: int) -> list[Attendance]:
    query = (
        select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(col(Attendance.id))
    )
    return list((await session.exec(query)).all())


async def get(
    session: AsyncSession, *, meeting_id: int, person_id: int, for_update: bool = False
) -> Attendance | None:
    """One person's row, row-locked on PostgreSQL when it is about to change."""
    query = select(Attendance).where(
        Attendance.meeting_id == meeting_id, Attendance.person_id == person_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def save(session: AsyncSession, row: Attendance) -> Attendance:
    session.add(row)
    await session.flush()
    return row


async def body_roster(session: AsyncSession, *, body_code: str) -> list[tuple[Membership, Person]]:
    """Every seat of ``body_code`` with its person, by name."""
    query = (
        select(Membership, Person)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .where(Membership.body_code == body_code)
        .order_by(col(Person.name), col(Person.id))
    )
    return [(m, p) for m, p in (await session.exec(query)).all()]


async def people(session: AsyncSession, *, person_ids: Collection[int]) -> dict[int, Person]:
    if not person_ids:
        return {}
    query = select(Person).where(col(Person.id).in_(list(person_ids)))
    return {p.id: p for p in (await session.exec(query)).all() if p.id is not None}


async def secretariat(session: AsyncSession) -> list[Person]:
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.role == "secretariat")
        .order_by(col(Person.name), col(Person.id))
        .distinct()
    )
    return list((await session.exec(query)).all())


# --------------------------------------------------------------------------------------------------
# Meeting contexts
# --------------------------------------------------------------------------------------------------


async def context_for(
    session: AsyncSession, *, meeting_id: int, for_update: bool = False
) -> MeetingContext | None:
    query = select(MeetingContext).where(MeetingContext.meeting_id == meeting_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def contexts_in_conversation(
    session: AsyncSession, *, conversation_id: str
) -> list[MeetingContext]:
    """The meetings linked to a chat, the most recently linked first."""
    query = (
        select(MeetingContext)
        .where(MeetingContext.conversation_id == conversation_id)
        .order_by(col(MeetingContext.created_at).desc(), col(MeetingContext.id).desc())
    )
    return list((await session.exec(query)).all())


async def contexts_by_thread(session: AsyncSession, *, thread: str) -> list[MeetingContext]:
    query = (
        select(MeetingContext)
        .where(MeetingContext.join_thread == thread)
        .order_by(col(MeetingContext.created_at).desc(), col(MeetingContext.id).desc())
    )
    return list((await session.exec(query)).all())


async def ensure_context(
    session: AsyncSession, *, meeting_id: int, now: datetime
) -> MeetingContext:
    """The meeting's context row, created on first use (and locked on PostgreSQL)."""
    row = await context_for(session, meeting_id=meeting_id, for_update=True)
    if row is None:
        row = MeetingContext(meeting_id=meeting_id, created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
    return row


async def join_urls(session: AsyncSession, *, meeting_ids: Collection[int]) -> dict[int, str]:
    """The Teams join URLs the calendar stored for these meetings."""
    if not meeting_ids:
        return {}
    query = select(CalendarEventLink).where(
        col(CalendarEventLink.meeting_id).in_(list(meeting_ids)),
        col(CalendarEventLink.join_url).is_not(None),
    )
    return {
        link.meeting_id: link.join_url
        for link in (await session.exec(query)).all()
        if link.join_url
    }


async def meetings_around(
    session: AsyncSession, *, start: datetime, end: datetime, limit: int = 20
) -> list[Meeting]:
    """Meetings not cancelled that overlap [start, end), soonest first."""
    query = (
        select(Meeting)
        .where(Meeting.start_at < end, Meeting.end_at > start, Meeting.state != "cancelled")
        .order_by(col(Meeting.start_at), col(Meeting.id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())
