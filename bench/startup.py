"""Start-up and memory of the serving process (``ssu-bot serve``, a subprocess, scheduler on).

* start: time from spawning ``ssu-bot serve`` to the first ``/healthz`` 200 on an already
  migrated SQLite database (a restart: the usual case), median of a few starts, and once on an
  empty database (first start: migrations run). As in the container image (pip compiles at
  install), the starts find compiled bytecode: the children may write it, under a cache prefix in
  the bench's temporary directory (``PYTHONPYCACHEPREFIX``, nothing lands in the tree), and one
  untimed start fills it first. The breakdown — interpreter start, ``import
  bot.app`` and, inside it, the biggest packages (``python -X importtime``), an up-to-date Alembic
  upgrade — is always listed, so a miss shows where the time goes.
* memory: 10,000 turns of the turns bench's mix against one serving process on SQLite; RSS
  (psutil) sampled after the warm-up, at 5,000 and at 10,000 turns, and the peak (the kernel's
  high-water mark, ``VmHWM``) at 10,000. The second half should not grow.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.common import (
    ROOT,
    BenchConnector,
    Child,
    Row,
    bot_env,
    child_env,
    free_port,
    serve_command,
    spawn,
    sqlite_url,
    wait_healthy,
)

MB = 1024 * 1024
#: Groups of top-level packages whose import time the breakdown names.
HEAVY_IMPORTS: dict[str, tuple[str, ...]] = {
    "msgraph + kiota": ("msgraph", "kiota"),
    "azure (identity, core)": ("azure",),
    "matplotlib + numpy + PIL": ("matplotlib", "numpy", "PIL", "kiwisolver", "contourpy"),
    "botbuilder + botframework + msrest": ("botbuilder", "botframework", "msrest", "msal", "jwt"),
    "sqlalchemy + sqlmodel + alembic": ("sqlalchemy", "sqlmodel", "alembic", "aiosqlite"),
    "aiohttp": ("aiohttp", "yarl", "multidict"),
    "pydantic": ("pydantic", "pydantic_core", "pydantic_settings"),
    "apscheduler": ("apscheduler",),
    "holidays": ("holidays",),
}


def import_groups(importtime_log: str) -> dict[str, float]:
    """Seconds per group from ``-X importtime`` output: the cumulative time of each group's
    outermost imports (an import inside another of the same group is not counted twice)."""
    lines = []
    for line in importtime_log.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, raw_name = line.split(":", 1)[1].split("|")
        if not cumulative.strip().isdigit():
            continue
        level = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        lines.append((level, raw_name.strip(), int(cumulative) / 1e6))

    def group_of(name: str) -> str | None:
        root = name.split(".")[0]
        for group, roots in HEAVY_IMPORTS.items():
            if any(root.startswith(r) for r in roots):
                return group
        return None

    totals: dict[str, float] = {}
    stack: list[tuple[int, str | None]] = []
    for level, name, seconds in reversed(lines):  # parents are printed after their children
        while stack and stack[-1][0] >= level:
            stack.pop()
        group = group_of(name)
        if group is not None and all(g != group for _, g in stack):
            totals[group] = totals.get(group, 0.0) + seconds
        stack.append((level, group))
    return totals


def bytecode_env(work: Path) -> dict[str, str]:
    """Let the child write and read compiled bytecode, under ``work`` (empty: not set)."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(work / "pycache")}


async def time_to_healthy(database_url: str, work: Path) -> float:
    port = free_port()
    var = work / "var"
    var.mkdir(parents=True, exist_ok=True)
    child = spawn(
        serve_command(port),
        env={**bot_env(database_url, var), **bytecode_env(work)},
        cwd=work,
        log_path=work / f"serve-start-{port}.log",
        port=port,
    )
    try:
        return await wait_healthy(child, limit_s=120)
    finally:
        child.stop()


def _run_python(
    code: str, *extra: str, work: Path, limit_s: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *extra, "-c", code],
        cwd=ROOT,
        env=child_env(bytecode_env(work)),
        capture_output=True,
        text=True,
        timeout=limit_s,
        check=False,
    )


