"""Choosing Graph or the embedded calendar from the settings, and the app lifecycle."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import SESSIONS, SETTINGS
from bot.config import Settings
from bot.graph.documents import GraphDocuments, LocalDocuments
from bot.graph.factory import (
    CALENDAR,
    GraphNotConfigured,
    build_calendar_services,
    build_credential,
    calendar_context,
)
from bot.graph.graph_calendar import GraphCalendar
from bot.graph.local_calendar import LocalCalendar
from bot.services.calendar_sync import enqueue_change, sync_state
from storage.db import create_engine, session_factory, transaction
from tests.bot.graph.support import ORGANIZER, ssu_meeting
from tests.fakes.graph import StaticTokenCredential

GRAPH = {
    "GRAPH_TENANT_ID": "tenant-1",
    "GRAPH_CLIENT_ID": "app-id",
    "GRAPH_CLIENT_SECRET": "secret",
    "GRAPH_BASE_URL": "http://127.0.0.1:9/v1.0",
}


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, SSU_VAR_DIR=str(tmp_path / "var"), **values)


@pytest.fixture
async def sqlite_sessions(sqlite_url: str) -> Any:
    engine = create_engine(sqlite_url)
    yield session_factory(engine)
    await engine.dispose()


async def test_without_graph_credentials_the_embedded_calendar_and_portal_folder_are_used(
    tmp_path: Path, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> None:
    services = build_calendar_services(settings(tmp_path), sqlite_sessions)

    assert isinstance(services.calendar, LocalCalendar)
    assert services.calendar.path_for(1) == tmp_path / "var" / "calendar" / "meeting-1.ics"
    assert isinstance(services.documents, LocalDocuments)
    assert services.documents.root == tmp_path / "var" / "portal"
    assert not services.uses_graph
    await services.aclose()


async def test_with_graph_credentials_graph_is_used_and_documents_follow_the_site_setting(
    tmp_path: Path, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> None:
    configured = settings(tmp_path, GRAPH_ORGANIZER=ORGANIZER, **GRAPH)
    with_site = settings(tmp_path, GRAPH_ORGANIZER=ORGANIZER, GRAPH_SITE_ID="site-1", **GRAPH)

    plain = build_calendar_services(configured, sqlite_sessions, credential=StaticTokenCredential())
    sharepoint = build_calendar_services(with_site, sqlite_sessions)

    assert isinstance(plain.calendar, GraphCalendar)
    assert isinstance(plain.documents, LocalDocuments)
    assert plain.graph is not None
    assert plain.graph.request_adapter.base_url == "http://127.0.0.1:9/v1.0"
    assert isinstance(sharepoint.documents, GraphDocuments)
    assert sharepoint.owns_credential and not plain.owns_credential
    await plain.aclose()
    await sharepoint.aclose()


async def test_graph_without_an_organizer_mailbox_is_a_configuration_error(
    tmp_path: Path, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> None:
    with pytest.raises(GraphNotConfigured, match="GRAPH_ORGANIZER"):
        build_calendar_services(settings(tmp_path, **GRAPH), sqlite_sessions)


def test_production_credential_is_a_client_secret_credential(tmp_path: Path) -> None:
    from azure.identity.aio import ClientSecretCredential

    credential = build_credential(settings(tmp_path, GRAPH_ORGANIZER=ORGANIZER, **GRAPH))
    assert isinstance(credential, ClientSecretCredential)
    with pytest.raises(GraphNotConfigured):
        build_credential(settings(tmp_path))


async def test_calendar_context_runs_the_worker_that_carries_out_queued_changes(
    tmp_path: Path, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> None:
    app = web.Application()
    app[SETTINGS] = settings(tmp_path, SSU_SCHEDULER=True)
    app[SESSIONS] = sqlite_sessions
    async with transaction(sqlite_sessions) as session:
        await enqueue_change(session, meeting_id=3, op="create", event=ssu_meeting(3))

    lifecycle = calendar_context(app)
    await lifecycle.__anext__()
    try:
        assert isinstance(app[CALENDAR].calendar, LocalCalendar)
        ics = tmp_path / "var" / "calendar" / "meeting-3.ics"
        for _ in range(200):
            if ics.exists():
                break
            await asyncio.sleep(0.02)
        assert ics.exists()
    finally:
        with pytest.raises(StopAsyncIteration):
            await lifecycle.__anext__()

    async with sqlite_sessions() as session:
        status = await sync_state(session, meeting_id=3)
    assert status is not None and status.synced


async def test_calendar_context_runs_no_worker_when_the_scheduler_is_off(
    tmp_path: Path, sqlite_sessions: async_sessionmaker[AsyncSession]
) -> None:
    app = web.Application()
    app[SETTINGS] = settings(tmp_path, SSU_SCHEDULER=False)
    app[SESSIONS] = sqlite_sessions
    async with transaction(sqlite_sessions) as session:
        await enqueue_change(session, meeting_id=3, op="create", event=ssu_meeting(3))

    lifecycle = calendar_context(app)
    await lifecycle.__anext__()
    await asyncio.sleep(0.2)
    with pytest.raises(StopAsyncIteration):
        await lifecycle.__anext__()

    assert not (tmp_path / "var" / "calendar" / "meeting-3.ics").exists()
