"""The reminder engine: from plain facts about meetings, evaluations, protocols and the yearly
budget, every reminder that is due, when, by which deadline, and to whom.

Why pure: CONTRACT.md's "Default reminders" table is a set of calendar rules (09:00 Europe/Oslo,
moved to the working day before a weekend or public holiday, never after the deadline). The same
rules answer two questions that must never disagree — "what does the scheduler send today?" and
"what does ``ssu-bot reminders --on DATE`` list?" — so they live here once, without a database,
and are tested year by year across daylight-saving changes.

Inputs are :class:`Facts`: each feature (meetings, attendance, self-evaluation, protocols …) is
read by a small adapter in ``bot.services.reminders`` into plain data here. A feature that does
not exist yet simply contributes no facts, and so no reminders.

Each :class:`Reminder` carries
- ``due``: when it is sent (09:00 Oslo on a working day);
- ``deadline``: what it reminds of (None for the evaluation and signature reminders);
- ``expires``: when an unsent one is dropped — the deadline, or the next reminder of the same
  series when that comes first. After downtime the planner therefore catches up only the newest
  missed reminder of a series; older ones have expired and are dropped with a log line;
- ``key``: the stable occurrence key (the outbox's ``deadline_key``), the same however often and
  whenever the planner runs; it contains the deadline, so a moved meeting is a new occurrence;
- ``mandatory_for``: the recipients who get it even with reminders turned off (the secretariat,
  for its own deadlines: notice and protocol).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final

from bot.domain.calendar import (
    OSLO,
    Body,
    Deadlines,
    add_working_days,
    is_working_day,
    previous_working_day,
    to_oslo,
)
from bot.domain.meeting_state import MeetingState

__all__ = [
    "DEFAULT_REMINDER_RULES",
    "KEY_PREFIX",
    "KIND_ORDER",
    "AttendanceFacts",
    "EvaluationFacts",
    "Facts",
    "MeetingFacts",
    "ProtocolFacts",
    "Reminder",
    "ReminderKind",
    "ReminderRules",
    "RosterFacts",
    "budget_deadline",
    "due_on",
    "is_send_time",
    "meeting_subject",
    "reminders_between",
    "send_time",
]


class ReminderKind(StrEnum):
    """CONTRACT.md's reminder kinds; the value is the outbox ``kind`` and the JSON ``kind``."""

    CASE_SUBMISSION = "case_submission"
    NOTICE = "notice"
    MEETING = "meeting"
    EVALUATION = "evaluation"
    PROTOCOL = "protocol"
    SIGNATURE = "signature"
    BUDGET = "budget"


KIND_ORDER: Final[Mapping[ReminderKind, int]] = {kind: i for i, kind in enumerate(ReminderKind)}
"""Listing order within one due time: the order of CONTRACT.md's table."""

KEY_PREFIX: Final = "reminder/"
"""Every occurrence key starts with this, so the outbox rows of this engine can be told apart
from other messages of the same kind (the notice itself may be sent as kind ``notice``)."""

_ACTIVE: Final = frozenset({MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED})
_PROTOCOL_DUE: Final = frozenset(
    {MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED, MeetingState.HELD}
)
_MAX_SERIES: Final = 400
"""A signature series stops after this many reminders (about two and a half years): a guard
against a protocol nobody will ever sign, not a rule."""


def _days(values: Iterable[int], name: str) -> tuple[int, ...]:
    result = tuple(values)
    if not result:
        raise ValueError(f"{name} needs at least one number of days")
    for value in result:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must hold whole numbers of days ≥ 0, got {value!r}")
    return tuple(sorted(set(result), reverse=True))


