"""Meetings: the yearly plan, adding, moving and cancelling meetings, and what everyone may see.

Why every change function returns ``... | Refused`` instead of raising: a refused attempt must be
audited, and the audit entry has to commit with the caller's transaction. A raised exception
would roll the entry back with everything else. Refusals are decided before anything is written,
so committing after a refusal stores the audit entry and nothing more.

Calendar side effects go through ``bot.services.calendar_sync.enqueue_change`` inside the same
transaction (an outbox), so a meeting and its calendar change are stored together or not at all.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import (
    DEFAULT_DEADLINE_RULES,
    DEFAULT_PATTERNS,
    OSLO,
    Body,
    DeadlineRules,
    Deadlines,
    MeetingForm,
    MeetingPattern,
    deadlines_for,
    format_date_nb,
    to_oslo,
)
from bot.domain.meeting_rules import (
    MeetingDraft,
    PlanEdit,
    Problem,
    Proposal,
    Seat,
    concerns,
    draft_from_proposal,
    invitation,
    is_busy,
    meeting_title,
    online_for,
    overlapping_window,
    propose_year,
    validate_draft,
    validate_reason,
)
from bot.domain.meeting_state import MeetingState, TransitionRefused, can_reschedule, cancel
from bot.domain.roles import Actor, Capability
from bot.graph.port import Attendee, CalendarEvent, CalendarPort
from bot.i18n import t
from bot.services import calendar_sync, outbox
from storage import attendance as attendance_repo
from storage import audit
from storage import meetings as repo
from storage.attendance_tables import AttendanceStatus
from storage.meeting_tables import Meeting
from storage.models import AuditOutcome, utcnow

__all__ = [
    "MAX_PLAN_YEAR",
    "MIN_PLAN_YEAR",
    "SYSTEM",
    "BusyFlag",
    "BusyReport",
    "CalendarInfo",
    "Invitee",
    "MeetingChanged",
    "MeetingView",
    "PlanApplied",
    "Principal",
    "ProposalView",
    "RefusalReason",
    "Refused",
    "SystemPrincipal",
    "add_meeting",
    "apply_plan",
    "attendees_of",
    "busy_flags",
    "calendar_event",
    "calendar_info",
    "can_plan",
    "cancel_meeting",
    "get_meeting",
    "leadership",
    "meetings_in_year",
    "move_meeting",
    "next_meeting",
    "proposed_plan",
    "record_refused_input",
    "upcoming_meetings_open_for_cases",
]

log = logging.getLogger(__name__)

MIN_PLAN_YEAR: Final = 2000
MAX_PLAN_YEAR: Final = 2100
"""Years a plan can be made for: anything else is a typing error, not a plan."""

FREE_BUSY_TIMEOUT_S: Final = 8.0
"""The plan card must answer within Teams' invoke timeout even when the calendar is slow."""
_FREE_BUSY_CONCURRENCY: Final = 4  # Outlook allows 4 concurrent requests per app per mailbox

Source = Literal["teams", "cli", "scheduler"]


class SystemPrincipal:
    """The bot acting on its own (``ssu-bot plan --apply``, the scheduler): audited as actor None.

    A separate type rather than ``None`` so that "nobody is logged in" can never be mistaken for
    "the system".
    """

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemPrincipal()
Principal = Actor | SystemPrincipal


