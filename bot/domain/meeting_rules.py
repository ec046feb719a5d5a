"""Pure rules for scheduling meetings: the yearly proposal with stable keys, what a valid meeting
looks like, who is called to it, and when the leadership is busy.

Why here and not in the service: the secretariat's plan card, the ``plan`` command and the
``meeting.add``/``meeting.move`` actions must refuse exactly the same input (past dates, a public
holiday, an end before the start …). Keeping the checks pure lets one test table cover them all and
lets the card show each problem next to its field before anything is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Final, TypeVar

from bot.domain.calendar import (
    DEFAULT_DEADLINE_RULES,
    DEFAULT_PATTERNS,
    DEFAULT_TITLE_TEMPLATES,
    HEALTH_REGIONS,
    OSLO,
    WEEKDAYS_NB,
    Body,
    DeadlineRules,
    MeetingForm,
    MeetingPattern,
    PlannedMeeting,
    format_date_nb,
    format_span_nb,
    meeting_days,
    plan_meeting,
    public_holiday_name,
    to_oslo,
)
from bot.graph.port import BusyBlock

__all__ = [
    "BUSY_STATUSES",
    "MAX_LOCATION",
    "MAX_REASON",
    "MIN_REASON",
    "MeetingDraft",
    "PlanEdit",
    "Problem",
    "Proposal",
    "Seat",
    "concerns",
    "draft_from_proposal",
    "format_day",
    "invitation",
    "is_busy",
    "local_datetime",
    "meeting_title",
    "online_for",
    "overlapping_window",
    "pattern_key",
    "propose_year",
    "validate_draft",
    "validate_reason",
]

MAX_LOCATION: Final = 200
"""Longest place text we store (the notice prints it on one line)."""
MIN_REASON: Final = 3
MAX_REASON: Final = 1000
"""A cancellation reason goes into every attendee's calendar; it must say something, briefly."""

BUSY_STATUSES: Final = frozenset({"busy", "oof", "tentative"})
"""Graph free/busy statuses that mean "cannot simply be booked" (workingElsewhere is free)."""

_WEEKDAY_CODES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CORE_ROLES: Final = frozenset({"leader", "deputy_leader", "member"})
_E = TypeVar("_E", Body, MeetingForm)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: the field it belongs to, a code, and message values.

    The message is ``meeting.problem.<code>`` in the i18n catalogues, formatted with ``params``.
    """

    field: str
    code: str
    params: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def prefixed(self, prefix: str) -> Problem:
        """The same problem for a field inside a group (``<prefix>.<field>``)."""
        return Problem(f"{prefix}.{self.field}", self.code, self.params)

    def as_text(self) -> str:
        """``field:code`` — compact, for the audit log."""
        return f"{self.field}:{self.code}"


# --------------------------------------------------------------------------------------------------
# The yearly proposal with stable keys
# --------------------------------------------------------------------------------------------------


def pattern_key(pattern: MeetingPattern) -> str:
    """A key that names the pattern, not the date: ``m02-thu-2`` (2nd Thursday of February).

    Why: ``plan --apply`` and approving the plan card must recognise a meeting they created before
    even when the secretariat edited its date, so the key cannot contain the date.
    """
    return f"m{pattern.month:02d}-{_WEEKDAY_CODES[pattern.weekday]}-{pattern.nth}"


@dataclass(frozen=True, slots=True)
class Proposal:
    """One meeting of the proposed plan: ``slot`` identifies it in cards and edits."""

    pattern_key: str
    planned: PlannedMeeting

    @property
    def body(self) -> Body:
        return self.planned.body

    @property
    def slot(self) -> str:
        """``ssu-m02-thu-2``: body and pattern, unique within a year; safe as an input id."""
        return f"{self.planned.body.value.lower()}-{self.pattern_key}"


_BODY_ORDER: Final = {body: i for i, body in enumerate(Body)}


def propose_year(
    year: int,
    patterns: Iterable[MeetingPattern] = DEFAULT_PATTERNS,
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> list[Proposal]:
    """The plan of :func:`bot.domain.calendar.plan_year` with each meeting's pattern key, in the
    same order. Raises ValueError when two patterns of one body share a key.
    """
    proposals: list[Proposal] = []
    seen: set[tuple[Body, str]] = set()
    for pattern in patterns:
        key = pattern_key(pattern)
        if (pattern.body, key) in seen:
            raise ValueError(f"two {pattern.body} patterns share the key {key}")
        seen.add((pattern.body, key))
        try:
            proposals.append(Proposal(key, plan_meeting(pattern, year, rules)))
        except ValueError as exc:
            raise ValueError(f"{pattern.body} pattern for {year}: {exc}") from exc
    return sorted(
        proposals,
        key=lambda p: (p.planned.start, _BODY_ORDER[p.planned.body], p.planned.title),
    )


# --------------------------------------------------------------------------------------------------
# Drafts and their validation
# --------------------------------------------------------------------------------------------------


def local_datetime(day: date, clock: time) -> datetime:
    """A Europe/Oslo wall-clock time as an aware datetime (a spring-forward gap moves forward)."""
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    return naive.replace(tzinfo=OSLO, fold=0).astimezone(UTC).astimezone(OSLO)


def online_for(form: MeetingForm | str) -> bool:
    """Digital and hybrid meetings get a Teams link; a physical meeting does not."""
    return MeetingForm(form) is not MeetingForm.physical


def meeting_title(
    body: Body | str,
    start: datetime,
    end: datetime,
    *,
    region: str | None = None,
    location: str | None = None,
) -> str:
    """The Norwegian title, also the calendar subject: ``SSU-møte torsdag 12. februar 2026``."""
    first, last = to_oslo(start), to_oslo(end)
    days = meeting_days(first, last)
    title = DEFAULT_TITLE_TEMPLATES[Body(body)].format(
        weekday=WEEKDAYS_NB[first.weekday()],
        date=format_date_nb(first.date()),
        span=format_span_nb(days[0], days[-1]),
        region=region or "",
        location=location or "",
    )
    return " ".join(title.split())


def format_day(day: date) -> str:
    """``12.02.2026``: the date in messages that go to both languages."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


