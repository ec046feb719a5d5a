"""The outbox sender against the fake Bot Connector: once, on time, within limits, or told."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import outbox
from bot.teams.delivery import DeliveryError, Outcome, parse_retry_after
from bot.teams.rate_limit import TeamsRateLimiter
from storage import outbox as repository
from storage.db import create_engine, session_factory, transaction
from storage.models import ConversationRef, Person
from storage.outbox_tables import OutboxMessage
from tests.bot.outbox_support import (
    add_person,
    add_personal_chat,
    all_rows,
    enqueue_reminder,
    fast_config,
    make_sender,
    person,
    seed_people,
)
from tests.fakes.connector import FakeConnector

NOW = datetime(2026, 2, 11, 8, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


class ManualClock:
    """The limiter's monotonic clock, moved by hand along with the sweeps' frozen `now`."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def _remind(sessions: Sessions, person_id: int, **fields: object) -> OutboxMessage:
    async with transaction(sessions) as session:
        row = await enqueue_reminder(session, person_id, now=NOW, **fields)  # type: ignore[arg-type]
    assert row is not None
    return row


async def _states(sessions: Sessions) -> list[str]:
    return [row.state for row in await all_rows(sessions)]


async def test_due_messages_are_sent_once_and_marked_sent(
    sessions: Sessions, connector: FakeConnector
) -> None:
    people = await seed_people(sessions, connector.url, 3)
    for person_id, _ in people[:2]:
        await _remind(sessions, person_id, text=f"hei {person_id}")
    later = await _remind(sessions, people[2][0], not_before=NOW + timedelta(hours=1))
    sender = make_sender(sessions)

    report = await sender.sweep(NOW)
    assert report.sent == 2
    assert await sender.sweep(NOW) == type(report)()  # nothing left that is due
    rows = await all_rows(sessions)
    assert [row.state for row in rows] == ["sent", "sent", "pending"]
    posted = {p.conversation_id: p for p in connector.posted}
    for row, (_, conversation_id) in zip(rows[:2], people[:2], strict=True):
        assert row.activity_id == posted[conversation_id].activity_id
        assert row.sent_at == NOW and row.attempts == 1 and row.claimed_by is None
    activity = posted[people[0][1]].activity
    assert activity["text"] == f"hei {people[0][0]}"
    assert activity["channelData"]["notification"] == {"alert": True}
    assert posted[people[0][1]].operation == "send_to_conversation"

    assert (await sender.sweep(NOW + timedelta(hours=1))).sent == 1
    assert len(connector.activities()) == 3
    assert (await all_rows(sessions))[2].id == later.id


async def test_a_card_is_sent_as_an_adaptive_card_attachment(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x"}]}
    async with transaction(sessions) as session:
        await outbox.enqueue(
            session,
            kind="notice",
            subject="SSU 2026-02-12",
            recipient_person_id=person_id,
            payload=outbox.payload(card=card, summary="Innkalling"),
            not_before=NOW,
            expires_at=NOW + timedelta(days=1),
            deadline_key="notice",
            now=NOW,
        )
    await make_sender(sessions).sweep(NOW)
    [activity] = connector.activities(conversation_id)
    assert activity["attachments"] == [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    ]


async def test_429_waits_for_retry_after(sessions: Sessions, connector: FakeConnector) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    row = await _remind(sessions, person_id)
    clock = ManualClock()
    sender = make_sender(sessions, limiter=TeamsRateLimiter(clock=clock, margin=0.0))
    connector.fail_next(1, 429, retry_after=7)

    report = await sender.sweep(NOW)
    assert report.retried == 1 and report.sent == 0
    [stored] = await all_rows(sessions)
    assert stored.state == "pending" and stored.attempts == 1
    assert stored.next_attempt_at == NOW + timedelta(seconds=7)
    assert "429" in (stored.last_error or "")

    clock.t += 5
    assert (await sender.sweep(NOW + timedelta(seconds=5))).sent == 0
    assert len(connector.requests_for("send_to_conversation")) == 1

    clock.t += 2
    assert (await sender.sweep(NOW + timedelta(seconds=7))).sent == 1
    assert len(connector.activities(conversation_id)) == 1
    assert (await all_rows(sessions))[0].id == row.id


@pytest.mark.parametrize("status", [500, 502, 503, 504, 412])
async def test_server_errors_for_a_while_then_everything_is_delivered_once(
    sessions: Sessions, connector: FakeConnector, status: int
) -> None:
    people = await seed_people(sessions, connector.url, 5)
    for person_id, _ in people:
        await _remind(sessions, person_id)
    sender = make_sender(sessions)
    connector.outage(status)
    at = NOW
    for attempt in range(1, 5):
        report = await sender.sweep(at)
        assert report.retried == 5 and report.sent == 0
        rows = await all_rows(sessions)
        assert {r.attempts for r in rows} == {attempt}
        assert all(NOW < r.next_attempt_at <= at + timedelta(seconds=2**attempt) for r in rows)
        at += timedelta(minutes=10)
    # One request per attempt: no hidden retries in msrest/urllib3 under our policy.
    assert len(connector.requests_for("send_to_conversation")) == 20
    connector.restore()
    assert (await sender.sweep(at)).sent == 5
    for _, conversation_id in people:
        assert len(connector.activities(conversation_id)) == 1


async def test_retries_end_at_max_attempts(sessions: Sessions, connector: FakeConnector) -> None:
    [(person_id, _)] = await seed_people(sessions, connector.url, 1)
    await _remind(sessions, person_id)
    sender = make_sender(sessions, config=fast_config(max_attempts=3))
    connector.outage(503)
    at = NOW
    for _ in range(3):
        await sender.sweep(at)
        at += timedelta(minutes=5)
    [row] = await all_rows(sessions)
    assert row.state == "failed" and row.attempts == 3


async def test_a_permanent_error_is_not_retried(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, _)] = await seed_people(sessions, connector.url, 1)
    await _remind(sessions, person_id)
    connector.fail_next(1, 400)
    report = await make_sender(sessions).sweep(NOW)
    assert report.failed == 1
    [row] = await all_rows(sessions)
    assert row.state == "failed" and "400" in (row.last_error or "")


