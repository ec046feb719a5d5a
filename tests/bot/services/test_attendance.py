"""The attendance service on SQLite and PostgreSQL: absence and the personal deputy called in
(attendance rows, calendar update job, outbox messages, hooks), refusals and their audit, opening
and closing a meeting, Teams meeting events, check-in and corrections with forged ids, and the
live quorum."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import Body, MeetingForm, deadlines_for
from bot.domain.meeting_rules import MeetingDraft, local_datetime
from bot.domain.meeting_state import MeetingState
from bot.domain.roles import Actor
from bot.services import attendance as service
from bot.services import meetings as meetings_service
from bot.services.attendance import (
    AbsenceNotice,
    AbsenceReported,
    AttendanceChanged,
    AttendanceHooks,
    DeputyCalled,
    MeetingEnded,
    MeetingEvent,
    Reason,
    Refused,
)
from bot.services.identity import Caller, resolve_actor
from bot.services.meetings import SYSTEM, MeetingChanged, MeetingView
from cards.attendance import render_absence_notice
from storage import audit
from storage.attendance_tables import Attendance
from storage.calendar_tables import CalendarEventLink, CalendarJob
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry, Person
from storage.outbox_tables import OutboxMessage
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = date(2026, 12, 3)  # a Thursday
START = local_datetime(DAY, time(9, 30))
SECRETARY = "eva.lindqvist@demo.ssu.example"
SECRETARY_2 = "martin.sorli@demo.ssu.example"
LEADER = "hilde.vang@demo.ssu.example"
MEMBER = "per.haugen@demo.ssu.example"  # personal deputy: Geir Lie
MEMBER_DEPUTY = "geir.lie@demo.ssu.example"
USER_REP = "liv.strand@demo.ssu.example"
OBSERVER = "sissel.ruud@demo.ssu.example"
LEADER_DEPUTY = "tone.foss@demo.ssu.example"  # the leader's personal deputy
STRANGER = Actor(None, "Ukjent", "00000000-0000-4000-8000-00000000dead")
THREAD = "19:meeting_NzQ2ZWU4ZjEtZGQ1Yy00@thread.v2"
JOIN_URL = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ2ZWU4ZjEtZGQ1Yy00%40thread.v2/0"
    "?context=%7b%22Tid%22%3a%22t%22%7d"
)


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Log at DEBUG so a bad ``extra=`` key (one LogRecord reserves) fails here."""
    caplog.set_level(logging.DEBUG, logger="bot.services.attendance")


@pytest.fixture
async def demo(sessions: Sessions) -> Sessions:
    await load_demo_roster(sessions)
    return sessions


async def actor(sessions: Sessions, email: str) -> Actor:
    async with transaction(sessions) as session:
        return await resolve_actor(session, caller=Caller(None, None, email, "nb", email))


async def person_id(sessions: Sessions, email: str) -> int:
    who = await actor(sessions, email)
    assert who.person_id is not None
    return who.person_id


async def add_meeting(sessions: Sessions, body: str = "SSU", day: date = DAY) -> MeetingView:
    draft = MeetingDraft(
        body=body,
        start=local_datetime(day, time(9, 30)),
        end=local_datetime(day, time(14, 30)),
        form="hybrid",
        location="Fylkeshuset Lillehammer",
        region=None,
    )
    async with transaction(sessions) as session:
        result = await meetings_service.add_meeting(session, actor=SYSTEM, draft=draft, now=NOW)
    assert isinstance(result, MeetingChanged)
    return result.meeting


async def set_state(sessions: Sessions, meeting_id: int, state: MeetingState) -> None:
    async with transaction(sessions) as session:
        row = await session.get(Meeting, meeting_id)
        assert row is not None
        row.state = state.value
        session.add(row)


async def absence(
    sessions: Sessions,
    who: Actor,
    meeting_id: object = None,
    hooks: AttendanceHooks = service.NO_HOOKS,
    now: datetime = NOW,
) -> AbsenceReported | Refused:
    async with transaction(sessions) as session:
        return await service.report_absence(
            session,
            actor=who,
            now=now,
            render=render_absence_notice,
            meeting_id=meeting_id,
            hooks=hooks,
        )


