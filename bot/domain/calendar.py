"""Meeting calendar rules: Norwegian public holidays, working days, the yearly meeting plan and the
deadlines of each meeting.

Why one module: the plan carries each meeting's deadlines, and the deadlines need the bodies and the
time zone, so splitting them would only create an import cycle. Everything here is pure (stdlib,
``holidays`` and ``zoneinfo`` only) so the rules in the cooperation agreement can be tested
exhaustively, year by year, without a database or Teams.

Conventions
- Times are computed in Europe/Oslo (:data:`OSLO`) and returned as timezone-aware datetimes.
- Day arithmetic is wall-clock arithmetic: add days to the local date and time, then re-localise, so
  a 09:30 meeting has 09:30 deadlines on both sides of a daylight-saving change.
- Weekdays are ``date.weekday()`` numbers (Monday = 0); :class:`Weekday` names them.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final, TypedDict
from zoneinfo import ZoneInfo

from holidays.countries.norway import Norway

__all__ = [
    "DEFAULT_DEADLINE_RULES",
    "DEFAULT_DURATIONS",
    "DEFAULT_PATTERNS",
    "DEFAULT_TITLE_TEMPLATES",
    "HEALTH_REGIONS",
    "MONTHS_NB",
    "OSLO",
    "WEEKDAYS_NB",
    "Body",
    "DeadlineRules",
    "Deadlines",
    "DeadlinesDict",
    "MeetingForm",
    "MeetingPattern",
    "PlannedMeeting",
    "PlannedMeetingDict",
    "Weekday",
    "add_working_days",
    "deadlines_for",
    "default_end",
    "first_clear_day",
    "format_date_nb",
    "format_span_nb",
    "is_public_holiday",
    "is_working_day",
    "meeting_days",
    "next_working_day",
    "nth_weekday",
    "plan_meeting",
    "plan_year",
    "previous_working_day",
    "public_holiday_name",
    "public_holidays",
    "shift_local",
    "to_oslo",
]

OSLO: Final = ZoneInfo("Europe/Oslo")
"""The partnership's time zone; all computing and display happens here (storage is UTC)."""


class Body(StrEnum):
    """The bodies that meet. Values equal the names because CONTRACT prints them verbatim."""

    SSU = "SSU"
    STRATEGY = "STRATEGY"
    PA = "PA"
    DIALOG = "DIALOG"
    AU = "AU"


class MeetingForm(StrEnum):
    """How a meeting is held; the notice must say which (the leader decides for SSU)."""

    physical = "physical"
    digital = "digital"
    hybrid = "hybrid"


