"""Every status change of a case is told to its submitter (issue 4), through the running app on
SQLite and PostgreSQL: submitted in chat, triaged, re-triaged (section, meeting), scheduled by the
published notice, decided by the consensus round — one message per change, in the submitter's
language, delivered by the outbox to their personal chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.domain.calendar import Body, MeetingForm, deadlines_for, to_oslo
from bot.domain.cases import format_case_number
from bot.domain.meeting_rules import meeting_title
from bot.scheduler import sweep_once
from storage.case_tables import Case
from storage.consensus_tables import ConsensusRound
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.outbox_tables import OutboxMessage
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, card_text, demo_users

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
LEADER = USERS["hilde.vang@demo.ssu.example"]
_PER = USERS["per.haugen@demo.ssu.example"]
SUBMITTER = TeamsUser(_PER.teams_id, _PER.aad_object_id, _PER.name, "en-US")
"""Per Haugen, a member whose Teams speaks English (he never chose a language with `språk`)."""
PRESENT = [
    USERS[f"{name}@demo.ssu.example"]
    for name in (
        "hilde.vang",
        "ingrid.solberg",
        "kari.bakken",
        "ola.nordby",
        "sigrid.lunde",
        "anders.moe",
        "marit.aasen",
        "knut.brenna",
        "bjorn.skaug",
        "tor.eriksen",
    )
] + [SUBMITTER]
CHAT = "19:meeting_c3RhdHVzY2hhdA@thread.v2"


async def insert_meeting(bot: BotHarness, *, hours: float) -> int:
    """A planned SSU meeting ``hours`` from now, as the meetings feature stores it."""
    local = to_oslo((datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0))
    end = local + timedelta(hours=5)
    deadlines = deadlines_for(Body.SSU, local, end)
    async with transaction(bot.sessions) as session:
        row = Meeting(
            body="SSU",
            title=meeting_title(Body.SSU, local, end),
            start_at=local.astimezone(UTC),
            end_at=end.astimezone(UTC),
            year=local.year,
            form=MeetingForm.hybrid.value,
            online=True,
            location="Fylkeshuset Lillehammer",
            state="planned",
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def act(
    bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    status, body = await bot.act(user, verb, data, **fields)
    assert status == 200, body
    return dict(body["value"])


async def in_chat(bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any]) -> str:
    document = await act(bot, user, verb, data, conversation_id=CHAT, conversation_type="groupChat")
    return card_text(document)


async def submit_in_chat(bot: BotHarness) -> tuple[int, str]:
    """`submit case` → the form → confirm: the receipt names the case number."""
    values = {
        "title": "Felles rutine for utskrivning",
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kari Nordmann, kommunalsjef",
        "case_type": "decision",
        "background": "Pasienter skrives ut uten at kommunen er varslet.",
        "assessment": "En felles rutine vil gi tryggere overganger.",
        "proposal": "SSU slutter seg til rutinen.",
        "economic_impact": "none",
        "meeting": "",
        "attachments": "",
    }
    confirm = await act(bot, SUBMITTER, "case.submit", values)
    draft = confirm["actions"][0]["data"]["draft_id"]
    receipt = await act(bot, SUBMITTER, "case.submit", {"draft_id": draft, "intent": "confirm"})
    async with bot.sessions() as session:
        [case] = (await session.exec(select(Case))).all()
    assert case.id is not None
    label = format_case_number(case.number, case.year)
    assert label in card_text(receipt)
    return case.id, label


async def notes(bot: BotHarness, label: str) -> list[str]:
    """Deliver what the outbox holds, then the submitter's personal messages about the case."""
    await sweep_once(bot.app)
    return [
        str(a.get("text") or "")
        for a in bot.connector.activities(SUBMITTER.personal_conversation)
        if f"case {label} «felles rutine" in str(a.get("text") or "").lower()
    ]


