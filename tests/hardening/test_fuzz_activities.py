"""Property-based fuzzing of the running app over HTTP (hypothesis, bounded).

Arbitrary JSON, activities with random, missing or wrongly typed fields, card actions with every
registered verb (and made-up ones) and random data, and payloads near the 256 KB limit, sent to
`/api/messages` of the real app on loopback, replies recorded by the fake Bot Connector.

The properties, for every request:
- never a 5xx, and the app still answers `/healthz` afterwards;
- never a crash: no apology card or message, no ERROR log line;
- a refusal (a 4xx, an error card, an error message) writes nothing: a 4xx not a single row; an
  error card or message nothing but the conversation reference, the audit log and the dialog
  state; an accepted harmless turn (text that is no command) the same;
- every refusal a user sees is a clear message from the catalogue — in Norwegian unless the
  Teams locale is English — and no reply carries a traceback or an exception's class name;
- every card is still a valid Adaptive Card under 28 KB.

A failure prints the shrunk request. Examples are few (the whole file runs in well under a
minute) but the strategies put the weight on the edges: every verb, every input id of the card
catalogue, wrong types, the hostile corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from bot.app import BOT, ENGINE
from bot.domain.calendar import Body, MeetingForm, deadlines_for, to_oslo
from bot.domain.meeting_rules import meeting_title
from bot.domain.meeting_state import MeetingState
from bot.teams.commands import PHRASES, normalise, parse_command
from cards.registry import build_all
from storage.db import transaction
from storage.meeting_tables import Meeting
from tests.hardening.hostile import (
    CORPUS,
    banner_texts,
    card_problems,
    message_key,
    no_traceback,
)
from tests.support import activities
from tests.support.activities import UNKNOWN, TeamsUser
from tests.support.harness import BotHarness, cards_in, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
DEPUTY = USERS["geir.lie@demo.ssu.example"]
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]
SENDERS = (SECRETARY, LEADER, MEMBER, DEPUTY, OBSERVER, UNKNOWN)

SCALE = float(os.environ.get("SSU_FUZZ_SCALE", "1"))
"""More examples for a deeper run: ``SSU_FUZZ_SCALE=20 scripts/test tests/hardening``."""


def examples(n: int) -> int:
    return max(1, round(n * SCALE))


FUZZ = settings(
    max_examples=examples(50),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
ALLOWED_WRITES = frozenset({"auditentry", "conversationref", "botstate"})
"""What a refused or harmless turn may change: where the conversation is, the audit log of the
refusal, and the dialog's memory. Every other table must be exactly as it was."""
IGNORED_COLUMNS = {"person": {"teams_user_id"}}
"""Identity upkeep on every turn (the sender's current Teams id), not a write of the request."""
ERROR_KEYS_SHOWN_AS_TEXT = frozenset(
    {
        "error.unknown_command",
        "error.too_long",
        "error.stale_card",
        "error.wrong_tenant",
        "error.unknown_person",
        "error.not_allowed",
        "case.hint",
        "language.invalid",
    }
)
LOGGERS = ("bot", "dialogs", "cards", "storage", "aiohttp.server", "aiohttp.web")


# ------------------------------------------------------------------------------------ the app


@dataclass
class Fuzzed:
    """The running app with something in it for ids to hit: a held meeting with an open
    evaluation, a planned meeting, and a submitted case."""

    bot: BotHarness
    verbs: tuple[str, ...]
    phrases: tuple[str, ...]
    caplog: pytest.LogCaptureFixture
    tables: dict[str, list[str]] = field(default_factory=dict)


