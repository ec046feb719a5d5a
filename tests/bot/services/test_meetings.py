"""The meetings service on SQLite and PostgreSQL: the yearly plan, add/move/cancel, permissions,
audit, attendees, calendar jobs, reads and free/busy."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import OSLO, Body, MeetingForm
from bot.domain.meeting_rules import MeetingDraft, PlanEdit, local_datetime
from bot.domain.meeting_state import MeetingState
from bot.domain.roles import Actor
from bot.graph.port import BusyBlock
from bot.services import meetings as service
from bot.services.identity import Caller, resolve_actor
from bot.services.meetings import SYSTEM, MeetingChanged, PlanApplied, RefusalReason, Refused
from storage import audit
from storage import calendar_sync as calendar_repo
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry
from tests.conftest import load_demo_roster

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECRETARY = "eva.lindqvist@demo.ssu.example"
LEADER = "hilde.vang@demo.ssu.example"
DEPUTY = "ingrid.solberg@demo.ssu.example"
MEMBER = "per.haugen@demo.ssu.example"
PERSONAL_DEPUTY = "astrid.hovde@demo.ssu.example"
OBSERVER = "sissel.ruud@demo.ssu.example"
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here, not in prod."""
    caplog.set_level(logging.DEBUG, logger="bot.services.meetings")


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


async def actor(sessions: Sessions, email: str, locale: str = "nb") -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, locale, email))


STRANGER = Actor(None, "Ukjent", "00000000-0000-4000-8000-00000000dead")


async def meeting_count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await session.exec(select(func.count()).select_from(Meeting))).one())


