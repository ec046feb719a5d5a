"""Cases (saker): the template form's rules, case numbers, routes and the case lifecycle.

Why pure: the form is validated twice — when the card comes back (to show errors next to the
fields) and again inside the submit transaction (the authority) — and a forged invoke must meet
exactly the same rules as a real card. One table of rules, no I/O, tested once.

Wording follows the committee's documents (seed 004 §1.3, seed 001): anyone may submit a case on
the secretariat's template after clarifying it with their nearest leader; the secretariat routes it
to the working committee (AU), to the AU with the line management, or to SSU; cases with larger
economic or administrative consequences are decided by SSU. Case numbers run per calendar year and
are printed ``NN/YY`` ("Sak 04.24" in the documents is case 4 of 2024; we print "04/24").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from bot.domain.calendar import to_oslo

__all__ = [
    "ATTACHMENTS_MAX",
    "FORM_FIELDS",
    "FORM_RULES",
    "LONG_MAX",
    "MINUTES_MAX",
    "MINUTES_MIN",
    "SHORT_MAX",
    "TITLE_MAX",
    "TRANSITIONS",
    "TRIAGE_FIELDS",
    "URL_MAX",
    "CaseStatus",
    "CaseType",
    "EconomicImpact",
    "FieldRule",
    "FormCheck",
    "MeetingSlot",
    "Placement",
    "Problem",
    "Route",
    "Section",
    "Submission",
    "TransitionRefused",
    "Triage",
    "TriageCheck",
    "allowed_routes",
    "can_transition",
    "case_year",
    "default_section",
    "format_case_number",
    "parse_case_number",
    "place_case",
    "suggested_route",
    "transition",
    "triageable",
    "validate_submission",
    "validate_triage",
]


class CaseType(StrEnum):
    """What the submitter says the case is; the secretariat may file it in another section."""

    DECISION = "decision"
    THEME = "theme"
    REPORT = "report"
    OTHER = "other"


class EconomicImpact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"


class Route(StrEnum):
    """The three routes of seed 004 §1.3."""

    AU = "au"
    """The working committee finishes the case; SSU is informed."""
    AU_LINE = "au_line"
    """The working committee finishes it with the established line management; SSU is informed."""
    SSU = "ssu"
    """SSU decides: always when the economic or administrative consequences are larger."""


class Section(StrEnum):
    """Where the case stands in the notice (seed 001): decision, theme, report cases, other."""

    DECISION = "decision"
    THEME = "theme"
    REPORT = "report"
    OTHER = "other"


class CaseStatus(StrEnum):
    """Stored verbatim in ``case_record.status``."""

    SUBMITTED = "submitted"
    TRIAGED = "triaged"
    SCHEDULED = "scheduled"
    TREATED = "treated"
    DECIDED = "decided"
    CLOSED = "closed"


TITLE_MAX: Final = 200
SHORT_MAX: Final = 200
"""Organisation and "clarified with": a name and a role, never a text."""
LONG_MAX: Final = 4_000
"""Background, assessment, proposed decision: about a page each, what fits a card and a notice."""
ATTACHMENTS_MAX: Final = 10
URL_MAX: Final = 500
MINUTES_MIN: Final = 1
MINUTES_MAX: Final = 240
"""A case may take at most a whole meeting's afternoon; the notice's longest item was 75 min."""
_MEETING_ID_DIGITS: Final = 9
_ATTACHMENTS_RAW_MAX: Final = ATTACHMENTS_MAX * (URL_MAX + 2)


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One input of the case form: the CONTRACT id and what it must hold."""

    name: str
    required: bool
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    multiline: bool = False


FORM_RULES: Final[tuple[FieldRule, ...]] = (
    FieldRule("title", required=True, max_length=TITLE_MAX),
    FieldRule("submitter_org", required=True, max_length=SHORT_MAX),
    FieldRule("anchored", required=True, choices=("true",)),
    FieldRule("anchored_with", required=True, max_length=SHORT_MAX),
    FieldRule("case_type", required=True, choices=tuple(CaseType)),
    FieldRule("background", required=True, max_length=LONG_MAX, multiline=True),
    FieldRule("assessment", required=True, max_length=LONG_MAX, multiline=True),
    FieldRule("proposal", required=False, max_length=LONG_MAX, multiline=True),
    FieldRule("economic_impact", required=True, choices=tuple(EconomicImpact)),
    FieldRule("meeting", required=False),
    FieldRule("attachments", required=False, max_length=_ATTACHMENTS_RAW_MAX, multiline=True),
)
"""The validation table. Cross-field rules (in :func:`validate_submission`): ``proposal`` is
required for decision cases; ``attachments`` holds at most 10 https:// URLs of ≤ 500 chars."""

