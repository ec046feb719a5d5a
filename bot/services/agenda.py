"""Agendas: the secretariat arranges a meeting's cases (order within a section, minutes per item)
and sees whether the agenda fits the meeting.

Why every change returns ``... | Refused`` instead of raising: a refused attempt must be audited,
and the audit entry has to commit with the caller's transaction; an exception would roll it back.
Refusals are decided before anything is written.

Why the agenda is made, not only computed: the standing items ("Godkjenning av innkalling og
saksliste", "Godkjenning av referat") carry case numbers of their own (seed 001: 11.25 and
12.25). They are taken from the year's case series the first time the meeting's agenda is opened
(see :mod:`bot.domain.agenda`), under the same counter lock as submitted cases, and kept.

Which cases are on it: those planned for the meeting and triaged (or already scheduled by a
published notice). Cases still waiting for triage are counted, not listed: the secretariat decides
where they go first.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.agenda import (
    APPROVAL_KEY,
    LUNCH_KEY,
    MINUTES_KEY,
    Agenda,
    AgendaCase,
    Direction,
    Standing,
    build_agenda,
    key_case_id,
    move_case,
    validate_minutes,
)
from bot.domain.calendar import Body, MeetingForm, to_oslo
from bot.domain.cases import CaseStatus, Problem, Route, Section
from bot.domain.meeting_state import MeetingState
from bot.domain.notice import MeetingFacts, NoticeContent, build_notice, fingerprint
from bot.domain.roles import Actor, Capability
from bot.services.meetings import MeetingView
from storage import agenda as repo
from storage import audit
from storage import cases as case_repo
from storage import meetings as meeting_repo
from storage.agenda_tables import AgendaPlacement, AgendaRecord, NoticeVersion
from storage.case_tables import Case
from storage.meeting_tables import Meeting
from storage.models import AuditOutcome

__all__ = [
    "ON_AGENDA",
    "OPEN_STATES",
    "AgendaView",
    "Loaded",
    "PublishedInfo",
    "RefusalReason",
    "Refused",
    "agenda_meetings",
    "can_edit",
    "can_view",
    "load_agenda",
    "meeting_for",
    "move_item",
    "open_agenda",
    "parse_id",
    "refuse",
    "set_minutes",
    "show_agenda",
]

log = logging.getLogger(__name__)

ON_AGENDA: Final = (CaseStatus.TRIAGED.value, CaseStatus.SCHEDULED.value)
WAITING: Final = (CaseStatus.SUBMITTED.value,)
OPEN_STATES: Final = (MeetingState.PLANNED.value, MeetingState.NOTICE_PUBLISHED.value)
"""An agenda can be arranged (and its notice published) until the meeting is held."""
_PREVIOUS_STATES: Final = (
    MeetingState.NOTICE_PUBLISHED.value,
    MeetingState.HELD.value,
    MeetingState.PROTOCOL_PUBLISHED.value,
    MeetingState.PROTOCOL_SIGNED.value,
)
"""A previous meeting whose minutes the agenda approves: one that was called (or held)."""
SUBJECT: Final = "meeting"
CHOOSER_LIMIT: Final = 12


class RefusalReason(StrEnum):
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    WRONG_STATE = "wrong_state"
    INVALID = "invalid"
    CANNOT_MOVE = "cannot_move"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why nothing changed; ``problems``/``values`` for a card shown again with its errors."""

    reason: RefusalReason
    problems: tuple[Problem, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    meeting_id: int | None = None


@dataclass(frozen=True, slots=True)
class PublishedInfo:
    """The latest published version of the meeting's notice."""

    version: int
    published_at: datetime
    url: str
    content_hash: str
    late: bool

    @classmethod
    def of(cls, row: NoticeVersion) -> PublishedInfo:
        return cls(row.version, row.published_at, row.document_url, row.content_hash, row.late)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A meeting's agenda as stored: what both the agenda card and the notice are built from."""

    meeting: MeetingView
    agenda: Agenda
    facts: MeetingFacts
    content: NoticeContent
    fingerprint: str
    untriaged: int
    published: PublishedInfo | None
    provisional: bool = False
    """Not made yet: the standing items' numbers are the ones the series would give next."""

    @property
    def changed(self) -> bool:
        """True when the notice would say something other than its latest published version."""
        return self.published is None or self.published.content_hash != self.fingerprint


@dataclass(frozen=True, slots=True)
class AgendaView:
    """What the agenda card shows, and what the person looking at it may do."""

    loaded: Loaded
    now: datetime
    can_edit: bool
    can_publish: bool

    @property
    def meeting(self) -> MeetingView:
        return self.loaded.meeting

    @property
    def agenda(self) -> Agenda:
        return self.loaded.agenda

    @property
    def notice_late(self) -> bool:
        """Past the notice deadline (7 days before SSU, 21 before PA): a reason is required."""
        return self.now > self.meeting.deadlines.notice


# --------------------------------------------------------------------------------------------------
# Permissions, parsing and audit
# --------------------------------------------------------------------------------------------------


def can_view(actor: Actor) -> bool:
    """The secretariat builds agendas; the leader and deputy leader may publish, so see them."""
    return actor.can(Capability.PLAN_MEETINGS) or actor.can(Capability.PUBLISH_NOTICE)


def can_edit(actor: Actor) -> bool:
    """Only the secretariat arranges the agenda."""
    return actor.can(Capability.PLAN_MEETINGS)


_MAX_ID: Final = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """An id from card data: an int or a string of ASCII digits within an integer column."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw <= _MAX_ID else None
    if isinstance(raw, str):
        text = raw.strip()
        if text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= _MAX_ID:
            return int(text)
    return None


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return moment


async def refuse(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    refusal: Refused,
    subject_id: object = "",
    detail: Mapping[str, Any] | None = None,
) -> Refused:
    """Audit a refusal (the reason and problem codes, never what was typed) and return it."""
    subject = str(subject_id)[:64] if subject_id is not None else ""
    await audit.append(
        session,
        action=action,
        outcome=AuditOutcome.REFUSED,
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type=SUBJECT,
        subject_id=subject,
        detail={
            "reason": refusal.reason.value,
            "problems": [f"{p.field}:{p.code}" for p in refusal.problems],
            **(detail or {}),
        },
    )
    log.info(
        "agenda action refused",
        extra={
            "action": action,
            "reason": refusal.reason.value,
            "person": actor.person_id,
            "meeting_id": refusal.meeting_id,
        },
    )
    return refusal


async def meeting_for(
    session: AsyncSession,
    *,
    actor: Actor,
    raw_meeting_id: object,
    action: str,
    allowed: bool,
    lock: bool = False,
) -> Meeting | Refused:
    """The meeting an action is about, after the permission check; refused (audited) when the
    actor may not, the id is forged or unknown, or the meeting is held, cancelled or over."""
    meeting_id = parse_id(raw_meeting_id)
    if not allowed:
        return await refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.NOT_ALLOWED, meeting_id=meeting_id),
            subject_id=raw_meeting_id,
        )
    row = (
        None if meeting_id is None else await meeting_repo.get(session, meeting_id, for_update=lock)
    )
    if row is None:
        return await refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.NOT_FOUND),
            subject_id=raw_meeting_id,
        )
    if row.state not in OPEN_STATES:
        return await refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(RefusalReason.WRONG_STATE, meeting_id=row.id),
            subject_id=row.id,
            detail={"state": row.state},
        )
    return row


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


async def _ensure_record(
    session: AsyncSession, row: Meeting, *, actor: Actor, now: datetime
) -> AgendaRecord:
    """The meeting's agenda, made on first use: the standing items take the meeting year's next
    two case numbers (seed 001: "Sak 11.25", "Sak 12.25")."""
    assert row.id is not None
    record = await repo.record_for(session, meeting_id=row.id)
    if record is not None:
        return record
    # Two first looks at once: the meeting's row lock lets one make it, the other then reads it.
    await meeting_repo.get(session, row.id, for_update=True)
    record = await repo.record_for(session, meeting_id=row.id)
    if record is not None:
        return record
    approval = await case_repo.next_number(session, year=row.year)
    minutes = await case_repo.next_number(session, year=row.year)
    record = await repo.add_record(
        session,
        AgendaRecord(
            meeting_id=row.id,
            year=row.year,
            approval_number=approval,
            minutes_number=minutes,
            created_by_person_id=actor.person_id,
            created_at=now,
            updated_at=now,
        ),
    )
    await audit.append(
        session,
        action="agenda.create",
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type=SUBJECT,
        subject_id=row.id,
        detail={"year": row.year, "approval_number": approval, "minutes_number": minutes},
    )
    log.info(
        "agenda created",
        extra={"meeting_id": row.id, "approval_number": approval, "minutes_number": minutes},
    )
    return record


def _agenda_case(row: Case, placement: AgendaPlacement | None) -> AgendaCase:
    assert row.id is not None
    return AgendaCase(
        case_id=row.id,
        year=row.year,
        number=row.number,
        title=row.title,
        case_type=row.case_type,
        section=Section(row.section) if row.section else None,
        route=Route(row.route) if row.route else None,
        triage_minutes=row.minutes,
        proposal=row.proposal,
        background=row.background,
        assessment=row.assessment,
        submitter_org=row.submitter_org,
        attachments=tuple(json.loads(row.attachments or "[]")),
        position=placement.position if placement else None,
        agenda_minutes=placement.minutes if placement else None,
    )


async def load_agenda(session: AsyncSession, row: Meeting, record: AgendaRecord) -> Loaded:
    """The agenda, the notice it makes and its fingerprint, with the latest published version."""
    assert row.id is not None
    view = MeetingView.of(row)
    placements = await repo.placements(session, meeting_id=row.id)
    cases = [
        _agenda_case(case, placements.get(case.id or 0))
        for case in await repo.cases_for(session, meeting_id=row.id, statuses=ON_AGENDA)
    ]
    agenda = build_agenda(
        start=view.start,
        end=view.end,
        body=view.body,
        standing=Standing(
            year=record.year,
            approval_number=record.approval_number,
            minutes_number=record.minutes_number,
            approval_minutes=record.approval_minutes,
            minutes_minutes=record.minutes_minutes,
            lunch_minutes=record.lunch_minutes,
        ),
        cases=cases,
    )
    previous = await repo.previous_meeting(
        session, body=row.body, before=row.start_at, states=_PREVIOUS_STATES
    )
    facts = MeetingFacts(
        body=Body(row.body),
        start=view.start,
        end=view.end,
        form=MeetingForm(row.form),
        location=row.location,
        previous=to_oslo(previous.start_at).date() if previous is not None else None,
    )
    content = build_notice(row.id, facts, agenda)
    latest = await repo.latest_version(session, meeting_id=row.id)
    return Loaded(
        meeting=view,
        agenda=agenda,
        facts=facts,
        content=content,
        fingerprint=fingerprint(content),
        untriaged=await repo.count_cases(session, meeting_id=row.id, statuses=WAITING),
        published=PublishedInfo.of(latest) if latest is not None else None,
    )


async def _provisional_record(session: AsyncSession, row: Meeting) -> AgendaRecord:
    """The agenda as it would be made now, not stored: the standing items get the numbers the
    year's series would give next. For checks that must change nothing when they refuse."""
    assert row.id is not None
    following = await repo.peek_number(session, year=row.year)
    return AgendaRecord(
        meeting_id=row.id, year=row.year, approval_number=following, minutes_number=following + 1
    )


async def open_agenda(
    session: AsyncSession, row: Meeting, *, actor: Actor, now: datetime, make: bool = True
) -> AgendaView:
    """The agenda of a meeting the caller already checked: made on first use, or with
    ``make=False`` only shown as it would be made (``loaded.provisional``) and nothing stored."""
    record = await repo.record_for(session, meeting_id=row.id or 0)
    provisional = record is None and not make
    if record is None:
        record = (
            await _provisional_record(session, row)
            if provisional
            else await _ensure_record(session, row, actor=actor, now=now)
        )
    loaded = dataclasses.replace(await load_agenda(session, row, record), provisional=provisional)
    return AgendaView(
        loaded=loaded,
        now=now,
        can_edit=can_edit(actor),
        can_publish=actor.can(Capability.PUBLISH_NOTICE),
    )


# --------------------------------------------------------------------------------------------------
# Use cases
# --------------------------------------------------------------------------------------------------


async def agenda_meetings(
    session: AsyncSession, *, actor: Actor, now: datetime | None = None
) -> list[MeetingView] | Refused:
    """The meetings whose agenda can still be arranged, soonest first (for the chooser)."""
    moment = _now(now)
    if not can_view(actor):
        return await refuse(
            session, actor=actor, action="agenda.view", refusal=Refused(RefusalReason.NOT_ALLOWED)
        )
    rows = await meeting_repo.upcoming(session, now=moment, limit=50)
    return [MeetingView.of(r) for r in rows if r.state in OPEN_STATES and r.start_at > moment][
        :CHOOSER_LIMIT
    ]


async def show_agenda(
    session: AsyncSession, *, actor: Actor, meeting_id: object, now: datetime | None = None
) -> AgendaView | Refused:
    """The agenda of a meeting not yet held; made (numbers taken) the first time it is opened."""
    moment = _now(now)
    row = await meeting_for(
        session,
        actor=actor,
        raw_meeting_id=meeting_id,
        action="agenda.view",
        allowed=can_view(actor),
    )
    if isinstance(row, Refused):
        return row
    return await open_agenda(session, row, actor=actor, now=moment)


async def move_item(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    case_id: object,
    direction: object,
    now: datetime | None = None,
) -> AgendaView | Refused:
    """Move a case one place up or down within its section; the section is renumbered 1…n."""
    moment = _now(now)
    action = "agenda.move"
    row = await meeting_for(
        session,
        actor=actor,
        raw_meeting_id=meeting_id,
        action=action,
        allowed=can_edit(actor),
        lock=True,
    )
    if isinstance(row, Refused):
        return row
    assert row.id is not None
    wanted = parse_id(case_id)
    if direction not in tuple(Direction) or wanted is None:
        return await refuse(
            session,
            actor=actor,
            action=action,
            refusal=Refused(
                RefusalReason.INVALID, (Problem("item", "unknown_item"),), meeting_id=row.id
            ),
            subject_id=row.id,
        )
    record = await _ensure_record(session, row, actor=actor, now=moment)
    loaded = await load_agenda(session, row, record)
    moves = move_case(loaded.agenda, wanted, Direction(str(direction)))
    if not moves:
        on_agenda = loaded.agenda.item(f"case_{wanted}") is not None
        refusal = Refused(
            RefusalReason.CANNOT_MOVE if on_agenda else RefusalReason.INVALID,
            (Problem("item", "cannot_move" if on_agenda else "unknown_item"),),
            meeting_id=row.id,
        )
        return await refuse(session, actor=actor, action=action, refusal=refusal, subject_id=row.id)
    placements = await repo.placements(session, meeting_id=row.id)
    changed: list[AgendaPlacement] = []
    for move in moves:
        placement = placements.get(move.case_id) or AgendaPlacement(
            meeting_id=row.id, case_id=move.case_id
        )
        placement.position = move.position
        placement.updated_at = moment
        changed.append(placement)
    await repo.save(session, *changed)
    await audit.append(
        session,
        action=action,
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type=SUBJECT,
        subject_id=row.id,
        detail={
            "case_id": wanted,
            "direction": str(direction),
            "order": [m.case_id for m in moves],
        },
    )
    log.info("agenda item moved", extra={"meeting_id": row.id, "case_id": wanted})
    return await open_agenda(session, row, actor=actor, now=moment)


async def set_minutes(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    values: Mapping[str, object],
    now: datetime | None = None,
) -> AgendaView | Refused:
    """Minutes per item from the agenda card (all inputs at once); nothing is stored when any
    value is wrong, and the card comes back with the errors."""
    moment = _now(now)
    action = "agenda.minutes"
    row = await meeting_for(
        session,
        actor=actor,
        raw_meeting_id=meeting_id,
        action=action,
        allowed=can_edit(actor),
        lock=True,
    )
    if isinstance(row, Refused):
        return row
    assert row.id is not None
    record = await _ensure_record(session, row, actor=actor, now=moment)
    loaded = await load_agenda(session, row, record)
    check = validate_minutes(loaded.agenda, values)
    if not check.ok:
        refusal = Refused(RefusalReason.INVALID, check.problems, check.values, meeting_id=row.id)
        return await refuse(session, actor=actor, action=action, refusal=refusal, subject_id=row.id)
    if check.changes:
        placements = await repo.placements(session, meeting_id=row.id)
        changed: list[AgendaRecord | AgendaPlacement] = []
        for key, minutes in check.changes.items():
            if key == APPROVAL_KEY:
                record.approval_minutes = minutes
            elif key == MINUTES_KEY:
                record.minutes_minutes = minutes
            elif key == LUNCH_KEY:
                record.lunch_minutes = minutes
            else:
                case_id = key_case_id(key)
                assert case_id is not None
                placement = placements.get(case_id) or AgendaPlacement(
                    meeting_id=row.id, case_id=case_id
                )
                placement.minutes = minutes
                placement.updated_at = moment
                changed.append(placement)
        record.updated_at = moment
        await repo.save(session, record, *changed)
        await audit.append(
            session,
            action=action,
            actor_person_id=actor.person_id,
            actor_aad_id=actor.aad_object_id,
            subject_type=SUBJECT,
            subject_id=row.id,
            detail={"minutes": dict(sorted(check.changes.items()))},
        )
        log.info("agenda minutes set", extra={"meeting_id": row.id, "items": len(check.changes)})
    return await open_agenda(session, row, actor=actor, now=moment)
