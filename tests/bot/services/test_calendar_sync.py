"""The durable calendar queue: never lose or double a calendar change.

The real queue and the real GraphCalendar run against the fake Graph on loopback, on SQLite and
(when SSU_TEST_POSTGRES_URL is set) PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.graph.graph_calendar import GraphCalendar, close_graph_client
from bot.graph.local_calendar import LocalCalendar
from bot.graph.port import EventRef, TransientCalendarError
from bot.services import calendar_sync
from bot.services.calendar_sync import (
    BACKOFF_CAP,
    CalendarSyncStatus,
    backoff_delay,
    decode_event,
    encode_event,
    enqueue_change,
    process_due,
    retry_failed,
    run_worker,
    sync_state,
)
from storage import audit
from storage.calendar_tables import CalendarJob, JobState
from storage.db import transaction
from storage.models import AuditEntry, utcnow
from tests.bot.graph.support import (
    ORGANIZER,
    StoreThenFailGraph,
    graph_calendar_for,
    pa_meeting,
    ssu_meeting,
)

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def fake_graph() -> AsyncIterator[StoreThenFailGraph]:
    async with StoreThenFailGraph() as fake:
        yield fake


@pytest.fixture
async def graph(fake_graph: StoreThenFailGraph) -> AsyncIterator[GraphCalendar]:
    calendar = graph_calendar_for(fake_graph)
    yield calendar
    await close_graph_client(calendar.client)


async def enqueue(
    sessions: Sessions, meeting_id: int, op: str, *, online: bool = False, **changes: object
) -> CalendarJob:
    comment = str(changes.pop("comment", ""))
    event = None if op == "cancel" else ssu_meeting(meeting_id, online=online, **changes)
    async with transaction(sessions) as session:
        return await enqueue_change(
            session, meeting_id=meeting_id, op=op, event=event, comment=comment
        )


async def jobs(sessions: Sessions, meeting_id: int | None = None) -> list[CalendarJob]:
    async with sessions() as session:
        query = select(CalendarJob).order_by(col(CalendarJob.id))
        if meeting_id is not None:
            query = query.where(CalendarJob.meeting_id == meeting_id)
        return list((await session.exec(query)).all())


async def state_of(sessions: Sessions, meeting_id: int) -> CalendarSyncStatus:
    async with sessions() as session:
        status = await sync_state(session, meeting_id=meeting_id)
    assert status is not None
    return status


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- enqueue ---------------------------------------------------------------------------------------


async def test_enqueue_stores_the_event_and_a_fixed_transaction_id_and_marks_pending(
    sessions: Sessions,
) -> None:
    job = await enqueue(sessions, 5, "create", online=True)

    (stored,) = await jobs(sessions)
    assert stored.id == job.id
    assert stored.op == "create" and stored.state == "pending" and stored.attempts == 0
    assert decode_event(stored.payload or "") == ssu_meeting(5, online=True)
    assert len(stored.transaction_id) == 36
    status = await state_of(sessions, 5)
    assert status.pending and status.pending_jobs == 1 and status.event_id is None


async def test_enqueue_is_part_of_the_callers_transaction(sessions: Sessions) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await enqueue_change(session, meeting_id=1, op="create", event=ssu_meeting(1))
            raise RuntimeError("the meeting service failed after enqueueing")

    assert await jobs(sessions) == []
    async with sessions() as session:
        assert await sync_state(session, meeting_id=1) is None


@pytest.mark.parametrize(
    ("op", "event", "message"),
    [
        ("create", None, "needs the event"),
        ("update", ssu_meeting(2), "not 1"),
        ("create", ssu_meeting(1, start=datetime(2026, 2, 12, 9, 30)), "timezone-aware"),
        ("create", ssu_meeting(1, end=ssu_meeting().start), "end after it starts"),
        ("move", ssu_meeting(1), "move"),
    ],
)
async def test_enqueue_refuses_a_change_that_could_never_be_carried_out(
    sessions: Sessions, op: str, event: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        async with transaction(sessions) as session:
            await enqueue_change(session, meeting_id=1, op=op, event=event)  # type: ignore[arg-type]


def test_payload_round_trips_in_utc() -> None:
    event = pa_meeting(3)
    payload = json.loads(encode_event(event))
    assert payload["start"] == "2026-06-11T07:00:00+00:00"
    assert decode_event(encode_event(event)) == event


# -- happy path ------------------------------------------------------------------------------------


async def test_create_update_cancel_reach_graph_in_order_and_the_link_is_recorded(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create", online=True)
    await enqueue(sessions, 1, "update", online=True, subject="Flyttet")
    await enqueue(sessions, 1, "cancel", comment="Avlyst")

    report = await process_due(sessions, graph, now=utcnow())

    assert report.processed == 3 and len(report.done) == 3
    operations = [r.operation for r in fake_graph.requests]
    assert operations == ["create_event", "update_event", "cancel_event"]
    (event,) = fake_graph.events_for(ORGANIZER, include_cancelled=True)
    assert event["subject"] == "Flyttet" and event["isCancelled"] is True
    assert fake_graph.cancellations[0].comment == "Avlyst"
    status = await state_of(sessions, 1)
    assert status.synced and status.cancelled and status.pending_jobs == 0
    assert status.event_id == event["id"]
    assert status.join_url == event["onlineMeeting"]["joinUrl"]
    assert all(job.state == "done" and job.attempts == 1 for job in await jobs(sessions))


async def test_jobs_of_different_meetings_all_run_and_each_meeting_keeps_its_event(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    for meeting_id in range(1, 7):
        await enqueue(sessions, meeting_id, "create")

    report = await process_due(sessions, graph, now=utcnow())

    assert len(report.done) == 6
    async with sessions() as session:
        ids = {(await sync_state(session, meeting_id=m)).event_id for m in range(1, 7)}  # type: ignore[union-attr]
    assert len(ids) == 6 and None not in ids
    assert fake_graph.max_concurrency[ORGANIZER.lower()] <= 4


async def test_limit_bounds_the_work_of_one_run(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    for meeting_id in range(1, 6):
        await enqueue(sessions, meeting_id, "create")

    first = await process_due(sessions, graph, now=utcnow(), limit=2)
    second = await process_due(sessions, graph, now=utcnow(), limit=20)

    assert first.processed == 2 and second.processed == 3
    assert len(fake_graph.requests_for("create_event")) == 5


# -- transient failures ----------------------------------------------------------------------------


async def test_429_retry_after_sets_the_next_attempt_exactly(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    fake_graph.fail_next(1, 429, retry_after=30)
    now = utcnow()

    report = await process_due(sessions, graph, now=now)

    (job,) = await jobs(sessions)
    assert report.retrying == [job.id]
    assert job.state == "pending" and job.attempts == 1
    assert as_utc(job.next_attempt_at) == now + timedelta(seconds=30)
    assert "429" in (job.last_error or "")
    # Not due before Retry-After has passed; done once it has.
    assert (await process_due(sessions, graph, now=now + timedelta(seconds=29))).processed == 0
    assert (await process_due(sessions, graph, now=now + timedelta(seconds=30))).done == [job.id]
    assert len(fake_graph.requests_for("create_event")) == 2


async def test_without_retry_after_the_delay_is_full_jitter_exponential_backoff(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    fake_graph.outage(503)
    now = utcnow()
    delays: list[timedelta] = []
    for _ in range(3):
        await process_due(sessions, graph, now=now, rng=random.Random(4))
        (job,) = await jobs(sessions)
        delays.append(as_utc(job.next_attempt_at) - now)
        now = as_utc(job.next_attempt_at)

    expected = [backoff_delay(n, random.Random(4)) for n in (1, 2, 3)]
    assert delays == expected
    assert job.attempts == 3


def test_backoff_is_bounded_by_base_times_two_to_the_attempts_and_the_cap() -> None:
    rng = random.Random(0)
    for attempts in range(1, 40):
        for _ in range(50):
            delay = backoff_delay(attempts, rng)
            ceiling = min(BACKOFF_CAP, timedelta(seconds=2 * 2 ** (attempts - 1)))
            assert timedelta(seconds=1) <= delay <= max(ceiling, timedelta(seconds=1))
    late = [backoff_delay(30, rng) for _ in range(200)]
    assert max(late) <= BACKOFF_CAP and max(late) > BACKOFF_CAP * 0.9  # jitter spans the range


async def test_an_outage_keeps_the_change_pending_and_it_completes_after_restore(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create", online=True)
    fake_graph.outage(503)
    now = utcnow()

    for step in range(5):
        await process_due(sessions, graph, now=now + step * BACKOFF_CAP)

    status = await state_of(sessions, 1)
    assert status.pending and status.attempts == 5 and status.event_id is None
    assert "503" in (status.last_error or "")
    assert fake_graph.events_for(ORGANIZER) == []

    fake_graph.restore()
    report = await process_due(sessions, graph, now=now + 6 * BACKOFF_CAP)

    assert len(report.done) == 1
    status = await state_of(sessions, 1)
    assert status.synced and status.join_url
    assert len(fake_graph.events_for(ORGANIZER)) == 1


async def test_the_worker_finishes_a_change_by_itself_once_graph_is_back(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create", online=True)
    fake_graph.outage(503, retry_after=1)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(sessions, graph, interval=0.05, stop=stop))
    try:
        await fake_graph.wait_for_request(lambda r: r.status == 503)
        assert (await state_of(sessions, 1)).pending
        fake_graph.restore()
        await fake_graph.wait_for_request(lambda r: r.status == 201, timeout=10)
        for _ in range(100):
            if (await state_of(sessions, 1)).synced:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=5)
    status = await state_of(sessions, 1)
    assert status.synced and status.join_url
    assert len(fake_graph.events_for(ORGANIZER)) == 1


async def test_an_update_never_runs_before_its_create_succeeded(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    await enqueue(sessions, 1, "update", subject="Ny tittel")
    await enqueue(sessions, 2, "create", subject="Møte 2")
    fake_graph.fail_next(
        1, 503, match=lambda r: r.operation == "create_event" and r.body["subject"] != "Møte 2"
    )
    now = utcnow()

    report = await process_due(sessions, graph, now=now)

    # Meeting 1's create failed; its update waited; meeting 2 went ahead.
    assert len(report.retrying) == 1 and len(report.done) == 1
    assert fake_graph.requests_for("update_event") == []
    create_1, update_1, create_2 = await jobs(sessions)
    assert create_1.state == "pending" and update_1.state == "pending" and update_1.attempts == 0
    assert create_2.state == "done"

    report = await process_due(sessions, graph, now=now + BACKOFF_CAP)
    assert report.done == [create_1.id, update_1.id]
    assert [r.operation for r in fake_graph.requests][-2:] == ["create_event", "update_event"]


# -- never double ----------------------------------------------------------------------------------


async def test_a_create_whose_reply_was_lost_is_retried_without_a_second_event(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create", online=True)
    fake_graph.store_then_fail("create_event", 503)
    now = utcnow()

    first = await process_due(sessions, graph, now=now)
    assert len(first.retrying) == 1
    assert len(fake_graph.events_for(ORGANIZER)) == 1  # Graph did create it

    second = await process_due(sessions, graph, now=now + BACKOFF_CAP)

    assert len(second.done) == 1
    (event,) = fake_graph.events_for(ORGANIZER)
    posts = fake_graph.requests_for("create_event")
    assert len(posts) == 2
    assert posts[0].body["transactionId"] == posts[1].body["transactionId"]
    status = await state_of(sessions, 1)
    assert status.event_id == event["id"]
    assert status.join_url == event["onlineMeeting"]["joinUrl"]


async def test_a_create_that_timed_out_after_graph_stored_it_is_not_doubled(
    sessions: Sessions, fake_graph: StoreThenFailGraph
) -> None:
    slow = graph_calendar_for(fake_graph, timeout=0.3)
    await enqueue(sessions, 1, "create")
    fake_graph.delay_next(1, 1.0, match=lambda r: r.operation == "create_event")
    now = utcnow()
    try:
        first = await process_due(sessions, slow, now=now)
        second = await process_due(sessions, slow, now=now + BACKOFF_CAP)
    finally:
        await close_graph_client(slow.client)

    assert len(first.retrying) == 1 and len(second.done) == 1
    (job,) = await jobs(sessions)
    assert job.attempts == 2 and job.last_error is None
    posts = fake_graph.requests_for("create_event")
    assert len(posts) == 2 and posts[0].fault == "delay:1.0"
    assert len(fake_graph.events_for(ORGANIZER)) == 1


async def test_a_second_create_for_a_meeting_already_in_the_calendar_updates_it(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    await enqueue(sessions, 1, "create", subject="Igjen")

    await process_due(sessions, graph, now=utcnow())

    (event,) = fake_graph.events_for(ORGANIZER)
    assert event["subject"] == "Igjen"
    assert [r.operation for r in fake_graph.requests] == ["create_event", "update_event"]


async def test_concurrent_workers_carry_out_each_change_once(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    for meeting_id in range(1, 11):
        await enqueue(sessions, meeting_id, "create")
        await enqueue(sessions, meeting_id, "update", subject=f"Oppdatert {meeting_id}")
    now = utcnow()

    reports = await asyncio.gather(*(process_due(sessions, graph, now=now) for _ in range(4)))

    done = [job_id for report in reports for job_id in report.done]
    assert len(done) == 20 and len(set(done)) == 20
    assert len(fake_graph.requests_for("create_event")) == 10
    assert len(fake_graph.requests_for("update_event")) == 10
    assert len(fake_graph.events_for(ORGANIZER)) == 10


async def test_a_job_taken_by_a_worker_that_died_comes_due_again_after_the_lease(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    now = utcnow()
    async with transaction(sessions) as session:
        from storage import calendar_sync as repo

        (taken,) = await repo.claim_due(session, now=now, limit=5, lease=calendar_sync.CLAIM_LEASE)
    # ... and the worker died before calling Graph.
    assert (await process_due(sessions, graph, now=now + timedelta(seconds=10))).processed == 0

    report = await process_due(sessions, graph, now=now + calendar_sync.CLAIM_LEASE)

    assert report.done == [taken.id]
    (job,) = await jobs(sessions)
    assert job.attempts == 2


# -- permanent failures ----------------------------------------------------------------------------


async def test_a_permanent_403_fails_the_job_and_is_audited(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 9, "create")
    fake_graph.fail_next(1, 403, code="ErrorAccessDenied", message="Access is denied.")

    report = await process_due(sessions, graph, now=utcnow())

    (job,) = await jobs(sessions)
    assert report.failed == [job.id]
    assert job.state == "failed"
    status = await state_of(sessions, 9)
    assert status.failed and "403" in (status.last_error or "")
    async with sessions() as session:
        (entry,) = await audit.entries_for(session, subject_type="meeting", subject_id=9)
        chain = audit.verify_chain(await audit.all_entries(session))
    assert entry.action == "calendar.sync_failed" and entry.outcome == "refused"
    detail = json.loads(entry.detail)
    assert detail["op"] == "create" and detail["job_id"] == job.id and "403" in detail["error"]
    assert chain.ok
    # Failed is final: nothing is tried again.
    assert (await process_due(sessions, graph, now=utcnow() + BACKOFF_CAP)).processed == 0
    assert len(fake_graph.requests_for("create_event")) == 1


async def test_after_a_refused_create_a_later_update_creates_the_event(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    fake_graph.fail_next(1, 400, code="ErrorInvalidRequest")
    await process_due(sessions, graph, now=utcnow())
    await enqueue(sessions, 1, "update", subject="Rettet")

    report = await process_due(sessions, graph, now=utcnow())

    assert len(report.done) == 1
    (event,) = fake_graph.events_for(ORGANIZER)
    assert event["subject"] == "Rettet"
    assert (await state_of(sessions, 1)).synced


async def test_retry_failed_queues_a_refused_change_again(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    fake_graph.fail_next(1, 403)
    await process_due(sessions, graph, now=utcnow())

    async with transaction(sessions) as session:
        assert await retry_failed(session, meeting_id=1) == 1
    assert (await state_of(sessions, 1)).pending
    report = await process_due(sessions, graph, now=utcnow())

    assert len(report.done) == 1
    assert (await state_of(sessions, 1)).synced
    async with sessions() as session:
        actions = [e.action for e in await audit.all_entries(session)]
    assert actions == ["calendar.sync_failed", "calendar.retry"]


async def test_retry_failed_does_not_replay_a_change_a_later_one_superseded(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    await process_due(sessions, graph, now=utcnow())
    await enqueue(sessions, 1, "update", subject="Gammel")
    fake_graph.fail_next(1, 400)
    await process_due(sessions, graph, now=utcnow())
    await enqueue(sessions, 1, "update", subject="Ny")
    await process_due(sessions, graph, now=utcnow())

    async with transaction(sessions) as session:
        assert await retry_failed(session, meeting_id=1) == 0
    (event,) = fake_graph.events_for(ORGANIZER)
    assert event["subject"] == "Ny"


async def test_cancel_of_a_meeting_never_in_the_calendar_is_done_without_a_call(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "cancel", comment="Avlyst")

    report = await process_due(sessions, graph, now=utcnow())

    assert len(report.done) == 1
    assert fake_graph.requests == []
    (job,) = await jobs(sessions)
    assert job.state == JobState.DONE.value and "nothing" in (job.last_error or "")


async def test_an_unexpected_error_in_the_port_is_retried_not_lost(sessions: Sessions) -> None:
    class Broken:
        calls = 0

        async def create_event(self, event: object, *, transaction_id: str) -> EventRef:
            Broken.calls += 1
            if Broken.calls == 1:
                raise KeyError("bug")
            return EventRef("evt-1")

        async def update_event(self, event_id: str, event: object) -> EventRef:
            raise AssertionError

        async def cancel_event(self, event_id: str, *, comment: str) -> None:
            raise AssertionError

        async def free_busy(self, *args: object) -> dict[str, list[object]]:
            raise TransientCalendarError("n/a")

    await enqueue(sessions, 1, "create")
    now = utcnow()
    first = await process_due(sessions, Broken(), now=now)  # type: ignore[arg-type]
    second = await process_due(sessions, Broken(), now=now + BACKOFF_CAP)  # type: ignore[arg-type]

    assert len(first.retrying) == 1 and len(second.done) == 1
    assert (await state_of(sessions, 1)).event_id == "evt-1"


# -- the embedded calendar through the queue ------------------------------------------------------


async def test_the_queue_drives_the_local_calendar_to_a_cancelled_ics(
    sessions: Sessions, tmp_path: Path
) -> None:
    local = LocalCalendar(sessions, tmp_path / "calendar", organizer=ORGANIZER)
    await enqueue(sessions, 4, "create")
    await enqueue(sessions, 4, "update", subject="Endret")
    await enqueue(sessions, 4, "cancel", comment="Avlyst")

    report = await process_due(sessions, local, now=utcnow())

    assert len(report.done) == 3
    text = local.path_for(4).read_text(encoding="utf-8")
    assert "STATUS:CANCELLED" in text and "SEQUENCE:2" in text and "SUMMARY:Endret" in text
    status = await state_of(sessions, 4)
    assert status.synced and status.cancelled and status.join_url is None


async def test_sync_state_is_none_for_a_meeting_never_queued(sessions: Sessions) -> None:
    async with sessions() as session:
        assert await sync_state(session, meeting_id=404) is None


async def test_audit_rows_are_only_written_for_refusals(
    sessions: Sessions, fake_graph: StoreThenFailGraph, graph: GraphCalendar
) -> None:
    await enqueue(sessions, 1, "create")
    fake_graph.fail_next(1, 503)
    await process_due(sessions, graph, now=utcnow())
    await process_due(sessions, graph, now=utcnow() + BACKOFF_CAP)
    async with sessions() as session:
        assert list((await session.exec(select(AuditEntry))).all()) == []
