"""Consensus rounds on decision cases (agreement §4.1): who chairs, who may answer, the live
tally and the outcome — pure rules, no I/O.

Why pure: the round card shows the tally live to every member, the service decides at close, and
the protocol prints who stood for and against; all three must apply exactly the same rule, and a
forged invoke must meet the same checks as a real card. Eligibility itself (who sits in which
seat, deputies in place of absent members, only administrative seats when the economic
consequences are major) is :mod:`bot.domain.quorum`'s rule; this module only delegates to it.

The rules (agreement §4.1, "Behandling av saker"):

- Decisions are made by consensus. Where there is disagreement the parties seek further dialogue
  rather than a vote, and the protocol records who stood for and who against.
- A round is *open* until the chair closes it; members present in an eligible seat answer
  ``agree`` (supports the proposed decision), ``object`` (has objections — the reason is
  required, so the dialogue knows what to address) or ``abstain``, and may change their answer
  while the round is open. A closed round never changes.
- Consensus: the meeting has a quorum, nobody eligible objects, and at least one supports the
  decision (a round where nobody supports anything decides nothing). Otherwise "no consensus —
  further dialogue", with the names for and against.
- Observers speak but never vote: their input is kept apart and never counted.
- The chair is the leader; when the leader is absent, the deputy leader (§4.1 "Nestleder overtar
  ledervervet ved fravær hos leder"); when both are absent, the personal deputy sitting in the
  leader's seat, then the one in the deputy leader's seat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.cases import LONG_MAX, CaseStatus, CaseType, EconomicImpact, Section
from bot.domain.quorum import SeatHolder, Sitting, eligible_voters

__all__ = [
    "DECISION_TEXT_MAX",
    "INPUT_MAX",
    "REASON_MAX",
    "AnswerCheck",
    "Outcome",
    "Position",
    "Problem",
    "RoundRefused",
    "RoundState",
    "Tally",
    "TextCheck",
    "can_start_on",
    "case_steps",
    "chair_of",
    "close",
    "eligible",
    "is_decision_case",
    "major_economic",
    "outcome",
    "tally",
    "validate_answer",
    "validate_decision_text",
    "validate_input",
]

DECISION_TEXT_MAX: Final = LONG_MAX
"""The final decision text: as long as a case's proposed decision may be."""
REASON_MAX: Final = 1_000
"""Why a member objects (or supports, or abstains): a few sentences, what a card can show."""
INPUT_MAX: Final = 2_000
"""An observer's input: a short statement for the protocol."""


class Position(StrEnum):
    """A member's answer; stored verbatim (CONTRACT ``consensus.respond`` input ``position``)."""

    AGREE = "agree"
    OBJECT = "object"
    ABSTAIN = "abstain"


class RoundState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Outcome(StrEnum):
    CONSENSUS = "consensus"
    NO_CONSENSUS = "no_consensus"
    """"Ingen konsensus – videre dialog": the parties continue the dialogue."""


