"""Fixtures of the Agents Playground tests: when they may run, and the bot as a process.

A test marked ``playground`` runs only inside the loopback-only network namespace that
``scripts/test`` makes, with the Playground installed (``scripts/setup``).  Outside that it is
skipped locally and fails under ``CI=true``: CI must run the end-to-end tests.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from .playground import (
    REPO,
    SSU_BOT,
    BotProcess,
    free_port,
    loopback_only_reason,
    playground_missing_reason,
)

# Mock users mapped to the demo roster (the current user is the secretariat); without it the
# Playground's built-in tenant (user-id-0 "Alex Wilber", unknown to the roster).
PLAYGROUND_CONFIG = REPO / ".m365agentsplayground.yml"
DEMO_ROSTER = REPO / "bot" / "demo" / "roster.csv"


def playground_skip_reason() -> str | None:
    return playground_missing_reason() or loopback_only_reason()


def _is_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


@pytest.fixture(autouse=True)
def _playground_available(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("playground") is None:
        return
    reason = playground_skip_reason()
    if reason is None:
        return
    if _is_ci():
        pytest.fail(f"CI must run the Agents Playground tests: {reason}")
    pytest.skip(f"Agents Playground: {reason}")


def playground_config() -> Path | None:
    """``SSU_E2E_PLAYGROUND_CONFIG`` (a path, or ``builtin``), else the repository's file."""
    override = os.environ.get("SSU_E2E_PLAYGROUND_CONFIG")
    if override:
        return None if override == "builtin" else Path(override)
    return PLAYGROUND_CONFIG if PLAYGROUND_CONFIG.exists() else None


@pytest.fixture
def bot_workdir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "bot"
    d.mkdir()
    yield d


def _require_bot() -> None:
    if not SSU_BOT.exists() and not os.environ.get("SSU_E2E_BOT_COMMAND"):
        pytest.fail(f"{SSU_BOT} is missing: run scripts/setup (pip install -e '.[dev]')")


@pytest.fixture
async def bot(bot_workdir: Path) -> AsyncIterator[BotProcess]:
    """The bot with the demo organisation (``SSU_DEMO=1``: roster and meeting plans)."""
    _require_bot()
    process = BotProcess(free_port(), bot_workdir)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()


@pytest.fixture
async def roster_bot(bot_workdir: Path) -> AsyncIterator[BotProcess]:
    """The bot with the demo roster imported and no meetings yet (the year is still to plan);
    the background scheduler runs, as in production (it delivers the outbox)."""
    _require_bot()
    process = BotProcess(free_port(), bot_workdir, demo=False, roster=DEMO_ROSTER)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The end-to-end runs' wall times (``record_property("wall_time_seconds", …)``) at the end
    of the test log, passed or failed, so CI's log says how long they took."""
    lines = []
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for name, value in getattr(report, "user_properties", []):
                if name == "wall_time_seconds":
                    lines.append(f"{report.nodeid}: {value} s ({outcome})")
    if lines:
        terminalreporter.write_sep("-", "end-to-end wall time")
        for line in lines:
            terminalreporter.write_line(line)
