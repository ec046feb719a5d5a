"""Two ``ssu-bot serve`` processes on one PostgreSQL (issue 7): a fan-out of 300 messages is
delivered exactly once, nothing is lost, and both replicas did part of the work — their sweeps
claim disjoint rows with ``FOR UPDATE SKIP LOCKED``."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import create_engine, session_factory, transaction
from storage.migrate import upgrade
from storage.outbox_tables import OutboxMessage
from tests.bot.outbox_support import enqueue_reminder, seed_people
from tests.fakes.connector import FakeConnector
from tests.support.postgres import POSTGRES_SKIP_REASON, fresh_database, postgres_url
from tests.support.processes import BotProcess, bot_env, until

pytestmark = pytest.mark.postgres

COUNT = 300
SENT_IN_SWEEP = re.compile(r"outbox sweep done .*\bsent=(\d+)")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    admin = postgres_url()
    if admin is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with fresh_database(admin) as url:
        await asyncio.to_thread(upgrade, url)
        yield url


def sent_by(bot: BotProcess) -> int:
    """What this process's sweeps reported as sent (its INFO line at the end of every sweep)."""
    return sum(
        int(m.group(1)) for line in bot.text().splitlines() if (m := SENT_IN_SWEEP.search(line))
    )


async def test_two_replicas_on_one_postgres_deliver_every_message_exactly_once(
    pg_url: str, tmp_path: Path
) -> None:
    engine = create_engine(pg_url)
    sessions = session_factory(engine)
    replicas: list[BotProcess] = []
    try:
        async with FakeConnector() as connector:
            people = await seed_people(sessions, connector.url, COUNT)
            for n in (1, 2):
                env = bot_env(
                    pg_url,
                    tmp_path / f"var{n}",
                    SSU_OUTBOX_APP_RATE_PER_SECOND="25",  # 50/s per app ÷ 2 replicas
                    SSU_OUTBOX_SWEEP_INTERVAL_SECONDS="1",
                )
                replicas.append(BotProcess(env, tmp_path / f"serve-{n}.log"))
            await asyncio.gather(*(bot.start() for bot in replicas))

            now = datetime.now(UTC)
            async with transaction(sessions) as session:
                for person_id, _ in people:
                    await enqueue_reminder(
                        session, person_id, now=now, expires_at=now + timedelta(hours=1)
                    )

            async def all_sent() -> bool:
                async with sessions() as session:
                    states = Counter((await session.exec(select(OutboxMessage.state))).all())
                return states == {"sent": COUNT}

            await until(all_sent, 90, "the replicas did not send the whole fan-out")

            async def sweeps_reported() -> bool:
                return sum(sent_by(bot) for bot in replicas) >= COUNT

            await until(sweeps_reported, 15, "the sweeps never reported what they sent")
            await asyncio.gather(*(bot.stop() for bot in replicas))
            received = Counter(p.conversation_id for p in connector.posted)
            violations = [v for v in connector.rate_limit_violations if v.scope == "conversation"]
    finally:
        await asyncio.gather(*(bot.kill() for bot in replicas))
        await engine.dispose()

    conversations = {conversation for _, conversation in people}
    assert set(received) == conversations, "lost: " + str(sorted(conversations - set(received)))
    assert {n for n in received.values()} == {1}, {c: n for c, n in received.items() if n > 1}
    shares = [sent_by(bot) for bot in replicas]
    assert sum(shares) == COUNT, shares
    assert all(share > 0 for share in shares), f"one replica did all the work: {shares}"
    assert violations == []
    for bot in replicas:
        assert "Traceback" not in bot.text(), bot.tail()