async def _insert_meeting(bot: BotHarness, *, start: datetime, state: MeetingState) -> int:
    local = to_oslo(start).replace(second=0, microsecond=0)
    end = local + timedelta(hours=5)
    deadlines = deadlines_for(Body.SSU, local, end)
    async with transaction(bot.sessions) as session:
        row = Meeting(
            body="SSU",
            title=meeting_title(Body.SSU, local, end),
            start_at=local.astimezone(UTC),
            end_at=end.astimezone(UTC),
            year=local.year,
            form=MeetingForm.physical.value,
            online=False,
            location="Hamar",
            state=state.value,
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def _seed(bot: BotHarness) -> None:
    now = datetime.now(UTC)
    held = await _insert_meeting(bot, start=now - timedelta(days=1), state=MeetingState.HELD)
    await _insert_meeting(bot, start=now + timedelta(days=60), state=MeetingState.PLANNED)
    await bot.act(SECRETARY, "evaluation.start", {"meeting_id": held})
    case = {
        "intent": "submit",
        "title": "Sak",
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Leder",
        "case_type": "theme",
        "background": "Bakgrunn",
        "assessment": "Vurdering",
        "economic_impact": "none",
    }
    _, body = await bot.act(MEMBER, "case.submit", case)
    confirm = [
        a["data"] for a in body["value"].get("actions", []) if a["data"].get("intent") == "confirm"
    ]
    await bot.act(MEMBER, "case.submit", confirm[0])


async def _tables(bot: BotHarness) -> dict[str, list[str]]:
    async with bot.app[ENGINE].connect() as connection:

        def read(sync: Any) -> dict[str, list[str]]:
            inspector = inspect(sync)
            return {
                name: [c["name"] for c in inspector.get_columns(name)]
                for name in inspector.get_table_names()
            }

        return await connection.run_sync(read)


@pytest.fixture
async def fuzzed(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Fuzzed]:
    await _seed(bot)
    handler = bot.app[BOT]
    verbs = tuple(sorted(handler._actions.handlers))
    phrases = tuple(sorted(set(PHRASES) | set(handler._phrases)))
    state = Fuzzed(bot, verbs, phrases, caplog)
    state.tables = await _tables(bot)
    yield state


# --------------------------------------------------------------------------------- snapshots


async def snapshot(state: Fuzzed) -> dict[str, str]:
    """A digest of every row of every table (identity upkeep columns left out)."""
    digests: dict[str, str] = {}
    async with state.bot.app[ENGINE].connect() as connection:
        for table, columns in sorted(state.tables.items()):
            kept = [c for c in columns if c not in IGNORED_COLUMNS.get(table, set())]
            names = ", ".join(f'"{c}"' for c in kept)
            rows = (await connection.execute(text(f'SELECT {names} FROM "{table}"'))).all()
            encoded = "\n".join(sorted(repr(tuple(row)) for row in rows))
            digests[table] = f"{len(rows)}:{hashlib.sha1(encoded.encode()).hexdigest()}"
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    }


# ------------------------------------------------------------------------------ strategies

HOSTILE = st.sampled_from([entry.text for entry in CORPUS])
WEIRD_IDS = st.sampled_from(
    ["1", "2", "3", "0", "-1", "²", "١", "999999999999", "1e3", " 1 ", "1.0", "", "null", "x"]
)
TEXTS = st.one_of(st.text(max_size=40), HOSTILE, st.sampled_from(sorted(PHRASES)))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXTS,
    WEIRD_IDS,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _catalogue_keys() -> tuple[str, ...]:
    """Every input id and action data key of every card in the catalogue, plus the ids the
    verbs read that only live in the bot's own cards (evaluation and attendance)."""
    keys: set[str] = {
        "meeting_id", "case_id", "evaluation_id", "person_id", "status", "step", "year",
        "confirm", "intent", "draft_id", "language", "reason", "comment", "answer_token",
        "q1", "q2", "q3", "q4", "q5", "q6", "route", "section", "minutes", "meeting",
    }  # fmt: skip

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str) and str(node.get("type", "")).startswith("Input."):
                keys.add(node["id"])
            if node.get("type") == "Action.Execute" and isinstance(node.get("data"), dict):
                keys.update(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(build_all().values()))
    return tuple(sorted(keys))


INPUT_KEYS = _catalogue_keys()
DATA = st.dictionaries(
    st.one_of(st.sampled_from(INPUT_KEYS), st.text(max_size=8)),
    st.one_of(SCALARS, WEIRD_IDS, JSON),
    max_size=8,
)
MISSING = object()


def _maybe(strategy: st.SearchStrategy[Any], keep: Any) -> st.SearchStrategy[Any]:
    """The valid value (9 times in 10), else missing, a random JSON value, or the strategy's:
    most examples break one or two fields, so most reach the turn and not only the edge."""
    mutated = st.one_of(st.just(MISSING), JSON, strategy)
    return st.integers(0, 9).flatmap(lambda n: mutated if n == 0 else st.just(keep))


