"""Scheduler jobs, the daily plan across daylight-saving changes, and the reminders commands."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import scheduler
from bot.app import SCHEDULER
from bot.domain.calendar import OSLO
from bot.teams.delivery import OutboxSender
from storage.models import Person
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]


def _fire_times(start: datetime, count: int) -> list[datetime]:
    trigger = scheduler.plan_trigger()
    times: list[datetime] = []
    previous: datetime | None = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire + timedelta(microseconds=1)
    return times


@pytest.mark.parametrize(
    ("start", "change_day"),
    [
        (datetime(2026, 3, 26, 12, 0, tzinfo=OSLO), 29),  # spring forward, 29 March 2026
        (datetime(2026, 10, 22, 12, 0, tzinfo=OSLO), 25),  # fall back, 25 October 2026
    ],
)
def test_the_daily_plan_runs_once_a_day_at_six_oslo_time_across_dst(
    start: datetime, change_day: int
) -> None:
    times = _fire_times(start, 6)
    local = [t.astimezone(OSLO) for t in times]
    assert [(t.hour, t.minute) for t in local] == [(6, 0)] * 6
    days = [t.date() for t in local]
    assert days == sorted(set(days)) and len(days) == 6  # no day doubled, none skipped
    assert all((b - a).days == 1 for a, b in pairwise(days))
    gaps = {
        (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds() / 3600 for a, b in pairwise(times)
    }
    assert gaps == {24.0, 23.0 if start.month == 3 else 25.0}
    assert any(t.day == change_day for t in local)


async def test_the_app_installs_one_sweep_and_one_plan_job(bot: BotHarness) -> None:
    jobs = {job.id: job for job in bot.app[SCHEDULER].get_jobs()}
    sweep, plan = jobs[scheduler.SWEEP_JOB_ID], jobs[scheduler.PLAN_JOB_ID]
    assert sweep.max_instances == 1 and sweep.coalesce
    assert sweep.trigger.interval == timedelta(seconds=5)
    assert plan.max_instances == 1 and plan.coalesce
    assert isinstance(bot.app[scheduler.OUTBOX_SENDER], OutboxSender)


async def test_planners_run_each_in_a_transaction_and_a_failing_one_is_isolated(
    bot: BotHarness,
) -> None:
    calls: list[datetime] = []

    async def good(session: AsyncSession, now: datetime) -> int:
        calls.append(now)
        return 2

    async def broken(session: AsyncSession, now: datetime) -> int:
        raise RuntimeError("planner bug")

    assert await scheduler.plan_reminders(bot.app) == 0  # the engine is not wired yet
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # set after start, for the test
        bot.app[scheduler.PLANNERS] = [broken, good]
    now = datetime(2026, 2, 4, 5, 0, tzinfo=UTC)
    assert await scheduler.plan_reminders(bot.app, now) == 2
    assert calls == [now]


async def test_sweep_once_accepts_the_app_or_a_sender(bot: BotHarness) -> None:
    report = await scheduler.sweep_once(bot.app, datetime.now(UTC))
    assert report.sent == 0
    report = await scheduler.sweep_once(bot.app[scheduler.OUTBOX_SENDER])
    assert report.sent == 0
    scheduler.kick(bot.app)  # the scheduler is not running in tests: a no-op, not an error


async def test_kick_runs_the_sweep_job_now_on_a_running_scheduler(bot: BotHarness) -> None:
    running = bot.app[SCHEDULER]  # the app's own, with the jobs installed; not started in tests
    running.start(paused=True)
    try:
        job = running.get_job(scheduler.SWEEP_JOB_ID)
        assert job is not None
        job.modify(next_run_time=datetime.now(OSLO) + timedelta(hours=1))
        scheduler.kick(bot.app)
        assert job.next_run_time is not None
        assert job.next_run_time <= datetime.now(OSLO) + timedelta(seconds=1)
    finally:
        running.shutdown(wait=False)


async def _person(bot: BotHarness, email: str) -> Person:
    async with bot.sessions() as session:
        return (await session.exec(select(Person).where(Person.email == email))).one()


async def test_reminders_off_and_on(bot: BotHarness, connector: FakeConnector) -> None:
    email = "per.haugen@demo.ssu.example"
    await bot.say(MEMBER, "påminnelser av")
    [reply] = await bot.replies_to(MEMBER)
    assert "ikke flere påminnelser" in reply["text"]
    assert (await _person(bot, email)).reminders_enabled is False

    await bot.say(MEMBER, "Reminders ON")
    replies = await bot.replies_to(MEMBER, 2)
    assert "igjen" in replies[-1]["text"]
    assert (await _person(bot, email)).reminders_enabled is True


async def test_the_secretariat_is_told_its_own_deadlines_still_come(bot: BotHarness) -> None:
    await bot.say(SECRETARY, "påminnelser av")
    [reply] = await bot.replies_to(SECRETARY)
    assert "sekretariatets egne frister" in reply["text"]


async def test_reminders_off_in_english(bot: BotHarness) -> None:
    from dataclasses import replace

    english = replace(MEMBER, locale="en-US")
    await bot.say(english, "reminders off")
    [reply] = await bot.replies_to(english)
    assert reply["text"].startswith("OK, I will not send you reminders")
