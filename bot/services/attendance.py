"""Attendance: absence and personal deputies, the meeting as it happens (open, start, end), check-in
and the live quorum.

Why one service for all of it: reporting absence, calling in a deputy, checking in and the quorum
all read and write the same rows (who attends which meeting, in whose seat), and the quorum rule
(bot/domain/quorum.py) needs all of them at once. Every change is a function here with a
permission check and an audit entry; refusals are returned (not raised) so their audit entry
commits with the caller's transaction, and they are decided before anything is written.

Side effects stay in the caller's transaction: the calendar change (the deputy becomes an attendee)
goes through ``calendar_sync.enqueue_change`` and the messages through the outbox, so an absence,
its calendar update and its messages are stored together or not at all.

Hooks for other features (see :class:`AttendanceHooks`): the self-evaluation listens for "meeting
ended", the notice feature for "deputy called in" (to send its documents) and may say whom the
notice reached (for the quorum); :func:`called_in_deputies`, :func:`extra_attendees`,
:func:`meeting_seats` and :func:`present_people` answer their questions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal
from urllib.parse import unquote

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import Body
from bot.domain.meeting_state import MeetingState, TransitionRefused, mark_held
from bot.domain.quorum import (
    VOTING_ROLES,
    Quorum,
    RosterSeat,
    SeatHolder,
    Sitting,
    quorum,
    seats_from,
    sittings,
)
from bot.domain.roles import Actor
from bot.services import calendar_sync, outbox
from bot.services.meetings import (
    SYSTEM,
    CalendarInfo,
    Invitee,
    MeetingView,
    Principal,
    SystemPrincipal,
    attendees_of,
    calendar_event,
    calendar_info,
)
from storage import attendance as repo
from storage import audit
from storage import meetings as meeting_repo
from storage.attendance_tables import Attendance, AttendanceSource, AttendanceStatus, MeetingContext
from storage.meeting_tables import Meeting
from storage.models import AuditOutcome, Membership, Person
from storage.people import memberships_of

__all__ = [
    "KIND_ABSENCE",
    "KIND_DEPUTY",
    "KIND_DEPUTY_ABSENT",
    "AbsenceNotice",
    "AbsenceReported",
    "AttendanceChanged",
    "AttendanceHooks",
    "AttendanceView",
    "CalledDeputy",
    "DeputyCalled",
    "MeetingClosed",
    "MeetingEnded",
    "MeetingEvent",
    "MeetingEventRecorded",
    "MeetingOpened",
    "Participant",
    "Reason",
    "RecordedAttendance",
    "Refused",
    "Viewer",
    "attendance_view",
    "called_in_deputies",
    "check_in",
    "close_meeting",
    "extra_attendees",
    "join_thread",
    "may_close",
    "meeting_for_conversation",
    "meeting_seats",
    "open_candidates",
    "open_meeting",
    "parse_id",
    "participants_for_refresh",
    "present_people",
    "record_meeting_event",
    "report_absence",
    "set_attendance",
    "viewer_of",
    "voting_body",
]

log = logging.getLogger(__name__)

KIND_DEPUTY: Final = "deputy_called_in"
KIND_ABSENCE: Final = "absence_reported"
KIND_DEPUTY_ABSENT: Final = "deputy_absent"
SUBJECT: Final = "meeting"
OPEN_WINDOW_BEFORE: Final = timedelta(hours=24)
"""``åpne møte`` offers meetings that start within this time from now …"""
OPEN_WINDOW_AFTER: Final = timedelta(hours=6)
"""… or ended less than this ago (a meeting opened late, or closed after its planned end)."""
_THREAD: Final = re.compile(r"(19:meeting_[^/@?#\s]+@thread\.v2)", re.IGNORECASE)


class Reason(StrEnum):
    """Why nothing changed; the card says it with ``attendance.refused.<value>``."""

    NOT_KNOWN = "not_known"
    NOT_MEMBER = "not_member"
    NO_MEETING = "no_meeting"
    NOT_FOUND = "not_found"
    MEETING_CLOSED = "meeting_closed"
    ALREADY_REPORTED = "already_reported"
    NOT_ALLOWED = "not_allowed"
    NOT_STARTED = "not_started"
    NOT_PARTICIPANT = "not_participant"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Reason
    meeting_id: int | None = None


# --------------------------------------------------------------------------------------------------
# Hooks other features register
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingEnded:
    """A meeting ended (Teams meetingEnd or ``avslutt møte``), told once per meeting.

    ``present`` are the people recorded present (members, deputies in their place, observers);
    ``held`` whether the meeting moved to *held* (it cannot before its notice was published).
    """

    meeting: MeetingView
    ended_at: datetime
    present: frozenset[int]
    held: bool


@dataclass(frozen=True, slots=True)
class DeputyCalled:
    """A personal deputy was called in to take ``member_person_id``'s seat at a meeting."""

    meeting: MeetingView
    deputy_person_id: int
    member_person_id: int
    at: datetime


MeetingEndedListener = Callable[[AsyncSession, MeetingEnded], Awaitable[None]]
DeputyCalledListener = Callable[[AsyncSession, DeputyCalled], Awaitable[None]]
NoticeRecipients = Callable[[AsyncSession, MeetingView], Awaitable[Collection[int] | None]]
"""Whom the notice of a meeting reached (person ids); None: the notice feature does not know."""


@dataclass(slots=True)
class AttendanceHooks:
    """What other features plug in. One instance per app (``bot.teams.attendance.HOOKS``).

    Listeners run inside the transaction that made the change, after it is written: they may
    enqueue outbox messages or write their own rows, and an exception rolls everything back —
    so they should do nothing but database work.
    """

    ended: list[MeetingEndedListener] = field(default_factory=list)
    deputy_called: list[DeputyCalledListener] = field(default_factory=list)
    notice_recipients: NoticeRecipients | None = None

    def on_meeting_ended(self, listener: MeetingEndedListener) -> None:
        """E.g. the self-evaluation sends its poll to the people present."""
        self.ended.append(listener)

    def on_deputy_called(self, listener: DeputyCalledListener) -> None:
        """E.g. the notice feature sends the notice with its documents to the deputy (§4.1:
        the member must make sure the notice reaches their personal deputy)."""
        self.deputy_called.append(listener)

    def set_notice_recipients(self, source: NoticeRecipients) -> None:
        """The notice feature says whom its notice reached; without it the meeting's state
        decides (notice published: every member was given it)."""
        self.notice_recipients = source


