"""Calendar rules: holidays, working days, nth weekday, Norwegian formatting and the yearly plan."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import FrozenInstanceError, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import (
    DEFAULT_PATTERNS,
    HEALTH_REGIONS,
    OSLO,
    Body,
    MeetingForm,
    MeetingPattern,
    Weekday,
    add_working_days,
    first_clear_day,
    format_date_nb,
    format_span_nb,
    is_public_holiday,
    is_working_day,
    meeting_days,
    next_working_day,
    nth_weekday,
    plan_meeting,
    plan_year,
    previous_working_day,
    public_holiday_name,
    public_holidays,
)

YEARS = st.integers(min_value=2025, max_value=2045)
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2045, 12, 31))


def _d(iso: str) -> date:
    return date.fromisoformat(iso)


# --- enums and constants -----------------------------------------------------------------------


def test_body_values_equal_names_as_printed_in_the_contract() -> None:
    assert [b.value for b in Body] == ["SSU", "STRATEGY", "PA", "DIALOG", "AU"]
    assert all(b.value == b.name for b in Body)
    assert Body("SSU") is Body.SSU


def test_meeting_form_has_the_three_ways_a_meeting_can_be_held() -> None:
    assert [f.value for f in MeetingForm] == ["physical", "digital", "hybrid"]


def test_health_regions_are_the_seven_regions_of_innlandet() -> None:
    assert HEALTH_REGIONS == (
        "Sør-Østerdal",
        "Nord-Østerdal",
        "Hamar",
        "Gjøvik/Hadeland",
        "Valdres",
        "Nord-Gudbrandsdal",
        "Sør-Gudbrandsdal",
    )


# --- public holidays ---------------------------------------------------------------------------


def test_public_holidays_2026_are_the_norwegian_statutory_days_plus_1_and_17_may() -> None:
    assert sorted(public_holidays(2026)) == [
        _d("2026-01-01"),
        _d("2026-04-02"),  # Skjærtorsdag
        _d("2026-04-03"),  # Langfredag
        _d("2026-04-05"),  # Første påskedag
        _d("2026-04-06"),  # Andre påskedag
        _d("2026-05-01"),
        _d("2026-05-14"),  # Kristi himmelfartsdag
        _d("2026-05-17"),
        _d("2026-05-24"),  # Første pinsedag
        _d("2026-05-25"),  # Andre pinsedag
        _d("2026-12-25"),
        _d("2026-12-26"),
    ]


def test_holiday_names_are_norwegian() -> None:
    assert public_holiday_name(_d("2026-04-02")) == "Skjærtorsdag"
    assert public_holiday_name(_d("2026-05-17")) == "Grunnlovsdag"
    assert public_holiday_name(_d("2026-05-13")) is None


def test_ordinary_sundays_are_not_counted_as_public_holidays() -> None:
    assert not is_public_holiday(_d("2026-03-01"))  # a plain Sunday
    assert is_public_holiday(_d("2026-05-17"))  # 17 May on a Sunday still is


def test_christmas_eve_and_new_years_eve_are_working_days_not_holidays() -> None:
    assert is_working_day(_d("2026-12-24"))
    assert is_working_day(_d("2026-12-31"))
    assert not is_public_holiday(_d("2026-12-24"))


def test_is_public_holiday_accepts_a_datetime_by_its_date() -> None:
    assert is_public_holiday(datetime(2026, 5, 17, 12, tzinfo=OSLO))


def test_public_holidays_rejects_years_outside_the_calendar() -> None:
    with pytest.raises(ValueError, match="year"):
        public_holidays(0)


# --- working days ------------------------------------------------------------------------------


def test_weekends_and_public_holidays_are_not_working_days() -> None:
    assert is_working_day(_d("2026-04-01"))  # Wednesday before Easter
    assert not is_working_day(_d("2026-04-02"))  # Maundy Thursday
    assert not is_working_day(_d("2026-04-04"))  # Saturday
    assert not is_working_day(_d("2026-05-01"))  # Friday, 1 May


def test_working_day_rolls_are_identity_on_a_working_day() -> None:
    wednesday = _d("2026-04-01")
    assert previous_working_day(wednesday) == wednesday
    assert next_working_day(wednesday) == wednesday


def test_working_day_rolls_skip_the_whole_easter_break() -> None:
    # Easter 2026: Thu 2 (holiday), Fri 3 (holiday), Sat, Sun, Mon 6 (holiday).
    for day in ("2026-04-02", "2026-04-03", "2026-04-04", "2026-04-05", "2026-04-06"):
        assert previous_working_day(_d(day)) == _d("2026-04-01")
        assert next_working_day(_d(day)) == _d("2026-04-07")


def test_working_day_rolls_skip_christmas() -> None:
    # 2026: 25 Dec is a Friday, 26 Dec a Saturday.
    assert previous_working_day(_d("2026-12-27")) == _d("2026-12-24")
    assert next_working_day(_d("2026-12-25")) == _d("2026-12-28")
    # 2027: 25 Dec Saturday, 26 Dec Sunday — Monday 27 is an ordinary working day.
    assert next_working_day(_d("2027-12-25")) == _d("2027-12-27")
    # New Year's Day 2027 is a Friday.
    assert next_working_day(_d("2026-12-31")) == _d("2026-12-31")
    assert add_working_days(_d("2026-12-31"), 1) == _d("2027-01-04")


def test_add_working_days_steps_over_easter_in_both_directions() -> None:
    assert add_working_days(_d("2026-04-01"), 1) == _d("2026-04-07")
    assert add_working_days(_d("2026-04-07"), -1) == _d("2026-04-01")
    assert add_working_days(_d("2026-03-31"), 2) == _d("2026-04-07")
    assert add_working_days(_d("2026-04-08"), -3) == _d("2026-03-31")


def test_add_working_days_counts_from_a_non_working_day_without_counting_it() -> None:
    assert add_working_days(_d("2026-04-04"), 1) == _d("2026-04-07")  # Saturday → Tuesday
    assert add_working_days(_d("2026-04-04"), -1) == _d("2026-04-01")
    assert add_working_days(_d("2026-04-04"), 0) == _d("2026-04-04")


@given(DAYS)
def test_rolls_land_on_the_nearest_working_day(day: date) -> None:
    before, after = previous_working_day(day), next_working_day(day)
    assert is_working_day(before) and is_working_day(after)
    assert before <= day <= after
    assert all(
        not is_working_day(before + timedelta(days=i)) for i in range(1, (day - before).days)
    )
    assert all(not is_working_day(day + timedelta(days=i)) for i in range(1, (after - day).days))


@given(DAYS, st.integers(min_value=-30, max_value=30))
def test_add_working_days_lands_on_working_days_and_counts_exactly_n(day: date, n: int) -> None:
    result = add_working_days(day, n)
    if n == 0:
        assert result == day
        return
    assert is_working_day(result)
    low, high = sorted((day, result))
    between = [low + timedelta(days=i) for i in range(1, (high - low).days + 1)]
    if n < 0:  # counted days are (result, day]; shift the window to [result, day)
        between = [d - timedelta(days=1) for d in between]
    assert sum(is_working_day(d) for d in between) == abs(n)


@given(DAYS, st.integers(min_value=-30, max_value=30))
def test_add_working_days_is_reversible_from_a_working_day(day: date, n: int) -> None:
    start = next_working_day(day)
    assert add_working_days(add_working_days(start, n), -n) == start


# --- nth weekday -------------------------------------------------------------------------------


def test_nth_weekday_finds_the_seed_dates() -> None:
    assert nth_weekday(2026, 2, Weekday.THURSDAY, 2) == _d("2026-02-12")
    assert nth_weekday(2026, 5, Weekday.THURSDAY, 3) == _d("2026-05-21")
    assert nth_weekday(2026, 3, Weekday.WEDNESDAY, 2) == _d("2026-03-11")
    assert nth_weekday(2026, 6, Weekday.THURSDAY, 2) == _d("2026-06-11")


def test_nth_weekday_handles_the_first_day_and_a_fifth_occurrence() -> None:
    assert nth_weekday(2026, 1, Weekday.THURSDAY, 1) == _d("2026-01-01")
    assert nth_weekday(2026, 1, Weekday.THURSDAY, 5) == _d("2026-01-29")


@pytest.mark.parametrize(
    ("month", "weekday", "n", "message"),
    [
        (2, 3, 0, "n must be 1–5"),
        (2, 3, 6, "n must be 1–5"),
        (2, 3, -1, "n must be 1–5"),
        (2, 7, 1, "weekday must be"),
        (13, 3, 1, "month must be"),
        (2, 3, 5, "has no 5. torsdag"),  # February 2026 has four Thursdays
    ],
)
def test_nth_weekday_rejects_impossible_requests_with_a_clear_reason(
    month: int, weekday: int, n: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        nth_weekday(2026, month, weekday, n)


@given(YEARS, st.integers(1, 12), st.integers(0, 6), st.integers(1, 4))
def test_nth_weekday_is_that_weekday_in_the_right_week_of_the_month(
    year: int, month: int, weekday: int, n: int
) -> None:
    day = nth_weekday(year, month, weekday, n)
    assert (day.year, day.month, day.weekday()) == (year, month, weekday)
    assert 7 * (n - 1) < day.day <= 7 * n


# --- Norwegian formatting ----------------------------------------------------------------------


def test_dates_and_spans_are_written_the_norwegian_way() -> None:
    assert format_date_nb(_d("2026-02-12")) == "12. februar 2026"
    assert format_span_nb(_d("2026-03-11"), _d("2026-03-12")) == "11.–12. mars 2026"
    assert format_span_nb(_d("2026-03-31"), _d("2026-04-01")) == "31. mars–1. april 2026"
    assert format_span_nb(_d("2026-12-31"), _d("2027-01-01")) == "31. desember 2026–1. januar 2027"
    assert format_span_nb(_d("2026-06-11"), _d("2026-06-11")) == "11. juni 2026"
    with pytest.raises(ValueError):
        format_span_nb(_d("2026-06-12"), _d("2026-06-11"))


# --- patterns ----------------------------------------------------------------------------------


def test_default_patterns_hold_one_dialogue_meeting_per_health_region() -> None:
    dialog = [p for p in DEFAULT_PATTERNS if p.body is Body.DIALOG]
    assert sorted(p.region or "" for p in dialog) == sorted(HEALTH_REGIONS)
    assert {p.region: p.location for p in dialog} == {
        "Sør-Østerdal": "Elverum",
        "Nord-Østerdal": "Tynset",
        "Hamar": "Brumunddal",
        "Gjøvik/Hadeland": "Gjøvik",
        "Valdres": "Fagernes",
        "Nord-Gudbrandsdal": "Otta",
        "Sør-Gudbrandsdal": "Ringebu",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nth": 0}, "nth must be 1–5"),
        ({"month": 0}, "month must be"),
        ({"weekday": 9}, "weekday must be"),
        ({"end_time": time(9)}, "must be after start_time"),
        ({"end_offset_days": -1}, "end_offset_days"),
        ({"start_time": time(9, 30, tzinfo=OSLO)}, "no tzinfo"),
        ({"title_template": "Møte {dato}"}, "unknown field"),
    ],
)
def test_meeting_pattern_rejects_bad_configuration(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        replace(DEFAULT_PATTERNS[0], **changes)  # type: ignore[arg-type]


def test_meeting_pattern_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_PATTERNS[0].nth = 1  # type: ignore[misc]


def test_meeting_pattern_accepts_plain_strings_for_body_and_form() -> None:
    pattern = MeetingPattern("AU", 1, Weekday.MONDAY, 2, time(10), time(12), form="digital")  # type: ignore[arg-type]
    assert pattern.body is Body.AU
    assert pattern.form is MeetingForm.digital
    assert plan_meeting(pattern, 2026).title == "AU-møte mandag 12. januar 2026"


def test_a_custom_title_template_is_used() -> None:
    pattern = replace(DEFAULT_PATTERNS[0], title_template="SSU {span} på {location}")
    assert plan_meeting(pattern, 2026).title == (
        "SSU 12. februar 2026 på Fylkeshuset Lillehammer, Kirkegata 76"
    )


# --- the yearly plan ---------------------------------------------------------------------------


def _local(m_start: datetime) -> tuple[str, str]:
    return m_start.date().isoformat(), m_start.strftime("%H:%M")


def test_plan_2026_matches_the_annual_plan_in_the_seeds() -> None:
    plan = plan_year(2026)
    ssu = [m for m in plan if m.body is Body.SSU]
    assert [(_local(m.start), _local(m.end)) for m in ssu] == [
        (("2026-02-12", "09:30"), ("2026-02-12", "14:30")),
        (("2026-05-21", "09:30"), ("2026-05-21", "14:30")),
        (("2026-09-17", "09:30"), ("2026-09-17", "14:30")),
        (("2026-11-19", "09:30"), ("2026-11-19", "14:30")),
    ]
    assert all(m.location == "Fylkeshuset Lillehammer, Kirkegata 76" for m in ssu)
    assert all(m.form is MeetingForm.physical and not m.online for m in ssu)
    [strategy] = [m for m in plan if m.body is Body.STRATEGY]
    assert (_local(strategy.start), _local(strategy.end)) == (
        ("2026-03-11", "12:00"),
        ("2026-03-12", "12:00"),
    )
    [pa] = [m for m in plan if m.body is Body.PA]
    assert (_local(pa.start), _local(pa.end)) == (("2026-06-11", "09:00"), ("2026-06-11", "10:00"))
    assert pa.online and pa.form is MeetingForm.digital and pa.location is None
    assert all(m.moved_from is None for m in plan)


def test_plan_2026_titles_are_norwegian() -> None:
    titles = [m.title for m in plan_year(2026)]
    assert "SSU-møte torsdag 12. februar 2026" in titles
    assert "Strategisamling 11.–12. mars 2026" in titles
    assert "Partnerskapsmøte torsdag 11. juni 2026" in titles
    assert "Dialogmøte Valdres onsdag 13. mai 2026" in titles
    assert "SSU-møte torsdag 19. november 2026" in titles


def test_plan_2026_places_the_dialogue_meetings_in_late_april_and_may() -> None:
    dialog = [
        (m.region, m.start.date().isoformat()) for m in plan_year(2026) if m.body is Body.DIALOG
    ]
    assert dialog == [
        ("Nord-Østerdal", "2026-04-22"),
        ("Hamar", "2026-04-23"),
        ("Sør-Østerdal", "2026-04-28"),
        ("Gjøvik/Hadeland", "2026-05-12"),
        ("Valdres", "2026-05-13"),
        ("Nord-Gudbrandsdal", "2026-05-26"),
        ("Sør-Gudbrandsdal", "2026-05-27"),
    ]


@given(YEARS)
def test_plan_is_ordered_by_start_and_has_every_default_meeting(year: int) -> None:
    plan = plan_year(year)
    assert len(plan) == len(DEFAULT_PATTERNS) == 13
    assert [m.start for m in plan] == sorted(m.start for m in plan)
    assert all(m.start.tzinfo is OSLO and m.end.tzinfo is OSLO for m in plan)


@given(YEARS)
def test_every_ssu_meeting_is_a_thursday_09_30_to_14_30_that_is_not_a_holiday(year: int) -> None:
    ssu = [m for m in plan_year(year) if m.body is Body.SSU]
    assert [m.start.month for m in ssu] == [2, 5, 9, 11]
    for m in ssu:
        assert m.start.weekday() == Weekday.THURSDAY
        assert not is_public_holiday(m.start.date())
        assert (m.start.time(), m.end.time()) == (time(9, 30), time(14, 30))


@given(YEARS)
def test_no_meeting_day_is_a_public_holiday_and_no_two_meetings_share_a_day(year: int) -> None:
    plan = plan_year(year)
    days = [d for m in plan for d in meeting_days(m.start, m.end)]
    assert not any(is_public_holiday(d) for d in days)
    assert all(d.weekday() < Weekday.SATURDAY for d in days)
    assert len(days) == len(set(days))


@given(YEARS)
def test_dialogue_meetings_are_two_hours_in_april_or_may_one_per_region(year: int) -> None:
    dialog = [m for m in plan_year(year) if m.body is Body.DIALOG]
    assert sorted(m.region or "" for m in dialog) == sorted(HEALTH_REGIONS)
    for m in dialog:
        assert m.start.month in (4, 5)
        assert m.end - m.start == timedelta(hours=2)
        assert m.start.time() == time(12)


@given(YEARS)
def test_strategy_gathering_spans_wednesday_noon_to_thursday_noon(year: int) -> None:
    [m] = [m for m in plan_year(year) if m.body is Body.STRATEGY]
    assert m.start.weekday() == Weekday.WEDNESDAY and m.start.month == 3
    assert m.end.date() == m.start.date() + timedelta(days=1)
    assert m.start.time() == m.end.time() == time(12)


@given(YEARS)
def test_a_moved_meeting_lies_whole_weeks_after_its_holiday_pattern_date(year: int) -> None:
    for m in plan_year(year):
        if m.moved_from is None:
            continue
        shift = (m.start.date() - m.moved_from).days
        assert shift > 0 and shift % 7 == 0
        assert is_public_holiday(m.moved_from)
        # every week in between was blocked too
        for weeks in range(shift // 7):
            assert is_public_holiday(m.moved_from + timedelta(weeks=weeks))


def test_ssu_may_meeting_on_17_may_2029_moves_one_week() -> None:
    [may] = [m for m in plan_year(2029) if m.body is Body.SSU and m.moved_from]
    assert may.moved_from == _d("2029-05-17")  # Thursday, Constitution Day
    assert may.start.date() == _d("2029-05-24")
    assert may.title == "SSU-møte torsdag 24. mai 2029"


def test_ssu_may_meeting_on_ascension_day_2034_moves_one_week() -> None:
    assert public_holiday_name(_d("2034-05-18")) == "Kristi himmelfartsdag"
    [may] = [m for m in plan_year(2034) if m.body is Body.SSU and m.start.month == 5]
    assert (may.moved_from, may.start.date()) == (_d("2034-05-18"), _d("2034-05-25"))


def test_dialogue_meeting_on_maundy_thursday_2038_moves_one_week() -> None:
    [hamar] = [m for m in plan_year(2038) if m.region == "Hamar"]
    assert hamar.moved_from == _d("2038-04-22")
    assert hamar.start.date() == _d("2038-04-29")


def test_years_2025_to_2045_move_exactly_the_expected_meetings() -> None:
    moved = {
        (m.body.value, m.moved_from.isoformat(), m.start.date().isoformat())
        for year in range(2025, 2046)
        for m in plan_year(year)
        if m.moved_from is not None
    }
    assert moved == {
        ("SSU", "2029-05-17", "2029-05-24"),
        ("SSU", "2034-05-18", "2034-05-25"),
        ("SSU", "2035-05-17", "2035-05-24"),
        ("DIALOG", "2038-04-22", "2038-04-29"),
        ("SSU", "2039-05-19", "2039-05-26"),
        ("SSU", "2040-05-17", "2040-05-24"),
        ("SSU", "2042-05-15", "2042-05-22"),
        ("SSU", "2045-05-18", "2045-05-25"),
    }


def test_holiday_move_repeats_until_the_day_is_clear() -> None:
    # 2029: Ascension Day is Thursday 10 May and 17 May is the next Thursday.
    assert first_clear_day(_d("2029-05-10")) == _d("2029-05-24")
    pattern = replace(DEFAULT_PATTERNS[1], nth=2)  # 2nd Thursday of May
    moved = plan_meeting(pattern, 2029)
    assert (moved.moved_from, moved.start.date()) == (_d("2029-05-10"), _d("2029-05-24"))


def test_multi_day_meeting_moves_when_its_second_day_is_a_holiday() -> None:
    # Wednesday 1 April 2026 – Thursday 2 April (Maundy Thursday): both days must be clear.
    pattern = replace(next(p for p in DEFAULT_PATTERNS if p.body is Body.STRATEGY), month=4, nth=1)
    m = plan_meeting(pattern, 2026)
    assert m.moved_from == _d("2026-04-01")
    assert (m.start.date(), m.end.date()) == (_d("2026-04-08"), _d("2026-04-09"))
    assert m.title == "Strategisamling 8.–9. april 2026"


def test_meeting_days_ignores_an_end_at_midnight() -> None:
    start = datetime(2026, 3, 11, 12, tzinfo=OSLO)
    assert meeting_days(start, datetime(2026, 3, 12, 0, tzinfo=OSLO)) == [_d("2026-03-11")]
    assert meeting_days(start, datetime(2026, 3, 12, 12, tzinfo=OSLO)) == [
        _d("2026-03-11"),
        _d("2026-03-12"),
    ]


def test_plan_year_names_the_pattern_that_gives_no_date() -> None:
    fifth = replace(DEFAULT_PATTERNS[0], nth=5)  # February 2026 has four Thursdays
    with pytest.raises(ValueError, match=r"SSU pattern for 2026: .*has no 5\. torsdag"):
        plan_year(2026, patterns=[fifth])


def test_plan_year_with_custom_patterns_plans_only_those() -> None:
    au = MeetingPattern(Body.AU, 1, Weekday.TUESDAY, 3, time(13), time(15), form=MeetingForm.hybrid)
    [m] = plan_year(2026, patterns=[au])
    assert m.body is Body.AU and m.form is MeetingForm.hybrid
    assert m.start == datetime(2026, 1, 20, 13, tzinfo=OSLO)


# --- contract shape ----------------------------------------------------------------------------


def test_to_contract_dict_has_exactly_the_plan_json_item_shape() -> None:
    item = plan_year(2026)[0].to_contract_dict()
    assert item == {
        "body": "SSU",
        "title": "SSU-møte torsdag 12. februar 2026",
        "start": "2026-02-12T09:30:00+01:00",
        "end": "2026-02-12T14:30:00+01:00",
        "online": False,
        "location": "Fylkeshuset Lillehammer, Kirkegata 76",
        "moved_from": None,
        "deadlines": {
            "case_submission": "2026-01-22T09:30:00+01:00",
            "notice": "2026-02-05T09:30:00+01:00",
            "protocol": "2026-02-19T14:30:00+01:00",
        },
    }
    json.dumps(item)  # serialisable as is


def test_to_contract_dict_gives_moved_from_as_an_iso_date_and_location_null_for_teams() -> None:
    items = [m.to_contract_dict() for m in plan_year(2029)]
    moved = next(i for i in items if i["moved_from"] is not None)
    assert moved["moved_from"] == "2029-05-17"
    assert moved["start"] == "2029-05-24T09:30:00+02:00"
    pa = next(i for i in items if i["body"] == "PA")
    assert pa["location"] is None and pa["online"] is True
    for i in items:
        assert datetime.fromisoformat(i["start"]).utcoffset() is not None
        assert set(i) == {
            "body",
            "title",
            "start",
            "end",
            "online",
            "location",
            "moved_from",
            "deadlines",
        }


def test_planned_meeting_is_frozen() -> None:
    m = plan_year(2026)[0]
    with pytest.raises(FrozenInstanceError):
        m.title = "x"  # type: ignore[misc]


def test_calendar_module_imports_no_framework() -> None:
    code = (
        "import sys, bot.domain.calendar; "
        "bad = {'aiohttp', 'sqlmodel', 'sqlalchemy', 'botbuilder', 'msgraph', 'apscheduler'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    ).stdout
    assert out.strip() == "[]"