async def audit_entries(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions() as session:
        return [e for e in await audit.all_entries(session) if e.action == action]


async def apply(
    sessions: Sessions, who: Actor | service.SystemPrincipal, year: int = 2027, **kw: Any
) -> PlanApplied | Refused:
    async with transaction(sessions) as session:
        return await service.apply_plan(session, actor=who, year=year, now=NOW, **kw)


def ssu_draft(day: date, **changes: object) -> MeetingDraft:
    values: dict[str, object] = {
        "body": "SSU",
        "start": local_datetime(day, time(9, 30)),
        "end": local_datetime(day, time(14, 30)),
        "form": "physical",
        "location": "Fylkeshuset Lillehammer",
        "region": None,
    }
    values.update(changes)
    return MeetingDraft(**values)  # type: ignore[arg-type]


async def add(sessions: Sessions, who: Actor, draft: MeetingDraft) -> MeetingChanged | Refused:
    async with transaction(sessions) as session:
        return await service.add_meeting(session, actor=who, draft=draft, now=NOW)


async def first_ssu_2027(sessions: Sessions) -> service.MeetingView:
    secretary = await actor(sessions, SECRETARY)
    async with sessions() as session:
        meetings = await service.meetings_in_year(session, actor=secretary, year=2027)
    assert not isinstance(meetings, Refused)
    return next(m for m in meetings if m.body is Body.SSU)


# --------------------------------------------------------------------------------------------------
# The yearly plan
# --------------------------------------------------------------------------------------------------


async def test_applying_the_plan_creates_the_years_meetings_with_stored_utc_deadlines(
    demo: Sessions,
) -> None:
    result = await apply(demo, await actor(demo, SECRETARY))
    assert isinstance(result, PlanApplied)
    assert len(result.created) == 13 and result.existing == ()
    first = result.created[0]
    assert first.title == "SSU-møte torsdag 11. februar 2027"
    assert first.start == datetime(2027, 2, 11, 9, 30, tzinfo=OSLO)
    assert first.deadlines.case_submission == datetime(2027, 1, 21, 9, 30, tzinfo=OSLO)
    assert first.deadlines.notice == datetime(2027, 2, 4, 9, 30, tzinfo=OSLO)
    assert first.deadlines.protocol == datetime(2027, 2, 18, 14, 30, tzinfo=OSLO)
    async with demo() as session:
        row = await session.get(Meeting, first.id)
        assert row is not None
        assert row.start_at == datetime(2027, 2, 11, 8, 30, tzinfo=UTC)
        assert row.notice_at.utcoffset() == timedelta(0)
        assert row.state == "planned" and row.pattern_key == "m02-thu-2" and row.year == 2027


async def test_applying_the_plan_twice_creates_nothing_new(demo: Sessions) -> None:
    secretary = await actor(demo, SECRETARY)
    first = await apply(demo, secretary)
    second = await apply(demo, secretary)
    assert isinstance(first, PlanApplied) and isinstance(second, PlanApplied)
    assert second.created == () and len(second.existing) == 13
    assert await meeting_count(demo) == 13
    async with demo() as session:
        jobs = await calendar_repo.count_by_state(session)
    assert jobs == {"pending": 13}


async def test_reapplying_keeps_a_moved_meeting_where_it_was_moved(demo: Sessions) -> None:
    secretary = await actor(demo, SECRETARY)
    await apply(demo, secretary)
    ssu = await first_ssu_2027(demo)
    async with transaction(demo) as session:
        moved = await service.move_meeting(
            session,
            actor=secretary,
            meeting_id=ssu.id,
            start=ssu.start + timedelta(days=7),
            end=ssu.end + timedelta(days=7),
            now=NOW,
        )
    assert isinstance(moved, MeetingChanged)
    again = await apply(demo, secretary)
    assert isinstance(again, PlanApplied) and again.created == ()
    assert (await first_ssu_2027(demo)).start == ssu.start + timedelta(days=7)


async def test_the_plan_creates_calendar_jobs_with_norwegian_subjects_and_attendees(
    demo: Sessions,
) -> None:
    result = await apply(demo, await actor(demo, SECRETARY))
    assert isinstance(result, PlanApplied)
    ssu = result.created[0]
    async with demo() as session:
        jobs = await calendar_repo.jobs_for(session, meeting_id=ssu.id)
    assert [job.op for job in jobs] == ["create"]
    payload = json.loads(jobs[0].payload or "{}")
    assert payload["subject"] == "SSU-møte torsdag 11. februar 2027"
    emails = {a["email"]: a["required"] for a in payload["attendees"]}
    assert emails[LEADER] and emails[DEPUTY] and emails[MEMBER] and emails[SECRETARY]
    assert emails[OBSERVER] is False
    assert PERSONAL_DEPUTY not in emails
    assert len(emails) == 19 + 6 + 2


async def test_past_meetings_of_an_applied_year_get_no_calendar_invitation(
    demo: Sessions,
) -> None:
    result = await apply(demo, SYSTEM, year=2026, source="cli")
    assert isinstance(result, PlanApplied)
    assert len(result.created) == 13 and len(result.calendar_skipped) == 13
    async with demo() as session:
        assert await calendar_repo.count_by_state(session) == {}


async def test_the_system_applies_the_plan_audited_with_no_actor_and_its_source(
    demo: Sessions,
) -> None:
    await apply(demo, SYSTEM, source="cli")
    [entry] = await audit_entries(demo, "meeting.plan.apply")
    assert entry.actor_person_id is None and entry.outcome == "ok"
    assert json.loads(entry.detail) == {"created": 13, "existing": 0, "source": "cli"}
    assert len(await audit_entries(demo, "meeting.create")) == 13


@pytest.mark.parametrize("email", [MEMBER, LEADER, OBSERVER])
async def test_only_the_secretariat_may_apply_the_plan_and_refusals_are_audited(
    demo: Sessions, email: str
) -> None:
    who = await actor(demo, email)
    result = await apply(demo, who)
    assert isinstance(result, Refused) and result.reason is RefusalReason.NOT_ALLOWED
    assert await meeting_count(demo) == 0
    [entry] = await audit_entries(demo, "meeting.plan.apply")
    assert entry.outcome == "refused" and entry.actor_person_id == who.person_id
    assert json.loads(entry.detail)["reason"] == "not_allowed"


async def test_a_stranger_cannot_apply_the_plan(demo: Sessions) -> None:
    result = await apply(demo, STRANGER)
    assert isinstance(result, Refused) and result.reason is RefusalReason.NOT_ALLOWED
    assert await meeting_count(demo) == 0


async def test_an_edited_meeting_is_created_at_the_edited_time_and_place(demo: Sessions) -> None:
    edits = {
        "ssu-m02-thu-2": PlanEdit(
            day=date(2027, 2, 18), start_time=time(10, 0), location="Hamar", form=MeetingForm.hybrid
        )
    }
    result = await apply(demo, await actor(demo, SECRETARY), edits=edits)
    assert isinstance(result, PlanApplied)
    ssu = result.created[0]
    assert ssu.start == datetime(2027, 2, 18, 10, 0, tzinfo=OSLO)
    assert ssu.end == datetime(2027, 2, 18, 15, 0, tzinfo=OSLO)
    assert ssu.title == "SSU-møte torsdag 18. februar 2027"
    assert (ssu.location, ssu.form, ssu.online) == ("Hamar", MeetingForm.hybrid, True)


@pytest.mark.parametrize(
    ("edit", "field", "code"),
    [
        (PlanEdit(day=date(2027, 5, 6)), "ssu-m05-thu-3.date", "holiday"),
        (PlanEdit(day=date(2026, 5, 21)), "ssu-m05-thu-3.date", "in_past"),
        (PlanEdit(location=""), "ssu-m05-thu-3.location", "location_missing"),
    ],
)
async def test_a_bad_edit_refuses_the_whole_plan_and_stores_nothing(
    demo: Sessions, edit: PlanEdit, field: str, code: str
) -> None:
    result = await apply(demo, await actor(demo, SECRETARY), edits={"ssu-m05-thu-3": edit})
    assert isinstance(result, Refused) and result.reason is RefusalReason.INVALID
    assert [(p.field, p.code) for p in result.problems] == [(field, code)]
    assert await meeting_count(demo) == 0
    [entry] = await audit_entries(demo, "meeting.plan.apply")
    assert entry.outcome == "refused"
    assert json.loads(entry.detail)["problems"] == [f"{field}:{code}"]


async def test_an_edit_for_a_meeting_not_in_the_plan_is_refused(demo: Sessions) -> None:
    result = await apply(demo, await actor(demo, SECRETARY), edits={"ssu-m13-thu-9": PlanEdit()})
    assert isinstance(result, Refused)
    assert [p.code for p in result.problems] == ["unknown_slot"]


async def test_a_year_out_of_range_is_refused(demo: Sessions) -> None:
    result = await apply(demo, SYSTEM, year=1999)
    assert isinstance(result, Refused) and result.problems[0].code == "year_out_of_range"


async def test_the_proposed_plan_marks_meetings_already_created(demo: Sessions) -> None:
    secretary = await actor(demo, SECRETARY)
    member = await actor(demo, MEMBER)
    await apply(demo, secretary)
    async with demo() as session:
        items = await service.proposed_plan(session, actor=secretary, year=2027)
        refused = await service.proposed_plan(session, actor=member, year=2027)
    assert not isinstance(items, Refused)
    assert len(items) == 13 and all(item.existing is not None for item in items)
    assert isinstance(refused, Refused)


# --------------------------------------------------------------------------------------------------
# Adding one meeting
# --------------------------------------------------------------------------------------------------


async def test_the_secretariat_adds_a_meeting_with_deadlines_and_a_calendar_job(
    demo: Sessions,
) -> None:
    result = await add(demo, await actor(demo, SECRETARY), ssu_draft(date(2027, 1, 14)))
    assert isinstance(result, MeetingChanged)
    meeting = result.meeting
    assert meeting.title == "SSU-møte torsdag 14. januar 2027" and meeting.pattern_key is None
    assert meeting.deadlines.notice == datetime(2027, 1, 7, 9, 30, tzinfo=OSLO)
    assert len(result.notify_person_ids) == 27
    async with demo() as session:
        assert [j.op for j in await calendar_repo.jobs_for(session, meeting_id=meeting.id)] == [
            "create"
        ]
    [entry] = await audit_entries(demo, "meeting.add")
    assert entry.outcome == "ok" and entry.subject_id == str(meeting.id)


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (ssu_draft(date(2026, 11, 19)), [("date", "in_past")]),
        (
            ssu_draft(date(2027, 1, 14), end=local_datetime(date(2027, 1, 14), time(8, 0))),
            [("end", "end_before_start")],
        ),
        (ssu_draft(date(2027, 5, 6)), [("date", "holiday")]),
        (ssu_draft(date(2027, 5, 17)), [("date", "holiday")]),
        (ssu_draft(date(2027, 1, 14), body="BOARD"), [("body", "body_unknown")]),
        (ssu_draft(date(2027, 1, 14), form="video"), [("form", "form_unknown")]),
        (ssu_draft(date(2027, 1, 14), location="  "), [("location", "location_missing")]),
        (ssu_draft(date(2027, 1, 14), body="DIALOG"), [("region", "region_missing")]),
        (ssu_draft(date(2027, 1, 14), region="Oslo"), [("region", "region_unknown")]),
    ],
)
async def test_bad_input_is_refused_with_the_field_and_nothing_is_stored(
    demo: Sessions, draft: MeetingDraft, expected: list[tuple[str, str]]
) -> None:
    result = await add(demo, await actor(demo, SECRETARY), draft)
    assert isinstance(result, Refused) and result.reason is RefusalReason.INVALID
    assert [(p.field, p.code) for p in result.problems] == expected
    assert await meeting_count(demo) == 0
    [entry] = await audit_entries(demo, "meeting.add")
    assert entry.outcome == "refused"


