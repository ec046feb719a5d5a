"""The consensus service on SQLite and PostgreSQL: the chair starts a round on a decision case of
an open meeting, members present answer and change their answers (each sees their own), observers
add input kept apart, only administrative representatives answer in cases with major economic
consequences, deputies answer in their member's seat, and the chair closes: consensus or "no
consensus — further dialogue" with the names, the case moved through its guarded transitions and
the result kept for the protocol. Bad input of every kind is refused, audited and changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.consensus import Outcome, Position, RoundState
from bot.domain.meeting_rules import MeetingDraft, local_datetime
from bot.domain.meeting_state import MeetingState
from bot.domain.roles import Actor
from bot.services import attendance
from bot.services import consensus as service
from bot.services import meetings as meetings_service
from bot.services.consensus import Reason, Refused, RoundView
from bot.services.identity import Caller, resolve_actor
from bot.services.meetings import SYSTEM, MeetingChanged
from cards.attendance import render_absence_notice
from storage import audit
from storage.case_tables import Case
from storage.consensus_tables import ConsensusAnswer, ConsensusInput, ConsensusRound
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = date(2026, 12, 3)
CHAT = "19:meeting_Y29uc2Vuc3Vz@thread.v2"
OTHER_CHAT = "19:meeting_b3RoZXI@thread.v2"
PROPOSAL = "SSU slutter seg til forslaget til felles rutine for utskrivning."
STRANGER = Actor(None, "Ukjent", "00000000-0000-4000-8000-00000000dead")

LEADER = "hilde.vang@demo.ssu.example"
DEPUTY_LEADER = "ingrid.solberg@demo.ssu.example"
LEADER_DEPUTY = "tone.foss@demo.ssu.example"
MEMBER = "per.haugen@demo.ssu.example"
MEMBER_DEPUTY = "geir.lie@demo.ssu.example"
UNION_REP = "tor.eriksen@demo.ssu.example"
USER_REP = "liv.strand@demo.ssu.example"
OBSERVER = "sissel.ruud@demo.ssu.example"
SECRETARY = "eva.lindqvist@demo.ssu.example"
ABSENT_MEMBER = "eirik.bo@demo.ssu.example"
ADMINISTRATIVE = [
    LEADER,
    DEPUTY_LEADER,
    MEMBER,
    "kari.bakken@demo.ssu.example",
    "ola.nordby@demo.ssu.example",
    "sigrid.lunde@demo.ssu.example",
    "anders.moe@demo.ssu.example",
    "marit.aasen@demo.ssu.example",
    "knut.brenna@demo.ssu.example",
    "bjorn.skaug@demo.ssu.example",
]
"""Ten administrative members: exactly a quorum of the 19 seats."""


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here."""
    caplog.set_level(logging.DEBUG, logger="bot.services.consensus")


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


async def actor(sessions: Sessions, email: str) -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))


@dataclass
class Meeting_:
    id: int
    people: dict[str, Actor]

    def __getitem__(self, email: str) -> Actor:
        return self.people[email]


