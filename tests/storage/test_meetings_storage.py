"""The meeting table and its repository on SQLite and PostgreSQL: constraints the database itself
enforces, UTC round trips, and the indexed deadline queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import meetings as repo
from storage.db import create_engine, transaction
from storage.meeting_tables import Meeting

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2027, 2, 11, 8, 30, tzinfo=UTC)


def meeting(**changes: object) -> Meeting:
    values: dict[str, object] = {
        "body": "SSU",
        "title": "SSU-møte torsdag 11. februar 2027",
        "start_at": START,
        "end_at": START + timedelta(hours=5),
        "year": 2027,
        "form": "physical",
        "online": False,
        "location": "Fylkeshuset Lillehammer",
        "state": "planned",
        "pattern_key": "m02-thu-2",
        "case_submission_at": START - timedelta(days=21),
        "notice_at": START - timedelta(days=7),
        "protocol_at": START + timedelta(days=7, hours=5),
    }
    values.update(changes)
    return Meeting(**values)  # type: ignore[arg-type]


async def test_the_migration_creates_the_meeting_table_with_its_deadline_indexes(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            indexes = await connection.run_sync(
                lambda sync: {i["name"] for i in inspect(sync).get_indexes("meeting")}
            )
    finally:
        await engine.dispose()
    assert {
        "ix_meeting_start_at",
        "ix_meeting_case_submission_at",
        "ix_meeting_notice_at",
        "ix_meeting_protocol_at",
        "ix_meeting_state_start",
    } <= indexes


async def test_times_come_back_as_aware_utc(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        stored = await repo.add(session, meeting(moved_from=date(2027, 2, 4)))
    async with sessions() as session:
        assert stored.id is not None
        row = await repo.get(session, stored.id)
    assert row is not None
    assert row.start_at == START and row.start_at.utcoffset() == timedelta(0)
    assert row.moved_from == date(2027, 2, 4)


async def test_a_pattern_meeting_exists_once_per_year_and_body(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        await repo.add(session, meeting())
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            await repo.add(session, meeting())
    async with transaction(sessions) as session:
        await repo.add(session, meeting(year=2028))
        await repo.add(session, meeting(body="AU", pattern_key="m02-thu-2"))
        await repo.add(session, meeting(pattern_key=None))
        await repo.add(session, meeting(pattern_key=None))


@pytest.mark.parametrize(
    "changes",
    [
        {"body": "BOARD"},
        {"form": "video"},
        {"state": "postponed"},
        {"end_at": START - timedelta(minutes=1)},
    ],
)
async def test_the_database_refuses_values_outside_the_rules(
    sessions: Sessions, changes: dict[str, object]
) -> None:
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            await repo.add(session, meeting(pattern_key=None, **changes))


async def test_deadline_and_range_queries(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        feb = await repo.add(session, meeting())
        may = await repo.add(
            session,
            meeting(
                pattern_key="m05-thu-3",
                start_at=START + timedelta(days=98),
                end_at=START + timedelta(days=98, hours=5),
                case_submission_at=START + timedelta(days=77),
            ),
        )
        await repo.add(
            session,
            meeting(
                pattern_key="m09-thu-3",
                state="cancelled",
                start_at=START + timedelta(days=200),
                end_at=START + timedelta(days=200, hours=5),
                case_submission_at=START + timedelta(days=179),
            ),
        )
    async with sessions() as session:
        open_now = await repo.open_for_cases(session, now=START - timedelta(days=30))
        open_later = await repo.open_for_cases(session, now=START)
        upcoming = await repo.upcoming(session, now=START + timedelta(hours=1))
        in_year = await repo.in_range(
            session,
            start=datetime(2027, 1, 1, tzinfo=UTC),
            end=datetime(2028, 1, 1, tzinfo=UTC),
            include_cancelled=False,
        )
        by_pattern = await repo.by_pattern(session, year=2027)
    assert [m.id for m in open_now] == [feb.id, may.id]
    assert [m.id for m in open_later] == [may.id]
    assert [m.id for m in upcoming] == [feb.id, may.id]
    assert [m.id for m in in_year] == [feb.id, may.id]
    assert set(by_pattern) == {("SSU", "m02-thu-2"), ("SSU", "m05-thu-3"), ("SSU", "m09-thu-3")}
