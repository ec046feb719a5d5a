"""Calendar sync: never lose or double a calendar change.

The meetings service calls ``enqueue_change`` inside its own transaction, so the meeting and its
calendar job are committed together or not at all. ``process_due`` (run by the worker every few
seconds) then carries the jobs out against the CalendarPort, outside any database transaction:

- per meeting strictly in order (an update never runs before its create succeeded);
- a create always sends the job's transaction id, fixed at enqueue, so a create whose reply was
  lost and is retried gets the same event back from Graph instead of a second one;
- a transient failure (throttling, outage, timeout) reschedules the job — after ``Retry-After``
  when the server gave one, else exponential backoff with full jitter (2 s base, 15 min cap) —
  and never gives up; a permanent refusal marks the job failed and writes an audit entry;
- ``sync_state`` tells cards whether the calendar has caught up ("venter på kalender");
- once a meeting's notice is published, every create or update carries the agenda and the link
  to the notice in the event's body (:func:`with_agenda`), whoever queues it: moving the meeting,
  an absence or a deputy called in rebuilds the event from the meeting and must not drop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.notice import calendar_html, content_from_json
from bot.graph.port import (
    Attendee,
    CalendarEvent,
    CalendarPort,
    EventRef,
    PermanentCalendarError,
    TransientCalendarError,
)
from storage import agenda as agenda_repo
from storage import audit
from storage import calendar_sync as repo
from storage.calendar_sync import as_utc
from storage.calendar_tables import CalendarEventLink, CalendarJob, JobOp, JobState, SyncState
from storage.db import transaction
from storage.models import AuditOutcome, utcnow

log = logging.getLogger(__name__)

BACKOFF_BASE: Final = timedelta(seconds=2)
BACKOFF_CAP: Final = timedelta(minutes=15)
RETRY_AFTER_CAP: Final = timedelta(hours=1)
"""Retry-After is honoured as given, up to this (a garbled huge value must not park a change)."""
MIN_DELAY: Final = timedelta(seconds=1)
CLAIM_LEASE: Final = timedelta(minutes=3)
"""How long a taken job is reserved: three times the port's call timeout (60 s), short enough
that a job cut off by a shutdown comes due again soon."""
MAX_CONCURRENT_CALLS: Final = 4
"""Outlook allows four concurrent requests per app per mailbox."""
AUDIT_SUBJECT: Final = "meeting"
ERROR_TEXT_LIMIT: Final = 2000


# --------------------------------------------------------------------------------------------------
# Payload: the CalendarEvent as JSON (times in UTC)
# --------------------------------------------------------------------------------------------------


def encode_event(event: CalendarEvent) -> str:
    return json.dumps(
        {
            "meeting_id": event.meeting_id,
            "subject": event.subject,
            "start": as_utc(event.start).isoformat(),
            "end": as_utc(event.end).isoformat(),
            "location": event.location,
            "online": event.online,
            "attendees": [
                {"email": a.email, "name": a.name, "required": a.required} for a in event.attendees
            ],
            "body_html": event.body_html,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def decode_event(payload: str) -> CalendarEvent:
    data: dict[str, Any] = json.loads(payload)
    return CalendarEvent(
        meeting_id=int(data["meeting_id"]),
        subject=str(data["subject"]),
        start=datetime.fromisoformat(data["start"]),
        end=datetime.fromisoformat(data["end"]),
        location=data.get("location"),
        online=bool(data["online"]),
        attendees=tuple(
            Attendee(email=str(a["email"]), name=str(a["name"]), required=bool(a["required"]))
            for a in data.get("attendees") or []
        ),
        body_html=str(data.get("body_html") or ""),
    )


def _validate(op: JobOp, meeting_id: int, event: CalendarEvent | None) -> None:
    """Fail in the caller's transaction, not hours later in the worker."""
    if op is JobOp.CANCEL:
        return
    if event is None:
        raise ValueError(f"a calendar {op.value} needs the event")
    if event.meeting_id != meeting_id:
        raise ValueError(f"event is for meeting {event.meeting_id}, not {meeting_id}")
    if event.start.tzinfo is None or event.end.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    if event.end <= event.start:
        raise ValueError("a calendar event must end after it starts")


# --------------------------------------------------------------------------------------------------
# Enqueue and state
# --------------------------------------------------------------------------------------------------