def breakdown(database_url: str, work: Path) -> list[tuple[str, float, str]]:
    """(what, seconds, note) for the parts of a start, each measured in a fresh interpreter."""
    parts: list[tuple[str, float, str]] = []
    started = time.monotonic()
    _run_python("pass", work=work)
    parts.append(("python start (no imports)", time.monotonic() - started, ""))
    code = (
        "import time, json; t = time.perf_counter(); import bot.app; "
        "print(json.dumps(time.perf_counter() - t))"
    )
    result = _run_python(code, "-X", "importtime", work=work)
    try:
        total = float(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        total = float("nan")
    parts.append(("import bot.app (all its imports)", total, "under -X importtime"))
    groups = import_groups(result.stderr)
    for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1])[:6]:
        parts.append((f"  of which {name}", seconds, "outermost imports, cumulative"))
    code = (
        "import time, json, sys; from storage.migrate import upgrade; t = time.perf_counter(); "
        "upgrade(sys.argv[1]); print(json.dumps(time.perf_counter() - t))"
    )
    migrate = subprocess.run(
        [sys.executable, "-c", code, database_url],
        cwd=ROOT,
        env=child_env(bytecode_env(work)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        seconds = float(migrate.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        seconds = float("nan")
    parts.append(
        (
            "migrate, already up to date",
            seconds,
            "serve runs it before binding; skips Alembic at the heads",
        )
    )
    return parts


async def bench_start(*, samples: int = 3) -> list[Row]:
    from storage.migrate import upgrade

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="ssu-bench-start-") as tmp:
        work = Path(tmp)
        await time_to_healthy(sqlite_url(work / "warm-up.db"), work)  # fills the bytecode cache
        fresh = await time_to_healthy(sqlite_url(work / "fresh.db"), work)
        url = sqlite_url(work / "migrated.db")
        await asyncio.to_thread(upgrade, url)
        times = [await time_to_healthy(url, work) for _ in range(samples)]
        restart = statistics.median(times)
        rows.append(
            Row(
                "start",
                "serve → /healthz 200 (migrated db)",
                restart,
                "s",
                target=2.0,
                target_on="value",
                note=f"median of {samples}: " + ", ".join(f"{t:.2f}" for t in times),
            )
        )
        rows.append(
            Row(
                "start",
                "serve → /healthz 200 (empty db)",
                fresh,
                "s",
                target=2.0,
                target_on="value",
                note="first start: all migrations run",
            )
        )
        parts = await asyncio.to_thread(breakdown, url, work)
        for what, seconds, note in parts:
            rows.append(Row("start", what, seconds, "s", note=note))
        top = [seconds for what, seconds, _ in parts if not what.startswith(" ")]
        rows.append(
            Row(
                "start",
                "rest: app start-up to the first 200",
                restart - sum(top),
                "s",
                note="restart median less the parts above (engine, calendar, scheduler, "
                "outbox, bind); approximate",
            )
        )
    return rows


def _peak_rss(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    except (OSError, ValueError):
        return None
    return None


async def bench_memory(*, turns: int = 10_000, conversations: int = 64) -> list[Row]:
    from bench.turns import Features, run_bot

    features = Features.detect()
    half = turns // 2
    samples: dict[str, float] = {}

    def sample(done: int, child: Child) -> None:
        try:
            rss = psutil.Process(child.pid).memory_info().rss / MB
        except psutil.Error:
            return
        if done == 1:
            samples["start"] = rss
        elif done == half:
            samples["half"] = rss
        elif done == turns:
            samples["end"] = rss
            peak = _peak_rss(child.pid)
            if peak is not None:
                samples["peak"] = peak

    counts = [
        turns // conversations + (1 if i < turns % conversations else 0)
        for i in range(conversations)
    ]
    with tempfile.TemporaryDirectory(prefix="ssu-bench-memory-") as tmp:
        work = Path(tmp)
        async with BenchConnector() as connector:
            stats, _seeded = await run_bot(
                database_url=sqlite_url(work / "memory.db"),
                work=work,
                conversations=conversations,
                turns=0,
                features=features,
                time_limit=1800.0,
                connector=connector,
                on_turn=sample,
                turns_per_conversation=counts,
            )
    group = "memory sqlite"
    done = len(stats.completed())
    peak = samples.get("peak", samples.get("end"))
    growth = samples["end"] - samples["half"] if "end" in samples and "half" in samples else None
    return [
        Row(
            group,
            f"peak RSS after {done:,} turns",
            peak,
            "MB",
            target=250,
            target_on="value",
            note=f"VmHWM of the serving process; {stats.errors} errors; "
            f"{stats.throughput:.0f} turns/s",
        ),
        Row(group, "RSS after warm-up", samples.get("start"), "MB"),
        Row(group, f"RSS at {half:,} turns", samples.get("half"), "MB"),
        Row(group, f"RSS at {turns:,} turns", samples.get("end"), "MB"),
        Row(
            group,
            "RSS growth, second half",
            growth,
            "MB",
            target=5,
            target_on="value",
            note="should not grow; ≤ 5 MB is allocator noise",
        ),
    ]
