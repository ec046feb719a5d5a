"""One test (or a few) per claim of docs/security.md; the document names each test.

Claims about input handling (size, types, ids, hostile text) are tested by
tests/hardening/test_fuzz_activities.py and tests/hardening/test_hostile_text.py.
"""

from __future__ import annotations

import ast
import base64
import csv
import json
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, func, select

from bot.app import BOT
from bot.cli import DEMO_ROSTER
from bot.cli import main as cli_main
from bot.config import Settings
from bot.graph.graph_calendar import graph_scope, mailbox_fingerprint
from bot.logs import ContextFormatter
from bot.package import package_files
from bot.teams.commands import PHRASES
from storage import audit
from storage.db import create_engine, session_factory, transaction
from storage.evaluation_tables import Evaluation, EvaluationAnswer
from storage.models import AuditEntry, ConversationRef
from tests.fakes.connector import FakeConnector
from tests.hardening.hostile import banner_texts, message_key
from tests.support import activities
from tests.support.activities import UNKNOWN, TeamsUser
from tests.support.harness import BotHarness, cards_in, demo_users, settings_for

ROOT = Path(__file__).resolve().parents[2]
USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]
APP_ID = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT = "99999999-0000-4000-8000-000000000000"


async def _count(bot: BotHarness, table: type) -> int:
    async with bot.sessions() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


# ------------------------------------------------------------------ 1. token validation


@pytest.fixture
async def production_bot(
    sqlite_url: str, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[BotHarness]:
    """A bot registration is configured (MicrosoftAppId): every request needs a valid token."""
    settings = settings_for(
        sqlite_url,
        tmp_path / "var",
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="not-a-secret",
        SSU_DOCUMENT_KEY="test-document-key-0123456789abcdef",
        SSU_PUBLIC_BASE_URL="https://ssu-bot.example",
    )
    harness = BotHarness(settings, connector)
    await harness.start()
    yield harness
    await harness.stop()


def _jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJl"


def _claims(service_url: str) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "exp": now + 600,
        "nbf": now - 10,
        "serviceurl": service_url,
    }


class _FakeKeys:
    """The Bot Framework's OpenID endpoints, answered offline (no request leaves the test)."""

    def __init__(self, *, reachable: bool) -> None:
        self.reachable = reachable
        self.calls = 0

    def get(self, url: str, *_: Any, **__: Any) -> Any:
        self.calls += 1
        if not self.reachable:
            raise requests.ConnectionError(f"no route to {url}")
        body = (
            {"keys": [{"kid": "a-real-key", "kty": "RSA", "n": "AQAB", "e": "AQAB"}]}
            if "keys" in url
            else {"jwks_uri": "https://login.botframework.com/v1/.well-known/keys"}
        )

        class Response:
            def raise_for_status(self) -> None:
                return None

            def json(self) -> Any:
                return body

        return Response()


@pytest.fixture
def fake_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[_FakeKeys]:
    from botframework.connector.auth import jwt_token_extractor

    keys = _FakeKeys(reachable=True)
    monkeypatch.setattr(jwt_token_extractor.requests, "get", keys.get)
    cache = dict(jwt_token_extractor.JwtTokenExtractor.metadataCache)
    jwt_token_extractor.JwtTokenExtractor.metadataCache.clear()
    yield keys
    jwt_token_extractor.JwtTokenExtractor.metadataCache.clear()
    jwt_token_extractor.JwtTokenExtractor.metadataCache.update(cache)


async def test_production_mode_refuses_a_request_without_a_token_with_401(
    production_bot: BotHarness,
) -> None:
    for body in (
        activities.message("hjelp", service_url=production_bot.connector.url, user=MEMBER),
        activities.card_action(
            "help.show", None, service_url=production_bot.connector.url, user=MEMBER
        ),
    ):
        status, _ = await production_bot.post(body)
        assert status == 401
    assert await _count(production_bot, ConversationRef) == 0
    assert await _count(production_bot, AuditEntry) == 0
    assert production_bot.connector.activities() == []