@dataclass(frozen=True, slots=True)
class MeetingDraft:
    """A meeting as someone wants it, before it is checked. ``body`` and ``form`` are raw text."""

    body: str
    start: datetime
    end: datetime
    form: str
    location: str | None = None
    region: str | None = None


def validate_draft(draft: MeetingDraft, *, now: datetime) -> tuple[Problem, ...]:
    """Everything wrong with ``draft``; empty when it may be stored.

    The rules: a known body and form; start in the future; end after the start; no day of the
    meeting on a Norwegian public holiday; a place for physical and hybrid meetings; a known health
    region (required for a dialogue meeting).
    """
    problems: list[Problem] = []
    body = _enum_or_none(Body, draft.body)
    if body is None:
        problems.append(
            Problem("body", "body_unknown", {"known": ", ".join(b.value for b in Body)})
        )
    form = _enum_or_none(MeetingForm, draft.form)
    if form is None:
        problems.append(Problem("form", "form_unknown"))
    if draft.start.utcoffset() is None or draft.end.utcoffset() is None:
        problems.append(Problem("date", "time_naive"))
        return tuple(problems)
    start, end = to_oslo(draft.start), to_oslo(draft.end)
    if start <= now:
        problems.append(Problem("date", "in_past", {"date": format_day(start.date())}))
    if end <= start:
        problems.append(Problem("end", "end_before_start"))
    else:
        for day in meeting_days(start, end):
            name = public_holiday_name(day)
            if name is not None:
                problems.append(
                    Problem("date", "holiday", {"date": format_day(day), "holiday": name})
                )
                break
    location = (draft.location or "").strip()
    if len(location) > MAX_LOCATION:
        problems.append(Problem("location", "location_too_long", {"limit": str(MAX_LOCATION)}))
    elif not location and form is not None and form is not MeetingForm.digital:
        problems.append(Problem("location", "location_missing"))
    region = (draft.region or "").strip()
    if region and region not in HEALTH_REGIONS:
        problems.append(Problem("region", "region_unknown", {"known": ", ".join(HEALTH_REGIONS)}))
    elif not region and body is Body.DIALOG:
        problems.append(Problem("region", "region_missing"))
    return tuple(problems)