class RefusalReason(StrEnum):
    NOT_ALLOWED = "not_allowed"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    WRONG_STATE = "wrong_state"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why nothing was changed; ``problems`` name the fields for an ``invalid`` refusal."""

    reason: RefusalReason
    problems: tuple[Problem, ...] = ()

    def problems_for(self, field_name: str) -> list[Problem]:
        return [p for p in self.problems if p.field == field_name]


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A stored meeting as the cards and the CLI need it; times in Europe/Oslo."""

    id: int
    body: Body
    title: str
    start: datetime
    end: datetime
    form: MeetingForm
    online: bool
    location: str | None
    region: str | None
    moved_from: date | None
    state: MeetingState
    cancel_reason: str | None
    pattern_key: str | None
    deadlines: Deadlines

    @classmethod
    def of(cls, row: Meeting) -> MeetingView:
        assert row.id is not None, "a stored meeting has an id"
        return cls(
            id=row.id,
            body=Body(row.body),
            title=row.title,
            start=to_oslo(row.start_at),
            end=to_oslo(row.end_at),
            form=MeetingForm(row.form),
            online=row.online,
            location=row.location,
            region=row.region,
            moved_from=row.moved_from,
            state=MeetingState(row.state),
            cancel_reason=row.cancel_reason,
            pattern_key=row.pattern_key,
            deadlines=Deadlines(
                case_submission=to_oslo(row.case_submission_at),
                notice=to_oslo(row.notice_at),
                protocol=to_oslo(row.protocol_at),
            ),
        )


@dataclass(frozen=True, slots=True)
class ProposalView:
    """A proposed meeting of the plan, and the stored meeting when it was already created."""

    proposal: Proposal
    existing: MeetingView | None = None


@dataclass(frozen=True, slots=True)
class PlanApplied:
    """What applying a plan did. ``calendar_skipped``: created meetings already in the past,
    which get no calendar invitation."""

    year: int
    created: tuple[MeetingView, ...]
    existing: tuple[MeetingView, ...]
    calendar_skipped: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MeetingChanged:
    """A meeting after a change. ``notify_person_ids``: the people called to it, who must hear
    about the change (the notification outbox sends it); ``previous`` is the state before."""

    meeting: MeetingView
    previous: MeetingView | None = None
    notify_person_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Invitee:
    person_id: int
    email: str
    name: str
    required: bool


@dataclass(frozen=True, slots=True)
class BusyFlag:
    """For one proposed meeting: the names of the leader/deputy leader who are busy then."""

    busy_names: tuple[str, ...] = ()

    @property
    def busy(self) -> bool:
        return bool(self.busy_names)


@dataclass(frozen=True, slots=True)
class BusyReport:
    """Free/busy of the leadership per plan slot; ``available`` False when it could not be asked
    (no calendar configured, nobody in the leader roles, or the calendar failed)."""

    available: bool
    flags: Mapping[str, BusyFlag] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    """What the calendar knows of a meeting: ``pending`` while the change is not yet synced."""

    pending: bool
    join_url: str | None = None
    failed: bool = False


# --------------------------------------------------------------------------------------------------
# Permission and audit helpers
# --------------------------------------------------------------------------------------------------


def _actor_ids(actor: Principal) -> tuple[int | None, str | None]:
    if isinstance(actor, SystemPrincipal):
        return None, None
    return actor.person_id, actor.aad_object_id


async def _refuse(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    refusal: Refused,
    subject_id: str | int = "",
    source: Source,
) -> Refused:
    person_id, aad_id = _actor_ids(actor)
    detail: dict[str, Any] = {"reason": refusal.reason.value, "source": source}
    if refusal.problems:
        detail["problems"] = [p.as_text() for p in refusal.problems]
    await audit.append(
        session,
        action=action,
        outcome=AuditOutcome.REFUSED,
        actor_person_id=person_id,
        actor_aad_id=aad_id,
        subject_type="meeting",
        subject_id=subject_id,
        detail=detail,
    )
    log.info(
        "meeting change refused",
        extra={"action": action, "reason": refusal.reason.value, "person": person_id},
    )
    return refusal


async def _audit_ok(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    subject_id: str | int,
    detail: Mapping[str, Any],
    source: Source,
    subject_type: str = "meeting",
) -> None:
    person_id, aad_id = _actor_ids(actor)
    await audit.append(
        session,
        action=action,
        actor_person_id=person_id,
        actor_aad_id=aad_id,
        subject_type=subject_type,
        subject_id=subject_id,
        detail={**detail, "source": source},
    )


