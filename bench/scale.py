"""Scale: the everyday queries against twenty years of data, compared with one year.

Two databases per backend, seeded with bulk inserts (SQLAlchemy Core ``executemany``):

* twenty years: 100 meetings, 10,000 cases, 100,000 outbox rows, 2,000 people (each with a
  stored personal conversation), the demo roster's seats;
* one year: a twentieth of each (5 meetings, 500 cases, 5,000 outbox rows, 100 people).

Both have the same live work: the same 20 outbox rows due now and 200 due later, the same
upcoming meeting, and one regular submitter with ten cases a year. History is what grows.

Timed, median of repeated calls (alternating between the two databases, so both see the same
load on a shared machine), each in its own session (the sweep's is rolled back so every
repetition sees the same rows): the reminder sweep's queries (expire, claim, targets, next due),
``mine saker`` (cases_of), ``neste møte`` (next_meeting + calendar_info), ``møteplan``
(meetings_in_year), the case form's meeting list (open_meetings) and the next meeting's agenda
(open_agenda, built without storing it). Queries per operation are counted with SQLAlchemy's
``before_cursor_execute``: a count that grows with the data is an N+1.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import random
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.common import Row, sqlite_url

FULL_YEARS = 20


@dataclass(frozen=True)
class Sizes:
    years: int
    meetings: int
    cases: int
    outbox: int
    people: int

    @classmethod
    def for_years(cls, years: int, scale: float = 1.0) -> Sizes:
        """Twenty years is the brief's 100/10,000/100,000/2,000; fewer years a share of it;
        ``scale`` < 1 shrinks everything (the smoke test)."""
        share = years / FULL_YEARS * scale
        return cls(
            years=years,
            meetings=max(years, round(100 * share)),
            cases=max(years, round(10_000 * share)),
            outbox=max(250, round(100_000 * share)),
            people=max(70, round(2_000 * share)),
        )


DUE_NOW = 20
DUE_LATER = 200
MEETING_DAYS = ((2, 10), (4, 14), (6, 9), (9, 15), (12, 8))
BODIES = ("SSU", "AU", "SSU", "PA", "SSU")
KINDS = ("case_submission", "notice", "protocol", "evaluation_poll", "case_status")
REGULAR_EMAIL = "per.haugen@demo.ssu.example"
"""The regular submitter (a demo roster member): ten cases a year."""
REGULAR_PER_YEAR = 10


@dataclass
class Seeded:
    sizes: Sizes
    seconds: float
    regular_aad: str
    regular_name: str


def _key(*parts: object) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


async def _bulk(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    chunk = 5_000
    async with engine.begin() as connection:
        for start in range(0, len(rows), chunk):
            await connection.execute(insert(table), rows[start : start + chunk])


async def seed_history(database_url: str, sizes: Sizes, now: datetime) -> Seeded:
    """Migrate and fill one database; returns who the regular submitter is."""
    from bot.cli import DEMO_ROSTER
    from bot.domain.calendar import OSLO
    from bot.services.roster import import_roster
    from storage.case_tables import Case, CaseCounter
    from storage.db import create_engine, session_factory, transaction
    from storage.meeting_tables import Meeting
    from storage.migrate import upgrade
    from storage.models import ConversationRef, Person
    from storage.outbox_tables import OutboxMessage

    started = time.monotonic()
    rng = random.Random(20 + sizes.years)
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            await import_roster(
                session, text=DEMO_ROSTER.read_text(encoding="utf-8"), source="demo"
            )
        async with sessions() as session:
            from sqlmodel import select

            demo = list((await session.exec(select(Person))).all())
        regular = next(p for p in demo if p.email == REGULAR_EMAIL)
        assert regular.id is not None and regular.aad_object_id is not None

        people = [
            {
                "name": f"Person {n:05d}",
                "email": f"person.{n:05d}@history.ssu.example",
                "aad_object_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"history-{n}")),
                "teams_user_id": f"29:history-{n}",
                "locale": None,
                "reminders_enabled": True,
                "unreachable": n % 97 == 0,
                "created_at": now - timedelta(days=rng.randrange(1, 365 * sizes.years)),
            }
            for n in range(max(0, sizes.people - len(demo)))
        ]
        await _bulk(engine, Person.__table__, people)
        async with sessions() as session:
            person_ids = [int(i) for i in (await session.exec(select(Person.id))).all() if i]
        refs = [
            {
                "conversation_id": f"a:history-{pid}",
                "conversation_type": "personal",
                "person_id": pid,
                "team_id": None,
                "tenant_id": "7d1f3b4e-0000-4000-8000-00000000aaaa",
                "service_url": "http://127.0.0.1:9/",
                "reference_json": '{"activityId": "f:1", "bot": {"id": "28:ssu-bot"}, '
                f'"channelId": "msteams", "conversation": {{"id": "a:history-{pid}", '
                '"conversationType": "personal"}, "serviceUrl": "http://127.0.0.1:9/", '
                f'"user": {{"id": "29:history-{pid}"}}}}',
                "installed": True,
                "updated_at": now - timedelta(days=rng.randrange(0, 365)),
            }
            for pid in person_ids
        ]
        await _bulk(engine, ConversationRef.__table__, refs)

        this_year = now.astimezone(OSLO).year
        years = list(range(this_year - sizes.years + 1, this_year + 1))
        per_year = max(1, sizes.meetings // len(years))
        meetings = []
        for year in years:
            for index in range(per_year):
                month, day = MEETING_DAYS[index % len(MEETING_DAYS)]
                start = datetime(year, month, day, 10, tzinfo=OSLO).astimezone(UTC)
                body = BODIES[index % len(BODIES)]
                if year == this_year and index == per_year - 1 and start < now:
                    # Whatever the date, the data has one meeting ahead: `neste møte` finds it.
                    ahead = (now + timedelta(days=15)).astimezone(OSLO)
                    start = ahead.replace(hour=10, minute=0, second=0, microsecond=0)
                    start, body = start.astimezone(UTC), "SSU"
                meetings.append(
                    {
                        "body": body,
                        "title": f"{body}-møte {start:%d.%m.%Y}",
                        "start_at": start,
                        "end_at": start + timedelta(hours=5),
                        "year": start.astimezone(OSLO).year,
                        "form": "physical",
                        "online": False,
                        "location": "Hamar",
                        "state": "protocol_signed" if start < now else "planned",
                        "pattern_key": f"bench-{index}",
                        "case_submission_at": start - timedelta(days=21),
                        "notice_at": start - timedelta(days=7),
                        "protocol_at": start + timedelta(days=14),
                        "created_at": start - timedelta(days=120),
                        "updated_at": start - timedelta(days=120),
                    }
                )
        await _bulk(engine, Meeting.__table__, meetings)
        async with sessions() as session:
            rows = (await session.exec(select(Meeting.id, Meeting.year, Meeting.start_at))).all()
        by_year: dict[int, list[tuple[int, datetime]]] = {}
        for meeting_id, year, start in rows:
            by_year.setdefault(min(int(year), this_year), []).append((int(meeting_id), start))

        per_year_cases = max(1, sizes.cases // len(years))
        cases = []
        counters = []
        text = "Bakgrunn og vurdering av saken, med det som trengs for å ta stilling. " * 5
        for year in years:
            slots = by_year.get(year, [])
            for number in range(1, per_year_cases + 1):
                meeting_id, start = slots[(number - 1) % len(slots)]
                regular_case = number <= REGULAR_PER_YEAR
                submitter = regular.id if regular_case else rng.choice(person_ids)
                submitted = start - timedelta(days=30 + rng.randrange(0, 60))
                past = start < now
                cases.append(
                    {
                        "year": year,
                        "number": number,
                        "submission_key": uuid.UUID(int=rng.getrandbits(128)).hex,
                        "title": f"Sak {number}/{year}: felles rutine",
                        "submitter_org": "Hamar kommune",
                        "anchored": True,
                        "anchored_with": "Kari Nordmann, kommunalsjef",
                        "case_type": "decision",
                        "background": text,
                        "assessment": text,
                        "proposal": "SSU slutter seg til rutinen.",
                        "economic_impact": "none",
                        "attachments": "[]",
                        "requested_meeting_id": meeting_id,
                        "meeting_id": meeting_id,
                        "status": "decided" if past else "submitted",
                        "route": "ssu" if past else None,
                        "section": "decision" if past else None,
                        "minutes": 20 if past else None,
                        "submitter_person_id": submitter,
                        "submitter_aad_id": regular.aad_object_id if regular_case else None,
                        "submitter_name": regular.name if regular_case else "Person",
                        "submitter_conversation_id": None,
                        "triaged_by_person_id": None,
                        "submitted_at": submitted,
                        "triaged_at": submitted + timedelta(days=2) if past else None,
                        "updated_at": submitted + timedelta(days=2),
                    }
                )
            counters.append({"year": year, "last_number": per_year_cases})
        await _bulk(engine, CaseCounter.__table__, counters)
        await _bulk(engine, Case.__table__, cases)

        history = sizes.outbox - DUE_NOW - DUE_LATER
        span = timedelta(days=365 * sizes.years)
        outbox: list[dict[str, Any]] = []
        for n in range(sizes.outbox):
            if n < history:
                sent = now - timedelta(seconds=rng.randrange(3600, int(span.total_seconds())))
                roll = rng.random()
                state = "sent" if roll < 0.95 else "dropped" if roll < 0.98 else "unreachable"
                not_before, next_at, expires = sent, sent, sent + timedelta(days=2)
            else:
                state = "pending"
                sent = None
                if n < history + DUE_NOW:
                    not_before = next_at = now - timedelta(minutes=1 + n % 30)
                else:
                    not_before = next_at = now + timedelta(hours=1 + n % 500)
                expires = next_at + timedelta(days=2)
            kind = KINDS[n % len(KINDS)]
            outbox.append(
                {
                    "idempotency_key": _key("bench", sizes.years, n),
                    "kind": kind,
                    "subject": f"SSU {now.year - (n % sizes.years)}-{(n % 12) + 1:02d}-10",
                    "deadline_key": f"d{n % 50}",
                    "recipient_person_id": rng.choice(person_ids),
                    "conversation_id": None,
                    "mandatory": False,
                    "payload": {
                        "text": "Påminnelse: frist for å melde inn saker.",
                        "card": None,
                        "summary": "Påminnelse",
                    },
                    "not_before": not_before,
                    "expires_at": expires,
                    "state": state,
                    "attempts": 1 if state != "pending" else 0,
                    "next_attempt_at": next_at,
                    "claimed_by": None,
                    "claimed_until": None,
                    "sent_at": sent if state == "sent" else None,
                    "last_error": None if state in ("sent", "pending") else state,
                    "activity_id": None,
                    "created_at": not_before - timedelta(days=1),
                    "updated_at": sent or now,
                }
            )
        await _bulk(engine, OutboxMessage.__table__, outbox)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                await connection.exec_driver_sql("ANALYZE")
        else:
            async with engine.connect() as connection:
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return Seeded(sizes, time.monotonic() - started, regular.aad_object_id, regular.name)


# --------------------------------------------------------------------------------------------------
# Counting queries
# --------------------------------------------------------------------------------------------------

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)
_COUNTED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)
    on: bool = False

    def listen(self, engine: AsyncEngine) -> None:
        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if self.on and statement.lstrip().upper().startswith(_COUNTED):
                self.statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", before)

    def summary(self) -> str:
        counts: Counter[str] = Counter()
        for statement in self.statements:
            verb = statement.lstrip().split(None, 1)[0].upper()
            table = _TABLE.search(statement)
            counts[f"{verb} {table.group(1) if table else '?'}"] += 1
        return ", ".join(f"{name} ×{n}" for name, n in counts.most_common())


# --------------------------------------------------------------------------------------------------
# The operations
# --------------------------------------------------------------------------------------------------

Operation = Callable[[AsyncSession], Awaitable[object]]


@dataclass
class Measured:
    median_ms: float
    queries: int
    summary: str


async def _operations(
    sessions: async_sessionmaker[AsyncSession], seeded: Seeded, now: datetime
) -> tuple[dict[str, Operation], list[str]]:
    from bot.domain.calendar import OSLO
    from bot.services import cases as case_service
    from bot.services import meetings as meeting_service
    from bot.services.identity import Caller, resolve_actor
    from storage import outbox

    async with sessions() as session:
        actor = await resolve_actor(
            session,
            caller=Caller(seeded.regular_aad, None, seeded.regular_name, "nb"),
        )
    year = now.astimezone(OSLO).year
    notes: list[str] = []

    async def sweep(session: AsyncSession) -> object:
        await outbox.expire(session, now=now)
        rows = await outbox.claim(
            session, owner="bench", now=now, lease_until=now + timedelta(minutes=2), limit=50
        )
        await outbox.targets_for(session, rows)
        await outbox.next_due(session, now=now)
        assert len(rows) == DUE_NOW, f"claimed {len(rows)} rows, expected {DUE_NOW}"
        await session.rollback()
        return rows

    async def my_cases(session: AsyncSession) -> object:
        found = await case_service.cases_of(session, actor=actor)
        assert found, "the regular submitter has cases"
        return found

    async def next_meeting(session: AsyncSession) -> object:
        meeting = await meeting_service.next_meeting(session, actor=actor, now=now)
        assert isinstance(meeting, meeting_service.MeetingView), "a meeting lies ahead"
        await meeting_service.calendar_info(session, meeting_id=meeting.id)
        return meeting

    async def plan(session: AsyncSession) -> object:
        return await meeting_service.meetings_in_year(session, actor=actor, year=year)

    async def form_meetings(session: AsyncSession) -> object:
        return await case_service.open_meetings(session, now=now)

    operations: dict[str, Operation] = {
        "reminder sweep (expire+claim+targets+next due)": sweep,
        "mine saker": my_cases,
        "neste møte": next_meeting,
        "møteplan (this year)": plan,
        "case form meeting list": form_meetings,
    }
    if importlib.util.find_spec("bot.services.agenda") is None:
        notes.append("no agenda builder in the app: not timed")
    else:
        from bot.services import agenda as agenda_service
        from storage import meetings as meeting_repo

        async def agenda(session: AsyncSession) -> object:
            # The upcoming meeting's agenda as the secretariat's card loads it; make=False
            # builds it without storing it, so every repetition does the same work.
            upcoming = await meeting_repo.upcoming(session, now=now, bodies=["SSU"], limit=1)
            assert upcoming, "a meeting lies ahead"
            view = await agenda_service.open_agenda(
                session, upcoming[0], actor=actor, now=now, make=False
            )
            assert view.loaded.content is not None
            return view

        operations["agenda (the next meeting's)"] = agenda
    return operations, notes


@dataclass
class _Target:
    """One seeded database being measured: its engine, query log and operations."""

    engine: AsyncEngine
    log: QueryLog
    operations: dict[str, Operation]
    times: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[str, tuple[int, str]] = field(default_factory=dict)

    async def run(self, name: str, *, keep: bool) -> None:
        from storage.db import session_factory

        async with session_factory(self.engine)() as session:
            self.log.statements.clear()
            self.log.on = True
            started = time.perf_counter()
            await self.operations[name](session)
            elapsed = time.perf_counter() - started
            self.log.on = False
            await session.rollback()
        if keep:
            self.times.setdefault(name, []).append(elapsed * 1000)
            self.queries[name] = (len(self.log.statements), self.log.summary())


async def measure_pair(
    databases: list[tuple[str, Seeded]], now: datetime, repeats: int, limit_s: float = 20.0
) -> tuple[list[dict[str, Measured]], list[str]]:
    """Time every operation on each database, alternating between them call by call (and
    swapping which goes first), so both see the same load on a shared machine. Each operation
    runs ``repeats`` times after two warm-ups, or until ``limit_s`` seconds, whichever first."""
    from storage.db import create_engine, session_factory

    targets: list[_Target] = []
    notes: list[str] = []
    try:
        for url, seeded in databases:
            engine = create_engine(url)
            log = QueryLog()
            log.listen(engine)
            operations, notes = await _operations(session_factory(engine), seeded, now)
            targets.append(_Target(engine, log, operations))
        for name in targets[0].operations:
            deadline = time.monotonic() + limit_s
            for attempt in range(repeats + 2):
                order = targets if attempt % 2 == 0 else list(reversed(targets))
                for target in order:
                    await target.run(name, keep=attempt >= 2)
                if attempt >= 2 and time.monotonic() > deadline:
                    break
        results = [
            {
                name: Measured(statistics.median(t.times[name]), *t.queries[name])
                for name in t.operations
            }
            for t in targets
        ]
    finally:
        for target in targets:
            await target.engine.dispose()
    return results, notes


async def bench(
    *, backends: dict[str, str | None], repeats: int = 200, scale: float = 1.0
) -> list[Row]:
    """``backends``: name → an admin URL to create databases on (PostgreSQL), or None (SQLite
    files in a temporary directory)."""
    from bench.pg import database

    now = datetime.now(UTC)
    small, large = Sizes.for_years(1, scale), Sizes.for_years(FULL_YEARS, scale)
    rows: list[Row] = []
    for backend, admin in backends.items():
        with tempfile.TemporaryDirectory(prefix=f"ssu-bench-scale-{backend}-") as tmp:
            async with contextlib.AsyncExitStack() as stack:
                seeded: list[tuple[str, Seeded]] = []
                for sizes in (small, large):
                    if admin is None:
                        url = sqlite_url(Path(tmp) / f"history-{sizes.years}y.db")
                    else:
                        url = await stack.enter_async_context(
                            database(admin, prefix=f"ssu_scale{sizes.years}")
                        )
                    seeded.append((url, await seed_history(url, sizes, now)))
                (one_year, twenty), notes = await measure_pair(seeded, now, repeats)
            group = f"scale {backend}"
            for name, big in twenty.items():
                one = one_year[name]
                grows = " — grows with data (N+1)" if big.queries > one.queries else ""
                rows.append(
                    Row(
                        group,
                        name,
                        big.median_ms,
                        "ms",
                        one.median_ms,
                        2.0,
                        note=f"queries 1y {one.queries} → 20y {big.queries}{grows}: {big.summary}",
                    )
                )
            history = seeded[1][1]
            rows.append(
                Row(
                    group,
                    "seed 20 years (bulk insert)",
                    history.seconds,
                    "s",
                    note=f"{large.meetings} meetings, {large.cases:,} cases, "
                    f"{large.outbox:,} outbox rows, {large.people:,} people"
                    + "".join(f"; {n}" for n in notes),
                )
            )
    return rows
