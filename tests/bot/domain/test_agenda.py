"""The agenda's pure rules: seed order, numbering, minutes, the clock, the fit warning, moving
cases within a section and the minutes form."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.domain.agenda import (
    LUNCH_KEY,
    AgendaCase,
    Direction,
    ItemKind,
    Part,
    Placement,
    Standing,
    agenda_part,
    build_agenda,
    case_key,
    default_lunch,
    key_case_id,
    minutes_input_id,
    move_case,
    validate_minutes,
)
from bot.domain.calendar import OSLO, Body
from bot.domain.cases import Route, Section
from tests.bot.agenda_support import END, START, seed_agenda, seed_cases


def test_the_agenda_follows_seed_001() -> None:
    agenda = seed_agenda()
    assert [(i.label, i.kind, i.part) for i in agenda.items] == [
        ("11/25", ItemKind.APPROVAL, Part.OPENING),
        ("12/25", ItemKind.PREVIOUS_MINUTES, Part.OPENING),
        ("13/25", ItemKind.CASE, Part.DECISION),
        ("14/25", ItemKind.CASE, Part.DECISION),
        (None, ItemKind.LUNCH, Part.BREAK),
        ("15/25", ItemKind.CASE, Part.THEME),
        ("16/25", ItemKind.CASE, Part.THEME),
        ("17/25", ItemKind.CASE, Part.THEME),
        ("18/25", ItemKind.CASE, Part.REPORT),
    ]
    assert [i.minutes for i in agenda.items] == [2, 3, 60, 60, 30, 30, 75, 30, 5]


def test_the_clock_runs_from_the_start_and_places_the_lunch_break() -> None:
    agenda = seed_agenda()
    lunch = agenda.lunch
    assert lunch is not None
    # 09:00 + 2 + 3 + 60 + 60 = 11:05 (the seed wrote "ca 11:15").
    assert (lunch.starts.hour, lunch.starts.minute) == (11, 5)
    assert (lunch.ends.hour, lunch.ends.minute) == (11, 35)
    assert agenda.items[0].starts == START
    assert all(a.ends == b.starts for a, b in zip(agenda.items, agenda.items[1:], strict=False))


def test_total_minutes_against_the_meeting_length() -> None:
    agenda = seed_agenda()
    assert agenda.total_minutes == 295
    assert agenda.available_minutes == 300
    assert agenda.fits and agenda.over_by == 0
    longer = seed_agenda(
        cases=[*seed_cases(), AgendaCase(9, 2025, 19, "Ekstra", "theme", Section.THEME, None, 20)]
    )
    assert longer.total_minutes == 315
    assert not longer.fits and longer.over_by == 15


def test_a_case_finished_by_the_au_is_reported_for_information() -> None:
    au_case = AgendaCase(9, 2025, 19, "AU-sak", "decision", Section.DECISION, Route.AU_LINE, 10)
    agenda = seed_agenda(cases=[*seed_cases(), au_case])
    assert agenda.item(case_key(9)) is not None
    assert agenda.item(case_key(9)).part is Part.REPORT  # type: ignore[union-attr]
    in_au = seed_agenda(cases=[au_case], body=Body.AU)
    assert in_au.item(case_key(9)).part is Part.DECISION  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("section", "route", "case_type", "body", "part"),
    [
        (Section.DECISION, Route.SSU, "decision", Body.SSU, Part.DECISION),
        (Section.THEME, Route.AU, "theme", Body.SSU, Part.REPORT),
        (Section.OTHER, None, "other", Body.SSU, Part.OTHER),
        (None, None, "theme", Body.SSU, Part.THEME),
        (Section.DECISION, Route.AU, "decision", Body.AU, Part.DECISION),
        (Section.REPORT, Route.AU_LINE, "report", Body.PA, Part.REPORT),
    ],
)
def test_agenda_part(
    section: Section | None, route: Route | None, case_type: str, body: Body, part: Part
) -> None:
    assert agenda_part(section, route, case_type, body=body) is part


def test_minutes_come_from_the_agenda_then_the_triage_then_the_section_default() -> None:
    cases = [
        AgendaCase(1, 2026, 1, "A", "decision", Section.DECISION, None, None),
        AgendaCase(2, 2026, 2, "B", "report", Section.REPORT, None, None),
        AgendaCase(3, 2026, 3, "C", "theme", Section.THEME, None, 45),
        AgendaCase(4, 2026, 4, "D", "theme", Section.THEME, None, 45, agenda_minutes=20),
        AgendaCase(5, 2026, 5, "E", "other", Section.OTHER, None, None),
    ]
    agenda = seed_agenda(cases=cases)
    assert {i.case_id: i.minutes for i in agenda.cases} == {1: 30, 2: 5, 3: 45, 4: 20, 5: 10}


def test_the_lunch_break_depends_on_the_meeting_length_and_the_agenda() -> None:
    assert default_lunch(START, END) == 30
    assert default_lunch(START, START + timedelta(hours=1)) == 0
    short = seed_agenda(end=START + timedelta(hours=2))
    assert short.lunch is None
    standing = Standing(year=2025, approval_number=11, minutes_number=12, lunch_minutes=0)
    assert seed_agenda(standing=standing).lunch is None
    standing = replace(standing, lunch_minutes=45)
    lunch = seed_agenda(standing=standing).lunch
    assert lunch is not None and lunch.minutes == 45


def test_cases_stand_by_position_then_by_number() -> None:
    cases = seed_cases()
    cases[3] = replace(cases[3], position=1)  # 16/25 first among the themes
    cases[2] = replace(cases[2], position=2)  # 15/25 second; 17/25 unplaced, last
    themes = [i.label for i in seed_agenda(cases=cases).in_part(Part.THEME)]
    assert themes == ["16/25", "15/25", "17/25"]


def test_first_and_last_in_each_part() -> None:
    agenda = seed_agenda()
    themes = agenda.in_part(Part.THEME)
    assert [(i.first_in_part, i.last_in_part) for i in themes] == [
        (True, False),
        (False, False),
        (False, True),
    ]
    [report] = agenda.in_part(Part.REPORT)
    assert report.first_in_part and report.last_in_part


def test_moving_a_case_renumbers_its_section() -> None:
    agenda = seed_agenda()
    assert move_case(agenda, 116, Direction.UP) == (
        Placement(116, 1),
        Placement(115, 2),
        Placement(117, 3),
    )
    assert move_case(agenda, 116, "down") == (
        Placement(115, 1),
        Placement(117, 2),
        Placement(116, 3),
    )


def test_a_case_cannot_leave_its_section_or_the_agenda() -> None:
    agenda = seed_agenda()
    assert move_case(agenda, 115, Direction.UP) == ()  # first theme
    assert move_case(agenda, 118, Direction.DOWN) == ()  # the only report case
    assert move_case(agenda, 999, Direction.UP) == ()


def test_a_decision_case_without_a_proposal_is_flagged() -> None:
    cases = seed_cases()
    cases[0] = replace(cases[0], proposal="   ")
    agenda = seed_agenda(cases=cases)
    assert [i.label for i in agenda.missing_proposals] == ["13/25"]
    # Theme and report cases need none (16/25 and 18/25 have none).
    assert not seed_agenda().missing_proposals


def test_item_keys() -> None:
    assert case_key(17) == "case_17"
    assert key_case_id("case_17") == 17
    assert key_case_id("case_0") is None
    assert key_case_id("lunch") is None
    assert key_case_id("case_17 ") is None
    assert minutes_input_id(LUNCH_KEY) == "minutes_lunch"


def test_valid_minutes_are_the_changes_only() -> None:
    agenda = seed_agenda()
    check = validate_minutes(
        agenda,
        {
            "minutes_approval": "2",
            "minutes_case_113": " 45 ",
            "minutes_lunch": "0",
            "minutes_case_999": "12",
            "meeting_id": 5,
        },
    )
    assert check.ok
    assert dict(check.changes) == {"case_113": 45, "lunch": 0}


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"minutes_case_113": "0"}, "minutes_range"),
        ({"minutes_case_113": "241"}, "minutes_range"),
        ({"minutes_case_113": "1.5"}, "minutes_range"),
        ({"minutes_case_113": "²"}, "minutes_range"),
        ({"minutes_case_113": ""}, "minutes_required"),
        ({"minutes_case_113": True}, "minutes_not_number"),
        ({"minutes_case_113": ["5"]}, "minutes_not_number"),
        ({"minutes_lunch": "121"}, "lunch_range"),
    ],
)
def test_wrong_minutes_are_refused(values: dict[str, object], code: str) -> None:
    check = validate_minutes(seed_agenda(), values)
    assert not check.ok
    assert [p.code for p in check.problems] == [code]
    assert not check.changes


def test_a_lunch_break_can_be_added_back() -> None:
    standing = Standing(year=2025, approval_number=11, minutes_number=12, lunch_minutes=0)
    check = validate_minutes(seed_agenda(standing=standing), {"minutes_lunch": "30"})
    assert dict(check.changes) == {"lunch": 30}


def test_an_integer_from_a_forged_card_is_accepted() -> None:
    check = validate_minutes(seed_agenda(), {"minutes_case_118": 7})
    assert dict(check.changes) == {"case_118": 7}


def test_times_are_shown_in_oslo() -> None:
    from datetime import UTC

    agenda = build_agenda(
        start=datetime(2025, 5, 22, 7, 0, tzinfo=UTC),
        end=datetime(2025, 5, 22, 12, 0, tzinfo=UTC),
        standing=Standing(year=2025, approval_number=1, minutes_number=2),
        cases=[],
    )
    assert agenda.start.tzinfo is not None
    assert agenda.start == datetime(2025, 5, 22, 9, 0, tzinfo=OSLO)
    assert agenda.items[0].starts.utcoffset() == timedelta(hours=2)
