"""A throwaway PostgreSQL for the benchmarks, started the way scripts/test starts one, and the
loopback-only network namespace the bench runs in.

* :func:`enter_loopback_namespace` re-runs the bench inside ``unshare --net`` (root) or
  ``unshare --map-current-user --keep-caps --net`` (others) with only ``lo`` up, as scripts/test
  does for the tests; when no namespace can be had it says so and the bench stays on the host's
  loopback (everything it starts binds 127.0.0.1 and talks only to 127.0.0.1).
* :func:`postgres_server` yields the admin URL of a server: ``SSU_BENCH_POSTGRES_URL`` or
  ``SSU_TEST_POSTGRES_URL`` when set (scripts/test's server, in the smoke test), else a new one —
  ``initdb`` into a temporary directory (as user postgres when root), 127.0.0.1 on a free port,
  trust auth, fsync off — stopped and removed afterwards.
* :func:`database` creates an empty database on it and drops it afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bench.common import LOOPBACK, free_port

ENV_URLS = ("SSU_BENCH_POSTGRES_URL", "SSU_TEST_POSTGRES_URL")
NETNS_ENV = "SSU_BENCH_NETNS"
_NAME_OK = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class NoPostgres(RuntimeError):
    """PostgreSQL cannot be had here (no binaries, initdb or start failed)."""


# --------------------------------------------------------------------------------------------------
# The namespace
# --------------------------------------------------------------------------------------------------


def _unshare_prefix() -> list[str]:
    if os.geteuid() == 0:
        return ["unshare", "--net"]
    return ["unshare", "--map-current-user", "--keep-caps", "--net"]


def enter_loopback_namespace(argv: list[str]) -> None:
    """Replace this process by the same command inside a loopback-only network namespace.

    Returns (without exec) when already inside one (``SSU_BENCH_NETNS`` set) or when none can be
    made; in the latter case ``SSU_BENCH_NETNS=0`` records that the run is not isolated."""
    if os.environ.get(NETNS_ENV) is not None:
        return
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        os.environ[NETNS_ENV] = "0"
        return
    prefix = _unshare_prefix()
    probe = subprocess.run(
        [*prefix, "--", "sh", "-c", "ip link set lo up"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=20,
        check=False,
    )
    if probe.returncode != 0:
        os.environ[NETNS_ENV] = "0"
        return
    os.environ[NETNS_ENV] = "1"
    script = 'ip link set lo up && exec "$@"'
    os.execvp(prefix[0], [*prefix, "--", "sh", "-c", script, "sh", sys.executable, *argv])


def isolation() -> str:
    """How this run reaches the network: for the table's notes."""
    if os.environ.get(NETNS_ENV) == "1":
        return "loopback-only network namespace"
    return "host loopback (no namespace could be made)"


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


def _pg_bin() -> Path:
    wanted = os.environ.get("SSU_TEST_PGBIN")
    if wanted:
        return Path(wanted)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p)],
    )
    if not found:
        raise NoPostgres("no /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return Path(found[-1])


def _run(command: list[str], *, cwd: Path, log: Path, timeout: float) -> None:
    with log.open("ab") as out:
        result = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise NoPostgres(f"{Path(command[len(command) - 1]).name}… failed:\n{tail}")


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The admin URL (``postgresql+asyncpg://ssu@127.0.0.1:PORT/postgres``) of a server."""
    for name in ENV_URLS:
        given = os.environ.get(name, "").strip()
        if given:
            yield given
            return
    pg_bin = _pg_bin()
    if not (pg_bin / "initdb").exists() or not (pg_bin / "pg_ctl").exists():
        raise NoPostgres(f"initdb/pg_ctl not in {pg_bin}")
    root = os.geteuid() == 0
    as_pg: list[str] = ["runuser", "-u", "postgres", "--"] if root else []
    tmp = Path(tempfile.mkdtemp(prefix="ssu-bench-pg."))
    data = tmp / "data"
    log = tmp / "server.log"
    started = False
    try:
        if root:
            shutil.chown(tmp, "postgres")
            tmp.chmod(0o755)
        log.touch()
        if root:
            shutil.chown(log, "postgres")
        initdb = [str(pg_bin / "initdb"), "-D", str(data), "-U", "ssu", "--auth=trust"]
        initdb += ["-E", "UTF8", "--no-locale", "--no-sync"]
        _run([*as_pg, *initdb], cwd=tmp, log=tmp / "initdb.log", timeout=120)
        port = free_port()
        options = (
            f"-c listen_addresses={LOOPBACK} -p {port} -k {tmp} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        start = [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60"]
        _run([*as_pg, *start, "-o", options, "start"], cwd=tmp, log=tmp / "pg_ctl.log", timeout=90)
        started = True
        yield f"postgresql+asyncpg://ssu@{LOOPBACK}:{port}/postgres"
    finally:
        if started:
            stop = [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "20"]
            with contextlib.suppress(Exception):
                _run([*as_pg, *stop, "stop"], cwd=tmp, log=tmp / "pg_ctl.log", timeout=40)
        shutil.rmtree(tmp, ignore_errors=True)


def _dsn(url: str, database: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def database(admin_url: str, prefix: str = "ssu_bench") -> AsyncIterator[str]:
    """An empty database on the server; yields its SQLAlchemy URL, drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}".lower()
    if not _NAME_OK.match(name):
        raise ValueError(f"bad database name {name!r}")
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
