"""Agenda and notice through the running app, on SQLite and PostgreSQL: ``saksliste``/``agenda``,
the agenda verbs, previewing and publishing (late with a reason), delivery to the team channel and
to members, and the refusals — not allowed, forged ids, twice without changes — all audited."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.domain.calendar import Body, MeetingForm, deadlines_for, to_oslo
from bot.domain.meeting_rules import meeting_title
from bot.scheduler import sweep_once
from bot.services import cases as case_service
from bot.services.identity import Caller, resolve_actor
from storage import audit
from storage.agenda_tables import NoticeVersion
from storage.calendar_tables import CalendarEventLink, CalendarJob
from storage.case_tables import Case
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.outbox_tables import OutboxMessage
from tests.support.activities import UNKNOWN, TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
CHANNEL = "19:ssu-general@thread.tacv2"
ENGLISH_SECRETARY = TeamsUser(SECRETARY.teams_id, SECRETARY.aad_object_id, SECRETARY.name, "en-US")


async def insert_meeting(bot: BotHarness, *, days: float) -> int:
    """An SSU meeting ``days`` from now, 09:30–14:30 Oslo, with a synced calendar entry."""
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    local = to_oslo(datetime(day.year, day.month, day.day, 8, 30, tzinfo=UTC)).replace(
        hour=9, minute=30
    )
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
            state="planned",
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        session.add(CalendarEventLink(meeting_id=row.id, event_id="evt-1", sync_state="synced"))
        return row.id


async def add_case(
    bot: BotHarness, meeting_id: int, *, title: str, section: str = "decision", **form: str
) -> int:
    values = {
        "title": title,
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kommunalsjef",
        "case_type": "decision",
        "background": "Bakgrunn for saken.",
        "assessment": "Vurdering av saken.",
        "proposal": "SSU slutter seg til forslaget.",
        "economic_impact": "none",
        "attachments": "https://portal.example/vedlegg/Rapport%20%C3%B8konomi.pdf",
        **form,
    }
    async with transaction(bot.sessions) as session:
        secretary = await resolve_actor(
            session,
            caller=Caller(None, None, SECRETARY.name, "nb", "eva.lindqvist@demo.ssu.example"),
        )
        submitted = await case_service.submit_case(
            session, actor=secretary, values=values, key=uuid.uuid4().hex
        )
        assert isinstance(submitted, case_service.Submitted), submitted
        triaged = await case_service.triage_case(
            session,
            actor=secretary,
            case_id=submitted.case.id,
            values={
                "route": "ssu",
                "section": section,
                "meeting": str(meeting_id),
                "minutes": "40",
            },
        )
        assert isinstance(triaged, case_service.Triaged), triaged
        return submitted.case.id


async def say(bot: BotHarness, user: TeamsUser, text: str, **fields: Any) -> dict[str, Any]:
    target = fields.get("conversation_id") or user.personal_conversation
    before = len(bot.connector.activities(target))
    status, _ = await bot.say(user, text, **fields)
    assert status in {200, 201}
    replies = await bot.connector.wait_for_activities(before + 1, conversation_id=target)
    return replies[before]


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    [document] = list(cards_in(activity))
    return document


async def act(bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    status, body = await bot.act(user, verb, data)
    assert status == 200, body
    return dict(body["value"])


async def outcomes(bot: BotHarness, action: str) -> list[str]:
    async with bot.sessions() as session:
        return [e.outcome for e in await audit.all_entries(session) if e.action == action]


async def messages(bot: BotHarness) -> list[OutboxMessage]:
    async with bot.sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


def actions_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


async def test_the_secretariat_arranges_the_agenda_and_publishes(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(bot, days=20)
    first = await add_case(bot, meeting_id, title="Felles rutine for utskrivning")
    second = await add_case(bot, meeting_id, title="Økonomisk fordeling av samhandlingsmidler")
    await add_case(bot, meeting_id, title="Status handlingsplan", section="report")
    # The bot is in the committee's team channel.
    await say(
        bot,
        SECRETARY,
        "<at>SSU-assistenten</at> hjelp",
        conversation_id=CHANNEL,
        conversation_type="channel",
        channelData={"tenant": {"id": "t"}, "team": {"id": "19:team@thread.tacv2"}},
    )

    text = card_text(card_of(await say(bot, SECRETARY, "saksliste")))
    assert "Saksliste" in text and "Beslutningssaker" in text and "Referatsaker" in text
    assert "Godkjenning av innkalling og saksliste" in text
    assert text.index("Felles rutine") < text.index("Økonomisk fordeling")

    moved = await act(
        bot,
        SECRETARY,
        "agenda.move",
        {"meeting_id": meeting_id, "case_id": second, "direction": "up"},
    )
    text = card_text(moved)
    assert text.index("Økonomisk fordeling") < text.index("Felles rutine")

    wrong = await act(
        bot,
        SECRETARY,
        "agenda.minutes",
        {"meeting_id": meeting_id, f"minutes_case_{first}": "999"},
    )
    assert "Skriv et helt tall fra 1 til 240" in card_text(wrong)
    saved = await act(
        bot,
        SECRETARY,
        "agenda.minutes",
        {"meeting_id": meeting_id, f"minutes_case_{first}": "35", "minutes_lunch": "45"},
    )
    assert "Lagret." in card_text(saved)
    assert await outcomes(bot, "agenda.minutes") == ["refused", "ok"]

    preview = await act(bot, SECRETARY, "notice.preview", {"meeting_id": meeting_id})
    text = card_text(preview)
    assert "Innkalling til møte i Strategisk samarbeidsutvalg" in text
    assert "PAUSE og LUNCH fra ca" in text
    assert "notice.publish" in [a.get("verb") for a in actions_of(preview)]
    assert "reason" not in json.dumps(preview)  # not late: no reason asked

    published = await act(bot, SECRETARY, "notice.publish", {"meeting_id": meeting_id})
    text = card_text(published)
    assert "Innkallingen er publisert" in text
    [link] = [a for a in actions_of(published) if a["type"] == "Action.OpenUrl"]
    # The document is served by the bot itself behind a signed link (bot/teams/documents.py).
    base = f"{bot.settings.document_base_url}/documents/"
    assert link["url"].startswith(base)
    assert bot.http is not None and bot.server is not None
    token = link["url"].removeprefix(base)
    async with bot.http.get(bot.server.make_url(f"/documents/{token}")) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        served = await response.read()
    [stored] = list((bot.settings.var_dir / "portal").rglob("*-innkalling-v1.docx"))
    assert served == await asyncio.to_thread(stored.read_bytes)

    async with bot.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.state == "notice_published"
        cases = (await session.exec(select(Case))).all()
        assert {c.status for c in cases} == {"scheduled"}
        jobs = (await session.exec(select(CalendarJob))).all()
    [job] = jobs
    assert "Felles rutine for utskrivning (35 min)" in json.loads(job.payload or "{}")["body_html"]
    sent = await messages(bot)
    assert [m.conversation_id for m in sent if m.conversation_id] == [CHANNEL]
    assert len([m for m in sent if m.recipient_person_id and m.kind == "notice_published"]) == 27
    # The three cases are scheduled now: their submitter (the secretary) is told of each.
    scheduled = [m for m in sent if m.kind == "case_status"]
    assert sorted(m.subject for m in scheduled) == sorted(f"case:{c.id}" for c in cases)
    assert all("Satt på saksliste" in (m.payload["text"] or "") for m in scheduled)

    # Delivery: the channel and everyone with a chat with the bot get the card.
    before = len(bot.connector.activities(CHANNEL))
    await sweep_once(bot.app)
    posted = await bot.connector.wait_for_activities(before + 1, conversation_id=CHANNEL)
    channel_card = card_of(posted[before])
    assert "Innkalling til møte i Strategisk samarbeidsutvalg" in card_text(channel_card)
    assert "meeting.absence" not in json.dumps(channel_card)

    # Twice without changes: refused, audited, nothing new.
    again = await act(bot, LEADER, "notice.publish", {"meeting_id": meeting_id})
    assert "uendret siden versjon 1" in card_text(again)
    notices = [m for m in await messages(bot) if m.kind == "notice_published"]
    assert len(notices) == len(sent) - len(scheduled)
    assert await outcomes(bot, "notice.publish") == ["ok", "refused"]


async def test_late_publishing_asks_for_a_reason(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(bot, days=3)
    await add_case(bot, meeting_id, title="Hastesak om vinterberedskap")
    preview = await act(bot, ENGLISH_SECRETARY, "notice.preview", {"meeting_id": meeting_id})
    assert "The notice deadline was" in card_text(preview)
    [reason_input] = [e for e in preview["body"][-1]["items"] if e.get("type") == "Input.Text"]
    assert reason_input["id"] == "reason" and reason_input["isRequired"] is True

    refused = await act(
        bot, ENGLISH_SECRETARY, "notice.publish", {"meeting_id": meeting_id, "reason": "  "}
    )
    assert "The deadline has passed: give a reason" in card_text(refused)
    async with bot.sessions() as session:
        assert (await session.exec(select(NoticeVersion))).all() == []

    reason = "Urgent: the winter preparedness plan must be decided before Christmas."
    done = await act(
        bot, ENGLISH_SECRETARY, "notice.publish", {"meeting_id": meeting_id, "reason": reason}
    )
    assert "The notice is published" in card_text(done)
    assert "winter preparedness plan must be decided before Christmas" in card_text(done)
    async with bot.sessions() as session:
        [version] = (await session.exec(select(NoticeVersion))).all()
        entries = [e for e in await audit.all_entries(session) if e.action == "notice.publish"]
    assert version.late and version.reason == reason
    assert [e.outcome for e in entries] == ["refused", "ok"]
    assert json.loads(entries[-1].detail)["late"] is True


async def test_members_and_strangers_are_refused_and_audited(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(bot, days=20)
    await add_case(bot, meeting_id, title="Sak")
    text = card_text(card_of(await say(bot, MEMBER, "agenda")))
    assert "Bare sekretariatet setter opp sakslisten" in text
    reply = await act(bot, MEMBER, "notice.publish", {"meeting_id": meeting_id})
    assert "Bare sekretariatet, leder og nestleder kan publisere" in card_text(reply)
    reply = await act(bot, UNKNOWN, "notice.publish", {"meeting_id": meeting_id})
    assert "Ingenting ble endret" in card_text(reply)
    reply = await act(
        bot, MEMBER, "agenda.move", {"meeting_id": meeting_id, "case_id": 1, "direction": "up"}
    )
    assert "Bare sekretariatet" in card_text(reply)
    assert await outcomes(bot, "notice.publish") == ["refused", "refused"]
    assert await outcomes(bot, "agenda.view") == ["refused"]
    assert await outcomes(bot, "agenda.move") == ["refused"]
    async with bot.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.state == "planned"
    assert await messages(bot) == []


async def test_forged_ids_are_refused(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(bot, days=20)
    for forged in ("999999", "1; DROP TABLE meeting", -3, {"id": meeting_id}, 2**40):
        reply = await act(bot, SECRETARY, "notice.publish", {"meeting_id": forged})
        assert "Jeg finner ikke det møtet" in card_text(reply)
        reply = await act(bot, SECRETARY, "agenda.show", {"meeting_id": forged})
        assert "Jeg finner ikke det møtet" in card_text(reply)
    reply = await act(
        bot,
        SECRETARY,
        "agenda.move",
        {"meeting_id": meeting_id, "case_id": "999", "direction": "up"},
    )
    assert "Denne saken står ikke på sakslisten" in card_text(reply)
    assert await outcomes(bot, "notice.publish") == ["refused"] * 5
    assert await outcomes(bot, "agenda.move") == ["refused"]


async def test_the_chooser_shows_another_meeting(bot_on: BotHarness) -> None:
    bot = bot_on
    first = await insert_meeting(bot, days=20)
    second = await insert_meeting(bot, days=40)
    reply = card_of(await say(bot, SECRETARY, "agenda"))
    [chooser] = [
        e
        for e in json.loads(json.dumps(reply))["body"][-1]["items"]
        if e.get("type") == "Input.ChoiceSet"
    ]
    assert chooser["value"] == str(second)
    shown = await act(bot, SECRETARY, "agenda.show", {"choose": "1", "meeting": str(second)})
    assert f'"meeting_id": {second}' in json.dumps(shown)
    assert f'"meeting_id": {first}' not in json.dumps(shown["actions"])


async def test_a_decision_without_a_proposal_is_not_published(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(bot, days=20)
    await add_case(bot, meeting_id, title="Tema uten forslag", case_type="theme", proposal="")
    agenda = card_text(card_of(await say(bot, SECRETARY, "saksliste")))
    assert "mangler forslag til vedtak" in agenda
    preview = await act(bot, SECRETARY, "notice.preview", {"meeting_id": meeting_id})
    assert "notice.publish" not in [a.get("verb") for a in actions_of(preview)]
    reply = await act(bot, SECRETARY, "notice.publish", {"meeting_id": meeting_id})
    assert "mangler forslag til vedtak: 01/" in card_text(reply)
    assert await messages(bot) == []
