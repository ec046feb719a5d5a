"""Turns: concurrent conversations with a realistic mix, over HTTP, against the fake connector.

The real bot runs as ``ssu-bot serve`` (a process of its own, scheduler on, as in production) on
SQLite and on PostgreSQL; the floor is bench/echo_floor.py, run the same way, answering the very
same request bodies with replies of the same sizes. Each conversation sends its turns one after
the other (a person waits for the answer), all conversations at once, no think time: this is the
bot under full load, so latency here is mostly queueing, and latency ÷ floor ≈ the bot's cost per
turn ÷ the echo's.

The mix, per round of ten turns: ``hjelp``; ``neste møte``; ``møteplan``; ``meld inn sak`` →
the form with a validation error → a valid form (confirmation card) → confirm (receipt);
``mine saker``; an evaluation answer (the first stores it, later ones change it with the card's
token); ``neste møte``. Kinds whose feature is not in the app are replaced and named in a note.

Latency is measured twice per turn: POST → HTTP response, and POST → the turn's last reply
arriving at the fake connector (message turns; an invoke's answer is its HTTP body). The fake
connector runs in the bench's process, so both ends use the same monotonic clock.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import json
import logging
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench.common import (
    BenchConnector,
    Child,
    Row,
    bot_env,
    echo_command,
    free_port,
    percentile,
    serve_command,
    spawn,
    sqlite_url,
    wait_healthy,
)
from bench.echo_floor import HEADER
from tests.support import activities
from tests.support.activities import TeamsUser

log = logging.getLogger(__name__)

HELP = "hjelp"
NEXT = "neste møte"
PLAN = "møteplan"
SUBMIT = "meld inn sak"
MINE = "mine saker"
CASE_INVALID = "case: invalid form"
CASE_VALID = "case: valid form"
CASE_CONFIRM = "case: confirm"
EVAL_ANSWER = "evaluation answer"
MESSAGE_KINDS = {HELP, NEXT, PLAN, SUBMIT, MINE}
REQUEST_TIMEOUT = 60.0

# --------------------------------------------------------------------------------------------------
# Features and the mix
# --------------------------------------------------------------------------------------------------


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@dataclass(frozen=True)
class Features:
    cases: bool
    evaluation: bool
    consensus: bool

    @classmethod
    def detect(cls) -> Features:
        return cls(
            cases=_has("bot.teams.cases") and _has("dialogs.case_submission"),
            evaluation=_has("bot.teams.evaluation") and _has("bot.services.evaluation"),
            consensus=_has("bot.teams.consensus") or _has("bot.services.consensus"),
        )

    def notes(self) -> list[str]:
        notes = []
        if not self.cases:
            notes.append("no cases feature: case turns replaced by hjelp/møteplan")
        if not self.evaluation:
            notes.append("no evaluation feature: answer turns replaced by hjelp")
        if self.consensus:
            notes.append("a consensus feature exists but is not in the mix yet")
        else:
            notes.append("no consensus verb in the app: consensus answers skipped")
        return notes


def round_of(features: Features) -> list[str]:
    """One round of ten turns."""
    case_turns = (
        [SUBMIT, CASE_INVALID, CASE_VALID, CASE_CONFIRM, MINE]
        if features.cases
        else [HELP, PLAN, HELP, PLAN, HELP]
    )
    answer = EVAL_ANSWER if features.evaluation else HELP
    return [HELP, NEXT, PLAN, *case_turns, answer, NEXT]


def schedule(turns: int, features: Features) -> list[str]:
    one = round_of(features)
    return [one[i % len(one)] for i in range(turns)]


def filled(**changes: str) -> dict[str, str]:
    values = {
        "title": "Felles rutine for utskrivning",
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kari Nordmann, kommunalsjef",
        "case_type": "decision",
        "background": "Pasienter skrives ut uten at kommunen er varslet. " * 4,
        "assessment": "En felles rutine vil gi tryggere overganger for pasientene. " * 4,
        "proposal": "SSU slutter seg til rutinen.",
        "economic_impact": "none",
        "meeting": "",
        "attachments": "",
    }
    values.update(changes)
    return values


# --------------------------------------------------------------------------------------------------
# Seeding: the roster, two years of meetings, an open evaluation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationTarget:
    evaluation_id: int
    meeting_id: int
    questions: int


@dataclass
class Seeded:
    users: list[TeamsUser]
    warmup_user: TeamsUser
    evaluation: EvaluationTarget | None
    notes: list[str] = field(default_factory=list)


def bench_roster(count: int) -> tuple[str, list[TeamsUser]]:
    """A roster CSV of ``count`` SSU members (besides the demo roster) and their Teams users."""
    from bot.domain.roster import ROSTER_COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROSTER_COLUMNS)
    users = []
    for n in range(count):
        aad = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"bench-{n}.ssu.example"))
        name = f"Bench Medlem {n:03d}"
        email = f"bench.{n:03d}@bench.ssu.example"
        writer.writerow(
            [name, email, aad, "SSU", "member", "administrative", f"Bench kommune {n}", "", ""]
        )
        users.append(TeamsUser(f"29:bench-{n:03d}", aad, name, "nb-NO"))
    return out.getvalue(), users


async def seed(database_url: str, conversations: int, features: Features) -> Seeded:
    """Migrate; demo roster plus one member per conversation (and one for warming up); this
    year's and next year's meeting plans; an SSU meeting that ended an hour ago with its
    evaluation open to every bench member."""
    from bot.cli import DEMO_ROSTER
    from bot.domain.calendar import OSLO
    from bot.services.meetings import SYSTEM, apply_plan
    from bot.services.roster import import_roster
    from storage.db import create_engine, session_factory, transaction
    from storage.meeting_tables import Meeting
    from storage.migrate import upgrade
    from storage.models import Person

    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    text, users = bench_roster(conversations + 1)
    try:
        async with transaction(sessions) as session:
            await import_roster(
                session, text=DEMO_ROSTER.read_text(encoding="utf-8"), source="demo"
            )
        async with transaction(sessions) as session:
            await import_roster(session, text=text, source="bench")
        this_year = datetime.now(OSLO).year
        for year in (this_year, this_year + 1):
            async with transaction(sessions) as session:
                await apply_plan(session, actor=SYSTEM, year=year, source="cli")
        evaluation = None
        if features.evaluation:
            from sqlmodel import col, select

            from bot.services import evaluation as evaluation_service

            now = datetime.now(UTC)
            async with transaction(sessions) as session:
                start = now - timedelta(hours=5)
                meeting = Meeting(
                    body="SSU",
                    title="SSU-møte (bench)",
                    start_at=start,
                    end_at=now - timedelta(hours=1),
                    year=start.astimezone(OSLO).year,
                    form="physical",
                    state="held",
                    case_submission_at=start - timedelta(days=21),
                    notice_at=start - timedelta(days=7),
                    protocol_at=start + timedelta(days=7),
                )
                session.add(meeting)
                await session.flush()
                assert meeting.id is not None
                emails = [f"bench.{n:03d}@bench.ssu.example" for n in range(conversations + 1)]
                found = await session.exec(select(Person.id).where(col(Person.email).in_(emails)))
                present = [pid for pid in found.all() if pid is not None]
                opened = await evaluation_service.open_evaluation(
                    session,
                    actor=evaluation_service.SYSTEM,
                    meeting_id=meeting.id,
                    now=now,
                    present=present,
                    render=None,
                )
            if isinstance(opened, evaluation_service.Opened):
                view = opened.evaluation
                evaluation = EvaluationTarget(view.id, meeting.id, view.questions.count)
    finally:
        await engine.dispose()
    return Seeded(users[:conversations], users[conversations], evaluation, features.notes())


# --------------------------------------------------------------------------------------------------
# One turn
# --------------------------------------------------------------------------------------------------


@dataclass
class Turn:
    kind: str
    raw: bytes
    """The request body, byte for byte (the floor gets the same bytes)."""
    activity_id: str
    status: int = 0
    http_s: float | None = None
    reply_s: float | None = None
    reply_sizes: tuple[int, ...] = ()
    invoke_size: int = 0
    error: str | None = None


@dataclass
class Conversation:
    user: TeamsUser
    kinds: list[str]
    draft: str | None = None
    token: str | None = None
    turns: list[Turn] = field(default_factory=list)


def _find_key(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        if key in node and isinstance(node[key], str):
            return node[key]
        for value in node.values():
            found = _find_key(value, key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _find_key(item, key)
            if found is not None:
                return found
    return None


def _first_text(payload: Any) -> str:
    """The first TextBlock of a card, shortened: what the person saw instead."""
    found = _find_key(payload, "text")
    return str(found)[:60] if found is not None else "no text"


def failure_excerpt(log_text: str) -> str:
    """The exception line of the first ``turn failed`` in a server log."""
    at = log_text.find("turn failed")
    if at < 0:
        return ""
    for line in log_text[at:].splitlines()[1:80]:
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Conflict)\b", line):
            return line.strip()[:120]
    return log_text[at:].splitlines()[0][:120]


def _apology_marker() -> str:
    from bot.i18n import t

    text = t("error.apology", "nb", ref="@@REF@@")
    return text.split("@@REF@@")[0][:40] or text[:40]


class Driver:
    """Sends turns to one server; the connector is shared with it."""

    def __init__(
        self,
        url: str,
        connector: BenchConnector,
        *,
        evaluation: EvaluationTarget | None,
        deadline: float,
        on_turn: Callable[[int], None] | None = None,
    ) -> None:
        self.url = url + "/api/messages"
        self.connector = connector
        self.evaluation = evaluation
        self.deadline = deadline
        self.on_turn = on_turn
        self.done = 0
        self.apology = _apology_marker()
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Driver:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()

    # -- building the live turns --------------------------------------------------------------

    def body(self, conversation: Conversation, kind: str) -> dict[str, Any] | None:
        user, url = conversation.user, self.connector.url
        if kind in MESSAGE_KINDS:
            return activities.message(kind, service_url=url, user=user)
        if kind in (CASE_INVALID, CASE_VALID, CASE_CONFIRM):
            if conversation.draft is None:
                return None
            data: dict[str, Any] = {"draft_id": conversation.draft}
            if kind == CASE_INVALID:
                data.update(intent="submit", **filled(title="   ", anchored="false"))
            elif kind == CASE_VALID:
                data.update(intent="submit", **filled())
            else:
                data.update(intent="confirm")
            return activities.card_action("case.submit", data, service_url=url, user=user)
        if kind == EVAL_ANSWER and self.evaluation is not None:
            target = self.evaluation
            values: dict[str, Any] = {f"q{i + 1}": str(1 + i % 5) for i in range(target.questions)}
            values.update(
                evaluation_id=target.evaluation_id, meeting_id=target.meeting_id, comment=""
            )
            if conversation.token:
                values["answer_token"] = conversation.token
            return activities.card_action("evaluation.answer", values, service_url=url, user=user)
        return None

    async def live(self, conversation: Conversation) -> None:
        for kind in conversation.kinds:
            if time.monotonic() > self.deadline:
                conversation.turns.append(Turn(kind, b"", "", error="bench deadline"))
                break
            body = self.body(conversation, kind)
            if body is None:
                conversation.turns.append(Turn(kind, b"", "", error="no draft from the form"))
                continue
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
            turn = Turn(kind, raw, str(body["id"]))
            payload = await self.send(turn, None)
            self.check(conversation, turn, payload)
            conversation.turns.append(turn)
            self._count()

    async def replay(self, turns: Sequence[Turn]) -> list[Turn]:
        """The same bodies again (for the floor), each with the sizes the bot's replies had."""
        out = []
        for original in turns:
            if not original.raw:
                continue
            if time.monotonic() > self.deadline:
                out.append(Turn(original.kind, b"", "", error="bench deadline"))
                break
            turn = Turn(original.kind, original.raw, original.activity_id)
            plan = ",".join(str(s) for s in original.reply_sizes) + f"|{original.invoke_size}"
            await self.send(turn, plan)
            if original.kind in MESSAGE_KINDS and not turn.reply_sizes and turn.error is None:
                turn.error = "no reply"
            out.append(turn)
            self._count()
        return out

    def _count(self) -> None:
        self.done += 1
        if self.on_turn is not None:
            self.on_turn(self.done)

    async def send(self, turn: Turn, plan: str | None) -> Any:
        assert self.http is not None
        headers = {"Content-Type": "application/json"}
        if plan is not None:
            headers[HEADER] = plan
        started = time.monotonic()
        payload: Any = None
        try:
            async with self.http.post(self.url, data=turn.raw, headers=headers) as response:
                content = await response.read()
                turn.status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            turn.error = f"http {type(error).__name__}"
            self.connector.take(turn.activity_id)
            return None
        turn.http_s = time.monotonic() - started
        if not 200 <= turn.status < 300:
            turn.error = f"http {turn.status}"
        if content:
            turn.invoke_size = len(content)
            try:
                payload = json.loads(content)
            except ValueError:
                payload = None
        replies = self.connector.take(turn.activity_id)
        if replies:
            turn.reply_s = max(r.time for r in replies) - started
            turn.reply_sizes = tuple(r.size for r in replies)
            if payload is None:
                payload = [r.body for r in replies]
        return payload

    def check(self, conversation: Conversation, turn: Turn, payload: Any) -> None:
        """Errors a person would see: no answer, the apology, or not the card the step gives."""
        if turn.error is not None:
            return
        if turn.kind in MESSAGE_KINDS and not turn.reply_sizes:
            turn.error = "no reply"
            return
        text = json.dumps(payload, ensure_ascii=False)
        if self.apology in text:
            turn.error = "apology"
            return
        if turn.kind == SUBMIT:
            conversation.draft = _find_key(payload, "draft_id")
            if conversation.draft is None:
                turn.error = "form without a draft id"
        elif turn.kind == CASE_VALID and '"confirm"' not in text:
            turn.error = f"valid form not confirmed ({_first_text(payload)})"
        elif turn.kind == CASE_CONFIRM:
            conversation.draft = None
        elif turn.kind == EVAL_ANSWER:
            token = _find_key(payload, "answer_token")
            if token is None:
                turn.error = "answer not stored"
            else:
                conversation.token = token


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


