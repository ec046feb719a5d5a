"""Case rules: the validation table, case numbers, placement after a deadline, routes, lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.cases import (
    FORM_FIELDS,
    LONG_MAX,
    TITLE_MAX,
    CaseStatus,
    CaseType,
    EconomicImpact,
    MeetingSlot,
    Route,
    Section,
    TransitionRefused,
    allowed_routes,
    can_transition,
    case_year,
    default_section,
    format_case_number,
    parse_case_number,
    place_case,
    suggested_route,
    transition,
    triageable,
    validate_submission,
    validate_triage,
)


def valid(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Felles rutine for utskrivning",
        "submitter_org": "Hamar kommune",
        "anchored": "true",
        "anchored_with": "Kari Nordmann, kommunalsjef",
        "case_type": "decision",
        "background": "Bakgrunn for saken.",
        "assessment": "Vurdering av saken.",
        "proposal": "SSU slutter seg til rutinen.",
        "economic_impact": "none",
        "meeting": "",
        "attachments": "",
    }
    values.update(changes)
    return values


def codes(values: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in validate_submission(values).problems}


def test_a_complete_form_passes_and_is_normalised() -> None:
    check = validate_submission(
        valid(title="  Felles\n rutine  ", attachments="https://a.example/x\n\n https://b.example ")
    )
    assert check.ok and check.submission is not None
    assert check.submission.title == "Felles rutine"
    assert check.submission.attachments == ("https://a.example/x", "https://b.example")
    assert check.submission.case_type is CaseType.DECISION
    assert check.submission.meeting_id is None
    assert not check.submission.needs_ssu


VALIDATION_TABLE = [
    # (changes, expected problem) — the validation table of the case form
    ({"title": ""}, ("title", "required")),
    ({"title": " \t\n "}, ("title", "required")),
    ({"title": "x" * (TITLE_MAX + 1)}, ("title", "too_long")),
    ({"submitter_org": "   "}, ("submitter_org", "required")),
    ({"submitter_org": "x" * 201}, ("submitter_org", "too_long")),
    ({"anchored": ""}, ("anchored", "anchored_required")),
    ({"anchored": "false"}, ("anchored", "anchored_required")),
    ({"anchored": "yes"}, ("anchored", "anchored_required")),
    ({"anchored": False}, ("anchored", "anchored_required")),
    ({"anchored_with": ""}, ("anchored_with", "required")),
    ({"case_type": ""}, ("case_type", "required")),
    ({"case_type": "urgent"}, ("case_type", "unknown_value")),
    ({"case_type": "Decision"}, ("case_type", "unknown_value")),
    ({"background": "\n\n"}, ("background", "required")),
    ({"background": "x" * (LONG_MAX + 1)}, ("background", "too_long")),
    ({"assessment": ""}, ("assessment", "required")),
    ({"assessment": "x" * 10_000}, ("assessment", "too_long")),
    ({"proposal": "  "}, ("proposal", "proposal_required")),
    ({"proposal": "x" * 4_001, "case_type": "theme"}, ("proposal", "too_long")),
    ({"economic_impact": ""}, ("economic_impact", "required")),
    ({"economic_impact": "huge"}, ("economic_impact", "unknown_value")),
    ({"meeting": "abc"}, ("meeting", "unknown_meeting")),
    ({"meeting": "-3"}, ("meeting", "unknown_meeting")),
    ({"meeting": "0"}, ("meeting", "unknown_meeting")),
    ({"meeting": "1" * 12}, ("meeting", "unknown_meeting")),
    ({"attachments": "http://example.org/a"}, ("attachments", "link_not_https")),
    ({"attachments": "ftp://example.org/a"}, ("attachments", "link_not_https")),
    ({"attachments": "https://"}, ("attachments", "link_not_https")),
    ({"attachments": "https://exa mple.org"}, ("attachments", "link_not_https")),
    ({"attachments": "javascript:alert(1)"}, ("attachments", "link_not_https")),
    ({"attachments": "https://user@evil.example/"}, ("attachments", "link_not_https")),
    ({"attachments": "https://e.example/" + "a" * 500}, ("attachments", "link_too_long")),
    (
        {"attachments": "\n".join(f"https://e.example/{i}" for i in range(11))},
        ("attachments", "too_many_links"),
    ),
    ({"title": ["a", "list"]}, ("title", "not_text")),
    ({"background": {"nested": "object"}}, ("background", "not_text")),
    ({"meeting": 7}, ("meeting", "not_text")),
]


@pytest.mark.parametrize(("changes", "problem"), VALIDATION_TABLE)
def test_validation_table(changes: dict[str, Any], problem: tuple[str, str]) -> None:
    check = validate_submission(valid(**changes))
    assert not check.ok
    assert check.submission is None
    assert problem in {(p.field, p.code) for p in check.problems}


def test_proposal_is_optional_for_other_case_types() -> None:
    for kind in ("theme", "report", "other"):
        assert validate_submission(valid(case_type=kind, proposal="")).ok


def test_toggle_sent_as_json_true_counts_as_anchored() -> None:
    assert validate_submission(valid(anchored=True)).ok


def test_missing_keys_are_empty_and_all_required_fields_are_reported() -> None:
    found = codes({})
    assert found == {
        ("title", "required"),
        ("submitter_org", "required"),
        ("anchored", "anchored_required"),
        ("anchored_with", "required"),
        ("case_type", "required"),
        ("background", "required"),
        ("assessment", "required"),
        ("economic_impact", "required"),
    }


def test_oversized_values_are_cut_to_the_limit_for_showing_again() -> None:
    check = validate_submission(valid(title="x" * 10_000, background="y" * 10_000))
    assert len(check.values["title"]) == TITLE_MAX
    assert len(check.values["background"]) == LONG_MAX
    [problem] = [p for p in check.problems if p.field == "title"]
    assert problem.params() == {"limit": TITLE_MAX, "length": 10_000}


def test_unknown_choices_are_not_echoed_back() -> None:
    check = validate_submission(valid(case_type="<script>", economic_impact="x" * 5000))
    assert check.values["case_type"] == ""
    assert check.values["economic_impact"] == ""


def test_control_characters_are_dropped_and_extra_keys_ignored() -> None:
    check = validate_submission(valid(title="Sak\x00 med\x07 kontroll", draft_id="abc", x="y"))
    assert check.submission is not None
    assert check.submission.title == "Sak med kontroll"
    assert set(check.values) == set(FORM_FIELDS)


def test_major_impact_is_flagged_for_ssu() -> None:
    check = validate_submission(valid(economic_impact="major"))
    assert check.submission is not None and check.submission.needs_ssu


def test_attachment_problems_name_the_line() -> None:
    check = validate_submission(valid(attachments="https://ok.example\nhttp://bad.example"))
    [problem] = check.problems
    assert (problem.code, problem.line) == ("link_not_https", 2)


@pytest.mark.parametrize(
    ("number", "year", "text"),
    [(1, 2026, "01/26"), (4, 2024, "04/24"), (11, 2025, "11/25"), (123, 2026, "123/26")],
)
def test_case_numbers_are_formatted_nn_yy(number: int, year: int, text: str) -> None:
    assert format_case_number(number, year) == text
    assert parse_case_number(text) == (number, year)


def test_case_numbers_as_the_documents_write_them_are_understood() -> None:
    assert parse_case_number("Sak 11.25") == (11, 2025)
    assert parse_case_number("sak. 04.24") == (4, 2024)
    assert parse_case_number("23/25") == (23, 2025)
    assert parse_case_number("0/25") is None
    assert parse_case_number("sak") is None


def test_no_case_number_zero() -> None:
    with pytest.raises(ValueError):
        format_case_number(0, 2026)


def test_the_case_year_is_the_oslo_year() -> None:
    assert case_year(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == 2026
    assert case_year(datetime(2025, 12, 31, 22, 59, tzinfo=UTC)) == 2025


NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def slot(meeting_id: int, days: int, *, body: str = "SSU", open_: bool = True) -> MeetingSlot:
    start = NOW + timedelta(days=days)
    return MeetingSlot(meeting_id, body, f"m{meeting_id}", start, start - timedelta(days=21), open_)


def test_a_meeting_still_taking_cases_keeps_the_case() -> None:
    feb = slot(1, 30)
    placement = place_case(feb, [feb], NOW)
    assert placement.meeting == feb and not placement.moved


def test_after_the_deadline_the_case_goes_to_the_next_open_meeting_of_the_same_body() -> None:
    feb, au, may = slot(1, 10), slot(2, 40, body="AU"), slot(3, 120)
    placement = place_case(feb, [au, may], NOW)
    assert placement.moved
    assert placement.requested == feb
    assert placement.meeting == may


def test_after_the_deadline_with_no_later_meeting_the_secretariat_finds_one() -> None:
    feb = slot(1, 10)
    placement = place_case(feb, [], NOW)
    assert placement.moved and placement.meeting is None


def test_a_cancelled_meeting_moves_the_case_too() -> None:
    cancelled, may = slot(1, 60, open_=False), slot(2, 120)
    assert place_case(cancelled, [may], NOW).meeting == may


def test_no_requested_meeting_stays_unplaced() -> None:
    assert place_case(None, [slot(1, 60)], NOW).meeting is None


def test_major_impact_leaves_only_ssu() -> None:
    assert allowed_routes("major") == (Route.SSU,)
    assert allowed_routes(EconomicImpact.MINOR) == (Route.AU, Route.AU_LINE, Route.SSU)
    assert suggested_route("theme", "major") is Route.SSU
    assert suggested_route("decision", "none") is Route.SSU
    assert suggested_route("report", "none") is Route.AU


def test_cases_the_au_finishes_go_to_ssu_as_report_cases() -> None:
    assert default_section("decision", "au") is Section.REPORT
    assert default_section("decision", "ssu") is Section.DECISION
    assert default_section("theme") is Section.THEME


TRIAGE_TABLE = [
    ({"route": "", "section": "decision"}, "none", ("route", "required")),
    ({"route": "board", "section": "decision"}, "none", ("route", "unknown_value")),
    ({"route": "au", "section": "decision"}, "major", ("route", "route_needs_ssu")),
    ({"route": "au_line", "section": "theme"}, "major", ("route", "route_needs_ssu")),
    ({"route": "ssu", "section": ""}, "none", ("section", "required")),
    ({"route": "ssu", "section": "lunch"}, "none", ("section", "unknown_value")),
    ({"route": "ssu", "section": "theme", "minutes": "0"}, "none", ("minutes", "minutes_range")),
    ({"route": "ssu", "section": "theme", "minutes": "241"}, "none", ("minutes", "minutes_range")),
    ({"route": "ssu", "section": "theme", "minutes": "ten"}, "none", ("minutes", "minutes_range")),
    ({"route": "ssu", "section": "theme", "meeting": "x1"}, "none", ("meeting", "unknown_meeting")),
    ({"route": ["ssu"], "section": "theme"}, "none", ("route", "not_text")),
]


@pytest.mark.parametrize(("values", "impact", "problem"), TRIAGE_TABLE)
def test_triage_table(values: dict[str, Any], impact: str, problem: tuple[str, str]) -> None:
    check = validate_triage(values, impact)
    assert not check.ok
    assert problem in {(p.field, p.code) for p in check.problems}


def test_a_valid_triage() -> None:
    check = validate_triage(
        {"route": "ssu", "section": "decision", "meeting": "12", "minutes": 30}, "major"
    )
    assert check.ok is False  # minutes as a JSON number is not what a card sends
    check = validate_triage(
        {"route": "ssu", "section": "decision", "meeting": "12", "minutes": "30"}, "major"
    )
    assert check.triage is not None
    assert (check.triage.route, check.triage.meeting_id, check.triage.minutes) == (
        Route.SSU,
        12,
        30,
    )


def test_the_lifecycle_moves_only_along_its_transitions() -> None:
    assert transition("submitted", "triaged") is CaseStatus.TRIAGED
    assert transition(CaseStatus.TRIAGED, CaseStatus.SCHEDULED) is CaseStatus.SCHEDULED
    assert transition("scheduled", "treated") is CaseStatus.TREATED
    assert transition("treated", "decided") is CaseStatus.DECIDED
    assert can_transition("submitted", "closed")
    for current, target in [
        ("submitted", "scheduled"),
        ("submitted", "decided"),
        ("triaged", "decided"),
        ("decided", "closed"),
        ("closed", "submitted"),
        ("treated", "triaged"),
    ]:
        with pytest.raises(TransitionRefused):
            transition(current, target)


def test_only_cases_not_yet_on_an_agenda_can_be_triaged() -> None:
    assert triageable("submitted") and triageable("triaged")
    assert not any(triageable(s) for s in ("scheduled", "treated", "decided", "closed"))
