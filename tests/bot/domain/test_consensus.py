"""Consensus rules (agreement §4.1): the round's one-way state machine, answers and their reasons,
who chairs (leader, deputy leader when the leader is absent), who may answer (delegated to the
quorum rules: deputies in place of absent members, administrative seats only in cases with major
economic consequences), the tally and the outcome, and the case steps a closed round takes."""

from __future__ import annotations

import pytest

from bot.domain.cases import CaseStatus, CaseType, EconomicImpact, Section, transition
from bot.domain.consensus import (
    DECISION_TEXT_MAX,
    INPUT_MAX,
    REASON_MAX,
    Outcome,
    Position,
    RoundRefused,
    RoundState,
    can_start_on,
    case_steps,
    chair_of,
    close,
    eligible,
    is_decision_case,
    major_economic,
    outcome,
    tally,
    validate_answer,
    validate_decision_text,
    validate_input,
)
from bot.domain.quorum import RosterSeat, seats_from

# Leader 1, deputy leader 2, members 3 (administrative), 4 (user rep), 5 (union rep), 6 (GP);
# personal deputies 11–16; an observer 20.
SEATS = seats_from(
    [
        RosterSeat(1, "leader", "administrative"),
        RosterSeat(2, "deputy_leader", "administrative"),
        RosterSeat(3, "member", "administrative"),
        RosterSeat(4, "member", "user_rep"),
        RosterSeat(5, "member", "union_rep"),
        RosterSeat(6, "member", "gp_rep"),
        *(RosterSeat(10 + i, "personal_deputy", "x", i) for i in range(1, 7)),
        RosterSeat(20, "observer", "observer"),
    ]
)


# ------------------------------------------------------------------------------- state machine


def test_a_round_closes_once() -> None:
    assert close(RoundState.OPEN) is RoundState.CLOSED
    assert close("open") is RoundState.CLOSED
    with pytest.raises(RoundRefused):
        close(RoundState.CLOSED)


# ------------------------------------------------------------------------------------- answers


@pytest.mark.parametrize("position", ["agree", "abstain"])
def test_support_and_abstention_need_no_reason(position: str) -> None:
    check = validate_answer({"position": position})
    assert check.ok and check.position is Position(position) and check.reason == ""


def test_an_objection_needs_a_reason() -> None:
    check = validate_answer({"position": "object", "reason": "  \n "})
    assert not check.ok
    assert [(p.field, p.code) for p in check.problems] == [("reason", "reason_required")]
    good = validate_answer({"position": "object", "reason": " Mangler finansiering. \r\n"})
    assert good.ok and good.reason == "Mangler finansiering."


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({}, "position_required"),
        ({"position": "yes"}, "unknown_value"),
        ({"position": 1}, "not_text"),
        ({"position": ["agree"]}, "not_text"),
    ],
)
def test_a_position_must_be_one_of_the_three(values: dict[str, object], code: str) -> None:
    check = validate_answer(values)
    assert not check.ok and check.position is None
    assert [p.code for p in check.problems if p.field == "position"] == [code]


def test_reasons_are_cut_to_their_limit_and_control_characters_dropped() -> None:
    check = validate_answer({"position": "agree", "reason": "x" * (REASON_MAX + 5)})
    assert not check.ok and check.problems[0].code == "too_long"
    assert len(check.values["reason"]) == REASON_MAX
    clean = validate_answer({"position": "abstain", "reason": "a\x00b\x1bc"})
    assert clean.reason == "abc"


def test_decision_text_and_observer_input_are_required_and_bounded() -> None:
    assert validate_decision_text("  Vedtak.  ").text == "Vedtak."
    assert [p.code for p in validate_decision_text("   ").problems] == ["required"]
    assert [p.code for p in validate_decision_text(None).problems] == ["required"]
    assert [p.code for p in validate_decision_text(5).problems] == ["not_text"]
    assert validate_decision_text("v" * (DECISION_TEXT_MAX + 1)).problems[0].limit == (
        DECISION_TEXT_MAX
    )
    assert validate_input("Husk pårørende.").ok
    assert not validate_input("").ok
    assert not validate_input("i" * (INPUT_MAX + 1)).ok


# ------------------------------------------------------------------------------ cases and chair


def test_decision_cases_by_section_else_by_type() -> None:
    assert is_decision_case(CaseType.DECISION, None)
    assert is_decision_case("theme", Section.DECISION)
    assert not is_decision_case(CaseType.DECISION, Section.REPORT)
    assert not is_decision_case("other", None)
    assert major_economic(EconomicImpact.MAJOR) and not major_economic("minor")


