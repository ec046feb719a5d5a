"""Microsoft Graph failing while the secretariat schedules meetings (issue 9), through the running
app: the calendar answers 503 and 429 (with Retry-After), hangs until the bot's call times out, and
even carries out a create whose answer comes too late. The secretariat's changes are accepted at
once and queued; the calendar worker carries each one out exactly once when Graph answers again —
one event, moved, then cancelled once. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.graph.graph_calendar import GraphCalendar
from bot.services.calendar_sync import sync_state
from storage.meeting_tables import Meeting
from tests.conftest import load_demo_roster
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import FakeGraph, StaticTokenCredential
from tests.support.harness import BotHarness, card_text, demo_users, settings_for
from tests.support.processes import until

ORGANIZER = "ssu-sekretariat@demo.ssu.example"
SECRETARY = demo_users()["eva.lindqvist@demo.ssu.example"]
NEXT_YEAR = datetime.now(UTC).year + 1
CALL_TIMEOUT = 1.0


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        yield fake


@pytest.fixture
async def bot_on_graph(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    graph: FakeGraph,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotHarness]:
    """The app with the calendar in Exchange through the fake Graph and its worker running
    every 0.2 s; each Graph call times out after a second instead of a minute, and the backoff
    without Retry-After starts at 0.25 s instead of 2 s (the same doubling, full jitter)."""
    monkeypatch.setattr(
        "bot.graph.factory.build_credential", lambda *_a, **_k: StaticTokenCredential()
    )
    monkeypatch.setattr("bot.graph.factory.WORKER_INTERVAL_SECONDS", 0.2)
    monkeypatch.setattr("bot.services.calendar_sync.BACKOFF_BASE", timedelta(seconds=0.25))
    monkeypatch.setitem(GraphCalendar.__init__.__kwdefaults__, "timeout", CALL_TIMEOUT)
    settings = settings_for(
        database_url,
        tmp_path / "var",
        SSU_SCHEDULER=True,
        GRAPH_TENANT_ID="tenant-1",
        GRAPH_CLIENT_ID="app-id",
        GRAPH_CLIENT_SECRET="secret",
        GRAPH_BASE_URL=graph.url,
        GRAPH_ORGANIZER=ORGANIZER,
    )
    harness = BotHarness(settings, connector)
    await harness.start()
    await load_demo_roster(harness.sessions)
    yield harness
    await harness.stop()


def _inputs(document: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node.get("value", "")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


async def _act(bot: BotHarness, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    status, body = await bot.act(SECRETARY, verb, data)
    assert status == 200, body
    return dict(body["value"])


def _ok(graph: FakeGraph, operation: str) -> int:
    return len([r for r in graph.requests_for(operation) if r.ok])


async def test_meeting_changes_wait_out_a_failing_graph_and_are_carried_out_once(
    bot_on_graph: BotHarness, graph: FakeGraph
) -> None:
    bot = bot_on_graph

    async def synced(meeting_id: int) -> bool:
        async with bot.sessions() as session:
            status = await sync_state(session, meeting_id=meeting_id)
        return status is not None and status.synced

    def creates(record: Any) -> bool:
        return record.operation == "create_event"

    # The create meets every kind of failure before it gets through: a hang (the bot's call
    # times out; Graph did nothing), 503 twice and 429 with Retry-After, then a create Graph
    # carries out but answers too late (timed out again) — its retry must not make a second event.
    graph.hang_next(1, match=creates)
    graph.fail_next(2, 503, retry_after=1, match=creates)
    graph.fail_next(1, 429, retry_after=1, match=creates)
    graph.delay_next(1, CALL_TIMEOUT + 1.0, match=creates)
    form = _inputs(await _act(bot, "meeting.add", {}))
    added = await _act(
        bot,
        "meeting.add",
        {**form, "step": "submit", "date": f"{NEXT_YEAR}-01-14", "location": "Hamar"},
    )
    assert "Møtet er lagt til" in card_text(added), card_text(added)
    async with bot.sessions() as session:
        meeting_id = (await session.exec(select(Meeting.id))).one()
    assert meeting_id is not None

    # Moved while the create is still failing: queued behind it, never before it.
    graph.fail_next(1, 503, retry_after=1, match=lambda r: r.operation == "update_event")
    values = _inputs(await _act(bot, "meeting.move", {"meeting_id": meeting_id}))
    moved = await _act(
        bot,
        "meeting.move",
        {"meeting_id": meeting_id, "step": "submit", **values, "date": f"{NEXT_YEAR}-01-21"},
    )
    assert "Møtet er flyttet" in card_text(moved), card_text(moved)
    assert not await synced(meeting_id)

    await until(lambda: synced(meeting_id), 40, "the calendar never caught up")
    [event] = graph.events_for(ORGANIZER)
    assert event["start"]["dateTime"].startswith(f"{NEXT_YEAR}-01-21")
    attempts = graph.requests_for("create_event")
    assert [r.fault for r in attempts] == [
        "hang",
        "fail_next:503",
        "fail_next:503",
        "fail_next:429",
        "delay:2.0",
        None,
    ]
    assert {r.body["transactionId"] for r in attempts} == {attempts[0].body["transactionId"]}
    assert _ok(graph, "update_event") == 1

    # Cancelled during a full outage: carried out once Graph is back, and only once.
    graph.outage(503, retry_after=1)
    cancelled = await _act(
        bot, "meeting.cancel", {"meeting_id": meeting_id, "step": "submit", "reason": "Flyttes"}
    )
    assert "Møtet er avlyst" in card_text(cancelled), card_text(cancelled)
    await asyncio.sleep(2.5)
    assert not await synced(meeting_id)
    assert graph.cancellations == []
    graph.restore()
    await until(lambda: synced(meeting_id), 30, "the cancellation never reached the calendar")
    assert [c.event_id for c in graph.cancellations] == [event["id"]]
    assert graph.events_for(ORGANIZER) == []
    assert len(graph.events_for(ORGANIZER, include_cancelled=True)) == 1