class RoundRefused(ValueError):
    """The round is not in a state from which ``target`` can be reached (closed is final)."""

    def __init__(self, current: RoundState, target: RoundState) -> None:
        super().__init__(f"a consensus round cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def close(current: RoundState | str) -> RoundState:
    """open → closed; anything else is :class:`RoundRefused` (a round is closed once)."""
    here = RoundState(current)
    if here is not RoundState.OPEN:
        raise RoundRefused(here, RoundState.CLOSED)
    return RoundState.CLOSED


# --------------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one input was refused; ``code`` names an i18n message ``consensus.error.<code>``."""

    field: str
    code: str
    limit: int | None = None

    def params(self) -> dict[str, int]:
        return {} if self.limit is None else {"limit": self.limit}


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """A checked answer: ``position`` set when it is valid; ``values`` as the card shows them
    again (normalised, cut to the limit so a huge paste cannot bloat the card)."""

    values: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    position: Position | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.position is not None and not self.problems


@dataclass(frozen=True, slots=True)
class TextCheck:
    text: str
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(raw: object) -> str | None:
    """Card inputs are strings; anything else is forged (None)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    return None


def _normalise(text: str) -> str:
    """NFC, no control characters, trailing spaces and surrounding blank lines trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _long_text(raw: object, field: str, limit: int, *, required: bool) -> TextCheck:
    value = _text(raw)
    if value is None:
        return TextCheck("", (Problem(field, "not_text"),))
    text = _normalise(value)
    if len(text) > limit:
        return TextCheck(text[:limit], (Problem(field, "too_long", limit),))
    if required and not text:
        return TextCheck("", (Problem(field, "required"),))
    return TextCheck(text)


def validate_answer(values: Mapping[str, object]) -> AnswerCheck:
    """``position`` must be agree/object/abstain; ``reason`` is required with ``object``."""
    problems: list[Problem] = []
    raw_position = _text(values.get("position"))
    position_text = _normalise(raw_position)[:16] if raw_position is not None else ""
    position: Position | None = None
    if raw_position is None:
        problems.append(Problem("position", "not_text"))
    elif not position_text:
        problems.append(Problem("position", "position_required"))
    elif position_text not in tuple(Position):
        position_text = ""
        problems.append(Problem("position", "unknown_value"))
    else:
        position = Position(position_text)
    reason = _long_text(values.get("reason"), "reason", REASON_MAX, required=False)
    problems += reason.problems
    if position is Position.OBJECT and reason.ok and not reason.text:
        problems.append(Problem("reason", "reason_required"))
    shown = {"position": position_text, "reason": reason.text}
    if problems:
        return AnswerCheck(shown, tuple(problems))
    return AnswerCheck(shown, (), position, reason.text)


def validate_decision_text(raw: object) -> TextCheck:
    """The decision text the chair puts to the round: required, at most a case proposal long."""
    return _long_text(raw, "decision_text", DECISION_TEXT_MAX, required=True)


def validate_input(raw: object) -> TextCheck:
    """An observer's input: required (an empty input says nothing), at most 2,000 characters."""
    return _long_text(raw, "input", INPUT_MAX, required=True)


# --------------------------------------------------------------------------------------------------
# Which cases, who chairs, who answers
# --------------------------------------------------------------------------------------------------


def is_decision_case(case_type: CaseType | str, section: Section | str | None) -> bool:
    """A decision case (beslutningssak): filed in the decision section, or — not yet filed —
    submitted as one. The secretariat's section wins over the submitter's type."""
    if section is not None:
        return Section(section) is Section.DECISION
    return CaseType(case_type) is CaseType.DECISION


def major_economic(impact: EconomicImpact | str) -> bool:
    """Significant economic consequences: only administrative representatives have a say."""
    return EconomicImpact(impact) is EconomicImpact.MAJOR


_ROUND_STATUSES: Final = frozenset({CaseStatus.TRIAGED, CaseStatus.SCHEDULED, CaseStatus.TREATED})
"""A case on its way to (or already at) a meeting; treated again after "further dialogue"."""


def can_start_on(status: CaseStatus | str) -> bool:
    """A round can be held on a case placed for a meeting and not yet decided or closed."""
    return CaseStatus(status) in _ROUND_STATUSES


def case_steps(status: CaseStatus | str, result: Outcome) -> tuple[CaseStatus, ...]:
    """The case statuses a closed round moves the case through, one guarded transition each.

    The meeting treated the case either way (→ treated); with consensus it is also decided
    (treated → decided). A case already treated after an earlier round without consensus only
    takes the last step, or none.
    """
    here = CaseStatus(status)
    steps: list[CaseStatus] = []
    if here is not CaseStatus.TREATED:
        steps.append(CaseStatus.TREATED)
    if result is Outcome.CONSENSUS:
        steps.append(CaseStatus.DECIDED)
    return tuple(steps)


def chair_of(
    seats: Iterable[SeatHolder], *, present: Collection[int], absent: Collection[int]
) -> int | None:
    """The person who chairs the meeting now (§4.1), or None when nobody can.

    The leader, unless recorded absent; then the deputy leader, unless absent; then the personal
    deputy present in the leader's seat, then the one in the deputy leader's seat. Someone not
    (yet) recorded either way counts as there: the leader chairs from the start of the meeting,
    before anyone has checked in.
    """
    by_role = {s.role: s for s in seats}
    leader, deputy_leader = by_role.get("leader"), by_role.get("deputy_leader")
    for seat in (leader, deputy_leader):
        if seat is not None and seat.member_id not in absent:
            return seat.member_id
    for seat in (leader, deputy_leader):
        if seat is not None and seat.deputy_id is not None and seat.deputy_id in present:
            return seat.deputy_id
    return None


def eligible(
    seats: Iterable[SeatHolder], present: Collection[int], *, major: bool
) -> tuple[Sitting, ...]:
    """Who may answer: :func:`bot.domain.quorum.eligible_voters` (the person in each filled
    seat; administrative seats only when the economic consequences are major)."""
    return eligible_voters(seats, present, major_economic=major)


# --------------------------------------------------------------------------------------------------
# Tally and outcome
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """The answers of the people eligible now, by person id, each in name order of the caller's
    choosing (the ids keep the order of ``eligible_ids``). ``not_counted``: answers given by
    people who are no longer eligible (they left, or their member came back) — kept, not counted.
    """

    agree: tuple[int, ...] = ()
    object: tuple[int, ...] = ()
    abstain: tuple[int, ...] = ()
    pending: tuple[int, ...] = ()
    not_counted: tuple[int, ...] = ()

    @property
    def eligible(self) -> int:
        return len(self.agree) + len(self.object) + len(self.abstain) + len(self.pending)

    @property
    def answered(self) -> int:
        return len(self.agree) + len(self.object) + len(self.abstain)


def tally(eligible_ids: Sequence[int], answers: Mapping[int, Position | str]) -> Tally:
    """Count the answers of the eligible; everybody else's answer is kept apart."""
    groups: dict[Position, list[int]] = {p: [] for p in Position}
    pending: list[int] = []
    for person in dict.fromkeys(eligible_ids):
        given = answers.get(person)
        if given is None:
            pending.append(person)
        else:
            groups[Position(given)].append(person)
    wanted = set(eligible_ids)
    return Tally(
        agree=tuple(groups[Position.AGREE]),
        object=tuple(groups[Position.OBJECT]),
        abstain=tuple(groups[Position.ABSTAIN]),
        pending=tuple(pending),
        not_counted=tuple(sorted(p for p in answers if p not in wanted)),
    )


def outcome(result: Tally, *, quorum_reached: bool) -> Outcome:
    """Consensus when the meeting has a quorum, nobody objects and somebody supports."""
    if quorum_reached and not result.object and result.agree:
        return Outcome.CONSENSUS
    return Outcome.NO_CONSENSUS
