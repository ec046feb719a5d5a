"""Dialog and conversation state in the database, with e-tag optimistic concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.teams.state_storage import DatabaseStorage
from storage.bot_state import ETagConflict


async def test_written_state_is_read_back_with_an_etag(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(sessions)
    await storage.write({"conv/1": {"step": 2, "answers": {"title": "Æøå"}}})
    items = await storage.read(["conv/1", "missing"])
    assert items["conv/1"]["answers"] == {"title": "Æøå"}
    assert items["conv/1"]["e_tag"]
    assert "missing" not in items


async def test_a_stale_etag_is_refused_and_the_newer_state_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(sessions)
    await storage.write({"k": {"v": 1}})
    first = (await storage.read(["k"]))["k"]
    second = (await storage.read(["k"]))["k"]
    second["v"] = 2
    await storage.write({"k": second})
    first["v"] = 3
    with pytest.raises(ETagConflict):
        await storage.write({"k": first})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_a_star_etag_overwrites_unconditionally(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(sessions)
    await storage.write({"k": {"v": 1}})
    await storage.write({"k": {"v": 9, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 9


async def test_two_replicas_sharing_the_database_see_each_others_state(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await DatabaseStorage(sessions).write({"k": {"v": "from replica A"}})
    assert (await DatabaseStorage(sessions).read(["k"]))["k"]["v"] == "from replica A"


async def test_deleted_state_is_gone(sessions: async_sessionmaker[AsyncSession]) -> None:
    storage = DatabaseStorage(sessions)
    await storage.write({"k": {"v": 1}})
    await storage.delete(["k"])
    assert await storage.read(["k"]) == {}
