"""The agenda (saksliste) of a meeting: which items, in which order, with how many minutes.

Why pure: the agenda card, the notice document, the calendar body and the "does it fit" warning
must all agree on one order and one clock. Built here from plain records, with no I/O, it is the
same list wherever it is shown, and its rules are tested once.

The order follows the committee's own notice (seed 001, the meeting of 22 May 2025):

1. ``Sak 11.25 Godkjenning av innkalling og saksliste (2 min)``
2. ``Sak 12.25 Godkjenning av referat fra SSU møtet 20.02.25 (3 min)``
3. decision cases (beslutningssaker)
4. the lunch break (``PAUSE og LUNCH fra ca 11:15 – 11:45``), when the meeting is long enough
5. theme cases (temasaker)
6. report cases (referatsaker) — every case the working committee (AU) finishes comes here,
   "for information" (seed 004 §1.3), whatever section the secretariat filed it in
7. any other business (eventuelt): cases filed as "other"

Numbering (decided from seed 001): the two standing items are cases of their own. In the seed they
carry the year's next numbers, 11.25 and 12.25, followed by the meeting's cases 13.25–18.25. Here
cases get their number when they are submitted, so the standing items take theirs from the same
yearly series (``case_counter``) when the meeting's agenda is first built, in the meeting's year;
they keep those numbers for good, even when the meeting is cancelled (the gap then says so). The
cases keep the number they were submitted with. The list is printed in agenda order, not in
number order.

Reordering is within a section only: the sections themselves are the committee's fixed layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bot.domain.calendar import Body, to_oslo
from bot.domain.cases import (
    MINUTES_MAX,
    MINUTES_MIN,
    CaseType,
    Problem,
    Route,
    Section,
    format_case_number,
)

__all__ = [
    "APPROVAL_KEY",
    "APPROVAL_MINUTES",
    "DEFAULT_CASE_MINUTES",
    "LUNCH_KEY",
    "LUNCH_MAX",
    "LUNCH_MINUTES",
    "LUNCH_MIN_MEETING",
    "MINUTES_KEY",
    "PART_ORDER",
    "PREVIOUS_MINUTES_MINUTES",
    "Agenda",
    "AgendaCase",
    "AgendaItem",
    "Direction",
    "ItemKind",
    "MinutesCheck",
    "Part",
    "Placement",
    "Standing",
    "agenda_part",
    "build_agenda",
    "case_key",
    "default_lunch",
    "key_case_id",
    "minutes_input_id",
    "move_case",
    "validate_minutes",
]


class ItemKind(StrEnum):
    APPROVAL = "approval"
    """Godkjenning av innkalling og saksliste."""
    PREVIOUS_MINUTES = "previous_minutes"
    """Godkjenning av referat fra forrige møte."""
    CASE = "case"
    LUNCH = "lunch"


class Part(StrEnum):
    """The notice's parts in seed order; the lunch break sits between decision and theme."""

    OPENING = "opening"
    DECISION = "decision"
    BREAK = "break"
    THEME = "theme"
    REPORT = "report"
    OTHER = "other"


PART_ORDER: Final[tuple[Part, ...]] = tuple(Part)

_PART_OF_SECTION: Final[Mapping[Section, Part]] = MappingProxyType(
    {
        Section.DECISION: Part.DECISION,
        Section.THEME: Part.THEME,
        Section.REPORT: Part.REPORT,
        Section.OTHER: Part.OTHER,
    }
)
_SECTION_OF_TYPE: Final[Mapping[CaseType, Section]] = MappingProxyType(
    {
        CaseType.DECISION: Section.DECISION,
        CaseType.THEME: Section.THEME,
        CaseType.REPORT: Section.REPORT,
        CaseType.OTHER: Section.OTHER,
    }
)

APPROVAL_KEY: Final = "approval"
MINUTES_KEY: Final = "previous_minutes"
LUNCH_KEY: Final = "lunch"
APPROVAL_MINUTES: Final = 2
PREVIOUS_MINUTES_MINUTES: Final = 3
LUNCH_MINUTES: Final = 30
LUNCH_MAX: Final = 120
LUNCH_MIN_MEETING: Final = timedelta(hours=4)
"""A meeting this long gets a lunch break by default (SSU: 09:30–14:30); shorter ones (PA's
one hour, a two-hour dialogue meeting) none."""
DEFAULT_CASE_MINUTES: Final[Mapping[Part, int]] = MappingProxyType(
    {Part.DECISION: 30, Part.THEME: 30, Part.REPORT: 5, Part.OTHER: 10}
)
"""When neither the triage nor the agenda gave a case its minutes. Seed 001: decisions and themes
took 30–75 minutes, the report case 5."""
_CASE_KEY = re.compile(r"^case_([1-9][0-9]{0,8})$")


def case_key(case_id: int) -> str:
    """The item key of a case: ``case_17``."""
    return f"case_{case_id}"


