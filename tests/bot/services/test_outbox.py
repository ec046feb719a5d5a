"""Enqueueing: idempotent per key on SQLite and PostgreSQL, reminders opt-out, validation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.roles import Actor, Seat
from bot.services import outbox
from bot.services.outbox import OutboxRefused, PreferenceRefused, set_reminders
from storage import audit
from storage import outbox as repository
from storage.db import create_engine, transaction
from storage.outbox_tables import OutboxMessage
from tests.bot.outbox_support import add_person, all_rows, enqueue_reminder

NOW = datetime(2026, 2, 11, 8, 0, tzinfo=UTC)


async def _person(sessions: async_sessionmaker[AsyncSession], **fields: object) -> int:
    async with transaction(sessions) as session:
        person = await add_person(
            session,
            name=str(fields.pop("name", "Kari")),
            email=str(fields.pop("email", "kari@x.example")),
            **fields,  # type: ignore[arg-type]
        )
        assert person.id is not None
        return person.id


async def test_same_key_twice_gives_one_row(sessions: async_sessionmaker[AsyncSession]) -> None:
    person_id = await _person(sessions)
    async with transaction(sessions) as session:
        first = await enqueue_reminder(session, person_id, now=NOW, text="første")
    async with transaction(sessions) as session:
        again = await enqueue_reminder(session, person_id, now=NOW, text="annen ordlyd")
    assert first is not None and again is not None
    assert again.id == first.id
    assert again.payload["text"] == "første"  # the key, not the wording, makes the message
    assert len(await all_rows(sessions)) == 1


async def test_a_different_deadline_key_is_a_different_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person_id = await _person(sessions)
    async with transaction(sessions) as session:
        await enqueue_reminder(session, person_id, now=NOW, deadline_key="2026-02-12/7d")
        await enqueue_reminder(session, person_id, now=NOW, deadline_key="2026-02-12/1d")
        await enqueue_reminder(session, person_id, now=NOW, deadline_key="2026-02-12/1d")
    assert len(await all_rows(sessions)) == 2


async def test_concurrent_enqueues_of_one_key_make_one_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Replicas or a redelivered job enqueueing at the same moment: no error, one row."""
    person_id = await _person(sessions)

    async def enqueue_once() -> int | None:
        async with transaction(sessions) as session:
            row = await enqueue_reminder(session, person_id, now=NOW)
            return None if row is None else row.id

    ids = await asyncio.gather(*(enqueue_once() for _ in range(8)))
    assert len(set(ids)) == 1
    assert len(await all_rows(sessions)) == 1


async def test_a_rolled_back_enqueue_leaves_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person_id = await _person(sessions)
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await enqueue_reminder(session, person_id, now=NOW)
            raise RuntimeError("the change that caused the message failed")
    assert await all_rows(sessions) == []


async def test_reminders_off_means_optional_messages_are_not_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person_id = await _person(sessions, reminders_enabled=False)
    async with transaction(sessions) as session:
        skipped = await enqueue_reminder(session, person_id, now=NOW)
        mandatory = await enqueue_reminder(
            session, person_id, now=NOW, kind="protocol", mandatory=True
        )
    assert skipped is None
    assert mandatory is not None and mandatory.mandatory
    assert [row.kind for row in await all_rows(sessions)] == ["protocol"]