NO_HOOKS: Final = AttendanceHooks()
"""The default for callers without hooks (CLI, tests). Never register on it: use the app's."""


# --------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Participant:
    """One person who may attend: a seat holder, a personal deputy, an observer or (dialogue
    meetings) an invited participant without a seat. ``status`` None: nothing recorded yet."""

    person_id: int
    name: str
    role: str
    category: str
    status: AttendanceStatus | None = None
    deputy_for_person_id: int | None = None
    replaces_person_id: int | None = None
    absence_reported: bool = False
    teams_user_id: str | None = None

    @property
    def present(self) -> bool:
        return self.status is AttendanceStatus.PRESENT


@dataclass(frozen=True, slots=True)
class ContextView:
    conversation_id: str | None
    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttendanceView:
    """A meeting's attendance at one moment, for everyone; ``quorum`` None when the meeting's
    body makes no decisions (dialogue meetings)."""

    meeting: MeetingView
    context: ContextView | None
    members: tuple[Participant, ...]
    deputies: tuple[Participant, ...]
    observers: tuple[Participant, ...]
    guests: tuple[Participant, ...]
    sittings: tuple[Sitting, ...]
    quorum: Quorum | None
    secretariat_teams_ids: tuple[str, ...] = ()

    def person(self, person_id: int | None) -> Participant | None:
        for group in (self.members, self.deputies, self.observers, self.guests):
            for participant in group:
                if participant.person_id == person_id:
                    return participant
        return None

    @property
    def open(self) -> bool:
        """Started and not ended: people can check in."""
        return (
            self.context is not None
            and self.context.started_at is not None
            and self.context.ended_at is None
        )


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the person looking at the attendance card may do there."""

    person_id: int | None
    can_correct: bool = False
    can_check_in: bool = False
    checked_in: bool = False
    can_close: bool = False


@dataclass(frozen=True, slots=True)
class AbsenceNotice:
    """A message the absence causes: to the deputy called in, or to a secretariat member."""

    kind: str
    recipient_person_id: int
    locale: str
    meeting: MeetingView
    member_name: str
    deputy_name: str | None
    info: CalendarInfo | None
    view: AttendanceView | None = None


AbsenceRender = Callable[[AbsenceNotice], tuple[str, dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class AbsenceReported:
    """The absence is recorded; ``deputy`` the personal deputy called in (None: there is none
    or the reporter was a deputy withdrawing); ``calendar`` True when the calendar is updated."""

    meeting: MeetingView
    person_id: int
    deputy_person_id: int | None
    deputy_name: str | None
    calendar: bool
    messages: int
    withdrawn_deputy: bool = False


@dataclass(frozen=True, slots=True)
class AttendanceChanged:
    view: AttendanceView
    changed: bool
    person_id: int


@dataclass(frozen=True, slots=True)
class MeetingOpened:
    view: AttendanceView
    first: bool


@dataclass(frozen=True, slots=True)
class MeetingEventRecorded:
    """A Teams meeting event recorded: the view after it, and whether it was the first report of
    that start or end (the chair may have opened or closed the meeting already; Teams may
    redeliver an event)."""

    view: AttendanceView
    first: bool


@dataclass(frozen=True, slots=True)
class MeetingClosed:
    view: AttendanceView
    first: bool
    held: bool


@dataclass(frozen=True, slots=True)
class CalledDeputy:
    deputy_person_id: int
    member_person_id: int
    status: AttendanceStatus


@dataclass(frozen=True, slots=True)
class MeetingEvent:
    """A Teams meeting start or end, free of botbuilder types."""

    kind: Literal["start", "end"]
    conversation_id: str | None
    join_url: str | None
    teams_meeting_id: str | None
    at: datetime


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def voting_body(body: Body | str) -> str | None:
    """The roster whose seats count at a meeting of ``body``: SSU (also for the strategy
    gathering), PA or AU; None for dialogue meetings, which decide nothing."""
    kind = Body(body)
    if kind in {Body.SSU, Body.STRATEGY}:
        return "SSU"
    if kind in {Body.PA, Body.AU}:
        return kind.value
    return None


def join_thread(text: str | None) -> str | None:
    """``19:meeting_…@thread.v2`` from a Teams join URL or a chat id (the meeting chat's id is
    the join URL's thread), lower-cased; None when there is none."""
    if not text:
        return None
    found = _THREAD.search(unquote(text))
    return found.group(1).lower() if found else None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite may hand back naive UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_utc(moment: datetime | None) -> datetime | None:
    """SQLite may hand back naive UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _ids(actor: Principal) -> tuple[int | None, str | None]:
    if isinstance(actor, SystemPrincipal):
        return None, None
    return actor.person_id, actor.aad_object_id


async def _audit(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    meeting_id: int | str,
    detail: Mapping[str, Any],
    outcome: AuditOutcome = AuditOutcome.OK,
) -> None:
    person_id, aad_id = _ids(actor)
    await audit.append(
        session,
        action=action,
        outcome=outcome,
        actor_person_id=person_id,
        actor_aad_id=aad_id,
        subject_type=SUBJECT,
        subject_id=meeting_id,
        detail=detail,
    )


async def _refuse(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    reason: Reason,
    meeting_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Refused:
    await _audit(
        session,
        actor=actor,
        action=action,
        meeting_id=meeting_id if meeting_id is not None else "",
        detail={"reason": reason.value, **(detail or {})},
        outcome=AuditOutcome.REFUSED,
    )
    person_id, _ = _ids(actor)
    log.info(
        "attendance change refused",
        extra={
            "action": action,
            "reason": reason.value,
            "person": person_id,
            "meeting_id": meeting_id,
        },
    )
    return Refused(reason, meeting_id)


def parse_id(raw: object) -> int | None:
    """An id from card data: an int, or a string of at most 12 digits; anything else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw <= _MAX_ID else None
    text = raw.strip() if isinstance(raw, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 12:  # "²".isdigit(), yet no int
        value = int(text)
        return value if 0 < value <= _MAX_ID else None
    return None


_MAX_ID = 2**31 - 1
"""The largest id a PostgreSQL ``integer`` column holds; a larger one fails the query."""


def _closed(meeting: Meeting, context: MeetingContext | None) -> bool:
    """Cancelled, or ended: nothing more to report or check in to."""
    if meeting.state == MeetingState.CANCELLED.value:
        return True
    return context is not None and context.ended_at is not None


# --------------------------------------------------------------------------------------------------
# The meeting's roster
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Roster:
    body: str | None
    seats: tuple[SeatHolder, ...]
    people: Mapping[int, Person]
    roles: Mapping[int, Membership]
    observers: tuple[int, ...]
    guests: tuple[int, ...]

    def seat_of(self, person_id: int) -> SeatHolder | None:
        for seat in self.seats:
            if seat.member_id == person_id:
                return seat
        return None

    def seat_deputised_by(self, person_id: int) -> SeatHolder | None:
        for seat in self.seats:
            if seat.deputy_id == person_id:
                return seat
        return None

    def participates(self, person_id: int) -> bool:
        return (
            self.seat_of(person_id) is not None
            or self.seat_deputised_by(person_id) is not None
            or person_id in self.observers
            or person_id in self.guests
        )


async def _roster(session: AsyncSession, meeting: Meeting) -> _Roster:
    body = voting_body(meeting.body)
    if body is None:
        guests: list[int] = []
        people: dict[int, Person] = {}
        for invitee in await attendees_of(session, meeting_id=_id(meeting)):
            if invitee.required and not await _is_secretariat(session, invitee.person_id):
                guests.append(invitee.person_id)
        people = await repo.people(session, person_ids=guests)
        return _Roster(None, (), people, {}, (), tuple(guests))
    rows = await repo.body_roster(session, body_code=body)
    seats = seats_from(
        RosterSeat(p.id, m.role, m.category, m.deputy_for_person_id)
        for m, p in rows
        if p.id is not None
    )
    return _Roster(
        body,
        seats,
        {p.id: p for _m, p in rows if p.id is not None},
        {p.id: m for m, p in rows if p.id is not None},
        tuple(p.id for m, p in rows if p.id is not None and m.role == "observer"),
        (),
    )


async def _is_secretariat(session: AsyncSession, person_id: int) -> bool:
    return any(m.role == "secretariat" for m in await memberships_of(session, person_id=person_id))


def _id(meeting: Meeting) -> int:
    assert meeting.id is not None, "a stored meeting has an id"
    return meeting.id


async def _noticed(
    session: AsyncSession, view: MeetingView, roster: _Roster, hooks: AttendanceHooks
) -> Collection[int]:
    if hooks.notice_recipients is not None:
        known = await hooks.notice_recipients(session, view)
        if known is not None:
            return frozenset(known)
    if view.state in {MeetingState.PLANNED, MeetingState.CANCELLED}:
        return frozenset()
    return frozenset(seat.member_id for seat in roster.seats)


async def _build_view(
    session: AsyncSession, meeting: Meeting, hooks: AttendanceHooks
) -> AttendanceView:
    meeting_id = _id(meeting)
    view = MeetingView.of(meeting)
    roster = await _roster(session, meeting)
    rows = {r.person_id: r for r in await repo.for_meeting(session, meeting_id=meeting_id)}
    context = await repo.context_for(session, meeting_id=meeting_id)
    extra = [pid for pid in rows if pid not in roster.people]
    people = {**roster.people, **(await repo.people(session, person_ids=extra))}

    def participant(
        person_id: int, role: str, category: str, deputy_for: int | None
    ) -> Participant:
        person = people.get(person_id)
        row = rows.get(person_id)
        return Participant(
            person_id=person_id,
            name=person.name if person else str(person_id),
            role=role,
            category=category,
            status=AttendanceStatus(row.status) if row else None,
            deputy_for_person_id=deputy_for,
            replaces_person_id=row.replaces_person_id if row else None,
            absence_reported=bool(row and row.absence_reported_at),
            teams_user_id=person.teams_user_id if person else None,
        )

    members = tuple(participant(s.member_id, s.role, s.category, None) for s in roster.seats)
    deputies = tuple(
        participant(s.deputy_id, "personal_deputy", s.category, s.member_id)
        for s in roster.seats
        if s.deputy_id is not None
    )
    observers = tuple(
        participant(pid, "observer", roster.roles[pid].category, None) for pid in roster.observers
    )
    guests = tuple(participant(pid, "member", "", None) for pid in roster.guests)
    present = frozenset(pid for pid, r in rows.items() if r.status == AttendanceStatus.PRESENT)
    seated = sittings(roster.seats, present)
    result: Quorum | None = None
    if roster.body is not None:
        result = quorum(roster.seats, present, noticed=await _noticed(session, view, roster, hooks))
    secretariat = tuple(p.teams_user_id for p in await repo.secretariat(session) if p.teams_user_id)
    return AttendanceView(
        meeting=view,
        context=ContextView(
            context.conversation_id, _as_utc(context.started_at), _as_utc(context.ended_at)
        )
        if context
        else None,
        members=tuple(sorted(members, key=lambda p: (p.name, p.person_id))),
        deputies=tuple(sorted(deputies, key=lambda p: (p.name, p.person_id))),
        observers=tuple(sorted(observers, key=lambda p: (p.name, p.person_id))),
        guests=tuple(sorted(guests, key=lambda p: (p.name, p.person_id))),
        sittings=seated,
        quorum=result,
        secretariat_teams_ids=secretariat,
    )


# --------------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------------


def _chair_roles(actor: Actor, body: str | None) -> bool:
    bodies = {body} if body is not None else {"SSU"}
    return any(s.role in {"leader", "deputy_leader"} and s.body in bodies for s in actor.seats)


async def _may_chair(session: AsyncSession, actor: Principal, meeting: Meeting) -> bool:
    """The secretariat, the leader or deputy leader of the body that meets, or the personal
    deputy of either who is called in or present at this meeting."""
    if isinstance(actor, SystemPrincipal):
        return True
    if not actor.known:
        return False
    if actor.is_secretariat:
        return True
    body = voting_body(meeting.body)
    if _chair_roles(actor, body):
        return True
    assert actor.person_id is not None
    row = await repo.get(session, meeting_id=_id(meeting), person_id=actor.person_id)
    if row is None or row.status == AttendanceStatus.ABSENT or row.replaces_person_id is None:
        return False
    memberships = await memberships_of(session, person_id=row.replaces_person_id)
    return any(
        m.role in {"leader", "deputy_leader"} and m.body_code == (body or "SSU")
        for m in memberships
    )


def viewer_of(actor: Actor, view: AttendanceView) -> Viewer:
    """The actor's own buttons on the attendance card (pure: from the view)."""
    if not actor.known:
        return Viewer(None)
    me = view.person(actor.person_id)
    body = voting_body(view.meeting.body)
    can_close = actor.is_secretariat or _chair_roles(actor, body)
    if me is not None and me.replaces_person_id is not None and me.status is not None:
        replaced = view.person(me.replaces_person_id)
        can_close = can_close or (
            replaced is not None and replaced.role in {"leader", "deputy_leader"}
        )
    return Viewer(
        person_id=actor.person_id,
        can_correct=actor.is_secretariat,
        can_check_in=me is not None and view.open,
        checked_in=me is not None and me.present,
        can_close=can_close and view.open,
    )


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


async def attendance_view(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting_id: object,
    hooks: AttendanceHooks = NO_HOOKS,
) -> AttendanceView | Refused:
    """The attendance card's content, for everyone in the roster."""
    action = "attendance.view"
    if isinstance(actor, Actor) and not actor.known:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    wanted = parse_id(meeting_id)
    meeting = await meeting_repo.get(session, wanted) if wanted is not None else None
    if meeting is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(meeting_id)[:40]},
        )
    return await _build_view(session, meeting, hooks)


