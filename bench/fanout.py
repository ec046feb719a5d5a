"""Fan-out benchmark: 1,000 reminders to 1,000 people through the real app's delivery path.

    .venv/bin/python -m bench.fanout [--count 1000] [--fail-rate 0.05] [--retry-after 1]
                                     [--database-url postgresql+asyncpg://…] [--json]

The app (create_app: migrations, adapter, scheduler with the outbox jobs) runs against a fake
Bot Connector that enforces Teams' limits (429 past 7/s, 8/2 s, 60/30 s, 1,800/h per
conversation and 50/s per app) and answers a seeded fraction of the sends with 429 +
Retry-After. The fake runs in a process of its own, as Teams is a service of its own: sharing
the bot's event loop (or its GIL) would make the fake's clock, which enforces the limits, see
the bot's scheduling hiccups. Each person has a stored personal conversation reference pointing
at the fake. The reminders are enqueued in one transaction, the sweep job is kicked, and the
clock runs until every outbox row is final.

Prints delivered, lost, duplicated, wall time and the ratio to the theoretical minimum
count ÷ 50/s (20 s for 1,000). Not a test: timings depend on the machine. Exit 0 when
0 lost, 0 duplicated and ratio ≤ 1.15.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from bot import scheduler
from bot.app import SESSIONS, create_app
from bot.config import Settings
from storage.db import transaction
from storage.outbox_tables import FINAL_STATES, OutboxMessage
from tests.bot.outbox_support import enqueue_reminder, seed_people

APP_LIMIT_PER_SECOND = 50


# -- the fake connector, in a child process ------------------------------------------------------


def _is_send(record: Any) -> bool:
    return bool(record.operation == "send_to_conversation")


def _serve_fake(control: Connection, options: dict[str, Any]) -> None:
    asyncio.run(_fake_main(control, options))


async def _fake_main(control: Connection, options: dict[str, Any]) -> None:
    from tests.fakes.connector import FakeConnector

    fail_rate = options.pop("fail_rate")
    retry_after = options.pop("retry_after")
    async with FakeConnector(**options) as connector:
        rule = connector.fail_rate(fail_rate, 429, retry_after=retry_after, match=_is_send)
        control.send(connector.url)
        loop = asyncio.get_running_loop()
        while (command := await loop.run_in_executor(None, control.recv)) != "stop":
            if command == "stats":
                control.send(
                    {
                        "received": Counter(p.conversation_id for p in connector.posted),
                        "injected_429": rule.hits,
                        "rate_limit_429": connector.rate_limit_rejections,
                        "rate_limit_violations": len(connector.rate_limit_violations),
                        "send_requests": len(connector.requests_for("send_to_conversation")),
                        "send_times": [
                            r.time for r in connector.requests_for("send_to_conversation")
                        ],
                    }
                )


@contextmanager
def fake_connector_process(**options: Any) -> Iterator[tuple[str, Connection]]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_fake, args=(child, options), name="fake-connector", daemon=True
    )
    process.start()
    try:
        url = parent.recv()
        yield url, parent
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


# -- the run --------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ssu-fanout-") as tmp:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}"
        settings = Settings(
            _env_file=None, DATABASE_URL=database_url, SSU_VAR_DIR=tmp, SSU_SCHEDULER=True
        )
        with fake_connector_process(
            enforce_rate_limits=not args.no_enforce,
            seed=args.seed,
            fail_rate=args.fail_rate,
            retry_after=args.retry_after,
        ) as (url, control):
            app = create_app(settings)
            runner = web.AppRunner(app)
            await runner.setup()  # runs the cleanup contexts: migrate, bot, scheduler, outbox
            try:
                return await _fan_out(app, url, control, args)
            finally:
                await runner.cleanup()


async def _fan_out(
    app: web.Application, url: str, control: Connection, args: argparse.Namespace
) -> dict[str, Any]:
    sessions = app[SESSIONS]
    people = await seed_people(sessions, url, args.count, prefix="fanout")
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        for person_id, _ in people:
            await enqueue_reminder(
                session,
                person_id,
                now=now,
                text=f"Påminnelse: frist for å melde inn saker (#{person_id})",
                kind="case_submission",
                subject="SSU 2026-05-21",
                deadline_key="2026-04-16T09:00+02:00/7d",
                expires_at=now + timedelta(hours=1),
            )
    started = time.perf_counter()
    scheduler.kick(app)
    while True:
        async with sessions() as session:
            open_rows = (
                await session.exec(
                    select(func.count()).where(
                        col(OutboxMessage.state).not_in([s.value for s in FINAL_STATES])
                    )
                )
            ).one()
        if open_rows == 0:
            break
        if time.perf_counter() - started > args.timeout:
            raise TimeoutError(f"{open_rows} messages still open after {args.timeout} s")
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - started
    async with sessions() as session:
        states = Counter((await session.exec(select(OutboxMessage.state))).all())
    control.send("stats")
    stats = control.recv()
    received: Counter[str] = stats["received"]
    conversations = [conversation for _, conversation in people]
    minimum = args.count / APP_LIMIT_PER_SECOND
    return {
        "reminders": args.count,
        "delivered": sum(1 for c in conversations if received[c] >= 1),
        "lost": sum(1 for c in conversations if received[c] == 0),
        "duplicated": sum(max(0, received[c] - 1) for c in conversations),
        "wall_seconds": round(wall, 2),
        "theoretical_minimum_seconds": minimum,
        "ratio": round(wall / minimum, 3),
        "rows_by_state": dict(states),
        "send_requests": stats["send_requests"],
        "injected_429": stats["injected_429"],
        "rate_limit_429_from_fake": stats["rate_limit_429"],
        "backend": sessions.kw["bind"].dialect.name,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--fail-rate", type=float, default=0.05)
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-enforce", action="store_true", help="fake does not enforce limits")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    ok = result["lost"] == 0 and result["duplicated"] == 0 and result["ratio"] <= 1.15
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