async def meeting(
    sessions: Sessions,
    *,
    present: list[str],
    absent: tuple[str, ...] = (),
    chat: str = CHAT,
    day: date = DAY,
    opener: str = LEADER,
) -> Meeting_:
    """An SSU meeting with its notice published, opened in ``chat``; ``absent`` reported absence
    beforehand (their deputies called in), ``present`` checked in."""
    draft = MeetingDraft(
        body="SSU",
        start=local_datetime(day, time(9, 30)),
        end=local_datetime(day, time(14, 30)),
        form="hybrid",
        location="Fylkeshuset Lillehammer",
        region=None,
    )
    async with transaction(sessions) as session:
        added = await meetings_service.add_meeting(session, actor=SYSTEM, draft=draft, now=NOW)
        assert isinstance(added, MeetingChanged)
        row = await session.get(Meeting, added.meeting.id)
        assert row is not None
        row.state = MeetingState.NOTICE_PUBLISHED.value
        session.add(row)
    meeting_id = added.meeting.id
    everyone = {e: await actor(sessions, e) for e in {*present, *absent, opener}}
    for email in absent:
        async with transaction(sessions) as session:
            result = await attendance.report_absence(
                session,
                actor=everyone[email],
                now=NOW,
                render=render_absence_notice,
                meeting_id=meeting_id,
            )
            assert not isinstance(result, attendance.Refused), result
    async with transaction(sessions) as session:
        opened = await attendance.open_meeting(
            session, actor=everyone[opener], meeting_id=meeting_id, now=NOW, conversation_id=chat
        )
        assert not isinstance(opened, attendance.Refused), opened
    for email in present:
        async with transaction(sessions) as session:
            done = await attendance.check_in(
                session, actor=everyone[email], meeting_id=meeting_id, now=NOW
            )
            assert not isinstance(done, attendance.Refused), (email, done)
    return Meeting_(meeting_id, everyone)


_numbers = iter(range(1, 10_000))