def can_plan(actor: Principal) -> bool:
    """Only the secretariat (and the system) plans, adds, moves and cancels meetings."""
    return isinstance(actor, SystemPrincipal) or actor.can(Capability.PLAN_MEETINGS)


_may_plan = can_plan


def _may_view(actor: Principal) -> bool:
    return isinstance(actor, SystemPrincipal) or actor.can(Capability.VIEW_MEETINGS)


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return moment


def _year_problem(year: int) -> Problem | None:
    if MIN_PLAN_YEAR <= year <= MAX_PLAN_YEAR:
        return None
    return Problem(
        "year", "year_out_of_range", {"min": str(MIN_PLAN_YEAR), "max": str(MAX_PLAN_YEAR)}
    )


async def record_refused_input(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    problems: Sequence[Problem],
    subject_id: str | int = "",
    source: Source = "teams",
) -> Refused:
    """Audit an attempt whose input could not even be read (a date that is no date …).

    The transport layer parses card text; it calls this so unreadable input is audited like
    every other refused change. A non-secretary is refused as not allowed, whatever they sent.
    """
    refusal = (
        Refused(RefusalReason.INVALID, tuple(problems))
        if can_plan(actor)
        else Refused(RefusalReason.NOT_ALLOWED)
    )
    return await _refuse(
        session, actor=actor, action=action, refusal=refusal, subject_id=subject_id, source=source
    )


# --------------------------------------------------------------------------------------------------
# The yearly plan
# --------------------------------------------------------------------------------------------------


async def proposed_plan(
    session: AsyncSession,
    *,
    actor: Principal,
    year: int,
    patterns: Sequence[MeetingPattern] = DEFAULT_PATTERNS,
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> list[ProposalView] | Refused:
    """The plan for ``year`` as the secretariat sees it: each proposal and, once the plan was
    applied, the meeting it became. Secretariat only (it is a working document)."""
    if not _may_plan(actor):
        return Refused(RefusalReason.NOT_ALLOWED)
    if (problem := _year_problem(year)) is not None:
        return Refused(RefusalReason.INVALID, (problem,))
    existing = await repo.by_pattern(session, year=year)
    return [
        ProposalView(
            proposal,
            _view_or_none(existing.get((proposal.body.value, proposal.pattern_key))),
        )
        for proposal in propose_year(year, patterns, rules)
    ]


def _view_or_none(row: Meeting | None) -> MeetingView | None:
    return None if row is None else MeetingView.of(row)


async def apply_plan(
    session: AsyncSession,
    *,
    actor: Principal,
    year: int,
    edits: Mapping[str, PlanEdit] | None = None,
    now: datetime | None = None,
    source: Source = "teams",
    patterns: Sequence[MeetingPattern] = DEFAULT_PATTERNS,
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> PlanApplied | Refused:
    """Create the meetings of ``year``'s plan that do not exist yet, with ``edits`` by plan slot.

    Idempotent: a meeting is recognised by (year, body, pattern key), so applying twice creates
    nothing new and never overwrites a meeting that was moved or cancelled since. An edit that
    changes a proposal is validated like a new meeting (not in the past, not on a holiday …);
    unedited proposals are taken as the pattern gives them, even when already past, so a year
    can be recorded after the fact — but past meetings get no calendar invitation. Any problem
    refuses the whole plan and stores nothing but the audit entry.
    """
    moment = _now(now)
    action = "meeting.plan.apply"
    if not _may_plan(actor):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.NOT_ALLOWED),
            subject_id=year,
            source=source,
        )
    if (problem := _year_problem(year)) is not None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.INVALID, (problem,)),
            subject_id=year,
            source=source,
        )
    proposals = propose_year(year, patterns, rules)
    edits = dict(edits or {})
    problems: list[Problem] = [
        Problem(slot, "unknown_slot") for slot in sorted(set(edits) - {p.slot for p in proposals})
    ]
    await repo.lock_plan(session)
    existing = await repo.by_pattern(session, year=year)
    wanted: list[tuple[Proposal, MeetingDraft, bool]] = []
    for proposal in proposals:
        if (proposal.body.value, proposal.pattern_key) in existing:
            continue
        unedited = draft_from_proposal(proposal)
        draft = draft_from_proposal(proposal, edits.get(proposal.slot))
        edited = draft != unedited
        if edited:
            problems += [p.prefixed(proposal.slot) for p in validate_draft(draft, now=moment)]
        wanted.append((proposal, draft, edited))
    if problems:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.INVALID, tuple(problems)),
            subject_id=year,
            source=source,
        )
    seats = await repo.seats_with_people(session)
    created: list[MeetingView] = []
    skipped: list[int] = []
    for proposal, draft, edited in wanted:
        row = _new_row(
            draft,
            year=year,
            actor=actor,
            pattern_key=proposal.pattern_key,
            moved_from=None if edited else proposal.planned.moved_from,
            rules=rules,
        )
        await repo.add(session, row)
        view = MeetingView.of(row)
        if view.start > moment:
            await _enqueue(session, view, "create", _invitees(view, seats))
        else:
            skipped.append(view.id)
        await _audit_ok(
            session,
            actor=actor,
            action="meeting.create",
            subject_id=view.id,
            detail={
                "year": year,
                "pattern_key": proposal.pattern_key,
                "start": view.start.isoformat(),
                "edited": edited,
            },
            source=source,
        )
        created.append(view)
    kept = tuple(MeetingView.of(m) for m in existing.values())
    await _audit_ok(
        session,
        actor=actor,
        action=action,
        subject_type="plan",
        subject_id=year,
        detail={"created": len(created), "existing": len(kept)},
        source=source,
    )
    log.info(
        "meeting plan applied",
        extra={
            "year": year,
            "created_count": len(created),
            "existing_count": len(kept),
            "source": source,
        },
    )
    return PlanApplied(year, tuple(created), kept, tuple(skipped))


