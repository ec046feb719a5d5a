"""What the benchmarks share: the result row and table, percentiles, child processes of the bot
(``ssu-bot serve`` and the echo floor) on loopback, and a fake connector that keeps each turn's
replies by the id of the activity they answer.

Every wait here is bounded in time; every child process is ended by its own pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.connector import FakeConnector
from tests.fakes.faults import RecordedRequest

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
#: Variables a child process must not inherit: they would turn on authentication or point the
#: bot at another database or Graph tenant than the bench's.
_CHILD_ENV_DROP = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
    "DATABASE_URL",
    "GRAPH_TENANT_ID",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "GRAPH_ORGANIZER",
    "GRAPH_BASE_URL",
    "GRAPH_SITE_ID",
    "SSU_DEMO",
    "SSU_VAR_DIR",
    "SSU_SCHEDULER",
    "SSU_LOG_LEVEL",
)


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table. ``value`` is what was measured, ``base`` what it is compared with
    (the echo floor, or the one-year database), ``ratio`` value ÷ base, ``target`` the limit the
    ratio (or the value, when there is no base) must stay within."""

    group: str
    measure: str
    value: float | None
    unit: str = ""
    base: float | None = None
    target: float | None = None
    target_on: str = "ratio"
    """``ratio`` or ``value``: which number the target limits."""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.base is None or self.base == 0:
            return None
        return self.value / self.base

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        checked = self.ratio if self.target_on == "ratio" else self.value
        if checked is None:
            return "n/a"
        return "ok" if checked <= self.target else "MISS"


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def render_table(rows: Sequence[Row]) -> str:
    header = ["group", "measure", "value", "base", "ratio", "target", "ok", "note"]
    lines: list[list[str]] = []
    for row in rows:
        target = ""
        if row.target is not None:
            target = (
                f"≤ {row.target:g}×"
                if row.target_on == "ratio"
                else f"≤ {fmt(row.target, row.unit)}"
            )
        ratio = row.ratio
        lines.append(
            [
                row.group,
                row.measure,
                fmt(row.value, row.unit),
                fmt(row.base, row.unit) if row.base is not None else "",
                f"{ratio:.2f}×" if ratio is not None else "",
                target,
                row.verdict,
                row.note,
            ]
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    out.append("  ".join("─" * w for w in widths))
    numeric = {2, 3, 4}
    for line in lines:
        cells = [
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100), nearest-rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


# --------------------------------------------------------------------------------------------------
# The fake connector, remembering replies by the activity they answer
# --------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    time: float
    """``time.monotonic()`` when the reply reached the connector."""
    size: int
    """Bytes of the request body the bot posted."""
    body: dict[str, Any]


class BenchConnector(FakeConnector):
    """The tests' fake Bot Connector, indexing posted replies by the activity they answer.

    ``trim()`` forgets what the base class records, so a long run does not grow the bench's own
    memory (only ``replies`` of activities not yet taken stay)."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, list[Reply]] = {}
        self.proactive = 0

    def _store(
        self,
        record: RecordedRequest,
        conversation_id: str,
        body: dict[str, Any],
        reply_to_id: str | None,
    ) -> str:
        activity_id = super()._store(record, conversation_id, body, reply_to_id)
        if record.operation == "reply_to_activity" and reply_to_id is not None:
            self.replies.setdefault(reply_to_id, []).append(
                Reply(record.time, len(record.raw_body), body)
            )
        else:
            self.proactive += 1
        return activity_id

    def take(self, activity_id: str) -> list[Reply]:
        return self.replies.pop(activity_id, [])

    def trim(self) -> None:
        self.requests.clear()
        self.posted.clear()
        self.conversations.clear()


# --------------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CHILD_ENV_DROP}
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    env.update(extra)
    return env


def ssu_bot_command() -> list[str]:
    """``ssu-bot`` as installed in this venv (the console script), else ``python -m bot.cli``."""
    script = Path(sys.executable).with_name("ssu-bot")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bot.cli"]


@dataclass
class Child:
    """A server process the bench started; ``url`` is its base URL on loopback."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started: float
    ready_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def count_in_log(self, needle: str) -> int:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace").count(needle)
        except OSError:
            return 0

    def stop(self, timeout: float = 15.0) -> None:
        """SIGINT (aiohttp's clean shutdown), then SIGKILL after ``timeout`` — this pid only."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(5)


def spawn(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_path: Path, port: int
) -> Child:
    log = log_path.open("wb")
    try:
        started = time.monotonic()
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()
    return Child(process, port, log_path, started)


async def wait_healthy(child: Child, *, limit_s: float = 60.0, path: str = "/healthz") -> float:
    """Poll ``path`` until 200; returns seconds from spawn to the first 200. Bounded by
    ``limit_s`` (and by the child dying)."""
    deadline = time.monotonic() + limit_s
    url = child.url + path
    client_timeout = aiohttp.ClientTimeout(total=2.0)
    async with aiohttp.ClientSession(timeout=client_timeout) as http:
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {child.process.returncode}:\n{child.log_tail()}"
                )
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        child.ready_after = time.monotonic() - child.started
                        return child.ready_after
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.01)
    raise TimeoutError(f"{url} not healthy after {limit_s:g} s:\n{child.log_tail()}")


def serve_command(port: int) -> list[str]:
    return [*ssu_bot_command(), "serve", "--host", LOOPBACK, "--port", str(port)]


def echo_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.echo_floor", "--host", LOOPBACK, "--port", str(port)]


@contextlib.contextmanager
def running(child: Child) -> Iterator[Child]:
    try:
        yield child
    finally:
        child.stop()


def bot_env(database_url: str, var_dir: Path, *, scheduler: bool = True) -> dict[str, str]:
    """The serving process's configuration: local mode (no app id), loopback only."""
    return child_env(
        {
            "DATABASE_URL": database_url,
            "SSU_VAR_DIR": str(var_dir),
            "SSU_SCHEDULER": "true" if scheduler else "false",
            "SSU_LOG_LEVEL": "INFO",
        }
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
