"""The self-evaluation through the running app (real aiohttp app, fake Bot Connector, demo
roster): starting it from the chat, the poll reaching members through the outbox, answering and
changing an answer with Action.Execute, refusals as cards, closing with the results card and its
chart, the CSV for the secretariat, the meeting-ended hook — and no log line with an answer."""

from __future__ import annotations

import base64
import io
import json
import logging
import random
from typing import Any

import pytest
from PIL import Image
from sqlmodel import col, select

from bot.scheduler import sweep_once
from bot.services import evaluation as service
from bot.services.attendance import MeetingEnded
from bot.services.evaluation import SYSTEM, Opened
from bot.services.meetings import MeetingView
from bot.teams.evaluation import EvaluationHandlers, poll_for, split_csv
from cards.base import MAX_CARD_BYTES
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.outbox_tables import OutboxMessage
from tests.bot.services.test_evaluation import MEMBERS, add_meeting
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
LEADER = USERS["hilde.vang@demo.ssu.example"]
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]
VOTERS = [USERS[email] for email in MEMBERS]
MEMBER = VOTERS[0]
SECRET = "Trygghet og retning – hemmelig-merke-5120"


async def _say(bot: BotHarness, user: TeamsUser, text: str) -> dict[str, Any]:
    """Say ``text`` and return the one reply it got."""
    before = len(bot.connector.activities(user.personal_conversation))
    await bot.say(user, text)
    replies = await bot.replies_to(user, count=before + 1)
    return replies[before]


async def _card(bot: BotHarness, user: TeamsUser, text: str) -> dict[str, Any]:
    [document] = list(cards_in(await _say(bot, user, text)))
    return document


async def _act(
    bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    status, body = await bot.act(user, verb, data, **kw)
    assert status == 200, body
    document = body["value"]
    assert isinstance(document, dict) and document["type"] == "AdaptiveCard"
    return document


def _answer(
    evaluation_id: int, meeting_id: int, *ratings: int, comment: str = "", **extra: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "evaluation_id": evaluation_id,
        "meeting_id": meeting_id,
        "comment": comment,
    }
    values.update({f"q{n + 1}": str(r) for n, r in enumerate(ratings)})
    values.update(extra)
    return values


def _token(document: dict[str, Any]) -> str:
    [action] = [a for a in document["actions"] if a["verb"] == "evaluation.answer"]
    token = action["data"]["answer_token"]
    assert isinstance(token, str)
    return token


async def _open(bot: BotHarness, meeting_id: int) -> int:
    async with transaction(bot.sessions) as session:
        result = await service.open_evaluation(
            session, actor=SYSTEM, meeting_id=meeting_id, now=_now(), render=poll_for
        )
    assert isinstance(result, Opened)
    return result.evaluation.id


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _outbox(bot: BotHarness) -> list[OutboxMessage]:
    async with bot.sessions() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        )


# ---------------------------------------------------------------------------------------- start