def _new_row(
    draft: MeetingDraft,
    *,
    year: int,
    actor: Principal,
    pattern_key: str | None,
    moved_from: date | None,
    rules: DeadlineRules,
) -> Meeting:
    start, end = to_oslo(draft.start), to_oslo(draft.end)
    deadlines = deadlines_for(draft.body, start, end, rules)
    person_id, _ = _actor_ids(actor)
    location = (draft.location or "").strip() or None
    region = (draft.region or "").strip() or None
    return Meeting(
        body=Body(draft.body).value,
        title=meeting_title(draft.body, start, end, region=region, location=location),
        start_at=start.astimezone(UTC),
        end_at=end.astimezone(UTC),
        year=year,
        form=MeetingForm(draft.form).value,
        online=online_for(draft.form),
        location=location,
        region=region,
        moved_from=moved_from,
        state=MeetingState.PLANNED.value,
        pattern_key=pattern_key,
        case_submission_at=deadlines.case_submission.astimezone(UTC),
        notice_at=deadlines.notice.astimezone(UTC),
        protocol_at=deadlines.protocol.astimezone(UTC),
        created_by_person_id=person_id,
    )


# --------------------------------------------------------------------------------------------------
# Adding, moving and cancelling one meeting
# --------------------------------------------------------------------------------------------------


async def add_meeting(
    session: AsyncSession,
    *,
    actor: Principal,
    draft: MeetingDraft,
    now: datetime | None = None,
    source: Source = "teams",
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> MeetingChanged | Refused:
    """A meeting outside the pattern (an extra SSU meeting, an AU meeting …). Secretariat only."""
    moment = _now(now)
    action = "meeting.add"
    if not _may_plan(actor):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.NOT_ALLOWED),
            source=source,
        )
    problems = validate_draft(draft, now=moment)
    if problems:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.INVALID, problems),
            source=source,
        )
    row = _new_row(
        draft,
        year=to_oslo(draft.start).year,
        actor=actor,
        pattern_key=None,
        moved_from=None,
        rules=rules,
    )
    await repo.add(session, row)
    view = MeetingView.of(row)
    invitees = _invitees(view, await repo.seats_with_people(session))
    await _enqueue(session, view, "create", invitees)
    await _audit_ok(
        session,
        actor=actor,
        action=action,
        subject_id=view.id,
        detail={"body": view.body.value, "start": view.start.isoformat(), "form": view.form.value},
        source=source,
    )
    log.info("meeting added", extra={"meeting_id": view.id, "body": view.body.value})
    return MeetingChanged(view, None, tuple(i.person_id for i in invitees))


