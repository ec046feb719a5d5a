"""Fixtures for the Graph adapters: a fake Graph on loopback and a GraphCalendar pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.graph.graph_calendar import GraphCalendar, close_graph_client
from tests.bot.graph.support import StoreThenFailGraph, graph_calendar_for


@pytest.fixture
async def fake_graph() -> AsyncIterator[StoreThenFailGraph]:
    async with StoreThenFailGraph() as fake:
        yield fake


@pytest.fixture
async def graph_calendar(fake_graph: StoreThenFailGraph) -> AsyncIterator[GraphCalendar]:
    calendar = graph_calendar_for(fake_graph)
    yield calendar
    await close_graph_client(calendar.client)
