"""Reminders: read the facts, ask the pure engine what is due, resolve the people, and either
enqueue the messages (the daily planner) or list them (``ssu-bot reminders --on DATE``).

Why both paths share one function (:func:`due_reminders`): CONTRACT.md promises that
``reminders --on DATE`` lists what the scheduler sends that day. Listing and planning therefore
compute the same reminders from the same facts with the same rules, and the listing reads the
outbox only to say which were sent.

Sources. Each feature is read by a small adapter that returns :class:`~bot.domain.reminders.Facts`
(see :data:`SOURCES`): the roster, the meetings, attendance (reported absence and deputies
called in), the self-evaluation (who has not answered) and the protocol (who has not signed). An
adapter whose feature is not installed returns empty facts, so it contributes no reminders —
never invented ones. A new feature with reminders is one more adapter in :data:`SOURCES`.

Planning (:func:`plan_reminders`, registered with ``bot.scheduler.add_planner``) runs daily at
06:00 Oslo and at start-up. It enqueues every reminder due *today* (Oslo) and, to catch up after
downtime, those of the last ``catch_up_days`` days, each once: the outbox's idempotency key is
(kind, subject, recipient, occurrence key), and the occurrence key depends only on the data, never
on when the planner runs — so running twice, on a daylight-saving day, or on two replicas
enqueues nothing new. A missed reminder that has expired (its deadline passed, or the next one of
its series is due) is still recorded, once, with a warning; the outbox sweep then drops it with
its own log line, so it is never sent late.

Layering: services do not import cards. The card builder is passed in as ``render`` by the
composition root (bot/app.py); without one the message is plain text.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, TypedDict

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import OSLO, Body, to_oslo
from bot.domain.meeting_rules import Seat, invitation
from bot.domain.reminders import (
    DEFAULT_REMINDER_RULES,
    KEY_PREFIX,
    KIND_ORDER,
    AttendanceFacts,
    EvaluationFacts,
    Facts,
    MeetingFacts,
    ProtocolFacts,
    Reminder,
    ReminderKind,
    ReminderRules,
    RosterFacts,
    reminders_between,
)
from bot.i18n import t
from bot.services import outbox
from bot.services.meetings import MeetingView
from storage import meetings as meeting_repo
from storage import outbox as outbox_repo
from storage.meeting_tables import Meeting
from storage.models import Membership, Person
from storage.outbox_tables import OutboxMessage, OutboxState

__all__ = [
    "MISSING_SOURCES",
    "SOURCES",
    "DueReminder",
    "ListedReminder",
    "Recipient",
    "ReminderDict",
    "ReminderView",
    "Render",
    "Source",
    "Window",
    "attendance_source",
    "due_reminders",
    "evaluation_source",
    "load_facts",
    "meeting_source",
    "plan_reminders",
    "planner",
    "protocol_source",
    "reminders_on",
    "roster_source",
    "summary_text",
]

log = logging.getLogger(__name__)

LOOK_BEHIND: Final = timedelta(days=60)
LOOK_AHEAD: Final = timedelta(days=120)
"""Meetings starting this far around the window are read: a PA meeting's first case reminder is
about 45 days before it, the last protocol reminder 7 days after it."""

MISSING_SOURCES: Final[tuple[str, ...]] = ()
"""Features the engine has rules for but no adapter reads yet: none (the budget deadline is a
rule, not a feature; see :class:`~bot.domain.reminders.ReminderRules`)."""


# --------------------------------------------------------------------------------------------------
# Sources: one small adapter per feature
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The Europe/Oslo days reminders are wanted for (inclusive)."""

    first: date
    last: date

    def meetings_from(self) -> datetime:
        return datetime.combine(self.first, time(0), OSLO) - LOOK_BEHIND

    def meetings_until(self) -> datetime:
        return datetime.combine(self.last, time(0), OSLO) + LOOK_AHEAD