_KEEP: Final[Any] = object()


async def move_meeting(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    location: str | None = _KEEP,
    form: MeetingForm | str | None = None,
    now: datetime | None = None,
    source: Source = "teams",
    rules: DeadlineRules = DEFAULT_DEADLINE_RULES,
) -> MeetingChanged | Refused:
    """New time, place and/or form for a meeting not yet held; None (or omitted) keeps a value.

    The deadlines and title follow the new date; the calendar gets an update and everyone called
    to the meeting is returned in ``notify_person_ids``. Refused when nothing would change.
    """
    moment = _now(now)
    action = "meeting.move"

    async def refuse(refusal: Refused) -> Refused:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=refusal,
            subject_id=meeting_id,
            source=source,
        )

    if not _may_plan(actor):
        return await refuse(Refused(RefusalReason.NOT_ALLOWED))
    row = await repo.get(session, meeting_id, for_update=True)
    if row is None:
        return await refuse(
            Refused(RefusalReason.NOT_FOUND, (Problem("meeting", "meeting_not_found"),))
        )
    before = MeetingView.of(row)
    if not can_reschedule(before.state):
        return await refuse(
            Refused(
                RefusalReason.WRONG_STATE,
                (Problem("meeting", "not_movable", {"state": before.state.value}),),
            )
        )
    draft = MeetingDraft(
        body=before.body.value,
        start=start or before.start,
        end=end or before.end,
        form=before.form.value if form is None else str(form),
        location=before.location if location is _KEEP else location,
        region=before.region,
    )
    problems = validate_draft(draft, now=moment)
    if not problems and _same_as(before, draft):
        problems = (Problem("date", "unchanged"),)
    if problems:
        return await refuse(Refused(RefusalReason.INVALID, problems))
    new_start, new_end = to_oslo(draft.start), to_oslo(draft.end)
    deadlines = deadlines_for(before.body, new_start, new_end, rules)
    row.start_at = new_start.astimezone(UTC)
    row.end_at = new_end.astimezone(UTC)
    row.location = (draft.location or "").strip() or None
    row.form = MeetingForm(draft.form).value
    row.online = online_for(draft.form)
    row.title = meeting_title(
        before.body, new_start, new_end, region=row.region, location=row.location
    )
    row.case_submission_at = deadlines.case_submission.astimezone(UTC)
    row.notice_at = deadlines.notice.astimezone(UTC)
    row.protocol_at = deadlines.protocol.astimezone(UTC)
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    after = MeetingView.of(row)
    invitees = await attendees_of(session, meeting_id=after.id)
    await _enqueue(session, after, "update", invitees)
    await _audit_ok(
        session,
        actor=actor,
        action=action,
        subject_id=meeting_id,
        detail={"from": _summary(before), "to": _summary(after)},
        source=source,
    )
    log.info("meeting moved", extra={"meeting_id": meeting_id, "start": after.start.isoformat()})
    await _tell_invitees(session, "meeting_moved", after, invitees, before=before)
    return MeetingChanged(after, before, tuple(i.person_id for i in invitees))


def _same_as(view: MeetingView, draft: MeetingDraft) -> bool:
    return (
        to_oslo(draft.start) == view.start
        and to_oslo(draft.end) == view.end
        and draft.form == view.form.value
        and ((draft.location or "").strip() or None) == view.location
    )


def _summary(view: MeetingView) -> dict[str, Any]:
    return {
        "start": view.start.isoformat(),
        "end": view.end.isoformat(),
        "form": view.form.value,
        "location": view.location,
    }