async def test_production_mode_refuses_malformed_and_forged_tokens_with_401(
    production_bot: BotHarness, fake_keys: _FakeKeys
) -> None:
    """Garbage, an unsigned token, a token signed with a shared secret, one with a key id the
    Bot Framework never published and one with none: 401 each (botbuilder raised IndexError and
    AttributeError for the last two: a 500 before the adapter caught every failed check)."""
    url = production_bot.connector.url
    forged = [
        _jwt({"alg": "none", "typ": "JWT"}, _claims(url)),
        _jwt({"alg": "HS256", "typ": "JWT", "kid": "a-real-key"}, _claims(url)),
        _jwt({"alg": "RS256", "typ": "JWT", "kid": "never-published"}, _claims(url)),
        _jwt({"alg": "RS256", "typ": "JWT"}, _claims(url)),
    ]
    headers = ["Bearer not-a-jwt", "Bearer a.b.c", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer x y"]
    headers += [f"Bearer {token}" for token in forged]
    for header in headers:
        body = activities.message("hjelp", service_url=url, user=MEMBER)
        status, payload = await production_bot.post(body, headers={"Authorization": header})
        assert status == 401, (header, status, payload)
    assert fake_keys.calls > 0, "the forged tokens did reach the signature check"
    assert await _count(production_bot, ConversationRef) == 0
    assert production_bot.connector.activities() == []


async def test_production_mode_answers_503_when_the_signing_keys_cannot_be_fetched(
    production_bot: BotHarness, fake_keys: _FakeKeys
) -> None:
    """Not 401 (nobody was found out) and not an unhandled 500: the Bot Connector retries."""
    fake_keys.reachable = False
    url = production_bot.connector.url
    token = _jwt({"alg": "RS256", "typ": "JWT", "kid": "a-real-key"}, _claims(url))
    body = activities.message("hjelp", service_url=url, user=MEMBER)
    status, _ = await production_bot.post(body, headers={"Authorization": f"Bearer {token}"})
    assert status == 503
    assert await _count(production_bot, ConversationRef) == 0


async def test_local_mode_takes_activities_without_a_token(bot: BotHarness) -> None:
    assert bot.settings.local_mode
    status, _ = await bot.say(MEMBER, "hjelp")
    assert status == 201


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No bot or Graph settings from the environment or a .env file; logging restored after."""
    for name in _SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


_SETTING_NAMES = (
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
    "DATABASE_URL",
    "GRAPH_TENANT_ID",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "GRAPH_ORGANIZER",
    "SSU_DEMO",
)


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "ssu.example"])
def test_serve_refuses_a_non_loopback_address_in_local_mode(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["serve", "--host", host]) == 2
    assert "binds only to loopback" in capsys.readouterr().err


# ---------------------------------------------------------------- 2. tenant restriction


async def test_activities_from_another_tenant_or_none_are_refused_and_write_nothing(
    sqlite_url: str, tmp_path: Path, connector: FakeConnector
) -> None:
    settings = settings_for(sqlite_url, tmp_path / "var", MicrosoftAppTenantId=OTHER_TENANT)
    harness = BotHarness(settings, connector)
    await harness.start()
    try:
        no_tenant = activities.message("hjelp", service_url=connector.url, user=MEMBER)
        no_tenant["conversation"].pop("tenantId")
        no_tenant.pop("channelData")
        for body in (
            activities.message("hjelp", service_url=connector.url, user=MEMBER),
            no_tenant,
        ):
            await harness.post(body)
        status, _ = await harness.act(SECRETARY, "meeting.add", {"step": "submit"})
        assert status == 400
        texts = [a.get("text") for a in connector.activities()]
        assert [message_key(t or "", "nb") for t in texts] == ["error.wrong_tenant"] * 2
        assert await _count(harness, ConversationRef) == 0
        assert await _count(harness, AuditEntry) == 0
    finally:
        await harness.stop()


# ---------------------------------------------------------------------- 3. role checks


@dataclass(frozen=True)
class Refusal:
    verb: str
    who: TeamsUser
    data: dict[str, Any]
    audited_as: str | None
    """The audit action of the refusal; None: a view, refused but not audited."""


NEXT_YEAR = datetime.now(UTC).year + 1
FORM = {"step": "submit", "body": "AU", "start": "09:00", "end": "10:00", "form": "digital"}
STATE_CHANGES = (
    Refusal(
        "case.triage", MEMBER, {"case_id": 1, "route": "ssu", "section": "decision"}, "case.triage"
    ),
    Refusal("meeting.plan.approve", MEMBER, {"year": NEXT_YEAR}, "meeting.plan.apply"),
    Refusal("meeting.add", MEMBER, {**FORM, "date": f"{NEXT_YEAR}-03-03"}, "meeting.add"),
    Refusal(
        "meeting.move",
        MEMBER,
        {**FORM, "meeting_id": 2, "date": f"{NEXT_YEAR}-03-03"},
        "meeting.move",
    ),
    Refusal(
        "meeting.cancel",
        MEMBER,
        {"meeting_id": 2, "step": "submit", "reason": "Avlyst"},
        "meeting.cancel",
    ),
    Refusal("meeting.absence", OBSERVER, {"meeting_id": 2}, "meeting.absence"),
    Refusal("meeting.open", MEMBER, {"meeting_id": 1}, "meeting.open"),
    Refusal("meeting.close", MEMBER, {"meeting_id": 1, "confirm": "yes"}, "meeting.close"),
    Refusal(
        "attendance.set",
        MEMBER,
        {"meeting_id": 1, "person_id": 2, "status": "present"},
        "attendance.set",
    ),
    Refusal("attendance.check_in", UNKNOWN, {"meeting_id": 1}, "attendance.check_in"),
    Refusal("evaluation.start", MEMBER, {"meeting_id": 1}, "evaluation.open"),
    Refusal("evaluation.close", MEMBER, {"evaluation_id": 1}, "evaluation.close"),
    Refusal("evaluation.answer", OBSERVER, {"evaluation_id": 1, "q1": "3"}, "evaluation.answer"),
    Refusal("evaluation.answer", SECRETARY, {"evaluation_id": 1, "q1": "3"}, "evaluation.answer"),
    Refusal("evaluation.csv", LEADER, {"evaluation_id": 1}, "evaluation.export"),
    Refusal("case.triage.show", MEMBER, {"case_id": 1}, "case.triage.view"),
    Refusal("attendance.refresh", UNKNOWN, {"meeting_id": 1}, "attendance.view"),
)
AGENDA = (
    Refusal("agenda.show", MEMBER, {"meeting_id": 2}, "agenda.view"),
    Refusal("notice.preview", MEMBER, {"meeting_id": 2}, "agenda.view"),
    Refusal(
        "agenda.move", LEADER, {"meeting_id": 2, "case_id": 1, "direction": "up"}, "agenda.move"
    ),
    Refusal(
        "agenda.minutes", LEADER, {"meeting_id": 2, "case_id": 1, "minutes": "10"}, "agenda.minutes"
    ),
    Refusal("notice.publish", MEMBER, {"meeting_id": 2}, "notice.publish"),
)
CONSENSUS = (
    Refusal(
        "consensus.start", MEMBER, {"case_id": 0, "decision_text": "Vedtak."}, "consensus.start"
    ),
    Refusal("consensus.close", MEMBER, {"item_id": 0}, "consensus.close"),
    Refusal(
        "consensus.respond", OBSERVER, {"item_id": 0, "position": "agree"}, "consensus.respond"
    ),
    Refusal("consensus.input", MEMBER, {"item_id": 0, "input": "Innspill."}, "consensus.input"),
    Refusal("consensus.refresh", UNKNOWN, {"item_id": 0}, None),
)
"""Asked in a meeting chat with a round open (ids filled in by the test)."""
PROTOCOL = (
    Refusal("protocol.draft", MEMBER, {"meeting_id": 0}, "protocol.draft"),
    Refusal("protocol.edit", LEADER, {"protocol_id": 0, "case_id": 0}, "protocol.edit"),
    Refusal("protocol.publish", LEADER, {"protocol_id": 0}, "protocol.publish"),
    Refusal("protocol.sign", MEMBER, {"protocol_id": 0}, "protocol.sign"),
    Refusal(
        "protocol.return",
        SECRETARY,
        {"protocol_id": 0, "comment": "Mangler noe."},
        "protocol.return",
    ),
)
"""On a drafted protocol of a held meeting (ids and the version filled in by the test)."""
VIEWS = (
    Refusal("meeting.plan.show", MEMBER, {"year": NEXT_YEAR}, None),
    Refusal("meeting.add", MEMBER, {}, None),
    Refusal("meeting.move", MEMBER, {"meeting_id": 2}, None),
    Refusal("meeting.cancel", MEMBER, {"meeting_id": 2}, None),
    Refusal("meeting.list", UNKNOWN, {"year": NEXT_YEAR}, None),
    Refusal("meeting.next", UNKNOWN, {}, None),
    Refusal("evaluation.status", UNKNOWN, {"evaluation_id": 1}, None),
    Refusal("evaluation.results", UNKNOWN, {"evaluation_id": 1}, None),
    Refusal("evaluation.poll", UNKNOWN, {"evaluation_id": 1}, None),
    Refusal("settings.language", UNKNOWN, {"language": "en"}, None),
)
FOR_EVERYONE = frozenset({"help.show", "case.submit", "case.new"})
"""Anyone in the tenant may ask for help and submit a case (seed 004 §1.3)."""
COMMANDS = (
    ("kan ikke stille", OBSERVER, "meeting.absence"),
    ("start evaluering", MEMBER, "evaluation.open"),
    ("evaluering csv", LEADER, "evaluation.export"),
    ("åpne møte", MEMBER, "meeting.open"),
    ("avslutt møte", MEMBER, "meeting.close"),
    ("konsensus", MEMBER, "consensus.start"),
    ("saksliste", MEMBER, "agenda.view"),
    ("protokoll", MEMBER, "protocol.candidates"),
    ("neste møte", UNKNOWN, None),
    ("møteplan", UNKNOWN, None),
    ("påminnelser av", UNKNOWN, None),
    ("evaluering", UNKNOWN, None),
)


@pytest.fixture
async def seeded(bot: BotHarness) -> BotHarness:
    """Meeting 1 held yesterday with evaluation 1 open, meeting 2 planned, case 1 submitted."""
    from tests.hardening.test_fuzz_activities import _seed

    await _seed(bot)
    async with bot.sessions() as session:
        assert (await session.exec(select(Evaluation.id))).all() == [1]
    return bot


async def _audit_after(bot: BotHarness, last: int) -> list[AuditEntry]:
    async with bot.sessions() as session:
        query = select(AuditEntry).where(col(AuditEntry.id) > last).order_by(col(AuditEntry.id))
        return list((await session.exec(query)).all())


async def _last_audit(bot: BotHarness) -> int:
    async with bot.sessions() as session:
        return (await session.exec(select(func.max(AuditEntry.id)))).one() or 0


async def _person_id(bot: BotHarness, user: TeamsUser) -> int | None:
    from storage.models import Person

    async with bot.sessions() as session:
        person = (
            await session.exec(select(Person).where(Person.aad_object_id == user.aad_object_id))
        ).first()
    return person.id if person else None


async def _domain_digest(bot: BotHarness) -> str:
    """Every row of every table but the audit log, the conversation references and bot state."""
    from bot.app import ENGINE

    rows: list[str] = []
    async with bot.app[ENGINE].connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in sorted(tables):
            if table in {"auditentry", "conversationref", "botstate", "person"}:
                continue
            found = (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()
            rows.append(f"{table}:{sorted(repr(tuple(r)) for r in found)}")
    return "\n".join(rows)


async def test_every_state_changing_verb_is_refused_for_the_wrong_role_and_audited(
    seeded: BotHarness,
) -> None:
    """The wrong role gets a clear error card, exactly one refused audit entry with their ids,
    and no table but the audit log and the conversation references changes."""
    for refusal in STATE_CHANGES:
        await _refused_and_audited(seeded, refusal)


async def _refused_and_audited(bot: BotHarness, refusal: Refusal, **fields: Any) -> None:
    last, before = await _last_audit(bot), await _domain_digest(bot)
    status, payload = await bot.act(refusal.who, refusal.verb, refusal.data, **fields)
    assert status == 200
    keys = [message_key(b) for b in banner_texts(payload["value"])]
    assert keys and all(keys) and "error.apology" not in keys, (refusal.verb, keys)
    assert await _domain_digest(bot) == before, f"{refusal.verb} refused, yet wrote"
    if refusal.audited_as is None:  # a view: refused, whether audited or not
        return
    entries = [e for e in await _audit_after(bot, last) if e.outcome == "refused"]
    assert [e.action for e in entries] == [refusal.audited_as], refusal
    [entry] = entries
    assert entry.actor_person_id == await _person_id(bot, refusal.who)
    assert entry.actor_aad_id == refusal.who.aad_object_id


async def test_the_agenda_and_the_notice_are_the_secretariat_s_and_the_chair_s(
    seeded: BotHarness,
) -> None:
    registered = set(seeded.app[BOT]._actions.handlers)
    wired = [refusal for refusal in AGENDA if refusal.verb in registered]
    if not wired:
        pytest.skip("the agenda and notice verbs are not wired into the app yet")
    for refusal in wired:
        await _refused_and_audited(seeded, refusal)


async def test_a_consensus_round_is_run_by_the_chair_answered_by_members_only(
    bot: BotHarness,
) -> None:
    from storage.consensus_tables import ConsensusRound
    from tests.hardening.test_hostile_text import IN_CHAT, _decision_case, _open_meeting_in_chat

    meeting_id = await _open_meeting_in_chat(bot, [LEADER, MEMBER, OBSERVER])
    case_id = await _decision_case(bot, meeting_id, 1)
    data = {"case_id": case_id, "decision_text": "Vedtak."}
    status, _ = await bot.act(LEADER, "consensus.start", data, **IN_CHAT)
    assert status == 200
    async with bot.sessions() as session:
        round_id = (await session.exec(select(ConsensusRound.id))).one()
    for refusal in CONSENSUS:
        ids = {"case_id": case_id} if "case_id" in refusal.data else {"item_id": round_id}
        await _refused_and_audited(
            bot,
            Refusal(refusal.verb, refusal.who, {**refusal.data, **ids}, refusal.audited_as),
            **IN_CHAT,
        )


async def test_the_protocol_is_written_by_the_secretariat_and_signed_by_the_chair(
    bot: BotHarness,
) -> None:
    from storage.protocol_tables import Protocol
    from tests.bot.services.test_protocol import add_case, held_meeting

    meeting_id = await held_meeting(bot.sessions)
    case_id = await add_case(bot.sessions, meeting_id, 3)
    await bot.act(SECRETARY, "protocol.draft", {"meeting_id": meeting_id})
    async with bot.sessions() as session:
        row = (await session.exec(select(Protocol))).one()
    ids = {"meeting_id": meeting_id, "protocol_id": row.id, "case_id": case_id}
    for refusal in PROTOCOL:
        data = {k: ids.get(k, v) for k, v in refusal.data.items()} | {"version": row.current_sha}
        await _refused_and_audited(
            bot, Refusal(refusal.verb, refusal.who, data, refusal.audited_as)
        )


async def test_every_view_is_refused_for_people_without_the_role(seeded: BotHarness) -> None:
    bot = seeded
    for refusal in VIEWS:
        before = await _domain_digest(bot)
        status, payload = await bot.act(refusal.who, refusal.verb, refusal.data)
        assert status == 200
        keys = [message_key(b) for b in banner_texts(payload["value"])]
        assert keys and all(keys) and "error.apology" not in keys, (refusal.verb, keys)
        assert await _domain_digest(bot) == before


async def test_every_registered_verb_is_in_the_role_table(seeded: BotHarness) -> None:
    """A new verb fails here until docs/security.md and the tables above say who may use it."""
    verbs = set(seeded.app[BOT]._actions.handlers)
    tables = STATE_CHANGES + AGENDA + CONSENSUS + PROTOCOL + VIEWS
    covered = {r.verb for r in tables} | FOR_EVERYONE
    assert verbs - covered == set(), "add them to docs/security.md and to STATE_CHANGES/VIEWS"


async def test_unknown_verbs_are_refused_and_audited(seeded: BotHarness) -> None:
    last = await _last_audit(seeded)
    _, payload = await seeded.act(MEMBER, "case.delete_all", {"case_id": 1})
    assert [message_key(b) for b in banner_texts(payload["value"])] == ["error.unknown_action"]
    [entry] = await _audit_after(seeded, last)
    assert (entry.action, entry.outcome) == ("case.delete_all", "refused")


NOT_YET_WIRED_PHRASES = frozenset({"saksliste", "agenda"})
"""Phrases of features still being built (agenda/notice); the rest must all be wired."""


async def test_chat_commands_are_refused_for_the_wrong_role(seeded: BotHarness) -> None:
    bot = seeded
    phrases = set(PHRASES) | set(bot.app[BOT]._phrases)
    wired = [(text_, who, audited_as) for text_, who, audited_as in COMMANDS if text_ in phrases]
    assert len(wired) >= len(COMMANDS) - len(NOT_YET_WIRED_PHRASES)
    for text_, who, audited_as in wired:
        last, before = await _last_audit(bot), await _domain_digest(bot)
        replies_before = len(bot.connector.activities())
        await bot.say(who, text_)
        replies = bot.connector.activities()[replies_before:]
        shown = [r.get("text") or "" for r in replies]
        shown += [b for r in replies for c in cards_in(r) for b in banner_texts(c)]
        keys = [message_key(s) for s in shown if s]
        assert keys and all(keys), (text_, shown)
        refused = [e.action for e in await _audit_after(bot, last) if e.outcome == "refused"]
        assert refused == ([audited_as] if audited_as else []), (text_, refused)
        assert await _domain_digest(bot) == before


# ------------------------------------------------------------ 4. anonymous evaluations


async def test_evaluation_answers_carry_no_link_to_the_person(
    seeded: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = seeded
    columns = set(EvaluationAnswer.model_fields)
    assert columns == {"token_hash", "evaluation_id", "ratings", "comment"}, columns
    async with bot.sessions() as session:
        evaluation = (await session.exec(select(Evaluation))).one()
    statements = json.loads(evaluation.questions)["statements"]
    ratings = {f"q{i + 1}": "2" for i in range(len(next(iter(statements.values()))))}
    last = await _last_audit(bot)
    comment = "Hemmelig kommentar 7f3a"
    _, payload = await bot.act(
        MEMBER, "evaluation.answer", {"evaluation_id": 1, **ratings, "comment": comment}
    )
    assert not banner_texts(payload["value"])
    entries = await _audit_after(bot, last)
    assert entries, "the answer is audited (that someone answered, not what)"
    for entry in entries:
        assert comment not in entry.detail and '"2"' not in entry.detail
    async with bot.sessions() as session:
        [answer] = (await session.exec(select(EvaluationAnswer))).all()
    assert answer.comment == comment
    assert all(comment not in record.getMessage() for record in caplog.records)
    formatted = "\n".join(ContextFormatter().format(r) for r in caplog.records)
    assert comment not in formatted
    _, payload = await bot.act(SECRETARY, "evaluation.close", {"evaluation_id": 1})
    assert comment not in json.dumps(payload), "one answer: no results shown (fewer than 3)"


# ----------------------------------------------------------------------- 5. logging

PERSONAL_KEYS = frozenset(
    {"email", "mail", "upn", "name", "names", "person_name", "comment", "text", "title"}
)
PERSONAL_ATTRIBUTES = frozenset({"email", "user_principal_name", "comment", "text", "title"})
PEOPLE = frozenset(
    {"actor", "person", "member", "sender", "user", "deputy", "caller", "from_property"}
)
"""``x.name`` is logged only when ``x`` is none of these (an engine dialect, an invoke name)."""


def _fixed(node: ast.expr) -> bool:
    """A message built only of string constants (a condition may choose between them)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.IfExp):
        return _fixed(node.body) and _fixed(node.orelse)
    if isinstance(node, ast.BinOp):
        return _fixed(node.left) and _fixed(node.right)
    return False