Source = Callable[[AsyncSession, Window], Awaitable[Facts]]
"""Reads one feature's facts for a window; returns empty :class:`Facts` when it has none."""


def _voting_body(body: Body) -> str:
    """Whose leader a meeting has: PA and AU their own, the others SSU's."""
    return body.value if body in {Body.PA, Body.AU} else "SSU"


async def roster_source(session: AsyncSession, window: Window) -> Facts:
    """The secretariat (anyone in SEK or with the secretariat role) and SSU's leader and deputy
    leader, who answer for the yearly budget."""
    rows = (await session.exec(select(Membership))).all()
    secretariat = frozenset(
        m.person_id for m in rows if m.body_code == "SEK" or m.role == "secretariat"
    )
    budget = frozenset(
        m.person_id for m in rows if m.body_code == "SSU" and m.role in {"leader", "deputy_leader"}
    )
    return Facts(roster=RosterFacts(secretariat=secretariat, budget=budget))


async def meeting_source(session: AsyncSession, window: Window) -> Facts:
    """Meetings (not cancelled) around the window, with their stored deadlines and audiences.

    ``called`` follows the meetings feature's invitation rule (bot/domain/meeting_rules.py),
    ``members`` are the required invitees who are not the secretariat, ``leaders`` the leader of
    the meeting's body (SSU's when the body has none).
    """
    rows = await meeting_repo.in_range(
        session,
        start=window.meetings_from(),
        end=window.meetings_until(),
        include_cancelled=False,
    )
    if not rows:
        return Facts()
    seats = await meeting_repo.seats_with_people(session)
    meetings: list[MeetingFacts] = []
    for row in rows:
        view = MeetingView.of(row)
        members: set[int] = set()
        called: set[int] = set()
        leaders: dict[str, set[int]] = defaultdict(set)
        for membership, person in seats:
            if person.id is None:
                continue
            if membership.role == "leader":
                leaders[membership.body_code].add(person.id)
            seat = Seat(membership.body_code, membership.role, membership.region)
            invited = invitation(view.body, view.region, seat)
            if invited is None:
                continue
            called.add(person.id)
            if invited and membership.role != "secretariat":
                members.add(person.id)
        meetings.append(
            MeetingFacts(
                id=view.id,
                body=view.body,
                start=view.start,
                end=view.end,
                state=view.state,
                deadlines=view.deadlines,
                region=view.region,
                members=frozenset(members),
                called=frozenset(called),
                leaders=frozenset(leaders.get(_voting_body(view.body)) or leaders["SSU"]),
            )
        )
    return Facts(meetings=tuple(meetings))


async def attendance_source(session: AsyncSession, window: Window) -> Facts:
    """Reported absence and personal deputies called in (the attendance feature), which change
    who gets the meeting reminder. Nothing when the attendance feature is not installed."""
    try:
        from storage.attendance_tables import Attendance, AttendanceStatus
    except ImportError:  # pragma: no cover - the attendance feature is not installed
        return Facts()
    query = (
        select(Attendance)
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .where(
            col(Meeting.start_at) >= window.meetings_from(),
            col(Meeting.start_at) < window.meetings_until(),
        )
    )
    absent: dict[int, set[int]] = defaultdict(set)
    called_in: dict[int, set[int]] = defaultdict(set)
    for row in (await session.exec(query)).all():
        if row.status == AttendanceStatus.ABSENT.value:
            absent[row.meeting_id].add(row.person_id)
        elif row.replaces_person_id is not None:
            called_in[row.meeting_id].add(row.person_id)
    return Facts(
        attendance=tuple(
            AttendanceFacts(
                meeting_id=meeting_id,
                absent=frozenset(absent.get(meeting_id, ())),
                called_in=frozenset(called_in.get(meeting_id, ())),
            )
            for meeting_id in sorted(set(absent) | set(called_in))
        )
    )