async def cancel_meeting(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting_id: int,
    reason: str,
    source: Source = "teams",
) -> MeetingChanged | Refused:
    """Cancel a meeting not yet held; the reason goes to the calendar and to everyone called."""
    action = "meeting.cancel"

    async def refuse(refusal: Refused) -> Refused:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            refusal=refusal,
            subject_id=meeting_id,
            source=source,
        )

    if not _may_plan(actor):
        return await refuse(Refused(RefusalReason.NOT_ALLOWED))
    problems = validate_reason(reason)
    if problems:
        return await refuse(Refused(RefusalReason.INVALID, problems))
    row = await repo.get(session, meeting_id, for_update=True)
    if row is None:
        return await refuse(
            Refused(RefusalReason.NOT_FOUND, (Problem("meeting", "meeting_not_found"),))
        )
    before = MeetingView.of(row)
    try:
        state = cancel(before.state)
    except TransitionRefused:
        return await refuse(
            Refused(
                RefusalReason.WRONG_STATE,
                (Problem("meeting", "not_cancellable", {"state": before.state.value}),),
            )
        )
    text = reason.strip()
    row.state = state.value
    row.cancel_reason = text
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    after = MeetingView.of(row)
    invitees = await attendees_of(session, meeting_id=after.id)
    await calendar_sync.enqueue_change(
        session, meeting_id=after.id, op="cancel", event=None, comment=text
    )
    await _audit_ok(
        session,
        actor=actor,
        action=action,
        subject_id=meeting_id,
        detail={"reason": text, "start": after.start.isoformat()},
        source=source,
    )
    log.info("meeting cancelled", extra={"meeting_id": meeting_id})
    await _tell_invitees(session, "meeting_cancelled", after, invitees, reason=text)
    return MeetingChanged(after, before, tuple(i.person_id for i in invitees))


async def _tell_invitees(
    session: AsyncSession,
    kind: str,
    meeting: MeetingView,
    invitees: Sequence[Invitee],
    *,
    before: MeetingView | None = None,
    reason: str = "",
) -> None:
    """Everyone called to the meeting hears of a move or a cancellation, through the outbox in
    this same transaction: no message for a change that did not commit, none lost after one."""
    when = _when_text(meeting)
    if kind == "meeting_moved" and before is not None:
        text = t(
            "meeting.changed.moved",
            None,
            title=meeting.title,
            before=_when_text(before),
            when=when,
            place=meeting.location or t("meeting.changed.online", None),
        )
    else:
        text = t("meeting.changed.cancelled", None, title=meeting.title, when=when, reason=reason)
    now = utcnow()
    for invitee in invitees:
        await outbox.enqueue(
            session,
            kind=kind,
            subject=f"meeting:{meeting.id}",
            payload=outbox.payload(text=text),
            not_before=now,
            expires_at=max(meeting.end, now + timedelta(days=1)),
            deadline_key=f"{meeting.start.isoformat()}/{meeting.state.value}",
            recipient_person_id=invitee.person_id,
            mandatory=True,
        )


def _when_text(meeting: MeetingView) -> str:
    start = meeting.start.astimezone(OSLO)
    end = meeting.end.astimezone(OSLO)
    return f"{format_date_nb(start.date())} kl. {start:%H:%M}–{end:%H:%M}"


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


async def get_meeting(
    session: AsyncSession, *, actor: Principal, meeting_id: int
) -> MeetingView | Refused:
    """One meeting, for everyone known to the roster."""
    if not _may_view(actor):
        return Refused(RefusalReason.NOT_ALLOWED)
    row = await repo.get(session, meeting_id)
    if row is None:
        return Refused(RefusalReason.NOT_FOUND, (Problem("meeting", "meeting_not_found"),))
    return MeetingView.of(row)