class Weekday(IntEnum):
    """``date.weekday()`` numbers by name, so patterns read as in the meeting plan."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


HEALTH_REGIONS: Final[tuple[str, ...]] = (
    "Sør-Østerdal",
    "Nord-Østerdal",
    "Hamar",
    "Gjøvik/Hadeland",
    "Valdres",
    "Nord-Gudbrandsdal",
    "Sør-Gudbrandsdal",
)
"""The seven health regions of Innlandet, in the order of the annual plan (seed 003)."""

WEEKDAYS_NB: Final[tuple[str, ...]] = (
    "mandag",
    "tirsdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lørdag",
    "søndag",
)
"""Norwegian bokmål weekday names, indexed by ``date.weekday()`` (written out: babel is too old)."""

MONTHS_NB: Final[tuple[str, ...]] = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
"""Norwegian bokmål month names, indexed by ``month - 1``."""


# --------------------------------------------------------------------------------------------------
# Public holidays and working days
# --------------------------------------------------------------------------------------------------


@functools.cache
def public_holidays(year: int) -> Mapping[date, str]:
    """The Norwegian public holidays of ``year`` with their Norwegian names.

    Why these days: meetings are never held on a public holiday. We take the statutory holidays
    (helligdager: New Year's Day, Maundy Thursday, Good Friday, Easter Sunday and Monday, Ascension
    Day, Whit Sunday and Monday, Christmas Day and Boxing Day) plus the two official flag days off,
    1 May and 17 May. Ordinary Sundays are *not* counted (``include_sundays=False``, passed
    explicitly because older ``holidays`` releases defaulted to True): they are excluded from
    working days anyway, and counting them would make every Sunday look like a "holiday" to move
    away from. Christmas Eve and New Year's Eve are not public holidays and stay working days.
    """
    if not 1 <= year <= 9999:
        raise ValueError(f"year must be between 1 and 9999, got {year}")
    calendar = Norway(years=year, include_sundays=False, language="no")
    return MappingProxyType({day: str(name) for day, name in calendar.items()})


def public_holiday_name(d: date) -> str | None:
    """The Norwegian name of the public holiday on ``d`` (e.g. "Kristi himmelfartsdag"), or None."""
    return public_holidays(_as_date(d).year).get(_as_date(d))


def is_public_holiday(d: date) -> bool:
    """True when ``d`` is a Norwegian public holiday (see :func:`public_holidays`)."""
    return public_holiday_name(d) is not None


def is_working_day(d: date) -> bool:
    """True for Monday–Friday that is not a public holiday (Christmas Eve counts as working)."""
    day = _as_date(d)
    return day.weekday() < Weekday.SATURDAY and not is_public_holiday(day)


def previous_working_day(d: date) -> date:
    """``d`` itself if it is a working day, else the closest working day before it.

    Why "roll" rather than "step": a reminder due on a weekend or holiday is sent on the working day
    before. For "the working day before d" use ``add_working_days(d, -1)``.
    """
    day = _as_date(d)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_working_day(d: date) -> date:
    """``d`` itself if it is a working day, else the closest working day after it.

    For "the working day after d" use ``add_working_days(d, 1)``.
    """
    day = _as_date(d)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(d: date, n: int) -> date:
    """Step ``n`` working days from ``d`` (backwards when ``n`` is negative).

    ``d`` itself need not be a working day and is never counted; ``n == 0`` returns ``d``.
    So ``add_working_days(friday, 1)`` is the next Monday (if that is not a holiday).
    """
    day = _as_date(d)
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def _as_date(d: date) -> date:
    """Strip a datetime to its date (a datetime *is* a date subclass, but compares differently)."""
    return d.date() if isinstance(d, datetime) else d


# --------------------------------------------------------------------------------------------------
# Dates, times and Norwegian formatting
# --------------------------------------------------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th (1–5) ``weekday`` (Monday = 0) of ``month`` in ``year``.

    Why: the meeting plan is written as "the 2nd Thursday of February". Raises ValueError with the
    reason when ``n`` is out of range or the month has no such day (e.g. a 5th Thursday).
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
    if not 1 <= n <= 5:
        raise ValueError(f"n must be 1–5 (the n-th weekday of the month), got {n}")
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    if day.month != month:
        raise ValueError(
            f"{MONTHS_NB[month - 1]} {year} has no {n}. {WEEKDAYS_NB[weekday]} "
            f"(weekday {weekday}, n={n})"
        )
    return day


def to_oslo(dt: datetime) -> datetime:
    """``dt`` in Europe/Oslo; refuses naive datetimes, whose meaning would be a guess."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {dt.isoformat()}")
    return dt.astimezone(OSLO)


def _localise(naive: datetime) -> datetime:
    """Attach Europe/Oslo to a local wall-clock time and normalise it.

    Why the UTC round trip: a wall-clock time in the spring-forward gap (02:00–03:00) does not
    exist; the round trip moves it forward by the gap. An ambiguous autumn time takes its first
    (summer-time) occurrence (``fold=0``).
    """
    return naive.replace(tzinfo=OSLO, fold=0).astimezone(UTC).astimezone(OSLO)