def key_case_id(key: str) -> int | None:
    match = _CASE_KEY.match(key)
    return int(match.group(1)) if match else None


def minutes_input_id(key: str) -> str:
    """The card input that carries an item's minutes: ``minutes_case_17``, ``minutes_lunch``."""
    return f"minutes_{key}"


def agenda_part(
    section: Section | str | None,
    route: Route | str | None,
    case_type: str,
    *,
    body: Body | str = Body.SSU,
) -> Part:
    """Where a case stands. In SSU (and the other bodies above the AU) a case the working
    committee finishes is reported for information (seed 004 §1.3); in the AU's own meeting it
    stands in the section the secretariat filed it in."""
    if (
        Body(body) is not Body.AU
        and route is not None
        and Route(route) in (Route.AU, Route.AU_LINE)
    ):
        return Part.REPORT
    if section is None:
        return _PART_OF_SECTION[_SECTION_OF_TYPE[CaseType(case_type)]]
    return _PART_OF_SECTION[Section(section)]


@dataclass(frozen=True, slots=True)
class AgendaCase:
    """A case planned for the meeting, with what the agenda and the notice need of it."""

    case_id: int
    year: int
    number: int
    title: str
    case_type: str
    section: Section | None
    route: Route | None
    triage_minutes: int | None = None
    """The secretariat's estimate at triage."""
    proposal: str = ""
    background: str = ""
    assessment: str = ""
    submitter_org: str = ""
    attachments: tuple[str, ...] = ()
    position: int | None = None
    """The place within its section set on the agenda card; None: by case number."""
    agenda_minutes: int | None = None
    """Minutes set on the agenda card; they win over the triage estimate."""

    @property
    def label(self) -> str:
        return format_case_number(self.number, self.year)

    def part_in(self, body: Body | str) -> Part:
        return agenda_part(self.section, self.route, self.case_type, body=body)


@dataclass(frozen=True, slots=True)
class Standing:
    """The agenda's own data: the standing items' numbers and the minutes set on the card."""

    year: int
    approval_number: int
    minutes_number: int
    approval_minutes: int = APPROVAL_MINUTES
    minutes_minutes: int = PREVIOUS_MINUTES_MINUTES
    lunch_minutes: int | None = None
    """None: the default for the meeting's length; 0: no lunch break."""


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One line of the agenda, with its place on the meeting's clock (Europe/Oslo)."""

    key: str
    kind: ItemKind
    part: Part
    minutes: int
    starts: datetime
    label: str | None = None
    title: str = ""
    case: AgendaCase | None = None
    first_in_part: bool = False
    last_in_part: bool = False

    @property
    def ends(self) -> datetime:
        return self.starts + timedelta(minutes=self.minutes)

    @property
    def case_id(self) -> int | None:
        return self.case.case_id if self.case is not None else None

    @property
    def missing_proposal(self) -> bool:
        """A decision case must carry a proposed decision (seed 004 §4.1)."""
        return (
            self.case is not None and self.part is Part.DECISION and not self.case.proposal.strip()
        )


@dataclass(frozen=True, slots=True)
class Agenda:
    """The whole agenda; ``available_minutes`` is the meeting's length."""

    start: datetime
    end: datetime
    items: tuple[AgendaItem, ...]
    standing: Standing

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    @property
    def available_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def over_by(self) -> int:
        """Minutes the agenda runs past the meeting's end; 0 when it fits."""
        return max(0, self.total_minutes - self.available_minutes)

    @property
    def fits(self) -> bool:
        return self.over_by == 0

    @property
    def cases(self) -> tuple[AgendaItem, ...]:
        return tuple(item for item in self.items if item.kind is ItemKind.CASE)

    @property
    def lunch(self) -> AgendaItem | None:
        return next((item for item in self.items if item.kind is ItemKind.LUNCH), None)

    def in_part(self, part: Part) -> tuple[AgendaItem, ...]:
        return tuple(item for item in self.items if item.part is part)

    def item(self, key: str) -> AgendaItem | None:
        return next((item for item in self.items if item.key == key), None)

    @property
    def missing_proposals(self) -> tuple[AgendaItem, ...]:
        return tuple(item for item in self.items if item.missing_proposal)

    def lunch_default(self) -> int:
        return default_lunch(self.start, self.end)


def default_lunch(start: datetime, end: datetime) -> int:
    return LUNCH_MINUTES if end - start >= LUNCH_MIN_MEETING else 0


def _order_key(case: AgendaCase) -> tuple[bool, int, int, int, int]:
    return (case.position is None, case.position or 0, case.year, case.number, case.case_id)


def _case_minutes(case: AgendaCase, part: Part) -> int:
    if case.agenda_minutes is not None:
        return case.agenda_minutes
    if case.triage_minutes is not None:
        return case.triage_minutes
    return DEFAULT_CASE_MINUTES[part]