async def test_a_holiday_problem_names_the_holiday(demo: Sessions) -> None:
    result = await add(demo, await actor(demo, SECRETARY), ssu_draft(date(2027, 5, 6)))
    assert isinstance(result, Refused)
    assert dict(result.problems[0].params) == {
        "date": "06.05.2027",
        "holiday": "Kristi himmelfartsdag",
    }


async def test_a_digital_meeting_needs_no_place(demo: Sessions) -> None:
    draft = ssu_draft(date(2027, 1, 14), form="digital", location=None)
    result = await add(demo, await actor(demo, SECRETARY), draft)
    assert isinstance(result, MeetingChanged) and result.meeting.online


async def test_a_member_cannot_add_a_meeting(demo: Sessions) -> None:
    result = await add(demo, await actor(demo, MEMBER), ssu_draft(date(2027, 1, 14)))
    assert isinstance(result, Refused) and result.reason is RefusalReason.NOT_ALLOWED
    assert await meeting_count(demo) == 0
    [entry] = await audit_entries(demo, "meeting.add")
    assert entry.outcome == "refused"


# --------------------------------------------------------------------------------------------------
# Moving and cancelling
# --------------------------------------------------------------------------------------------------


async def _added(sessions: Sessions, day: date = date(2027, 1, 14)) -> service.MeetingView:
    result = await add(sessions, await actor(sessions, SECRETARY), ssu_draft(day))
    assert isinstance(result, MeetingChanged)
    return result.meeting