async def evaluation_source(session: AsyncSession, window: Window) -> Facts:
    """Open self-evaluations of meetings around the window and who has not answered them
    (``bot.services.evaluation.non_respondents``). Nothing when the feature is not installed."""
    try:
        from bot.services.evaluation import non_respondents
        from storage import evaluations as evaluation_repo
    except ImportError:  # pragma: no cover - the self-evaluation feature is not installed
        return Facts()
    found: list[EvaluationFacts] = []
    for evaluation, meeting in await evaluation_repo.with_meetings(session, state="open"):
        if evaluation.id is None or meeting.id is None:
            continue
        view = MeetingView.of(meeting)
        if not window.meetings_from() <= view.start < window.meetings_until():
            continue
        pending = await non_respondents(session, evaluation.id)
        found.append(
            EvaluationFacts(
                id=evaluation.id,
                meeting_id=view.id,
                body=view.body,
                meeting_start=view.start,
                meeting_end=view.end,
                pending=frozenset(pending),
                region=view.region,
            )
        )
    return Facts(evaluations=tuple(found))


async def protocol_source(session: AsyncSession, window: Window) -> Facts:
    """Published protocols and the signers who have not signed their current version.

    Who signs — the leader and deputy leader, or the personal deputy of one who was absent — and
    which signatures are still valid after an edit is the protocol feature's rule, so this asks
    its own view of each protocol rather than reading the signature rows again. Nothing when
    the protocol feature is not installed.
    """
    try:
        from bot.services import protocol as protocol_service
        from storage import protocols as protocol_repo
    except ImportError:  # pragma: no cover - the protocol feature is not installed
        return Facts()
    found: list[ProtocolFacts] = []
    for row in await protocol_repo.in_states(session, states=("published",)):
        view = await protocol_service._view(session, row)
        if view.published_at is None:
            continue
        signed = {signature.person_id for signature in view.signatures}
        found.append(
            ProtocolFacts(
                id=view.id,
                meeting_id=view.meeting.id,
                body=view.meeting.body,
                meeting_start=view.meeting.start,
                published_at=view.published_at,
                unsigned=frozenset(set(view.signers.people) - signed),
                version=view.sha256,
                region=view.meeting.region,
            )
        )
    return Facts(protocols=tuple(found))


SOURCES: Final[tuple[Source, ...]] = (
    roster_source,
    meeting_source,
    attendance_source,
    evaluation_source,
    protocol_source,
)
"""Every adapter, in the order their facts are merged."""


def _merge(parts: Iterable[Facts]) -> Facts:
    secretariat: frozenset[int] = frozenset()
    budget: frozenset[int] = frozenset()
    meetings: list[MeetingFacts] = []
    attendance: list[AttendanceFacts] = []
    evaluations: list[EvaluationFacts] = []
    protocols: list[ProtocolFacts] = []
    for part in parts:
        secretariat |= part.roster.secretariat
        budget |= part.roster.budget
        meetings += part.meetings
        attendance += part.attendance
        evaluations += part.evaluations
        protocols += part.protocols
    return Facts(
        roster=RosterFacts(secretariat=secretariat, budget=budget),
        meetings=tuple(meetings),
        attendance=tuple(attendance),
        evaluations=tuple(evaluations),
        protocols=tuple(protocols),
    )


async def load_facts(
    session: AsyncSession, window: Window, sources: Sequence[Source] = SOURCES
) -> Facts:
    """Every source's facts for ``window``, merged."""
    return _merge([await source(session, window) for source in sources])


