"""Attendance through the running app, on SQLite and PostgreSQL: ``kan ikke stille`` and the
``meeting.absence`` verb, Teams meetingStart/meetingEnd events as activities in a meeting chat,
``åpne møte``/``avslutt møte``, check-in and the secretariat's corrections with their refusals
(forged ids included), all audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationAccount
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import Body, MeetingForm, deadlines_for, to_oslo
from bot.domain.meeting_rules import meeting_title
from bot.domain.meeting_state import MeetingState
from bot.services.attendance import MeetingEnded
from bot.teams.attendance import HOOKS
from bot.teams.meeting_events import parse_signal
from storage import audit
from storage.attendance_tables import Attendance, MeetingContext
from storage.calendar_tables import CalendarEventLink, CalendarJob
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.outbox_tables import OutboxMessage
from storage.people import find_person
from tests.support import activities
from tests.support.activities import UNKNOWN, TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
DEPUTY = USERS["geir.lie@demo.ssu.example"]
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]
SECRETARY_EMAIL = "eva.lindqvist@demo.ssu.example"
THREAD = "19:meeting_ZjVhYzQ5YTgtYzE0Ny00@thread.v2"
JOIN_URL = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZjVhYzQ5YTgtYzE0Ny00%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%22tenant%22%7d"
)
Sessions = async_sessionmaker[AsyncSession]


async def insert_meeting(
    sessions: Sessions,
    *,
    start: datetime,
    state: MeetingState = MeetingState.NOTICE_PUBLISHED,
    join_url: str | None = JOIN_URL,
) -> int:
    """An SSU meeting stored as the meetings feature would, with a synced calendar entry."""
    local = to_oslo(start.replace(second=0, microsecond=0))
    end = local + timedelta(hours=5)
    deadlines = deadlines_for(Body.SSU, local, end)
    async with transaction(sessions) as session:
        row = Meeting(
            body="SSU",
            title=meeting_title(Body.SSU, local, end),
            start_at=local.astimezone(UTC),
            end_at=end.astimezone(UTC),
            year=local.year,
            form=MeetingForm.hybrid.value,
            online=True,
            location="Fylkeshuset Lillehammer",
            state=state.value,
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        session.add(
            CalendarEventLink(
                meeting_id=row.id, event_id="evt-1", join_url=join_url, sync_state="synced"
            )
        )
        return row.id


def soon() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


async def _say(
    bot: BotHarness, user: TeamsUser, text: str, conversation: str | None = None
) -> dict[str, Any]:
    """Say ``text`` (in ``conversation``, a group chat, when given) and return the one reply."""
    target = conversation or user.personal_conversation
    before = len(bot.connector.activities(target))
    fields: dict[str, Any] = {}
    if conversation:
        fields = {"conversation_id": conversation, "conversation_type": "groupChat"}
        text = f"<at>SSU-assistenten</at> {text}"
    status, _ = await bot.say(user, text, **fields)
    assert status in {200, 201}
    replies = await bot.connector.wait_for_activities(before + 1, conversation_id=target)
    assert len(replies) == before + 1
    return replies[before]


def _card(activity: dict[str, Any]) -> dict[str, Any]:
    [document] = list(cards_in(activity))
    return document


async def _act(
    bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any], chat: str | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if chat:
        fields = {"conversation_id": chat, "conversation_type": "groupChat"}
    status, body = await bot.act(user, verb, data, **fields)
    assert status == 200
    return dict(body["value"])


async def _event(bot: BotHarness, name: str, value: dict[str, Any]) -> int:
    body = activities.activity(
        "event",
        service_url=bot.connector.url,
        user=LEADER,
        conversation_id=THREAD,
        conversation_type="groupChat",
        name=f"application/vnd.microsoft.{name}",
        value=value,
    )
    status, _ = await bot.post(body)
    assert status in {200, 201}
    return status


async def _rows(bot: BotHarness, meeting_id: int) -> dict[int, Attendance]:
    async with bot.sessions() as session:
        found = await session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id))
        return {r.person_id: r for r in found.all()}


async def _audit(bot: BotHarness, action: str) -> list[tuple[str, int | None]]:
    async with bot.sessions() as session:
        return [
            (e.outcome, e.actor_person_id)
            for e in await audit.all_entries(session)
            if e.action == action
        ]


async def _meeting(bot: BotHarness, meeting_id: int) -> Meeting:
    async with bot.sessions() as session:
        row = await session.get(Meeting, meeting_id)
        assert row is not None
        return row


# --------------------------------------------------------------------------------------------------
# Absence
# --------------------------------------------------------------------------------------------------


async def test_cannot_attend_calls_in_the_deputy_with_calendar_and_messages(
    bot_on: BotHarness,
) -> None:
    meeting_id = await insert_meeting(bot_on.sessions, start=datetime.now(UTC) + timedelta(days=9))
    text = card_text(_card(await _say(bot_on, MEMBER, "kan ikke stille")))
    assert "Forfall er registrert" in text
    assert "Geir Lie er kalt inn" in text and "lagt til i kalenderinvitasjonen" in text
    rows = await _rows(bot_on, meeting_id)
    assert sorted(r.status for r in rows.values()) == ["absent", "called_in"]
    async with bot_on.sessions() as session:
        jobs = (
            await session.exec(select(CalendarJob).where(CalendarJob.meeting_id == meeting_id))
        ).all()
        messages = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    [job] = jobs
    assert job.op == "update"
    emails = {a["email"] for a in json.loads(job.payload or "{}")["attendees"]}
    assert "geir.lie@demo.ssu.example" in emails
    assert [m.kind for m in messages] == [
        "deputy_called_in",
        "absence_reported",
        "absence_reported",
    ]
    # Again: refused, audited, nothing new.
    text = card_text(_card(await _say(bot_on, MEMBER, "cannot attend")))
    assert "allerede meldt forfall" in text
    assert [o for o, _ in await _audit(bot_on, "meeting.absence")] == ["ok", "refused"]


async def test_absence_refusals_through_chat_and_verb(bot_on: BotHarness) -> None:
    meeting_id = await insert_meeting(bot_on.sessions, start=datetime.now(UTC) + timedelta(days=9))
    reply = await _say(bot_on, UNKNOWN, "kan ikke stille")
    assert "finner deg ikke i medlemslisten" in card_text(_card(reply))
    reply = await _say(bot_on, OBSERVER, "kan ikke stille")
    assert "ikke et sete" in card_text(_card(reply))
    answer = await _act(bot_on, MEMBER, "meeting.absence", {"meeting_id": "31337"})
    assert "Fant ikke møtet" in card_text(answer)
    answer = await _act(bot_on, MEMBER, "meeting.absence", {"meeting_id": meeting_id})
    assert "Forfall er registrert" in card_text(answer)
    assert [o for o, _ in await _audit(bot_on, "meeting.absence")] == [
        "refused",
        "refused",
        "refused",
        "ok",
    ]


# --------------------------------------------------------------------------------------------------
# The meeting in its Teams chat
# --------------------------------------------------------------------------------------------------


async def test_meeting_start_and_end_events_record_the_meeting_and_post_the_card(
    bot_on: BotHarness,
) -> None:
    meeting_id = await insert_meeting(bot_on.sessions, start=soon())
    ended: list[MeetingEnded] = []

    async def evaluation(_session: AsyncSession, event: MeetingEnded) -> None:
        ended.append(event)

    bot_on.app[HOOKS].on_meeting_ended(evaluation)
    moment = datetime.now(UTC).replace(microsecond=0)
    started_at = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    await _event(
        bot_on,
        "meetingStart",
        {"Id": "MCMxOTptZWV0aW5n", "JoinUrl": JOIN_URL, "Title": "SSU", "StartTime": started_at},
    )
    [posted] = await bot_on.connector.wait_for_activities(1, conversation_id=THREAD)
    document = _card(posted)
    assert "Oppmøte" in card_text(document) and "Sjekk inn" in card_text(document)
    assert document["refresh"]["action"]["verb"] == "attendance.refresh"
    async with bot_on.sessions() as session:
        context = (
            await session.exec(
                select(MeetingContext).where(MeetingContext.meeting_id == meeting_id)
            )
        ).one()
    assert context.conversation_id == THREAD
    assert context.started_at == moment

    # A member checks in on the card; a deputy not called in checks in for their member.
    answer = await _act(bot_on, MEMBER, "attendance.check_in", {"meeting_id": meeting_id}, THREAD)
    assert "Du er sjekket inn." in card_text(answer)
    assert "Sjekk inn" not in [a.get("title") for a in answer.get("actions", [])]
    answer = await _act(bot_on, DEPUTY, "attendance.check_in", {"meeting_id": meeting_id}, THREAD)
    rows = await _rows(bot_on, meeting_id)
    deputy_row = next(r for r in rows.values() if r.replaces_person_id is not None)
    assert deputy_row.status == "present"
    assert "1 av 19 medlemmer er til stede" in card_text(answer)  # member present: deputy extra

    await _event(bot_on, "meetingEnd", {"Id": "MCMxOTptZWV0aW5n", "EndTime": ""})
    final = await bot_on.connector.wait_for_activities(2, conversation_id=THREAD)
    assert "registrert som avholdt" in card_text(_card(final[1]))
    assert (await _meeting(bot_on, meeting_id)).state == "held"
    assert len(ended) == 1 and ended[0].meeting.id == meeting_id and ended[0].held
    assert len(ended[0].present) == 2
    # A repeated end event changes nothing and tells nobody again.
    await _event(bot_on, "meetingEnd", {"Id": "MCMxOTptZWV0aW5n"})
    assert len(ended) == 1
    assert len(bot_on.connector.activities(THREAD)) == 2
    answer = await _act(bot_on, OBSERVER, "attendance.check_in", {"meeting_id": meeting_id})
    assert "avsluttet" in card_text(answer)
    assert [o for o, _ in await _audit(bot_on, "meeting.ended")] == ["ok", "ok"]
    assert await _audit(bot_on, "meeting.started") == [("ok", None)]


async def test_teams_events_for_a_meeting_already_opened_or_closed_post_no_second_card(
    bot_on: BotHarness,
) -> None:
    """The chair opened the meeting in its chat before the Teams call began, and closed it before
    the call ended: Teams' meetingStart and meetingEnd (and a redelivered one) are recorded, but
    the attendance card is in the chat already and is not posted again."""
    meeting_id = await insert_meeting(bot_on.sessions, start=soon(), join_url=None)
    opened = await _act(bot_on, LEADER, "meeting.open", {"meeting_id": meeting_id}, THREAD)
    assert "Møtet er åpnet" in card_text(opened)
    posted = len(bot_on.connector.activities(THREAD))

    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for _ in range(2):
        await _event(bot_on, "meetingStart", {"Id": "MCMxOTptZWV0aW5n", "StartTime": moment})
    assert len(bot_on.connector.activities(THREAD)) == posted

    closed = await _act(
        bot_on, LEADER, "meeting.close", {"meeting_id": meeting_id, "confirm": "yes"}, THREAD
    )
    assert "registrert som avholdt" in card_text(closed)
    for _ in range(2):
        await _event(bot_on, "meetingEnd", {"Id": "MCMxOTptZWV0aW5n", "EndTime": moment})
    assert len(bot_on.connector.activities(THREAD)) == posted
    assert (await _meeting(bot_on, meeting_id)).state == "held"
    assert [o for o, _ in await _audit(bot_on, "meeting.started")] == ["ok", "ok"]
    assert [o for o, _ in await _audit(bot_on, "meeting.ended")] == ["ok", "ok"]


async def test_an_unknown_teams_meeting_gets_a_hint_and_nothing_is_stored(
    bot_on: BotHarness,
) -> None:
    await insert_meeting(bot_on.sessions, start=soon(), join_url=None)
    await _event(bot_on, "meetingStart", {"Id": "x", "JoinUrl": "https://x.example/"})
    [posted] = await bot_on.connector.wait_for_activities(1, conversation_id=THREAD)
    assert "åpne møte" in posted["text"]
    async with bot_on.sessions() as session:
        assert (await session.exec(select(MeetingContext))).all() == []
    assert await _audit(bot_on, "meeting.started") == [("refused", None)]


async def test_the_chair_opens_and_closes_the_meeting_with_commands_and_buttons(
    bot_on: BotHarness,
) -> None:
    meeting_id = await insert_meeting(bot_on.sessions, start=soon(), join_url=None)
    chat = "19:abcdef0123456789@thread.v2"
    refused = await _say(bot_on, MEMBER, "åpne møte", chat)
    assert "bare møteleder og sekretariatet" in card_text(_card(refused))
    offered = _card(await _say(bot_on, LEADER, "åpne møte", chat))
    assert "Åpne møtet" in card_text(offered)
    answer = await _act(bot_on, MEMBER, "meeting.open", {"meeting_id": meeting_id}, chat)
    assert "Ingenting ble endret" in card_text(answer)
    answer = await _act(bot_on, LEADER, "meeting.open", {"meeting_id": meeting_id}, chat)
    assert "Møtet er åpnet" in card_text(answer) and "Avslutt møtet" in card_text(answer)
    # The member's refresh shows their check-in button; the secretary's the correction form.
    view = await _act(bot_on, MEMBER, "attendance.refresh", {"meeting_id": meeting_id}, chat)
    assert "Sjekk inn" in card_text(view) and "Rett oppmøtet" not in card_text(view)
    view = await _act(bot_on, SECRETARY, "attendance.refresh", {"meeting_id": meeting_id}, chat)
    assert "Rett oppmøtet" in card_text(view)

    confirm = _card(await _say(bot_on, LEADER, "close meeting", chat))
    [button] = confirm["actions"]
    assert button["verb"] == "meeting.close" and button["data"]["confirm"] == "yes"
    assert _card(await _say(bot_on, MEMBER, "avslutt møte", chat))  # refused card
    answer = await _act(bot_on, LEADER, "meeting.close", dict(button["data"]), chat)
    assert "registrert som avholdt" in card_text(answer)
    assert (await _meeting(bot_on, meeting_id)).state == "held"
    assert [o for o, _ in await _audit(bot_on, "meeting.open")] == ["refused", "refused", "ok"]
    assert [o for o, _ in await _audit(bot_on, "meeting.close")] == ["refused", "ok"]


async def test_corrections_are_for_the_secretariat_and_forged_ids_are_refused(
    bot_on: BotHarness,
) -> None:
    meeting_id = await insert_meeting(bot_on.sessions, start=soon())
    target = await _person_id(bot_on.sessions, "liv.strand@demo.ssu.example")
    answer = await _act(
        bot_on,
        MEMBER,
        "attendance.set",
        {"meeting_id": meeting_id, "person_id": target, "status": "present"},
    )
    assert "bare sekretariatet retter oppmøtet" in card_text(answer)
    for forged in ("999999", "-3", "1 OR 1=1", await _person_id(bot_on.sessions, SECRETARY_EMAIL)):
        answer = await _act(
            bot_on,
            SECRETARY,
            "attendance.set",
            {"meeting_id": meeting_id, "person_id": forged, "status": "present"},
        )
        assert "Ukjent person eller oppmøte" in card_text(answer)
    answer = await _act(
        bot_on,
        SECRETARY,
        "attendance.set",
        {"meeting_id": "not-a-meeting", "person_id": target, "status": "present"},
    )
    assert "Fant ikke møtet" in card_text(answer)
    answer = await _act(
        bot_on,
        SECRETARY,
        "attendance.set",
        {"meeting_id": str(meeting_id), "person_id": str(target), "status": "absent"},
    )
    assert "Oppmøtet er rettet." in card_text(answer)
    assert (await _rows(bot_on, meeting_id))[target].status == "absent"
    outcomes = [o for o, _ in await _audit(bot_on, "attendance.set")]
    assert outcomes == ["refused"] * 6 + ["ok"]


async def _person_id(sessions: Sessions, email: str) -> int:
    async with sessions() as session:
        person = await find_person(session, email=email)
    assert person is not None and person.id is not None
    return person.id


def test_meeting_event_values_are_read_in_either_spelling_with_a_fallback_time() -> None:
    stamp = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    activity = Activity(type="event", timestamp=stamp, conversation=ConversationAccount(id=THREAD))
    context = TurnContext(object(), activity)
    signal = parse_signal("start", context, {"joinUrl": JOIN_URL, "id": "m1", "StartTime": "x"})
    assert (signal.conversation_id, signal.join_url, signal.teams_meeting_id) == (
        THREAD,
        JOIN_URL,
        "m1",
    )
    assert signal.at == stamp
    end = parse_signal("end", context, {"EndTime": "2026-11-23T13:30:00Z"})
    assert end.kind == "end" and end.at == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert end.join_url is None
