"""Consensus rounds through the running app, on SQLite and PostgreSQL: the chair's ``konsensus``
in the meeting chat, ``consensus.start`` (the proposed decision to amend, then the round card
posted in the chat), ``consensus.respond`` with each member's own view from
``consensus.refresh``, observer input, the round's message updated for everyone on every change,
``consensus.close`` — and the refusals, which answer with a clear card and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import func, select

from bot.domain.calendar import Body, MeetingForm, deadlines_for, to_oslo
from bot.domain.meeting_rules import meeting_title
from bot.domain.meeting_state import MeetingState
from bot.services import consensus as service
from storage import audit
from storage.case_tables import Case
from storage.consensus_tables import ConsensusAnswer, ConsensusRound
from storage.db import transaction
from storage.meeting_tables import Meeting
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, card_text, cards_in, demo_users

USERS = demo_users()
LEADER = USERS["hilde.vang@demo.ssu.example"]
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
OBJECTOR = USERS["knut.brenna@demo.ssu.example"]
UNION_REP = USERS["tor.eriksen@demo.ssu.example"]
OBSERVER = USERS["sissel.ruud@demo.ssu.example"]
ADMINISTRATIVE = [
    USERS[f"{name}@demo.ssu.example"]
    for name in (
        "hilde.vang",
        "ingrid.solberg",
        "per.haugen",
        "kari.bakken",
        "ola.nordby",
        "sigrid.lunde",
        "anders.moe",
        "marit.aasen",
        "knut.brenna",
        "bjorn.skaug",
    )
]
CHAT = "19:meeting_Y2hhdGNvbnNlbnN1cw@thread.v2"
PROPOSAL = "SSU slutter seg til felles rutine for utskrivning."


async def insert_meeting(bot: BotHarness) -> int:
    """An SSU meeting an hour from now with its notice published, as the meetings feature
    stores it."""
    local = to_oslo((datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0))
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
            state=MeetingState.NOTICE_PUBLISHED.value,
            case_submission_at=deadlines.case_submission.astimezone(UTC),
            notice_at=deadlines.notice.astimezone(UTC),
            protocol_at=deadlines.protocol.astimezone(UTC),
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def insert_case(bot: BotHarness, meeting_id: int, *, impact: str = "minor") -> int:
    async with transaction(bot.sessions) as session:
        count = (await session.exec(select(func.count()).select_from(Case))).one()
        row = Case(
            year=2026,
            number=count + 1,
            submission_key=f"consensus-chat-{count + 1:04d}",
            title="Felles rutine for utskrivning",
            submitter_org="Hamar kommune",
            anchored_with="Kommunaldirektør",
            case_type="decision",
            background="Bakgrunn.",
            assessment="Vurdering.",
            proposal=PROPOSAL,
            economic_impact=impact,
            meeting_id=meeting_id,
            status="triaged",
            route="ssu",
            section="decision",
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def act(
    bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any], chat: str | None = CHAT
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if chat:
        fields = {"conversation_id": chat, "conversation_type": "groupChat"}
    status, body = await bot.act(user, verb, data, **fields)
    assert status == 200, body
    return dict(body["value"])


async def say_in_chat(bot: BotHarness, user: TeamsUser, text: str) -> dict[str, Any]:
    before = len(bot.connector.activities(CHAT))
    status, _ = await bot.say(
        user,
        f"<at>SSU-assistenten</at> {text}",
        conversation_id=CHAT,
        conversation_type="groupChat",
    )
    assert status in {200, 201}
    replies = await bot.connector.wait_for_activities(before + 1, conversation_id=CHAT)
    [document] = list(cards_in(replies[before]))
    return document


async def open_meeting(bot: BotHarness, present: list[TeamsUser]) -> int:
    meeting_id = await insert_meeting(bot)
    opened = await act(bot, LEADER, "meeting.open", {"meeting_id": meeting_id})
    assert "Møtet er åpnet" in card_text(opened)
    for user in present:
        checked = await act(bot, user, "attendance.check_in", {"meeting_id": meeting_id})
        assert "Du er sjekket inn" in card_text(checked), user.name
    return meeting_id


async def round_row(bot: BotHarness) -> ConsensusRound:
    async with bot.sessions() as session:
        return (await session.exec(select(ConsensusRound))).one()


async def answers(bot: BotHarness) -> dict[str, tuple[str, str]]:
    async with bot.sessions() as session:
        rows = (await session.exec(select(ConsensusAnswer))).all()
    return {r.person_name: (r.position, r.reason) for r in rows}


def inputs_of(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.add(str(node.get("id")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


def verbs_of(document: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(str(node.get("verb")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document.get("body", []))
    walk(document.get("actions", []))
    return found


async def test_a_round_from_start_to_consensus_in_the_meeting_chat(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await open_meeting(bot, [*ADMINISTRATIVE, UNION_REP, OBSERVER])
    case_id = await insert_case(bot, meeting_id)

    # The chair asks for the decision cases of this chat's meeting.
    listing = await say_in_chat(bot, LEADER, "konsensus")
    assert "Felles rutine for utskrivning" in card_text(listing)
    assert verbs_of(listing) == ["consensus.start"]

    # Prepare: the proposed decision in a text field to amend.
    prepared = await act(bot, LEADER, "consensus.start", {"case_id": case_id})
    assert "decision_text" in inputs_of(prepared)
    assert PROPOSAL in card_text(prepared)
    assert await bot.connector.wait_for_activities(1, conversation_id=CHAT)

    # Start with an amended text: the round card is posted in the chat.
    posted_before = len(bot.connector.activities(CHAT))
    amended = PROPOSAL + " Rutinen evalueres etter seks måneder."
    started = await act(
        bot, LEADER, "consensus.start", {"case_id": case_id, "decision_text": amended}
    )
    assert "Konsensusrunden er startet" in card_text(started)
    posted = bot.connector.activities(CHAT)
    assert len(posted) == posted_before + 1
    [shared] = list(cards_in(posted[-1]))
    assert "Rutinen evalueres etter seks måneder" in card_text(shared)
    assert shared["refresh"]["action"]["verb"] == "consensus.refresh"
    row = await round_row(bot)
    assert row.activity_id and row.conversation_id == CHAT
    user_ids = shared["refresh"]["userIds"]
    assert LEADER.teams_id in user_ids and MEMBER.teams_id in user_ids
    assert UNION_REP.teams_id in user_ids and OBSERVER.teams_id in user_ids
    assert user_ids.index(OBSERVER.teams_id) == len(user_ids) - 1  # observers after members
    assert len(user_ids) <= 60
    assert inputs_of(shared) == set()  # the shared view carries nobody's form
    item = {"item_id": row.id}

    # Each person's own view through the refresh.
    own = await act(bot, MEMBER, "consensus.refresh", item)
    assert {"position", "reason"} <= inputs_of(own)
    assert "consensus.close" not in verbs_of(own)
    chair = await act(bot, LEADER, "consensus.refresh", item)
    assert "consensus.close" in str(chair)
    observer = await act(bot, OBSERVER, "consensus.refresh", item)
    assert inputs_of(observer) == {"input"}

    # Answers: the live tally, the member's own answer, the shared message updated.
    updates_before = len(bot.connector.updates(CHAT))
    mine = await act(bot, MEMBER, "consensus.respond", {**item, "position": "object"})
    assert "Skriv hva innvendingen din er" in card_text(mine)  # objection without a reason
    assert await answers(bot) == {}
    mine = await act(
        bot, MEMBER, "consensus.respond", {**item, "position": "object", "reason": "For dyrt."}
    )
    assert "Svaret ditt er registrert" in card_text(mine)
    assert "Du har svart: Har innvendinger" in card_text(mine)
    updates = bot.connector.updates(CHAT)
    assert len(updates) == updates_before + 1
    [updated] = list(cards_in(updates[-1]))
    assert "Har innvendinger: 1" in card_text(updated) and "Per Haugen" in card_text(updated)

    # He changes his mind after the dialogue; the others support, the union rep abstains.
    mine = await act(bot, MEMBER, "consensus.respond", {**item, "position": "agree"})
    assert "Du har svart: Støtter forslaget" in card_text(mine)
    for user in ADMINISTRATIVE:
        if user is not MEMBER:
            await act(bot, user, "consensus.respond", {**item, "position": "agree"})
    await act(bot, UNION_REP, "consensus.respond", {**item, "position": "abstain"})
    again = await act(bot, MEMBER, "consensus.refresh", item)
    assert "Du har svart: Støtter forslaget" in card_text(again)
    assert "Støtter: 10" in card_text(again) and "Avstår: 1" in card_text(again)

    # The observer's input, apart and not counted.
    given = await act(bot, OBSERVER, "consensus.input", {**item, "input": "Husk pårørende."})
    assert "Innspillet ditt er registrert" in card_text(given)
    assert "Innspill fra observatører" in card_text(given) and "Husk pårørende" in card_text(given)
    refused = await act(bot, OBSERVER, "consensus.respond", {**item, "position": "object"})
    assert "ikke beslutningsrett" in card_text(refused)

    # Only the chair closes.
    refused = await act(bot, MEMBER, "consensus.close", item)
    assert "Bare møteleder" in card_text(refused)
    closed = await act(bot, LEADER, "consensus.close", item)
    text = card_text(closed)
    assert "Konsensus" in text and "Runden er avsluttet" in text
    assert "Rutinen evalueres etter seks måneder" in text
    assert "refresh" not in closed
    [final] = list(cards_in(bot.connector.updates(CHAT)[-1]))
    assert "Vedtaket er fattet" in card_text(final)

    # After the close: answers refused, nothing changes.
    late = await act(
        bot, OBJECTOR, "consensus.respond", {**item, "position": "object", "reason": "x"}
    )
    assert "Runden er avsluttet" in card_text(late)
    assert (await answers(bot))["Knut Brenna"] == ("agree", "")
    async with bot.sessions() as session:
        case = await session.get(Case, case_id)
        [result] = await service.results_for_meeting(session, meeting_id=meeting_id)
        entries = await audit.all_entries(session)
    assert case is not None and case.status == "decided"
    assert result.consensus and result.decision_text == amended
    assert len(result.names_for) == 10 and result.names_abstaining == ("Tor Eriksen",)
    assert [i.text for i in result.observer_input] == ["Husk pårørende."]
    refused_actions = sorted(
        e.action for e in entries if e.outcome == "refused" and e.action.startswith("consensus.")
    )
    assert refused_actions == [
        "consensus.close",
        "consensus.respond",
        "consensus.respond",
        "consensus.respond",
    ]


async def test_no_consensus_is_recorded_with_the_names_for_and_against(
    bot_on: BotHarness,
) -> None:
    bot = bot_on
    meeting_id = await open_meeting(bot, ADMINISTRATIVE)
    case_id = await insert_case(bot, meeting_id, impact="major")
    await act(bot, LEADER, "consensus.start", {"case_id": case_id, "decision_text": PROPOSAL})
    row = await round_row(bot)
    assert row.major_economic
    item = {"item_id": row.id}
    for user in ADMINISTRATIVE:
        if user is not OBJECTOR:
            await act(bot, user, "consensus.respond", {**item, "position": "agree"})
    await act(
        bot,
        OBJECTOR,
        "consensus.respond",
        {**item, "position": "object", "reason": "Kostnadene er ikke avklart."},
    )
    closed = await act(bot, LEADER, "consensus.close", item)
    text = card_text(closed)
    assert "Ingen konsensus – videre dialog" in text
    assert "Knut Brenna" in text and "Kostnadene er ikke avklart" in text
    async with bot.sessions() as session:
        case = await session.get(Case, case_id)
        [result] = await service.results_for_meeting(session, meeting_id=meeting_id)
    assert case is not None and case.status == "treated"
    assert not result.consensus and result.names_against == ("Knut Brenna",)
    assert len(result.names_for) == 9


async def test_refusals_answer_with_a_card_and_change_nothing(bot_on: BotHarness) -> None:
    bot = bot_on
    meeting_id = await open_meeting(bot, [LEADER, MEMBER])
    case_id = await insert_case(bot, meeting_id)
    # Not the chair; forged ids; from a chat of no meeting.
    refused = await act(bot, MEMBER, "consensus.start", {"case_id": case_id})
    assert "Bare møteleder" in card_text(refused)
    refused = await act(bot, LEADER, "consensus.start", {"case_id": "'; drop table"})
    assert "finner ikke saken" in card_text(refused)
    refused = await act(
        bot, SECRETARY, "consensus.start", {"case_id": case_id, "decision_text": "x"}
    )
    assert "Bare møteleder" in card_text(refused)
    listing = await say_in_chat(bot, MEMBER, "consensus")
    assert "Bare møteleder" in card_text(listing)
    blank = await act(bot, LEADER, "consensus.start", {"case_id": case_id, "decision_text": " "})
    assert "Feltet må fylles ut" in card_text(blank) and "decision_text" in inputs_of(blank)
    for forged in ({"item_id": "abc"}, {"item_id": 99999}, {}):
        refused = await act(bot, MEMBER, "consensus.respond", {**forged, "position": "agree"})
        assert "finner ikke saken eller runden" in card_text(refused)
    async with bot.sessions() as session:
        rounds = (await session.exec(select(func.count()).select_from(ConsensusRound))).one()
        entries = await audit.all_entries(session)
    assert rounds == 0
    assert (
        len([e for e in entries if e.outcome == "refused" and e.action.startswith("consensus.")])
        == 8
    )
    # Only eligible members answer: a member who did not check in.
    await act(bot, LEADER, "consensus.start", {"case_id": case_id, "decision_text": PROPOSAL})
    row = await round_row(bot)
    refused = await act(
        bot, OBJECTOR, "consensus.respond", {"item_id": row.id, "position": "agree"}
    )
    assert "ikke registrert til stede" in card_text(refused)
    assert await answers(bot) == {}