# --------------------------------------------------------------------------------------------------
# Due reminders with their people
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone a reminder goes to. ``mandatory``: sent even with reminders turned off."""

    person_id: int
    email: str
    name: str
    locale: str | None
    mandatory: bool


@dataclass(frozen=True, slots=True)
class ReminderView:
    """What a reminder card shows: the reminder, and the meeting it is about when there is one.
    ``mandatory`` says whether this copy reaches its recipient whatever their preference."""

    kind: ReminderKind
    subject: str
    due: datetime
    deadline: datetime | None
    meeting: MeetingView | None = None
    evaluation_id: int | None = None
    protocol_id: int | None = None
    version: str | None = None
    mandatory: bool = False


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder with the people who get it (reminders on, or mandatory for them) and the ids
    of those who turned reminders off and therefore do not."""

    reminder: Reminder
    meeting: MeetingView | None
    recipients: tuple[Recipient, ...]
    turned_off: tuple[int, ...] = ()

    def view(self, recipient: Recipient | None = None) -> ReminderView:
        r = self.reminder
        return ReminderView(
            kind=r.kind,
            subject=r.subject,
            due=r.due,
            deadline=r.deadline,
            meeting=self.meeting,
            evaluation_id=r.evaluation_id,
            protocol_id=r.protocol_id,
            version=r.version,
            mandatory=recipient is not None and recipient.mandatory,
        )


async def due_reminders(
    session: AsyncSession,
    first: date,
    last: date,
    *,
    rules: ReminderRules = DEFAULT_REMINDER_RULES,
    sources: Sequence[Source] = SOURCES,
) -> list[DueReminder]:
    """The reminders due on the Europe/Oslo days ``first`` … ``last``, each with its people."""
    window = Window(first, last)
    facts = await load_facts(session, window, sources)
    reminders = reminders_between(facts, first, last, rules)
    ids = sorted({pid for r in reminders for pid in r.recipients})
    people: dict[int, Person] = {}
    if ids:
        found = await session.exec(select(Person).where(col(Person.id).in_(ids)))
        people = {p.id: p for p in found.all() if p.id is not None}
    meeting_ids = sorted({r.meeting_id for r in reminders if r.meeting_id is not None})
    meetings: dict[int, MeetingView] = {}
    if meeting_ids:
        rows = await session.exec(select(Meeting).where(col(Meeting.id).in_(meeting_ids)))
        meetings = {view.id: view for view in map(MeetingView.of, rows.all())}
    result: list[DueReminder] = []
    for reminder in reminders:
        recipients: list[Recipient] = []
        turned_off: list[int] = []
        for pid in sorted(reminder.recipients):
            person = people.get(pid)
            if person is None:
                continue
            mandatory = reminder.mandatory(pid)
            if not mandatory and not person.reminders_enabled:
                turned_off.append(pid)
                continue
            recipients.append(Recipient(pid, person.email, person.name, person.locale, mandatory))
        recipients.sort(key=lambda r: (r.email, r.person_id))
        meeting = None if reminder.meeting_id is None else meetings.get(reminder.meeting_id)
        result.append(DueReminder(reminder, meeting, tuple(recipients), tuple(turned_off)))
    return result


# --------------------------------------------------------------------------------------------------
# Planning: enqueue into the outbox
# --------------------------------------------------------------------------------------------------

Render = Callable[[str, ReminderView], dict[str, Any]]
"""(locale, view) → the Adaptive Card; bot/app.py passes ``cards.reminders.reminder_card``."""

Planner = Callable[[AsyncSession, datetime], Awaitable[int]]


def _when(moment: datetime) -> str:
    local = to_oslo(moment)
    return f"{local:%d.%m.%Y} {local:%H:%M}"


def summary_text(view: ReminderView, locale: str | None) -> str:
    """One line for the notification (and the whole message when no card is rendered)."""
    kind = view.kind.value
    if view.meeting is None:
        what = t(f"reminder.kind.{kind}", locale)
    else:
        name = t(f"meeting.body.{view.meeting.body.value}", locale)
        if view.meeting.region:
            name = f"{name} {view.meeting.region}"
        what = t("meeting.fmt.heading", locale, name=name, date=f"{view.meeting.start:%d.%m.%Y}")
    deadline = "" if view.deadline is None else _when(view.deadline)
    return t(f"reminder.summary.{kind}", locale, what=what, deadline=deadline)