FORM_FIELDS: Final[tuple[str, ...]] = tuple(rule.name for rule in FORM_RULES)
TRIAGE_FIELDS: Final[tuple[str, ...]] = ("route", "meeting", "section", "minutes")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one field was refused; ``code`` names an i18n message ``case.error.<code>``."""

    field: str
    code: str
    limit: int | None = None
    length: int | None = None
    line: int | None = None

    def params(self) -> dict[str, int]:
        values = {"limit": self.limit, "length": self.length, "line": self.line}
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Submission:
    """A valid case form, normalised."""

    title: str
    submitter_org: str
    anchored_with: str
    case_type: CaseType
    background: str
    assessment: str
    proposal: str
    economic_impact: EconomicImpact
    meeting_id: int | None
    attachments: tuple[str, ...] = ()

    @property
    def needs_ssu(self) -> bool:
        """Larger economic or administrative consequences: SSU decides (seed 004 §1.3)."""
        return self.economic_impact is EconomicImpact.MAJOR


@dataclass(frozen=True, slots=True)
class FormCheck:
    """The outcome of checking a form: the submission, or the problems.

    ``values`` are the inputs as they should be shown again: normalised, and cut to the field's
    limit so that a 10,000-character paste can neither bloat the card past Teams' 28 KB nor the
    stored dialog state.
    """

    values: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    submission: Submission | None = None
    meeting_id: int | None = None
    """The chosen meeting, parsed even when other fields are wrong (so it can be checked too)."""

    @property
    def ok(self) -> bool:
        return self.submission is not None

    def problems_for(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.field == name]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def _normalise(value: str, *, multiline: bool) -> str:
    """NFC, no control characters, trimmed; single-line fields get single spaces."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not multiline:
        return _SPACES.sub(" ", text).strip()
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _as_text(raw: object) -> str | None:
    """Card inputs are strings; a toggle may arrive as a JSON boolean. Anything else is forged."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return raw
    return None


def _check_attachments(text: str) -> tuple[tuple[str, ...], list[Problem]]:
    links = [line.strip() for line in text.split("\n") if line.strip()]
    problems: list[Problem] = []
    if len(links) > ATTACHMENTS_MAX:
        problems.append(
            Problem("attachments", "too_many_links", limit=ATTACHMENTS_MAX, length=len(links))
        )
    for number, link in enumerate(links[: ATTACHMENTS_MAX + 1], start=1):
        if len(link) > URL_MAX:
            too_long = Problem(
                "attachments", "link_too_long", limit=URL_MAX, length=len(link), line=number
            )
            problems.append(too_long)
        elif not _is_https_url(link):
            problems.append(Problem("attachments", "link_not_https", line=number))
    return tuple(links), problems


def _is_https_url(link: str) -> bool:
    if not link.lower().startswith("https://") or any(c.isspace() for c in link):
        return False
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and bool(parts.hostname) and "@" not in parts.netloc


def validate_submission(values: Mapping[str, object]) -> FormCheck:
    """Check the case form against :data:`FORM_RULES`; keys that are not inputs are ignored.

    Whitespace-only counts as empty. Unknown choice values are refused, never coerced.
    """
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    for rule in FORM_RULES:
        raw = _as_text(values.get(rule.name))
        if raw is None:
            shown[rule.name] = ""
            problems.append(Problem(rule.name, "not_text"))
            continue
        text = _normalise(raw, multiline=rule.multiline)
        if rule.name == "meeting" and len(text) > _MEETING_ID_DIGITS:
            shown[rule.name] = ""
            problems.append(Problem(rule.name, "unknown_meeting"))
            continue
        if rule.max_length is not None and len(text) > rule.max_length:
            shown[rule.name] = text[: rule.max_length]
            problems.append(Problem(rule.name, "too_long", limit=rule.max_length, length=len(text)))
            continue
        shown[rule.name] = text
        if not text:
            if rule.required:
                code = "anchored_required" if rule.name == "anchored" else "required"
                problems.append(Problem(rule.name, code))
            continue
        if rule.choices and text not in rule.choices:
            code = "anchored_required" if rule.name == "anchored" else "unknown_value"
            shown[rule.name] = ""
            problems.append(Problem(rule.name, code))
    if (
        shown.get("case_type") == CaseType.DECISION
        and not shown.get("proposal")
        and not any(p.field == "proposal" for p in problems)
    ):
        problems.append(Problem("proposal", "proposal_required"))
    meeting_id: int | None = None
    meeting = shown.get("meeting", "")
    if meeting and not any(p.field == "meeting" for p in problems):
        if _DIGITS.fullmatch(meeting) and int(meeting) > 0:
            meeting_id = int(meeting)
        else:
            shown["meeting"] = ""
            problems.append(Problem("meeting", "unknown_meeting"))
    links: tuple[str, ...] = ()
    if shown.get("attachments") and not any(p.field == "attachments" for p in problems):
        links, link_problems = _check_attachments(shown["attachments"])
        problems += link_problems
    if problems:
        return FormCheck(values=shown, problems=tuple(problems), meeting_id=meeting_id)
    return FormCheck(
        values=shown,
        meeting_id=meeting_id,
        submission=Submission(
            title=shown["title"],
            submitter_org=shown["submitter_org"],
            anchored_with=shown["anchored_with"],
            case_type=CaseType(shown["case_type"]),
            background=shown["background"],
            assessment=shown["assessment"],
            proposal=shown["proposal"],
            economic_impact=EconomicImpact(shown["economic_impact"]),
            meeting_id=meeting_id,
            attachments=links,
        ),
    )


# --------------------------------------------------------------------------------------------------
# Case numbers
# --------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*(?:sak\.?\s*)?(\d{1,4})\s*[/.]\s*(\d{2})\s*$", re.IGNORECASE)


def case_year(moment: datetime) -> int:
    """The calendar year a case is numbered in: the Europe/Oslo year of its submission."""
    return to_oslo(moment).year


def format_case_number(number: int, year: int) -> str:
    """``04/26``: at least two digits, then the two-digit year (seed 001 writes "Sak 11.25")."""
    if number < 1 or year < 1:
        raise ValueError(f"no case number {number} in {year}")
    return f"{number:02d}/{year % 100:02d}"


def parse_case_number(text: str, *, century: int = 2000) -> tuple[int, int] | None:
    """``"23/25"``, ``"23.25"`` or ``"Sak 23.25"`` → ``(23, 2025)``; None when it is not one."""
    match = _NUMBER.match(text)
    if match is None or int(match.group(1)) < 1:
        return None
    return int(match.group(1)), century + int(match.group(2))


# --------------------------------------------------------------------------------------------------
# Where a submitted case goes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingSlot:
    """What case submission needs to know of a meeting (a projection of the meeting table)."""

    id: int
    body: str
    title: str
    start: datetime
    case_deadline: datetime
    open: bool = True
    """Still planned or with its notice out (not held, not cancelled)."""

    def accepts_cases(self, now: datetime) -> bool:
        return self.open and now < self.case_deadline


@dataclass(frozen=True, slots=True)
class Placement:
    """The meeting a case is submitted to; ``moved`` when the requested one no longer took it."""

    meeting: MeetingSlot | None
    requested: MeetingSlot | None = None
    moved: bool = False


def place_case(
    requested: MeetingSlot | None, open_meetings: Sequence[MeetingSlot], now: datetime
) -> Placement:
    """Keep the requested meeting while its case deadline is ahead; else the next open meeting.

    Why accept instead of refusing: the deadline is the secretariat's planning aid, not a reason to
    lose a case. A case that missed 12 February goes to the next meeting of the same body that
    still takes cases (or none: the secretariat then finds one) and the submitter is told so.
    """
    if requested is None:
        return Placement(None)
    if requested.accepts_cases(now):
        return Placement(requested, requested)
    later = sorted(
        (m for m in open_meetings if m.accepts_cases(now) and m.id != requested.id),
        key=lambda m: (m.start, m.id),
    )
    same_body = [m for m in later if m.body == requested.body]
    return Placement(same_body[0] if same_body else None, requested, moved=True)


# --------------------------------------------------------------------------------------------------
# Triage
# --------------------------------------------------------------------------------------------------

_SECTION_OF_TYPE: Final[Mapping[CaseType, Section]] = MappingProxyType(
    {
        CaseType.DECISION: Section.DECISION,
        CaseType.THEME: Section.THEME,
        CaseType.REPORT: Section.REPORT,
        CaseType.OTHER: Section.OTHER,
    }
)


def allowed_routes(impact: EconomicImpact | str) -> tuple[Route, ...]:
    """Larger economic or administrative consequences leave one route: SSU decides."""
    if EconomicImpact(impact) is EconomicImpact.MAJOR:
        return (Route.SSU,)
    return tuple(Route)


def suggested_route(case_type: CaseType | str, impact: EconomicImpact | str) -> Route:
    """The card's preselection: SSU for major impact and decision cases, else the AU."""
    if EconomicImpact(impact) is EconomicImpact.MAJOR or CaseType(case_type) is CaseType.DECISION:
        return Route.SSU
    return Route.AU