@dataclass(frozen=True, slots=True)
class ReminderRules:
    """When reminders go out (CONTRACT.md's defaults; every field configurable).

    ``*_days_before`` are calendar days before the deadline's Europe/Oslo date (0 = on its day);
    ``*_working_days`` count working days. ``budget_month``/``budget_day`` is the yearly budget
    deadline (the start of that day). ``mandatory_kinds`` are the secretariat's own deadlines:
    those reach secretariat recipients even when they turned reminders off. ``catch_up_days`` is
    how far back the planner looks for reminders missed while the bot was down.
    """

    send_at: time = time(9, 0)
    case_submission_days_before: tuple[int, ...] = (7, 1)
    notice_days_before: tuple[int, ...] = (3, 0)
    protocol_days_before: tuple[int, ...] = (2, 0)
    budget_days_before: tuple[int, ...] = (14, 1)
    meeting_working_days_before: int = 1
    evaluation_working_days_after: int = 1
    signature_first_working_days: int = 1
    signature_every_working_days: int = 2
    undated_lifetime_working_days: int = 1
    """A reminder without a deadline (evaluation) is dropped if not sent within this many
    working days."""
    budget_month: int = 5
    budget_day: int = 1
    case_bodies: frozenset[Body] = frozenset({Body.SSU, Body.AU})
    """Bodies that take cases (bot/services/cases.py): only their meetings get case reminders."""
    kinds: frozenset[ReminderKind] = frozenset(ReminderKind)
    mandatory_kinds: frozenset[ReminderKind] = frozenset(
        {ReminderKind.NOTICE, ReminderKind.PROTOCOL}
    )
    catch_up_days: int = 14

    def __post_init__(self) -> None:
        if self.send_at.tzinfo is not None:
            raise ValueError("send_at is a Europe/Oslo wall-clock time: no tzinfo")
        for name in (
            "case_submission_days_before",
            "notice_days_before",
            "protocol_days_before",
            "budget_days_before",
        ):
            object.__setattr__(self, name, _days(getattr(self, name), name))
        for name, minimum in (
            ("meeting_working_days_before", 1),
            ("evaluation_working_days_after", 1),
            ("signature_first_working_days", 1),
            ("signature_every_working_days", 1),
            ("undated_lifetime_working_days", 1),
            ("catch_up_days", 0),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
        try:
            date(2024, self.budget_month, self.budget_day)  # a leap year: 29 February is a day
        except ValueError as error:
            raise ValueError(f"budget_month/budget_day is no date: {error}") from None
        object.__setattr__(self, "case_bodies", frozenset(Body(b) for b in self.case_bodies))
        object.__setattr__(self, "kinds", frozenset(ReminderKind(k) for k in self.kinds))
        object.__setattr__(
            self, "mandatory_kinds", frozenset(ReminderKind(k) for k in self.mandatory_kinds)
        )


DEFAULT_REMINDER_RULES: Final = ReminderRules()


# --------------------------------------------------------------------------------------------------
# Facts: what the adapters read from the features
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterFacts:
    """People by id: the secretariat, and who answers for the yearly budget (SSU leader and
    deputy leader)."""

    secretariat: frozenset[int] = frozenset()
    budget: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """A stored meeting with its stored deadlines and its audiences, by person id.

    ``members``: the body's members (case submission; the secretariat is added by the engine);
    ``called``: everyone called to the meeting (the meeting reminder); ``leaders``: the body's
    leader (the notice reminder, with the secretariat).
    """

    id: int
    body: Body
    start: datetime
    end: datetime
    state: MeetingState
    deadlines: Deadlines
    region: str | None = None
    members: frozenset[int] = frozenset()
    called: frozenset[int] = frozenset()
    leaders: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class AttendanceFacts:
    """Who will not come (reported absence) and which personal deputies were called in instead:
    they change who gets the meeting reminder."""

    meeting_id: int
    absent: frozenset[int] = frozenset()
    called_in: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class EvaluationFacts:
    """An open self-evaluation and the people present who have not answered it yet."""

    id: int
    meeting_id: int
    body: Body
    meeting_start: datetime
    meeting_end: datetime
    pending: frozenset[int]
    region: str | None = None


@dataclass(frozen=True, slots=True)
class ProtocolFacts:
    """A published protocol and the signers who have not signed this version."""

    id: int
    meeting_id: int
    body: Body
    meeting_start: datetime
    published_at: datetime
    unsigned: frozenset[int]
    version: str = ""
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the engine looks at. Empty tuples are fine: no facts, no reminders."""

    roster: RosterFacts = field(default_factory=RosterFacts)
    meetings: tuple[MeetingFacts, ...] = ()
    attendance: tuple[AttendanceFacts, ...] = ()
    evaluations: tuple[EvaluationFacts, ...] = ()
    protocols: tuple[ProtocolFacts, ...] = ()


# --------------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder occurrence for a set of recipients (see the module docstring)."""

    kind: ReminderKind
    due: datetime
    deadline: datetime | None
    expires: datetime
    subject: str
    key: str
    recipients: frozenset[int]
    mandatory_for: frozenset[int] = frozenset()
    meeting_id: int | None = None
    evaluation_id: int | None = None
    protocol_id: int | None = None
    version: str | None = None
    next_due: datetime | None = None
    """When the next reminder of the same series is due (None for the last one)."""

    def mandatory(self, person_id: int) -> bool:
        """Whether ``person_id`` gets this even with reminders turned off."""
        return person_id in self.mandatory_for

    def superseded_on(self, day: date) -> bool:
        """Whether catching this reminder up on ``day`` would be pointless: it was due on an
        earlier day and the next one of its series is due on ``day`` or before. (A missed
        reminder whose successor is still days away is caught up; the last one of a series
        is caught up until its deadline.)"""
        return self.due.date() < day and self.next_due is not None and self.next_due.date() <= day

    @property
    def sort_key(self) -> tuple[datetime, int, str, str]:
        return (self.due, KIND_ORDER[self.kind], self.subject, self.key)


# --------------------------------------------------------------------------------------------------
# Time rules
# --------------------------------------------------------------------------------------------------


def _at(day: date, clock: time) -> datetime:
    """``clock`` on ``day`` in Europe/Oslo (a time in the spring-forward gap moves forward)."""
    naive = datetime.combine(day, clock)
    return naive.replace(tzinfo=OSLO, fold=0).astimezone(UTC).astimezone(OSLO)


def send_time(day: date, rules: ReminderRules = DEFAULT_REMINDER_RULES) -> datetime:
    """09:00 Europe/Oslo on ``day``, or on the working day before when ``day`` is a Saturday,
    Sunday or public holiday."""
    return _at(previous_working_day(day), rules.send_at)


def budget_deadline(year: int, rules: ReminderRules = DEFAULT_REMINDER_RULES) -> datetime:
    """The yearly goals-and-budget deadline: the start of 1 May (agreement §4) in Europe/Oslo."""
    month, day = rules.budget_month, rules.budget_day
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28  # a 29 February deadline falls on the 28th in other years
    return _at(date(year, month, day), time(0, 0))


def meeting_subject(body: Body | str, start: datetime, region: str | None = None) -> str:
    """``SSU 2026-11-19`` (``DIALOG Hamar 2026-04-28``): names the meeting, with its date."""
    day = to_oslo(start).date().isoformat()
    parts = [Body(body).value, *([region] if region else []), day]
    return " ".join(parts)


def _utc_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


@dataclass(frozen=True, slots=True)
class _Slot:
    step: str
    due: datetime


def _before_deadline(
    deadline: datetime, days_before: tuple[int, ...], rules: ReminderRules
) -> list[_Slot]:
    """The "N days before the deadline" reminders, in time order, none at or after it.

    Two steps that move to the same working day are one reminder (the one nearer the deadline:
    its wording is the more urgent). A reminder at the very moment of the deadline comes too late
    to act on and is left out like one after it.
    """
    local = to_oslo(deadline)
    by_due: dict[datetime, _Slot] = {}
    for days in days_before:  # largest first, so a nearer step overwrites a farther one
        due = send_time(local.date() - timedelta(days=days), rules)
        if due < local:
            by_due[due] = _Slot(f"{days}d", due)
    return [by_due[due] for due in sorted(by_due)]


def _next(slots: list[_Slot], n: int) -> datetime | None:
    return slots[n + 1].due if n + 1 < len(slots) else None


def _expiries(slots: list[_Slot], deadline: datetime | None, last: datetime) -> list[datetime]:
    """Each reminder expires at the next one of its series, the last at ``last``."""
    ends = [nxt.due for nxt in slots[1:]] + [last]
    return [end if deadline is None else min(end, deadline) for end in ends]


# --------------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------------


def reminders_between(
    facts: Facts,
    first: date,
    last: date,
    rules: ReminderRules = DEFAULT_REMINDER_RULES,
) -> list[Reminder]:
    """Every reminder whose due time falls on a Europe/Oslo day from ``first`` to ``last``
    (inclusive), ordered by due time, kind and subject. Reminders nobody would receive are left
    out."""
    if last < first:
        return []
    found = [
        reminder
        for reminder in _all(facts, first, last, rules)
        if reminder.kind in rules.kinds
        and reminder.recipients
        and first <= reminder.due.date() <= last
    ]
    return sorted(found, key=lambda r: r.sort_key)


def due_on(
    facts: Facts, day: date, rules: ReminderRules = DEFAULT_REMINDER_RULES
) -> list[Reminder]:
    """The reminders due on ``day`` (Europe/Oslo)."""
    return reminders_between(facts, day, day, rules)


def _all(facts: Facts, first: date, last: date, rules: ReminderRules) -> Iterator[Reminder]:
    secretariat = facts.roster.secretariat
    attendance = {a.meeting_id: a for a in facts.attendance}
    for meeting in facts.meetings:
        yield from _meeting_reminders(meeting, attendance.get(meeting.id), secretariat, rules)
    for evaluation in facts.evaluations:
        yield from _evaluation_reminders(evaluation, rules)
    for protocol in facts.protocols:
        yield from _signature_reminders(protocol, last, rules)
    for year in range(first.year, last.year + 1):
        yield from _budget_reminders(year, facts.roster, rules)


def _mandatory(
    kind: ReminderKind,
    recipients: frozenset[int],
    secretariat: frozenset[int],
    rules: ReminderRules,
) -> frozenset[int]:
    """The secretariat's own deadlines reach the secretariat whatever their preference."""
    return recipients & secretariat if kind in rules.mandatory_kinds else frozenset()


def _deadline_series(
    kind: ReminderKind,
    meeting: MeetingFacts,
    deadline: datetime,
    days_before: tuple[int, ...],
    recipients: frozenset[int],
    secretariat: frozenset[int],
    rules: ReminderRules,
) -> Iterator[Reminder]:
    slots = _before_deadline(deadline, days_before, rules)
    subject = meeting_subject(meeting.body, meeting.start, meeting.region)
    mandatory = _mandatory(kind, recipients, secretariat, rules)
    for n, (slot, expires) in enumerate(
        zip(slots, _expiries(slots, deadline, deadline), strict=True)
    ):
        yield Reminder(
            kind=kind,
            due=slot.due,
            deadline=to_oslo(deadline),
            expires=expires,
            subject=subject,
            key=f"{KEY_PREFIX}meeting:{meeting.id}/{kind.value}/{slot.step}@{_utc_key(deadline)}",
            recipients=recipients,
            mandatory_for=mandatory,
            meeting_id=meeting.id,
            next_due=_next(slots, n),
        )


def _meeting_reminders(
    meeting: MeetingFacts,
    attendance: AttendanceFacts | None,
    secretariat: frozenset[int],
    rules: ReminderRules,
) -> Iterator[Reminder]:
    state, deadlines = meeting.state, meeting.deadlines
    if state in _ACTIVE and meeting.body in rules.case_bodies:
        yield from _deadline_series(
            ReminderKind.CASE_SUBMISSION,
            meeting,
            deadlines.case_submission,
            rules.case_submission_days_before,
            meeting.members | secretariat,
            secretariat,
            rules,
        )
    if state is MeetingState.PLANNED:
        yield from _deadline_series(
            ReminderKind.NOTICE,
            meeting,
            deadlines.notice,
            rules.notice_days_before,
            meeting.leaders | secretariat,
            secretariat,
            rules,
        )
    if state in _ACTIVE:
        called = meeting.called
        if attendance is not None:
            called = (called - attendance.absent) | attendance.called_in
        start = to_oslo(meeting.start)
        due = _at(add_working_days(start.date(), -rules.meeting_working_days_before), rules.send_at)
        if due < start:
            yield Reminder(
                kind=ReminderKind.MEETING,
                due=due,
                deadline=start,
                expires=start,
                subject=meeting_subject(meeting.body, start, meeting.region),
                key=f"{KEY_PREFIX}meeting:{meeting.id}/meeting/"
                f"wd-{rules.meeting_working_days_before}@{_utc_key(start)}",
                recipients=called,
                mandatory_for=_mandatory(ReminderKind.MEETING, called, secretariat, rules),
                meeting_id=meeting.id,
            )
    if state in _PROTOCOL_DUE:
        yield from _deadline_series(
            ReminderKind.PROTOCOL,
            meeting,
            deadlines.protocol,
            rules.protocol_days_before,
            secretariat,
            secretariat,
            rules,
        )


def _evaluation_reminders(evaluation: EvaluationFacts, rules: ReminderRules) -> Iterator[Reminder]:
    after = rules.evaluation_working_days_after
    day = add_working_days(to_oslo(evaluation.meeting_end).date(), after)
    due = _at(day, rules.send_at)
    expires = _at(add_working_days(day, rules.undated_lifetime_working_days), rules.send_at)
    yield Reminder(
        kind=ReminderKind.EVALUATION,
        due=due,
        deadline=None,
        expires=expires,
        subject=meeting_subject(evaluation.body, evaluation.meeting_start, evaluation.region),
        key=f"{KEY_PREFIX}evaluation:{evaluation.id}/wd+{after}",
        recipients=evaluation.pending,
        meeting_id=evaluation.meeting_id,
        evaluation_id=evaluation.id,
    )


def _signature_reminders(
    protocol: ProtocolFacts, last: date, rules: ReminderRules
) -> Iterator[Reminder]:
    """The working day after publication, then every second working day, until signed.

    Each expires when the next is due, so a signer who was unreachable for a week gets one
    reminder, not three. The series is computed up to the day after ``last`` (for the expiry).
    """
    if not protocol.unsigned:
        return
    published = to_oslo(protocol.published_at)
    day = add_working_days(published.date(), rules.signature_first_working_days)
    days: list[date] = []
    while len(days) < _MAX_SERIES:
        days.append(day)
        if day > last:
            break
        day = add_working_days(day, rules.signature_every_working_days)
    subject = meeting_subject(protocol.body, protocol.meeting_start, protocol.region)
    scope = f"{KEY_PREFIX}protocol:{protocol.id}@{_utc_key(published)}/signature"
    for n, (this, following) in enumerate(pairwise(days), start=1):
        yield Reminder(
            kind=ReminderKind.SIGNATURE,
            due=_at(this, rules.send_at),
            deadline=None,
            expires=_at(following, rules.send_at),
            subject=subject,
            key=f"{scope}/{n}",
            recipients=protocol.unsigned,
            meeting_id=protocol.meeting_id,
            protocol_id=protocol.id,
            version=protocol.version or None,
            next_due=_at(following, rules.send_at),
        )


def _budget_reminders(year: int, roster: RosterFacts, rules: ReminderRules) -> Iterator[Reminder]:
    deadline = budget_deadline(year, rules)
    recipients = roster.budget | roster.secretariat
    slots = _before_deadline(deadline, rules.budget_days_before, rules)
    mandatory = _mandatory(ReminderKind.BUDGET, recipients, roster.secretariat, rules)
    for n, (slot, expires) in enumerate(
        zip(slots, _expiries(slots, deadline, deadline), strict=True)
    ):
        yield Reminder(
            kind=ReminderKind.BUDGET,
            due=slot.due,
            deadline=deadline,
            expires=expires,
            subject=f"budget {deadline.date().isoformat()}",
            key=f"{KEY_PREFIX}budget/{slot.step}@{_utc_key(deadline)}",
            recipients=recipients,
            mandatory_for=mandatory,
            next_due=_next(slots, n),
        )


def is_send_time(moment: datetime, rules: ReminderRules = DEFAULT_REMINDER_RULES) -> bool:
    """True when ``moment`` is ``send_at`` Europe/Oslo on a working day (a property the tests
    assert of every reminder)."""
    local = to_oslo(moment)
    return is_working_day(local.date()) and local.timetz().replace(tzinfo=None) == rules.send_at