async def _with_secretariat(sessions: Sessions, service_url: str) -> tuple[int, str, int, str]:
    async with transaction(sessions) as session:
        secretary = await add_person(
            session, name="Eva Sekretær", email="eva@x.example", body="SEK", role="secretariat"
        )
        member = await add_person(session, name="Per Medlem", email="per@x.example", body="SSU")
        secretary_chat = await add_personal_chat(session, secretary, service_url)
        member_chat = await add_personal_chat(session, member, service_url)
    assert secretary.id is not None and member.id is not None
    return secretary.id, secretary_chat, member.id, member_chat


@pytest.mark.parametrize("status", [403, 404])
async def test_an_unreachable_recipient_is_flagged_and_the_secretariat_told(
    sessions: Sessions, connector: FakeConnector, status: int
) -> None:
    _, secretary_chat, member_id, member_chat = await _with_secretariat(sessions, connector.url)
    connector.unreachable(member_chat, status)
    await _remind(sessions, member_id, deadline_key="first")
    sender = make_sender(sessions)

    report = await sender.sweep(NOW)
    assert report.unreachable == 1 and report.sent == 1  # the notice went out in the same sweep
    assert (await person(sessions, member_id)).unreachable is True
    [notice] = connector.activities(secretary_chat)
    assert "Per Medlem" in notice["text"] and "per@x.example" in notice["text"]
    states = {(r.kind, r.state) for r in await all_rows(sessions)}
    assert states == {("meeting", "unreachable"), ("unreachable_notice", "sent")}

    await _remind(sessions, member_id, deadline_key="second")
    await sender.sweep(NOW + timedelta(minutes=1))
    assert len(connector.activities(secretary_chat)) == 1  # told once per person per day

    connector.reachable(member_chat)
    await _remind(sessions, member_id, deadline_key="third")
    assert (await sender.sweep(NOW + timedelta(minutes=2))).sent == 1
    assert (await person(sessions, member_id)).unreachable is False


async def test_no_chat_with_the_bot_is_unreachable_too(
    sessions: Sessions, connector: FakeConnector
) -> None:
    _, secretary_chat, member_id, member_chat = await _with_secretariat(sessions, connector.url)
    async with transaction(sessions) as session:
        ref = (
            await session.exec(
                select(ConversationRef).where(ConversationRef.conversation_id == member_chat)
            )
        ).one()
        ref.installed = False
        session.add(ref)
    await _remind(sessions, member_id)
    report = await make_sender(sessions).sweep(NOW)
    assert report.unreachable == 1
    assert connector.activities(member_chat) == []
    [notice] = connector.activities(secretary_chat)
    assert "Per Medlem" in notice["text"]