def shift_local(dt: datetime, days: int) -> datetime:
    """``dt`` moved by ``days`` calendar days keeping its Europe/Oslo wall-clock time.

    Why: "7 days before a 09:30 meeting" means 09:30 a week earlier even when daylight saving
    changed in between; plain ``timedelta`` arithmetic on an aware datetime would drift an hour.
    """
    local = to_oslo(dt)
    return _localise(local.replace(tzinfo=None) + timedelta(days=days))


def format_date_nb(d: date) -> str:
    """``12. februar 2026`` — the date as written in notices."""
    day = _as_date(d)
    return f"{day.day}. {MONTHS_NB[day.month - 1]} {day.year}"


def format_span_nb(first: date, last: date) -> str:
    """A date range as in the meeting plan: ``11.–12. mars 2026``, ``31. mars–1. april 2026``.

    A single day gives :func:`format_date_nb`.
    """
    a, b = _as_date(first), _as_date(last)
    if b < a:
        raise ValueError(f"span ends ({b}) before it starts ({a})")
    if a == b:
        return format_date_nb(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}.–{format_date_nb(b)}"
    if a.year == b.year:
        return f"{a.day}. {MONTHS_NB[a.month - 1]}–{format_date_nb(b)}"
    return f"{format_date_nb(a)}–{format_date_nb(b)}"


# --------------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------------


def _default_notice_days() -> Mapping[Body, int]:
    return MappingProxyType(
        {Body.SSU: 7, Body.STRATEGY: 7, Body.AU: 7, Body.PA: 21, Body.DIALOG: 21}
    )


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    """How many days the deadlines lie from a meeting (CONTRACT defaults; configurable).

    - notice: ``notice_days[body]`` before the start (7 for SSU, STRATEGY and AU — agreement
      §4.1; 21 for PA and DIALOG — the partnership meeting's notice period).
    - case_submission: ``case_submission_days`` before the notice, so the secretariat has time to
      triage and prepare the documents that go out with the notice.
    - protocol: ``protocol_days`` after the end (the protocol is available within 7 days).
    """

    notice_days: Mapping[Body, int] = field(default_factory=_default_notice_days, hash=False)
    case_submission_days: int = 14
    protocol_days: int = 7

    def __post_init__(self) -> None:
        notice = {Body(body): days for body, days in self.notice_days.items()}
        for body in Body:
            if body not in notice:
                raise ValueError(f"notice_days has no entry for {body}")
        for name, days in [
            *((f"notice_days[{b}]", d) for b, d in notice.items()),
            ("case_submission_days", self.case_submission_days),
            ("protocol_days", self.protocol_days),
        ]:
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise ValueError(f"{name} must be a whole number of days ≥ 0, got {days!r}")
        object.__setattr__(self, "notice_days", MappingProxyType(notice))


DEFAULT_DEADLINE_RULES: Final = DeadlineRules()
"""CONTRACT's deadlines: notice −7/−21 days, case submission −14 days from notice, protocol +7."""


class DeadlinesDict(TypedDict):
    """CONTRACT's ``deadlines`` JSON object."""

    case_submission: str
    notice: str
    protocol: str


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The three deadlines of one meeting, aware datetimes in Europe/Oslo.

    Pure arithmetic: a deadline may fall on a weekend or holiday; reminders (not deadlines) move
    to the working day before.
    """

    case_submission: datetime
    notice: datetime
    protocol: datetime

    def to_contract_dict(self) -> DeadlinesDict:
        """CONTRACT's ``deadlines`` object (``plan --json``, ``deadlines --json``)."""
        return {
            "case_submission": self.case_submission.isoformat(),
            "notice": self.notice.isoformat(),
            "protocol": self.protocol.isoformat(),
        }


DEFAULT_DURATIONS: Final[Mapping[Body, timedelta]] = MappingProxyType(
    {
        Body.SSU: timedelta(hours=5),
        Body.STRATEGY: timedelta(hours=24),
        Body.PA: timedelta(hours=1),
        Body.DIALOG: timedelta(hours=2),
        Body.AU: timedelta(hours=2),
    }
)
"""Meeting lengths of the default pattern, to guess an end nobody gave. AU has no pattern in the
seeds; two hours is an assumption."""


