"""``python -m bench [--quick]``: every benchmark, one table of ratios measured in this run.

    turns    64 conversations × 50 turns of the realistic mix over HTTP, SQLite and PostgreSQL,
             against the echo floor (bench/echo_floor.py) replaying the same bodies
    scale    everyday queries on 20 years of data ÷ the same on one year; queries per operation
    start    ``ssu-bot serve`` → /healthz 200, with a breakdown
    memory   RSS of the serving process over 10,000 turns

The bench re-runs itself in a loopback-only network namespace when it can (as scripts/test
does) and starts its own throwaway PostgreSQL (bench/pg.py). Progress goes to stderr, the table
to stdout. Not a test: no assertion on timings; the ``ok`` column compares with the targets.
``--quick`` runs tiny sizes (a minute or two) to check that everything works.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable

from bench.common import Row, render_table

SECTIONS = ("turns", "scale", "start", "memory")


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


async def _section(rows: list[Row], name: str, run: Callable[[], Awaitable[list[Row]]]) -> None:
    _say(f"{name}: running")
    started = time.monotonic()
    try:
        rows += await run()
    except Exception as error:  # one section failing must not hide the others' figures
        logging.getLogger("bench").exception("section %s failed", name)
        rows.append(Row(name, "FAILED", None, note=f"{type(error).__name__}: {error}"[:160]))
    _say(f"{name}: done in {time.monotonic() - started:.0f} s")


async def run(args: argparse.Namespace) -> list[Row]:
    from bench.pg import NoPostgres, isolation, postgres_server

    rows: list[Row] = [Row("machine", "before", None, note=_load() + "; " + isolation())]
    admin: str | None = None
    with contextlib.ExitStack() as stack:
        if not args.no_postgres:
            try:
                admin = stack.enter_context(postgres_server())
                _say(f"PostgreSQL at {admin}")
            except NoPostgres as error:
                _say(f"no PostgreSQL: {error}")
                rows.append(
                    Row("machine", "PostgreSQL", None, note=f"not available: {error}"[:160])
                )
        await _sections(rows, args, admin)
    rows.append(Row("machine", "after", None, note=_load()))
    return rows


async def _sections(rows: list[Row], args: argparse.Namespace, admin: str | None) -> None:
    from bench import scale, startup, turns
    from bench.pg import database

    quick = args.quick
    only = set(args.only.split(",")) if args.only else set(SECTIONS)
    conversations, turn_count = (8, 10) if quick else (64, 50)
    if "turns" in only:

        async def turns_rows() -> list[Row]:
            out = await turns.bench(
                backends={"sqlite": None}, conversations=conversations, turns=turn_count
            )
            if admin is not None:
                async with database(admin, prefix="ssu_turns") as url:
                    out += await turns.bench(
                        backends={"postgres": url},
                        conversations=conversations,
                        turns=turn_count,
                    )
            return out

        await _section(rows, "turns", turns_rows)
    if "scale" in only:
        backends: dict[str, str | None] = {"sqlite": None}
        if admin is not None:
            backends["postgres"] = admin
        await _section(
            rows,
            "scale",
            lambda: scale.bench(
                backends=backends, repeats=5 if quick else 200, scale=0.05 if quick else 1.0
            ),
        )
    if "start" in only:
        await _section(rows, "start", lambda: startup.bench_start(samples=1 if quick else 3))
    if "memory" in only:
        await _section(
            rows,
            "memory",
            lambda: startup.bench_memory(
                turns=1_000 if quick else 10_000, conversations=16 if quick else 64
            ),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a check, not a measure")
    parser.add_argument("--only", help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--no-netns", action="store_true", help="stay on the host's loopback (no namespace)"
    )
    args = parser.parse_args(argv)
    if not args.no_netns:
        from bench.pg import enter_loopback_namespace

        enter_loopback_namespace(["-m", "bench", *(argv if argv is not None else sys.argv[1:])])
    logging.basicConfig(level=logging.WARNING, format="bench: %(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    rows = asyncio.run(run(args))
    print(render_table(rows))
    print(
        f"\n{len([r for r in rows if r.verdict == 'MISS'])} of "
        f"{len([r for r in rows if r.target is not None])} targets missed; "
        f"ran {time.monotonic() - started:.0f} s. Ratios compare figures measured in this run."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