async def with_agenda(session: AsyncSession, event: CalendarEvent) -> CalendarEvent:
    """The event with the meeting's published agenda after its own lines (seed 001: the
    notice's case list and the link to the notice with its documents), from the latest
    published version; the event as it is while no notice is published."""
    latest = await agenda_repo.latest_version(session, meeting_id=event.meeting_id)
    if latest is None:
        return event
    agenda = calendar_html(
        content_from_json(latest.content),
        document_url=latest.document_url or None,
        version=latest.version,
    )
    if event.body_html.endswith(agenda):
        return event
    return replace(event, body_html=event.body_html + agenda)


async def enqueue_change(
    session: AsyncSession,
    *,
    meeting_id: int,
    op: str,
    event: CalendarEvent | None,
    comment: str = "",
) -> CalendarJob:
    """Record a calendar change in the caller's transaction; the worker carries it out later.

    ``op`` is ``create``, ``update`` or ``cancel`` (``event`` may be None only for cancel).
    The job's transaction id is fixed here and reused on every retry. The event's body is the
    meeting's own text; the published agenda is added here (:func:`with_agenda`).
    """
    kind = JobOp(op)
    _validate(kind, meeting_id, event)
    if event is not None:
        event = await with_agenda(session, event)
    now = utcnow()
    job = await repo.add_job(
        session,
        meeting_id=meeting_id,
        op=kind.value,
        payload=encode_event(event) if event is not None else None,
        comment=comment,
        transaction_id=str(uuid.uuid4()),
        now=now,
    )
    await repo.set_sync_state(session, meeting_id=meeting_id, state=SyncState.PENDING, now=now)
    log.info(
        "calendar change queued",
        extra={"meeting_id": meeting_id, "op": kind.value, "job_id": job.id},
    )
    return job


@dataclass(frozen=True, slots=True)
class CalendarSyncStatus:
    """What a card needs to say about a meeting's calendar entry."""

    meeting_id: int
    status: str
    """``synced``; ``pending``: waiting for the calendar; ``failed``: refused (see last_error)."""
    event_id: str | None = None
    join_url: str | None = None
    web_link: str | None = None
    cancelled: bool = False
    pending_jobs: int = 0
    attempts: int = 0
    """Attempts made so far on the change at the head of the queue."""
    next_attempt_at: datetime | None = None
    last_error: str | None = None

    @property
    def pending(self) -> bool:
        return self.status == SyncState.PENDING.value

    @property
    def failed(self) -> bool:
        return self.status == SyncState.FAILED.value

    @property
    def synced(self) -> bool:
        return self.status == SyncState.SYNCED.value


async def sync_state(session: AsyncSession, *, meeting_id: int) -> CalendarSyncStatus | None:
    """The meeting's calendar status; None when no calendar change was ever queued for it."""
    link = await repo.link_for(session, meeting_id=meeting_id)
    if link is None:
        return None
    pending = await repo.pending_jobs(session, meeting_id=meeting_id)
    head = pending[0] if pending else None
    last_error = head.last_error if head is not None else None
    if link.sync_state == SyncState.FAILED.value:
        failed = await repo.latest_failed(session, meeting_id=meeting_id)
        last_error = failed.last_error if failed is not None else last_error
    return CalendarSyncStatus(
        meeting_id=meeting_id,
        status=link.sync_state,
        event_id=link.event_id,
        join_url=link.join_url,
        web_link=link.web_link,
        cancelled=link.cancelled,
        pending_jobs=len(pending),
        attempts=head.attempts if head is not None else 0,
        next_attempt_at=as_utc(head.next_attempt_at) if head is not None else None,
        last_error=last_error,
    )


async def retry_failed(session: AsyncSession, *, meeting_id: int) -> int:
    """Queue a meeting's refused changes again (after e.g. a permission was granted)."""
    now = utcnow()
    count = await repo.requeue_failed(session, meeting_id=meeting_id, now=now)
    if count:
        await repo.set_sync_state(session, meeting_id=meeting_id, state=SyncState.PENDING, now=now)
        await audit.append(
            session,
            action="calendar.retry",
            subject_type=AUDIT_SUBJECT,
            subject_id=meeting_id,
            detail={"jobs": count},
        )
    return count


# --------------------------------------------------------------------------------------------------
# Processing
# --------------------------------------------------------------------------------------------------


def backoff_delay(attempts: int, rng: random.Random) -> timedelta:
    """Full jitter: uniform in [0, min(cap, base * 2**(attempts-1))], at least MIN_DELAY."""
    exponent = min(max(attempts, 1) - 1, 30)
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (1 << exponent))
    return max(MIN_DELAY, ceiling * rng.random())