async def meeting_for_conversation(session: AsyncSession, *, conversation_id: str) -> int | None:
    """The meeting a chat belongs to: the one linked to it that has not ended, else the latest."""
    contexts = await repo.contexts_in_conversation(session, conversation_id=conversation_id)
    for context in contexts:
        if context.ended_at is None:
            return context.meeting_id
    return contexts[0].meeting_id if contexts else None


def _may_chair_somewhere(actor: Actor) -> bool:
    """Could chair some meeting: the secretariat, a leader or deputy leader, or a personal
    deputy (who chairs when standing in for one of them)."""
    return (
        actor.is_secretariat
        or any(s.role in {"leader", "deputy_leader"} for s in actor.seats)
        or actor.has_role("personal_deputy", "SSU")
    )


async def may_close(
    session: AsyncSession, *, actor: Actor, meeting_id: int | None
) -> bool | Refused:
    """Whether the actor may close (or open) the meeting — or, with no meeting, any meeting.
    A refusal is audited."""
    action = "meeting.close"
    if not actor.known:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    meeting = await meeting_repo.get(session, meeting_id) if meeting_id is not None else None
    if meeting_id is not None and meeting is None:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_FOUND)
    allowed = (
        await _may_chair(session, actor, meeting)
        if meeting is not None
        else _may_chair_somewhere(actor)
    )
    if not allowed:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_ALLOWED, meeting_id=meeting_id
        )
    return True


