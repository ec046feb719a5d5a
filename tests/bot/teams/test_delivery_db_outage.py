"""The database goes away between a message's POST and its `sent` mark: the sender keeps trying to
record the delivery instead of leaving the row in doubt (which would send it again), and its own
sweeps leave the row alone meanwhile. tests/faults/test_postgres_restart.py does it for real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox as repository
from storage.db import transaction
from tests.bot.outbox_support import (
    all_rows,
    enqueue_reminder,
    fast_config,
    make_sender,
    seed_people,
)
from tests.fakes.connector import FakeConnector

Sessions = async_sessionmaker[AsyncSession]


async def test_a_delivered_message_is_recorded_once_the_database_answers_again(
    sessions: Sessions, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        await enqueue_reminder(session, person_id, now=now, expires_at=now + timedelta(hours=1))
    real_mark_sent = repository.mark_sent
    failures = {"left": 4}

    async def unreachable_then_back(session: AsyncSession, **kwargs: Any) -> bool:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("UPDATE outboxmessage", {}, ConnectionRefusedError())
        return await real_mark_sent(session, **kwargs)

    monkeypatch.setattr(repository, "mark_sent", unreachable_then_back)
    # A lease shorter than the outage: the row would be in doubt (and resent) without the retry.
    sender = make_sender(sessions, config=fast_config(lease_seconds=0.2, send_timeout_seconds=0.1))

    report = await sender.sweep()

    [row] = await all_rows(sessions)
    assert failures["left"] == 0
    assert row.state == "sent" and row.attempts == 1
    assert len(connector.activities(conversation_id)) == 1
    assert report.sent == 1 and report.in_doubt == 0
    assert row.activity_id == connector.activities(conversation_id)[0]["id"]
