"""Importing the roster: idempotent upsert, all-or-nothing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli import DEMO_ROSTER
from bot.services.roster import RosterRejected, import_roster
from storage.db import transaction
from storage.models import Membership, Person

DEMO = DEMO_ROSTER.read_text(encoding="utf-8")


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        people = (await session.exec(select(func.count()).select_from(Person))).one()
        seats = (await session.exec(select(func.count()).select_from(Membership))).one()
    return people, seats


async def test_importing_the_demo_roster_twice_changes_nothing_the_second_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        first = await import_roster(session, text=DEMO)
    async with transaction(sessions) as session:
        second = await import_roster(session, text=DEMO)
    assert first.people_created == 46 and first.seats_created == 60
    assert second.as_dict() == {
        "people_created": 0,
        "people_updated": 0,
        "seats_created": 0,
        "seats_updated": 0,
    }
    assert await _counts(sessions) == (46, 60)


async def test_a_changed_row_updates_the_seat(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        await import_roster(session, text=DEMO)
    changed = DEMO.replace(
        "Per Haugen,per.haugen@demo.ssu.example", "Per Haugen,per.haugen@demo.ssu.example", 1
    )
    changed = changed.replace("divisjon Gjøvik-Lillehammer", "divisjon Kongsvinger", 1)
    async with transaction(sessions) as session:
        summary = await import_roster(session, text=changed)
    assert summary.seats_updated >= 1 and summary.seats_created == 0


async def test_a_bad_file_imports_nothing_at_all(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bad = DEMO + "Ola Feil,ola.feil@demo.ssu.example,,SSU,king,administrative,X,,\n"
    with pytest.raises(RosterRejected) as rejected:
        async with transaction(sessions) as session:
            await import_roster(session, text=bad)
    assert "line 62: unknown role 'king'" in str(rejected.value)
    assert await _counts(sessions) == (0, 0)


def test_cli_import_rejects_a_bad_file_with_exit_2_and_line_numbers(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    bad = tmp_path / "roster.csv"
    bad.write_text(DEMO.replace("per.haugen@demo.ssu.example,", "per.haugen(at)demo,", 1))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import-members", str(bad)],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 2
    assert "roster.csv: line 3: bad email 'per.haugen(at)demo'" in result.stderr
    assert "nothing was imported" in result.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import-members", str(DEMO_ROSTER)],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert '"people_created": 46' in ok.stdout


def test_serve_in_local_mode_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "binds only to loopback" in result.stderr


async def test_concurrent_imports_of_the_same_roster_leave_one_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def run() -> None:
        try:
            async with transaction(sessions) as session:
                await import_roster(session, text=DEMO)
        except Exception:
            async with transaction(sessions) as session:
                await import_roster(session, text=DEMO)

    await asyncio.gather(run(), run())
    assert await _counts(sessions) == (46, 60)