async def open_candidates(
    session: AsyncSession, *, actor: Principal, now: datetime
) -> list[MeetingView] | Refused:
    """The meetings ``åpne møte`` offers: those starting within a day or ended a few hours ago."""
    moment = _utc(now)
    if isinstance(actor, Actor) and not (actor.known and _may_chair_somewhere(actor)):
        return await _refuse(session, actor=actor, action="meeting.open", reason=Reason.NOT_ALLOWED)
    rows = await repo.meetings_around(
        session, start=moment - OPEN_WINDOW_AFTER, end=moment + OPEN_WINDOW_BEFORE
    )
    result = []
    for row in rows:
        if isinstance(actor, Actor) and not await _may_chair(session, actor, row):
            continue
        result.append(MeetingView.of(row))
    return result


async def called_in_deputies(session: AsyncSession, *, meeting_id: int) -> list[CalledDeputy]:
    """The personal deputies called in for a meeting (not those who said they cannot come):
    the notice feature sends them the notice with its documents."""
    return [
        CalledDeputy(r.person_id, r.replaces_person_id, AttendanceStatus(r.status))
        for r in await repo.for_meeting(session, meeting_id=meeting_id)
        if r.replaces_person_id is not None and r.status != AttendanceStatus.ABSENT
    ]


async def extra_attendees(session: AsyncSession, *, meeting_id: int) -> list[Invitee]:
    """The deputies called in, as calendar attendees. Personal deputies are not invited by the
    invitation rule; whoever rebuilds a meeting's calendar event must add these."""
    deputies = await called_in_deputies(session, meeting_id=meeting_id)
    people = await repo.people(session, person_ids=[d.deputy_person_id for d in deputies])
    return [
        Invitee(pid, person.email, person.name, True)
        for pid, person in sorted(people.items(), key=lambda item: (item[1].name, item[0]))
    ]


async def meeting_seats(session: AsyncSession, *, meeting_id: int) -> tuple[SeatHolder, ...]:
    """The voting seats at a meeting (for consensus: ``bot.domain.quorum.eligible_voters``)."""
    meeting = await meeting_repo.get(session, meeting_id)
    if meeting is None:
        return ()
    return (await _roster(session, meeting)).seats


async def present_people(session: AsyncSession, *, meeting_id: int) -> frozenset[int]:
    """Everyone recorded present at a meeting (members, deputies, observers)."""
    return frozenset(
        r.person_id
        for r in await repo.for_meeting(session, meeting_id=meeting_id)
        if r.status == AttendanceStatus.PRESENT
    )


