"""Cases: submit a case on the template, triage it, follow it.

Why every change returns ``... | Refused`` instead of raising: a refused attempt must be audited,
and the audit entry has to commit with the caller's transaction; an exception would roll it back.
Refusals are decided before anything is written, so committing after a refusal stores the audit
entry and nothing more.

Why notices are built here but sent elsewhere: who must be told what (the secretariat gets a
triage card for every new case; the submitter is told every status change) is a rule of this use
case, but cards and delivery are the transport's business. Every change returns its notices, and
a caller that passes ``notify`` (a :class:`NoticeSink`, e.g. one writing to the outbox) gets them
*in the same transaction* as the change, so a case and the news of it are stored together or not
at all.

Meetings belong to another feature: this module sees them through :class:`MeetingDirectory`, a
small port (see :class:`StoredMeetings` for the one backed by the meeting table).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.cases import (
    CaseStatus,
    CaseType,
    EconomicImpact,
    FormCheck,
    MeetingSlot,
    Placement,
    Problem,
    Route,
    Section,
    Triage,
    allowed_routes,
    case_year,
    format_case_number,
    place_case,
    transition,
    triageable,
    validate_submission,
    validate_triage,
)
from bot.domain.roles import Actor, Capability
from bot.i18n import language_of
from bot.services import meetings as meeting_service
from storage import audit, conversations
from storage import cases as repo
from storage import meetings as meeting_repo
from storage.case_tables import Case
from storage.models import AuditOutcome, Person
from storage.people import members_of_body

__all__ = [
    "CASE_BODIES",
    "CHANGE_STATUS",
    "CHANGE_UPDATED",
    "KIND_STATUS",
    "KIND_TRIAGE",
    "STORED_MEETINGS",
    "CaseView",
    "FormReview",
    "MeetingDirectory",
    "Notice",
    "NoticeSink",
    "RefusalReason",
    "Refused",
    "Render",
    "StoredMeetings",
    "Submitted",
    "TriageView",
    "Triaged",
    "cases_of",
    "find_submission",
    "get_case",
    "is_submission_key",
    "open_meetings",
    "review_form",
    "submit_case",
    "tell_submitter",
    "triage_case",
    "triage_notices",
    "triage_view",
]

log = logging.getLogger(__name__)

CASE_BODIES: Final[tuple[str, ...]] = ("SSU", "AU")
"""Cases go to SSU or its working committee; dialogue meetings, PA and the strategy gathering
get theirs through SSU."""
SECRETARIAT_BODY: Final = "SEK"
KIND_TRIAGE: Final = "case_triage"
KIND_STATUS: Final = "case_status"
CHANGE_STATUS: Final = "status"
"""A status note: the case moved to another state (triaged, scheduled, treated, decided …)."""
CHANGE_UPDATED: Final = "updated"
"""A status note of a re-triage: same state, another route, section or meeting."""
MY_CASES_LIMIT: Final = 50
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_OPEN_STATES: Final = ("planned", "notice_published")


# --------------------------------------------------------------------------------------------------
# Meetings, seen through a port
# --------------------------------------------------------------------------------------------------


class MeetingDirectory(Protocol):
    """What cases need to know of meetings (implemented over the meeting feature's service)."""

    async def open_for_cases(self, session: AsyncSession, *, now: datetime) -> list[MeetingSlot]:
        """Meetings whose case deadline is still ahead, soonest first."""
        ...

    async def upcoming(self, session: AsyncSession, *, now: datetime) -> list[MeetingSlot]:
        """Meetings not held or cancelled yet (the secretariat may place late cases there)."""
        ...

    async def slot(self, session: AsyncSession, meeting_id: int) -> MeetingSlot | None:
        """Any stored meeting by id, held or cancelled ones included; None when there is none."""
        ...

    async def slots(
        self, session: AsyncSession, meeting_ids: Collection[int]
    ) -> dict[int, MeetingSlot]:
        """Several meetings by id in one go (listing cases must not query once per meeting)."""
        ...


def _slot(view: meeting_service.MeetingView) -> MeetingSlot:
    return MeetingSlot(
        id=view.id,
        body=view.body.value,
        title=view.title,
        start=view.start,
        case_deadline=view.deadlines.case_submission,
        open=view.state.value in _OPEN_STATES,
    )


class StoredMeetings:
    """:class:`MeetingDirectory` over the meeting feature (bot/services/meetings.py)."""

    async def open_for_cases(self, session: AsyncSession, *, now: datetime) -> list[MeetingSlot]:
        views = await meeting_service.upcoming_meetings_open_for_cases(session, now=now)
        return [_slot(v) for v in views if v.body.value in CASE_BODIES]

    async def upcoming(self, session: AsyncSession, *, now: datetime) -> list[MeetingSlot]:
        rows = await meeting_repo.upcoming(session, now=now, bodies=CASE_BODIES)
        slots = [_slot(meeting_service.MeetingView.of(row)) for row in rows]
        return [s for s in slots if s.open and s.start > now]

    async def slot(self, session: AsyncSession, meeting_id: int) -> MeetingSlot | None:
        row = await meeting_repo.get(session, meeting_id)
        return None if row is None else _slot(meeting_service.MeetingView.of(row))

    async def slots(
        self, session: AsyncSession, meeting_ids: Collection[int]
    ) -> dict[int, MeetingSlot]:
        rows = await meeting_repo.get_many(session, meeting_ids)
        return {row.id: _slot(meeting_service.MeetingView.of(row)) for row in rows if row.id}


STORED_MEETINGS: Final = StoredMeetings()


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


class RefusalReason(StrEnum):
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    WRONG_STATE = "wrong_state"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why nothing was changed; ``problems`` name the fields of an ``invalid`` refusal."""

    reason: RefusalReason
    problems: tuple[Problem, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)

    def problems_for(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.field == name]


@dataclass(frozen=True, slots=True)
class CaseView:
    """A stored case as cards need it; times aware (UTC), meetings resolved."""

    id: int
    year: int
    number: int
    title: str
    submitter_org: str
    anchored_with: str
    case_type: CaseType
    background: str
    assessment: str
    proposal: str
    economic_impact: EconomicImpact
    attachments: tuple[str, ...]
    status: CaseStatus
    route: Route | None
    section: Section | None
    minutes: int | None
    meeting: MeetingSlot | None
    requested_meeting: MeetingSlot | None
    submitter_name: str
    submitter_person_id: int | None
    submitted_at: datetime

    @property
    def label(self) -> str:
        """``04/26``."""
        return format_case_number(self.number, self.year)

    @property
    def needs_ssu(self) -> bool:
        return self.economic_impact is EconomicImpact.MAJOR

    @property
    def moved(self) -> bool:
        """The chosen meeting's case deadline had passed; the case went to another one."""
        return self.requested_meeting is not None and (
            self.meeting is None or self.meeting.id != self.requested_meeting.id
        )


@dataclass(frozen=True, slots=True)
class FormReview:
    """A form checked against the rules and the meetings: what the confirmation card shows."""

    check: FormCheck
    placement: Placement
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.check.ok and not self.problems

    @property
    def values(self) -> Mapping[str, str]:
        return self.check.values


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one person about one case; the transport renders it (see ``Render``)."""

    kind: str
    case: CaseView
    locale: str
    key: str
    recipient_person_id: int | None = None
    conversation_id: str | None = None
    meetings: tuple[MeetingSlot, ...] = ()
    """For a triage card: the meetings the case can be placed in, as they were when it was sent."""
    change: str = CHANGE_STATUS
    """For a status note: ``status`` (a new state) or ``updated`` (a re-triage: same state, other
    route, section or meeting)."""


Render = Callable[[Notice], tuple[str | None, dict[str, Any] | None]]
"""A notice → (text, Adaptive Card); at least one of them."""


class NoticeSink(Protocol):
    """Takes a change's notices inside its transaction (the outbox, or a test's list)."""

    async def __call__(
        self, session: AsyncSession, notices: Sequence[Notice], *, now: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Submitted:
    case: CaseView
    created: bool
    """False when the submission key already had a case (a double click, a redelivery)."""
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True, slots=True)
class TriageView:
    """What the triage card shows: the case and the meetings it can be placed in."""

    case: CaseView
    meetings: tuple[MeetingSlot, ...]
    routes: tuple[Route, ...]


@dataclass(frozen=True, slots=True)
class Triaged:
    case: CaseView
    changed: bool
    notices: tuple[Notice, ...] = ()


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return moment


def is_submission_key(key: object) -> bool:
    """A draft id as the form card carries it: 8–64 URL-safe characters."""
    return isinstance(key, str) and bool(_KEY.match(key))


def parse_case_id(raw: object) -> int | None:
    """A case id from card data: an int or a string of digits; anything else is no id."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < 10**9 else None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw) or None
    return None