@dataclass
class RunStats:
    turns: list[Turn]
    wall_s: float
    cpu_s: float
    """CPU time of the serving process during the run."""
    proactive: int = 0
    log_failures: int = 0
    conversations: list[Conversation] = field(default_factory=list)
    """The live run's conversations, which the floor replays."""
    failure_note: str = ""

    def completed(self) -> list[Turn]:
        return [t for t in self.turns if t.http_s is not None]

    def http_ms(self, kind: str | None = None) -> list[float]:
        return [
            t.http_s * 1000
            for t in self.completed()
            if t.http_s is not None and (kind is None or t.kind == kind)
        ]

    def reply_ms(self) -> list[float]:
        return [t.reply_s * 1000 for t in self.completed() if t.reply_s is not None]

    @property
    def errors(self) -> int:
        return sum(1 for t in self.turns if t.error is not None) + self.log_failures

    def error_kinds(self) -> str:
        counts: dict[str, int] = {}
        for t in self.turns:
            if t.error is not None:
                counts[f"{t.kind}: {t.error}"] = counts.get(f"{t.kind}: {t.error}", 0) + 1
        if self.log_failures:
            counts["'turn failed' in the server log"] = self.log_failures
        listed = "; ".join(f"{k} ×{n}" for k, n in sorted(counts.items()))
        return f"{listed}; {self.failure_note}" if self.failure_note else listed

    @property
    def throughput(self) -> float:
        return len(self.completed()) / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_turn(self) -> float | None:
        done = len(self.completed())
        return self.cpu_s * 1000 / done if done else None