async def test_times_are_stored_in_utc_whatever_zone_they_come_in(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person_id = await _person(sessions)
    oslo_winter = timezone(timedelta(hours=1))
    due = datetime(2026, 2, 5, 9, 0, tzinfo=oslo_winter)
    async with transaction(sessions) as session:
        await enqueue_reminder(
            session, person_id, now=NOW, not_before=due, expires_at=due + timedelta(hours=3)
        )
    [row] = await all_rows(sessions)
    assert row.not_before == datetime(2026, 2, 5, 8, 0, tzinfo=UTC)
    assert row.not_before.tzinfo is not None
    async with transaction(sessions) as session:
        claimed_early = await repository.claim(
            session,
            owner="t",
            now=datetime(2026, 2, 5, 7, 59, tzinfo=UTC),
            lease_until=NOW,
            limit=10,
        )
        claimed_on_time = await repository.claim(
            session,
            owner="t",
            now=datetime(2026, 2, 5, 9, 0, 30, tzinfo=oslo_winter),
            lease_until=datetime(2026, 2, 5, 9, 5, tzinfo=UTC),
            limit=10,
        )
    assert claimed_early == []
    assert [r.id for r in claimed_on_time] == [row.id]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"recipient_person_id": 1, "conversation_id": "19:x"}, "exactly one"),
        ({"recipient_person_id": None, "conversation_id": None}, "exactly one"),
        ({"not_before": datetime(2026, 2, 5, 9, 0)}, "timezone-aware"),
        ({"expires_at": NOW - timedelta(minutes=1)}, "after not_before"),
        ({"deadline_key": ""}, "deadline_key"),
        ({"payload": {"text": None, "card": None}}, "text or a card"),
    ],
)
async def test_malformed_messages_are_refused(
    sessions: async_sessionmaker[AsyncSession], change: dict[str, object], reason: str
) -> None:
    fields: dict[str, object] = {
        "kind": "meeting",
        "subject": "SSU 2026-02-12",
        "payload": outbox.payload(text="hei"),
        "not_before": NOW,
        "expires_at": NOW + timedelta(days=1),
        "deadline_key": "k",
        "recipient_person_id": 1,
        "conversation_id": None,
    }
    fields.update(change)
    async with sessions() as session:
        with pytest.raises(OutboxRefused, match=reason):
            await outbox.enqueue(session, **fields)  # type: ignore[arg-type]


def test_a_card_over_teams_size_limit_is_refused() -> None:
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "x" * 30_000}],
    }
    with pytest.raises(OutboxRefused, match="28672"):
        outbox.payload(card=card)


def test_the_key_depends_on_what_the_message_is_about_only() -> None:
    key = repository.idempotency_key(kind="a", subject="b", recipient="person:1", deadline_key="d")
    assert key == repository.idempotency_key(
        kind="a", subject="b", recipient="person:1", deadline_key="d"
    )
    assert key != repository.idempotency_key(
        kind="a", subject="b", recipient="person:2", deadline_key="d"
    )
    assert len(key) == 64


async def test_the_migration_makes_the_key_unique(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:

            def describe(sync: object) -> tuple[list[str], list[dict[str, object]]]:
                inspector = inspect(sync)
                columns = [c["name"] for c in inspector.get_columns("outboxmessage")]
                return columns, inspector.get_unique_constraints("outboxmessage")

            columns, uniques = await connection.run_sync(describe)
            revision = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).all()
    finally:
        await engine.dispose()
    assert {"idempotency_key", "claimed_by", "claimed_until", "expires_at", "activity_id"} <= set(
        columns
    )
    assert any(u["column_names"] == ["idempotency_key"] for u in uniques)
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(database_url))
    applied = {rev.revision for rev in script.iterate_revisions([r[0] for r in revision], "base")}
    assert "0004" in applied


async def test_turning_reminders_off_and_on_is_audited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person_id = await _person(sessions)
    actor = Actor(
        person_id=person_id,
        name="Kari",
        aad_object_id=None,
        seats=(Seat("SSU", "member", "administrative"),),
    )
    async with transaction(sessions) as session:
        person = await set_reminders(session, actor=actor, enabled=False)
        assert person.reminders_enabled is False
    async with transaction(sessions) as session:
        await set_reminders(session, actor=actor, enabled=True)
    async with sessions() as session:
        entries = await audit.entries_for(session, subject_type="person", subject_id=person_id)
    assert [e.action for e in entries] == ["preferences.reminders"] * 2
    with pytest.raises(PreferenceRefused):
        async with transaction(sessions) as session:
            await set_reminders(
                session, actor=Actor(person_id=None, name="?", aad_object_id=None), enabled=False
            )


async def test_enqueue_returns_the_stored_row(sessions: async_sessionmaker[AsyncSession]) -> None:
    person_id = await _person(sessions)
    async with transaction(sessions) as session:
        row = await enqueue_reminder(session, person_id, now=NOW)
    assert isinstance(row, OutboxMessage)
    assert row.state == "pending" and row.attempts == 0
    assert row.next_attempt_at == row.not_before == NOW