class RecordedAttendance:
    """Who was present, for features that ask through a small protocol (the self-evaluation's
    ``bot.services.evaluation.Attendance``): everyone recorded present, by person id."""

    async def present_member_ids(self, session: AsyncSession, meeting_id: int) -> list[int]:
        return sorted(await present_people(session, meeting_id=meeting_id))


# --------------------------------------------------------------------------------------------------
# Absence
# --------------------------------------------------------------------------------------------------


async def _next_for(session: AsyncSession, actor: Actor, now: datetime) -> Meeting | None:
    """The next meeting where the actor holds a seat, or is a deputy called in."""
    assert actor.person_id is not None
    for row in await meeting_repo.upcoming(session, now=now):
        body = voting_body(row.body)
        if body is not None and any(s.body == body and s.role in VOTING_ROLES for s in actor.seats):
            return row
        mine = await repo.get(session, meeting_id=_id(row), person_id=actor.person_id)
        if mine is not None and mine.replaces_person_id is not None:
            return row
    return None


async def report_absence(
    session: AsyncSession,
    *,
    actor: Actor,
    now: datetime,
    render: AbsenceRender,
    meeting_id: object = None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> AbsenceReported | Refused:
    """``kan ikke stille``: the actor cannot attend the next meeting (or ``meeting_id``).

    A member is marked absent and their personal deputy called in: recorded, added to the
    meeting's calendar event, told personally through the outbox (with the meeting details) and
    handed to the ``deputy_called`` hooks (the notice feature sends its documents). The
    secretariat is told and gets the attendance list. A deputy called in who cannot come either
    is marked absent and the secretariat is told. Refused (and audited) when the actor has no
    seat, there is no upcoming meeting, the meeting is over or cancelled, or absence was already
    reported.
    """
    action = "meeting.absence"
    moment = _utc(now)
    if not actor.known or actor.person_id is None:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    person_id = actor.person_id
    if meeting_id is None or meeting_id == "":
        meeting = await _next_for(session, actor, moment)
        if meeting is None:
            has_seat = any(s.role in VOTING_ROLES for s in actor.seats if s.body != "SEK")
            return await _refuse(
                session,
                actor=actor,
                action=action,
                reason=Reason.NO_MEETING if has_seat else Reason.NOT_MEMBER,
            )
    else:
        wanted = parse_id(meeting_id)
        meeting = await meeting_repo.get(session, wanted, for_update=True) if wanted else None
        if meeting is None:
            return await _refuse(
                session,
                actor=actor,
                action=action,
                reason=Reason.NOT_FOUND,
                detail={"given": str(meeting_id)[:40]},
            )
    mid = _id(meeting)
    context = await repo.context_for(session, meeting_id=mid)
    if (
        _closed(meeting, context)
        or _aware(meeting.end_at) <= moment
        or meeting.state not in {MeetingState.PLANNED.value, MeetingState.NOTICE_PUBLISHED.value}
    ):
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.MEETING_CLOSED, meeting_id=mid
        )
    roster = await _roster(session, meeting)
    seat = roster.seat_of(person_id)
    row = await repo.get(session, meeting_id=mid, person_id=person_id, for_update=True)
    if seat is None:
        if row is None or row.replaces_person_id is None:
            return await _refuse(
                session, actor=actor, action=action, reason=Reason.NOT_MEMBER, meeting_id=mid
            )
        return await _deputy_withdraws(
            session, actor=actor, meeting=meeting, row=row, now=moment, render=render, hooks=hooks
        )
    if row is not None and row.status == AttendanceStatus.ABSENT:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.ALREADY_REPORTED, meeting_id=mid
        )
    row = row or Attendance(
        meeting_id=mid, person_id=person_id, status="", source="", created_at=moment
    )
    previous = row.status or None
    row.status = AttendanceStatus.ABSENT.value
    row.source = AttendanceSource.ABSENCE.value
    row.absence_reported_at = moment
    row.checked_in_at = None
    row.updated_by_person_id = person_id
    row.updated_at = moment
    await repo.save(session, row)

    deputy_id = seat.deputy_id
    deputy: Person | None = None
    if deputy_id is not None:
        deputy = (await repo.people(session, person_ids=[deputy_id])).get(deputy_id)
        drow = await repo.get(session, meeting_id=mid, person_id=deputy_id, for_update=True)
        if drow is None:
            drow = Attendance(
                meeting_id=mid,
                person_id=deputy_id,
                status=AttendanceStatus.CALLED_IN.value,
                source=AttendanceSource.ABSENCE.value,
                created_at=moment,
            )
        elif drow.status == AttendanceStatus.ABSENT:
            drow.status = AttendanceStatus.CALLED_IN.value
            drow.absence_reported_at = None
        drow.replaces_person_id = person_id
        drow.updated_by_person_id = person_id
        drow.updated_at = moment
        await repo.save(session, drow)
    view = MeetingView.of(meeting)
    calendar = await _update_calendar(session, view)
    member = roster.people.get(person_id)
    member_name = member.name if member else actor.name
    info = await calendar_info(session, meeting_id=mid)
    messages = 0
    if deputy is not None and deputy.id is not None:
        messages += await _send(
            session,
            AbsenceNotice(
                KIND_DEPUTY, deputy.id, deputy.locale or "nb", view, member_name, deputy.name, info
            ),
            render=render,
            key=f"absence:{person_id}:{moment:%Y%m%dT%H%M%S}",
            now=moment,
            expires=_aware(meeting.end_at),
        )
        event = DeputyCalled(view, deputy.id, person_id, moment)
        for listener in hooks.deputy_called:
            await listener(session, event)
    attendance = await _build_view(session, meeting, hooks)
    messages += await _tell_secretariat(
        session,
        view=view,
        attendance=attendance,
        member_name=member_name,
        deputy_name=deputy.name if deputy else None,
        render=render,
        key=f"absence:{person_id}:{moment:%Y%m%dT%H%M%S}",
        now=moment,
        expires=_aware(meeting.end_at),
        exclude=person_id,
    )
    await _audit(
        session,
        actor=actor,
        action=action,
        meeting_id=mid,
        detail={
            "person_id": person_id,
            "previous": previous,
            "deputy_person_id": deputy_id,
            "calendar": calendar,
            "messages": messages,
        },
    )
    log.info(
        "absence reported",
        extra={"meeting_id": mid, "person": person_id, "deputy": deputy_id, "calendar": calendar},
    )
    return AbsenceReported(
        view, person_id, deputy_id, deputy.name if deputy else None, calendar, messages
    )