def retry_delay(error: TransientCalendarError, attempts: int, rng: random.Random) -> timedelta:
    if error.retry_after is not None:
        return min(RETRY_AFTER_CAP, max(MIN_DELAY, timedelta(seconds=error.retry_after)))
    return backoff_delay(attempts, rng)


@dataclass(slots=True)
class ProcessReport:
    """What one ``process_due`` run did (job ids)."""

    done: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return len(self.done) + len(self.retrying) + len(self.failed)


@dataclass(frozen=True, slots=True)
class _Claimed:
    job_id: int
    meeting_id: int
    op: JobOp
    payload: str | None
    comment: str
    transaction_id: str
    attempts: int
    event_id: str | None
    event_cancelled: bool


@dataclass(frozen=True, slots=True)
class _Outcome:
    ref: EventRef | None = None
    cancelled: bool = False
    skipped: str | None = None


async def process_due(
    sessions: async_sessionmaker[AsyncSession],
    calendar: CalendarPort,
    *,
    now: datetime | None = None,
    limit: int = 20,
    rng: random.Random | None = None,
) -> ProcessReport:
    """Carry out up to ``limit`` due jobs; returns what happened to each.

    Jobs are taken in small batches (the head job of each meeting), run with at most four calls
    in flight, and each result is recorded in its own transaction. A meeting whose job succeeded
    can have its next job taken in the next batch of the same run.
    """
    moment = as_utc(now or utcnow())
    chance = rng or random.Random()
    report = ProcessReport()
    gate = asyncio.Semaphore(MAX_CONCURRENT_CALLS)
    while report.processed < limit:
        batch = await _claim(sessions, now=moment, limit=limit - report.processed)
        if not batch:
            break

        async def run(job: _Claimed) -> None:
            async with gate:
                await _run_one(sessions, calendar, job, now=moment, rng=chance, report=report)

        await asyncio.gather(*(run(job) for job in batch))
    if report.processed:
        log.info(
            "calendar jobs processed",
            extra={
                "done": len(report.done),
                "retrying": len(report.retrying),
                "failed": len(report.failed),
            },
        )
    return report


async def _claim(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, limit: int
) -> list[_Claimed]:
    async with transaction(sessions) as session:
        jobs = await repo.claim_due(session, now=now, limit=limit, lease=CLAIM_LEASE)
        claimed: list[_Claimed] = []
        for job in jobs:
            assert job.id is not None
            link = await repo.link_for(session, meeting_id=job.meeting_id)
            claimed.append(
                _Claimed(
                    job_id=job.id,
                    meeting_id=job.meeting_id,
                    op=JobOp(job.op),
                    payload=job.payload,
                    comment=job.comment,
                    transaction_id=job.transaction_id,
                    attempts=job.attempts,
                    event_id=link.event_id if link is not None else None,
                    event_cancelled=link.cancelled if link is not None else False,
                )
            )
        return claimed


async def _call(calendar: CalendarPort, job: _Claimed) -> _Outcome:
    """The port call for one job. The link decides between create and update, so a create that
    finds its event already made (a repeated create) updates it, and an update whose create was
    refused creates the event instead of failing for want of an id."""
    if job.op is JobOp.CANCEL:
        if job.event_id is None or job.event_cancelled:
            return _Outcome(skipped="nothing in the calendar to cancel")
        await calendar.cancel_event(job.event_id, comment=job.comment)
        return _Outcome(cancelled=True)
    if job.payload is None:
        raise PermanentCalendarError(f"{job.op.value} job {job.job_id} has no event")
    event = decode_event(job.payload)
    if job.event_id is None or job.event_cancelled:
        ref = await calendar.create_event(event, transaction_id=job.transaction_id)
    else:
        ref = await calendar.update_event(job.event_id, event)
    return _Outcome(ref=ref)


async def _run_one(
    sessions: async_sessionmaker[AsyncSession],
    calendar: CalendarPort,
    job: _Claimed,
    *,
    now: datetime,
    rng: random.Random,
    report: ProcessReport,
) -> None:
    context = {"job_id": job.job_id, "meeting_id": job.meeting_id, "op": job.op.value}
    try:
        outcome = await _call(calendar, job)
    except PermanentCalendarError as exc:
        await _record_failure(sessions, job, str(exc), now=now)
        report.failed.append(job.job_id)
        log.error("calendar change refused", extra={**context, "error": str(exc)})
        return
    except TransientCalendarError as exc:
        delay = retry_delay(exc, job.attempts, rng)
        await _record_retry(sessions, job, str(exc), at=now + delay, now=now)
        report.retrying.append(job.job_id)
        log.warning(
            "calendar change postponed",
            extra={**context, "attempts": job.attempts, "delay_s": delay.total_seconds()},
        )
        return
    except Exception as exc:
        # An unexpected error (a bug, a driver hiccup) must not lose the change either.
        delay = backoff_delay(job.attempts, rng)
        await _record_retry(sessions, job, f"{type(exc).__name__}: {exc}", at=now + delay, now=now)
        report.retrying.append(job.job_id)
        log.exception("calendar change crashed; will retry", extra=context)
        return
    await _record_success(sessions, job, outcome, now=now)
    report.done.append(job.job_id)
    log.info("calendar change done", extra={**context, "skipped": outcome.skipped})


