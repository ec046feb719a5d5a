"""Shared helpers for the calendar tests: sample meetings and a fake Graph that can store a change
and still answer with an error (the reply of a successful POST lost on the way back)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.domain.calendar import OSLO
from bot.graph.graph_calendar import GraphCalendar, build_graph_client
from bot.graph.port import Attendee, CalendarEvent
from tests.fakes.faults import RecordedRequest
from tests.fakes.graph import FakeGraph, StaticTokenCredential

ORGANIZER = "sekretariat@helse-innlandet.no"
LEADER = Attendee("kari.nordmann@elverum.kommune.no", "Kari Nordmann")
OBSERVER = Attendee("ola@statsforvalteren.no", "Ola Observatør", required=False)


def oslo(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


def ssu_meeting(meeting_id: int = 1, **changes: object) -> CalendarEvent:
    """An SSU meeting on 12 Feb 2026, 09:30–14:30 Oslo time, physical, at Hamar."""
    values: dict[str, object] = {
        "meeting_id": meeting_id,
        "subject": "SSU-møte 12. februar 2026",
        "start": oslo("2026-02-12T09:30"),
        "end": oslo("2026-02-12T14:30"),
        "location": "Scandic Hamar, møterom Mjøsa",
        "online": False,
        "attendees": (LEADER, OBSERVER),
        "body_html": "<p>Innkalling følger.</p>",
    }
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def pa_meeting(meeting_id: int = 2) -> CalendarEvent:
    """The partnership meeting: online (Teams), summer time."""
    return ssu_meeting(
        meeting_id,
        subject="Partnerskapsmøtet 11. juni 2026",
        start=oslo("2026-06-11T09:00"),
        end=oslo("2026-06-11T10:00"),
        location=None,
        online=True,
        attendees=(LEADER,),
        body_html="<p>Teams-møte</p>",
    )


class StoreThenFailGraph(FakeGraph):
    """FakeGraph that can carry out a request and then answer it with an error anyway."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._store_then_fail: list[tuple[str, int]] = []

    def store_then_fail(self, operation: str, status: int = 503) -> None:
        """The next ``operation`` (e.g. ``create_event``) is stored, then answered ``status``."""
        self._store_then_fail.append((operation, status))

    async def _dispatch(self, record: RecordedRequest, request: web.Request) -> web.StreamResponse:
        response = await super()._dispatch(record, request)
        for index, (operation, status) in enumerate(self._store_then_fail):
            if operation == record.operation and 200 <= response.status < 300:
                del self._store_then_fail[index]
                return self.error(record, status, fault=f"store_then_fail:{status}")
        return response


def graph_calendar_for(fake: FakeGraph, *, timeout: float = 5.0) -> GraphCalendar:
    client = build_graph_client(StaticTokenCredential(), base_url=fake.url, timeout=timeout)
    return GraphCalendar(client, organizer=ORGANIZER, timeout=timeout)
