"""Repository of the calendar sync queue and the meeting ↔ calendar event links.

Plain values in, table rows out: the payload is already JSON here, so storage stays free of the
calendar port's types. Every function runs in the caller's session and transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.calendar_tables import CalendarEventLink, CalendarJob, JobState, SyncState


def as_utc(moment: datetime) -> datetime:
    """UTC for writing; a naive value read back from SQLite is UTC by construction."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


async def add_job(
    session: AsyncSession,
    *,
    meeting_id: int,
    op: str,
    payload: str | None,
    comment: str,
    transaction_id: str,
    now: datetime,
) -> CalendarJob:
    now = as_utc(now)
    job = CalendarJob(
        meeting_id=meeting_id,
        op=op,
        payload=payload,
        comment=comment,
        transaction_id=transaction_id,
        state=JobState.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def link_for(session: AsyncSession, *, meeting_id: int) -> CalendarEventLink | None:
    query = select(CalendarEventLink).where(CalendarEventLink.meeting_id == meeting_id)
    return (await session.exec(query)).first()


async def ensure_link(
    session: AsyncSession, *, meeting_id: int, now: datetime
) -> CalendarEventLink:
    """The meeting's link row, created (without an event yet) on first use."""
    link = await link_for(session, meeting_id=meeting_id)
    if link is None:
        link = CalendarEventLink(
            meeting_id=meeting_id, sync_state=SyncState.PENDING.value, updated_at=as_utc(now)
        )
        session.add(link)
        await session.flush()
    return link


async def set_sync_state(
    session: AsyncSession, *, meeting_id: int, state: SyncState, now: datetime
) -> CalendarEventLink:
    link = await ensure_link(session, meeting_id=meeting_id, now=now)
    link.sync_state = state.value
    link.updated_at = as_utc(now)
    session.add(link)
    await session.flush()
    return link


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta
) -> list[CalendarJob]:
    """Take up to ``limit`` due jobs, oldest first, at most the head job of each meeting.

    A job is due when it is pending, its time has come, and no older job of the same meeting is
    still pending — so an update never overtakes its create. Taking a job moves its
    ``next_attempt_at`` forward by ``lease`` and counts the attempt. On PostgreSQL the rows are
    locked ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint jobs; SQLite serialises
    writers with ``BEGIN IMMEDIATE`` (see storage.db), which gives the same guarantee.
    """
    now = as_utc(now)
    older = aliased(CalendarJob)
    blocker = (
        select(older.id)
        .where(
            older.meeting_id == CalendarJob.meeting_id,
            col(older.id) < col(CalendarJob.id),
            older.state == JobState.PENDING.value,
        )
        .exists()
    )
    query = (
        select(CalendarJob)
        .where(
            CalendarJob.state == JobState.PENDING.value,
            col(CalendarJob.next_attempt_at) <= now,
            ~blocker,
        )
        .order_by(col(CalendarJob.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=CalendarJob)
    )
    jobs = list((await session.exec(query)).all())
    for job in jobs:
        job.attempts += 1
        job.next_attempt_at = now + lease
        job.updated_at = now
        session.add(job)
    await session.flush()
    return jobs


async def job_by_id(session: AsyncSession, *, job_id: int) -> CalendarJob | None:
    return await session.get(CalendarJob, job_id)


async def pending_jobs(session: AsyncSession, *, meeting_id: int) -> list[CalendarJob]:
    query = (
        select(CalendarJob)
        .where(CalendarJob.meeting_id == meeting_id, CalendarJob.state == JobState.PENDING.value)
        .order_by(col(CalendarJob.id))
    )
    return list((await session.exec(query)).all())


async def jobs_for(session: AsyncSession, *, meeting_id: int) -> list[CalendarJob]:
    query = (
        select(CalendarJob)
        .where(CalendarJob.meeting_id == meeting_id)
        .order_by(col(CalendarJob.id))
    )
    return list((await session.exec(query)).all())


async def latest_failed(session: AsyncSession, *, meeting_id: int) -> CalendarJob | None:
    query = (
        select(CalendarJob)
        .where(CalendarJob.meeting_id == meeting_id, CalendarJob.state == JobState.FAILED.value)
        .order_by(col(CalendarJob.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    query = select(CalendarJob.state, func.count()).group_by(col(CalendarJob.state))
    return {state: int(count) for state, count in (await session.exec(query)).all()}


async def requeue_failed(session: AsyncSession, *, meeting_id: int, now: datetime) -> int:
    """Make a meeting's failed jobs pending again (after the cause was fixed); returns how many.

    Only jobs newer than the meeting's last successful one: an older failed change has been
    superseded, and replaying it would put stale content back in the calendar.
    """
    now = as_utc(now)
    last_done = (
        await session.exec(
            select(func.max(CalendarJob.id)).where(
                CalendarJob.meeting_id == meeting_id, CalendarJob.state == JobState.DONE.value
            )
        )
    ).first()
    query = select(CalendarJob).where(
        CalendarJob.meeting_id == meeting_id,
        CalendarJob.state == JobState.FAILED.value,
        col(CalendarJob.id) > (last_done or 0),
    )
    jobs = list((await session.exec(query)).all())
    for job in jobs:
        job.state = JobState.PENDING.value
        job.next_attempt_at = now
        job.updated_at = now
        session.add(job)
    await session.flush()
    return len(jobs)
