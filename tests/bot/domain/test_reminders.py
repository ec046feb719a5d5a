"""The reminder engine: CONTRACT's default reminders at 09:00 Oslo on working days, never after
their deadline, with stable keys — table-driven, and with hypothesis across 2025–2045."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import (
    OSLO,
    Body,
    deadlines_for,
    default_end,
    is_working_day,
    plan_year,
)
from bot.domain.meeting_state import MeetingState
from bot.domain.reminders import (
    DEFAULT_REMINDER_RULES,
    KEY_PREFIX,
    AttendanceFacts,
    EvaluationFacts,
    Facts,
    MeetingFacts,
    ProtocolFacts,
    Reminder,
    ReminderKind,
    ReminderRules,
    RosterFacts,
    budget_deadline,
    due_on,
    is_send_time,
    meeting_subject,
    reminders_between,
    send_time,
)

K = ReminderKind
SECRETARIAT = frozenset({90, 91})
LEADER, DEPUTY = 1, 2
MEMBERS = frozenset({LEADER, DEPUTY, 3, 4})
OBSERVER, PERSONAL_DEPUTY = 7, 8
ROSTER = RosterFacts(secretariat=SECRETARIAT, budget=frozenset({LEADER, DEPUTY}))


def oslo(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=OSLO)


def meeting(
    start: datetime,
    *,
    body: Body = Body.SSU,
    state: MeetingState = MeetingState.PLANNED,
    meeting_id: int = 1,
    end: datetime | None = None,
    region: str | None = None,
) -> MeetingFacts:
    finish = end or default_end(body, start)
    return MeetingFacts(
        id=meeting_id,
        body=body,
        start=start,
        end=finish,
        state=state,
        deadlines=deadlines_for(body, start, finish),
        region=region,
        members=MEMBERS,
        called=MEMBERS | SECRETARIAT | {OBSERVER},
        leaders=frozenset({LEADER}),
    )


def facts(*meetings: MeetingFacts, **more: object) -> Facts:
    return Facts(roster=ROSTER, meetings=meetings, **more)  # type: ignore[arg-type]


def year(f: Facts, y: int = 2026) -> list[Reminder]:
    return reminders_between(f, date(y, 1, 1), date(y, 12, 31))


def summary(reminders: list[Reminder]) -> list[tuple[str, str, str | None]]:
    return [
        (
            r.kind.value,
            r.due.isoformat(),
            None if r.deadline is None else r.deadline.isoformat(),
        )
        for r in reminders
    ]


# --------------------------------------------------------------------------------------------------
# 09:00 on the working day before
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "sent_on"),
    [
        (date(2026, 11, 12), date(2026, 11, 12)),  # a Thursday: that day
        (date(2026, 11, 14), date(2026, 11, 13)),  # Saturday → Friday
        (date(2026, 11, 15), date(2026, 11, 13)),  # Sunday → Friday
        (date(2026, 4, 6), date(2026, 4, 1)),  # Easter Monday → past Good Friday, Maundy Thursday
        (date(2026, 5, 17), date(2026, 5, 15)),  # 17 May (a Sunday) → Friday
        (date(2027, 5, 17), date(2027, 5, 14)),  # 17 May (a Monday) → Friday
        (date(2026, 12, 26), date(2026, 12, 24)),  # Boxing Day, Christmas Day → Christmas Eve
        (date(2027, 1, 1), date(2026, 12, 31)),  # New Year's Day → New Year's Eve (working)
        (date(2026, 5, 14), date(2026, 5, 13)),  # Ascension Day
    ],
)
def test_send_time_is_nine_on_that_day_or_the_working_day_before(day: date, sent_on: date) -> None:
    due = send_time(day)
    assert due == datetime.combine(sent_on, time(9), OSLO)
    assert is_send_time(due)


# --------------------------------------------------------------------------------------------------
# CONTRACT's table, one meeting at a time
# --------------------------------------------------------------------------------------------------

SSU_NOV = meeting(oslo("2026-11-19T09:30"), end=oslo("2026-11-19T14:30"))


def test_the_ssu_meeting_of_19_november_2026_gets_every_default_reminder() -> None:
    assert summary(year(facts(SSU_NOV))) == [
        ("budget", "2026-04-17T09:00:00+02:00", "2026-05-01T00:00:00+02:00"),
        ("budget", "2026-04-30T09:00:00+02:00", "2026-05-01T00:00:00+02:00"),
        # case deadline Thursday 29 October 09:30: 7 days and 1 day before
        ("case_submission", "2026-10-22T09:00:00+02:00", "2026-10-29T09:30:00+01:00"),
        ("case_submission", "2026-10-28T09:00:00+01:00", "2026-10-29T09:30:00+01:00"),
        # notice Thursday 12 November 09:30: 3 days before (a Monday) and on its day
        ("notice", "2026-11-09T09:00:00+01:00", "2026-11-12T09:30:00+01:00"),
        ("notice", "2026-11-12T09:00:00+01:00", "2026-11-12T09:30:00+01:00"),
        ("meeting", "2026-11-18T09:00:00+01:00", "2026-11-19T09:30:00+01:00"),
        # protocol Thursday 26 November 14:30: 2 days before and on its day
        ("protocol", "2026-11-24T09:00:00+01:00", "2026-11-26T14:30:00+01:00"),
        ("protocol", "2026-11-26T09:00:00+01:00", "2026-11-26T14:30:00+01:00"),
    ]


def test_recipients_and_who_gets_them_regardless() -> None:
    by_kind = {r.kind: r for r in year(facts(SSU_NOV))}
    assert by_kind[K.CASE_SUBMISSION].recipients == MEMBERS | SECRETARIAT
    assert by_kind[K.NOTICE].recipients == SECRETARIAT | {LEADER}
    assert by_kind[K.MEETING].recipients == MEMBERS | SECRETARIAT | {OBSERVER}
    assert by_kind[K.PROTOCOL].recipients == SECRETARIAT
    assert by_kind[K.BUDGET].recipients == SECRETARIAT | {LEADER, DEPUTY}
    # the secretariat's own deadlines reach the secretariat whatever; nothing else is mandatory
    assert by_kind[K.NOTICE].mandatory_for == SECRETARIAT
    assert not by_kind[K.NOTICE].mandatory(LEADER)
    assert by_kind[K.PROTOCOL].mandatory_for == SECRETARIAT
    for kind in (K.CASE_SUBMISSION, K.MEETING, K.BUDGET):
        assert by_kind[kind].mandatory_for == frozenset()


@pytest.mark.parametrize(
    ("state", "kinds"),
    [
        (MeetingState.PLANNED, {K.CASE_SUBMISSION, K.NOTICE, K.MEETING, K.PROTOCOL}),
        (MeetingState.NOTICE_PUBLISHED, {K.CASE_SUBMISSION, K.MEETING, K.PROTOCOL}),
        (MeetingState.HELD, {K.PROTOCOL}),
        (MeetingState.PROTOCOL_PUBLISHED, set()),
        (MeetingState.PROTOCOL_SIGNED, set()),
        (MeetingState.CANCELLED, set()),
    ],
)
def test_what_is_already_done_is_not_reminded_of(
    state: MeetingState, kinds: set[ReminderKind]
) -> None:
    found = {r.kind for r in year(facts(replace(SSU_NOV, state=state))) if r.kind is not K.BUDGET}
    assert found == kinds


@pytest.mark.parametrize(
    ("body", "start", "expected"),
    [
        # PA on Thursday 11 June 2026 09:00: notice 21 days before at 09:00 — the reminder "on its
        # day" would be at the very deadline and is left out; cases are not submitted to PA
        (
            Body.PA,
            "2026-06-11T09:00",
            [
                ("notice", "2026-05-18T09:00:00+02:00"),  # 3 days before: Monday 18 May
                ("meeting", "2026-06-10T09:00:00+02:00"),
                ("protocol", "2026-06-16T09:00:00+02:00"),
                ("protocol", "2026-06-18T09:00:00+02:00"),
            ],
        ),
        # The strategy gathering, Wednesday 11 March 12:00 to Thursday 12:00
        (
            Body.STRATEGY,
            "2026-03-11T12:00",
            [
                ("notice", "2026-02-27T09:00:00+01:00"),  # Sunday 1 March → Friday
                ("notice", "2026-03-04T09:00:00+01:00"),
                ("meeting", "2026-03-10T09:00:00+01:00"),
                ("protocol", "2026-03-17T09:00:00+01:00"),
                ("protocol", "2026-03-19T09:00:00+01:00"),
            ],
        ),
        # An AU meeting takes cases
        (
            Body.AU,
            "2027-01-14T10:00",
            [
                ("case_submission", "2026-12-17T09:00:00+01:00"),
                ("case_submission", "2026-12-23T09:00:00+01:00"),
                ("notice", "2027-01-04T09:00:00+01:00"),
                ("notice", "2027-01-07T09:00:00+01:00"),
                ("meeting", "2027-01-13T09:00:00+01:00"),
                ("protocol", "2027-01-19T09:00:00+01:00"),
                ("protocol", "2027-01-21T09:00:00+01:00"),
            ],
        ),
    ],
)
def test_other_bodies(body: Body, start: str, expected: list[tuple[str, str]]) -> None:
    found = reminders_between(
        facts(meeting(oslo(start), body=body)), date(2026, 1, 1), date(2027, 12, 31)
    )
    assert [(r.kind.value, r.due.isoformat()) for r in found if r.kind is not K.BUDGET] == expected


def test_two_steps_on_the_same_working_day_are_one_reminder() -> None:
    """Notice deadline on Easter Monday 2027 (29 March): "3 days before" is Good Friday and "on
    its day" rolls back over the whole Easter weekend — both to Wednesday 24 March."""
    start = oslo("2027-04-05T09:30")  # a made-up meeting whose notice is on Easter Monday
    ssu = meeting(start)
    assert ssu.deadlines.notice.date() == date(2027, 3, 29)
    notices = [r for r in year(facts(ssu), 2027) if r.kind is K.NOTICE]
    assert [(r.due, r.key.split("/")[3]) for r in notices] == [
        (oslo("2027-03-24T09:00"), "0d@20270329T0730Z")
    ]
    assert notices[0].expires == notices[0].deadline