def _personal(value: ast.expr) -> list[str]:
    found: list[str] = []
    for inner in ast.walk(value):
        if not isinstance(inner, ast.Attribute):
            continue
        owner = inner.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if inner.attr in PERSONAL_ATTRIBUTES or (inner.attr == "name" and owner_name in PEOPLE):
            found.append(f"{owner_name}.{inner.attr}")
    return found


def _log_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"debug", "info", "warning", "error", "exception", "critical"}
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"log", "logger", "logging"}
        ):
            yield node


def test_log_calls_name_ids_never_personal_fields() -> None:
    """Every log call in the app: a fixed message, and `extra` keys that are ids and counts."""
    offences: list[str] = []
    calls = 0
    for package in ("bot", "dialogs", "cards", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for call in _log_calls(tree):
                calls += 1
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                if call.args and not _fixed(call.args[0]):
                    offences.append(f"{where}: the message is not a fixed string")
                for argument in call.args[1:]:
                    offences += [f"{where}: logs {x}" for x in _personal(argument)]
                for keyword in call.keywords:
                    if keyword.arg != "extra" or not isinstance(keyword.value, ast.Dict):
                        continue
                    for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                        name = key.value if isinstance(key, ast.Constant) else None
                        if name in PERSONAL_KEYS:
                            offences.append(f"{where}: extra key {name!r}")
                        offences += [f"{where}: logs {x}" for x in _personal(value)]
    assert calls > 50
    assert not offences, "\n".join(offences)


def _roster() -> tuple[set[str], set[str]]:
    with DEMO_ROSTER.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {r["email"].lower() for r in rows}, {r["name"] for r in rows}


async def test_the_logs_of_a_full_flow_name_no_one(
    seeded: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """App loggers at DEBUG, everything else at the production level (INFO): install, help,
    a case submitted and triaged, a meeting added and cancelled, absence, check-in, an
    evaluation answered and closed, reminders off, language, an unknown command, a refusal,
    a Teams member lookup — no e-mail address or name of anyone in the roster is logged."""
    caplog.set_level(logging.INFO)
    for name in ("bot", "dialogs", "cards", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)
    bot = seeded
    url = bot.connector.url
    stranger = TeamsUser("29:new-device", None, "Per H.")
    bot.connector.set_members(
        stranger.personal_conversation,
        [{"id": "29:new-device", "name": "Per H.", "email": "Per.Haugen@demo.ssu.example"}],
    )
    await bot.post(activities.installation(service_url=url, user=MEMBER))
    for user, text_ in (
        (MEMBER, "hjelp"),
        (stranger, "hjelp"),
        (MEMBER, "mine saker"),
        (MEMBER, "neste møte"),
        (MEMBER, "kan ikke stille"),
        (MEMBER, "påminnelser av"),
        (SECRETARY, "møteplan"),
        (OBSERVER, "hva nå?"),
        (MEMBER, "start evaluering"),
    ):
        await bot.say(user, text_)
    await bot.act(
        SECRETARY,
        "case.triage",
        {"case_id": 1, "route": "ssu", "section": "theme", "minutes": "15"},
    )
    await bot.act(SECRETARY, "meeting.add", {**FORM, "date": f"{NEXT_YEAR}-03-03"})
    await bot.act(
        SECRETARY, "meeting.cancel", {"meeting_id": 2, "step": "submit", "reason": "For få saker"}
    )
    await bot.act(LEADER, "meeting.open", {"meeting_id": 1})
    await bot.act(MEMBER, "attendance.check_in", {"meeting_id": 1})
    await bot.act(MEMBER, "settings.language", {"language": "en"})
    await bot.act(MEMBER, "evaluation.answer", {"evaluation_id": 1, "q1": "4", "comment": "Bra"})
    await bot.act(SECRETARY, "evaluation.close", {"evaluation_id": 1})
    await bot.act(MEMBER, "no.such.verb", {})
    emails, names = _roster()
    formatter = ContextFormatter("%(levelname)s %(name)s: %(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    assert len(lines) > 20, lines
    text_ = "\n".join(lines)
    leaked = sorted(e for e in emails if e in text_.lower()) + sorted(
        n for n in names if n in text_
    )
    assert not leaked, [
        line for line in lines if any(x in line or x in line.lower() for x in leaked)
    ]


async def test_database_errors_never_carry_the_statement_parameters(database_url: str) -> None:
    """A failed statement is logged with its SQL; its parameters (names, e-mails, comments)
    are left out (`hide_parameters`)."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with transaction(sessions) as session:
                await session.exec(  # type: ignore[call-overload]
                    text("INSERT INTO membership (body_code) VALUES (:email)"),
                    params={"email": "per.haugen@demo.ssu.example"},
                )
        assert "per.haugen@demo.ssu.example" not in str(raised.value)
    finally:
        await engine.dispose()


def test_a_mailbox_graph_could_not_read_is_logged_by_fingerprint() -> None:
    fingerprint = mailbox_fingerprint(" Per.Haugen@demo.ssu.example")
    assert fingerprint == mailbox_fingerprint("per.haugen@demo.ssu.example")
    assert len(fingerprint) == 12 and "haugen" not in fingerprint


# ----------------------------------------------------------------------- 6. secrets


@pytest.mark.usefixtures("clean_environment")
def test_settings_have_no_secret_defaults_and_never_show_a_secret() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.microsoft_app_id == "" and settings.local_mode
    assert settings.microsoft_app_password.get_secret_value() == ""
    assert settings.graph_client_secret is None and not settings.graph_configured
    assert isinstance(Settings.model_fields["microsoft_app_password"].default, SecretStr)
    secret_fields = {
        name
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }
    assert secret_fields == {"microsoft_app_password", "graph_client_secret", "document_key"}
    assert settings.document_key is None
    configured = Settings(  # type: ignore[call-arg]
        _env_file=None,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="pw-0123456789",
        GRAPH_CLIENT_SECRET="gs-0123456789",
        DATABASE_URL="postgresql+asyncpg://ssu:db-0123456789@db/ssu",
        SSU_DOCUMENT_KEY="dk-0123456789-0123456789-0123456789",
    )
    for shown in (repr(configured), str(configured)):
        assert "pw-0123456789" not in shown and "gs-0123456789" not in shown
        assert "db-0123456789" not in shown and "dk-0123456789" not in shown
    assert "pw-0123456789" not in configured.model_dump_json()
    assert "dk-0123456789" not in configured.model_dump_json()


def test_dotenv_files_are_ignored_by_git() -> None:
    for name in (".env", "docs/.env", "var/ssu-bot.db"):
        result = subprocess.run(
            ["git", "check-ignore", "-q", name], cwd=ROOT, check=False, capture_output=True
        )
        assert result.returncode == 0, f"{name} is not ignored by git"


@pytest.mark.usefixtures("clean_environment")
def test_the_teams_app_package_carries_no_secret() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="pw-0123456789",
        GRAPH_CLIENT_SECRET="gs-0123456789",
        GRAPH_CLIENT_ID="22222222-2222-4222-8222-222222222222",
    )
    for name, content in package_files(settings).items():
        for secret in (b"pw-0123456789", b"gs-0123456789"):
            assert secret not in content, f"{name} carries a secret"
    for path in (ROOT / "appPackage").glob("*.json"):
        keys = list(_keys(json.loads(path.read_text(encoding="utf-8"))))
        assert not [k for k in keys if "password" in k.lower() or "secret" in k.lower()], path


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


# ------------------------------------------------------------ 7. the Playground, tests only


def test_the_agents_playground_is_a_test_tool_only() -> None:
    """It lives under tests/e2e, is no dependency of the app, and refuses to start unless the
    process sits in a loopback-only network namespace (scripts/test makes one)."""
    manifests = [
        p
        for p in ROOT.rglob("package.json")
        if "node_modules" not in p.parts and ".venv" not in p.parts
    ]
    assert manifests and all(p.is_relative_to(ROOT / "tests") for p in manifests), manifests
    assert "agentsplayground" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for package in ("bot", "dialogs", "cards", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            assert "playground" not in path.read_text(encoding="utf-8").lower(), path
    harness = (ROOT / "tests" / "e2e" / "playground.py").read_text(encoding="utf-8")
    assert "assert_loopback_only()" in harness
    runner = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert "unshare" in runner and "ip link set lo up" in runner


# ---------------------------------------------------------------- 8. Graph permissions


GRAPH_PATHS = frozenset({"users.by_user_id", "drives.by_drive_id"})


def test_graph_is_used_app_only_on_the_organizer_calendar_and_the_portal_site() -> None:
    """Client credentials (`/.default`), and only these request builders: the organizer's
    events and getSchedule (Calendars.ReadWrite) and uploads into the portal site's library
    (Sites.ReadWrite.All, or Sites.Selected granted on that one site)."""
    assert graph_scope("https://graph.microsoft.com/v1.0") == "https://graph.microsoft.com/.default"
    used: set[str] = set()
    for path in (ROOT / "bot" / "graph").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "_client"
            ):
                used.add(node.attr)
    assert used <= {"users", "drives", "request_adapter"}, used
    source = (ROOT / "bot" / "graph" / "graph_calendar.py").read_text(encoding="utf-8")
    assert "users.by_user_id(self._organizer)" in source
    documents = (ROOT / "bot" / "graph" / "documents.py").read_text(encoding="utf-8")
    assert "/sites/{site}/drive/root:" in documents


# ------------------------------------------------------------------------ 9. audit log


async def test_the_audit_table_refuses_update_and_delete(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            await audit.append(session, action="test.claim", detail={"n": 1})
        for statement in ("UPDATE auditentry SET outcome = 'ok'", "DELETE FROM auditentry"):
            with pytest.raises(DBAPIError):
                async with transaction(sessions) as session:
                    await session.exec(text(statement))  # type: ignore[call-overload]
        async with sessions() as session:
            assert len(await audit.all_entries(session)) == 1
    finally:
        await engine.dispose()


async def test_the_audit_chain_of_a_flow_verifies_and_detects_an_edit(
    seeded: BotHarness,
) -> None:
    await seeded.act(MEMBER, "meeting.add", {**FORM, "date": f"{NEXT_YEAR}-03-03"})
    await seeded.act(
        SECRETARY, "meeting.cancel", {"meeting_id": 2, "step": "submit", "reason": "Avlyst nå"}
    )
    async with seeded.sessions() as session:
        entries = await audit.all_entries(session)
    assert len(entries) >= 4 and audit.verify_chain(entries).ok
    entries[1].actor_person_id = 999
    report = audit.verify_chain(entries)
    assert not report.ok and report.first_bad_id == entries[1].id


# ------------------------------------------------------------------------- the document

DOCUMENT = ROOT / "docs" / "security.md"
PREFIXES = {
    "fuzz": ROOT / "tests" / "hardening" / "test_fuzz_activities.py",
    "hostile": ROOT / "tests" / "hardening" / "test_hostile_text.py",
    "claims": ROOT / "tests" / "hardening" / "test_security_claims.py",
}


def test_every_test_the_security_document_names_exists() -> None:
    import re

    text_ = DOCUMENT.read_text(encoding="utf-8")
    named = re.findall(r"`(fuzz|hostile|claims)::(test_\w+)`", text_)
    named += [(path, name) for path, name in re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", text_)]
    assert len(named) > 30
    missing = []
    for where, name in named:
        path = PREFIXES.get(where, ROOT / where)
        if f"def {name}(" not in path.read_text(encoding="utf-8"):
            missing.append(f"{where}::{name}")
    assert not missing, missing
    ours = {
        name
        for path in PREFIXES.values()
        for name in re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.M)
    }
    unnamed = sorted(ours - {name for _, name in named} - _NOT_CLAIMS)
    assert not unnamed, f"name these in docs/security.md: {unnamed}"


_NOT_CLAIMS = frozenset({"test_every_test_the_security_document_names_exists"})