def default_end(body: Body | str, start: datetime) -> datetime:
    """``start`` plus the body's usual length (wall clock), for ``deadlines`` without ``--end``."""
    duration = DEFAULT_DURATIONS[Body(body)]
    local = to_oslo(start)
    return _localise(local.replace(tzinfo=None) + duration)


def deadlines_for(
    body: Body | str,
    start: datetime,
    end: datetime | None = None,
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> Deadlines:
    """The deadlines of a meeting of ``body`` from ``start`` to ``end`` (CONTRACT rules).

    ``end`` defaults to :func:`default_end`. Raises ValueError for an unknown body, naive
    datetimes, or an end before the start.
    """
    try:
        kind = Body(body)
    except ValueError:
        known = ", ".join(b.value for b in Body)
        raise ValueError(f"unknown body {body!r}; expected one of {known}") from None
    begin = to_oslo(start)
    finish = default_end(kind, begin) if end is None else to_oslo(end)
    if finish < begin:
        raise ValueError(
            f"meeting ends ({finish.isoformat()}) before it starts ({begin.isoformat()})"
        )
    notice = shift_local(begin, -rules.notice_days[kind])
    return Deadlines(
        case_submission=shift_local(notice, -rules.case_submission_days),
        notice=notice,
        protocol=shift_local(finish, rules.protocol_days),
    )


# --------------------------------------------------------------------------------------------------
# Meeting patterns and the yearly plan
# --------------------------------------------------------------------------------------------------

DEFAULT_TITLE_TEMPLATES: Final[Mapping[Body, str]] = MappingProxyType(
    {
        Body.SSU: "SSU-møte {weekday} {date}",
        Body.STRATEGY: "Strategisamling {span}",
        Body.PA: "Partnerskapsmøte {weekday} {date}",
        Body.DIALOG: "Dialogmøte {region} {weekday} {date}",
        Body.AU: "AU-møte {weekday} {date}",
    }
)
"""Title per body. Fields: ``{weekday}`` (of the start, lower case), ``{date}`` (start date),
``{span}`` (first–last day), ``{region}`` and ``{location}`` (empty when unset)."""

_TITLE_FIELDS: Final = frozenset({"weekday", "date", "span", "region", "location"})


@dataclass(frozen=True, slots=True)
class MeetingPattern:
    """One recurring meeting: the ``nth`` ``weekday`` of ``month``, local start and end time.

    ``end_offset_days`` lets a meeting end on a later day (the strategy gathering runs 12:00 to
    12:00 the next day). ``title_template`` overrides :data:`DEFAULT_TITLE_TEMPLATES`.
    """

    body: Body
    month: int
    weekday: int
    nth: int
    start_time: time
    end_time: time
    end_offset_days: int = 0
    online: bool = False
    form: MeetingForm = MeetingForm.physical
    location: str | None = None
    region: str | None = None
    title_template: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", Body(self.body))
        object.__setattr__(self, "form", MeetingForm(self.form))
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1–12, got {self.month}")
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if not 1 <= self.nth <= 5:
            raise ValueError(f"nth must be 1–5, got {self.nth}")
        if self.start_time.tzinfo is not None or self.end_time.tzinfo is not None:
            raise ValueError("start_time and end_time are Europe/Oslo wall-clock times: no tzinfo")
        if self.end_offset_days < 0:
            raise ValueError(f"end_offset_days must be ≥ 0, got {self.end_offset_days}")
        if self.end_offset_days == 0 and self.end_time <= self.start_time:
            raise ValueError(
                f"end_time {self.end_time} must be after start_time {self.start_time} "
                "(use end_offset_days for a meeting that ends on a later day)"
            )
        unknown = _template_fields(self.template) - _TITLE_FIELDS
        if unknown:
            raise ValueError(
                f"title_template uses unknown field(s) {sorted(unknown)}; "
                f"known: {sorted(_TITLE_FIELDS)}"
            )

    @property
    def template(self) -> str:
        """The title template in effect (own or the body's default)."""
        return self.title_template or DEFAULT_TITLE_TEMPLATES[self.body]

    def pattern_date(self, year: int) -> date:
        """The day the pattern gives in ``year``, before any holiday move."""
        return nth_weekday(year, self.month, self.weekday, self.nth)


def _template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _ssu(month: int, nth: int) -> MeetingPattern:
    """SSU (annual plan 2026, seed 003): Thursdays 09:30–14:30 at the place of seed 001."""
    return MeetingPattern(
        Body.SSU,
        month,
        Weekday.THURSDAY,
        nth,
        time(9, 30),
        time(14, 30),
        location="Fylkeshuset Lillehammer, Kirkegata 76",
    )


def _dialog(month: int, weekday: Weekday, nth: int, region: str, location: str) -> MeetingPattern:
    """A dialogue meeting: two hours at noon in the region's town."""
    return MeetingPattern(
        Body.DIALOG, month, weekday, nth, time(12), time(14), location=location, region=region
    )


DEFAULT_PATTERNS: Final[tuple[MeetingPattern, ...]] = (
    _ssu(2, 2),
    _ssu(5, 3),
    _ssu(9, 3),
    _ssu(11, 3),
    # Strategy gathering: 2nd Wednesday of March 12:00 to Thursday 12:00; the place is decided
    # each year, so none by default.
    MeetingPattern(Body.STRATEGY, 3, Weekday.WEDNESDAY, 2, time(12), time(12), end_offset_days=1),
    # Partnership meeting: June, 09:00–10:00 as a Teams meeting.
    MeetingPattern(
        Body.PA, 6, Weekday.THURSDAY, 2, time(9), time(10), online=True, form=MeetingForm.digital
    ),
    # Dialogue meetings, one per health region, 12:00–14:00, late April and May (seed 003 says
    # only "april/mai, 2 timer"). Chosen so that no two ever share a day, even after a holiday
    # move: the 4th Tuesday/Wednesday/Thursday of April (days 22–28: after Holy Week's Tuesday and
    # Wednesday; the Thursday moves a week when it is Maundy Thursday, as in 2038) and the 2nd and
    # 4th Tuesday/Wednesday of May (days 8–14 and 22–28: never 1 or 17 May, never a holiday).
    # Østerdalen and Hamar first, then Gjøvik/Hadeland and Valdres, Gudbrandsdalen last.
    _dialog(4, Weekday.TUESDAY, 4, "Sør-Østerdal", "Elverum"),
    _dialog(4, Weekday.WEDNESDAY, 4, "Nord-Østerdal", "Tynset"),
    _dialog(4, Weekday.THURSDAY, 4, "Hamar", "Brumunddal"),
    _dialog(5, Weekday.TUESDAY, 2, "Gjøvik/Hadeland", "Gjøvik"),
    _dialog(5, Weekday.WEDNESDAY, 2, "Valdres", "Fagernes"),
    _dialog(5, Weekday.TUESDAY, 4, "Nord-Gudbrandsdal", "Otta"),
    _dialog(5, Weekday.WEDNESDAY, 4, "Sør-Gudbrandsdal", "Ringebu"),
)
"""CONTRACT's default meeting pattern (see the comments for the dialogue-meeting choice)."""


def meeting_days(start: datetime, end: datetime) -> list[date]:
    """Every Europe/Oslo date a meeting occupies; an end at exactly midnight does not occupy it."""
    first, last = to_oslo(start), to_oslo(end)
    last_day = last.date()
    if last.time() == time(0) and last_day > first.date():
        last_day -= timedelta(days=1)
    return [first.date() + timedelta(days=i) for i in range((last_day - first.date()).days + 1)]


_MAX_MOVES: Final = 53


def first_clear_day(day: date, span_days: int = 1) -> date:
    """``day``, or the same weekday one week later (repeatedly) until none of the ``span_days``
    days from it is a public holiday — the agreement's rule for a meeting that hits a holiday.
    """
    if span_days < 1:
        raise ValueError(f"span_days must be ≥ 1, got {span_days}")
    candidate = _as_date(day)
    for _ in range(_MAX_MOVES):
        if not any(is_public_holiday(candidate + timedelta(days=i)) for i in range(span_days)):
            return candidate
        candidate += timedelta(weeks=1)
    raise ValueError(f"no holiday-free week within a year of {day}")  # pragma: no cover


class PlannedMeetingDict(TypedDict):
    """One item of CONTRACT's ``plan --json`` list."""

    body: str
    title: str
    start: str
    end: str
    online: bool
    location: str | None
    moved_from: str | None
    deadlines: DeadlinesDict


@dataclass(frozen=True, slots=True)
class PlannedMeeting:
    """A proposed meeting of the yearly plan, with its deadlines.

    ``moved_from`` is the pattern date when a public holiday moved the meeting, else None.
    ``region`` names the health region of a dialogue meeting.
    """

    body: Body
    title: str
    start: datetime
    end: datetime
    online: bool
    form: MeetingForm
    location: str | None
    moved_from: date | None
    deadlines: Deadlines
    region: str | None = None

    def to_contract_dict(self) -> PlannedMeetingDict:
        """Exactly CONTRACT's ``plan --json`` item (ISO 8601 with offset; ISO date or null)."""
        return {
            "body": self.body.value,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "online": self.online,
            "location": self.location,
            "moved_from": None if self.moved_from is None else self.moved_from.isoformat(),
            "deadlines": self.deadlines.to_contract_dict(),
        }


def plan_meeting(
    pattern: MeetingPattern, year: int, rules: DeadlineRules = DEFAULT_DEADLINE_RULES
) -> PlannedMeeting:
    """The meeting ``pattern`` gives in ``year``, moved off public holidays, with deadlines."""
    planned = pattern.pattern_date(year)
    span_days = len(meeting_days(*_times(planned, pattern)))
    day = first_clear_day(planned, span_days)
    start, end = _times(day, pattern)
    last = meeting_days(start, end)[-1]
    title = pattern.template.format(
        weekday=WEEKDAYS_NB[day.weekday()],
        date=format_date_nb(day),
        span=format_span_nb(day, last),
        region=pattern.region or "",
        location=pattern.location or "",
    )
    return PlannedMeeting(
        body=pattern.body,
        title=" ".join(title.split()),
        start=start,
        end=end,
        online=pattern.online,
        form=pattern.form,
        location=pattern.location,
        moved_from=None if day == planned else planned,
        deadlines=deadlines_for(pattern.body, start, end, rules),
        region=pattern.region,
    )


def _times(day: date, pattern: MeetingPattern) -> tuple[datetime, datetime]:
    start = _localise(datetime.combine(day, pattern.start_time))
    end_day = day + timedelta(days=pattern.end_offset_days)
    return start, _localise(datetime.combine(end_day, pattern.end_time))


_BODY_ORDER: Final = {body: i for i, body in enumerate(Body)}


def plan_year(
    year: int,
    patterns: Iterable[MeetingPattern] = DEFAULT_PATTERNS,
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> list[PlannedMeeting]:
    """The proposed meetings of ``year`` ordered by start (then body, then title).

    Raises ValueError naming the pattern when it gives no date in ``year`` (e.g. a 5th Thursday).
    """
    meetings: list[PlannedMeeting] = []
    for pattern in patterns:
        try:
            meetings.append(plan_meeting(pattern, year, rules))
        except ValueError as exc:
            raise ValueError(f"{pattern.body} pattern for {year}: {exc}") from exc
    return sorted(meetings, key=lambda m: (m.start, _BODY_ORDER[m.body], m.title))