def test_a_series_expires_at_its_next_reminder() -> None:
    """After downtime only the newest missed reminder of a series is still valid."""
    cases = [r for r in year(facts(SSU_NOV)) if r.kind is K.CASE_SUBMISSION]
    assert [r.expires for r in cases] == [cases[1].due, cases[1].deadline]
    assert cases[0].next_due == cases[1].due and cases[1].next_due is None
    # missed on the 22nd: caught up until the day the 1-day reminder is due, not on that day
    assert not cases[0].superseded_on(date(2026, 10, 27))
    assert cases[0].superseded_on(date(2026, 10, 28))
    assert not cases[1].superseded_on(date(2026, 10, 29))  # the last one: until its deadline
    assert not cases[0].superseded_on(date(2026, 10, 22))  # not missed: due that day
    meeting_reminder = next(r for r in year(facts(SSU_NOV)) if r.kind is K.MEETING)
    assert meeting_reminder.expires == SSU_NOV.start


def test_a_holiday_on_the_reminder_day_moves_it_to_the_working_day_before() -> None:
    """SSU on Thursday 21 May 2026: its notice deadline, Thursday 14 May, is Ascension Day, so the
    reminder "on its day" goes to Wednesday 13 May; 3 days before is Monday 11 May."""
    ssu = meeting(oslo("2026-05-21T09:30"))
    found = {
        (r.kind.value, r.key.split("/")[3].split("@")[0]): r.due
        for r in year(facts(ssu))
        if r.kind is not K.BUDGET
    }
    assert found == {
        ("case_submission", "7d"): oslo("2026-04-23T09:00"),
        ("case_submission", "1d"): oslo("2026-04-29T09:00"),
        ("notice", "3d"): oslo("2026-05-11T09:00"),
        ("notice", "0d"): oslo("2026-05-13T09:00"),
        ("meeting", "wd-1"): oslo("2026-05-20T09:00"),
        ("protocol", "2d"): oslo("2026-05-26T09:00"),  # Whit Monday is 25 May
        ("protocol", "0d"): oslo("2026-05-28T09:00"),
    }


