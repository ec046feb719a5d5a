"""Schema only through Alembic: upgrades are idempotent, safe to race, and match the models."""

from __future__ import annotations

import asyncio
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.registry  # noqa: F401
from storage.db import create_engine
from storage.migrate import upgrade


async def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT count(*) FROM body"))).scalar_one()
    finally:
        await engine.dispose()
    assert bodies == 4


async def test_replicas_migrating_at_once_do_not_collide(database_url: str) -> None:
    """Three processes, as three replicas starting together would be (Alembic is per process)."""
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "migrate", env=env, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [await process.communicate() for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], results


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)

    def differences(connection: object) -> list[object]:
        context = MigrationContext.configure(connection)  # type: ignore[arg-type]
        return list(compare_metadata(context, SQLModel.metadata))

    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    if diff:
        pytest.fail(f"models and migrations differ: {diff}")
