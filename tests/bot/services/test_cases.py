"""Cases on SQLite and PostgreSQL: numbering under concurrency, idempotency, triage, audit, notices.

The service tests call bot/services/cases.py directly; the triage card tests at the end go through
the running app (the `bot_on` fixture: both backends, the demo roster, a fake Bot Connector).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.cases import CaseStatus, Route, case_year, format_case_number
from bot.domain.roles import Actor
from bot.services import cases as service
from bot.services.identity import Caller, resolve_actor
from cards.cases import render_notice
from storage import audit
from storage.case_tables import Case, CaseCounter
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry
from tests.conftest import load_demo_roster
from tests.support.harness import BotHarness, card_text, demo_users

Sessions = async_sessionmaker[AsyncSession]
SECRETARY = "eva.lindqvist@demo.ssu.example"
SECRETARY_2 = "martin.sorli@demo.ssu.example"
MEMBER = "per.haugen@demo.ssu.example"
LEADER = "hilde.vang@demo.ssu.example"
STRANGER = Actor(None, "Ukjent Person", "00000000-0000-4000-8000-00000000beef")


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here, not in prod."""
    caplog.set_level(logging.DEBUG, logger="bot.services.cases")


class Sink:
    """A NoticeSink that keeps what it was given (the outbox will be one in production)."""

    def __init__(self) -> None:
        self.notices: list[service.Notice] = []

    async def __call__(
        self, session: AsyncSession, notices: Sequence[service.Notice], *, now: datetime
    ) -> None:
        assert session.in_transaction()
        self.notices.extend(notices)

    def of(self, kind: str) -> list[service.Notice]:
        return [n for n in self.notices if n.kind == kind]


SINK = Sink()


@pytest.fixture(autouse=True)
def _empty_sink() -> None:
    SINK.notices.clear()


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


async def actor(sessions: Sessions, email: str) -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))