def test_case_reminders_only_for_bodies_that_take_cases() -> None:
    dialog = meeting(oslo("2026-04-28T12:00"), body=Body.DIALOG, region="Sør-Østerdal")
    assert K.CASE_SUBMISSION not in {r.kind for r in year(facts(dialog))}
    rules = ReminderRules(case_bodies=frozenset({Body.DIALOG}))
    configured = reminders_between(facts(dialog), date(2026, 1, 1), date(2026, 12, 31), rules)
    assert K.CASE_SUBMISSION in {r.kind for r in configured}
    found = [r for r in year(facts(dialog)) if r.kind is not K.BUDGET]
    assert {r.subject for r in found} == {"DIALOG Sør-Østerdal 2026-04-28"}


def test_attendance_changes_who_is_reminded_of_the_meeting() -> None:
    absent = AttendanceFacts(
        meeting_id=SSU_NOV.id, absent=frozenset({3}), called_in=frozenset({PERSONAL_DEPUTY})
    )
    by_kind = {r.kind: r for r in year(facts(SSU_NOV, attendance=(absent,)))}
    assert by_kind[K.MEETING].recipients == (MEMBERS - {3}) | SECRETARIAT | {
        OBSERVER,
        PERSONAL_DEPUTY,
    }
    assert 3 in by_kind[K.CASE_SUBMISSION].recipients  # still a member