async def rows(sessions: Sessions, meeting_id: int) -> dict[int, Attendance]:
    async with sessions() as session:
        query = select(Attendance).where(Attendance.meeting_id == meeting_id)
        return {r.person_id: r for r in (await session.exec(query)).all()}


async def outbox_rows(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        )


async def calendar_jobs(sessions: Sessions, meeting_id: int) -> list[CalendarJob]:
    async with sessions() as session:
        query = (
            select(CalendarJob)
            .where(CalendarJob.meeting_id == meeting_id)
            .order_by(col(CalendarJob.id))
        )
        return list((await session.exec(query)).all())


async def audit_of(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions() as session:
        return [e for e in await audit.all_entries(session) if e.action == action]


# --------------------------------------------------------------------------------------------------
# Absence
# --------------------------------------------------------------------------------------------------


async def test_absence_calls_in_the_personal_deputy_with_calendar_update_and_messages(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    member = await actor(demo, MEMBER)
    deputy_id = await person_id(demo, MEMBER_DEPUTY)
    called: list[DeputyCalled] = []
    hooks = AttendanceHooks()

    async def notice_feature(_session: AsyncSession, event: DeputyCalled) -> None:
        called.append(event)

    hooks.on_deputy_called(notice_feature)
    jobs_before = len(await calendar_jobs(demo, meeting.id))

    result = await absence(demo, member, hooks=hooks)

    assert isinstance(result, AbsenceReported)
    assert result.meeting.id == meeting.id
    assert (result.deputy_person_id, result.deputy_name) == (deputy_id, "Geir Lie")
    assert result.calendar is True and result.messages == 3
    found = await rows(demo, meeting.id)
    assert found[member.person_id or 0].status == "absent"
    assert found[member.person_id or 0].absence_reported_at is not None
    assert found[deputy_id].status == "called_in"
    assert found[deputy_id].replaces_person_id == member.person_id
    # The calendar gets an update with the deputy as a required attendee.
    jobs = await calendar_jobs(demo, meeting.id)
    assert len(jobs) == jobs_before + 1 and jobs[-1].op == "update"
    attendees = {a["email"]: a for a in json.loads(jobs[-1].payload or "{}")["attendees"]}
    assert attendees[MEMBER_DEPUTY]["required"] is True
    assert MEMBER in attendees  # the member stays invited; their row says absent
    # The deputy is told personally; each secretary gets the attendance list.
    messages = await outbox_rows(demo)
    deputy_messages = [m for m in messages if m.kind == service.KIND_DEPUTY]
    assert [m.recipient_person_id for m in deputy_messages] == [deputy_id]
    assert deputy_messages[0].mandatory
    assert "Per Haugen kan ikke stille" in deputy_messages[0].payload["summary"]
    assert deputy_messages[0].payload["card"]["type"] == "AdaptiveCard"
    secretaries = {await person_id(demo, SECRETARY), await person_id(demo, SECRETARY_2)}
    assert {m.recipient_person_id for m in messages if m.kind == service.KIND_ABSENCE} == (
        secretaries
    )
    # The notice feature's hook heard about it, in the same transaction.
    assert [(c.deputy_person_id, c.member_person_id) for c in called] == [
        (deputy_id, member.person_id)
    ]
    [entry] = await audit_of(demo, "meeting.absence")
    assert entry.outcome == "ok" and json.loads(entry.detail)["deputy_person_id"] == deputy_id
    # The helpers other features call.
    async with demo() as session:
        deputies = await service.called_in_deputies(session, meeting_id=meeting.id)
        extra = await service.extra_attendees(session, meeting_id=meeting.id)
    assert [(d.deputy_person_id, d.member_person_id) for d in deputies] == [
        (deputy_id, member.person_id)
    ]
    assert [e.email for e in extra] == [MEMBER_DEPUTY]


async def test_reporting_absence_twice_is_refused_audited_and_changes_nothing(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    member = await actor(demo, MEMBER)
    assert isinstance(await absence(demo, member), AbsenceReported)
    messages, jobs = len(await outbox_rows(demo)), len(await calendar_jobs(demo, meeting.id))
    again = await absence(demo, member, meeting.id)
    assert again == Refused(Reason.ALREADY_REPORTED, meeting.id)
    assert len(await outbox_rows(demo)) == messages
    assert len(await calendar_jobs(demo, meeting.id)) == jobs
    outcomes = [e.outcome for e in await audit_of(demo, "meeting.absence")]
    assert outcomes == ["ok", "refused"]


@pytest.mark.parametrize("email", [OBSERVER, SECRETARY])
async def test_people_without_a_seat_cannot_report_absence(demo: Sessions, email: str) -> None:
    meeting = await add_meeting(demo)
    who = await actor(demo, email)
    assert await absence(demo, who) == Refused(Reason.NOT_MEMBER)
    assert await absence(demo, who, meeting.id) == Refused(Reason.NOT_MEMBER, meeting.id)
    assert await rows(demo, meeting.id) == {}
    assert [e.outcome for e in await audit_of(demo, "meeting.absence")] == ["refused"] * 2


async def test_strangers_no_meeting_forged_and_closed_meetings_are_refused(
    demo: Sessions,
) -> None:
    member = await actor(demo, MEMBER)
    assert await absence(demo, STRANGER) == Refused(Reason.NOT_KNOWN)
    assert await absence(demo, member) == Refused(Reason.NO_MEETING)
    meeting = await add_meeting(demo)
    assert await absence(demo, member, "99999") == Refused(Reason.NOT_FOUND)
    assert await absence(demo, member, "1; DROP TABLE") == Refused(Reason.NOT_FOUND)
    assert await absence(demo, member, {"id": 1}) == Refused(Reason.NOT_FOUND)
    after = meeting.end + timedelta(minutes=1)
    assert await absence(demo, member, meeting.id, now=after) == Refused(
        Reason.MEETING_CLOSED, meeting.id
    )
    await set_state(demo, meeting.id, MeetingState.CANCELLED)
    assert await absence(demo, member, meeting.id) == Refused(Reason.MEETING_CLOSED, meeting.id)
    assert await rows(demo, meeting.id) == {}
    assert await outbox_rows(demo) == []
    entries = await audit_of(demo, "meeting.absence")
    assert len(entries) == 7 and {e.outcome for e in entries} == {"refused"}


async def test_a_called_in_deputy_who_cannot_come_either_is_recorded_and_reported(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    member, deputy = await actor(demo, MEMBER), await actor(demo, MEMBER_DEPUTY)
    # Not called in: a deputy has no seat of their own.
    assert await absence(demo, deputy, meeting.id) == Refused(Reason.NOT_MEMBER, meeting.id)
    assert isinstance(await absence(demo, member), AbsenceReported)
    result = await absence(demo, deputy)
    assert isinstance(result, AbsenceReported) and result.withdrawn_deputy
    assert result.deputy_person_id is None and result.messages == 2
    found = await rows(demo, meeting.id)
    assert found[deputy.person_id or 0].status == "absent"
    kinds = [m.kind for m in await outbox_rows(demo)]
    assert kinds.count(service.KIND_DEPUTY_ABSENT) == 2
    jobs = await calendar_jobs(demo, meeting.id)
    attendees = {a["email"] for a in json.loads(jobs[-1].payload or "{}")["attendees"]}
    assert MEMBER_DEPUTY not in attendees
    assert await absence(demo, deputy, meeting.id) == Refused(Reason.ALREADY_REPORTED, meeting.id)


async def test_a_member_without_a_personal_deputy_is_marked_absent_and_the_secretariat_told(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo, body="AU")
    member = await actor(demo, "anders.moe@demo.ssu.example")  # AU member: no AU deputies
    result = await absence(demo, member, meeting.id)
    assert isinstance(result, AbsenceReported)
    assert result.deputy_person_id is None and result.messages == 2
    assert [m.kind for m in await outbox_rows(demo)] == [service.KIND_ABSENCE] * 2
    assert (
        "Det er ingen personlig vararepresentant" in (await outbox_rows(demo))[0].payload["summary"]
    )


async def test_the_next_meeting_is_the_next_where_the_person_holds_a_seat(
    demo: Sessions,
) -> None:
    au = await add_meeting(demo, body="AU", day=date(2026, 11, 26))
    ssu = await add_meeting(demo)
    member = await actor(demo, MEMBER)  # SSU only
    result = await absence(demo, member)
    assert isinstance(result, AbsenceReported) and result.meeting.id == ssu.id
    both = await actor(demo, "anders.moe@demo.ssu.example")  # SSU and AU
    result = await absence(demo, both)
    assert isinstance(result, AbsenceReported) and result.meeting.id == au.id


# --------------------------------------------------------------------------------------------------
# Opening, check-in, corrections, quorum
# --------------------------------------------------------------------------------------------------


async def open_(sessions: Sessions, who: Actor, meeting_id: object, chat: str | None = None) -> Any:
    async with transaction(sessions) as session:
        return await service.open_meeting(
            session, actor=who, meeting_id=meeting_id, now=START, conversation_id=chat
        )


async def check_in(sessions: Sessions, who: Actor, meeting_id: object, **kw: Any) -> Any:
    async with transaction(sessions) as session:
        return await service.check_in(
            session, actor=who, meeting_id=meeting_id, now=START + timedelta(minutes=5), **kw
        )


async def correct(
    sessions: Sessions, who: Actor, meeting_id: object, person: object, status: object
) -> Any:
    async with transaction(sessions) as session:
        return await service.set_attendance(
            session,
            actor=who,
            meeting_id=meeting_id,
            person_id=person,
            status=status,
            now=START + timedelta(minutes=10),
        )


async def test_only_the_chair_and_the_secretariat_open_a_meeting(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    member, leader = await actor(demo, MEMBER), await actor(demo, LEADER)
    assert await open_(demo, member, meeting.id) == Refused(Reason.NOT_ALLOWED, meeting.id)
    assert await open_(demo, STRANGER, meeting.id) == Refused(Reason.NOT_KNOWN)
    assert await open_(demo, leader, "424242") == Refused(Reason.NOT_FOUND)
    opened = await open_(demo, leader, meeting.id, chat=THREAD)
    assert opened.first and opened.view.open
    assert opened.view.context.conversation_id == THREAD
    again = await open_(demo, await actor(demo, SECRETARY), meeting.id)
    assert not again.first
    async with demo() as session:
        assert await service.meeting_for_conversation(session, conversation_id=THREAD) == meeting.id
    outcomes = [e.outcome for e in await audit_of(demo, "meeting.open")]
    assert outcomes == ["refused", "refused", "refused", "ok", "ok"]


async def test_the_leaders_personal_deputy_may_chair_only_when_standing_in(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    stand_in = await actor(demo, LEADER_DEPUTY)
    assert await open_(demo, stand_in, meeting.id) == Refused(Reason.NOT_ALLOWED, meeting.id)
    assert isinstance(await absence(demo, await actor(demo, LEADER), meeting.id), AbsenceReported)
    assert (await open_(demo, stand_in, meeting.id)).first


async def test_check_in_needs_an_open_meeting_and_a_seat(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    member = await actor(demo, MEMBER)
    assert await check_in(demo, member, meeting.id) == Refused(Reason.NOT_STARTED, meeting.id)
    await open_(demo, await actor(demo, LEADER), meeting.id)
    secretary = await actor(demo, SECRETARY)
    assert await check_in(demo, secretary, meeting.id) == Refused(
        Reason.NOT_PARTICIPANT, meeting.id
    )
    assert await check_in(demo, STRANGER, meeting.id) == Refused(Reason.NOT_KNOWN)
    assert await check_in(demo, member, "nope") == Refused(Reason.NOT_FOUND)
    done = await check_in(demo, member, meeting.id)
    assert isinstance(done, AttendanceChanged) and done.changed
    again = await check_in(demo, member, meeting.id)
    assert isinstance(again, AttendanceChanged) and not again.changed
    me = again.view.person(member.person_id)
    assert me is not None and me.present
    outcomes = [e.outcome for e in await audit_of(demo, "attendance.check_in")]
    assert outcomes == ["refused", "refused", "refused", "refused", "ok", "ok"]


async def test_a_deputy_checks_in_for_the_member_they_replace_and_counts_in_the_quorum(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    await set_state(demo, meeting.id, MeetingState.NOTICE_PUBLISHED)
    member, deputy = await actor(demo, MEMBER), await actor(demo, MEMBER_DEPUTY)
    await absence(demo, member, meeting.id)
    await open_(demo, await actor(demo, SECRETARY), meeting.id)
    result = await check_in(demo, deputy, meeting.id)
    assert isinstance(result, AttendanceChanged)
    row = (await rows(demo, meeting.id))[deputy.person_id or 0]
    assert row.status == "present" and row.replaces_person_id == member.person_id
    seat = next(s for s in result.view.sittings if s.seat.member_id == member.person_id)
    assert seat.by_deputy and seat.person_id == deputy.person_id
    assert result.view.quorum is not None and result.view.quorum.present == 1
    observer = await check_in(demo, await actor(demo, OBSERVER), meeting.id)
    assert isinstance(observer, AttendanceChanged)
    assert observer.view.quorum is not None and observer.view.quorum.present == 1
    async with demo() as session:
        present = await service.RecordedAttendance().present_member_ids(session, meeting.id)
    assert present == sorted([deputy.person_id or 0, await person_id(demo, OBSERVER)])


async def test_the_secretariat_corrects_anyone_but_forged_ids_and_others_are_refused(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    secretary, member = await actor(demo, SECRETARY), await actor(demo, MEMBER)
    target = await person_id(demo, USER_REP)
    assert await correct(demo, member, meeting.id, target, "present") == Refused(
        Reason.NOT_ALLOWED, meeting.id
    )
    for forged in (99999, "abc", None, -1, await person_id(demo, SECRETARY_2), True):
        assert await correct(demo, secretary, meeting.id, forged, "present") == Refused(
            Reason.INVALID, meeting.id
        )
    for status in ("called_in", "maybe", None, 1):
        assert await correct(demo, secretary, meeting.id, target, status) == Refused(
            Reason.INVALID, meeting.id
        )
    assert await correct(demo, secretary, "0", target, "present") == Refused(Reason.NOT_FOUND)
    done = await correct(demo, secretary, meeting.id, str(target), "present")
    assert isinstance(done, AttendanceChanged) and done.changed and done.person_id == target
    same = await correct(demo, secretary, meeting.id, target, "present")
    assert isinstance(same, AttendanceChanged) and not same.changed
    assert (await rows(demo, meeting.id))[target].source == "secretariat"
    entries = await audit_of(demo, "attendance.set")
    assert [e.outcome for e in entries].count("refused") == 12
    assert [e.outcome for e in entries][-2:] == ["ok", "ok"]


async def _present(sessions: Sessions, meeting_id: int, emails: Collection[str]) -> Any:
    secretary = await actor(sessions, SECRETARY)
    result: Any = None
    for email in emails:
        result = await correct(
            sessions, secretary, meeting_id, await person_id(sessions, email), "present"
        )
        assert isinstance(result, AttendanceChanged)
    return result


SSU_MEMBERS = [
    "hilde.vang@demo.ssu.example",
    "ingrid.solberg@demo.ssu.example",
    "per.haugen@demo.ssu.example",
    "kari.bakken@demo.ssu.example",
    "ola.nordby@demo.ssu.example",
    "sigrid.lunde@demo.ssu.example",
    "anders.moe@demo.ssu.example",
    "liv.strand@demo.ssu.example",
    "tor.eriksen@demo.ssu.example",
    "marit.aasen@demo.ssu.example",
]


async def test_quorum_of_the_demo_ssu_nine_is_not_ten_is_and_the_notice_must_be_out(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    result = await _present(demo, meeting.id, SSU_MEMBERS[:9])
    quorum = result.view.quorum
    assert (quorum.present, quorum.total, quorum.required) == (9, 19, 10)
    assert not quorum.reached
    result = await _present(demo, meeting.id, SSU_MEMBERS[9:])
    quorum = result.view.quorum
    assert quorum.majority and not quorum.notice_complete and not quorum.reached  # planned
    await set_state(demo, meeting.id, MeetingState.NOTICE_PUBLISHED)
    async with demo() as session:
        view = await service.attendance_view(
            session, actor=await actor(demo, MEMBER), meeting_id=meeting.id
        )
    assert not isinstance(view, Refused) and view.quorum is not None and view.quorum.reached
    # The notice feature may say the notice missed someone: then there is no quorum.
    hooks = AttendanceHooks()

    async with demo() as session:
        members = {s.member_id for s in await service.meeting_seats(session, meeting_id=meeting.id)}
    assert len(members) == 19
    missed = await person_id(demo, USER_REP)

    async def notice_reached(_s: AsyncSession, _m: MeetingView) -> Collection[int]:
        return members - {missed}

    hooks.set_notice_recipients(notice_reached)
    async with demo() as session:
        view = await service.attendance_view(
            session, actor=await actor(demo, MEMBER), meeting_id=meeting.id, hooks=hooks
        )
    assert not isinstance(view, Refused) and view.quorum is not None
    assert view.quorum.majority and not view.quorum.reached
    assert view.quorum.missing_notice == (missed,)


async def test_strangers_cannot_see_the_attendance(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    member = await actor(demo, MEMBER)
    async with transaction(demo) as session:
        assert await service.attendance_view(
            session, actor=STRANGER, meeting_id=meeting.id
        ) == Refused(Reason.NOT_KNOWN)
        assert await service.attendance_view(session, actor=member, meeting_id="x") == Refused(
            Reason.NOT_FOUND
        )


# --------------------------------------------------------------------------------------------------
# Closing and the Teams meeting events
# --------------------------------------------------------------------------------------------------


def _recorder() -> tuple[AttendanceHooks, list[MeetingEnded]]:
    hooks = AttendanceHooks()
    ended: list[MeetingEnded] = []

    async def evaluation(_session: AsyncSession, event: MeetingEnded) -> None:
        ended.append(event)

    hooks.on_meeting_ended(evaluation)
    return hooks, ended


async def test_closing_marks_the_meeting_held_once_and_tells_the_listeners_once(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    await set_state(demo, meeting.id, MeetingState.NOTICE_PUBLISHED)
    hooks, ended = _recorder()
    leader, member = await actor(demo, LEADER), await actor(demo, MEMBER)
    await open_(demo, leader, meeting.id)
    await check_in(demo, member, meeting.id)
    async with transaction(demo) as session:
        refused = await service.close_meeting(
            session, actor=member, meeting_id=meeting.id, now=meeting.end, hooks=hooks
        )
    assert refused == Refused(Reason.NOT_ALLOWED, meeting.id)
    async with transaction(demo) as session:
        closed = await service.close_meeting(
            session, actor=leader, meeting_id=meeting.id, now=meeting.end, hooks=hooks
        )
    assert not isinstance(closed, Refused) and closed.first and closed.held
    assert closed.view.meeting.state is MeetingState.HELD
    assert [(e.meeting.id, e.held, e.present) for e in ended] == [
        (meeting.id, True, frozenset({member.person_id}))
    ]
    async with transaction(demo) as session:
        again = await service.close_meeting(
            session, actor=leader, meeting_id=meeting.id, now=meeting.end, hooks=hooks
        )
    assert not isinstance(again, Refused) and not again.first and again.held
    assert len(ended) == 1
    assert await check_in(demo, member, meeting.id) == Refused(Reason.MEETING_CLOSED, meeting.id)
    assert [e.outcome for e in await audit_of(demo, "meeting.held")] == ["ok"]


async def test_a_meeting_without_a_published_notice_ends_but_is_not_held(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    hooks, ended = _recorder()
    async with transaction(demo) as session:
        closed = await service.close_meeting(
            session,
            actor=await actor(demo, SECRETARY),
            meeting_id=meeting.id,
            now=meeting.end,
            hooks=hooks,
        )
    assert not isinstance(closed, Refused) and closed.first and not closed.held
    assert closed.view.meeting.state is MeetingState.PLANNED
    assert len(ended) == 1 and not ended[0].held
    [held] = await audit_of(demo, "meeting.held")
    assert held.outcome == "refused" and json.loads(held.detail)["reason"] == "wrong_state"


async def _link_join_url(sessions: Sessions, meeting_id: int, url: str) -> None:
    async with transaction(sessions) as session:
        link = (
            await session.exec(
                select(CalendarEventLink).where(CalendarEventLink.meeting_id == meeting_id)
            )
        ).one()
        link.join_url = url
        session.add(link)


async def test_teams_start_and_end_events_find_the_meeting_by_its_join_url(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    await set_state(demo, meeting.id, MeetingState.NOTICE_PUBLISHED)
    await _link_join_url(demo, meeting.id, JOIN_URL)
    hooks, ended = _recorder()
    started = START + timedelta(minutes=2)
    start = MeetingEvent("start", THREAD, JOIN_URL.replace("%3a", "%3A"), "MCMxOTptZWV0", started)
    async with transaction(demo) as session:
        recorded = await service.record_meeting_event(session, event=start, hooks=hooks)
    assert recorded is not None and recorded.first
    view = recorded.view
    assert view.meeting.id == meeting.id and view.open
    assert view.context is not None and view.context.started_at == started
    # The end event needs nothing but the chat: it is linked now.
    end = MeetingEvent("end", THREAD, None, None, meeting.end)
    async with transaction(demo) as session:
        recorded = await service.record_meeting_event(session, event=end, hooks=hooks)
    assert recorded is not None and recorded.first
    view = recorded.view
    assert view.meeting.state is MeetingState.HELD
    assert view.context is not None and view.context.ended_at == meeting.end
    assert len(ended) == 1
    # Teams redelivers both: recorded again, not the first report, the first times kept.
    for event in (start, end):
        async with transaction(demo) as session:
            again = await service.record_meeting_event(session, event=event, hooks=hooks)
        assert again is not None and not again.first
        assert again.view.context is not None and again.view.context.started_at == started
    assert len(ended) == 1
    entries = await audit_of(demo, "meeting.started") + await audit_of(demo, "meeting.ended")
    assert [(e.outcome, e.actor_person_id) for e in entries] == [("ok", None)] * 4


async def test_an_unknown_teams_meeting_is_ignored_and_audited(demo: Sessions) -> None:
    await add_meeting(demo)
    other = MeetingEvent("start", "19:meeting_other@thread.v2", None, None, START)
    async with transaction(demo) as session:
        assert await service.record_meeting_event(session, event=other) is None
    [entry] = await audit_of(demo, "meeting.started")
    assert entry.outcome == "refused"


def test_the_join_thread_is_read_from_urls_and_chat_ids() -> None:
    assert service.join_thread(JOIN_URL) == THREAD.lower()
    assert service.join_thread(THREAD) == THREAD.lower()
    assert service.join_thread("https://example.org/x") is None
    assert service.join_thread(None) is None


async def test_refresh_lists_at_most_sixty_teams_users_secretariat_first(demo: Sessions) -> None:
    meeting = await add_meeting(demo)
    async with transaction(demo) as session:
        for number, person in enumerate((await session.exec(select(Person))).all()):
            person.teams_user_id = f"29:user-{number}"
            session.add(person)
    async with demo() as session:
        view = await service.attendance_view(
            session, actor=await actor(demo, MEMBER), meeting_id=meeting.id
        )
    assert not isinstance(view, Refused)
    users = service.participants_for_refresh(view)
    assert len(users) == len(set(users)) <= 60
    assert set(view.secretariat_teams_ids) <= set(users[:2])
    assert len(service.participants_for_refresh(view, limit=5)) == 5


def test_the_absence_notice_renders_for_the_deputy() -> None:
    view = MeetingView(
        id=1,
        body=Body.SSU,
        title="SSU",
        start=START,
        end=START + timedelta(hours=5),
        form=MeetingForm.digital,
        online=True,
        location=None,
        region=None,
        moved_from=None,
        state=MeetingState.PLANNED,
        cancel_reason=None,
        pattern_key=None,
        deadlines=deadlines_for(Body.SSU, START, START + timedelta(hours=5)),
    )
    text, document = render_absence_notice(
        AbsenceNotice(service.KIND_DEPUTY, 9, "en", view, "Per *Haugen*", "Geir", None)
    )
    assert text.startswith("Per \\*Haugen\\* cannot attend")
    assert document is not None and document["type"] == "AdaptiveCard"


async def test_moving_a_meeting_keeps_the_called_in_deputy_on_the_calendar_event(
    demo: Sessions,
) -> None:
    meeting = await add_meeting(demo)
    await absence(demo, await actor(demo, MEMBER))
    secretary = await actor(demo, SECRETARY)
    later = local_datetime(DAY + timedelta(days=7), time(9, 30))
    async with transaction(demo) as session:
        moved = await meetings_service.move_meeting(
            session,
            actor=secretary,
            meeting_id=meeting.id,
            start=later,
            end=later + timedelta(hours=5),
            now=NOW,
        )
    assert isinstance(moved, MeetingChanged)
    jobs = await calendar_jobs(demo, meeting.id)
    attendees = {a["email"] for a in json.loads(jobs[-1].payload or "{}")["attendees"]}
    assert MEMBER_DEPUTY in attendees
