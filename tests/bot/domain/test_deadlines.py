"""Deadline rules: notice, case submission and protocol, in Europe/Oslo wall-clock time."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import (
    DEFAULT_DEADLINE_RULES,
    OSLO,
    Body,
    DeadlineRules,
    Deadlines,
    deadlines_for,
    default_end,
    plan_year,
    shift_local,
)

YEARS = st.integers(min_value=2025, max_value=2045)


def _oslo(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=OSLO)


def test_ssu_notice_is_7_days_before_and_case_submission_14_days_before_that() -> None:
    d = deadlines_for(Body.SSU, _oslo("2026-02-12T09:30"), _oslo("2026-02-12T14:30"))
    assert d.notice == _oslo("2026-02-05T09:30")
    assert d.case_submission == _oslo("2026-01-22T09:30")
    assert d.protocol == _oslo("2026-02-19T14:30")


@pytest.mark.parametrize(
    ("body", "notice_days"),
    [(Body.SSU, 7), (Body.STRATEGY, 7), (Body.AU, 7), (Body.PA, 21), (Body.DIALOG, 21)],
)
def test_notice_period_per_body_follows_the_contract(body: Body, notice_days: int) -> None:
    start = _oslo("2026-10-01T10:00")
    d = deadlines_for(body, start, start + timedelta(hours=1))
    assert d.notice == start - timedelta(days=notice_days)
    assert d.case_submission == d.notice - timedelta(days=14)


def test_pa_2026_deadlines() -> None:
    d = deadlines_for("PA", _oslo("2026-06-11T09:00"), _oslo("2026-06-11T10:00"))
    assert d.to_contract_dict() == {
        "case_submission": "2026-05-07T09:00:00+02:00",
        "notice": "2026-05-21T09:00:00+02:00",
        "protocol": "2026-06-18T10:00:00+02:00",
    }


def test_strategy_protocol_counts_from_the_end_on_the_second_day() -> None:
    d = deadlines_for(Body.STRATEGY, _oslo("2026-03-11T12:00"), _oslo("2026-03-12T12:00"))
    assert d.notice == _oslo("2026-03-04T12:00")
    assert d.protocol == _oslo("2026-03-19T12:00")


def test_deadlines_keep_wall_clock_time_across_the_spring_dst_change() -> None:
    # DST starts 29 March 2026: the meeting is in summer time, the deadlines in winter time.
    d = deadlines_for(Body.DIALOG, _oslo("2026-04-02T12:00"), _oslo("2026-04-02T14:00"))
    assert d.notice.isoformat() == "2026-03-12T12:00:00+01:00"
    assert d.case_submission.isoformat() == "2026-02-26T12:00:00+01:00"


def test_deadlines_keep_wall_clock_time_across_the_autumn_dst_change() -> None:
    # DST ends 25 October 2026.
    d = deadlines_for(Body.SSU, _oslo("2026-10-29T09:30"), _oslo("2026-10-29T14:30"))
    assert d.notice.isoformat() == "2026-10-22T09:30:00+02:00"
    assert d.case_submission.isoformat() == "2026-10-08T09:30:00+02:00"
    d = deadlines_for(Body.SSU, _oslo("2026-10-22T09:30"), _oslo("2026-10-22T14:30"))
    assert d.protocol.isoformat() == "2026-10-29T14:30:00+01:00"


def test_start_given_in_utc_is_computed_in_oslo_and_returned_in_oslo() -> None:
    start = datetime(2026, 2, 12, 8, 30, tzinfo=UTC)  # 09:30 in Oslo
    d = deadlines_for(Body.SSU, start, start + timedelta(hours=5))
    assert d.notice.isoformat() == "2026-02-05T09:30:00+01:00"
    assert d.notice.tzinfo is OSLO


def test_a_deadline_in_the_spring_forward_gap_is_pushed_past_the_gap() -> None:
    # 02:30 on 29 March 2026 does not exist in Oslo.
    shifted = shift_local(_oslo("2026-04-05T02:30"), -7)
    assert shifted.isoformat() == "2026-03-29T03:30:00+02:00"


def test_end_defaults_to_the_usual_length_of_the_body() -> None:
    start = _oslo("2026-02-12T09:30")
    assert default_end(Body.SSU, start) == _oslo("2026-02-12T14:30")
    assert default_end(Body.STRATEGY, _oslo("2026-03-11T12:00")) == _oslo("2026-03-12T12:00")
    assert deadlines_for(Body.SSU, start).protocol == _oslo("2026-02-19T14:30")


def test_configured_rules_change_the_day_counts() -> None:
    rules = DeadlineRules(
        notice_days={**DEFAULT_DEADLINE_RULES.notice_days, Body.SSU: 10},
        case_submission_days=5,
        protocol_days=3,
    )
    d = deadlines_for(Body.SSU, _oslo("2026-02-12T09:30"), _oslo("2026-02-12T14:30"), rules)
    assert d.notice == _oslo("2026-02-02T09:30")
    assert d.case_submission == _oslo("2026-01-28T09:30")
    assert d.protocol == _oslo("2026-02-15T14:30")


def test_plan_year_uses_the_configured_rules() -> None:
    rules = DeadlineRules(protocol_days=1)
    first = plan_year(2026, rules=rules)[0]
    assert first.deadlines.protocol == _oslo("2026-02-13T14:30")


def test_deadline_rules_accept_string_keys_and_are_immutable_and_hashable() -> None:
    rules = DeadlineRules(notice_days={"SSU": 7, "STRATEGY": 7, "AU": 7, "PA": 21, "DIALOG": 21})  # type: ignore[dict-item]
    assert rules == DEFAULT_DEADLINE_RULES
    assert hash(rules) == hash(DEFAULT_DEADLINE_RULES)
    with pytest.raises(TypeError):
        rules.notice_days[Body.SSU] = 1  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        rules.protocol_days = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"notice_days": {Body.SSU: 7}},
        {"notice_days": {"XX": 7}},
        {"case_submission_days": -1},
        {"protocol_days": 1.5},
    ],
)
def test_deadline_rules_reject_incomplete_or_negative_configuration(
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(ValueError):
        DeadlineRules(**kwargs)  # type: ignore[arg-type]


def test_deadlines_for_rejects_bad_input_with_a_reason() -> None:
    start = _oslo("2026-02-12T09:30")
    with pytest.raises(ValueError, match="unknown body 'XYZ'"):
        deadlines_for("XYZ", start)
    with pytest.raises(ValueError, match="timezone-aware"):
        deadlines_for(Body.SSU, datetime(2026, 2, 12, 9, 30))
    with pytest.raises(ValueError, match="before it starts"):
        deadlines_for(Body.SSU, start, start - timedelta(hours=1))


def test_deadlines_to_contract_dict_has_exactly_the_three_iso_fields() -> None:
    d = Deadlines(
        case_submission=_oslo("2026-01-22T09:30"),
        notice=_oslo("2026-02-05T09:30"),
        protocol=_oslo("2026-02-19T14:30"),
    )
    assert d.to_contract_dict() == {
        "case_submission": "2026-01-22T09:30:00+01:00",
        "notice": "2026-02-05T09:30:00+01:00",
        "protocol": "2026-02-19T14:30:00+01:00",
    }


@given(YEARS)
def test_plan_deadlines_are_ordered_case_submission_notice_start_end_protocol(year: int) -> None:
    for m in plan_year(year):
        d = m.deadlines
        assert d.case_submission < d.notice < m.start < m.end < d.protocol


@given(YEARS)
def test_plan_deadlines_keep_the_meeting_local_time_of_day_across_dst(year: int) -> None:
    for m in plan_year(year):
        d = m.deadlines
        assert d.notice.time() == d.case_submission.time() == m.start.time()
        assert d.protocol.time() == m.end.time()
        assert (m.start.date() - d.notice.date()).days in (7, 21)
        assert (d.notice.date() - d.case_submission.date()).days == 14
        assert (d.protocol.date() - m.end.date()).days == 7


@given(YEARS)
def test_ssu_start_is_always_09_30_local_whatever_the_utc_offset(year: int) -> None:
    offsets = set()
    for m in plan_year(year):
        if m.body is Body.SSU:
            assert m.start.time() == time(9, 30)
            offsets.add(m.start.utcoffset())
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}  # winter and summer meetings


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2045, 12, 31),
        timezones=st.just(OSLO),
        allow_imaginary=False,
    ),
    st.integers(min_value=-60, max_value=60),
)
def test_shift_local_moves_the_date_and_keeps_an_existing_wall_clock_time(
    dt: datetime, days: int
) -> None:
    shifted = shift_local(dt, days)
    local = dt.astimezone(OSLO)
    target = local.date() + timedelta(days=days)
    assert shifted.tzinfo is OSLO
    if shifted.date() == target and shifted.time() == local.time():
        return
    # only a time in the spring-forward gap may differ, pushed forward by the hour
    assert shifted.date() == target
    assert shifted.replace(tzinfo=None) - datetime.combine(target, local.time()) == timedelta(
        hours=1
    )


def test_deadlines_are_frozen() -> None:
    d = deadlines_for(Body.SSU, _oslo("2026-02-12T09:30"))
    with pytest.raises(FrozenInstanceError):
        d.notice = d.protocol  # type: ignore[misc]
    assert isinstance(d.notice.date(), date)