def _recipient_key(person_id: int) -> str:
    return f"person:{person_id}"


async def _already_enqueued(session: AsyncSession, item: DueReminder) -> set[int]:
    r = item.reminder
    keys = {
        outbox_repo.idempotency_key(
            kind=r.kind.value,
            subject=r.subject,
            recipient=_recipient_key(p.person_id),
            deadline_key=r.key,
        ): p.person_id
        for p in item.recipients
    }
    if not keys:
        return set()
    query = select(OutboxMessage.idempotency_key).where(
        col(OutboxMessage.idempotency_key).in_(list(keys))
    )
    return {keys[key] for key in (await session.exec(query)).all()}


async def plan_reminders(
    session: AsyncSession,
    now: datetime,
    *,
    rules: ReminderRules = DEFAULT_REMINDER_RULES,
    sources: Sequence[Source] = SOURCES,
    render: Render | None = None,
) -> int:
    """Enqueue today's reminders and those missed in the last ``catch_up_days`` days; returns
    how many messages were newly enqueued (see the module docstring)."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    today = to_oslo(now).date()
    first = today - timedelta(days=rules.catch_up_days)
    created = 0
    for item in await due_reminders(session, first, today, rules=rules, sources=sources):
        reminder = item.reminder
        if reminder.superseded_on(today):
            continue  # a newer reminder of its series goes out today: one, not two
        done = await _already_enqueued(session, item)
        expired = reminder.expires <= now
        for recipient in item.recipients:
            if recipient.person_id in done:
                continue
            view = item.view(recipient)
            summary = summary_text(view, recipient.locale)
            payload = (
                outbox.payload(text=summary)
                if render is None
                else outbox.payload(card=render(recipient.locale or "nb", view), summary=summary)
            )
            row = await outbox.enqueue(
                session,
                kind=reminder.kind.value,
                subject=reminder.subject,
                payload=payload,
                not_before=reminder.due,
                expires_at=reminder.expires,
                deadline_key=reminder.key,
                recipient_person_id=recipient.person_id,
                mandatory=recipient.mandatory,
                now=now,
            )
            if row is None:
                continue
            created += 1
            if expired:
                log.warning(
                    "reminder missed: it expired before it could be planned (downtime?); "
                    "the outbox drops it",
                    extra={
                        "outbox_id": row.id,
                        "kind": reminder.kind.value,
                        "deadline_key": reminder.key,
                        "person": recipient.person_id,
                    },
                )
    log.info(
        "reminders planned",
        extra={"day": today.isoformat(), "enqueued": created, "first": first.isoformat()},
    )
    return created


def planner(
    *,
    render: Render | None = None,
    rules: ReminderRules = DEFAULT_REMINDER_RULES,
    sources: Sequence[Source] = SOURCES,
) -> Planner:
    """The planner for ``bot.scheduler.add_planner``, with the card builder and rules bound."""

    async def plan_reminders_daily(session: AsyncSession, now: datetime) -> int:
        return await plan_reminders(session, now, rules=rules, sources=sources, render=render)

    return plan_reminders_daily


# --------------------------------------------------------------------------------------------------
# Listing: ``ssu-bot reminders --on DATE``
# --------------------------------------------------------------------------------------------------


class ReminderDict(TypedDict):
    """One item of CONTRACT's ``reminders --json`` list."""

    kind: str
    due: str
    deadline: str | None
    subject: str
    recipients: list[str]
    sent: bool


@dataclass(frozen=True, slots=True)
class ListedReminder:
    """A reminder of the day as the CLI prints it. ``sent``: every recipient's message was sent."""

    kind: str
    due: datetime
    deadline: datetime | None
    subject: str
    recipients: tuple[str, ...]
    sent: bool
    key: str

    def to_contract_dict(self) -> ReminderDict:
        return {
            "kind": self.kind,
            "due": self.due.isoformat(),
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "subject": self.subject,
            "recipients": list(self.recipients),
            "sent": self.sent,
        }