def test_rounds_are_held_on_cases_placed_and_not_yet_decided() -> None:
    assert all(can_start_on(s) for s in ("triaged", "scheduled", "treated"))
    assert not any(can_start_on(s) for s in ("submitted", "decided", "closed"))


@pytest.mark.parametrize(
    ("status", "result", "steps"),
    [
        ("triaged", Outcome.CONSENSUS, ("treated", "decided")),
        ("scheduled", Outcome.CONSENSUS, ("treated", "decided")),
        ("treated", Outcome.CONSENSUS, ("decided",)),
        ("triaged", Outcome.NO_CONSENSUS, ("treated",)),
        ("treated", Outcome.NO_CONSENSUS, ()),
    ],
)
def test_a_closed_round_moves_the_case_along_guarded_transitions(
    status: str, result: Outcome, steps: tuple[str, ...]
) -> None:
    found = case_steps(status, result)
    assert tuple(s.value for s in found) == steps
    here = CaseStatus(status)
    for step in found:
        here = transition(here, step)  # every step is allowed by the case lifecycle


def test_a_case_routed_to_a_meeting_can_be_treated_there() -> None:
    """The transition added for consensus: triaged → treated (no agenda feature in between)."""
    assert transition("triaged", "treated") is CaseStatus.TREATED


def test_the_leader_chairs_unless_absent_then_the_deputy_leader() -> None:
    assert chair_of(SEATS, present={1, 2}, absent=set()) == 1
    assert chair_of(SEATS, present=set(), absent=set()) == 1  # before anyone checked in
    assert chair_of(SEATS, present={2, 11}, absent={1}) == 2
    assert chair_of(SEATS, present={11, 12}, absent={1, 2}) == 11
    assert chair_of(SEATS, present={12}, absent={1, 2}) == 12
    assert chair_of(SEATS, present={3}, absent={1, 2}) is None
    assert chair_of((), present={1}, absent=set()) is None


# ----------------------------------------------------------------------------------- eligibility


def test_eligible_are_the_people_in_filled_seats_with_deputies_in_place() -> None:
    present = {1, 2, 13, 4, 20}  # member 3 absent, deputy 13 in the seat; observer 20
    sitting = {s.person_id: s.seat.member_id for s in eligible(SEATS, present, major=False)}
    assert sitting == {1: 1, 2: 2, 13: 3, 4: 4}


def test_a_deputy_with_their_member_present_is_not_a_second_voter() -> None:
    people = [s.person_id for s in eligible(SEATS, {3, 13}, major=False)]
    assert people == [3]


def test_major_economic_cases_leave_only_administrative_seats() -> None:
    present = {1, 2, 3, 4, 5, 6, 20}
    people = [s.person_id for s in eligible(SEATS, present, major=True)]
    assert people == [1, 2, 3]


# ------------------------------------------------------------------------------ tally, outcome


def test_the_tally_counts_the_eligible_and_keeps_other_answers_apart() -> None:
    answers = {1: "agree", 2: Position.OBJECT, 3: "abstain", 9: "agree"}
    result = tally([1, 2, 3, 4], answers)
    assert (result.agree, result.object, result.abstain, result.pending) == ((1,), (2,), (3,), (4,))
    assert result.not_counted == (9,)
    assert (result.eligible, result.answered) == (4, 3)


def test_consensus_when_quorum_holds_nobody_objects_and_somebody_supports() -> None:
    assert outcome(tally([1, 2, 3], {1: "agree", 2: "abstain"}), quorum_reached=True) is (
        Outcome.CONSENSUS
    )


@pytest.mark.parametrize(
    ("answers", "quorum"),
    [
        ({1: "agree", 2: "object"}, True),  # one objection is enough
        ({1: "agree", 2: "agree"}, False),  # quorum lost
        ({1: "abstain", 2: "abstain"}, True),  # nobody supports anything
        ({}, True),
    ],
)
def test_otherwise_no_consensus(answers: dict[int, str], quorum: bool) -> None:
    assert outcome(tally([1, 2, 3], answers), quorum_reached=quorum) is Outcome.NO_CONSENSUS


def test_an_objection_from_someone_no_longer_eligible_does_not_block() -> None:
    result = tally([1, 2], {1: "agree", 2: "agree", 5: "object"})
    assert outcome(result, quorum_reached=True) is Outcome.CONSENSUS
    assert result.not_counted == (5,)