@st.composite
def activities_(draw: st.DrawFn, verbs: tuple[str, ...], phrases: tuple[str, ...]) -> dict:
    """A Teams-like activity with every field possibly missing, mistyped or hostile."""
    user = draw(st.sampled_from(SENDERS))
    kind = draw(
        st.sampled_from(
            ["message", "message", "invoke", "invoke", "invoke", "conversationUpdate",
             "installationUpdate", "event", "messageReaction", "typing", "handoff", ""]
        )
    )  # fmt: skip
    base = activities.activity(kind, service_url="{connector}", user=user)
    base["text"] = draw(st.one_of(TEXTS, st.sampled_from(phrases)))
    verb = draw(st.one_of(st.sampled_from(verbs), st.sampled_from(verbs), TEXTS))
    action = {"type": "Action.Execute", "verb": verb, "data": draw(DATA)}
    base["name"] = "adaptiveCard/action"
    base["value"] = {"action": action, "trigger": "manual"}
    mutations = {
        "type": _maybe(st.sampled_from(["message", "invoke", "MESSAGE", "Invoke"]), kind),
        "text": _maybe(TEXTS, base["text"]),
        "value": _maybe(
            st.fixed_dictionaries(
                {"action": st.fixed_dictionaries({"type": JSON, "verb": JSON, "data": JSON})}
            ),
            base["value"],
        ),
        "name": _maybe(
            st.sampled_from(["task/fetch", "composeExtension/query", ""]), "adaptiveCard/action"
        ),
        "from": _maybe(
            st.fixed_dictionaries(
                {"id": st.one_of(TEXTS, WEIRD_IDS), "aadObjectId": JSON, "name": TEXTS}
            ),
            base["from"],
        ),
        "conversation": _maybe(
            st.fixed_dictionaries(
                {"id": TEXTS, "conversationType": JSON, "tenantId": JSON, "isGroup": JSON}
            ),
            base["conversation"],
        ),
        "channelData": _maybe(
            st.fixed_dictionaries({"tenant": JSON, "team": JSON, "meeting": JSON}),
            base["channelData"],
        ),
        "entities": _maybe(st.lists(JSON, max_size=3), MISSING),
        "attachments": _maybe(st.lists(JSON, max_size=3), MISSING),
        "locale": _maybe(st.sampled_from(["en-US", "nb-NO", "xx", "EN", "", "en"]), user.locale),
        "recipient": _maybe(st.fixed_dictionaries({"id": TEXTS}), base["recipient"]),
        "id": _maybe(TEXTS, base["id"]),
        "timestamp": _maybe(TEXTS, base["timestamp"]),
        "channelId": _maybe(st.sampled_from(["msteams", "emulator", "webchat"]), "msteams"),
        "replyToId": _maybe(TEXTS, MISSING),
        "action": _maybe(st.sampled_from(["add", "remove"]), MISSING),
    }
    for name, strategy in mutations.items():
        value = draw(strategy)
        if value is MISSING:
            base.pop(name, None)
        else:
            base[name] = value
    return base


# --------------------------------------------------------------------------------- checking


def _bind(body: Any, connector_url: str) -> Any:
    if isinstance(body, dict) and body.get("serviceUrl") == "{connector}":
        return {**body, "serviceUrl": connector_url}
    return body


def _locale_of(body: Any) -> str:
    locale = body.get("locale") if isinstance(body, dict) else None
    return locale if isinstance(locale, str) else ""


