"""The reminder planner in the real app, with a controlled clock, delivering through the fake Bot
Connector: ``ssu-bot reminders --on DATE`` lists exactly what the scheduler sends that day, daily
plans survive daylight-saving days and downtime, and "påminnelser av" is respected."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from bot import scheduler
from bot.cli import main
from bot.domain.calendar import OSLO
from bot.services import reminders as reminder_service
from bot.services.meetings import SYSTEM, apply_plan
from storage.db import transaction
from storage.models import Person
from storage.outbox_tables import OutboxMessage
from tests.bot.outbox_support import add_personal_chat
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, demo_users

USERS = demo_users()
EVA, PER, HILDE = (
    "eva.lindqvist@demo.ssu.example",
    "per.haugen@demo.ssu.example",
    "hilde.vang@demo.ssu.example",
)
Delivered = set[tuple[str, str, str]]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`main()` points the root logger at this test's captured stderr; put the handlers back so
    no later test logs into a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def at(day: date, clock: str = "06:00", fold: int = 0) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), OSLO).replace(fold=fold)


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass
class Live:
    """The running app with the 2026 plan, every demo person reachable in a personal chat."""

    bot: BotHarness
    connector: FakeConnector
    emails: dict[int, str]

    async def day(self, day: date, *, plan_at: str = "06:00", send_at: str = "09:00:30") -> None:
        """One day of the scheduler: the 06:00 plan, then the sweep once the 09:00 sends are due."""
        await scheduler.plan_reminders(self.bot.app, at(day, plan_at))
        await scheduler.sweep_once(self.bot.app, at(day, send_at))

    async def rows(self) -> list[OutboxMessage]:
        async with self.bot.sessions() as session:
            query = select(OutboxMessage).where(
                col(OutboxMessage.deadline_key).startswith("reminder/")
            )
            return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())

    async def delivered(self, day: date | None = None) -> Delivered:
        """(kind, subject, e-mail) of every reminder the connector received (on ``day``)."""
        posted = {p.activity_id for p in self.connector.posted}
        return {
            (row.kind, row.subject, self.emails[row.recipient_person_id or 0])
            for row in await self.rows()
            if row.state == "sent"
            and row.activity_id in posted
            and (day is None or row.not_before.astimezone(OSLO).date() == day)
        }

    async def listed(self, day: date) -> list[dict[str, object]]:
        async with self.bot.sessions() as session:
            return [i.to_contract_dict() for i in await reminder_service.reminders_on(session, day)]


def as_set(items: list[dict[str, object]]) -> Delivered:
    return {
        (str(item["kind"]), str(item["subject"]), email)
        for item in items
        for email in item["recipients"]  # type: ignore[attr-defined]
    }


@pytest.fixture
async def live(bot_on: BotHarness, connector: FakeConnector) -> AsyncIterator[Live]:
    async with transaction(bot_on.sessions) as session:
        await apply_plan(session, actor=SYSTEM, year=2026, source="cli")
        everyone = list((await session.exec(select(Person))).all())
        for person in everyone:
            await add_personal_chat(session, person, connector.url)
    yield Live(bot_on, connector, {p.id: p.email for p in everyone if p.id is not None})


def cli_json(url: str, day: date, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """``ssu-bot reminders --on DAY --json`` against the app's database (in a worker thread:
    the CLI runs its own event loop)."""
    monkeypatch.setenv("DATABASE_URL", url)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["reminders", "--on", day.isoformat(), "--json"]) == 0
    result: list[dict[str, object]] = json.loads(out.getvalue())
    return result


async def test_the_cli_lists_exactly_what_the_scheduler_sends(
    live: Live, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.chdir(str(tmp_path))  # no stray .env for the CLI
    url = live.bot.settings.sqlalchemy_url
    checked = {date(2026, 10, 22), date(2026, 11, 12), date(2026, 11, 18)}
    before = {d: await asyncio.to_thread(cli_json, url, d, monkeypatch) for d in sorted(checked)}
    for day in days("2026-10-20", "2026-11-27"):
        await live.day(day)
        delivered = await live.delivered(day)
        assert delivered == as_set(await live.listed(day)), day
        if day in checked:
            after = await asyncio.to_thread(cli_json, url, day, monkeypatch)
            assert as_set(after) == delivered == as_set(before[day])
            assert all(item["sent"] for item in after) and not any(i["sent"] for i in before[day])
            assert [{**i, "sent": True} for i in before[day]] == after
    kinds = {kind for kind, _, _ in await live.delivered()}
    assert kinds == {"case_submission", "notice", "meeting", "protocol"}
    # each message once: the connector got as many reminders as there are sent rows
    sent = [r for r in await live.rows() if r.state == "sent"]
    assert len({r.activity_id for r in sent}) == len(sent) == len(live.connector.posted)
    [notice] = before[date(2026, 11, 12)]
    assert notice == {
        "kind": "notice",
        "due": "2026-11-12T09:00:00+01:00",
        "deadline": "2026-11-12T09:30:00+01:00",
        "subject": "SSU 2026-11-19",
        "recipients": [EVA, HILDE, "martin.sorli@demo.ssu.example"],
        "sent": False,
    }


async def test_a_daylight_saving_day_neither_doubles_nor_skips_the_plan(live: Live) -> None:
    """Back to winter time on Sunday 25 October 2026; the case reminders of the November meeting
    are on Thursday 22 and Wednesday 28. The planner also wakes at odd times on the change day."""
    for day in days("2026-10-21", "2026-10-29"):
        await live.day(day)
        if day == date(2026, 10, 25):
            for clock, fold in (("00:30", 0), ("02:30", 0), ("02:30", 1), ("03:30", 0)):
                assert await scheduler.plan_reminders(live.bot.app, at(day, clock, fold)) == 0
        await live.day(day, plan_at="18:00", send_at="18:00")  # a second run: nothing new
    sent = [r for r in await live.rows() if r.state == "sent"]
    occurrences = [(r.kind, r.deadline_key, r.recipient_person_id) for r in sent]
    assert len(occurrences) == len(set(occurrences)) == len(live.connector.posted) == 2 * 21
    assert {r.not_before.astimezone(OSLO).isoformat() for r in sent} == {
        "2026-10-22T09:00:00+02:00",
        "2026-10-28T09:00:00+01:00",
    }


async def test_after_downtime_missed_reminders_are_sent_once_or_dropped_with_a_log_line(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    await live.day(date(2026, 10, 21))
    assert await live.delivered() == set()
    # Down from the 21st to Monday 26th 10:00: the 7-day case reminder of the 22nd is still
    # useful (the 1-day one is due on the 28th), so it goes out once, late.
    await live.bot.restart()
    await live.day(date(2026, 10, 26), plan_at="10:00", send_at="10:00:30")
    first = await live.delivered()
    assert len(first) == 21 and {kind for kind, _, _ in first} == {"case_submission"}
    await live.day(date(2026, 10, 26), plan_at="10:05", send_at="10:05:30")
    assert len(live.connector.posted) == 21

    # Down again until after the deadline (Thursday 29th 09:30): the 1-day reminder is dropped.
    await live.bot.restart()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await live.day(date(2026, 10, 29), plan_at="10:00", send_at="10:00:30")
    assert len(live.connector.posted) == 21
    dropped = [r for r in caplog.records if r.getMessage().startswith("outbox message dropped")]
    assert len(dropped) == 21
    one_day = [r for r in await live.rows() if "/1d@" in r.deadline_key]
    assert len(one_day) == 21 and {r.state for r in one_day} == {"dropped"}
    [listed] = await live.listed(date(2026, 10, 28))
    assert listed["sent"] is False and len(listed["recipients"]) == 21  # type: ignore[arg-type]


async def test_reminders_off_stops_all_but_the_secretariats_own(live: Live) -> None:
    await live.bot.say(USERS[PER], "påminnelser av")
    await live.bot.say(USERS[EVA], "påminnelser av")
    await live.bot.replies_to(USERS[EVA])
    for day in days("2026-11-09", "2026-11-18"):
        await live.day(day)
    delivered = await live.delivered()
    to = {kind: {email for k, _, email in delivered if k == kind} for kind, _, _ in delivered}
    assert EVA in to["notice"] and HILDE in to["notice"]  # mandatory for the secretariat
    assert PER not in to["meeting"] and EVA not in to["meeting"] and HILDE in to["meeting"]
    assert PER not in {email for _, _, email in delivered}
    for day in (date(2026, 11, 12), date(2026, 11, 18)):
        assert as_set(await live.listed(day)) == await live.delivered(day)
