"""PostgreSQL for tests: the server scripts/test starts, and a clean database per use.

``scripts/test`` starts a throwaway PostgreSQL inside the test network namespace and
exports ``SSU_TEST_POSTGRES_URL`` (``postgresql+asyncpg://ssu@127.0.0.1:PORT/ssu_test``,
trust auth).  Fixtures use it like this::

    from tests.support.postgres import fresh_database, postgres_url

    @pytest.fixture
    async def pg_url():
        url = postgres_url()
        if url is None:
            pytest.skip(POSTGRES_SKIP_REASON)
        async with fresh_database(url) as db_url:
            yield db_url  # a SQLAlchemy URL of an empty database, dropped afterwards
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import URL, make_url

ENV_VAR = "SSU_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = (
    f"{ENV_VAR} is not set: run the tests through scripts/test, which starts a "
    "throwaway PostgreSQL (or export a postgresql+asyncpg:// URL of a server you may "
    "create and drop databases on)"
)
_NAME_OK = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def postgres_url() -> str | None:
    """The admin URL of the test server, or None when there is none."""
    value = os.environ.get(ENV_VAR, "").strip()
    return value or None


def asyncpg_dsn(url: str | URL) -> str:
    """A plain ``postgresql://`` DSN for asyncpg from a SQLAlchemy URL."""
    u = make_url(url) if isinstance(url, str) else url
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str | URL, database: str) -> str:
    """The same server URL pointing at another database (password kept)."""
    u = make_url(url) if isinstance(url, str) else url
    return u.set(database=database).render_as_string(hide_password=False)


async def _admin_execute(admin_url: str | URL, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def drop_database(admin_url: str | URL, name: str) -> None:
    if not _NAME_OK.match(name):
        raise ValueError(f"refusing odd database name {name!r}")
    try:
        await _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except asyncpg.PostgresSyntaxError:  # PostgreSQL < 13
        await _admin_execute(
            admin_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        await _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}"')


@asynccontextmanager
async def fresh_database(url: str | None = None, *, prefix: str = "ssu_t") -> AsyncIterator[str]:
    """Create a uniquely named empty database, yield its SQLAlchemy URL, drop it after.

    ``url`` is the admin URL (default: ``SSU_TEST_POSTGRES_URL``); its user must be
    allowed to CREATE DATABASE.  Dispose of engines on the yielded URL before the
    block ends; leftover connections are cut by ``DROP DATABASE … WITH (FORCE)``.
    """
    admin = url or postgres_url()
    if admin is None:
        raise RuntimeError(POSTGRES_SKIP_REASON)
    name = f"{prefix}_{uuid.uuid4().hex[:16]}".lower()
    if not _NAME_OK.match(name):
        raise ValueError(f"bad database name prefix {prefix!r}")
    await _admin_execute(admin, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin, name)
    finally:
        await drop_database(admin, name)