async def test_the_chair_starts_it_and_the_poll_reaches_the_members(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await add_meeting(bot.sessions)
    await _say(bot, MEMBER, "hjelp")  # the bot now has a personal chat with the member
    start = await _card(bot, LEADER, "start evaluering")
    assert "Start egenevaluering" in card_text(start)
    [button] = start["actions"]
    assert button["data"] == {"meeting_id": meeting_id}
    status = await _act(bot, LEADER, button["verb"], button["data"])
    assert "sendt personlig til 19" in card_text(status)
    assert "0 av 19" in card_text(status)
    report = await sweep_once(bot.app)
    assert report is not None
    polls = [
        document
        for activity in bot.connector.activities(MEMBER.personal_conversation)
        for document in cards_in(activity)
        if "Egenevaluering etter møtet" in card_text(document)
    ]
    assert len(polls) == 1
    assert "Hva er det du ønsker å kjenne på etter SSU-møtet i dag?" in card_text(polls[0])
    again = await _card(bot, LEADER, "start evaluation")
    assert "0 av 19" in card_text(again) or "0 of 19" in card_text(again)


async def test_started_in_the_meeting_chat_the_poll_is_posted_there_too(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    chat = "19:meeting_ZmFrZQ@thread.v2"
    document = await _act(
        bot,
        LEADER,
        "evaluation.start",
        {"meeting_id": meeting_id},
        conversation_id=chat,
        conversation_type="groupChat",
    )
    assert "møtechatten" in card_text(document)
    assert [r.conversation_id for r in await _outbox(bot) if r.conversation_id] == [chat]


async def test_members_cannot_start_or_close_it(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    refused = await _card(bot, MEMBER, "start evaluering")
    assert "Bare leder, nestleder og sekretariatet" in card_text(refused)
    evaluation_id = await _open(bot, meeting_id)
    closed = await _act(bot, MEMBER, "evaluation.close", {"evaluation_id": evaluation_id})
    assert "Bare leder, nestleder og sekretariatet" in card_text(closed)
    nothing = await _act(bot, LEADER, "evaluation.start", {"meeting_id": "999999"})
    assert "Fant ikke noe SSU" in card_text(nothing)


# -------------------------------------------------------------------------------------- answering


async def test_a_member_answers_changes_it_and_cannot_answer_twice(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    first = await _act(
        bot,
        MEMBER,
        "evaluation.answer",
        _answer(evaluation_id, meeting_id, 5, 4, 3, 2, 1, comment=SECRET),
    )
    assert "Takk!" in card_text(first)
    token = _token(first)
    assert "Endre svaret" in card_text(first)
    changed = await _act(
        bot,
        MEMBER,
        "evaluation.answer",
        _answer(evaluation_id, meeting_id, 1, 1, 1, 1, 1, comment="ny", answer_token=token),
    )
    assert "Svaret ditt er endret" in card_text(changed)
    assert _token(changed) == token
    twice = await _act(
        bot, MEMBER, "evaluation.answer", _answer(evaluation_id, meeting_id, 3, 3, 3, 3, 3)
    )
    assert "Du har allerede svart" in card_text(twice)
    status = await _card(bot, MEMBER, "evaluering")
    assert "Du har svart" in card_text(status) and "1 av 19" in card_text(status)


async def test_refused_answers_get_a_clear_card_and_change_nothing(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    other_meeting = await add_meeting(bot.sessions, hours_ago=72)
    cases = [
        (
            OBSERVER,
            _answer(evaluation_id, meeting_id, 5, 5, 5, 5, 5),
            "Bare medlemmene som var til stede",
        ),
        (MEMBER, _answer(999_999, meeting_id, 5, 5, 5, 5, 5), "Fant ikke denne evalueringen"),
        (MEMBER, _answer(evaluation_id, other_meeting, 5, 5, 5, 5, 5), "hører til et annet møte"),
    ]
    for user, data, expected in cases:
        document = await _act(bot, user, "evaluation.answer", data)
        assert expected in card_text(document)
    invalid = await _act(
        bot, MEMBER, "evaluation.answer", _answer(evaluation_id, meeting_id, 4, 4, comment=SECRET)
    )
    assert "Svaret er ikke lagret" in card_text(invalid)
    values = {
        e["id"]: e.get("value")
        for e in invalid["body"]
        if str(e.get("type", "")).startswith("Input.")
    }
    assert values["q1"] == "4" and values.get("q3") is None and values["comment"] == SECRET
    async with bot.sessions() as session:
        view = await service.get_evaluation(session, actor=SYSTEM, evaluation_id=evaluation_id)
    assert not isinstance(view, service.Refused) and view.answered == 0


async def test_no_log_line_links_an_answer_to_a_person(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    first = await _act(
        bot,
        MEMBER,
        "evaluation.answer",
        _answer(evaluation_id, meeting_id, 5, 1, 5, 1, 5, comment=SECRET),
    )
    token = _token(first)
    await _act(
        bot,
        MEMBER,
        "evaluation.answer",
        _answer(evaluation_id, meeting_id, 2, 2, 2, 2, 2, comment=SECRET + "!", answer_token=token),
    )
    standard = set(vars(logging.makeLogRecord({})))
    assert caplog.records
    for record in caplog.records:
        extras = {k: v for k, v in vars(record).items() if k not in standard}
        line = f"{record.getMessage()} {extras!r}"
        assert "hemmelig-merke-5120" not in line, (record.name, line[:300])
        assert token not in line, (record.name, line[:300])


# ------------------------------------------------------------------------------ closing, results


async def _answered_by(
    bot: BotHarness, voters: list[TeamsUser], evaluation_id: int, meeting_id: int
) -> None:
    rng = random.Random(evaluation_id)
    for n, user in enumerate(voters):
        ratings = [rng.randint(2, 5) for _ in range(5)]
        await _act(
            bot,
            user,
            "evaluation.answer",
            _answer(evaluation_id, meeting_id, *ratings, comment=f"Kommentar {n} om møtet"),
        )


async def test_results_are_hidden_until_the_chair_closes(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    await _answered_by(bot, VOTERS[:3], evaluation_id, meeting_id)
    hidden = await _act(bot, MEMBER, "evaluation.results", {"evaluation_id": evaluation_id})
    assert "fortsatt åpen" in card_text(hidden)
    assert "Kommentar" not in card_text(hidden)


async def test_closing_with_fewer_than_three_answers_shows_nothing(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    await _answered_by(bot, VOTERS[:2], evaluation_id, meeting_id)
    results = await _act(bot, LEADER, "evaluation.close", {"evaluation_id": evaluation_id})
    text = card_text(results)
    assert "Færre enn 3 svarte (2)" in text
    assert "Kommentar" not in text and "Snitt" not in text
    late = await _act(
        bot, VOTERS[3], "evaluation.answer", _answer(evaluation_id, meeting_id, 3, 3, 3, 3, 3)
    )
    assert "Evalueringen er avsluttet" in card_text(late)


async def test_closing_shows_means_comments_and_the_trend_chart_under_28_kb(
    bot: BotHarness,
) -> None:
    for days in (90, 60):
        earlier = await add_meeting(bot.sessions, hours_ago=24 * days)
        earlier_id = await _open(bot, earlier)
        await _answered_by(bot, VOTERS[:3], earlier_id, earlier)
        await _act(bot, LEADER, "evaluation.close", {"evaluation_id": earlier_id})
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    await _answered_by(bot, VOTERS, evaluation_id, meeting_id)
    status, body = await bot.act(LEADER, "evaluation.close", {"evaluation_id": evaluation_id})
    assert status == 200
    document = body["value"]
    assert len(json.dumps(document).encode("utf-8")) < MAX_CARD_BYTES
    text = card_text(document)
    assert "5 av 19 som var til stede, svarte" in text
    assert all(f"Kommentar {n} om møtet" in text for n in range(len(VOTERS)))
    assert text.count("Snitt ") == 5
    [image] = [e for e in document["body"] if e.get("type") == "Image"]
    png = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and 400 <= picture.size[0] <= 800
    assert "actions" not in document, "the leader is not the secretariat: no CSV"
    mine = await _card(bot, SECRETARY, "evaluering")
    assert [a["verb"] for a in mine["actions"]] == ["evaluation.csv"]
    member_view = await _act(bot, MEMBER, "evaluation.results", {"evaluation_id": evaluation_id})
    assert card_text(member_view).count("Snitt ") == 5


async def test_the_secretariat_gets_the_csv_in_the_chat(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    evaluation_id = await _open(bot, meeting_id)
    await _answered_by(bot, VOTERS[:3], evaluation_id, meeting_id)
    await _act(bot, LEADER, "evaluation.close", {"evaluation_id": evaluation_id})
    reply = await _say(bot, SECRETARY, "evaluering csv")
    text = reply["text"]
    assert "```" in text and "møtedato,organ,evaluering,til_stede,svarte" in text
    assert text.count("\r\n") >= 6 or text.count("\n") >= 6
    assert "Kommentar" not in text, "aggregated only: no comments"
    refused = await _card(bot, MEMBER, "evaluering csv")
    assert "bare sekretariatet kan eksportere" in card_text(refused)
    before = len(bot.connector.activities(SECRETARY.personal_conversation))
    document = await _act(bot, SECRETARY, "evaluation.csv", {"evaluation_id": evaluation_id})
    assert "resultater" in card_text(document)
    sent = await bot.replies_to(SECRETARY, count=before + 1)
    assert "```" in sent[before]["text"]


async def test_evaluering_offers_the_poll_to_a_member_who_has_not_answered(bot: BotHarness) -> None:
    assert "ingen egenevaluering" in (await _say(bot, MEMBER, "evaluering"))["text"]
    evaluation_id = await _open(bot, await add_meeting(bot.sessions))
    poll = await _card(bot, MEMBER, "evaluering")
    assert "Egenevaluering etter møtet" in card_text(poll)
    observer = await _card(bot, OBSERVER, "evaluering")
    assert "Resultatene vises når evalueringen er avsluttet" in card_text(observer)
    assert evaluation_id


# --------------------------------------------------------------------------------- meeting ended


async def test_the_meeting_ended_hook_opens_it_for_those_present(bot: BotHarness) -> None:
    meeting_id = await add_meeting(bot.sessions)
    async with bot.sessions() as session:
        row = await session.get(Meeting, meeting_id)
        assert row is not None
        meeting = MeetingView.of(row)
        present = frozenset(
            p for p in [await _person_id(session, u) for u in (*VOTERS[:4], OBSERVER)] if p
        )

    handlers = EvaluationHandlers()
    async with transaction(bot.sessions) as session:
        await handlers.meeting_ended(session, MeetingEnded(meeting, _now(), present, held=True))
        await handlers.meeting_ended(session, MeetingEnded(meeting, _now(), frozenset(), True))
    async with bot.sessions() as session:
        evaluation = await service.latest_evaluation(session, actor=SYSTEM)
    assert evaluation is not None and evaluation.eligible == 4
    assert len([r for r in await _outbox(bot) if r.kind == service.KIND_POLL]) == 4
    listeners = [getattr(listener, "__self__", None) for listener in _hooks(bot)]
    assert any(isinstance(owner, EvaluationHandlers) for owner in listeners)


def _hooks(bot: BotHarness) -> list[Any]:
    from bot.teams.attendance import HOOKS

    return list(bot.app[HOOKS].ended)


async def _person_id(session: Any, user: TeamsUser) -> int | None:
    from storage.models import Person

    row = (
        await session.exec(select(Person).where(Person.aad_object_id == user.aad_object_id))
    ).first()
    return row.id if row is not None else None


async def test_closing_the_meeting_opens_it_for_those_checked_in(bot: BotHarness) -> None:
    """The real hook: the chair closes the meeting (attendance feature), the evaluation opens for
    the members recorded present, and only they may answer."""
    from bot.services import attendance as attendance_service
    from bot.teams.attendance import HOOKS
    from storage.attendance_tables import Attendance

    meeting_id = await add_meeting(bot.sessions, state="notice_published")
    async with transaction(bot.sessions) as session:
        for user in (*VOTERS[:3], OBSERVER):
            person_id = await _person_id(session, user)
            assert person_id is not None
            session.add(
                Attendance(
                    meeting_id=meeting_id, person_id=person_id, status="present", source="self"
                )
            )
    leader = await _actor(bot, LEADER)
    async with transaction(bot.sessions) as session:
        closed = await attendance_service.close_meeting(
            session, actor=leader, meeting_id=meeting_id, now=_now(), hooks=bot.app[HOOKS]
        )
    assert not isinstance(closed, attendance_service.Refused)
    async with bot.sessions() as session:
        evaluation = await service.latest_evaluation(session, actor=SYSTEM)
    assert evaluation is not None and evaluation.meeting.id == meeting_id
    assert evaluation.eligible == 3
    late = await _act(
        bot, VOTERS[3], "evaluation.answer", _answer(evaluation.id, meeting_id, 3, 3, 3, 3, 3)
    )
    assert "Bare medlemmene som var til stede" in card_text(late)
    ok = await _act(
        bot, VOTERS[0], "evaluation.answer", _answer(evaluation.id, meeting_id, 3, 3, 3, 3, 3)
    )
    assert "Takk!" in card_text(ok)


async def _actor(bot: BotHarness, user: TeamsUser) -> Any:
    from bot.services.identity import Caller, resolve_actor

    async with transaction(bot.sessions) as session:
        return await resolve_actor(
            session, caller=Caller(user.aad_object_id, user.teams_id, user.name, "nb")
        )


def test_a_long_csv_is_split_under_the_limit_with_the_header_each_time() -> None:
    header = "a,b\r\n"
    text = header + "".join(f"{n},{'x' * 40}\r\n" for n in range(100))
    pieces = split_csv(text, limit=500)
    assert len(pieces) > 1
    assert all(p.startswith(header) and len(p.encode()) <= 500 for p in pieces)
    assert "".join(p.removeprefix(header) for p in pieces) == text.removeprefix(header)
    assert split_csv(header) == [header]