@pytest.mark.parametrize(
    ("end", "due"),
    [
        ("2026-11-19T14:30", "2026-11-20T09:00"),  # Thursday → Friday
        ("2026-11-20T14:30", "2026-11-23T09:00"),  # Friday → Monday
        ("2026-05-13T14:30", "2026-05-15T09:00"),  # Wednesday before Ascension Day → Friday
        ("2026-12-23T14:30", "2026-12-24T09:00"),  # Christmas Eve is a working day
        ("2026-03-12T12:00", "2026-03-13T09:00"),  # a two-day gathering: after its last day
    ],
)
def test_evaluation_reminder_the_working_day_after_the_meeting(end: str, due: str) -> None:
    finish = oslo(end)
    evaluation = EvaluationFacts(3, 1, Body.SSU, finish - timedelta(hours=5), finish, MEMBERS)
    [reminder] = year(Facts(evaluations=(evaluation,)))
    assert reminder.kind is K.EVALUATION
    assert reminder.due == oslo(due)
    assert reminder.deadline is None
    assert reminder.recipients == MEMBERS and reminder.evaluation_id == 3
    assert reminder.expires > reminder.due and is_send_time(reminder.expires)


def test_an_evaluation_everyone_answered_has_no_reminder() -> None:
    start, end = oslo("2026-11-19T09:30"), oslo("2026-11-19T14:30")
    done = EvaluationFacts(3, 1, Body.SSU, start, end, frozenset())
    assert year(Facts(evaluations=(done,))) == []


def test_signature_reminders_every_second_working_day_until_signed() -> None:
    protocol = ProtocolFacts(
        id=5,
        meeting_id=1,
        body=Body.SSU,
        meeting_start=oslo("2026-12-17T09:30"),
        published_at=oslo("2026-12-18T15:00"),  # a Friday
        unsigned=frozenset({LEADER, DEPUTY}),
        version="ab" * 32,
    )
    found = reminders_between(Facts(protocols=(protocol,)), date(2026, 12, 1), date(2027, 1, 8))
    assert [r.due.date().isoformat() for r in found] == [
        "2026-12-21",  # Monday
        "2026-12-23",
        "2026-12-28",  # 24 (working), 25, 26 holidays, 27 Sunday → 24 and 28: 28 is the 2nd
        "2026-12-30",
        "2027-01-04",  # 31 (working) and 1 January (holiday): 31 then 4
        "2027-01-06",
        "2027-01-08",
    ]
    assert all(r.recipients == {LEADER, DEPUTY} and r.version == "ab" * 32 for r in found)
    assert [r.expires for r in found[:-1]] == [r.due for r in found[1:]]
    assert len({r.key for r in found}) == len(found)
    assert found[0].subject == "SSU 2026-12-17"
    signed = replace(protocol, unsigned=frozenset())
    assert reminders_between(Facts(protocols=(signed,)), date(2026, 12, 1), date(2027, 1, 8)) == []