async def _deputy_withdraws(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting: Meeting,
    row: Attendance,
    now: datetime,
    render: AbsenceRender,
    hooks: AttendanceHooks,
) -> AbsenceReported | Refused:
    """A deputy called in cannot come either: recorded, the calendar and the secretariat told."""
    mid = _id(meeting)
    assert actor.person_id is not None
    if row.status == AttendanceStatus.ABSENT:
        return await _refuse(
            session,
            actor=actor,
            action="meeting.absence",
            reason=Reason.ALREADY_REPORTED,
            meeting_id=mid,
        )
    previous = row.status
    row.status = AttendanceStatus.ABSENT.value
    row.source = AttendanceSource.ABSENCE.value
    row.absence_reported_at = now
    row.checked_in_at = None
    row.updated_by_person_id = actor.person_id
    row.updated_at = now
    await repo.save(session, row)
    view = MeetingView.of(meeting)
    calendar = await _update_calendar(session, view)
    member = (await repo.people(session, person_ids=[row.replaces_person_id or 0])).get(
        row.replaces_person_id or 0
    )
    attendance = await _build_view(session, meeting, hooks)
    messages = await _tell_secretariat(
        session,
        view=view,
        attendance=attendance,
        member_name=member.name if member else "",
        deputy_name=actor.name,
        render=render,
        key=f"deputy-absence:{actor.person_id}:{now:%Y%m%dT%H%M%S}",
        now=now,
        expires=_aware(meeting.end_at),
        exclude=actor.person_id,
        kind=KIND_DEPUTY_ABSENT,
    )
    await _audit(
        session,
        actor=actor,
        action="meeting.absence",
        meeting_id=mid,
        detail={
            "person_id": actor.person_id,
            "previous": previous,
            "replaces_person_id": row.replaces_person_id,
            "calendar": calendar,
            "messages": messages,
        },
    )
    log.info(
        "called-in deputy reported absence", extra={"meeting_id": mid, "person": actor.person_id}
    )
    return AbsenceReported(
        view, actor.person_id, None, None, calendar, messages, withdrawn_deputy=True
    )


async def _update_calendar(session: AsyncSession, view: MeetingView) -> bool:
    """Queue a calendar update with the called-in deputies as attendees; False when the meeting
    has no calendar entry (e.g. recorded after the fact) — then there is nothing to update."""
    if await calendar_sync.sync_state(session, meeting_id=view.id) is None:
        log.info("no calendar entry to update", extra={"meeting_id": view.id})
        return False
    invitees = await attendees_of(session, meeting_id=view.id)
    known = {i.person_id for i in invitees}
    extra = [
        i for i in await extra_attendees(session, meeting_id=view.id) if i.person_id not in known
    ]
    await calendar_sync.enqueue_change(
        session,
        meeting_id=view.id,
        op="update",
        event=calendar_event(view, [*invitees, *extra]),
    )
    return True


async def _send(
    session: AsyncSession,
    notice: AbsenceNotice,
    *,
    render: AbsenceRender,
    key: str,
    now: datetime,
    expires: datetime,
) -> int:
    text, document = render(notice)
    row = await outbox.enqueue(
        session,
        kind=notice.kind,
        subject=f"meeting:{notice.meeting.id}",
        payload=outbox.payload(text=None if document else text, card=document, summary=text),
        not_before=now,
        expires_at=max(expires, now + timedelta(minutes=1)),
        deadline_key=key,
        recipient_person_id=notice.recipient_person_id,
        mandatory=True,
        now=now,
    )
    return 1 if row is not None else 0


async def _tell_secretariat(
    session: AsyncSession,
    *,
    view: MeetingView,
    attendance: AttendanceView,
    member_name: str,
    deputy_name: str | None,
    render: AbsenceRender,
    key: str,
    now: datetime,
    expires: datetime,
    exclude: int,
    kind: str = KIND_ABSENCE,
) -> int:
    sent = 0
    info = await calendar_info(session, meeting_id=view.id)
    for person in await repo.secretariat(session):
        if person.id is None or person.id == exclude:
            continue
        sent += await _send(
            session,
            AbsenceNotice(
                kind,
                person.id,
                person.locale or "nb",
                view,
                member_name,
                deputy_name,
                info,
                attendance,
            ),
            render=render,
            key=key,
            now=now,
            expires=expires,
        )
    return sent


# --------------------------------------------------------------------------------------------------
# Check-in and corrections
# --------------------------------------------------------------------------------------------------


async def check_in(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    now: datetime,
    hooks: AttendanceHooks = NO_HOOKS,
) -> AttendanceChanged | Refused:
    """A member, a personal deputy (in their member's seat) or an observer says "I am here".

    Only while the meeting is open (started and not ended); checking in twice changes nothing.
    """
    action = "attendance.check_in"
    moment = _utc(now)
    if not actor.known or actor.person_id is None:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    wanted = parse_id(meeting_id)
    meeting = await meeting_repo.get(session, wanted, for_update=True) if wanted else None
    if meeting is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(meeting_id)[:40]},
        )
    mid = _id(meeting)
    context = await repo.context_for(session, meeting_id=mid)
    if _closed(meeting, context):
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.MEETING_CLOSED, meeting_id=mid
        )
    if context is None or context.started_at is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_STARTED, meeting_id=mid
        )
    roster = await _roster(session, meeting)
    if not roster.participates(actor.person_id):
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_PARTICIPANT, meeting_id=mid
        )
    changed = await _set(
        session,
        roster=roster,
        meeting_id=mid,
        person_id=actor.person_id,
        status=AttendanceStatus.PRESENT,
        source=AttendanceSource.SELF,
        by=actor.person_id,
        now=moment,
    )
    await _audit(
        session,
        actor=actor,
        action=action,
        meeting_id=mid,
        detail={"person_id": actor.person_id, "changed": changed is not None, "previous": changed},
    )
    log.info("checked in", extra={"meeting_id": mid, "person": actor.person_id})
    return AttendanceChanged(
        await _build_view(session, meeting, hooks), changed is not None, actor.person_id
    )