async def move(
    sessions: Sessions, who: Actor, meeting_id: int, **kw: Any
) -> MeetingChanged | Refused:
    async with transaction(sessions) as session:
        return await service.move_meeting(session, actor=who, meeting_id=meeting_id, now=NOW, **kw)


async def test_moving_a_meeting_updates_time_deadlines_title_and_calendar_and_lists_who_to_tell(
    demo: Sessions,
) -> None:
    meeting = await _added(demo)
    new_start = datetime(2027, 1, 21, 10, 0, tzinfo=OSLO)
    result = await move(
        demo,
        await actor(demo, SECRETARY),
        meeting.id,
        start=new_start,
        end=new_start + timedelta(hours=4),
        location="Hamar rådhus",
        form="hybrid",
    )
    assert isinstance(result, MeetingChanged)
    after = result.meeting
    assert after.title == "SSU-møte torsdag 21. januar 2027"
    assert after.deadlines.notice == datetime(2027, 1, 14, 10, 0, tzinfo=OSLO)
    assert (after.location, after.form, after.online) == ("Hamar rådhus", MeetingForm.hybrid, True)
    assert result.previous is not None and result.previous.start == meeting.start
    assert len(result.notify_person_ids) == 27
    async with demo() as session:
        jobs = await calendar_repo.jobs_for(session, meeting_id=meeting.id)
    assert [j.op for j in jobs] == ["create", "update"]
    assert json.loads(jobs[1].payload or "{}")["subject"] == "SSU-møte torsdag 21. januar 2027"
    [entry] = await audit_entries(demo, "meeting.move")
    detail = json.loads(entry.detail)
    assert detail["from"]["start"] == meeting.start.isoformat()
    assert detail["to"]["location"] == "Hamar rådhus"