async def _still_ours(session: AsyncSession, job: _Claimed) -> CalendarJob | None:
    row = await repo.job_by_id(session, job_id=job.job_id)
    if row is None or row.state != JobState.PENDING.value:
        log.warning(
            "calendar job changed while running; result ignored",
            extra={"job_id": job.job_id, "state": row.state if row else None},
        )
        return None
    return row


async def _settle_link(
    session: AsyncSession, link: CalendarEventLink, *, meeting_id: int, now: datetime
) -> None:
    """Synced when nothing is left to do for the meeting; pending otherwise."""
    remaining = await repo.pending_jobs(session, meeting_id=meeting_id)
    link.sync_state = (SyncState.PENDING if remaining else SyncState.SYNCED).value
    link.updated_at = now
    session.add(link)


async def _record_success(
    sessions: async_sessionmaker[AsyncSession], job: _Claimed, outcome: _Outcome, *, now: datetime
) -> None:
    async with transaction(sessions) as session:
        row = await _still_ours(session, job)
        if row is None:
            return
        row.state = JobState.DONE.value
        row.last_error = outcome.skipped
        row.updated_at = now
        session.add(row)
        await session.flush()
        link = await repo.ensure_link(session, meeting_id=job.meeting_id, now=now)
        if outcome.ref is not None:
            ref = outcome.ref
            link.event_id = ref.event_id
            link.ical_uid = ref.ical_uid or link.ical_uid
            link.join_url = ref.join_url or link.join_url
            link.web_link = ref.web_link or link.web_link
            link.cancelled = False
        if outcome.cancelled:
            link.cancelled = True
        await _settle_link(session, link, meeting_id=job.meeting_id, now=now)


async def _record_retry(
    sessions: async_sessionmaker[AsyncSession],
    job: _Claimed,
    error: str,
    *,
    at: datetime,
    now: datetime,
) -> None:
    async with transaction(sessions) as session:
        row = await _still_ours(session, job)
        if row is None:
            return
        row.next_attempt_at = at
        row.last_error = error[:ERROR_TEXT_LIMIT]
        row.updated_at = now
        session.add(row)
        await repo.set_sync_state(
            session, meeting_id=job.meeting_id, state=SyncState.PENDING, now=now
        )


async def _record_failure(
    sessions: async_sessionmaker[AsyncSession], job: _Claimed, error: str, *, now: datetime
) -> None:
    async with transaction(sessions) as session:
        row = await _still_ours(session, job)
        if row is None:
            return
        row.state = JobState.FAILED.value
        row.last_error = error[:ERROR_TEXT_LIMIT]
        row.updated_at = now
        session.add(row)
        await repo.set_sync_state(
            session, meeting_id=job.meeting_id, state=SyncState.FAILED, now=now
        )
        await audit.append(
            session,
            action="calendar.sync_failed",
            outcome=AuditOutcome.REFUSED,
            subject_type=AUDIT_SUBJECT,
            subject_id=job.meeting_id,
            detail={
                "job_id": job.job_id,
                "op": job.op.value,
                "attempts": job.attempts,
                "error": error[:500],
            },
            at=now,
        )


# --------------------------------------------------------------------------------------------------
# Worker
# --------------------------------------------------------------------------------------------------


async def run_worker(
    sessions: async_sessionmaker[AsyncSession],
    calendar: CalendarPort,
    *,
    interval: float = 5.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Process due jobs every ``interval`` seconds until ``stop`` is set (or the task is
    cancelled). A failing round is logged and the next one runs as usual."""
    halt = stop or asyncio.Event()
    while not halt.is_set():
        try:
            report = await process_due(sessions, calendar, now=datetime.now(UTC))
        except Exception:
            log.exception("calendar worker round failed")
            report = ProcessReport()
        if report.processed:
            continue  # more may be due right away (the next job of a meeting)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(halt.wait(), timeout=interval)