async def send_and_check(
    state: Fuzzed,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    check_writes: bool = True,
) -> tuple[int, Any]:
    """Send one request and check every property; returns (status, payload)."""
    bot = state.bot
    body = _bind(body, bot.connector.url)
    state.caplog.clear()
    replies_before = len(bot.connector.activities())
    before = await snapshot(state) if check_writes else {}
    status, payload = await bot.post(body, raw=raw, headers=headers)
    after = await snapshot(state) if check_writes else {}
    replies = bot.connector.activities()[replies_before:]
    sent = body if raw is None else raw.decode("utf-8", "replace")

    assert status < 500, (status, payload)
    assert bot.server is not None and bot.http is not None
    async with bot.http.get(bot.server.make_url("/healthz")) as health:
        assert health.status == 200, "the app no longer answers /healthz"
    errors = [
        r for r in state.caplog.records if r.levelno >= logging.ERROR and r.name.startswith(LOGGERS)
    ]
    assert not errors, [f"{r.name}: {r.getMessage()} {r.exc_info}" for r in errors]
    assert not no_traceback(payload, sent=sent), payload
    for reply in replies:
        assert not no_traceback(reply, sent=sent), reply
        assert message_key(reply.get("text") or "") != "error.apology", reply

    if status >= 400:
        wrote = changed(before, after) - (ALLOWED_WRITES if turn_ran(payload) else set())
        assert not wrote, f"a {status} wrote to {wrote}"
        return status, payload

    refused = False
    documents = [d for reply in replies for d in cards_in(reply)]
    if isinstance(payload, dict) and isinstance(payload.get("value"), dict):
        card = payload["value"]
        if card.get("type") == "AdaptiveCard":
            documents.append(card)
            banners = [message_key(text) for text in banner_texts(card)]
            assert "error.apology" not in banners, card
            if banners:
                assert all(banners), f"an error card without a catalogue message: {card}"
                refused = True
    for document in documents:
        assert not card_problems(document), card_problems(document)
    keys = [message_key(reply.get("text") or "") for reply in replies if reply.get("text")]
    if any(key in ERROR_KEYS_SHOWN_AS_TEXT for key in keys):
        refused = True
    text_turn = isinstance(body, dict) and body.get("type") == "message"
    harmless = text_turn and all(key in ERROR_KEYS_SHOWN_AS_TEXT for key in keys) and keys
    if refused or harmless:
        wrote = changed(before, after) - ALLOWED_WRITES
        assert not wrote, f"a refused turn wrote to {wrote}: {keys} {banners_of(documents)}"
    return status, payload


def turn_ran(payload: Any) -> bool:
    """Whether a 4xx came from inside a turn: botbuilder's answer to a malformed card action
    (a JSON error) or to an invoke no handler implements, given after the conversation reference
    was saved. A request refused at the edge leaves every table as it was."""
    return isinstance(payload, dict) or payload == "invoke not handled"


def banners_of(documents: list[dict[str, Any]]) -> list[str]:
    return [text for document in documents for text in banner_texts(document)]


# ------------------------------------------------------------------------------------- tests


@settings(FUZZ, max_examples=examples(60))
@given(data=st.data())
async def test_random_activities_never_crash_or_write_half(
    fuzzed: Fuzzed, data: st.DataObject
) -> None:
    body = data.draw(activities_(fuzzed.verbs, fuzzed.phrases), label="activity")
    status, payload = await send_and_check(fuzzed, body)
    event(f"HTTP {status} {payload if status >= 400 else ''}"[:60])


@FUZZ
@given(data=st.data())
async def test_card_actions_with_random_data_never_crash_or_write_half(
    fuzzed: Fuzzed, data: st.DataObject
) -> None:
    user = data.draw(st.sampled_from(SENDERS), label="user")
    verb = data.draw(st.sampled_from(fuzzed.verbs), label="verb")
    values = data.draw(DATA, label="data")
    body = activities.card_action(verb, values, service_url="{connector}", user=user)
    _, payload = await send_and_check(fuzzed, body)
    refused = bool(banner_texts(payload["value"]))
    event("error card" if refused else "accepted")