async def test_moving_onto_a_holiday_is_refused_and_changes_nothing(demo: Sessions) -> None:
    meeting = await _added(demo)
    holiday = datetime(2027, 3, 25, 9, 30, tzinfo=OSLO)  # Maundy Thursday 2027
    result = await move(
        demo,
        await actor(demo, SECRETARY),
        meeting.id,
        start=holiday,
        end=holiday + timedelta(hours=5),
    )
    assert isinstance(result, Refused) and result.problems[0].code == "holiday"
    assert (await _reload(demo, meeting.id)).start == meeting.start
    async with demo() as session:
        assert len(await calendar_repo.jobs_for(session, meeting_id=meeting.id)) == 1


async def _reload(sessions: Sessions, meeting_id: int) -> service.MeetingView:
    async with sessions() as session:
        view = await service.get_meeting(session, actor=SYSTEM, meeting_id=meeting_id)
    assert not isinstance(view, Refused)
    return view


async def test_moving_to_the_same_time_is_refused_as_unchanged(demo: Sessions) -> None:
    meeting = await _added(demo)
    result = await move(
        demo, await actor(demo, SECRETARY), meeting.id, start=meeting.start, end=meeting.end
    )
    assert isinstance(result, Refused) and result.problems[0].code == "unchanged"


async def test_a_member_cannot_move_a_meeting_and_the_attempt_is_audited(
    demo: Sessions,
) -> None:
    meeting = await _added(demo)
    member = await actor(demo, MEMBER)
    result = await move(demo, member, meeting.id, start=meeting.start + timedelta(days=7))
    assert isinstance(result, Refused) and result.reason is RefusalReason.NOT_ALLOWED
    [entry] = await audit_entries(demo, "meeting.move")
    assert entry.outcome == "refused" and entry.actor_person_id == member.person_id
    assert (await _reload(demo, meeting.id)).start == meeting.start


async def test_moving_an_unknown_meeting_is_refused_as_not_found(demo: Sessions) -> None:
    result = await move(demo, await actor(demo, SECRETARY), 9999, start=NOW + timedelta(days=30))
    assert isinstance(result, Refused) and result.reason is RefusalReason.NOT_FOUND


async def cancel(
    sessions: Sessions, who: Actor, meeting_id: int, reason: str
) -> MeetingChanged | Refused:
    async with transaction(sessions) as session:
        return await service.cancel_meeting(
            session, actor=who, meeting_id=meeting_id, reason=reason
        )


async def test_cancelling_needs_a_reason_which_goes_to_the_calendar(demo: Sessions) -> None:
    meeting = await _added(demo)
    secretary = await actor(demo, SECRETARY)
    missing = await cancel(demo, secretary, meeting.id, "  ")
    assert isinstance(missing, Refused) and missing.problems[0].code == "reason_missing"
    result = await cancel(demo, secretary, meeting.id, "For få saker til behandling")
    assert isinstance(result, MeetingChanged)
    assert result.meeting.state is MeetingState.CANCELLED
    assert result.meeting.cancel_reason == "For få saker til behandling"
    assert len(result.notify_person_ids) == 27
    async with demo() as session:
        jobs = await calendar_repo.jobs_for(session, meeting_id=meeting.id)
    assert [(j.op, j.comment) for j in jobs][-1] == ("cancel", "For få saker til behandling")
    again = await cancel(demo, secretary, meeting.id, "Igjen")
    assert isinstance(again, Refused) and again.reason is RefusalReason.WRONG_STATE
    moved = await move(demo, secretary, meeting.id, start=meeting.start + timedelta(days=7))
    assert isinstance(moved, Refused) and moved.reason is RefusalReason.WRONG_STATE


async def test_a_member_cannot_cancel_a_meeting(demo: Sessions) -> None:
    meeting = await _added(demo)
    result = await cancel(demo, await actor(demo, LEADER), meeting.id, "Jeg er opptatt")
    assert isinstance(result, Refused) and result.reason is RefusalReason.NOT_ALLOWED
    assert (await _reload(demo, meeting.id)).state is MeetingState.PLANNED