async def next_meeting(
    session: AsyncSession, *, actor: Principal, now: datetime | None = None
) -> MeetingView | Refused | None:
    """The next meeting (not cancelled, not yet over) that concerns ``actor``: one they are called
    to, or an SSU meeting for a personal deputy; the secretariat sees every body's meetings."""
    if not _may_view(actor):
        return Refused(RefusalReason.NOT_ALLOWED)
    seats = [] if isinstance(actor, SystemPrincipal) else _seats_of(actor)
    for row in await repo.upcoming(session, now=_now(now)):
        if concerns(row.body, row.region, seats):
            return MeetingView.of(row)
    return None


def _seats_of(actor: Actor) -> list[Seat]:
    return [Seat(s.body, s.role) for s in actor.seats if s.role != "secretariat"] + (
        [Seat("SEK", "secretariat")] if actor.is_secretariat else []
    )


async def meetings_in_year(
    session: AsyncSession, *, actor: Principal, year: int, include_cancelled: bool = True
) -> list[MeetingView] | Refused:
    """The year's meetings of every body, ordered by start, for everyone known."""
    if not _may_view(actor):
        return Refused(RefusalReason.NOT_ALLOWED)
    if (problem := _year_problem(year)) is not None:
        return Refused(RefusalReason.INVALID, (problem,))
    start = datetime(year, 1, 1, tzinfo=OSLO)
    end = datetime(year + 1, 1, 1, tzinfo=OSLO)
    rows = await repo.in_range(session, start=start, end=end, include_cancelled=include_cancelled)
    return [MeetingView.of(row) for row in rows]


async def upcoming_meetings_open_for_cases(
    session: AsyncSession, *, now: datetime | None = None
) -> list[MeetingView]:
    """Meetings a case can still be submitted to (case deadline ahead), soonest first.

    No actor: anyone may submit a case, so anyone may see where it can go.
    """
    return [MeetingView.of(row) for row in await repo.open_for_cases(session, now=_now(now))]


# --------------------------------------------------------------------------------------------------
# Attendees, the calendar and free/busy
# --------------------------------------------------------------------------------------------------


async def attendees_of(session: AsyncSession, *, meeting_id: int) -> list[Invitee]:
    """Everyone called to the meeting (see :func:`bot.domain.meeting_rules.invitation`)."""
    row = await repo.get(session, meeting_id)
    if row is None:
        return []
    invitees = _invitees(MeetingView.of(row), await repo.seats_with_people(session))
    return await _with_called_in_deputies(session, meeting_id, invitees)


async def _with_called_in_deputies(
    session: AsyncSession, meeting_id: int, invitees: list[Invitee]
) -> list[Invitee]:
    """Personal deputies are not invited by the rule, but one called in to an absent member's
    seat must stay on the event whenever it is rebuilt (a move, a new agenda)."""
    known = {invitee.person_id for invitee in invitees}
    called = [
        row.person_id
        for row in await attendance_repo.for_meeting(session, meeting_id=meeting_id)
        if row.replaces_person_id is not None
        and row.status != AttendanceStatus.ABSENT
        and row.person_id not in known
    ]
    if not called:
        return invitees
    people = await attendance_repo.people(session, person_ids=called)
    deputies = [Invitee(pid, person.email, person.name, True) for pid, person in people.items()]
    return sorted([*invitees, *deputies], key=lambda i: (i.name, i.person_id))


def _invitees(meeting: MeetingView, seats: Sequence[tuple[Any, Any]]) -> list[Invitee]:
    found: dict[int, Invitee] = {}
    for membership, person in seats:
        if person.id is None:
            continue
        called = invitation(
            meeting.body,
            meeting.region,
            Seat(membership.body_code, membership.role, membership.region),
        )
        if called is None:
            continue
        known = found.get(person.id)
        if known is None or (called and not known.required):
            found[person.id] = Invitee(person.id, person.email, person.name, called)
    return sorted(found.values(), key=lambda i: (i.name, i.person_id))