async def add_case(
    sessions: Sessions,
    meeting_id: int | None,
    *,
    impact: str = "minor",
    section: str | None = "decision",
    case_type: str = "decision",
    status: str = "triaged",
) -> int:
    async with transaction(sessions) as session:
        number = next(_numbers)
        row = Case(
            year=2026,
            number=number,
            submission_key=f"consensus-test-{number:05d}",
            title=f"Sak nummer {number}",
            submitter_org="Hamar kommune",
            anchored_with="Kommunaldirektør",
            case_type=case_type,
            background="Bakgrunn.",
            assessment="Vurdering.",
            proposal=PROPOSAL,
            economic_impact=impact,
            meeting_id=meeting_id,
            status=status,
            route="ssu",
            section=section,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def start(
    sessions: Sessions,
    who: Actor,
    case_id: object,
    text: object = PROPOSAL,
    *,
    chat: str | None = CHAT,
) -> service.Started | Refused:
    async with transaction(sessions) as session:
        return await service.start_round(
            session, actor=who, case_id=case_id, decision_text=text, now=NOW, conversation_id=chat
        )


async def answer(
    sessions: Sessions,
    who: Actor,
    item_id: object,
    position: str,
    reason: str = "",
    *,
    chat: str | None = CHAT,
) -> service.Saved | Refused:
    async with transaction(sessions) as session:
        return await service.respond(
            session,
            actor=who,
            item_id=item_id,
            values={"item_id": item_id, "position": position, "reason": reason},
            now=NOW + timedelta(minutes=5),
            conversation_id=chat,
        )


async def give_input(
    sessions: Sessions, who: Actor, item_id: object, text: str
) -> service.Saved | Refused:
    async with transaction(sessions) as session:
        return await service.add_input(
            session,
            actor=who,
            item_id=item_id,
            values={"input": text},
            now=NOW + timedelta(minutes=6),
            conversation_id=CHAT,
        )


async def close(sessions: Sessions, who: Actor, item_id: object) -> service.Closed | Refused:
    async with transaction(sessions) as session:
        return await service.close_round(
            session, actor=who, item_id=item_id, now=NOW + timedelta(minutes=20)
        )


async def view(sessions: Sessions, who: Actor, item_id: object) -> RoundView | Refused:
    async with transaction(sessions) as session:
        return await service.round_view(session, actor=who, item_id=item_id)


async def started(sessions: Sessions, who: Actor, case_id: int) -> RoundView:
    result = await start(sessions, who, case_id)
    assert isinstance(result, service.Started), result
    return result.view


async def counts(sessions: Sessions) -> tuple[int, int, int]:
    async with sessions() as session:
        rounds = (await session.exec(select(func.count()).select_from(ConsensusRound))).one()
        answers = (await session.exec(select(func.count()).select_from(ConsensusAnswer))).one()
        inputs = (await session.exec(select(func.count()).select_from(ConsensusInput))).one()
    return rounds, answers, inputs


async def refusals(sessions: Sessions, action: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        query = (
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.outcome == "refused")
            .order_by(col(AuditEntry.id))
        )
        return [json.loads(e.detail) for e in (await session.exec(query)).all()]


async def case_status(sessions: Sessions, case_id: int) -> str:
    async with sessions() as session:
        row = await session.get(Case, case_id)
        assert row is not None
        return row.status


def names(view: RoundView, ids: tuple[int, ...]) -> list[str]:
    return [a.name for a in view.names(ids)]


# ----------------------------------------------------------------------------------- starting


async def test_the_chair_starts_a_round_with_an_amended_decision_text(demo: Sessions) -> None:
    m = await meeting(demo, present=[*ADMINISTRATIVE, UNION_REP, OBSERVER])
    case_id = await add_case(demo, m.id)
    result = await start(demo, m[LEADER], case_id, "  SSU slutter seg til rutinen, med endringer. ")
    assert isinstance(result, service.Started)
    round_ = result.view
    assert round_.open and round_.case.id == case_id and round_.meeting.id == m.id
    assert round_.decision_text == "SSU slutter seg til rutinen, med endringer."
    assert round_.proposal == PROPOSAL
    assert round_.chair_person_id == m[LEADER].person_id and round_.chair_name == "Hilde Vang"
    assert len(round_.voters) == 11  # ten administrative members and the union rep; no observer
    assert round_.quorum is not None and round_.quorum.reached
    assert round_.tally.pending and not round_.tally.agree
    assert round_.conversation_id == CHAT
    assert len(round_.refresh_user_ids) == 0  # nobody's Teams id has been seen in this test
    async with demo() as session:
        entries = await audit.entries_for(
            session, subject_type="consensus_round", subject_id=round_.id
        )
    assert [(e.action, e.outcome) for e in entries] == [("consensus.start", "ok")]
    assert json.loads(entries[0].detail)["amended"] is True


async def test_only_the_chair_starts_and_nothing_else_is_started(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    case_id = await add_case(demo, m.id)
    for who in (m[MEMBER], m[DEPUTY_LEADER], await actor(demo, SECRETARY)):
        assert await start(demo, who, case_id) == Refused(Reason.NOT_CHAIR)
    assert await start(demo, STRANGER, case_id) == Refused(Reason.NOT_KNOWN)
    assert await counts(demo) == (0, 0, 0)
    assert [r["reason"] for r in await refusals(demo, "consensus.start")] == [
        "not_chair",
        "not_chair",
        "not_chair",
        "not_known",
    ]


async def test_the_deputy_leader_chairs_when_the_leader_is_absent(demo: Sessions) -> None:
    m = await meeting(
        demo,
        absent=(LEADER,),
        present=[LEADER_DEPUTY, *ADMINISTRATIVE[1:]],
        opener=DEPUTY_LEADER,
    )
    case_id = await add_case(demo, m.id)
    tone = await actor(demo, LEADER_DEPUTY)
    assert await start(demo, tone, case_id) == Refused(Reason.NOT_CHAIR)
    assert await start(demo, m[LEADER], case_id) == Refused(Reason.NOT_CHAIR)
    round_ = await started(demo, m[DEPUTY_LEADER], case_id)
    assert round_.chair_name == "Ingrid Solberg"
    # the leader's personal deputy sits in the leader's seat and answers there
    assert round_.voter(tone.person_id) is not None


@pytest.mark.parametrize(
    ("case_args", "reason"),
    [
        ({"section": "theme", "case_type": "theme"}, Reason.NOT_DECISION_CASE),
        ({"section": None, "case_type": "report"}, Reason.NOT_DECISION_CASE),
        ({"status": "decided"}, Reason.WRONG_STATE),
        ({"status": "closed"}, Reason.WRONG_STATE),
        ({"status": "submitted"}, Reason.WRONG_STATE),
    ],
)
async def test_only_open_decision_cases_get_a_round(
    demo: Sessions, case_args: dict[str, Any], reason: Reason
) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    case_id = await add_case(demo, m.id, **case_args)
    assert await start(demo, m[LEADER], case_id) == Refused(reason)
    assert await counts(demo) == (0, 0, 0)


async def test_forged_cases_other_meetings_and_closed_meetings_are_refused(
    demo: Sessions,
) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    leader = m[LEADER]
    for forged in ("abc", "", None, -3, 2**40, "1e3", True, {"id": 1}):
        assert await start(demo, leader, forged) == Refused(Reason.NOT_FOUND)
    assert await start(demo, leader, 999_999) == Refused(Reason.NOT_FOUND)
    unplaced = await add_case(demo, None)
    assert await start(demo, leader, unplaced) == Refused(Reason.NO_MEETING)
    # a case of another meeting, started from this meeting's chat
    later = await meeting(demo, present=[LEADER], chat=OTHER_CHAT, day=DAY + timedelta(days=7))
    elsewhere = await add_case(demo, later.id)
    assert await start(demo, leader, elsewhere, chat=CHAT) == Refused(Reason.WRONG_MEETING)
    # the meeting has ended
    case_id = await add_case(demo, m.id)
    async with transaction(demo) as session:
        await attendance.close_meeting(session, actor=leader, meeting_id=m.id, now=NOW)
    assert await start(demo, leader, case_id) == Refused(Reason.MEETING_NOT_OPEN)
    # blank decision text
    assert isinstance(await start(demo, leader, elsewhere, chat=OTHER_CHAT, text="  "), Refused)
    assert await counts(demo) == (0, 0, 0)
    assert len(await refusals(demo, "consensus.start")) == 13


async def test_one_round_at_a_time_per_case(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    case_id = await add_case(demo, m.id)
    await started(demo, m[LEADER], case_id)
    assert await start(demo, m[LEADER], case_id) == Refused(Reason.ALREADY_OPEN)
    assert (await counts(demo))[0] == 1


# ------------------------------------------------------------------------------------- answers


async def test_members_answer_change_their_answer_and_each_sees_their_own(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    per, kari = m[MEMBER], m["kari.bakken@demo.ssu.example"]
    first = await answer(demo, per, round_.id, "agree")
    assert isinstance(first, service.Saved) and first.changed
    assert names(first.view, first.view.tally.agree) == ["Per Haugen"]
    again = await answer(demo, per, round_.id, "agree")
    assert isinstance(again, service.Saved) and not again.changed
    await answer(demo, kari, round_.id, "abstain")
    changed = await answer(demo, per, str(round_.id), "object", "Mangler finansiering.")
    assert isinstance(changed, service.Saved) and changed.changed
    live = changed.view
    assert names(live, live.tally.object) == ["Per Haugen"]
    assert names(live, live.tally.abstain) == ["Kari Bakken"]
    assert not live.tally.agree and live.not_answered == 8
    assert live.would_be is Outcome.NO_CONSENSUS
    # refresh: everyone's own view
    for who, position in ((per, Position.OBJECT), (kari, Position.ABSTAIN), (m[LEADER], None)):
        seen = await view(demo, who, round_.id)
        assert isinstance(seen, RoundView)
        mine = service.viewer_of(who, seen)
        assert mine.eligible
        assert (mine.answer.position if mine.answer else None) is position
        assert mine.is_chair is (who is m[LEADER])
    assert (await counts(demo))[1] == 2
    async with demo() as session:
        row = (await session.exec(select(ConsensusAnswer))).first()
    assert row is not None and row.reason in {"", "Mangler finansiering."}


async def test_an_objection_without_a_reason_is_refused_and_nothing_stored(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    refused = await answer(demo, m[MEMBER], round_.id, "object", "   ")
    assert isinstance(refused, Refused) and refused.reason is Reason.INVALID
    assert [(p.field, p.code) for p in refused.problems] == [("reason", "reason_required")]
    assert refused.values["position"] == "object" and refused.view is not None
    for bad in ("maybe", "", "AGREE"):
        assert isinstance(await answer(demo, m[MEMBER], round_.id, bad), Refused)
    assert (await counts(demo))[1] == 0
    assert [r["reason"] for r in await refusals(demo, "consensus.respond")] == ["invalid"] * 4


async def test_people_not_present_or_without_a_say_cannot_answer(demo: Sessions) -> None:
    m = await meeting(demo, present=[*ADMINISTRATIVE, OBSERVER])
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    absent_member = await actor(demo, USER_REP)  # a member who did not check in
    secretary = await actor(demo, SECRETARY)
    deputy = await actor(demo, MEMBER_DEPUTY)  # his member is present: no seat for him
    observer = m[OBSERVER]
    for who, reason in (
        (absent_member, Reason.NOT_PRESENT),
        (secretary, Reason.NOT_PRESENT),
        (deputy, Reason.NOT_PRESENT),
        (observer, Reason.NOT_ELIGIBLE),
    ):
        refused = await answer(demo, who, round_.id, "agree")
        assert isinstance(refused, Refused) and refused.reason is reason, who.name
    assert await answer(demo, STRANGER, round_.id, "agree") == Refused(Reason.NOT_KNOWN)
    # ... though anyone in the chat may read the round (Teams refreshes it for everyone)
    seen = await view(demo, STRANGER, round_.id)
    assert isinstance(seen, RoundView) and service.viewer_of(STRANGER, seen) == service.Viewer(None)
    for forged in ("x", None, 0, 10**13, round_.id + 1000):
        assert await answer(demo, m[MEMBER], forged, "agree") == Refused(Reason.NOT_FOUND)
    assert (await counts(demo))[1] == 0


async def test_in_cases_with_major_economic_consequences_only_administrative_seats_answer(
    demo: Sessions,
) -> None:
    m = await meeting(demo, present=[*ADMINISTRATIVE, UNION_REP, USER_REP])
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id, impact="major"))
    assert round_.major_economic
    assert {v.name for v in round_.voters} == {
        "Hilde Vang",
        "Ingrid Solberg",
        "Per Haugen",
        "Kari Bakken",
        "Ola Nordby",
        "Sigrid Lunde",
        "Anders Moe",
        "Marit Aasen",
        "Knut Brenna",
        "Bjørn Skaug",
    }
    for rep in (UNION_REP, USER_REP):
        refused = await answer(demo, m[rep], round_.id, "object", "Vi er uenige.")
        assert isinstance(refused, Refused) and refused.reason is Reason.NOT_ELIGIBLE
    assert isinstance(await answer(demo, m[MEMBER], round_.id, "agree"), service.Saved)
    closed = await close(demo, m[LEADER], round_.id)
    assert isinstance(closed, service.Closed)
    assert closed.view.outcome is Outcome.CONSENSUS  # the reps' objections never counted
    # ... while in an ordinary case the same union rep has a say
    other = await started(demo, m[LEADER], await add_case(demo, m.id))
    assert isinstance(await answer(demo, m[UNION_REP], other.id, "agree"), service.Saved)


async def test_a_personal_deputy_answers_in_the_absent_members_seat(demo: Sessions) -> None:
    m = await meeting(demo, absent=(MEMBER,), present=[*ADMINISTRATIVE[:2], *ADMINISTRATIVE[3:]])
    deputy = await actor(demo, MEMBER_DEPUTY)
    assert await answer(demo, deputy, 1, "agree") == Refused(Reason.NOT_FOUND)
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    assert round_.voter(deputy.person_id) is None  # called in, not yet here
    async with transaction(demo) as session:
        await attendance.check_in(session, actor=deputy, meeting_id=m.id, now=NOW)
    assert isinstance(await answer(demo, m[MEMBER], round_.id, "agree"), Refused)
    saved = await answer(demo, deputy, round_.id, "agree")
    assert isinstance(saved, service.Saved)
    me = saved.view.voter(deputy.person_id)
    assert me is not None and me.deputy_for == "Per Haugen"
    assert saved.view.answers[deputy.person_id].deputy_for == "Per Haugen"
    assert saved.view.quorum is not None and saved.view.quorum.reached
    for email in ADMINISTRATIVE:
        if email != MEMBER:
            await answer(demo, m[email], round_.id, "agree")
    closed = await close(demo, m[LEADER], round_.id)
    assert isinstance(closed, service.Closed) and closed.view.outcome is Outcome.CONSENSUS
    async with demo() as session:
        [result] = await service.results_for_meeting(session, meeting_id=m.id)
    [stance] = [s for s in result.final.supporters if s.person_id == deputy.person_id]
    assert (stance.name, stance.deputy_for) == ("Geir Lie", "Per Haugen")


# -------------------------------------------------------------------------------- observers


async def test_observer_input_is_kept_apart_and_never_counted(demo: Sessions) -> None:
    m = await meeting(demo, present=[*ADMINISTRATIVE, OBSERVER])
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    saved = await give_input(demo, m[OBSERVER], round_.id, "Husk pårørende.")
    assert isinstance(saved, service.Saved)
    assert [(i.name, i.organisation, i.text) for i in saved.view.inputs] == [
        ("Sissel Ruud", "Statsforvalteren i Innlandet", "Husk pårørende.")
    ]
    assert saved.view.tally.answered == 0
    changed = await give_input(demo, m[OBSERVER], round_.id, "Husk pårørende og fastlegene.")
    assert isinstance(changed, service.Saved) and len(changed.view.inputs) == 1
    assert service.viewer_of(m[OBSERVER], changed.view).observer
    # members give reasons with their answer; the empty input says nothing
    refused = await give_input(demo, m[MEMBER], round_.id, "Jeg mener …")
    assert isinstance(refused, Refused) and refused.reason is Reason.NOT_OBSERVER
    empty = await give_input(demo, m[OBSERVER], round_.id, " ")
    assert isinstance(empty, Refused) and empty.reason is Reason.INVALID
    absent_observer = await actor(demo, "petter.lund@demo.ssu.example")
    assert isinstance(await give_input(demo, absent_observer, round_.id, "Hei"), service.Saved)
    for email in ADMINISTRATIVE:
        await answer(demo, m[email], round_.id, "agree")
    closed = await close(demo, m[LEADER], round_.id)
    assert isinstance(closed, service.Closed) and closed.view.outcome is Outcome.CONSENSUS
    async with demo() as session:
        [result] = await service.results_for_meeting(session, meeting_id=m.id)
    assert [(i.name, i.text) for i in result.observer_input] == [
        ("Sissel Ruud", "Husk pårørende og fastlegene."),
        ("Petter Lund", "Hei"),
    ]
    assert "Sissel Ruud" not in result.names_for
    assert await counts(demo) == (1, 10, 2)


# ------------------------------------------------------------------------------------- closing


async def test_consensus_decides_the_case_and_is_kept_for_the_protocol(demo: Sessions) -> None:
    m = await meeting(demo, present=[*ADMINISTRATIVE, UNION_REP])
    case_id = await add_case(demo, m.id)
    round_ = await started(demo, m[LEADER], case_id)
    for email in ADMINISTRATIVE[:8]:
        await answer(demo, m[email], round_.id, "agree")
    await answer(demo, m[UNION_REP], round_.id, "abstain", "Inhabil.")
    not_chair = await close(demo, m[MEMBER], round_.id)
    assert isinstance(not_chair, Refused) and not_chair.reason is Reason.NOT_CHAIR
    closed = await close(demo, m[LEADER], round_.id)
    assert isinstance(closed, service.Closed)
    assert closed.view.state is RoundState.CLOSED and closed.view.outcome is Outcome.CONSENSUS
    assert closed.case_status.value == "decided" == await case_status(demo, case_id)
    assert closed.view.not_answered == 2
    # closed: answers, inputs and a second close are refused and change nothing
    late = await answer(demo, m["knut.brenna@demo.ssu.example"], round_.id, "object", "Nei.")
    assert isinstance(late, Refused) and late.reason is Reason.ROUND_CLOSED
    again = await close(demo, m[LEADER], round_.id)
    assert isinstance(again, Refused) and again.reason is Reason.ROUND_CLOSED
    assert await start(demo, m[LEADER], case_id) == Refused(Reason.WRONG_STATE)
    async with demo() as session:
        [result] = await service.results_for_meeting(session, meeting_id=m.id)
        entries = await audit.entries_for(session, subject_type="case", subject_id=case_id)
    assert result.consensus and result.outcome is Outcome.CONSENSUS
    assert result.decision_text == PROPOSAL and result.label.endswith("/26")
    assert set(result.names_for) == {
        "Hilde Vang",
        "Ingrid Solberg",
        "Per Haugen",
        "Kari Bakken",
        "Ola Nordby",
        "Sigrid Lunde",
        "Anders Moe",
        "Marit Aasen",
    }
    assert result.names_against == () and result.names_abstaining == ("Tor Eriksen",)
    assert result.final.abstainers[0].reason == "Inhabil."
    assert result.final.quorum is not None and result.final.quorum.reached
    assert result.final.eligible_count == 11 and result.earlier == ()
    assert [json.loads(e.detail)["to"] for e in entries if e.action == "case.status"] == ["decided"]


async def test_no_consensus_names_for_and_against_then_further_dialogue_and_a_new_round(
    demo: Sessions,
) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    case_id = await add_case(demo, m.id)
    first = await started(demo, m[LEADER], case_id)
    for email in ADMINISTRATIVE[:7]:
        await answer(demo, m[email], first.id, "agree")
    await answer(demo, m["knut.brenna@demo.ssu.example"], first.id, "object", "For dyrt.")
    closed = await close(demo, m[LEADER], first.id)
    assert isinstance(closed, service.Closed)
    assert closed.view.outcome is Outcome.NO_CONSENSUS
    assert closed.case_status.value == "treated" == await case_status(demo, case_id)
    # after further dialogue the chair puts an amended text to a new round
    second = await started(demo, m[LEADER], case_id)
    assert second.tally.answered == 0
    async with transaction(demo) as session:
        amended = await service.start_round(
            session,
            actor=m[LEADER],
            case_id=case_id,
            decision_text="x",
            now=NOW,
            conversation_id=CHAT,
        )
    assert isinstance(amended, Refused) and amended.reason is Reason.ALREADY_OPEN
    for email in ADMINISTRATIVE:
        await answer(demo, m[email], second.id, "agree")
    done = await close(demo, m[LEADER], second.id)
    assert isinstance(done, service.Closed) and done.view.outcome is Outcome.CONSENSUS
    assert await case_status(demo, case_id) == "decided"
    async with demo() as session:
        [result] = await service.results_for_meeting(session, meeting_id=m.id)
    assert result.consensus and len(result.names_for) == 10
    [earlier] = result.earlier
    assert earlier.outcome is Outcome.NO_CONSENSUS
    assert [s.name for s in earlier.objectors] == ["Knut Brenna"]
    assert earlier.objectors[0].reason == "For dyrt."
    assert len(earlier.supporters) == 7


async def test_quorum_lost_before_the_close_means_no_consensus(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    case_id = await add_case(demo, m.id)
    round_ = await started(demo, m[LEADER], case_id)
    for email in ADMINISTRATIVE:
        await answer(demo, m[email], round_.id, "agree")
    seen = await view(demo, m[LEADER], round_.id)
    assert isinstance(seen, RoundView) and seen.would_be is Outcome.CONSENSUS
    # two members leave: the secretariat records them absent; nine of nineteen is no quorum
    secretary = await actor(demo, SECRETARY)
    for email in ADMINISTRATIVE[-2:]:
        async with transaction(demo) as session:
            changed = await attendance.set_attendance(
                session,
                actor=secretary,
                meeting_id=m.id,
                person_id=m[email].person_id,
                status="absent",
                now=NOW,
            )
            assert not isinstance(changed, attendance.Refused)
    closed = await close(demo, m[LEADER], round_.id)
    assert isinstance(closed, service.Closed)
    assert closed.view.outcome is Outcome.NO_CONSENSUS
    assert closed.view.quorum is not None and not closed.view.quorum.reached
    assert closed.case_status.value == "treated"
    async with demo() as session:
        [result] = await service.results_for_meeting(session, meeting_id=m.id)
        counted = {
            a.person_name: a.counted for a in (await session.exec(select(ConsensusAnswer))).all()
        }
    assert not result.consensus and len(result.names_for) == 8
    assert [s.name for s in result.final.not_counted] == ["Bjørn Skaug", "Knut Brenna"]
    assert counted["Knut Brenna"] is False and counted["Per Haugen"] is True
    assert result.final.quorum is not None and result.final.quorum.present == 8


async def test_answers_from_the_chat_of_another_meeting_are_refused(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    await meeting(demo, present=[LEADER], chat=OTHER_CHAT, day=DAY + timedelta(days=7))
    refused = await answer(demo, m[MEMBER], round_.id, "agree", chat=OTHER_CHAT)
    assert isinstance(refused, Refused) and refused.reason is Reason.WRONG_MEETING
    assert isinstance(await answer(demo, m[MEMBER], round_.id, "agree", chat=None), service.Saved)
    assert (await counts(demo))[1] == 1


async def test_answers_after_the_meeting_ended_are_refused_but_the_chair_can_close(
    demo: Sessions,
) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    round_ = await started(demo, m[LEADER], await add_case(demo, m.id))
    await answer(demo, m[MEMBER], round_.id, "agree")
    async with transaction(demo) as session:
        await attendance.close_meeting(session, actor=m[LEADER], meeting_id=m.id, now=NOW)
    late = await answer(demo, m[LEADER], round_.id, "agree")
    assert isinstance(late, Refused) and late.reason is Reason.MEETING_NOT_OPEN
    closed = await close(demo, m[LEADER], round_.id)
    assert isinstance(closed, service.Closed) and closed.view.outcome is Outcome.CONSENSUS


async def test_results_leave_out_open_rounds_and_other_meetings(demo: Sessions) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    await started(demo, m[LEADER], await add_case(demo, m.id))
    async with demo() as session:
        assert await service.results_for_meeting(session, meeting_id=m.id) == []
        assert await service.results_for_meeting(session, meeting_id=m.id + 1) == []


async def test_the_chairs_list_shows_the_decision_cases_of_the_chat_meeting(
    demo: Sessions,
) -> None:
    m = await meeting(demo, present=ADMINISTRATIVE)
    first = await add_case(demo, m.id)
    await add_case(demo, m.id, section="theme", case_type="theme")
    decided = await add_case(demo, m.id, status="decided")
    running = await started(demo, m[LEADER], await add_case(demo, m.id, impact="major"))
    async with transaction(demo) as session:
        found = await service.start_candidates(session, actor=m[LEADER], conversation_id=CHAT)
        not_chair = await service.start_candidates(session, actor=m[MEMBER], conversation_id=CHAT)
        nowhere = await service.start_candidates(
            session, actor=m[LEADER], conversation_id="a:personal"
        )
    assert isinstance(found, service.StartList)
    assert [(c.case.id, c.decided, c.open_round_id) for c in found.cases] == [
        (first, False, None),
        (decided, True, None),
        (running.case.id, False, running.id),
    ]
    assert not_chair == Refused(Reason.NOT_CHAIR)
    assert nowhere == Refused(Reason.NO_MEETING)