@pytest.mark.parametrize(
    ("y", "dues"),
    [
        (2026, ["2026-04-17", "2026-04-30"]),  # Friday, Thursday
        (2027, ["2027-04-16", "2027-04-30"]),  # 17 April is a Saturday → Friday 16
        # 17 April is Easter Sunday (back over Good Friday and Maundy Thursday); 30 April a Saturday
        (2033, ["2033-04-13", "2033-04-29"]),
    ],
)
def test_budget_reminders_14_days_and_1_day_before_1_may(y: int, dues: list[str]) -> None:
    found = reminders_between(Facts(roster=ROSTER), date(y, 1, 1), date(y, 12, 31))
    assert [r.due.date().isoformat() for r in found] == dues
    assert all(r.deadline == budget_deadline(y) == oslo(f"{y}-05-01T00:00") for r in found)
    assert {r.subject for r in found} == {f"budget {y}-05-01"}


def test_nobody_to_remind_means_no_reminder() -> None:
    assert reminders_between(Facts(), date(2026, 1, 1), date(2026, 12, 31)) == []
    lonely = replace(SSU_NOV, members=frozenset(), called=frozenset(), leaders=frozenset())
    assert year(Facts(meetings=(lonely,))) == []


def test_due_on_is_the_window_of_one_day() -> None:
    f = facts(SSU_NOV)
    assert [r.kind for r in due_on(f, date(2026, 11, 12))] == [K.NOTICE]
    assert due_on(f, date(2026, 11, 13)) == []
    assert reminders_between(f, date(2026, 11, 13), date(2026, 11, 12)) == []


def test_keys_are_stable_distinct_and_name_the_deadline() -> None:
    first, again = year(facts(SSU_NOV)), year(facts(SSU_NOV))
    assert [r.key for r in first] == [r.key for r in again]
    assert len({r.key for r in first}) == len(first)
    assert all(r.key.startswith(KEY_PREFIX) and len(r.key) <= 200 for r in first)
    moved = replace(
        SSU_NOV,
        start=oslo("2026-11-26T09:30"),
        end=oslo("2026-11-26T14:30"),
        deadlines=deadlines_for(Body.SSU, oslo("2026-11-26T09:30"), oslo("2026-11-26T14:30")),
    )
    assert not {r.key for r in year(facts(moved))} & {
        r.key for r in first if r.kind is not K.BUDGET
    }


def test_subjects_name_the_meeting_and_its_date() -> None:
    assert meeting_subject(Body.SSU, oslo("2026-11-19T09:30")) == "SSU 2026-11-19"
    assert meeting_subject("DIALOG", oslo("2026-04-28T12:00"), "Hamar") == "DIALOG Hamar 2026-04-28"
    # the Oslo date, not the UTC one
    assert meeting_subject(Body.AU, datetime(2026, 11, 18, 23, 30, tzinfo=UTC)) == "AU 2026-11-19"


# --------------------------------------------------------------------------------------------------
# Rules are configurable and checked
# --------------------------------------------------------------------------------------------------


def test_rules_are_frozen_and_configurable() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_REMINDER_RULES.send_at = time(8)  # type: ignore[misc]
    rules = ReminderRules(
        send_at=time(8, 15),
        notice_days_before=(5, 0, 5),
        kinds=frozenset({K.NOTICE}),
        mandatory_kinds=frozenset(),
    )
    assert rules.notice_days_before == (5, 0)
    found = reminders_between(facts(SSU_NOV), date(2026, 1, 1), date(2026, 12, 31), rules)
    assert [r.due.isoformat() for r in found] == [
        "2026-11-06T08:15:00+01:00",  # Saturday 7 → Friday 6
        "2026-11-12T08:15:00+01:00",
    ]
    assert all(r.mandatory_for == frozenset() for r in found)


@pytest.mark.parametrize(
    "changes",
    [
        {"notice_days_before": ()},
        {"notice_days_before": (-1,)},
        {"budget_days_before": (True,)},
        {"meeting_working_days_before": 0},
        {"signature_every_working_days": 0},
        {"catch_up_days": -1},
        {"budget_month": 2, "budget_day": 30},
        {"send_at": time(9, tzinfo=UTC)},
    ],
)
def test_bad_rules_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReminderRules(**changes)  # type: ignore[arg-type]