def default_section(case_type: CaseType | str, route: Route | str | None = None) -> Section:
    """A case the AU finishes comes to SSU for information: a report case (referatsak)."""
    if route is not None and Route(route) in (Route.AU, Route.AU_LINE):
        return Section.REPORT
    return _SECTION_OF_TYPE[CaseType(case_type)]


@dataclass(frozen=True, slots=True)
class Triage:
    route: Route
    section: Section
    meeting_id: int | None
    minutes: int | None


@dataclass(frozen=True, slots=True)
class TriageCheck:
    values: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    triage: Triage | None = None

    @property
    def ok(self) -> bool:
        return self.triage is not None

    def problems_for(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.field == name]


def validate_triage(values: Mapping[str, object], impact: EconomicImpact | str) -> TriageCheck:
    """Route and section are required; meeting and minutes optional; major impact forces SSU."""
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    for name in TRIAGE_FIELDS:
        raw = _as_text(values.get(name))
        if raw is None:
            shown[name] = ""
            problems.append(Problem(name, "not_text"))
            continue
        shown[name] = _normalise(raw, multiline=False)[:20]
    route = shown["route"]
    if not route and not any(p.field == "route" for p in problems):
        problems.append(Problem("route", "required"))
    elif route and route not in tuple(Route):
        shown["route"] = ""
        problems.append(Problem("route", "unknown_value"))
    elif route and Route(route) not in allowed_routes(impact):
        problems.append(Problem("route", "route_needs_ssu"))
    section = shown["section"]
    if not section and not any(p.field == "section" for p in problems):
        problems.append(Problem("section", "required"))
    elif section and section not in tuple(Section):
        shown["section"] = ""
        problems.append(Problem("section", "unknown_value"))
    meeting_id: int | None = None
    if shown["meeting"]:
        if _DIGITS.fullmatch(shown["meeting"]) and len(shown["meeting"]) <= _MEETING_ID_DIGITS:
            meeting_id = int(shown["meeting"])
        else:
            shown["meeting"] = ""
            problems.append(Problem("meeting", "unknown_meeting"))
    minutes: int | None = None
    if shown["minutes"]:
        text = shown["minutes"]
        if _DIGITS.fullmatch(text) and MINUTES_MIN <= int(text) <= MINUTES_MAX:
            minutes = int(text)
        else:
            problems.append(Problem("minutes", "minutes_range", limit=MINUTES_MAX))
    if problems:
        return TriageCheck(values=shown, problems=tuple(problems))
    return TriageCheck(
        values=shown,
        triage=Triage(Route(route), Section(section), meeting_id, minutes),
    )


