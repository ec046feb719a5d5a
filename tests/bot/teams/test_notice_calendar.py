"""The calendar event keeps the published agenda through later changes (session 1: "move drops
agenda from calendar body"), through the running app on SQLite and PostgreSQL: the secretariat
adds a meeting, publishes its notice, then moves the meeting — the calendar queue carries each
change to the embedded calendar (the .ics file) and to Microsoft Graph (the fake Graph), and the
moved event's body still lists the agenda and links the notice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.domain.calendar import is_working_day
from bot.graph.factory import CALENDAR
from bot.graph.graph_calendar import close_graph_client
from bot.graph.local_calendar import LocalCalendar
from bot.graph.port import CalendarPort
from bot.services.calendar_sync import process_due
from storage.agenda_tables import NoticeVersion
from storage.calendar_tables import CalendarJob
from storage.meeting_tables import Meeting
from tests.bot.graph.support import ORGANIZER, graph_calendar_for
from tests.bot.teams.test_notice_chat import add_case
from tests.fakes.graph import FakeGraph
from tests.support.harness import BotHarness, card_text, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]


def working_day(after_days: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=after_days)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


async def act(bot: BotHarness, verb: str, data: dict[str, Any]) -> str:
    status, body = await bot.act(SECRETARY, verb, data)
    assert status == 200, body
    return card_text(body["value"])


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        yield fake


@pytest.mark.parametrize("where", ["local", "graph"])
async def test_a_moved_meeting_keeps_its_agenda_and_notice_link_in_the_calendar(
    bot_on: BotHarness, fake_graph: FakeGraph, where: str
) -> None:
    bot = bot_on
    graph = graph_calendar_for(fake_graph) if where == "graph" else None
    calendar: CalendarPort = graph if graph is not None else bot.app[CALENDAR].calendar
    try:
        day = working_day(20)
        added = await act(
            bot,
            "meeting.add",
            {
                "step": "submit",
                "body": "SSU",
                "date": day.isoformat(),
                "start": "09:30",
                "end": "14:30",
                "form": "physical",
                "location": "Fylkeshuset Lillehammer",
            },
        )
        assert "Møtet er lagt til" in added
        async with bot.sessions() as session:
            meeting = (await session.exec(select(Meeting))).one()
        assert meeting.id is not None
        await add_case(bot, meeting.id, title="Felles rutine for utskrivning")

        async def body_after_sync() -> str:
            report = await process_due(bot.sessions, calendar)
            assert report.failed == [] and report.retrying == []
            if graph is not None:
                [event] = fake_graph.events_for(ORGANIZER)
                return str(event["body"]["content"])
            assert isinstance(calendar, LocalCalendar)
            return calendar.path_for(meeting.id or 0).read_text(encoding="utf-8")

        def unfolded(text: str) -> str:
            """An .ics folds long lines and escapes commas; the Graph body is HTML."""
            text = text.replace("\r\n ", "").replace("\n ", "")
            return text.replace("\\,", ",").replace("\\n", "\n")

        assert "Felles rutine" not in unfolded(await body_after_sync())

        published = await act(bot, "notice.publish", {"meeting_id": meeting.id})
        assert "Innkallingen er publisert" in published
        async with bot.sessions() as session:
            link = (await session.exec(select(NoticeVersion))).one().document_url
        assert link.startswith(f"{bot.settings.document_base_url}/documents/")
        body = unfolded(await body_after_sync())
        assert "Felles rutine for utskrivning (" in body
        assert link in body

        moved_day = working_day((day - datetime.now(UTC).date()).days + 1)
        moved = await act(
            bot,
            "meeting.move",
            {"meeting_id": meeting.id, "step": "submit", "date": moved_day.isoformat()},
        )
        assert "Møtet er flyttet" in moved
        async with bot.sessions() as session:
            [*_, last] = (
                await session.exec(select(CalendarJob).order_by(col(CalendarJob.id)))
            ).all()
        assert last.op == "update"
        assert "Felles rutine for utskrivning (" in json.loads(last.payload or "{}")["body_html"]
        body = unfolded(await body_after_sync())
        assert "Felles rutine for utskrivning (" in body
        assert link in body
        if graph is not None:
            [event] = fake_graph.events_for(ORGANIZER)
            assert event["start"]["dateTime"].startswith(moved_day.isoformat())
            assert body.count("Felles rutine for utskrivning (") == 1
        else:
            assert f"DTSTART;TZID=Europe/Oslo:{moved_day:%Y%m%d}T093000" in body
    finally:
        if graph is not None:
            await close_graph_client(graph.client)