async def _refuse(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    refusal: Refused,
    subject_id: str | int = "",
) -> Refused:
    await audit.append(
        session,
        action=action,
        outcome=AuditOutcome.REFUSED,
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type="case",
        subject_id=subject_id,
        detail={
            "reason": refusal.reason.value,
            "problems": [f"{p.field}:{p.code}" for p in refusal.problems],
        },
    )
    log.info(
        "case action refused",
        extra={
            "action": action,
            "reason": refusal.reason.value,
            "person": actor.person_id,
            "case_id": subject_id or None,
        },
    )
    return refusal


_SlotCache = dict[int, MeetingSlot | None]
"""Meetings already looked up while building views (a list of cases shares a few meetings)."""


async def _view(
    session: AsyncSession, row: Case, meetings: MeetingDirectory, cache: _SlotCache
) -> CaseView:
    async def slot(meeting_id: int | None) -> MeetingSlot | None:
        if meeting_id is None:
            return None
        if meeting_id not in cache:
            cache[meeting_id] = await meetings.slot(session, meeting_id)
        return cache[meeting_id]

    assert row.id is not None, "a stored case has an id"
    return CaseView(
        id=row.id,
        year=row.year,
        number=row.number,
        title=row.title,
        submitter_org=row.submitter_org,
        anchored_with=row.anchored_with,
        case_type=CaseType(row.case_type),
        background=row.background,
        assessment=row.assessment,
        proposal=row.proposal,
        economic_impact=EconomicImpact(row.economic_impact),
        attachments=tuple(json.loads(row.attachments or "[]")),
        status=CaseStatus(row.status),
        route=Route(row.route) if row.route else None,
        section=Section(row.section) if row.section else None,
        minutes=row.minutes,
        meeting=await slot(row.meeting_id),
        requested_meeting=await slot(row.requested_meeting_id),
        submitter_name=row.submitter_name,
        submitter_person_id=row.submitter_person_id,
        submitted_at=row.submitted_at,
    )