_UNCHANGED: Final = None


async def _set(
    session: AsyncSession,
    *,
    roster: _Roster,
    meeting_id: int,
    person_id: int,
    status: AttendanceStatus,
    source: AttendanceSource,
    by: int | None,
    now: datetime,
) -> str | None:
    """Write one person's status; returns the previous status ("" when there was no row), or
    None when nothing changed. A deputy's row records the seat they take."""
    row = await repo.get(session, meeting_id=meeting_id, person_id=person_id, for_update=True)
    seat = roster.seat_deputised_by(person_id)
    replaces = seat.member_id if seat is not None else None
    if row is not None and row.status == status.value and row.replaces_person_id == replaces:
        return _UNCHANGED
    previous = row.status if row is not None else ""
    row = row or Attendance(
        meeting_id=meeting_id, person_id=person_id, status="", source="", created_at=now
    )
    row.status = status.value
    row.source = source.value
    row.replaces_person_id = replaces
    row.checked_in_at = now if status is AttendanceStatus.PRESENT else None
    row.updated_by_person_id = by
    row.updated_at = now
    await repo.save(session, row)
    return previous


_SETTABLE: Final = {AttendanceStatus.PRESENT.value, AttendanceStatus.ABSENT.value}


async def set_attendance(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    person_id: object,
    status: object,
    now: datetime,
    hooks: AttendanceHooks = NO_HOOKS,
) -> AttendanceChanged | Refused:
    """The secretariat corrects anyone's attendance (present or absent), before, during or after
    the meeting until its protocol is published. ``person_id`` must be someone who may attend
    this meeting: any other id (forged, or a person from another body) is refused."""
    action = "attendance.set"
    moment = _utc(now)
    if not actor.known or not actor.is_secretariat:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_KNOWN if not actor.known else Reason.NOT_ALLOWED,
            meeting_id=parse_id(meeting_id),
        )
    wanted = parse_id(meeting_id)
    meeting = await meeting_repo.get(session, wanted, for_update=True) if wanted else None
    if meeting is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(meeting_id)[:40]},
        )
    mid = _id(meeting)
    if meeting.state not in {
        MeetingState.PLANNED.value,
        MeetingState.NOTICE_PUBLISHED.value,
        MeetingState.HELD.value,
    }:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.MEETING_CLOSED, meeting_id=mid
        )
    target = parse_id(person_id)
    roster = await _roster(session, meeting)
    if (
        target is None
        or not isinstance(status, str)
        or status not in _SETTABLE
        or not roster.participates(target)
    ):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.INVALID,
            meeting_id=mid,
            detail={"person": str(person_id)[:40], "status": str(status)[:20]},
        )
    previous = await _set(
        session,
        roster=roster,
        meeting_id=mid,
        person_id=target,
        status=AttendanceStatus(status),
        source=AttendanceSource.SECRETARIAT,
        by=actor.person_id,
        now=moment,
    )
    await _audit(
        session,
        actor=actor,
        action=action,
        meeting_id=mid,
        detail={
            "person_id": target,
            "status": status,
            "previous": previous,
            "changed": previous is not None,
        },
    )
    log.info(
        "attendance corrected", extra={"meeting_id": mid, "person": target, "by": actor.person_id}
    )
    return AttendanceChanged(
        await _build_view(session, meeting, hooks), previous is not None, target
    )


# --------------------------------------------------------------------------------------------------
# The meeting as it happens: open, start, end
# --------------------------------------------------------------------------------------------------


async def open_meeting(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting_id: object,
    now: datetime,
    conversation_id: str | None = None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> MeetingOpened | Refused:
    """The chair or the secretariat opens a meeting (``åpne møte``): it starts now unless Teams
    already said it started, and the chat it is opened in becomes the meeting's chat."""
    action = "meeting.open"
    moment = _utc(now)
    if isinstance(actor, Actor) and not actor.known:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    wanted = parse_id(meeting_id)
    meeting = await meeting_repo.get(session, wanted, for_update=True) if wanted else None
    if meeting is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(meeting_id)[:40]},
        )
    mid = _id(meeting)
    if not await _may_chair(session, actor, meeting):
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_ALLOWED, meeting_id=mid
        )
    context = await repo.context_for(session, meeting_id=mid)
    if _closed(meeting, context) or meeting.state not in {
        MeetingState.PLANNED.value,
        MeetingState.NOTICE_PUBLISHED.value,
    }:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.MEETING_CLOSED, meeting_id=mid
        )
    context = await repo.ensure_context(session, meeting_id=mid, now=moment)
    first = context.started_at is None
    if first:
        context.started_at = moment
        context.opened_by_person_id = _ids(actor)[0]
    if conversation_id:
        context.conversation_id = conversation_id
        context.join_thread = context.join_thread or join_thread(conversation_id)
    context.updated_at = moment
    session.add(context)
    await session.flush()
    await _audit(
        session,
        actor=actor,
        action=action,
        meeting_id=mid,
        detail={"first": first, "linked_chat": bool(conversation_id)},
    )
    log.info("meeting opened", extra={"meeting_id": mid, "first": first})
    return MeetingOpened(await _build_view(session, meeting, hooks), first)


async def close_meeting(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting_id: object,
    now: datetime,
    hooks: AttendanceHooks = NO_HOOKS,
) -> MeetingClosed | Refused:
    """The chair or the secretariat closes the meeting (``avslutt møte``): it ended now, it is
    marked held (when its notice was published), and the "meeting ended" hooks run once."""
    action = "meeting.close"
    moment = _utc(now)
    if isinstance(actor, Actor) and not actor.known:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    wanted = parse_id(meeting_id)
    meeting = await meeting_repo.get(session, wanted, for_update=True) if wanted else None
    if meeting is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(meeting_id)[:40]},
        )
    mid = _id(meeting)
    if not await _may_chair(session, actor, meeting):
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_ALLOWED, meeting_id=mid
        )
    context = await repo.context_for(session, meeting_id=mid)
    if meeting.state == MeetingState.CANCELLED.value:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.MEETING_CLOSED, meeting_id=mid
        )
    first, held = await _end(session, actor=actor, meeting=meeting, at=moment, hooks=hooks)
    await _audit(
        session,
        actor=actor,
        action=action,
        meeting_id=mid,
        detail={"first": first, "held": held, "had_context": context is not None},
    )
    return MeetingClosed(await _build_view(session, meeting, hooks), first, held)


