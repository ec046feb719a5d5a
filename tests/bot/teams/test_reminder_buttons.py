"""Every reminder carries a button that takes its reader straight to the work (issue 7: "a
reminder's content is useful on its own: what is due, by when, and a button to act"), through the
running app on SQLite and PostgreSQL: the scheduler plans the reminder and the outbox delivers it
to the person's personal chat, the button on the delivered card is pressed in that chat, and the
app answers with the card of the work — the notice to publish, the protocol draft, the person's
own evaluation poll. The budget reminder has no feature to open and says so instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot import scheduler
from bot.domain.calendar import OSLO, Body, MeetingForm, deadlines_for, to_oslo
from bot.domain.meeting_rules import meeting_title
from bot.domain.meeting_state import MeetingState
from bot.domain.reminders import ReminderKind
from bot.i18n import t
from bot.services import reminders as reminder_service
from bot.services.meetings import SYSTEM, apply_plan
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import Person
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
ENGLISH_MEMBER = TeamsUser(MEMBER.teams_id, MEMBER.aad_object_id, MEMBER.name, "en-US")


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), OSLO)


def today() -> date:
    return to_oslo(datetime.now(UTC)).date()


async def greet(bot: BotHarness, *users: TeamsUser) -> None:
    """Each person opens their personal chat with the bot (where reminders will arrive)."""
    for user in users:
        before = len(bot.connector.activities(user.personal_conversation))
        await bot.say(user, "hjelp")
        await bot.replies_to(user, before + 1)


async def person_id(bot: BotHarness, user: TeamsUser) -> int:
    async with bot.sessions() as session:
        from sqlmodel import select

        person = (
            await session.exec(select(Person).where(Person.aad_object_id == user.aad_object_id))
        ).one()
    assert person.id is not None
    return person.id


async def delivered_reminders(
    bot: BotHarness, kind: ReminderKind, *users: TeamsUser, locale: str = "nb"
) -> list[dict[str, Any]]:
    """Let the scheduler plan and send, on the day it is due, the first reminder of ``kind`` the
    first of ``users`` gets; return the card as it arrived in each one's personal chat."""
    who = await person_id(bot, users[0])
    async with bot.sessions() as session:
        due = await reminder_service.due_reminders(session, today(), today() + timedelta(days=400))
    item = next(
        d for d in due if d.reminder.kind is kind and who in {r.person_id for r in d.recipients}
    )
    day = to_oslo(item.reminder.due).date()
    before = {u: len(bot.connector.activities(u.personal_conversation)) for u in users}
    await scheduler.plan_reminders(bot.app, at(day, "06:00"))
    await scheduler.sweep_once(bot.app, at(day, "09:00:30"))
    title = t(f"reminder.title.{kind.value}", locale)
    found = []
    for user in users:
        arrived = [
            document
            for activity in bot.connector.activities(user.personal_conversation)[before[user] :]
            for document in cards_in(activity)
            if document["body"][0].get("text") == title
        ]
        assert len(arrived) == 1, f"{len(arrived)} {kind.value} reminders reached {user.name}"
        found.append(arrived[0])
    return found


async def press(bot: BotHarness, user: TeamsUser, document: dict[str, Any]) -> dict[str, Any]:
    """Press the reminder's one button in the personal chat; the card the app answers with."""
    [action] = document["actions"]
    assert action["type"] == "Action.Execute"
    status, body = await bot.act(user, action["verb"], action.get("data"))
    assert status == 200, body
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    return dict(body["value"])


def verbs(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.add(str(node.get("verb")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


async def insert_meeting(bot: BotHarness, *, start: datetime, state: MeetingState) -> int:
    local = to_oslo(start.replace(second=0, microsecond=0))
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
            location="Fylkeshuset Lillehammer",
            state=state.value,
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def test_the_notice_reminder_opens_the_notice_to_publish(bot_on: BotHarness) -> None:
    bot = bot_on
    async with transaction(bot.sessions) as session:
        await apply_plan(session, actor=SYSTEM, year=today().year + 1, source="cli")
    await greet(bot, SECRETARY, LEADER)
    reminders = await delivered_reminders(bot, ReminderKind.NOTICE, SECRETARY, LEADER)
    for user, reminder in zip((SECRETARY, LEADER), reminders, strict=True):
        opened = await press(bot, user, reminder)
        text = card_text(opened)
        assert "Innkalling til møte i Strategisk samarbeidsutvalg" in text, user.name
        assert {"notice.publish", "agenda.show"} <= verbs(opened), user.name


async def test_the_protocol_reminder_opens_the_protocol_draft(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(
        bot, start=datetime.now(UTC) - timedelta(days=2), state=MeetingState.HELD
    )
    await greet(bot, SECRETARY)
    [reminder] = await delivered_reminders(bot, ReminderKind.PROTOCOL, SECRETARY)
    assert reminder["actions"][0]["data"] == {"meeting_id": meeting_id}
    opened = await press(bot, SECRETARY, reminder)
    assert "Protokoll – utkast" in card_text(opened)
    assert "protocol.publish" in verbs(opened)


async def test_the_evaluation_reminder_opens_the_persons_own_poll(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(
        bot, start=datetime.now(UTC) - timedelta(hours=7), state=MeetingState.HELD
    )
    await greet(bot, ENGLISH_MEMBER)
    # Per chose English (`språk`): his reminder and what its button opens are in English.
    status, _ = await bot.act(ENGLISH_MEMBER, "settings.language", {"language": "en"})
    assert status == 200
    status, _ = await bot.act(SECRETARY, "evaluation.start", {"meeting_id": meeting_id})
    assert status == 200
    [reminder] = await delivered_reminders(
        bot, ReminderKind.EVALUATION, ENGLISH_MEMBER, locale="en"
    )
    assert reminder["actions"][0]["title"] == "Answer the evaluation"
    poll = await press(bot, ENGLISH_MEMBER, reminder)
    assert "Self-evaluation after the meeting" in card_text(poll)
    [submit] = [a for a in poll["actions"] if a["verb"] == "evaluation.answer"]
    ratings = {f"q{n}": "4" for n in range(1, 6)}
    status, answered = await bot.act(
        ENGLISH_MEMBER, "evaluation.answer", {**submit.get("data", {}), **ratings}
    )
    assert status == 200 and "Your answer is stored anonymously" in card_text(answered["value"])
    # Pressed again after answering: the status (answered), never a second poll.
    again = await press(bot, ENGLISH_MEMBER, reminder)
    assert "Self-evaluation after the meeting" not in card_text(again)
    assert "You have answered." in card_text(again)
    assert "evaluation.answer" not in verbs(again)
    # The secretariat gets no poll from someone else's button: they are no respondent.
    stranger = await press(bot, SECRETARY, reminder)
    assert "evaluation.answer" not in verbs(stranger)


async def test_the_budget_reminder_says_why_it_has_no_button(bot_on: BotHarness) -> None:
    bot = bot_on
    await greet(bot, LEADER)
    [reminder] = await delivered_reminders(bot, ReminderKind.BUDGET, LEADER)
    assert reminder.get("actions", []) == []
    assert "utenfor boten" in card_text(reminder)