async def test_the_secretariat_being_unreachable_does_not_loop(
    sessions: Sessions, connector: FakeConnector
) -> None:
    _, secretary_chat, member_id, member_chat = await _with_secretariat(sessions, connector.url)
    connector.unreachable(member_chat)
    connector.unreachable(secretary_chat)
    await _remind(sessions, member_id)
    await make_sender(sessions).sweep(NOW)
    assert sorted(await _states(sessions)) == ["unreachable", "unreachable"]


async def test_after_downtime_expired_messages_are_dropped_and_the_rest_sent_once(
    sessions: Sessions, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    people = await seed_people(sessions, connector.url, 3)
    downtime_start = NOW - timedelta(hours=5)
    await _remind(
        sessions,
        people[0][0],
        not_before=downtime_start,
        expires_at=NOW - timedelta(minutes=1),
    )
    await _remind(
        sessions, people[1][0], not_before=downtime_start, expires_at=NOW + timedelta(hours=1)
    )
    await _remind(sessions, people[2][0], not_before=NOW - timedelta(hours=1))
    caplog.set_level(logging.WARNING, logger="bot.teams.delivery")

    report = await make_sender(sessions).sweep(NOW)
    assert report.dropped == 1 and report.sent == 2
    rows = await all_rows(sessions)
    assert [r.state for r in rows] == ["dropped", "sent", "sent"]
    assert rows[0].last_error == "expired"
    assert connector.activities(people[0][1]) == []
    [record] = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert record.outbox_id == rows[0].id  # type: ignore[attr-defined]
    assert (await make_sender(sessions).sweep(NOW + timedelta(hours=2))).sent == 0


async def test_never_sent_at_or_after_the_deadline(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    await _remind(sessions, person_id, expires_at=NOW + timedelta(seconds=30))
    connector.fail_next(1, 503)
    sender = make_sender(sessions, config=fast_config(backoff_base_seconds=60))
    await sender.sweep(NOW)
    report = await sender.sweep(NOW + timedelta(minutes=5))
    assert report.dropped == 1 and report.sent == 0
    assert connector.activities(conversation_id) == []


async def test_turning_reminders_off_stops_optional_messages_already_queued(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    await _remind(sessions, person_id, kind="meeting")
    await _remind(sessions, person_id, kind="protocol", mandatory=True, text="obligatorisk")
    async with transaction(sessions) as session:
        someone = await session.get(Person, person_id)
        assert someone is not None
        someone.reminders_enabled = False
        session.add(someone)
    report = await make_sender(sessions).sweep(NOW)
    assert report.dropped == 1 and report.sent == 1
    [activity] = connector.activities(conversation_id)
    assert activity["text"] == "obligatorisk"


async def test_an_in_doubt_message_is_sent_again_once_its_lease_ends(
    sessions: Sessions, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    """A sender that died after committing `sending` (here: before its POST left)."""
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    row = await _remind(sessions, person_id)
    assert row.id is not None
    async with transaction(sessions) as session:
        await repository.claim(
            session, owner="dead", now=NOW, lease_until=NOW + timedelta(seconds=30), limit=1
        )
        assert await repository.mark_sending(
            session, row_id=row.id, owner="dead", now=NOW, lease_until=NOW + timedelta(seconds=30)
        )
    sender = make_sender(sessions)
    assert (await sender.sweep(NOW + timedelta(seconds=10))).sent == 0  # its lease still runs
    caplog.set_level(logging.WARNING, logger="bot.teams.delivery")
    report = await sender.sweep(NOW + timedelta(seconds=31))
    assert report.in_doubt == 1 and report.sent == 1
    assert len(connector.activities(conversation_id)) == 1
    [stored] = await all_rows(sessions)
    assert stored.state == "sent" and stored.attempts == 2
    assert any("in doubt" in r.getMessage() for r in caplog.records)


async def test_in_doubt_messages_can_be_left_unsent_instead(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    row = await _remind(sessions, person_id)
    assert row.id is not None
    async with transaction(sessions) as session:
        await repository.claim(session, owner="dead", now=NOW, lease_until=NOW, limit=1)
        await repository.mark_sending(
            session, row_id=row.id, owner="dead", now=NOW - timedelta(seconds=1), lease_until=NOW
        )
    report = await make_sender(sessions, config=fast_config(resend_in_doubt=False)).sweep(
        NOW + timedelta(seconds=1)
    )
    assert report.failed == 1 and report.in_doubt == 0
    assert connector.activities(conversation_id) == []
    assert (await all_rows(sessions))[0].state == "failed"


async def test_a_claim_of_a_dead_sender_is_taken_over_after_its_lease(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    await _remind(sessions, person_id)
    async with transaction(sessions) as session:
        [claimed] = await repository.claim(
            session, owner="dead", now=NOW, lease_until=NOW + timedelta(seconds=30), limit=5
        )
    sender = make_sender(sessions)
    assert (await sender.sweep(NOW + timedelta(seconds=29))).sent == 0
    report = await sender.sweep(NOW + timedelta(seconds=30))
    assert report.sent == 1 and report.in_doubt == 0  # only claimed: never on the wire
    assert len(connector.activities(conversation_id)) == 1
    assert claimed.id == (await all_rows(sessions))[0].id


async def test_a_timeout_is_retried_and_delivered_once(
    sessions: Sessions, connector: FakeConnector
) -> None:
    [(person_id, conversation_id)] = await seed_people(sessions, connector.url, 1)
    await _remind(sessions, person_id)
    sender = make_sender(sessions, config=fast_config(send_timeout_seconds=0.5))
    connector.hang_next(1)
    report = await sender.sweep(NOW)
    assert report.retried == 1
    [row] = await all_rows(sessions)
    assert row.state == "pending" and "no response" in (row.last_error or "")
    connector.release_hangs()
    assert (await sender.sweep(NOW + timedelta(minutes=1))).sent == 1
    assert len(connector.activities(conversation_id)) == 1


async def test_a_refused_connection_is_retried_without_transport_retries(
    sessions: Sessions,
) -> None:
    closed = FakeConnector()
    await closed.start()
    url = closed.url
    await closed.close()  # nothing listens there now
    [(person_id, _)] = await seed_people(sessions, url, 1)
    await _remind(sessions, person_id)
    started = asyncio.get_running_loop().time()
    report = await make_sender(sessions).sweep(NOW)
    # msrest's default would retry the connect 3 times with 0.8-s backoff (≥ 2.4 s) first.
    assert asyncio.get_running_loop().time() - started < 2.0
    assert report.retried == 1
    [row] = await all_rows(sessions)
    assert row.state == "pending" and row.attempts == 1
    assert "no response" in (row.last_error or "")


async def test_close_hands_back_claimed_rows(sessions: Sessions, connector: FakeConnector) -> None:
    people = await seed_people(sessions, connector.url, 2)
    for person_id, _ in people:
        await _remind(sessions, person_id)
    sender = make_sender(sessions)
    async with transaction(sessions) as session:
        await repository.claim(
            session,
            owner=sender.owner,
            now=NOW,
            lease_until=datetime.now(UTC) + timedelta(hours=1),
            limit=5,
        )
    await sender.close()
    assert {r.claimed_by for r in await all_rows(sessions)} == {None}
    assert (await sender.sweep(NOW)).sent == 0  # a closed sender does nothing


async def test_two_concurrent_senders_never_send_a_message_twice(
    database_url: str, connector: FakeConnector
) -> None:
    """Two replicas (separate engines, owners and limiters) sweeping the same outbox at once."""
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        sessions = [session_factory(engine) for engine in engines]
        people = await seed_people(sessions[0], connector.url, 120)
        now = datetime.now(UTC)
        async with transaction(sessions[0]) as session:
            for person_id, _ in people:
                await enqueue_reminder(session, person_id, now=now)
        config = fast_config(claim_batch=4, max_in_flight=8)
        senders = [
            make_sender(s, config=config, owner=f"replica-{n}") for n, s in enumerate(sessions)
        ]

        async def keep_sweeping(n: int) -> int:
            sent = 0
            for _ in range(20):
                sent += (await senders[n].sweep()).sent
                await asyncio.sleep(0)
            return sent

        totals = await asyncio.gather(keep_sweeping(0), keep_sweeping(1))
        assert sum(totals) == 120
        for _, conversation_id in people:
            assert len(connector.activities(conversation_id)) == 1
        assert {r.state for r in await all_rows(sessions[0])} == {"sent"}
        if database_url.startswith("postgresql"):
            assert min(totals) > 0, "SKIP LOCKED should let both replicas work"
    finally:
        for engine in engines:
            await engine.dispose()


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    now = datetime(2026, 2, 11, 8, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 11 Feb 2026 08:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_delivery_errors_carry_their_classification() -> None:
    error = DeliveryError(Outcome.RETRY, "x", status=429, retry_after=3.0)
    assert error.outcome == Outcome.RETRY and error.retry_after == 3.0 and not error.ambiguous