def _owns(row: Case, actor: Actor) -> bool:
    if actor.person_id is not None and row.submitter_person_id == actor.person_id:
        return True
    return bool(actor.aad_object_id) and row.submitter_aad_id == actor.aad_object_id


# --------------------------------------------------------------------------------------------------
# Submitting
# --------------------------------------------------------------------------------------------------


async def open_meetings(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    meetings: MeetingDirectory = STORED_MEETINGS,
) -> list[MeetingSlot]:
    """The meetings the form offers: SSU and AU meetings whose case deadline is ahead."""
    return await meetings.open_for_cases(session, now=_now(now))


async def review_form(
    session: AsyncSession,
    values: Mapping[str, object],
    *,
    now: datetime | None = None,
    meetings: MeetingDirectory = STORED_MEETINGS,
    actor: Actor | None = None,
) -> FormReview:
    """Check the form and place the case: the rules, then whether the chosen meeting exists.

    A meeting whose case deadline has passed is not an error: the case goes to the next open
    meeting of the same body (see :func:`bot.domain.cases.place_case`) and the card says so.
    With ``actor``, a refused form is audited (the problem codes only, never the texts).
    """
    moment = _now(now)
    check = validate_submission(values)
    problems: list[Problem] = []
    placement = Placement(None)
    meeting_id = check.meeting_id
    if meeting_id is not None:
        requested = await meetings.slot(session, meeting_id)
        if requested is None or requested.body not in CASE_BODIES:
            problems.append(Problem("meeting", "unknown_meeting"))
        elif check.ok:
            placement = place_case(
                requested, await meetings.open_for_cases(session, now=moment), moment
            )
    review = FormReview(check=check, placement=placement, problems=tuple(problems))
    if actor is not None and not review.ok:
        refusal = Refused(RefusalReason.INVALID, check.problems + review.problems)
        await _refuse(session, actor=actor, action="case.submit", refusal=refusal)
    return review