def calendar_event(meeting: MeetingView, invitees: Sequence[Invitee]) -> CalendarEvent:
    """The organizer's calendar entry: Norwegian subject, form and place, deadlines in the body."""
    return CalendarEvent(
        meeting_id=meeting.id,
        subject=meeting.title,
        start=meeting.start,
        end=meeting.end,
        location=meeting.location,
        online=meeting.online,
        attendees=tuple(Attendee(i.email, i.name, i.required) for i in invitees),
        body_html=_event_body(meeting),
    )


_FORM_NB: Final = {
    MeetingForm.physical: "fysisk møte",
    MeetingForm.digital: "digitalt møte (Teams)",
    MeetingForm.hybrid: "hybrid møte (fysisk og Teams)",
}


def _event_body(meeting: MeetingView) -> str:
    def when(moment: datetime) -> str:
        local = to_oslo(moment)
        return f"{local:%d.%m.%Y} kl. {local:%H:%M}"

    lines = [f"<p><strong>{html.escape(meeting.title)}</strong></p>"]
    lines.append(f"<p>Møteform: {html.escape(_FORM_NB[meeting.form])}")
    if meeting.location:
        lines.append(f"<br>Sted: {html.escape(meeting.location)}")
    lines.append("</p>")
    lines.append(
        "<p>Frist for å melde inn saker: "
        f"{when(meeting.deadlines.case_submission)}<br>"
        f"Innkalling: {when(meeting.deadlines.notice)}</p>"
    )
    return "".join(lines)


async def _enqueue(
    session: AsyncSession,
    meeting: MeetingView,
    op: Literal["create", "update"],
    invitees: Sequence[Invitee],
) -> None:
    await calendar_sync.enqueue_change(
        session, meeting_id=meeting.id, op=op, event=calendar_event(meeting, invitees)
    )


async def calendar_info(session: AsyncSession, *, meeting_id: int) -> CalendarInfo | None:
    """The Teams link once the calendar has the meeting; ``pending`` until then; None when no
    calendar change was ever queued (e.g. a past meeting recorded after the fact)."""
    state = await calendar_sync.sync_state(session, meeting_id=meeting_id)
    if state is None:
        return None
    return CalendarInfo(pending=state.pending, join_url=state.join_url or None, failed=state.failed)


async def leadership(session: AsyncSession) -> dict[str, str]:
    """The SSU leader and deputy leader, e-mail → name: whose free/busy the plan card shows."""
    people = await repo.people_with_role(
        session, body_code="SSU", roles=("leader", "deputy_leader")
    )
    return {p.email: p.name for p in people}


async def busy_flags(
    *,
    calendar: CalendarPort | None,
    leaders: Mapping[str, str],
    drafts: Mapping[str, MeetingDraft],
    within_s: float = FREE_BUSY_TIMEOUT_S,
) -> BusyReport:
    """Whether the leader or deputy leader (``leaders``: e-mail → name) is busy at each proposed
    time, by plan slot.

    No database session: call it after the transaction is closed, so a slow calendar never holds
    the database. One free/busy question per meeting (Graph answers windows under 42 days), at
    most four at a time, all within ``within_s`` seconds. Any failure gives ``available=False``:
    the card then says the calendar could not be asked, rather than claiming everyone is free.
    """
    if calendar is None or not drafts or not leaders:
        return BusyReport(available=False)
    emails = sorted(leaders)
    gate = asyncio.Semaphore(_FREE_BUSY_CONCURRENCY)

    async def ask(slot: str, draft: MeetingDraft) -> tuple[str, BusyFlag]:
        start, end = overlapping_window(draft.start, draft.end)
        async with gate:
            blocks = await calendar.free_busy(emails, start, end)
        busy = tuple(
            leaders[email]
            for email in emails
            if is_busy(blocks.get(email, []), draft.start, draft.end)
        )
        return slot, BusyFlag(busy)

    try:
        async with asyncio.timeout(within_s):
            answers = await asyncio.gather(*(ask(s, d) for s, d in drafts.items()))
    except Exception:
        log.warning("free/busy unavailable", extra={"meetings": len(drafts)}, exc_info=True)
        return BusyReport(available=False)
    return BusyReport(available=True, flags=dict(answers))