def validate_reason(reason: str) -> tuple[Problem, ...]:
    """A cancellation needs a reason the attendees can read (3–1000 characters)."""
    text = reason.strip()
    if len(text) < MIN_REASON:
        return (Problem("reason", "reason_missing"),)
    if len(text) > MAX_REASON:
        return (Problem("reason", "reason_too_long", {"limit": str(MAX_REASON)}),)
    return ()


def _enum_or_none(kind: type[_E], value: str) -> _E | None:
    try:
        return kind(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PlanEdit:
    """The secretariat's change to one proposed meeting; None keeps the proposal's value."""

    day: date | None = None
    start_time: time | None = None
    location: str | None = None
    form: MeetingForm | None = None


def draft_from_proposal(proposal: Proposal, edit: PlanEdit | None = None) -> MeetingDraft:
    """The proposal with ``edit`` applied; the meeting keeps its length on the wall clock."""
    planned = proposal.planned
    start, end = to_oslo(planned.start), to_oslo(planned.end)
    edit = edit or PlanEdit()
    if edit.day is not None or edit.start_time is not None:
        length = end.replace(tzinfo=None) - start.replace(tzinfo=None)
        new_start = local_datetime(edit.day or start.date(), edit.start_time or start.time())
        end = local_datetime(
            (new_start.replace(tzinfo=None) + length).date(),
            (new_start.replace(tzinfo=None) + length).time(),
        )
        start = new_start
    location = planned.location if edit.location is None else edit.location.strip() or None
    return MeetingDraft(
        body=planned.body.value,
        start=start,
        end=end,
        form=(edit.form or planned.form).value,
        location=location,
        region=planned.region,
    )


# --------------------------------------------------------------------------------------------------
# Who is called, and when they are busy
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seat:
    """A seat as the invitation rule needs it (``storage`` rows are mapped onto this)."""

    body: str
    role: str
    region: str | None = None


def invitation(body: Body | str, meeting_region: str | None, seat: Seat) -> bool | None:
    """Whether ``seat`` is called to a meeting: True required, False optional, None not invited.

    - The secretariat is called to every meeting.
    - SSU and the strategy gathering: SSU leader, deputy leader and members; observers optional
      (they may speak but never vote). Personal deputies are not called: a member who cannot
      attend passes the notice on (agreement §4.1).
    - PA: its members; AU: its members.
    - A dialogue meeting: the SSU leader and deputy leader, and the SSU and PA members of that
      health region.
    """
    kind = Body(body)
    if seat.role == "secretariat":
        return True
    if kind in {Body.SSU, Body.STRATEGY} and seat.body == "SSU":
        if seat.role in _CORE_ROLES:
            return True
        if seat.role == "observer":
            return False
        return None
    if kind in {Body.PA, Body.AU}:
        return True if seat.body == kind.value and seat.role in _CORE_ROLES else None
    if kind is Body.DIALOG:
        if seat.body == "SSU" and seat.role in {"leader", "deputy_leader"}:
            return True
        if (
            seat.body in {"SSU", "PA"}
            and seat.role in _CORE_ROLES
            and meeting_region is not None
            and seat.region == meeting_region
        ):
            return True
    return None


def concerns(body: Body | str, meeting_region: str | None, seats: Sequence[Seat]) -> bool:
    """Whether a meeting is "theirs" for ``neste møte``: called to it, or a personal deputy of
    SSU for an SSU meeting (they may have to step in). Someone with no seats sees every meeting.
    """
    if not seats:
        return True
    if any(invitation(body, meeting_region, seat) is not None for seat in seats):
        return True
    return Body(body) in {Body.SSU, Body.STRATEGY} and any(
        seat.body == "SSU" and seat.role == "personal_deputy" for seat in seats
    )


def is_busy(blocks: Iterable[BusyBlock], start: datetime, end: datetime) -> bool:
    """True when a busy, out-of-office or tentative block overlaps [start, end)."""
    return any(
        block.status.lower() in BUSY_STATUSES and block.start < end and start < block.end
        for block in blocks
    )


def overlapping_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The free/busy window to ask for: the meeting itself (Graph wants under 42 days)."""
    return start, max(end, start + timedelta(minutes=5))