async def find_submission(
    session: AsyncSession,
    *,
    actor: Actor,
    key: str,
    meetings: MeetingDirectory = STORED_MEETINGS,
) -> CaseView | None:
    """The case this person submitted with this draft id, if any (someone else's: None)."""
    if not is_submission_key(key):
        return None
    row = await repo.by_key(session, key)
    if row is None or not _owns(row, actor):
        return None
    return await _view(session, row, meetings, {})


async def submit_case(
    session: AsyncSession,
    *,
    actor: Actor,
    values: Mapping[str, object],
    key: str,
    conversation_id: str | None = None,
    now: datetime | None = None,
    meetings: MeetingDirectory = STORED_MEETINGS,
    notify: NoticeSink | None = None,
) -> Submitted | Refused:
    """Store a new case with the year's next number, or return the one this key already made.

    Anyone may submit (people outside the roster too). The number is taken inside a savepoint
    together with the insert: if a concurrent twin with the same key won, the savepoint rolls the
    number back (no gap) and the twin's case is returned.
    """
    moment = _now(now)
    if not actor.can(Capability.SUBMIT_CASE):
        return await _refuse(
            session, actor=actor, action="case.submit", refusal=Refused(RefusalReason.NOT_ALLOWED)
        )
    if not is_submission_key(key):
        refusal = Refused(RefusalReason.INVALID, (Problem("draft_id", "unknown_value"),))
        return await _refuse(session, actor=actor, action="case.submit", refusal=refusal)
    existing = await repo.by_key(session, key)
    if existing is not None:
        return await _replayed(session, existing, actor=actor, meetings=meetings)
    review = await review_form(session, values, now=moment, meetings=meetings)
    submission = review.check.submission
    if submission is None or review.problems:
        refusal = Refused(
            RefusalReason.INVALID, review.check.problems + review.problems, review.values
        )
        return await _refuse(session, actor=actor, action="case.submit", refusal=refusal)
    placement = review.placement
    year = case_year(moment)
    try:
        async with session.begin_nested():
            number = await repo.next_number(session, year=year)
            row = await repo.add(
                session,
                Case(
                    year=year,
                    number=number,
                    submission_key=key,
                    title=submission.title,
                    submitter_org=submission.submitter_org,
                    anchored=True,
                    anchored_with=submission.anchored_with,
                    case_type=submission.case_type.value,
                    background=submission.background,
                    assessment=submission.assessment,
                    proposal=submission.proposal,
                    economic_impact=submission.economic_impact.value,
                    attachments=json.dumps(list(submission.attachments), ensure_ascii=False),
                    requested_meeting_id=placement.requested.id if placement.requested else None,
                    meeting_id=placement.meeting.id if placement.meeting else None,
                    status=CaseStatus.SUBMITTED.value,
                    submitter_person_id=actor.person_id,
                    submitter_aad_id=actor.aad_object_id,
                    submitter_name=actor.name[:200],
                    submitter_conversation_id=conversation_id,
                    submitted_at=moment,
                    updated_at=moment,
                ),
            )
    except IntegrityError:
        twin = await repo.by_key(session, key)
        if twin is None:
            raise
        log.info("case submitted twice; returning the first", extra={"case_id": twin.id})
        return await _replayed(session, twin, actor=actor, meetings=meetings)
    assert row.id is not None
    await audit.append(
        session,
        action="case.submit",
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type="case",
        subject_id=row.id,
        detail={
            "number": format_case_number(number, year),
            "status": CaseStatus.SUBMITTED.value,
            "meeting_id": row.meeting_id,
            "requested_meeting_id": row.requested_meeting_id,
            "moved": placement.moved,
            "needs_ssu": submission.needs_ssu,
        },
    )
    cache: _SlotCache = {}
    for slot in (placement.meeting, placement.requested):
        if slot is not None:
            cache[slot.id] = slot
    view = await _view(session, row, meetings, cache)
    upcoming = await meetings.upcoming(session, now=moment)
    notices = tuple(await triage_notices(session, view, meetings=upcoming))
    if notify is not None:
        await notify(session, notices, now=moment)
    log.info(
        "case submitted",
        extra={"case_id": row.id, "number": view.label, "person": actor.person_id},
    )
    return Submitted(view, created=True, notices=notices)