# --------------------------------------------------------------------------------------------------
# Reading, attendees, calendar state and free/busy
# --------------------------------------------------------------------------------------------------


async def test_next_meeting_is_the_soonest_not_cancelled_one_that_concerns_the_person(
    demo: Sessions,
) -> None:
    await apply(demo, SYSTEM)
    member = await actor(demo, MEMBER)
    observer = await actor(demo, OBSERVER)
    pa_member = await actor(demo, "marit.aasen@demo.ssu.example")
    async with demo() as session:
        for_member = await service.next_meeting(session, actor=member, now=NOW)
        for_observer = await service.next_meeting(session, actor=observer, now=NOW)
        for_stranger = await service.next_meeting(session, actor=STRANGER, now=NOW)
        in_june = await service.next_meeting(
            session, actor=pa_member, now=datetime(2027, 5, 28, tzinfo=UTC)
        )
    assert isinstance(for_member, service.MeetingView) and for_member.body is Body.SSU
    assert for_member.start.date() == date(2027, 2, 11)
    assert isinstance(for_observer, service.MeetingView) and for_observer.body is Body.SSU
    assert isinstance(for_stranger, Refused)
    assert isinstance(in_june, service.MeetingView) and in_june.body is Body.PA
    first = await first_ssu_2027(demo)
    await cancel(demo, await actor(demo, SECRETARY), first.id, "Flyttes til mars")
    async with demo() as session:
        after = await service.next_meeting(session, actor=member, now=NOW)
    assert isinstance(after, service.MeetingView) and after.body is Body.STRATEGY


async def test_the_years_meetings_are_ordered_by_start_for_everyone_known(
    demo: Sessions,
) -> None:
    await apply(demo, SYSTEM)
    deputy = await actor(demo, PERSONAL_DEPUTY)
    async with demo() as session:
        meetings = await service.meetings_in_year(session, actor=deputy, year=2027)
        stranger = await service.meetings_in_year(session, actor=STRANGER, year=2027)
        empty = await service.meetings_in_year(session, actor=SYSTEM, year=2028)
    assert not isinstance(meetings, Refused) and len(meetings) == 13
    assert [m.start for m in meetings] == sorted(m.start for m in meetings)
    assert isinstance(stranger, Refused) and empty == []


async def test_meetings_open_for_cases_are_those_whose_case_deadline_is_ahead(
    demo: Sessions,
) -> None:
    await apply(demo, SYSTEM)
    async with demo() as session:
        before = await service.upcoming_meetings_open_for_cases(session, now=NOW)
        later = await service.upcoming_meetings_open_for_cases(
            session, now=datetime(2027, 1, 21, 9, 0, tzinfo=OSLO)
        )
        closed = await service.upcoming_meetings_open_for_cases(
            session, now=datetime(2027, 1, 21, 9, 30, tzinfo=OSLO)
        )
    assert len(before) == 13
    assert later[0].start.date() == date(2027, 2, 11)
    assert closed[0].start.date() == date(2027, 3, 10)


async def test_pa_attendees_are_the_pa_members_and_the_secretariat(demo: Sessions) -> None:
    result = await apply(demo, SYSTEM)
    assert isinstance(result, PlanApplied)
    pa = next(m for m in result.created if m.body is Body.PA)
    async with demo() as session:
        invitees = await service.attendees_of(session, meeting_id=pa.id)
    emails = {i.email for i in invitees}
    assert len(emails) == 8 + 2 and SECRETARY in emails and MEMBER not in emails
    assert all(i.required for i in invitees)


async def test_a_dialogue_meeting_calls_the_regions_members_and_the_leadership(
    demo: Sessions,
) -> None:
    result = await apply(demo, SYSTEM)
    assert isinstance(result, PlanApplied)
    hamar = next(m for m in result.created if m.region == "Hamar")
    async with demo() as session:
        emails = {i.email for i in await service.attendees_of(session, meeting_id=hamar.id)}
    assert {LEADER, DEPUTY, SECRETARY} <= emails
    assert MEMBER not in emails