def test_a_29_february_budget_deadline_is_the_28th_in_other_years() -> None:
    rules = ReminderRules(budget_month=2, budget_day=29)
    assert budget_deadline(2028, rules).date() == date(2028, 2, 29)
    assert budget_deadline(2027, rules).date() == date(2027, 2, 28)


# --------------------------------------------------------------------------------------------------
# Properties, 2025–2045 (every daylight-saving change in between)
# --------------------------------------------------------------------------------------------------

YEARS = st.integers(min_value=2025, max_value=2045)
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2045, 12, 31))
STARTS = st.times(min_value=time(7), max_value=time(18)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


def _check(reminder: Reminder) -> None:
    assert is_send_time(reminder.due), reminder
    assert reminder.due.utcoffset() == reminder.due.astimezone(OSLO).utcoffset()
    assert reminder.due < reminder.expires
    if reminder.deadline is not None:
        assert reminder.due < reminder.deadline
        assert reminder.expires <= reminder.deadline
    assert reminder.key.startswith(KEY_PREFIX)


@settings(max_examples=150, deadline=None)
@given(
    day=DAYS,
    clock=STARTS,
    body=st.sampled_from(list(Body)),
    state=st.sampled_from([MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED]),
)
def test_every_meeting_reminder_is_at_nine_on_a_working_day_before_its_deadline(
    day: date, clock: time, body: Body, state: MeetingState
) -> None:
    start = datetime.combine(day, clock, OSLO)
    f = facts(meeting(start, body=body, state=state))
    found = reminders_between(f, day - timedelta(days=70), day + timedelta(days=20))
    assert found
    for reminder in found:
        _check(reminder)
    assert len({r.key for r in found}) == len(found)
    meeting_reminders = [r for r in found if r.kind is K.MEETING]
    assert len(meeting_reminders) == 1 and meeting_reminders[0].due.date() < day


@settings(max_examples=60, deadline=None)
@given(y=YEARS)
def test_the_whole_default_plan_of_a_year(y: int) -> None:
    meetings = tuple(
        MeetingFacts(
            id=i,
            body=m.body,
            start=m.start,
            end=m.end,
            state=MeetingState.PLANNED,
            deadlines=m.deadlines,
            region=m.region,
            members=MEMBERS,
            called=MEMBERS | SECRETARIAT,
            leaders=frozenset({LEADER}),
        )
        for i, m in enumerate(plan_year(y), start=1)
    )
    found = reminders_between(facts(*meetings), date(y - 1, 11, 1), date(y, 12, 31))
    for reminder in found:
        _check(reminder)
    # due_on agrees with the window, day by day, around both DST changes of the year
    for day in (date(y, 3, 20) + timedelta(days=n) for n in range(14)):
        assert due_on(facts(*meetings), day) == [r for r in found if r.due.date() == day]
    for day in (date(y, 10, 20) + timedelta(days=n) for n in range(14)):
        assert due_on(facts(*meetings), day) == [r for r in found if r.due.date() == day]


@settings(max_examples=80, deadline=None)
@given(published=DAYS, hour=st.integers(min_value=0, max_value=23))
def test_signature_series_from_any_day(published: date, hour: int) -> None:
    protocol = ProtocolFacts(
        id=1,
        meeting_id=1,
        body=Body.SSU,
        meeting_start=datetime.combine(published, time(9, 30), OSLO),
        published_at=datetime.combine(published, time(hour), OSLO),
        unsigned=frozenset({LEADER}),
    )
    found = reminders_between(Facts(protocols=(protocol,)), published, published + timedelta(30))
    assert found and found[0].due.date() > published
    for reminder in found:
        _check(reminder)
    assert all(a.expires == b.due for a, b in pairwise(found))
    for a, b in pairwise(found):
        between = (a.due.date() + timedelta(n) for n in range(1, (b.due - a.due).days + 1))
        assert sum(map(is_working_day, between)) == 2


@given(y=YEARS)
def test_budget_reminders_every_year(y: int) -> None:
    found = reminders_between(Facts(roster=ROSTER), date(y, 1, 1), date(y, 12, 31))
    assert len(found) == 2
    for reminder in found:
        _check(reminder)
        assert reminder.deadline == datetime(y, 5, 1, tzinfo=OSLO)