async def _replayed(
    session: AsyncSession, row: Case, *, actor: Actor, meetings: MeetingDirectory
) -> Submitted | Refused:
    if not _owns(row, actor):
        refusal = Refused(RefusalReason.NOT_ALLOWED)
        return await _refuse(
            session, actor=actor, action="case.submit", refusal=refusal, subject_id=row.id or ""
        )
    return Submitted(await _view(session, row, meetings, {}), created=False)


# --------------------------------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------------------------------


async def triage_notices(
    session: AsyncSession, case: CaseView, *, meetings: Sequence[MeetingSlot] = ()
) -> list[Notice]:
    """A triage card for every secretariat member: who they are and what to tell them."""
    notices = []
    for _seat, person in await members_of_body(session, body_code=SECRETARIAT_BODY):
        if person.id is None:
            continue
        notices.append(
            Notice(
                kind=KIND_TRIAGE,
                case=case,
                locale=person.locale or "nb",
                key=f"case:{case.id}:submitted",
                recipient_person_id=person.id,
                meetings=tuple(meetings),
            )
        )
    return notices


async def _reference_locale(session: AsyncSession, row: Case) -> str | None:
    """The Teams locale of the submitter's chat with the bot, as its last activity gave it."""
    reference = None
    if row.submitter_person_id is not None:
        reference = await conversations.personal_reference(
            session, person_id=row.submitter_person_id
        )
    if reference is None and row.submitter_conversation_id:
        reference = await conversations.reference_by_conversation(
            session, conversation_id=row.submitter_conversation_id
        )
    if reference is None:
        return None
    try:
        locale = json.loads(reference.reference_json).get("locale")
    except (ValueError, AttributeError):
        return None
    return locale if isinstance(locale, str) and locale else None


async def _submitter_locale(session: AsyncSession, row: Case, person: Person | None) -> str:
    """The submitter's language: their stored choice (``språk``), else their Teams locale as
    the bot last saw it, else Norwegian — the same order a turn resolves it in."""
    if person is not None and person.locale:
        return person.locale
    return language_of(await _reference_locale(session, row))


