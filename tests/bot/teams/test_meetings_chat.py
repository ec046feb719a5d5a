"""Meetings through the running app: chat commands and Action.Execute verbs end to end, on the
real aiohttp app with the fake Bot Connector and the demo roster (today is the real date, so the
plan card proposes next year)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlmodel import func, select

from storage import audit
from storage.meeting_tables import Meeting
from tests.support.activities import UNKNOWN, TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
NEXT_YEAR = datetime.now(UTC).year + 1


async def _say(bot: BotHarness, user: TeamsUser, text: str) -> dict[str, Any]:
    """Say ``text`` and return the one reply it got."""
    before = len(bot.connector.activities(user.personal_conversation))
    await bot.say(user, text)
    replies = await bot.replies_to(user, count=before + 1)
    assert len(replies) == before + 1
    return replies[before]


async def _card(bot: BotHarness, user: TeamsUser, text: str) -> dict[str, Any]:
    [document] = list(cards_in(await _say(bot, user, text)))
    return document


def _inputs(document: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node.get("value", "")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


async def _meetings(bot: BotHarness) -> int:
    async with bot.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(Meeting))).one())


async def _approve(bot: BotHarness, user: TeamsUser, **changes: str) -> dict[str, Any]:
    """Approve the plan as Teams sends it: the card's data merged with every input's value."""
    document = await _card(bot, SECRETARY, "møteplan")
    data: dict[str, Any] = {"year": NEXT_YEAR, **_inputs(document), **changes}
    status, body = await bot.act(user, "meeting.plan.approve", data)
    assert status == 200
    return dict(body["value"])


async def test_the_secretary_gets_next_years_plan_card_and_approving_creates_the_meetings(
    bot: BotHarness,
) -> None:
    document = await _card(bot, SECRETARY, "møteplan")
    text = card_text(document)
    assert f"Forslag til møteplan {NEXT_YEAR}" in text
    assert "Leder og nestleder er ledige." in text  # free/busy from the wired calendar
    data = {"year": NEXT_YEAR, **_inputs(document)}
    status, body = await bot.act(SECRETARY, "meeting.plan.approve", data)
    assert status == 200
    assert f"Møteplanen for {NEXT_YEAR} er godkjent" in card_text(body["value"])
    assert await _meetings(bot) == 13
    status, again = await bot.act(SECRETARY, "meeting.plan.approve", data)
    assert "ingenting nytt ble opprettet" in card_text(again["value"])
    assert await _meetings(bot) == 13


async def test_a_bad_date_comes_back_in_the_same_card_and_nothing_is_stored(
    bot: BotHarness,
) -> None:
    slot = "ssu-m02-thu-2"
    answer = await _approve(bot, SECRETARY, **{f"{slot}.date": "not a date"})
    text = card_text(answer)
    assert "Skriv datoen som ÅÅÅÅ-MM-DD." in text and "Ingenting ble lagret" in text
    assert _inputs(answer)[f"{slot}.date"] == "not a date"
    assert await _meetings(bot) == 0
    holiday = f"{NEXT_YEAR}-12-25"
    answer = await _approve(bot, SECRETARY, **{"ssu-m11-thu-3.date": holiday})
    assert "er en helligdag (Første juledag)" in card_text(answer)
    assert await _meetings(bot) == 0


async def test_a_member_cannot_approve_the_plan_and_the_attempt_is_audited(
    bot: BotHarness,
) -> None:
    answer = await _approve(bot, MEMBER)
    assert "Du har ikke tilgang til dette" in card_text(answer)
    assert await _meetings(bot) == 0
    async with bot.sessions() as session:
        entries = [e for e in await audit.all_entries(session) if e.action.startswith("meeting.")]
    assert [(e.action, e.outcome) for e in entries] == [("meeting.plan.apply", "refused")]


async def test_everyone_known_sees_the_next_meeting_and_the_year(bot: BotHarness) -> None:
    await _approve(bot, SECRETARY)
    text = card_text(await _card(bot, MEMBER, "neste møte"))
    assert "Neste møte" in text and "SSU-møte" in text and "Fylkeshuset Lillehammer" in text
    assert "Frist for å melde inn saker" in text
    _status, body = await bot.act(MEMBER, "meeting.list", {"year": NEXT_YEAR})
    year_text = card_text(body["value"])
    assert f"Møteplan {NEXT_YEAR}" in year_text and "Partnerskapsmøte" in year_text
    assert "Flytt" not in year_text


async def test_a_stranger_is_told_they_are_not_in_the_roster(bot: BotHarness) -> None:
    reply = await _say(bot, UNKNOWN, "neste møte")
    assert "finner deg ikke i medlemslisten" in reply["text"]


async def test_the_secretary_moves_and_cancels_a_meeting_from_cards(bot: BotHarness) -> None:
    await _approve(bot, SECRETARY)
    async with bot.sessions() as session:
        meeting = (await session.exec(select(Meeting).where(Meeting.body == "PA"))).one()
    form_status, form = await bot.act(SECRETARY, "meeting.move", {"meeting_id": meeting.id})
    values = _inputs(form["value"])
    assert form_status == 200 and values["form"] == "digital"
    moved_date = f"{NEXT_YEAR}-06-17"
    status, body = await bot.act(
        SECRETARY,
        "meeting.move",
        {"meeting_id": meeting.id, "step": "submit", **values, "date": moved_date},
    )
    assert status == 200 and "Møtet er flyttet" in card_text(body["value"])
    _member_status, refused = await bot.act(
        MEMBER, "meeting.cancel", {"meeting_id": meeting.id, "step": "submit", "reason": "Nei"}
    )
    assert "Du har ikke tilgang" in card_text(refused["value"])
    _status, empty = await bot.act(
        SECRETARY, "meeting.cancel", {"meeting_id": meeting.id, "step": "submit", "reason": ""}
    )
    assert "Skriv en begrunnelse for avlysningen." in card_text(empty["value"])
    _status, done = await bot.act(
        SECRETARY,
        "meeting.cancel",
        {"meeting_id": meeting.id, "step": "submit", "reason": "Flyttes til høsten"},
    )
    assert "Møtet er avlyst" in card_text(done["value"])
    async with bot.sessions() as session:
        stored = await session.get(Meeting, meeting.id)
    assert stored is not None and stored.state == "cancelled"
    assert stored.start_at.date().isoformat() == moved_date


async def test_the_secretary_adds_a_meeting_and_gets_errors_next_to_the_fields(
    bot: BotHarness,
) -> None:
    status, form = await bot.act(SECRETARY, "meeting.add")
    values = _inputs(form["value"])
    assert status == 200 and values["start"] == "09:30"
    bad = {**values, "step": "submit", "date": f"{NEXT_YEAR}-05-17", "location": "Hamar"}
    status, body = await bot.act(SECRETARY, "meeting.add", bad)
    assert "helligdag" in card_text(body["value"])
    assert await _meetings(bot) == 0
    good = {**bad, "date": f"{NEXT_YEAR}-01-14"}
    status, body = await bot.act(SECRETARY, "meeting.add", good)
    assert "Møtet er lagt til" in card_text(body["value"])
    assert await _meetings(bot) == 1


async def test_a_member_asking_for_the_meeting_plan_gets_this_years_meetings(
    bot: BotHarness,
) -> None:
    text = card_text(await _card(bot, MEMBER, "møteplan"))
    assert f"Møteplan {NEXT_YEAR - 1}" in text and "Forslag" not in text


async def test_next_meeting_in_english_for_an_english_teams_client(bot: BotHarness) -> None:
    await _approve(bot, SECRETARY)
    english = replace(MEMBER, locale="en-US")
    text = card_text(await _card(bot, english, "next meeting"))
    assert "Next meeting" in text and "SSU meeting Thursday" in text
    assert "Deadline for submitting cases" in text


def test_the_plan_card_asks_the_apps_calendar_once_it_is_built() -> None:
    from aiohttp import web

    from bot.graph.factory import CALENDAR, CalendarServices
    from bot.teams.meetings import app_calendar

    app = web.Application()
    source = app_calendar(app)
    assert source() is None
    port: Any = object()
    app[CALENDAR] = CalendarServices(calendar=port, documents=port)
    assert source() is port
