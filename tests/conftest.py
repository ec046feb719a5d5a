"""Shared fixtures: databases (SQLite and a real PostgreSQL), the running app, the fakes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli import DEMO_ROSTER
from bot.services.roster import import_roster
from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, settings_for

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """Tests that call the CLI in-process configure logging; no test may leak that into others."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _postgres_admin_url() -> str | None:
    url = os.environ.get("SSU_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the PostgreSQL tests: SSU_TEST_POSTGRES_URL is not set")
    return None


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, migrated database on each backend; PostgreSQL is skipped only outside CI."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'ssu.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url
        return
    admin = _postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL: run the suite with scripts/test, which starts one")
    from tests.support.postgres import fresh_database

    async with fresh_database(admin) as url:
        await asyncio.to_thread(upgrade, url)
        yield url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ssu.db'}"
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def load_demo_roster(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        await import_roster(session, text=DEMO_ROSTER.read_text(encoding="utf-8"), source="demo")


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@pytest.fixture
async def bot(
    sqlite_url: str, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[BotHarness]:
    """The running app on SQLite with the demo roster."""
    harness = BotHarness(settings_for(sqlite_url, tmp_path / "var"), connector)
    await harness.start()
    await load_demo_roster(harness.sessions)
    yield harness
    await harness.stop()


@pytest.fixture
async def bot_on(
    database_url: str, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[BotHarness]:
    """The running app on each backend with the demo roster."""
    harness = BotHarness(settings_for(database_url, tmp_path / "var"), connector)
    await harness.start()
    await load_demo_roster(harness.sessions)
    yield harness
    await harness.stop()