async def _status_notice(
    session: AsyncSession, row: Case, case: CaseView, *, change: str = CHANGE_STATUS
) -> Notice | None:
    """The submitter hears of every status change: in the roster by person, else by chat."""
    key = f"case:{case.id}:{case.status.value}:{row.updated_at.isoformat()}"
    if row.submitter_person_id is not None:
        person = await session.get(Person, row.submitter_person_id)
        locale = await _submitter_locale(session, row, person)
        return Notice(
            KIND_STATUS,
            case,
            locale,
            key,
            recipient_person_id=row.submitter_person_id,
            change=change,
        )
    if row.submitter_conversation_id:
        locale = await _submitter_locale(session, row, None)
        return Notice(
            KIND_STATUS,
            case,
            locale,
            key,
            conversation_id=row.submitter_conversation_id,
            change=change,
        )
    log.warning("case submitter cannot be reached", extra={"case_id": case.id})
    return None


async def tell_submitter(
    session: AsyncSession,
    *,
    case_id: int,
    now: datetime,
    notify: NoticeSink | None,
    meetings: MeetingDirectory = STORED_MEETINGS,
) -> Notice | None:
    """The submitter's note of a status change another feature made in this transaction
    (publishing the notice schedules the case; a consensus round treats or decides it).

    Call it after the case row has its new status and ``updated_at``: the note is keyed by both,
    so a redelivered change is not told twice and a later one is told again.
    """
    row = await repo.get(session, case_id)
    if row is None:
        return None
    view = await _view(session, row, meetings, {})
    notice = await _status_notice(session, row, view)
    if notice is not None and notify is not None:
        await notify(session, (notice,), now=_now(now))
    log.info(
        "case status told",
        extra={"case_id": case_id, "status": row.status, "told": notice is not None},
    )
    return notice


# --------------------------------------------------------------------------------------------------
# Following one's cases
# --------------------------------------------------------------------------------------------------


async def cases_of(
    session: AsyncSession,
    *,
    actor: Actor,
    meetings: MeetingDirectory = STORED_MEETINGS,
    limit: int = MY_CASES_LIMIT,
) -> list[CaseView]:
    """The person's own cases, newest first.

    Also for people outside the roster (matched by their AAD object id): anyone may submit a case
    and follow it (DESIGN), even though the roster gives them no other rights.
    """
    rows = await repo.of_submitter(
        session, person_id=actor.person_id, aad_object_id=actor.aad_object_id, limit=limit
    )
    wanted = {m for row in rows for m in (row.meeting_id, row.requested_meeting_id) if m}
    found = await meetings.slots(session, wanted)
    cache: _SlotCache = {meeting_id: found.get(meeting_id) for meeting_id in wanted}
    return [await _view(session, row, meetings, cache) for row in rows]


async def get_case(
    session: AsyncSession, *, case_id: int, meetings: MeetingDirectory = STORED_MEETINGS
) -> CaseView | None:
    """One case for the bot's own senders (no actor: callers decide who gets to see it)."""
    row = await repo.get(session, case_id)
    return None if row is None else await _view(session, row, meetings, {})


# --------------------------------------------------------------------------------------------------
# Triage
# --------------------------------------------------------------------------------------------------


async def _case_for_triage(
    session: AsyncSession, *, actor: Actor, raw_case_id: object, action: str, lock: bool
) -> Case | Refused:
    case_id = parse_case_id(raw_case_id)
    subject = case_id or str(raw_case_id)[:64]
    if not actor.can(Capability.TRIAGE):
        refusal = Refused(RefusalReason.NOT_ALLOWED)
        return await _refuse(
            session, actor=actor, action=action, refusal=refusal, subject_id=subject
        )
    row = None if case_id is None else await repo.get(session, case_id, for_update=lock)
    if row is None:
        refusal = Refused(RefusalReason.NOT_FOUND)
        return await _refuse(
            session, actor=actor, action=action, refusal=refusal, subject_id=subject
        )
    return row


async def triage_view(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: object,
    now: datetime | None = None,
    meetings: MeetingDirectory = STORED_MEETINGS,
) -> TriageView | Refused:
    """The case and the meetings it can go to, for the triage card; secretariat only."""
    row = await _case_for_triage(
        session, actor=actor, raw_case_id=case_id, action="case.triage.view", lock=False
    )
    if isinstance(row, Refused):
        return row
    case = await _view(session, row, meetings, {})
    return TriageView(
        case=case,
        meetings=tuple(await meetings.upcoming(session, now=_now(now))),
        routes=allowed_routes(case.economic_impact),
    )