@settings(FUZZ, max_examples=examples(25))
@given(
    value=JSON,
    raw=st.one_of(
        st.binary(max_size=64),
        st.integers(min_value=1, max_value=60_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(min_value=1, max_value=30_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
        st.sampled_from([b"", b"{", b'{"type":', b"null", b"[]", b'"x"', b"\xff\xfe", b"1e999"]),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form"]),
)
async def test_arbitrary_bodies_are_refused_with_a_4xx_and_write_nothing(
    fuzzed: Fuzzed, value: Any, raw: bytes, content_type: str
) -> None:
    status, _ = await send_and_check(fuzzed, value)
    assert status in {400, 415} or isinstance(value, dict), status
    status, _ = await send_and_check(fuzzed, raw=raw, headers={"Content-Type": content_type})
    assert 400 <= status < 500


@settings(FUZZ, max_examples=examples(12))
@given(
    size=st.integers(min_value=200_000, max_value=300_000),
    where=st.sampled_from(["text", "value", "channelData", "entities", "from"]),
    depth=st.integers(min_value=1, max_value=3_000),
)
async def test_payloads_near_the_256_kb_limit_are_handled_or_refused(
    fuzzed: Fuzzed, size: int, where: str, depth: int
) -> None:
    """Text, data nested ``depth`` deep (written as raw JSON: Python's encoder would give up
    first) or both, somewhere in an activity of about ``size`` bytes."""
    filler = "ø" * (size // 2)  # two bytes each in UTF-8
    if where == "value":
        body = activities.card_action(
            "case.submit", {"title": "@@"}, service_url="{connector}", user=MEMBER
        )
    else:
        body = activities.message("hjelp", service_url="{connector}", user=MEMBER)
        if where == "text":
            body["text"] = "@@"
        elif where == "from":
            body["from"]["name"] = "@@"
        else:
            body[where] = "@@"
    nested = "[" * depth + json.dumps(filler) + "]" * depth
    if where in {"text", "from"}:
        nested = json.dumps(filler)
    bound = json.dumps(_bind(body, fuzzed.bot.connector.url))
    raw = bound.replace('"@@"', nested, 1).encode("utf-8")
    status, _ = await send_and_check(fuzzed, raw=raw, headers={"Content-Type": "application/json"})
    if len(raw) > 256 * 1024:
        assert status == 413, (status, len(raw))
    else:
        assert status in {200, 201, 400}, (status, len(raw))


VALUE_KINDS: tuple[Any, ...] = (None, 2**63, "²", {"a": [1]})


async def test_every_registered_verb_takes_every_value_type_in_every_input(
    fuzzed: Fuzzed,
) -> None:
    """Not sampled: each verb × each kind of value, in every input id at once, from the
    secretariat and from a member in turn (the write checks are the sampled tests' job)."""
    assert {"case.submit", "meeting.add", "evaluation.answer"} <= set(fuzzed.verbs)
    for verb in fuzzed.verbs:
        for n, value in enumerate(VALUE_KINDS):
            user = (SECRETARY, MEMBER)[n % 2]
            data = dict.fromkeys(INPUT_KEYS, value)
            body = activities.card_action(verb, data, service_url="{connector}", user=user)
            await send_and_check(fuzzed, body, check_writes=False)


@settings(FUZZ, max_examples=examples(20))
@given(
    locale=st.one_of(st.sampled_from(["en-US", "en", "EN-gb", "nb-NO", "nn-NO", "sv", ""]), TEXTS),
    verb=st.one_of(st.just("no.such.verb"), st.sampled_from(["case.triage", "meeting.move"])),
    text=TEXTS,
    n=st.integers(min_value=0, max_value=10**6),
)
async def test_refusals_are_in_norwegian_unless_teams_says_english(
    fuzzed: Fuzzed, locale: str, verb: str, text: str, n: int
) -> None:
    """People unknown to the roster have no stored language: the Teams locale decides."""
    assume(parse_command(text) is None and normalise(text) not in fuzzed.phrases)
    stranger = TeamsUser(f"29:fuzz-{n}", f"00000000-0000-4000-8000-{n:012d}", "Fuzz", locale)
    language = "en" if locale.strip().lower().startswith("en") else "nb"
    replies_before = len(fuzzed.bot.connector.activities())
    status, _ = await send_and_check(
        fuzzed, activities.message(text, service_url="{connector}", user=stranger)
    )
    for reply in fuzzed.bot.connector.activities()[replies_before:]:
        assert message_key(reply.get("text") or "", language), (language, reply)
    data = {"case_id": text, "meeting_id": text, "step": "submit"}
    body = activities.card_action(verb, data, service_url="{connector}", user=stranger)
    status, payload = await send_and_check(fuzzed, body)
    assert status == 200
    banners = banner_texts(payload["value"])
    assert banners and all(message_key(b, language) for b in banners), (language, banners)


# ----------------------------------------------------------------- the bugs this file found


async def test_json_nested_past_the_parser_limit_is_a_400_not_a_500(fuzzed: Fuzzed) -> None:
    status, _ = await send_and_check(fuzzed, raw=b"[" * 100_000 + b"]" * 100_000)
    assert status == 400


async def test_a_malformed_card_action_value_is_a_400_not_a_500(fuzzed: Fuzzed) -> None:
    """No `value.action` object: refused at the edge. An action that is not Action.Execute:
    botbuilder's own 400 with its error body (which it could not serialise before)."""
    for value in ("x", [1], {"action": "x"}, {"action": [1]}, None):
        body = activities.card_action("case.submit", None, service_url="{connector}", user=MEMBER)
        body["value"] = value
        status, _ = await send_and_check(fuzzed, body)
        assert status == 400, value
    for action in ({"type": "Action.Submit"}, {"type": None, "verb": "case.submit"}, {}):
        body = activities.card_action("case.submit", None, service_url="{connector}", user=MEMBER)
        body["value"] = {"action": action}
        status, payload = await send_and_check(fuzzed, body)
        assert status == 400, action
        assert payload["type"] == "application/vnd.microsoft.error"
        assert set(payload["value"]) == {"code", "message"}


async def test_an_invoke_no_handler_implements_is_a_400_not_a_501(fuzzed: Fuzzed) -> None:
    for name in ("task/fetch", "composeExtension/query", "", "signin/verifyState", 7):
        body = activities.card_action("help.show", None, service_url="{connector}", user=MEMBER)
        body["name"] = name
        status, _ = await send_and_check(fuzzed, body)
        assert status == 400, name


async def test_a_card_action_whose_turn_fails_gets_the_apology_card(fuzzed: Fuzzed) -> None:
    """Not a bare 501: the person is told, with a reference for the log line."""
    from storage import conversations

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("database went away")

    original = conversations.upsert_reference
    conversations.upsert_reference = broken  # type: ignore[assignment]
    try:
        status, payload = await fuzzed.bot.act(MEMBER, "help.show")
    finally:
        conversations.upsert_reference = original  # type: ignore[assignment]
    assert status == 200
    [banner] = banner_texts(payload["value"])
    assert message_key(banner, "nb") == "error.apology"
    assert not no_traceback(payload)


ID_COLUMNS = (
    ("serviceUrl", 500),
    ("conversation.id", 400),
    ("from.id", 200),
    ("from.aadObjectId", 64),
    ("conversation.tenantId", 64),
    ("conversation.conversationType", 32),
    ("channelData.team.id", 400),
)


async def test_ids_longer_than_any_teams_id_are_refused_with_400(bot_on: BotHarness) -> None:
    """On PostgreSQL such an id overflowed its column mid-turn (the turn failed)."""
    for path, limit in ID_COLUMNS:
        for length, refused in ((limit + 1, True), (limit, False)):
            body = activities.message("hjelp", service_url=bot_on.connector.url, user=UNKNOWN)
            node = body
            *parents, leaf = path.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = (body["serviceUrl"] if leaf == "serviceUrl" else "") + "x" * length
            node[leaf] = node[leaf][:length]
            status, _ = await bot_on.post(body)
            assert (status == 400) == refused, (path, length, status)


INTEGER_VERBS = (
    ("meeting.move", "meeting_id"),
    ("meeting.list", "year"),
    ("meeting.plan.show", "year"),
    ("evaluation.status", "evaluation_id"),
    ("attendance.refresh", "meeting_id"),
    ("meeting.absence", "meeting_id"),
)


async def test_ids_that_are_no_database_integer_are_refused_not_crashed(
    bot_on: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """`"²".isdigit()` is true yet `int("²")` fails; ids past 2**31-1 fail PostgreSQL queries."""
    for verb, key in INTEGER_VERBS:
        for value in ("²", "١٢", "999999999999", 2**31, 10**20, -(2**40), "9" * 5000):
            status, payload = await bot_on.act(SECRETARY, verb, {key: value})
            assert status == 200
            banners = banner_texts(payload["value"])
            assert "error.apology" not in [message_key(b) for b in banners], (verb, value)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_nul_and_unpaired_surrogates_are_cleaned_at_the_edge(
    bot_on: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL refuses NUL in text and no UTF-8 database holds a lone surrogate."""
    hostile = "a\x00b\ud800c"
    for where in ("text", "from.name", "verb", "data", "aadObjectId"):
        body = activities.card_action("x", {}, service_url=bot_on.connector.url, user=UNKNOWN)
        if where == "text":
            body["type"], body["text"] = "message", hostile
        elif where == "from.name":
            body["from"]["name"] = hostile
        elif where == "aadObjectId":
            body["from"]["aadObjectId"] = hostile
        elif where == "verb":
            body["value"]["action"]["verb"] = hostile
        else:
            body["value"]["action"]["verb"] = "case.submit"
            body["value"]["action"]["data"] = {"title": hostile, hostile: hostile}
        status, _ = await bot_on.post(body)
        assert status == (
            400 if where == "aadObjectId" else 200 if body["type"] == "invoke" else 201
        )
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
