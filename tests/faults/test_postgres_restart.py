"""PostgreSQL restarted in the middle of a run (issue 9): while people submit cases, answer a
consensus round and the self-evaluation through ``ssu-bot serve``, and the outbox is sending a
fan-out, the database server stops (``pg_ctl stop -m fast``) for a few seconds and starts again.

Afterwards: everything a person was told was accepted is stored; during the outage people got
the bot's apology (never a 5xx, never silence) and nothing half-written; the same process serves
again without a restart; and every due message is delivered exactly once. PostgreSQL only: it
needs the server scripts/test started (SSU_TEST_PGDATA …), which this test always leaves running.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import func, select

from storage.case_tables import Case
from storage.consensus_tables import ConsensusAnswer
from storage.db import create_engine, session_factory, transaction
from storage.evaluation_tables import EvaluationAnswer
from storage.migrate import upgrade
from storage.models import AuditEntry
from storage.outbox_tables import OutboxMessage
from tests.bot.outbox_support import enqueue_reminder, seed_people
from tests.conftest import load_demo_roster
from tests.fakes.connector import FakeConnector
from tests.support.activities import TeamsUser
from tests.support.harness import demo_users
from tests.support.pg_server import SKIP_REASON, PostgresServer
from tests.support.postgres import POSTGRES_SKIP_REASON, fresh_database, postgres_url
from tests.support.processes import BotProcess, bot_env, until
from tests.support.workload import (
    EvaluationTarget,
    Result,
    TeamsClient,
    answer_consensus,
    answer_evaluation,
    open_consensus_round,
    open_evaluation_for,
    submit_case,
)

pytestmark = pytest.mark.postgres

USERS = demo_users()
CHAIR = USERS["hilde.vang@demo.ssu.example"]
EMAILS = [
    f"{name}@demo.ssu.example"
    for name in ("ingrid.solberg", "per.haugen", "kari.bakken", "ola.nordby", "sigrid.lunde")
]
WORKERS = [USERS[email] for email in EMAILS]
CHAT = "19:meeting_cGctcmVzdGFydA@thread.v2"
FANOUT = 200
TRAFFIC_BEFORE = 2.0
OUTAGE = 4.0
TRAFFIC_AFTER = 8.0
SETTLE = 3.0
"""Seconds after the server is back by which every request must succeed again."""


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    admin = postgres_url()
    if admin is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with fresh_database(admin) as url:
        await asyncio.to_thread(upgrade, url)
        yield url


@dataclass
class Log:
    """What each request got, with when it started (monotonic seconds)."""

    entries: list[tuple[float, str, str, Result, str]] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    """Submission keys of the cases whose receipt came."""
    consensus: dict[str, str] = field(default_factory=dict)
    """Name → the last position the person was told was registered."""
    evaluated: set[str] = field(default_factory=set)

    def add(self, started: float, user: TeamsUser, what: str, result: Result, text: str) -> None:
        self.entries.append((started, user.name, what, result, text[:200]))


async def _work(
    client: TeamsClient,
    user: TeamsUser,
    n: int,
    round_id: int,
    target: EvaluationTarget,
    log: Log,
    stop: asyncio.Event,
) -> None:
    token: str | None = None
    turn = 0
    while not stop.is_set():
        turn += 1
        started = time.monotonic()
        case = await submit_case(client, user, title=f"Sak {n}-{turn} om felles rutiner")
        log.add(started, user, f"case:{case.step}", case.result, case.text)
        if case.accepted and case.draft_id:
            log.cases.append(case.draft_id)
        position = "agree" if turn % 2 else "abstain"
        started = time.monotonic()
        result, text = await answer_consensus(
            client, user, round_id=round_id, chat=CHAT, position=position
        )
        log.add(started, user, "consensus", result, text)
        if result is Result.ACCEPTED:
            log.consensus[user.name] = position
        started = time.monotonic()
        result, token, text = await answer_evaluation(
            client, user, target, rating=1 + turn % 5, token=token
        )
        log.add(started, user, "evaluation", result, text)
        if result is Result.ACCEPTED:
            log.evaluated.add(user.name)


async def test_postgres_restarted_mid_run_loses_nothing_accepted_and_recovers_by_itself(
    pg_url: str, tmp_path: Path
) -> None:
    server = PostgresServer.from_env()
    if server is None:
        pytest.skip(SKIP_REASON)
    engine = create_engine(pg_url)
    sessions = session_factory(engine)
    env = bot_env(
        pg_url,
        tmp_path / "var",
        SSU_OUTBOX_LEASE_SECONDS="2",
        SSU_OUTBOX_SEND_TIMEOUT_SECONDS="2",
        SSU_OUTBOX_SWEEP_INTERVAL_SECONDS="1",
    )
    bot = BotProcess(env, tmp_path / "serve.log")
    log = Log()
    try:
        async with FakeConnector() as connector, TeamsClient(bot.messages_url, connector) as client:
            await load_demo_roster(sessions)
            people = await seed_people(sessions, connector.url, FANOUT, prefix="fanout")
            target = await open_evaluation_for(sessions, EMAILS)
            await bot.start()
            pid = bot.pid
            for user in [CHAIR, *WORKERS]:
                assert (await client.say(user, "hjelp")).status in (200, 201)
            round_id = await open_consensus_round(
                client, sessions, chair=CHAIR, present=[CHAIR, *WORKERS], chat=CHAT
            )
            now = datetime.now(UTC)
            async with transaction(sessions) as session:
                for person_id, _ in people:
                    await enqueue_reminder(
                        session, person_id, now=now, expires_at=now + timedelta(hours=1)
                    )

            stop = asyncio.Event()
            workers = [
                asyncio.create_task(_work(client, user, n, round_id, target, log, stop))
                for n, user in enumerate(WORKERS)
            ]
            await asyncio.sleep(TRAFFIC_BEFORE)
            async with server.outage():
                down = time.monotonic()
                await asyncio.sleep(OUTAGE)
            up = time.monotonic()
            await asyncio.sleep(TRAFFIC_AFTER)
            stop.set()
            await asyncio.gather(*workers)

            async def outbox_settled() -> bool:
                async with sessions() as session:
                    states = set((await session.exec(select(OutboxMessage.state))).all())
                return not {"pending", "sending"} & states

            await until(outbox_settled, 60, "the outbox did not catch up after the restart")
            async with aiohttp.ClientSession() as http, http.get(bot.url + "/healthz") as health:
                assert health.status == 200
            assert bot.pid == pid and bot.process is not None and bot.process.returncode is None
            await bot.stop()
            posted = [p for p in connector.posted if p.operation == "send_to_conversation"]
        async with sessions() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
            stored_cases = {c.submission_key: c for c in (await session.exec(select(Case))).all()}
            answers = {
                a.person_name: a.position
                for a in (await session.exec(select(ConsensusAnswer))).all()
            }
            evaluation_answers = (
                await session.exec(select(func.count()).select_from(EvaluationAnswer))
            ).one()
            case_audits = (
                await session.exec(
                    select(func.count()).where(
                        AuditEntry.action == "case.submit", AuditEntry.outcome == "ok"
                    )
                )
            ).one()
    finally:
        await bot.kill()
        await engine.dispose()

    results = Counter(entry[3] for entry in log.entries)
    summary = f"{results}; outage {down:.1f}–{up:.1f}; " + "\n".join(
        f"{t:.1f} {who} {what} {r} {text}"
        for t, who, what, r, text in log.entries
        if r != "accepted"
    )
    # Work went on before, during and after the outage, and some of it was refused.
    assert results[Result.ACCEPTED] > 0 and results[Result.APOLOGY] > 0, summary
    # Never a 5xx, a transport error or silence; nothing but acceptance or the apology.
    assert set(results) <= {Result.ACCEPTED, Result.APOLOGY}, summary
    # Recovered without a restart: everything begun after the server was back (and settled)
    # was accepted.
    late = [e for e in log.entries if e[0] >= up + SETTLE]
    assert late and all(e[3] is Result.ACCEPTED for e in late), summary
    # Accepted = stored.
    assert set(log.cases) <= set(stored_cases), summary
    for name, position in log.consensus.items():
        assert answers.get(name) == position, (name, answers)
    assert evaluation_answers == len(log.evaluated)
    # No half-written case: each stored case has its audit entry, and no case without one.
    submitted = [key for key in stored_cases if not key.startswith("consensus-")]  # not seeded
    assert case_audits == len(submitted)
    # Every due message delivered exactly once.
    sent = [row for row in rows if row.state == "sent"]
    assert Counter(row.state for row in rows if row.kind == "meeting") == {"sent": FANOUT}
    assert len(posted) == len(sent), "a message was delivered twice"
    assert Counter(p.activity_id for p in posted) == Counter(row.activity_id for row in sent)