async def triage_case(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: object,
    values: Mapping[str, object],
    now: datetime | None = None,
    meetings: MeetingDirectory = STORED_MEETINGS,
    notify: NoticeSink | None = None,
) -> Triaged | Refused:
    """The secretariat routes a case (seed 004 §1.3): AU, AU with the line, or SSU.

    Major economic impact leaves only SSU. The meeting, when given, must be an SSU or AU meeting
    not yet held or cancelled. Triaging again with the same answers changes nothing (a double
    click); with other answers before the case is on an agenda, it is a re-triage.
    """
    moment = _now(now)
    row = await _case_for_triage(
        session, actor=actor, raw_case_id=case_id, action="case.triage", lock=True
    )
    if isinstance(row, Refused):
        return row
    assert row.id is not None
    if not triageable(row.status):
        refusal = Refused(RefusalReason.WRONG_STATE)
        return await _refuse(
            session, actor=actor, action="case.triage", refusal=refusal, subject_id=row.id
        )
    check = validate_triage(values, row.economic_impact)
    problems = list(check.problems)
    meeting: MeetingSlot | None = None
    if check.triage is not None and check.triage.meeting_id is not None:
        meeting = await meetings.slot(session, check.triage.meeting_id)
        if meeting is None or meeting.body not in CASE_BODIES:
            problems.append(Problem("meeting", "unknown_meeting"))
        elif not meeting.open or meeting.start <= moment:
            problems.append(Problem("meeting", "meeting_closed"))
    if check.triage is None or problems:
        refusal = Refused(RefusalReason.INVALID, tuple(problems), check.values)
        return await _refuse(
            session, actor=actor, action="case.triage", refusal=refusal, subject_id=row.id
        )
    decision = check.triage
    if _same_triage(row, decision):
        return Triaged(await _view(session, row, meetings, {}), changed=False)
    before = row.status
    placed_before = (row.route, row.section, row.meeting_id)
    row.status = transition(row.status, CaseStatus.TRIAGED).value
    row.route = decision.route.value
    row.section = decision.section.value
    row.minutes = decision.minutes
    row.meeting_id = decision.meeting_id if decision.meeting_id is not None else row.meeting_id
    row.triaged_by_person_id = actor.person_id
    row.triaged_at = moment
    row.updated_at = moment
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        action="case.triage",
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type="case",
        subject_id=row.id,
        detail={
            "from": before,
            "to": row.status,
            "route": row.route,
            "section": row.section,
            "minutes": row.minutes,
            "meeting_id": row.meeting_id,
        },
    )
    cache: _SlotCache = {} if meeting is None else {meeting.id: meeting}
    view = await _view(session, row, meetings, cache)
    # A new state, or the same one with another route, section or meeting, is news to the
    # submitter; a re-triage that only changes the minutes is not (the note does not show them).
    news = before != row.status or placed_before != (row.route, row.section, row.meeting_id)
    notice = (
        await _status_notice(
            session, row, view, change=CHANGE_STATUS if before != row.status else CHANGE_UPDATED
        )
        if news
        else None
    )
    notices = () if notice is None else (notice,)
    if notify is not None and notices:
        await notify(session, notices, now=moment)
    log.info(
        "case triaged",
        extra={"case_id": row.id, "route": row.route, "person": actor.person_id},
    )
    return Triaged(view, changed=True, notices=notices)


def _same_triage(row: Case, decision: Triage) -> bool:
    return (
        row.status == CaseStatus.TRIAGED.value
        and row.route == decision.route.value
        and row.section == decision.section.value
        and row.minutes == decision.minutes
        and (decision.meeting_id is None or row.meeting_id == decision.meeting_id)
    )