# --------------------------------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------------------------------

TRANSITIONS: Final[Mapping[CaseStatus, frozenset[CaseStatus]]] = MappingProxyType(
    {
        CaseStatus.SUBMITTED: frozenset({CaseStatus.TRIAGED, CaseStatus.CLOSED}),
        CaseStatus.TRIAGED: frozenset(
            {CaseStatus.TRIAGED, CaseStatus.SCHEDULED, CaseStatus.TREATED, CaseStatus.CLOSED}
        ),
        CaseStatus.SCHEDULED: frozenset(
            {CaseStatus.TRIAGED, CaseStatus.TREATED, CaseStatus.CLOSED}
        ),
        CaseStatus.TREATED: frozenset({CaseStatus.DECIDED, CaseStatus.CLOSED}),
        CaseStatus.DECIDED: frozenset(),
        CaseStatus.CLOSED: frozenset(),
    }
)
"""submitted → triaged → scheduled → treated → decided, or closed on the way.

triaged → triaged is a re-triage (another route or meeting before the agenda is made);
scheduled → triaged takes a case off an agenda again. triaged → treated: a case routed to a
meeting is treated there (a consensus round) even when no agenda put it in *scheduled* first.
Decided and closed are final.
"""


class TransitionRefused(ValueError):
    """The case is not in a state from which ``target`` can be reached."""

    def __init__(self, current: CaseStatus, target: CaseStatus) -> None:
        super().__init__(f"a case cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: CaseStatus | str, target: CaseStatus | str) -> bool:
    return CaseStatus(target) in TRANSITIONS[CaseStatus(current)]


def transition(current: CaseStatus | str, target: CaseStatus | str) -> CaseStatus:
    """``target`` if allowed from ``current``, else :class:`TransitionRefused`."""
    here, there = CaseStatus(current), CaseStatus(target)
    if there not in TRANSITIONS[here]:
        raise TransitionRefused(here, there)
    return there


def triageable(status: CaseStatus | str) -> bool:
    """The secretariat routes a case until it is on an agenda."""
    return can_transition(status, CaseStatus.TRIAGED) and CaseStatus(status) in (
        CaseStatus.SUBMITTED,
        CaseStatus.TRIAGED,
    )