async def test_every_status_change_reaches_the_submitter_once_in_their_language(
    bot_on: BotHarness,
) -> None:
    bot = bot_on
    meeting_id = await insert_meeting(bot, hours=1)
    other_id = await insert_meeting(bot, hours=24 * 30)
    case_id, label = await submit_in_chat(bot)
    assert await notes(bot, label) == []  # submitting is answered by the receipt, not a note

    def triage(**values: str) -> dict[str, Any]:
        fixed = {"case_id": case_id, "route": "ssu", "section": "decision", "minutes": "30"}
        return {**fixed, **values}

    # Triaged: one note, in English, with route, section and meeting.
    await act(bot, SECRETARY, "case.triage", triage(meeting=str(meeting_id)))
    told = await notes(bot, label)
    assert len(told) == 1
    assert "has a new status: Triaged by the secretariat" in told[0]
    assert "Decision cases" in told[0] and "Decided by the Strategic" in told[0]

    # Only the minutes change: nothing the submitter sees, no note.
    await act(bot, SECRETARY, "case.triage", triage(meeting=str(meeting_id), minutes="35"))
    assert len(await notes(bot, label)) == 1

    # The section changes; then the case moves to another meeting and back: a note each.
    await act(bot, SECRETARY, "case.triage", triage(meeting=str(meeting_id), section="theme"))
    told = await notes(bot, label)
    assert len(told) == 2 and "The secretariat changed case" in told[1]
    assert "Agenda section: Theme cases" in told[1]
    await act(bot, SECRETARY, "case.triage", triage(meeting=str(other_id)))
    await act(bot, SECRETARY, "case.triage", triage(meeting=str(meeting_id)))
    told = await notes(bot, label)
    assert len(told) == 4
    assert "Agenda section: Decision cases" in told[2]
    async with bot.sessions() as session:
        meetings = {m.id: m for m in (await session.exec(select(Meeting))).all()}
    day = {mid: to_oslo(m.start_at).day for mid, m in meetings.items()}
    assert f"{day[other_id]}" in told[2].split("Meeting:")[1]
    assert f"{day[meeting_id]}" in told[3].split("Meeting:")[1]

    # Publishing the notice (late: the meeting is in an hour) schedules the case: one note.
    published = await act(
        bot,
        SECRETARY,
        "notice.publish",
        {"meeting_id": meeting_id, "reason": "Hastesak om vinterberedskap."},
    )
    assert "Innkallingen er publisert" in card_text(published)
    told = await notes(bot, label)
    assert len(told) == 5 and "has a new status: On an agenda" in told[4]

    # The meeting: opened, attendance, a consensus round closed with consensus → decided.
    assert "Møtet er åpnet" in card_text(
        await act(bot, LEADER, "meeting.open", {"meeting_id": meeting_id})
    )
    for user in PRESENT:
        await act(bot, user, "attendance.check_in", {"meeting_id": meeting_id})
    started = await in_chat(
        bot,
        LEADER,
        "consensus.start",
        {"case_id": case_id, "decision_text": "SSU slutter seg til rutinen."},
    )
    assert "Konsensusrunden er startet" in started
    async with bot.sessions() as session:
        round_id = (await session.exec(select(ConsensusRound))).one().id
    for user in PRESENT:
        await in_chat(bot, user, "consensus.respond", {"item_id": round_id, "position": "agree"})
    assert len(await notes(bot, label)) == 5  # answers are no news
    await in_chat(bot, LEADER, "consensus.close", {"item_id": round_id})
    told = await notes(bot, label)
    assert len(told) == 6 and "has a new status: Decided" in told[5]

    async with bot.sessions() as session:
        case = await session.get(Case, case_id)
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "case_status")
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    assert case is not None and case.status == "decided"
    assert len(rows) == 6 and {r.recipient_person_id for r in rows} == {case.submitter_person_id}
    assert len({r.deadline_key for r in rows}) == 6