def build_agenda(
    *,
    start: datetime,
    end: datetime,
    standing: Standing,
    cases: Sequence[AgendaCase],
    body: Body | str = Body.SSU,
) -> Agenda:
    """The agenda in seed order, each item with its minutes and its start on the meeting's clock.

    Within a section the cases stand by the position set on the agenda card, then by number (a
    case added after the section was reordered goes last among the unplaced ones, by number).
    """
    local_start, local_end = to_oslo(start), to_oslo(end)
    lunch = standing.lunch_minutes
    if lunch is None:
        lunch = default_lunch(local_start, local_end)
    by_part: dict[Part, list[AgendaCase]] = {}
    for entry in sorted(cases, key=_order_key):
        by_part.setdefault(entry.part_in(body), []).append(entry)
    drafts: list[tuple[str, ItemKind, Part, int, AgendaCase | None, str | None]] = [
        (
            APPROVAL_KEY,
            ItemKind.APPROVAL,
            Part.OPENING,
            standing.approval_minutes,
            None,
            format_case_number(standing.approval_number, standing.year),
        ),
        (
            MINUTES_KEY,
            ItemKind.PREVIOUS_MINUTES,
            Part.OPENING,
            standing.minutes_minutes,
            None,
            format_case_number(standing.minutes_number, standing.year),
        ),
    ]
    for part in PART_ORDER:
        if part is Part.BREAK and lunch > 0:
            drafts.append((LUNCH_KEY, ItemKind.LUNCH, Part.BREAK, lunch, None, None))
        for entry in by_part.get(part, []):
            drafts.append(
                (
                    case_key(entry.case_id),
                    ItemKind.CASE,
                    part,
                    _case_minutes(entry, part),
                    entry,
                    entry.label,
                )
            )
    items: list[AgendaItem] = []
    clock = local_start
    for index, (key, kind, part, minutes, case, label) in enumerate(drafts):
        before = drafts[index - 1][2] if index > 0 else None
        after = drafts[index + 1][2] if index + 1 < len(drafts) else None
        items.append(
            AgendaItem(
                key=key,
                kind=kind,
                part=part,
                minutes=minutes,
                starts=clock,
                label=label,
                title=case.title if case is not None else "",
                case=case,
                first_in_part=before is not part,
                last_in_part=after is not part,
            )
        )
        clock = clock + timedelta(minutes=minutes)
    return Agenda(start=local_start, end=local_end, items=tuple(items), standing=standing)


# --------------------------------------------------------------------------------------------------
# Changing the agenda
# --------------------------------------------------------------------------------------------------


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Placement:
    """A case's new place within its section."""

    case_id: int
    position: int


def move_case(agenda: Agenda, case_id: int, direction: Direction | str) -> tuple[Placement, ...]:
    """The section's cases renumbered 1…n after moving ``case_id`` one step; () when it cannot
    move (not on the agenda, or already first/last of its section)."""
    item = agenda.item(case_key(case_id))
    if item is None or item.case is None:
        return ()
    section = [i.case_id for i in agenda.in_part(item.part) if i.case_id is not None]
    index = section.index(case_id)
    step = -1 if Direction(direction) is Direction.UP else 1
    other = index + step
    if not 0 <= other < len(section):
        return ()
    section[index], section[other] = section[other], section[index]
    return tuple(Placement(cid, position) for position, cid in enumerate(section, start=1))


@dataclass(frozen=True, slots=True)
class MinutesCheck:
    """The minutes card's inputs, checked: the changes by item key, or the problems."""

    values: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    changes: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_minutes(agenda: Agenda, values: Mapping[str, object]) -> MinutesCheck:
    """Minutes per item from the card: whole numbers, 1–240 for items, 0–120 for the lunch
    break (0 removes it). Inputs for items not on the agenda are ignored; only items whose value
    differs from the agenda's are changes."""
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    changes: dict[str, int] = {}
    keys = [item.key for item in agenda.items]
    if agenda.lunch is None:
        keys.append(LUNCH_KEY)
    for key in keys:
        input_id = minutes_input_id(key)
        raw = values.get(input_id)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            shown[input_id] = ""
            problems.append(Problem(input_id, "minutes_not_number"))
            continue
        text = str(raw).strip()[:8]
        shown[input_id] = text
        lunch = key == LUNCH_KEY
        low, high = (0, LUNCH_MAX) if lunch else (MINUTES_MIN, MINUTES_MAX)
        if not text:
            problems.append(Problem(input_id, "minutes_required"))
            continue
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            code = "lunch_range" if lunch else "minutes_range"
            problems.append(Problem(input_id, code, limit=high))
            continue
        minutes = int(text)
        current = agenda.item(key)
        if (current.minutes if current is not None else 0) != minutes:
            changes[key] = minutes
    if problems:
        return MinutesCheck(values=shown, problems=tuple(problems))
    return MinutesCheck(values=shown, changes=changes)
