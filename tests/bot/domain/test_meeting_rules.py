"""Pure meeting rules: the lifecycle's guarded transitions, plan keys, drafts, invitations, busy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import OSLO, MeetingForm, plan_year
from bot.domain.meeting_rules import (
    PlanEdit,
    Seat,
    concerns,
    draft_from_proposal,
    invitation,
    is_busy,
    local_datetime,
    meeting_title,
    propose_year,
    validate_draft,
    validate_reason,
)
from bot.domain.meeting_state import (
    MeetingState,
    TransitionRefused,
    can_reschedule,
    cancel,
    mark_held,
    publish_notice,
    publish_protocol,
    sign_protocol,
)
from bot.graph.port import BusyBlock

S = MeetingState


def test_the_lifecycle_runs_planned_to_signed_in_order() -> None:
    state = publish_notice(S.PLANNED)
    state = mark_held(state)
    state = publish_protocol(state)
    assert sign_protocol(state) is S.PROTOCOL_SIGNED


@pytest.mark.parametrize(
    ("step", "state"),
    [
        (mark_held, S.PLANNED),
        (publish_protocol, S.NOTICE_PUBLISHED),
        (sign_protocol, S.HELD),
        (publish_notice, S.CANCELLED),
        (cancel, S.HELD),
        (cancel, S.CANCELLED),
        (publish_notice, S.PROTOCOL_SIGNED),
    ],
)
def test_skipping_or_going_back_is_refused(step: object, state: MeetingState) -> None:
    with pytest.raises(TransitionRefused):
        step(state)  # type: ignore[operator]


def test_only_meetings_not_yet_held_can_be_moved_or_cancelled() -> None:
    assert [s for s in S if can_reschedule(s)] == [S.PLANNED, S.NOTICE_PUBLISHED]
    assert cancel("notice_published") is S.CANCELLED


@given(st.integers(min_value=2025, max_value=2060))
def test_the_keyed_proposal_is_exactly_plan_year_with_unique_slots(year: int) -> None:
    proposals = propose_year(year)
    assert [p.planned for p in proposals] == plan_year(year)
    assert len({p.slot for p in proposals}) == len(proposals) == 13


def test_slots_name_the_pattern_not_the_date() -> None:
    slots = [p.slot for p in propose_year(2026)]
    assert slots[0] == "ssu-m02-thu-2" and "pa-m06-thu-2" in slots
    moved = next(p for p in propose_year(2038) if p.planned.moved_from is not None)
    assert moved.slot == "dialog-m04-thu-4"  # the holiday move does not change the key


def test_an_edited_time_keeps_the_meetings_length_even_over_two_days() -> None:
    strategy = next(p for p in propose_year(2027) if p.slot.startswith("strategy"))
    draft = draft_from_proposal(strategy, PlanEdit(day=date(2027, 3, 24), start_time=time(10)))
    assert draft.start == datetime(2027, 3, 24, 10, tzinfo=OSLO)
    assert draft.end == datetime(2027, 3, 25, 10, tzinfo=OSLO)


def test_an_unchanged_edit_gives_the_proposal() -> None:
    ssu = propose_year(2027)[0]
    assert draft_from_proposal(ssu, PlanEdit()) == draft_from_proposal(ssu)
    assert draft_from_proposal(ssu, PlanEdit(form=MeetingForm.digital)).form == "digital"


def test_titles_are_the_norwegian_calendar_subjects() -> None:
    start = datetime(2026, 2, 12, 9, 30, tzinfo=OSLO)
    assert meeting_title("SSU", start, start + timedelta(hours=5)) == (
        "SSU-møte torsdag 12. februar 2026"
    )
    assert meeting_title("DIALOG", start, start + timedelta(hours=2), region="Valdres") == (
        "Dialogmøte Valdres torsdag 12. februar 2026"
    )


def test_a_two_day_meeting_is_refused_when_its_second_day_is_a_holiday() -> None:
    from bot.domain.meeting_rules import MeetingDraft

    start = local_datetime(date(2027, 3, 24), time(12))  # Wednesday before Maundy Thursday
    draft = MeetingDraft("STRATEGY", start, start + timedelta(days=1), "physical", "Hamar")
    problems = validate_draft(draft, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert [(p.field, p.code, p.params["date"]) for p in problems] == [
        ("date", "holiday", "25.03.2027")
    ]


def test_a_reason_must_say_something_briefly() -> None:
    assert [p.code for p in validate_reason(" x ")] == ["reason_missing"]
    assert [p.code for p in validate_reason("x" * 1001)] == ["reason_too_long"]
    assert validate_reason("Sykdom i ledelsen") == ()


@pytest.mark.parametrize(
    ("body", "region", "seat", "expected"),
    [
        ("SSU", None, Seat("SSU", "member"), True),
        ("SSU", None, Seat("SSU", "observer"), False),
        ("SSU", None, Seat("SSU", "personal_deputy"), None),
        ("SSU", None, Seat("SEK", "secretariat"), True),
        ("STRATEGY", None, Seat("SSU", "leader"), True),
        ("SSU", None, Seat("PA", "member"), None),
        ("PA", None, Seat("PA", "member"), True),
        ("PA", None, Seat("SSU", "member"), None),
        ("AU", None, Seat("AU", "deputy_leader"), True),
        ("DIALOG", "Hamar", Seat("SSU", "deputy_leader"), True),
        ("DIALOG", "Hamar", Seat("PA", "member", "Hamar"), True),
        ("DIALOG", "Hamar", Seat("SSU", "member", "Valdres"), None),
    ],
)
def test_who_is_called_to_which_meeting(
    body: str, region: str | None, seat: Seat, expected: bool | None
) -> None:
    assert invitation(body, region, seat) is expected


def test_a_personal_deputy_follows_ssu_meetings_but_is_not_called() -> None:
    deputy = [Seat("SSU", "personal_deputy")]
    assert concerns("SSU", None, deputy) and not concerns("PA", None, deputy)


def test_busy_means_an_overlapping_busy_tentative_or_away_block() -> None:
    start = datetime(2027, 2, 11, 8, 30, tzinfo=UTC)
    end = start + timedelta(hours=5)
    before = BusyBlock(start - timedelta(hours=2), start)
    overlapping = BusyBlock(end - timedelta(minutes=1), end + timedelta(hours=1), "tentative")
    assert not is_busy([before], start, end)
    assert is_busy([overlapping], start, end)
    assert not is_busy([BusyBlock(start, end, "free")], start, end)
    assert is_busy([BusyBlock(start, end, "oof")], start, end)
