"""The embedded calendar: events in the database and a valid .ics file per meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.graph.local_calendar import NO_TEAMS_LINK_NOTE, LocalCalendar, html_to_text
from bot.graph.port import BusyBlock, PermanentCalendarError
from tests.bot.graph.support import ORGANIZER, oslo, pa_meeting, ssu_meeting


@pytest.fixture
def local(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> LocalCalendar:
    return LocalCalendar(sessions, tmp_path / "calendar", organizer=ORGANIZER)


def read_event(path: Path) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    return calendar, event


async def test_create_writes_a_valid_ics_with_oslo_times_attendees_and_place(
    local: LocalCalendar,
) -> None:
    ref = await local.create_event(ssu_meeting(7), transaction_id="tx-7")

    path = local.path_for(7)
    assert path.name == "meeting-7.ics"
    assert ref.web_link == path.resolve().as_uri()
    assert ref.join_url is None
    calendar, event = read_event(path)
    assert calendar["METHOD"] == "REQUEST"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert str(event["UID"]) == ref.ical_uid
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == "SSU-møte 12. februar 2026"
    assert str(event["LOCATION"]) == "Scandic Hamar, møterom Mjøsa"
    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Oslo"
    assert start.dt == oslo("2026-02-12T09:30")
    assert start.dt.utcoffset() == timedelta(hours=1)
    assert event["DTEND"].dt == oslo("2026-02-12T14:30")
    assert str(event["ORGANIZER"]) == f"mailto:{ORGANIZER}"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert attendees["mailto:kari.nordmann@elverum.kommune.no"]["ROLE"] == "REQ-PARTICIPANT"
    assert attendees["mailto:kari.nordmann@elverum.kommune.no"]["CN"] == "Kari Nordmann"
    assert attendees["mailto:ola@statsforvalteren.no"]["ROLE"] == "OPT-PARTICIPANT"
    assert str(event["DESCRIPTION"]) == "Innkalling følger."
    assert b"\r\n" in path.read_bytes()  # RFC 5545 line endings


async def test_an_online_meeting_says_the_teams_link_comes_with_graph_and_has_no_url(
    local: LocalCalendar,
) -> None:
    ref = await local.create_event(pa_meeting(2), transaction_id="tx-2")

    _, event = read_event(local.path_for(2))
    assert ref.join_url is None
    assert str(event["DESCRIPTION"]) == f"Teams-møte\n\n{NO_TEAMS_LINK_NOTE}"
    assert "teams.microsoft.com" not in local.path_for(2).read_text(encoding="utf-8")
    assert event["DTSTART"].dt.utcoffset() == timedelta(hours=2)  # summer time


async def test_create_with_the_same_transaction_id_returns_the_same_event(
    local: LocalCalendar,
) -> None:
    first = await local.create_event(ssu_meeting(), transaction_id="tx-1")
    second = await local.create_event(ssu_meeting(), transaction_id="tx-1")
    other = await local.create_event(ssu_meeting(), transaction_id="tx-2")

    assert second == first
    assert other.event_id != first.event_id


async def test_update_increments_sequence_and_keeps_the_uid(local: LocalCalendar) -> None:
    ref = await local.create_event(ssu_meeting(), transaction_id="tx-1")
    moved = ssu_meeting(start=oslo("2026-02-19T10:00"), end=oslo("2026-02-19T15:00"))

    await local.update_event(ref.event_id, moved)
    await local.update_event(ref.event_id, moved)

    _, event = read_event(local.path_for(1))
    assert str(event["UID"]) == ref.ical_uid
    assert event["SEQUENCE"] == 2
    assert event["DTSTART"].dt == oslo("2026-02-19T10:00")


async def test_cancel_marks_the_event_cancelled_with_the_comment(local: LocalCalendar) -> None:
    ref = await local.create_event(ssu_meeting(), transaction_id="tx-1")

    await local.cancel_event(ref.event_id, comment="Møtet utgår.")
    await local.cancel_event(ref.event_id, comment="Møtet utgår.")  # repeated: no change

    calendar, event = read_event(local.path_for(1))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["COMMENT"]) == "Møtet utgår."
    with pytest.raises(PermanentCalendarError, match="cancelled"):
        await local.update_event(ref.event_id, ssu_meeting())


async def test_update_of_an_unknown_event_is_permanent(local: LocalCalendar) -> None:
    with pytest.raises(PermanentCalendarError, match="no local calendar event"):
        await local.update_event("nope", ssu_meeting())


async def test_free_busy_comes_from_the_stored_events(local: LocalCalendar) -> None:
    await local.create_event(ssu_meeting(1), transaction_id="tx-1")
    later = ssu_meeting(2, start=oslo("2026-03-12T09:30"), end=oslo("2026-03-12T14:30"))
    cancelled = await local.create_event(later, transaction_id="tx-2")
    await local.cancel_event(cancelled.event_id, comment="")
    await local.create_event(pa_meeting(3), transaction_id="tx-3")

    found = await local.free_busy(
        ["KARI.NORDMANN@elverum.kommune.no", ORGANIZER, "per@gjovik.kommune.no"],
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 4, 1, tzinfo=UTC),
    )

    feb = BusyBlock(oslo("2026-02-12T09:30").astimezone(UTC), oslo("2026-02-12T14:30"))
    assert [(b.start, b.end) for b in found["KARI.NORDMANN@elverum.kommune.no"]] == [
        (feb.start, feb.end)
    ]
    assert len(found[ORGANIZER]) == 1
    assert found["per@gjovik.kommune.no"] == []
    assert found[ORGANIZER][0].start.tzinfo is not None


def test_html_body_becomes_readable_text() -> None:
    body = "<p>Sak 11.25 &amp; 12.25</p><ul><li>Godkjenning</li><li>Referat</li></ul>"
    assert html_to_text(body) == "Sak 11.25 & 12.25\nGodkjenning\nReferat"