def _cpu(child: Child) -> float:
    try:
        times = psutil.Process(child.pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


async def _warm_up(driver: Driver, user: TeamsUser, features: Features) -> None:
    """One round by a user who is not measured: first-use imports and caches."""
    conversation = Conversation(user, round_of(features))
    await driver.live(conversation)


async def run_bot(
    *,
    database_url: str,
    work: Path,
    conversations: int,
    turns: int,
    features: Features,
    time_limit: float,
    connector: BenchConnector,
    on_turn: Callable[[int, Child], None] | None = None,
    turns_per_conversation: Sequence[int] | None = None,
) -> tuple[RunStats, Seeded]:
    """Seed, serve, drive; returns the measured turns (the warm-up round is not in them).

    The floor must replay through the same ``connector``: the bodies name it as serviceUrl."""
    seeded = await seed(database_url, conversations, features)
    var = work / "var"
    var.mkdir(parents=True, exist_ok=True)
    port = free_port()
    child = spawn(
        serve_command(port),
        env=bot_env(database_url, var),
        cwd=work,
        log_path=work / "serve.log",
        port=port,
    )
    try:
        await wait_healthy(child)
        deadline = time.monotonic() + time_limit
        warm = Driver(child.url, connector, evaluation=seeded.evaluation, deadline=deadline)
        async with warm:
            await _warm_up(warm, seeded.warmup_user, features)
        counts = turns_per_conversation or [turns] * conversations
        talks = [
            Conversation(user, schedule(count, features))
            for user, count in zip(seeded.users, counts, strict=True)
        ]

        def tick(done: int) -> None:
            if done % 1000 == 0:
                connector.trim()
            if on_turn is not None:
                on_turn(done, child)

        driver = Driver(
            child.url,
            connector,
            evaluation=seeded.evaluation,
            deadline=deadline,
            on_turn=tick,
        )
        cpu0 = _cpu(child)
        started = time.monotonic()
        async with driver:
            await asyncio.gather(*(driver.live(c) for c in talks))
        wall = time.monotonic() - started
        cpu = _cpu(child) - cpu0
        proactive = connector.proactive
    finally:
        child.stop()
    failures = child.count_in_log("turn failed")
    measured = [t for c in talks for t in c.turns]
    stats = RunStats(measured, wall, cpu, proactive, failures, talks)
    if failures or stats.errors:
        kept = Path(tempfile.mkdtemp(prefix="ssu-bench-log-")) / "serve.log"
        shutil.copyfile(child.log_path, kept)
        excerpt = failure_excerpt(kept.read_text(encoding="utf-8", errors="replace"))
        stats.failure_note = f"{excerpt + '; ' if excerpt else ''}server log kept at {kept}"
    return stats, seeded


async def run_floor(
    *, work: Path, live: RunStats, time_limit: float, connector: BenchConnector
) -> RunStats:
    """The echo floor, replaying the live run's conversations with the same concurrency."""
    talks = live.conversations
    port = free_port()
    connector.proactive = 0
    connector.replies.clear()
    child = spawn(
        echo_command(port),
        env=bot_env("sqlite+aiosqlite:///unused.db", work),
        cwd=work,
        log_path=work / "echo.log",
        port=port,
    )
    try:
        await wait_healthy(child)
        deadline = time.monotonic() + time_limit
        warm = Driver(child.url, connector, evaluation=None, deadline=deadline)
        async with warm:
            if talks:
                await warm.replay(talks[0].turns[:10])

        def tick(done: int) -> None:
            if done % 1000 == 0:
                connector.trim()

        driver = Driver(child.url, connector, evaluation=None, deadline=deadline, on_turn=tick)
        cpu0 = _cpu(child)
        started = time.monotonic()
        async with driver:
            replayed = await asyncio.gather(*(driver.replay(c.turns) for c in talks))
        wall = time.monotonic() - started
        cpu = _cpu(child) - cpu0
    finally:
        child.stop()
    return RunStats([t for turns in replayed for t in turns], wall, cpu)


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def rows_for(backend: str, bot: RunStats, floor: RunStats, notes: Sequence[str]) -> list[Row]:
    group = f"turns {backend}"
    bot_sizes = [s for t in bot.completed() for s in t.reply_sizes]
    floor_sizes = [s for t in floor.completed() for s in t.reply_sizes]
    size_note = (
        f"reply bytes bot {(_mean(bot_sizes) or 0):,.0f} / floor {(_mean(floor_sizes) or 0):,.0f}"
    )
    rows = [
        Row(
            group,
            "HTTP p50",
            percentile(bot.http_ms(), 50),
            "ms",
            percentile(floor.http_ms(), 50),
            1.5,
        ),
        Row(
            group,
            "HTTP p99",
            percentile(bot.http_ms(), 99),
            "ms",
            percentile(floor.http_ms(), 99),
            3.0,
            note=f"max {max(bot.http_ms(), default=0):,.0f} ms (floor "
            f"{max(floor.http_ms(), default=0):,.0f} ms)",
        ),
        Row(
            group,
            "reply at connector p50",
            percentile(bot.reply_ms(), 50),
            "ms",
            percentile(floor.reply_ms(), 50),
            1.5,
            note=size_note,
        ),
        Row(
            group,
            "reply at connector p99",
            percentile(bot.reply_ms(), 99),
            "ms",
            percentile(floor.reply_ms(), 99),
            3.0,
        ),
        Row(
            group,
            "turns/s",
            bot.throughput,
            "/s",
            floor.throughput,
            note=f"{len(bot.completed())} turns in {bot.wall_s:.1f} s",
        ),
        Row(
            group,
            "server CPU per turn",
            bot.cpu_ms_per_turn,
            "ms",
            floor.cpu_ms_per_turn,
            note="bot process CPU ÷ turns (2 cores shared with driver and database)",
        ),
        Row(
            group,
            "errors",
            float(bot.errors),
            "",
            target=0,
            target_on="value",
            note=bot.error_kinds() or f"floor errors {floor.errors}",
        ),
    ]
    kinds = sorted({t.kind for t in bot.completed()})
    for kind in kinds:
        rows.append(
            Row(
                group,
                f"  p50 {kind}",
                percentile(bot.http_ms(kind), 50),
                "ms",
                percentile(floor.http_ms(kind), 50),
                note=f"p99 {percentile(bot.http_ms(kind), 99) or 0:,.0f} ms "
                f"(floor {percentile(floor.http_ms(kind), 99) or 0:,.0f} ms)",
            )
        )
    if notes:
        rows.append(Row(group, "mix", None, note="; ".join(notes)))
    return rows


async def bench(
    *,
    backends: dict[str, str | None],
    conversations: int,
    turns: int,
    time_limit: float = 600.0,
) -> list[Row]:
    """``backends``: name → database URL (None: a SQLite file in a temporary directory)."""
    features = Features.detect()
    rows: list[Row] = []
    for backend, url in backends.items():
        with tempfile.TemporaryDirectory(prefix=f"ssu-bench-turns-{backend}-") as tmp:
            work = Path(tmp)
            database_url = url or sqlite_url(work / "bench.db")
            async with BenchConnector() as connector:
                live, seeded = await run_bot(
                    database_url=database_url,
                    work=work,
                    conversations=conversations,
                    turns=turns,
                    features=features,
                    time_limit=time_limit,
                    connector=connector,
                )
                floor = await run_floor(
                    work=work, live=live, time_limit=time_limit, connector=connector
                )
            notes = list(seeded.notes)
            if live.proactive:
                notes.append(f"{live.proactive} proactive sends by the outbox during the run")
            rows += rows_for(backend, live, floor, notes)
    return rows