_DEADLINE_IN_KEY: Final = re.compile(r"@(\d{8}T\d{4}Z)$")


def _deadline_of(key: str) -> datetime | None:
    """The deadline an occurrence key ends with (``…@20261112T0830Z``), for outbox rows the
    data no longer explains (the meeting moved, or its notice was published since)."""
    match = _DEADLINE_IN_KEY.search(key)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%MZ").replace(tzinfo=UTC).astimezone(OSLO)


async def reminders_on(
    session: AsyncSession,
    day: date,
    *,
    rules: ReminderRules = DEFAULT_REMINDER_RULES,
    sources: Sequence[Source] = SOURCES,
) -> list[ListedReminder]:
    """The reminders due on ``day`` (Europe/Oslo), sent or not; sends nothing.

    From the data: what the planner enqueues for that day, to the people who get it. From the
    outbox: whether each was sent, plus reminders that were enqueued for that day but that the
    data no longer gives (a meeting moved or its notice was published since), so a reminder
    never disappears from the record once it was planned.
    """
    due = await due_reminders(session, day, day, rules=rules, sources=sources)
    start = datetime.combine(day, time(0), OSLO)
    end = datetime.combine(day + timedelta(days=1), time(0), OSLO)
    rows = (
        await session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.deadline_key).startswith(KEY_PREFIX),
                col(OutboxMessage.not_before) >= start,
                col(OutboxMessage.not_before) < end,
                col(OutboxMessage.recipient_person_id).is_not(None),
            )
        )
    ).all()
    by_occurrence: dict[tuple[str, str, str], dict[int, OutboxMessage]] = defaultdict(dict)
    for row in rows:
        assert row.recipient_person_id is not None
        by_occurrence[(row.kind, row.subject, row.deadline_key)][row.recipient_person_id] = row
    listed: list[ListedReminder] = []
    for item in due:
        r = item.reminder
        if not item.recipients:
            continue
        stored = by_occurrence.pop((r.kind.value, r.subject, r.key), {})
        sent = all(
            (message := stored.get(p.person_id)) is not None
            and message.state == OutboxState.SENT.value
            for p in item.recipients
        )
        listed.append(
            ListedReminder(
                kind=r.kind.value,
                due=to_oslo(r.due),
                deadline=None if r.deadline is None else to_oslo(r.deadline),
                subject=r.subject,
                recipients=tuple(p.email for p in item.recipients),
                sent=sent,
                key=r.key,
            )
        )
    listed += await _only_in_outbox(session, by_occurrence)
    return sorted(listed, key=_listing_order)


async def _only_in_outbox(
    session: AsyncSession,
    occurrences: Mapping[tuple[str, str, str], Mapping[int, OutboxMessage]],
) -> list[ListedReminder]:
    ids = sorted({pid for stored in occurrences.values() for pid in stored})
    if not ids:
        return []
    found = await session.exec(select(Person).where(col(Person.id).in_(ids)))
    emails = {p.id: p.email for p in found.all()}
    listed: list[ListedReminder] = []
    for (kind, subject, key), stored in occurrences.items():
        first = min(stored.values(), key=lambda row: row.not_before)
        listed.append(
            ListedReminder(
                kind=kind,
                due=to_oslo(first.not_before),
                deadline=_deadline_of(key),
                subject=subject,
                recipients=tuple(sorted(emails.get(pid, f"person:{pid}") for pid in stored)),
                sent=all(row.state == OutboxState.SENT.value for row in stored.values()),
                key=key,
            )
        )
    return listed


def _listing_order(item: ListedReminder) -> tuple[datetime, int, str, str]:
    try:
        order = KIND_ORDER[ReminderKind(item.kind)]
    except ValueError:
        order = len(KIND_ORDER)
    return (item.due, order, item.subject, item.key)