async def test_calendar_info_is_pending_until_the_calendar_has_synced(demo: Sessions) -> None:
    meeting = await _added(demo)
    async with demo() as session:
        info = await service.calendar_info(session, meeting_id=meeting.id)
        none = await service.calendar_info(session, meeting_id=9999)
    assert info is not None and info.pending and info.join_url is None
    assert none is None


class FakeCalendar:
    """Only free/busy: the leader is busy on 11 Feb 2027."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[Sequence[str], datetime, datetime]] = []

    async def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]:
        self.calls.append((emails, start, end))
        if self.fail:
            raise RuntimeError("calendar down")
        busy_day = datetime(2027, 2, 11, 8, 0, tzinfo=UTC)
        if start.date() != busy_day.date():
            return {LEADER: []}
        return {LEADER: [BusyBlock(busy_day, busy_day + timedelta(hours=8))]}


async def _busy(demo: Sessions, calendar: FakeCalendar | None) -> service.BusyReport:
    async with demo() as session:
        items = await service.proposed_plan(session, actor=SYSTEM, year=2027)
        leaders = await service.leadership(session)
    assert not isinstance(items, Refused)
    from bot.domain.meeting_rules import draft_from_proposal

    drafts = {i.proposal.slot: draft_from_proposal(i.proposal) for i in items}
    return await service.busy_flags(
        calendar=calendar,  # type: ignore[arg-type]
        leaders=leaders,
        drafts=drafts,
    )


async def test_free_busy_flags_the_meeting_where_the_leader_is_busy(demo: Sessions) -> None:
    calendar = FakeCalendar()
    report = await _busy(demo, calendar)
    assert report.available and len(calendar.calls) == 13
    assert report.flags["ssu-m02-thu-2"].busy_names == ("Hilde Vang",)
    assert not report.flags["ssu-m05-thu-3"].busy


async def test_free_busy_is_reported_unavailable_when_the_calendar_fails_or_is_missing(
    demo: Sessions,
) -> None:
    assert not (await _busy(demo, FakeCalendar(fail=True))).available
    assert not (await _busy(demo, None)).available


async def test_two_approvals_at_once_create_each_meeting_once(demo: Sessions) -> None:
    secretary = await actor(demo, SECRETARY)
    first, second = await asyncio.gather(apply(demo, secretary), apply(demo, secretary))
    assert isinstance(first, PlanApplied) and isinstance(second, PlanApplied)
    assert sorted([len(first.created), len(second.created)]) == [0, 13]
    assert await meeting_count(demo) == 13


async def _outbox(sessions: Sessions, kind: str) -> list[Any]:
    from sqlmodel import select

    from storage.outbox_tables import OutboxMessage

    async with sessions() as session:
        return list(
            (await session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind))).all()
        )


async def test_everyone_called_to_a_moved_meeting_is_told_once_through_the_outbox(
    demo: Sessions,
) -> None:
    meeting = await _added(demo)
    secretary = await actor(demo, SECRETARY)
    later = meeting.start + timedelta(days=7)
    result = await move(demo, secretary, meeting.id, start=later, end=later + timedelta(hours=5))
    assert isinstance(result, MeetingChanged)
    messages = await _outbox(demo, "meeting_moved")
    assert sorted(m.recipient_person_id for m in messages) == sorted(result.notify_person_ids)
    text = (
        json.loads(messages[0].payload)["text"]
        if isinstance(messages[0].payload, str)
        else messages[0].payload["text"]
    )
    assert "er flyttet fra" in text and "Kalenderen din er oppdatert" in text


async def test_everyone_called_to_a_cancelled_meeting_hears_the_reason(demo: Sessions) -> None:
    meeting = await _added(demo)
    result = await cancel(demo, await actor(demo, SECRETARY), meeting.id, "For få saker")
    assert isinstance(result, MeetingChanged)
    messages = await _outbox(demo, "meeting_cancelled")
    assert len(messages) == len(result.notify_person_ids) > 0
    payload = messages[0].payload
    text = json.loads(payload)["text"] if isinstance(payload, str) else payload["text"]
    assert "er avlyst. Begrunnelse: For få saker" in text