async def _end(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting: Meeting,
    at: datetime,
    hooks: AttendanceHooks,
) -> tuple[bool, bool]:
    """Record the end (first report wins), mark the meeting held through the guarded transition,
    and tell the listeners once. Returns (first time, held now)."""
    mid = _id(meeting)
    context = await repo.ensure_context(session, meeting_id=mid, now=at)
    first = context.ended_at is None
    if first:
        context.ended_at = at
        context.closed_by_person_id = _ids(actor)[0]
        context.updated_at = at
        session.add(context)
        await session.flush()
    held = meeting.state == MeetingState.HELD.value
    if meeting.state == MeetingState.NOTICE_PUBLISHED.value:
        try:
            meeting.state = mark_held(meeting.state).value
        except TransitionRefused:  # pragma: no cover - guarded by the state check above
            pass
        else:
            meeting.updated_at = at
            session.add(meeting)
            await session.flush()
            held = True
            await _audit(
                session,
                actor=actor,
                action="meeting.held",
                meeting_id=mid,
                detail={"ended_at": at.isoformat()},
            )
            log.info("meeting held", extra={"meeting_id": mid})
    elif not held:
        await _audit(
            session,
            actor=actor,
            action="meeting.held",
            meeting_id=mid,
            detail={"reason": "wrong_state", "state": meeting.state},
            outcome=AuditOutcome.REFUSED,
        )
        log.info("meeting not marked held", extra={"meeting_id": mid, "state": meeting.state})
    if first:
        ended = MeetingEnded(
            MeetingView.of(meeting),
            at,
            await present_people(session, meeting_id=mid),
            held,
        )
        for listener in hooks.ended:
            await listener(session, ended)
    return first, held


async def _resolve(session: AsyncSession, event: MeetingEvent) -> Meeting | None:
    """Our meeting for a Teams meeting event: the chat already linked, else the meeting whose
    stored join URL has the same thread as the event's join URL or the chat itself."""
    if event.conversation_id:
        linked = await meeting_for_conversation(session, conversation_id=event.conversation_id)
        if linked is not None:
            return await meeting_repo.get(session, linked, for_update=True)
    threads = {t for t in (join_thread(event.join_url), join_thread(event.conversation_id)) if t}
    if not threads:
        return None
    for thread in threads:
        for context in await repo.contexts_by_thread(session, thread=thread):
            return await meeting_repo.get(session, context.meeting_id, for_update=True)
    around = await repo.meetings_around(
        session, start=event.at - timedelta(days=1), end=event.at + timedelta(days=1)
    )
    urls = await repo.join_urls(session, meeting_ids=[_id(m) for m in around])
    for row in around:
        if join_thread(urls.get(_id(row))) in threads:
            return await meeting_repo.get(session, _id(row), for_update=True)
    return None


async def record_meeting_event(
    session: AsyncSession,
    *,
    event: MeetingEvent,
    hooks: AttendanceHooks = NO_HOOKS,
) -> MeetingEventRecorded | None:
    """A Teams meetingStart/meetingEnd in a meeting's chat: links the chat to our meeting (by the
    chat already linked or the join URL's thread), records the real start or end, and at the end
    marks the meeting held and runs the "meeting ended" hooks. ``first`` is False when the start
    (or end) was known already. None when the Teams meeting is not one of ours (audited as
    refused, by the system)."""
    action = f"meeting.{'started' if event.kind == 'start' else 'ended'}"
    at = _utc(event.at)
    meeting = await _resolve(session, event)
    if meeting is None:
        await _refuse(
            session,
            actor=SYSTEM,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={
                "thread": join_thread(event.join_url) or join_thread(event.conversation_id) or ""
            },
        )
        return None
    mid = _id(meeting)
    context = await repo.ensure_context(session, meeting_id=mid, now=at)
    if event.conversation_id:
        context.conversation_id = event.conversation_id
    context.join_thread = (
        context.join_thread or join_thread(event.join_url) or join_thread(event.conversation_id)
    )
    if event.teams_meeting_id:
        context.teams_meeting_id = event.teams_meeting_id[:1000]
    first = False
    if event.kind == "start":
        first = context.started_at is None
        if first:
            context.started_at = at
    context.updated_at = at
    session.add(context)
    await session.flush()
    if event.kind == "end":
        first, held = await _end(session, actor=SYSTEM, meeting=meeting, at=at, hooks=hooks)
        detail: dict[str, Any] = {"first": first, "held": held}
    else:
        detail = {"first": first}
    await _audit(
        session,
        actor=SYSTEM,
        action=action,
        meeting_id=mid,
        detail={**detail, "at": at.isoformat()},
    )
    log.info("teams meeting event", extra={"meeting_id": mid, "kind": event.kind, "first": first})
    return MeetingEventRecorded(await _build_view(session, meeting, hooks), first)


def participants_for_refresh(view: AttendanceView, limit: int = 60) -> list[str]:
    """The Teams ids that get the card's automatic refresh (Teams allows at most 60): the
    secretariat, then the seat holders, the deputies called in or present, other deputies and
    the observers — only people whose Teams id the bot has seen."""
    ordered: list[str] = list(view.secretariat_teams_ids)
    groups: Iterable[Sequence[Participant]] = (
        view.members,
        [d for d in view.deputies if d.status is not None],
        [d for d in view.deputies if d.status is None],
        view.observers,
        view.guests,
    )
    for group in groups:
        ordered += [p.teams_user_id for p in group if p.teams_user_id]
    unique = list(dict.fromkeys(ordered))
    return unique[:limit]