async def add_meeting(
    sessions: Sessions,
    *,
    days: float,
    body: str = "SSU",
    deadline_days: float | None = None,
    state: str = "planned",
) -> int:
    """A meeting ``days`` from now whose case deadline is ``deadline_days`` from now."""
    now = datetime.now(UTC)
    start = now + timedelta(days=days)
    deadline = now + timedelta(days=days - 21 if deadline_days is None else deadline_days)
    async with transaction(sessions) as session:
        meeting = Meeting(
            body=body,
            title=f"{body}-møte",
            start_at=start,
            end_at=start + timedelta(hours=5),
            year=start.year,
            form="physical",
            state=state,
            case_submission_at=deadline,
            notice_at=start - timedelta(days=7),
            protocol_at=start + timedelta(days=7),
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        return meeting.id


def form(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Felles rutine for utskrivning",
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kari Nordmann, kommunalsjef",
        "case_type": "decision",
        "background": "Bakgrunn.",
        "assessment": "Vurdering.",
        "proposal": "SSU slutter seg til rutinen.",
        "economic_impact": "none",
        "meeting": "",
        "attachments": "https://portal.example/sak.pdf",
    }
    values.update(changes)
    return values


def key() -> str:
    return uuid.uuid4().hex


async def submit(
    sessions: Sessions, who: Actor, *, draft: str | None = None, **changes: Any
) -> service.Submitted | service.Refused:
    async with transaction(sessions) as session:
        return await service.submit_case(
            session,
            actor=who,
            values=form(**changes),
            key=draft or key(),
            conversation_id=f"a:personal-{who.aad_object_id}",
            notify=SINK,
        )


async def count(sessions: Sessions, model: Any) -> int:
    async with sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def audit_rows(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
        return list((await session.exec(query)).all())


THIS_YEAR = case_year(datetime.now(UTC))


# --------------------------------------------------------------------------------------------------
# Submitting
# --------------------------------------------------------------------------------------------------


async def test_a_case_gets_the_years_first_number_an_audit_entry_and_triage_cards(
    demo: Sessions,
) -> None:
    member = await actor(demo, MEMBER)
    result = await submit(demo, member)
    assert isinstance(result, service.Submitted) and result.created
    assert result.case.label == format_case_number(1, THIS_YEAR)
    assert result.case.status is CaseStatus.SUBMITTED
    assert result.case.attachments == ("https://portal.example/sak.pdf",)
    [entry] = await audit_rows(demo, "case.submit")
    assert entry.outcome == "ok" and entry.subject_id == str(result.case.id)
    assert "Felles rutine" not in entry.detail  # ids and codes, no texts
    triage = SINK.of(service.KIND_TRIAGE)
    assert triage == list(result.notices)
    secretariat = {(await actor(demo, e)).person_id for e in (SECRETARY, SECRETARY_2)}
    assert {notice.recipient_person_id for notice in triage} == secretariat
    _text, card = render_notice(triage[0])
    assert card is not None
    assert card["actions"][0]["verb"] == "case.triage"
    assert card["actions"][0]["data"] == {"case_id": result.case.id}
    async with demo() as session:
        verified = audit.verify_chain(await audit.all_entries(session))
    assert verified.ok


async def test_an_invalid_form_is_refused_audited_and_nothing_is_stored(demo: Sessions) -> None:
    member = await actor(demo, MEMBER)
    result = await submit(demo, member, title="   ", proposal="", background="x" * 10_000)
    assert isinstance(result, service.Refused)
    assert result.reason is service.RefusalReason.INVALID
    assert {(p.field, p.code) for p in result.problems} == {
        ("title", "required"),
        ("proposal", "proposal_required"),
        ("background", "too_long"),
    }
    assert await count(demo, Case) == 0
    assert await count(demo, CaseCounter) == 0
    [entry] = await audit_rows(demo, "case.submit")
    assert entry.outcome == "refused"
    assert "title:required" in entry.detail


async def test_the_same_key_twice_gives_one_case(demo: Sessions) -> None:
    member = await actor(demo, MEMBER)
    draft = key()
    first = await submit(demo, member, draft=draft)
    again = await submit(demo, member, draft=draft, title="Another title")
    assert isinstance(first, service.Submitted) and isinstance(again, service.Submitted)
    assert not again.created
    assert again.case.id == first.case.id and again.case.title == first.case.title
    assert await count(demo, Case) == 1
    assert len(SINK.of(service.KIND_TRIAGE)) == 2


async def test_someone_elses_key_is_refused_and_shows_nothing(demo: Sessions) -> None:
    member, leader = await actor(demo, MEMBER), await actor(demo, LEADER)
    draft = key()
    await submit(demo, member, draft=draft)
    result = await submit(demo, leader, draft=draft)
    assert isinstance(result, service.Refused)
    assert result.reason is service.RefusalReason.NOT_ALLOWED
    async with demo() as session:
        assert await service.find_submission(session, actor=leader, key=draft) is None
        assert await service.find_submission(session, actor=member, key=draft) is not None
    assert [e.outcome for e in await audit_rows(demo, "case.submit")] == ["ok", "refused"]


async def test_a_malformed_key_is_refused(demo: Sessions) -> None:
    result = await submit(demo, await actor(demo, MEMBER), draft="'; drop table--")
    assert isinstance(result, service.Refused)
    assert await count(demo, Case) == 0


async def test_twenty_parallel_submitters_get_gap_free_unique_numbers(demo: Sessions) -> None:
    people = [await actor(demo, MEMBER), await actor(demo, LEADER), STRANGER]
    results = await asyncio.gather(
        *(submit(demo, people[i % 3], title=f"Sak {i}") for i in range(20))
    )
    numbers = sorted(r.case.number for r in results if isinstance(r, service.Submitted))
    assert numbers == list(range(1, 21))
    async with demo() as session:
        counter = await session.get(CaseCounter, THIS_YEAR)
    assert counter is not None and counter.last_number == 20


async def test_a_double_click_racing_itself_makes_one_case(demo: Sessions) -> None:
    member = await actor(demo, MEMBER)
    draft = key()
    results = await asyncio.gather(*(submit(demo, member, draft=draft) for _ in range(6)))
    assert all(isinstance(r, service.Submitted) for r in results)
    ids = {r.case.id for r in results if isinstance(r, service.Submitted)}
    assert len(ids) == 1
    assert sum(r.created for r in results if isinstance(r, service.Submitted)) == 1
    assert await count(demo, Case) == 1
    after = await submit(demo, member)
    assert isinstance(after, service.Submitted) and after.case.number == 2  # no gap


async def test_a_rolled_back_submission_leaves_no_gap(demo: Sessions) -> None:
    member = await actor(demo, MEMBER)
    with pytest.raises(RuntimeError):
        async with transaction(demo) as session:
            await service.submit_case(session, actor=member, values=form(), key=key())
            raise RuntimeError("the turn failed after the case was stored")
    result = await submit(demo, member)
    assert isinstance(result, service.Submitted) and result.case.number == 1


async def test_numbers_run_per_calendar_year(demo: Sessions) -> None:
    member = await actor(demo, MEMBER)
    labels = []
    for moment in (
        datetime(2031, 12, 31, 22, 0, tzinfo=UTC),  # 23:00 in Oslo: still 2031
        datetime(2031, 12, 31, 23, 30, tzinfo=UTC),  # 00:30 in Oslo: 2032
        datetime(2032, 3, 1, tzinfo=UTC),
    ):
        async with transaction(demo) as session:
            result = await service.submit_case(
                session, actor=member, values=form(), key=key(), now=moment
            )
        assert isinstance(result, service.Submitted)
        labels.append(result.case.label)
    assert labels == ["01/31", "01/32", "02/32"]


async def test_anyone_may_submit_and_follow_their_cases(demo: Sessions) -> None:
    result = await submit(demo, STRANGER)
    assert isinstance(result, service.Submitted)
    member = await actor(demo, MEMBER)
    async with demo() as session:
        row = await session.get(Case, result.case.id)
        mine = await service.cases_of(session, actor=STRANGER)
        theirs = await service.cases_of(session, actor=member)
    assert row is not None and row.submitter_person_id is None
    assert row.submitter_aad_id == STRANGER.aad_object_id
    assert [c.id for c in mine] == [result.case.id]
    assert theirs == []


async def test_my_cases_lists_newest_first_with_status_and_meeting(demo: Sessions) -> None:
    member = await actor(demo, MEMBER)
    meeting = await add_meeting(demo, days=60)
    await submit(demo, member, title="Første")
    await submit(demo, member, title="Andre", meeting=str(meeting))
    async with demo() as session:
        cases = await service.cases_of(session, actor=member)
    assert [c.title for c in cases] == ["Andre", "Første"]
    assert cases[0].meeting is not None and cases[0].meeting.id == meeting
    assert cases[1].meeting is None


async def test_a_chosen_meeting_whose_deadline_passed_sends_the_case_to_the_next(
    demo: Sessions,
) -> None:
    late = await add_meeting(demo, days=10, deadline_days=-1)
    au_between = await add_meeting(demo, days=40, body="AU")
    next_ssu = await add_meeting(demo, days=90)
    result = await submit(demo, await actor(demo, MEMBER), meeting=str(late))
    assert isinstance(result, service.Submitted)
    assert result.case.requested_meeting is not None and result.case.requested_meeting.id == late
    assert result.case.meeting is not None and result.case.meeting.id == next_ssu
    assert result.case.moved
    assert au_between != next_ssu
    [entry] = await audit_rows(demo, "case.submit")
    assert json.loads(entry.detail)["moved"] is True


async def test_an_open_meeting_keeps_the_case(demo: Sessions) -> None:
    meeting = await add_meeting(demo, days=60)
    async with demo() as session:
        offered = await service.open_meetings(session)
    assert [m.id for m in offered] == [meeting]
    result = await submit(demo, await actor(demo, MEMBER), meeting=str(meeting))
    assert isinstance(result, service.Submitted)
    assert result.case.meeting is not None and result.case.meeting.id == meeting
    assert not result.case.moved


async def test_the_form_offers_only_ssu_and_au_meetings_still_taking_cases(
    demo: Sessions,
) -> None:
    ssu = await add_meeting(demo, days=60)
    au = await add_meeting(demo, days=50, body="AU")
    await add_meeting(demo, days=45, body="DIALOG")
    await add_meeting(demo, days=15, deadline_days=-2)
    await add_meeting(demo, days=70, state="cancelled")
    async with demo() as session:
        offered = await service.open_meetings(session)
    assert [m.id for m in offered] == [au, ssu]


async def test_a_meeting_that_does_not_exist_is_refused(demo: Sessions) -> None:
    dialog = await add_meeting(demo, days=45, body="DIALOG")
    for meeting in ("999999", str(dialog)):
        result = await submit(demo, await actor(demo, MEMBER), meeting=meeting)
        assert isinstance(result, service.Refused)
        assert [(p.field, p.code) for p in result.problems] == [("meeting", "unknown_meeting")]
    assert await count(demo, Case) == 0


# --------------------------------------------------------------------------------------------------
# Triage
# --------------------------------------------------------------------------------------------------


async def submitted(sessions: Sessions, who: Actor, **changes: Any) -> service.CaseView:
    result = await submit(sessions, who, **changes)
    assert isinstance(result, service.Submitted)
    return result.case


async def triage(
    sessions: Sessions, who: Actor, case_id: object, **values: Any
) -> service.Triaged | service.Refused:
    async with transaction(sessions) as session:
        return await service.triage_case(
            session, actor=who, case_id=case_id, values=values, notify=SINK
        )


async def test_the_secretariat_triages_and_the_submitter_is_told(demo: Sessions) -> None:
    member, secretary = await actor(demo, MEMBER), await actor(demo, SECRETARY)
    meeting = await add_meeting(demo, days=60)
    case = await submitted(demo, member)
    result = await triage(
        demo,
        secretary,
        case.id,
        route="au_line",
        section="report",
        meeting=str(meeting),
        minutes="5",
    )
    assert isinstance(result, service.Triaged) and result.changed
    assert result.case.status is CaseStatus.TRIAGED
    assert result.case.route is Route.AU_LINE
    assert result.case.meeting is not None and result.case.meeting.id == meeting
    assert result.case.minutes == 5
    [note] = SINK.of(service.KIND_STATUS)
    assert note.recipient_person_id == member.person_id
    text, _card = render_notice(note)
    assert text is not None and "Vurdert av sekretariatet" in text
    [entry] = await audit_rows(demo, "case.triage")
    assert json.loads(entry.detail)["to"] == "triaged"


async def test_a_submitter_outside_the_roster_is_told_in_their_chat(demo: Sessions) -> None:
    case = await submitted(demo, STRANGER)
    await triage(demo, await actor(demo, SECRETARY), case.id, route="au", section="report")
    [note] = SINK.of(service.KIND_STATUS)
    assert note.recipient_person_id is None
    assert note.conversation_id == f"a:personal-{STRANGER.aad_object_id}"


async def test_triaging_twice_with_the_same_answers_changes_nothing(demo: Sessions) -> None:
    case = await submitted(demo, await actor(demo, MEMBER))
    secretary = await actor(demo, SECRETARY)
    await triage(demo, secretary, case.id, route="ssu", section="decision")
    again = await triage(demo, secretary, str(case.id), route="ssu", section="decision")
    assert isinstance(again, service.Triaged) and not again.changed
    assert len(await audit_rows(demo, "case.triage")) == 1
    assert len(SINK.of(service.KIND_STATUS)) == 1
    other = await triage(demo, secretary, case.id, route="au", section="report")
    assert isinstance(other, service.Triaged) and other.changed
    assert len(SINK.of(service.KIND_STATUS)) == 2


@pytest.mark.parametrize("email", [MEMBER, LEADER, None])
async def test_only_the_secretariat_may_triage_and_refusals_are_audited(
    demo: Sessions, email: str | None
) -> None:
    case = await submitted(demo, await actor(demo, MEMBER))
    who = await actor(demo, email) if email else STRANGER
    result = await triage(demo, who, case.id, route="au", section="report")
    assert isinstance(result, service.Refused)
    assert result.reason is service.RefusalReason.NOT_ALLOWED
    async with demo() as session:
        row = await session.get(Case, case.id)
        view = await service.triage_view(session, actor=who, case_id=case.id)
    assert row is not None and row.status == "submitted" and row.route is None
    assert isinstance(view, service.Refused)
    [entry] = await audit_rows(demo, "case.triage")
    assert (entry.outcome, entry.subject_id) == ("refused", str(case.id))
    assert SINK.of(service.KIND_STATUS) == []


@pytest.mark.parametrize("forged", [999_999, "999999", "1; drop", None, -1, 1.5, True, "x" * 500])
async def test_a_forged_case_id_is_not_found(demo: Sessions, forged: object) -> None:
    await submitted(demo, await actor(demo, MEMBER))
    result = await triage(demo, await actor(demo, SECRETARY), forged, route="ssu", section="theme")
    assert isinstance(result, service.Refused)
    assert result.reason is service.RefusalReason.NOT_FOUND
    [entry] = await audit_rows(demo, "case.triage")
    assert entry.outcome == "refused" and len(entry.subject_id) <= 64


async def test_major_impact_forces_the_ssu_route(demo: Sessions) -> None:
    case = await submitted(demo, await actor(demo, MEMBER), economic_impact="major")
    secretary = await actor(demo, SECRETARY)
    refused = await triage(demo, secretary, case.id, route="au", section="report")
    assert isinstance(refused, service.Refused)
    assert [(p.field, p.code) for p in refused.problems] == [("route", "route_needs_ssu")]
    async with demo() as session:
        view = await service.triage_view(session, actor=secretary, case_id=case.id)
    assert isinstance(view, service.TriageView) and view.routes == (Route.SSU,)
    done = await triage(demo, secretary, case.id, route="ssu", section="decision")
    assert isinstance(done, service.Triaged) and done.case.route is Route.SSU


async def test_triage_refuses_meetings_that_do_not_exist_or_are_over(demo: Sessions) -> None:
    case = await submitted(demo, await actor(demo, MEMBER))
    secretary = await actor(demo, SECRETARY)
    cancelled = await add_meeting(demo, days=30, state="cancelled")
    held = await add_meeting(demo, days=-3, state="held")
    for meeting, code in (
        ("424242", "unknown_meeting"),
        (str(cancelled), "meeting_closed"),
        (str(held), "meeting_closed"),
    ):
        result = await triage(
            demo, secretary, case.id, route="ssu", section="theme", meeting=meeting
        )
        assert isinstance(result, service.Refused)
        assert [(p.field, p.code) for p in result.problems] == [("meeting", code)]
    async with demo() as session:
        row = await session.get(Case, case.id)
    assert row is not None and row.status == "submitted"


async def test_a_case_on_an_agenda_cannot_be_triaged_here(demo: Sessions) -> None:
    case = await submitted(demo, await actor(demo, MEMBER))
    async with transaction(demo) as session:
        row = await session.get(Case, case.id)
        assert row is not None
        row.status = "scheduled"
        session.add(row)
    result = await triage(demo, await actor(demo, SECRETARY), case.id, route="ssu", section="theme")
    assert isinstance(result, service.Refused)
    assert result.reason is service.RefusalReason.WRONG_STATE


async def test_the_outbox_sink_stores_each_notice_once(demo: Sessions) -> None:
    from dialogs.case_submission import outbox_notices
    from storage.outbox_tables import OutboxMessage

    member = await actor(demo, MEMBER)
    draft = key()
    secretary = await actor(demo, SECRETARY)
    for _ in range(2):
        async with transaction(demo) as session:
            submitted = await service.submit_case(
                session, actor=member, values=form(), key=draft, notify=outbox_notices
            )
    assert isinstance(submitted, service.Submitted)
    async with transaction(demo) as session:
        result = await service.triage_case(
            session,
            actor=secretary,
            case_id=submitted.case.id,
            values={"route": "au", "section": "report"},
            notify=outbox_notices,
        )
    assert isinstance(result, service.Triaged)
    async with demo() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [row.kind for row in rows] == ["case_triage", "case_triage", "case_status"]
    assert rows[2].recipient_person_id == member.person_id
    assert rows[0].payload["card"]["actions"][0]["verb"] == "case.triage"


# --------------------------------------------------------------------------------------------------
# Through the running app, on both backends
# --------------------------------------------------------------------------------------------------

USERS = demo_users()


async def _case_through_the_bot(bot: BotHarness, **changes: Any) -> int:
    member = USERS[MEMBER]
    status, body = await bot.act(member, "case.submit", {"draft_id": key(), **form(**changes)})
    assert status == 200
    draft = body["value"]["actions"][0]["data"]["draft_id"]
    status, body = await bot.act(member, "case.submit", {"draft_id": draft, "intent": "confirm"})
    assert "Saken er meldt inn" in card_text(body["value"])
    async with bot.sessions() as session:
        row = (await session.exec(select(Case).where(Case.submission_key == draft))).one()
    assert row.id is not None
    return row.id


async def test_triage_card_through_the_app(bot_on: BotHarness) -> None:
    case_id = await _case_through_the_bot(bot_on, economic_impact="major")
    secretary = USERS[SECRETARY]
    status, body = await bot_on.act(secretary, "case.triage.show", {"case_id": case_id})
    text = card_text(body["value"])
    assert "Ny sak til vurdering" in text and "Besluttes i Strategisk samarbeidsutvalg" in text
    assert "arbeidsutvalget" not in text.split("Saksgang")[-1].split("Møte")[0]
    status, body = await bot_on.act(
        secretary, "case.triage", {"case_id": case_id, "route": "au", "section": "report"}
    )
    assert "må besluttes i SSU" in card_text(body["value"])
    status, body = await bot_on.act(
        secretary,
        "case.triage",
        {"case_id": case_id, "route": "ssu", "section": "decision", "minutes": "30"},
    )
    assert status == 200
    text = card_text(body["value"])
    assert "er vurdert" in text and "30 min" in text
    async with bot_on.sessions() as session:
        row = await session.get(Case, case_id)
    assert row is not None and (row.status, row.route, row.minutes) == ("triaged", "ssu", 30)


async def test_triage_by_a_member_is_refused_through_the_app(bot_on: BotHarness) -> None:
    case_id = await _case_through_the_bot(bot_on)
    status, body = await bot_on.act(
        USERS[MEMBER], "case.triage", {"case_id": case_id, "route": "au", "section": "report"}
    )
    assert status == 200
    assert "Bare sekretariatet kan vurdere" in card_text(body["value"])
    status, body = await bot_on.act(USERS[LEADER], "case.triage.show", {"case_id": case_id})
    assert "Bare sekretariatet kan vurdere" in card_text(body["value"])
    status, body = await bot_on.act(
        USERS[SECRETARY], "case.triage", {"case_id": "DROP TABLE", "route": "au", "section": "x"}
    )
    assert "Fant ikke saken" in card_text(body["value"])
    async with bot_on.sessions() as session:
        row = await session.get(Case, case_id)
        refused = (
            await session.exec(
                select(AuditEntry).where(
                    col(AuditEntry.action).in_(["case.triage", "case.triage.view"]),
                    AuditEntry.outcome == "refused",
                )
            )
        ).all()
    assert row is not None and row.status == "submitted"
    assert len(refused) == 3


async def test_my_cases_loads_their_meetings_in_one_query_however_many_there_are(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """No query per meeting (N+1): listing cases must stay flat as the years add up."""
    from sqlalchemy import event

    from bot.services.cases import StoredMeetings

    statements: list[str] = []
    directory = StoredMeetings()
    async with sessions() as session:
        engine = session.bind
        assert engine is not None

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", record)  # type: ignore[union-attr]
        try:
            found = await directory.slots(session, {1, 2, 3, 4, 5})
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)  # type: ignore[union-attr]
    assert found == {}
    assert len([s for s in statements if "FROM meeting" in s]) == 1
