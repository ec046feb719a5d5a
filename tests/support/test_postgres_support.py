"""Self-test of tests/support/postgres.py against the server scripts/test starts."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from .postgres import (
    POSTGRES_SKIP_REASON,
    asyncpg_dsn,
    fresh_database,
    postgres_url,
    with_database,
)


def test_url_helpers_keep_credentials() -> None:
    url = "postgresql+asyncpg://u:p%40ss@127.0.0.1:5999/admin"
    assert asyncpg_dsn(url) == "postgresql://u:p%40ss@127.0.0.1:5999/admin"
    assert with_database(url, "other") == "postgresql+asyncpg://u:p%40ss@127.0.0.1:5999/other"


requires_postgres = pytest.mark.skipif(postgres_url() is None, reason=POSTGRES_SKIP_REASON)


async def _exists(name: str) -> bool:
    admin = postgres_url()
    assert admin is not None
    conn = await asyncpg.connect(asyncpg_dsn(admin))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


@pytest.mark.postgres
@requires_postgres
async def test_fresh_database_can_be_created_written_and_dropped() -> None:
    async with fresh_database() as url:
        assert url.startswith("postgresql+asyncpg://")
        name = url.rsplit("/", 1)[1]
        assert await _exists(name)
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)"))
                await conn.execute(text("INSERT INTO t (v) VALUES ('hei'), ('hallo')"))
            async with engine.connect() as conn:
                rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
                assert rows == ["hei", "hallo"]
                version = (await conn.execute(text("SHOW server_version"))).scalar_one()
                assert int(version.split(".")[0]) >= 13
        finally:
            await engine.dispose()
        # a connection still open must not keep the database from being dropped
        leftover = await asyncpg.connect(asyncpg_dsn(url))
        assert await leftover.fetchval("SELECT 1") == 1
    try:
        assert not await _exists(name)
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)):
            await leftover.fetchval("SELECT 1")
    finally:
        leftover.terminate()


@pytest.mark.postgres
@requires_postgres
async def test_each_fresh_database_is_separate_and_empty() -> None:
    async with fresh_database() as a, fresh_database() as b:
        assert a != b
        for url in (a, b):
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                n = await conn.fetchval(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                )
                assert n == 0
                await conn.execute("CREATE TABLE only_here (x int)")
            finally:
                await conn.close()
