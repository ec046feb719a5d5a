"""The Bot Connector answers 500 to every send for a minute of wall time, then recovers (issue 7):
``ssu-bot serve`` with the sender's default retry policy delivers every message exactly once
afterwards, soon after the recovery (within the backoff cap), and drops nothing as expired."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade
from storage.outbox_tables import OutboxMessage
from tests.bot.outbox_support import enqueue_reminder, seed_people
from tests.fakes.connector import FakeConnector
from tests.support.processes import BotProcess, bot_env, until

COUNT = 100
OUTAGE_SECONDS = 60.0
SWEEP_INTERVAL = 1.0
RECOVERY_LIMIT = 30.0
"""Seconds from the recovery until the last message is out: the backoff cap (20 s), a sweep and
sending 100 messages, with room for a loaded machine. With the former cap (300 s) the last
attempts during the outage had backed off to 32–64 s: about 60 s, and the test took 128 s."""


async def test_a_minute_of_500s_then_every_message_is_delivered_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ssu.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    env = bot_env(url, tmp_path / "var", SSU_OUTBOX_SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL))
    bot = BotProcess(env, tmp_path / "serve.log")
    try:
        async with FakeConnector() as connector:
            people = await seed_people(sessions, connector.url, COUNT)
            now = datetime.now(UTC)
            async with transaction(sessions) as session:
                for person_id, _ in people:
                    await enqueue_reminder(
                        session, person_id, now=now, expires_at=now + timedelta(hours=1)
                    )
            connector.outage(500)
            await bot.start()
            await connector.wait_for_request(
                lambda r: r.operation == "send_to_conversation", timeout=30
            )
            began = time.monotonic()
            await asyncio.sleep(OUTAGE_SECONDS)
            connector.restore()
            restored = time.monotonic()
            failed_during_outage = len(connector.requests_for("send_to_conversation"))

            async def all_final() -> bool:
                async with sessions() as session:
                    states = (await session.exec(select(OutboxMessage.state))).all()
                return all(state not in ("pending", "sending") for state in states)

            await until(all_final, 120, "the sender never caught up after the outage")
            recovered = time.monotonic() - restored
            await bot.stop()
            received = Counter(p.conversation_id for p in connector.posted)
        async with sessions() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
    finally:
        await bot.kill()
        await engine.dispose()

    assert restored - began >= OUTAGE_SECONDS
    assert Counter(row.state for row in rows) == {"sent": COUNT}  # none dropped, none failed
    assert received == Counter({conversation: 1 for _, conversation in people})
    # Every message saw the outage and was retried through it …
    assert all(row.attempts >= 3 for row in rows), sorted(row.attempts for row in rows)
    assert failed_during_outage >= 3 * COUNT
    # … and went out within one backoff cap (plus a sweep) of the recovery, not minutes later.
    assert recovered <= RECOVERY_LIMIT, recovered
    assert "Traceback" not in bot.text(), bot.tail()
