"""Notices (innkallinger): preview a meeting's notice, publish it, and send it to everyone called.

Publishing (by the secretariat, the leader or the deputy leader; seed 004 §4.1 "Leder innkaller"):

1. refused — audited, nothing else changes — when the actor may not publish, the meeting id is
   forged or unknown, the meeting is held, cancelled or already started, a decision case has no
   proposed decision ("forslag til vedtak", seed 004 §4.1), the notice says exactly what the last
   published version said, or the notice deadline has passed and no reason was given (seed 004:
   "med mindre presserende forhold tilsier kortere innkallingstid");
2. the document (DOCX, :mod:`bot.documents.notice_docx`) is stored through the DocumentStore —
   SharePoint via Graph, or ``var/portal`` — *between* two transactions: a slow or failing upload
   never holds the database, and a version is only recorded once its document exists;
3. in one transaction: the version is recorded; the meeting moves to *notice published* (guarded
   transition, first version only); the agenda's cases move to *scheduled* (guarded); a card with
   the document link goes to the committee's team channel(s) and personally to every member,
   observer, the secretariat and every personal deputy called in for an absent member (through
   the outbox, keyed by version, so nobody gets one version twice); the calendar event's body gets
   the agenda; the publication is audited, as *late* with its reason when past the deadline.

Republishing after a change makes version n+1 and sends it again; the document's path carries the
version, so earlier versions stay in the portal.

A personal deputy called in after publication gets the current version through the attendance
feature's "deputy called in" hook (:func:`deputy_listener`). The calendar body keeps the agenda
whoever updates the event afterwards (an absence, moving the meeting): the calendar queue adds the
latest published version to every create and update
(:func:`bot.services.calendar_sync.with_agenda`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.documents.notice_docx import CONTENT_TYPE, EXTENSION, render_notice_docx
from bot.domain.cases import CaseStatus, Problem, transition
from bot.domain.meeting_state import MeetingState
from bot.domain.meeting_state import publish_notice as notice_published
from bot.domain.notice import (
    NoticeContent,
    PublicationMeta,
    content_from_json,
    content_to_json,
)
from bot.domain.roles import Actor, Capability
from bot.graph.port import DocumentStore, StoredDocument
from bot.services import agenda as agenda_service
from bot.services import calendar_sync, outbox
from bot.services import cases as case_service
from bot.services.agenda import Loaded, PublishedInfo, parse_id
from bot.services.meetings import Invitee, MeetingView, attendees_of, calendar_event
from storage import agenda as repo
from storage import audit, conversations
from storage import meetings as meeting_repo
from storage.agenda_tables import NoticeVersion
from storage.case_tables import Case
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditOutcome, ConversationRef, Person
from storage.people import members_of_body

__all__ = [
    "KIND_NOTICE",
    "REASON_MAX",
    "REASON_MIN",
    "Audience",
    "DeputySource",
    "NoticeMessage",
    "NoticePreview",
    "Prepared",
    "Published",
    "Refusal",
    "Refused",
    "Render",
    "deputy_listener",
    "document_path",
    "latest_notice",
    "prepare_publication",
    "preview_notice",
    "publish_notice",
    "record_publication",
]

log = logging.getLogger(__name__)

KIND_NOTICE: Final = "notice_published"
"""Outbox kind of the published notice (the reminder *about* the notice deadline is ``notice``)."""
REASON_MIN: Final = 5
REASON_MAX: Final = 1_000
SECRETARIAT_BODY: Final = "SEK"
SUBJECT: Final = "meeting"


class Refusal(StrEnum):
    """Why a notice was not published; the card says it with ``notice.refused.<value>``."""

    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    WRONG_STATE = "wrong_state"
    MEETING_STARTED = "meeting_started"
    MISSING_PROPOSALS = "missing_proposals"
    REASON_REQUIRED = "reason_required"
    UNCHANGED = "unchanged"
    CHANGED_MEANWHILE = "changed_meanwhile"
    STORAGE_FAILED = "storage_failed"


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    meeting_id: int | None = None
    problems: tuple[Problem, ...] = ()
    missing: tuple[str, ...] = ()
    """Case numbers of decision cases without a proposed decision."""
    version: int | None = None
    """For ``unchanged``: the version that already says it."""
    reason_text: str = ""
    """What was typed as the reason, to show it again."""


class Audience(StrEnum):
    """Who a notice message is for: decides the card's buttons (members may report absence)."""

    CHANNEL = "channel"
    MEMBER = "member"
    OBSERVER = "observer"
    SECRETARIAT = "secretariat"
    DEPUTY = "deputy"


@dataclass(frozen=True, slots=True)
class NoticeMessage:
    """One published notice to one person or channel; the transport renders it (``Render``)."""

    audience: Audience
    meeting: MeetingView
    content: NoticeContent
    version: int
    url: str
    locale: str
    late: bool = False
    recipient_person_id: int | None = None
    conversation_id: str | None = None


Render = Callable[[NoticeMessage], tuple[str | None, dict[str, Any] | None]]
"""A message → (text, Adaptive Card); at least one of them."""


DeputySource = Callable[[AsyncSession, int], Awaitable[Collection[int]]]
"""The personal deputies called in for a meeting (person ids): the attendance feature's
``called_in_deputies``, adapted by the composition root."""


async def _no_deputies(_session: AsyncSession, _meeting_id: int) -> Collection[int]:
    return ()


@dataclass(frozen=True, slots=True)
class NoticePreview:
    """The notice as it would be published now, and what stands in the way."""

    loaded: Loaded
    now: datetime
    can_publish: bool
    missing: tuple[str, ...] = ()

    @property
    def meeting(self) -> MeetingView:
        return self.loaded.meeting

    @property
    def late(self) -> bool:
        return self.now > self.meeting.deadlines.notice

    @property
    def next_version(self) -> int:
        return (self.loaded.published.version if self.loaded.published else 0) + 1

    @property
    def unchanged(self) -> bool:
        return not self.loaded.changed


@dataclass(frozen=True, slots=True)
class Prepared:
    """A publication that passed every check; what the document and the record are made of."""

    meeting: MeetingView
    content: NoticeContent
    fingerprint: str
    version: int
    late: bool
    reason: str | None
    case_ids: tuple[int, ...]
    now: datetime

    @property
    def meta(self) -> PublicationMeta:
        return PublicationMeta(self.version, self.now, self.reason if self.late else None)


@dataclass(frozen=True, slots=True)
class Published:
    """What publishing did."""

    meeting: MeetingView
    version: int
    document: StoredDocument
    late: bool
    reason: str | None
    recipients: tuple[int, ...]
    channels: int
    scheduled: tuple[int, ...]
    """Cases that moved to *scheduled* with this version."""
    calendar: bool
    """Whether the calendar event's body was queued for an update."""


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return moment


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _refuse(
    session: AsyncSession,
    *,
    actor: Actor,
    refusal: Refused,
    subject_id: object,
    action: str = "notice.publish",
    detail: Mapping[str, Any] | None = None,
) -> Refused:
    await audit.append(
        session,
        action=action,
        outcome=AuditOutcome.REFUSED,
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type=SUBJECT,
        subject_id=str(subject_id)[:64] if subject_id is not None else "",
        detail={
            "reason": refusal.reason.value,
            "missing": list(refusal.missing),
            "problems": [f"{p.field}:{p.code}" for p in refusal.problems],
            **(detail or {}),
        },
    )
    log.info(
        "notice refused",
        extra={
            "action": action,
            "reason": refusal.reason.value,
            "person": actor.person_id,
            "meeting_id": refusal.meeting_id,
        },
    )
    return refusal


def document_path(meeting: MeetingView, version: int) -> str:
    """``innkallinger/2027/2027-02-11-SSU-innkalling-v2.docx``: one file per version."""
    day = meeting.start.date()
    return (
        f"innkallinger/{day.year}/{day.isoformat()}-{meeting.body.value}-"
        f"innkalling-v{version}.{EXTENSION}"
    )


def _reason(raw: object) -> tuple[str, list[Problem]]:
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) < REASON_MIN:
        return text[:REASON_MAX], [Problem("reason", "reason_required", limit=REASON_MIN)]
    if len(text) > REASON_MAX:
        return text[:REASON_MAX], [
            Problem("reason", "too_long", limit=REASON_MAX, length=len(text))
        ]
    return text, []


async def _checked(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    reason: object,
    now: datetime,
    lock: bool,
) -> tuple[Meeting, Loaded, str | None] | Refused:
    """Every rule a publication must pass, in the order the card explains them."""
    wanted = parse_id(meeting_id)
    if not actor.can(Capability.PUBLISH_NOTICE):
        return await _refuse(
            session,
            actor=actor,
            refusal=Refused(Refusal.NOT_ALLOWED, wanted),
            subject_id=meeting_id,
        )
    row = None if wanted is None else await meeting_repo.get(session, wanted, for_update=lock)
    if row is None or row.id is None:
        return await _refuse(
            session, actor=actor, refusal=Refused(Refusal.NOT_FOUND), subject_id=meeting_id
        )
    if row.state not in agenda_service.OPEN_STATES:
        return await _refuse(
            session,
            actor=actor,
            refusal=Refused(Refusal.WRONG_STATE, row.id),
            subject_id=row.id,
            detail={"state": row.state},
        )
    if _aware(row.start_at) <= now:
        return await _refuse(
            session,
            actor=actor,
            refusal=Refused(Refusal.MEETING_STARTED, row.id),
            subject_id=row.id,
        )
    loaded = await _loaded(session, row, actor=actor, now=now, make=False)
    missing = tuple(item.label or "" for item in loaded.agenda.missing_proposals)
    if missing:
        return await _refuse(
            session,
            actor=actor,
            refusal=Refused(Refusal.MISSING_PROPOSALS, row.id, missing=missing),
            subject_id=row.id,
        )
    if not loaded.changed and loaded.published is not None:
        return await _refuse(
            session,
            actor=actor,
            refusal=Refused(Refusal.UNCHANGED, row.id, version=loaded.published.version),
            subject_id=row.id,
            detail={"version": loaded.published.version},
        )
    late = now > loaded.meeting.deadlines.notice
    text: str | None = None
    if late:
        text, problems = _reason(reason)
        if problems:
            return await _refuse(
                session,
                actor=actor,
                refusal=Refused(
                    Refusal.REASON_REQUIRED, row.id, problems=tuple(problems), reason_text=text
                ),
                subject_id=row.id,
                detail={"late": True},
            )
    if loaded.provisional:
        # Every check passed: only now is the agenda made (its standing items numbered).
        loaded = await _loaded(session, row, actor=actor, now=now, make=True)
    return row, loaded, text


async def _loaded(
    session: AsyncSession, row: Meeting, *, actor: Actor, now: datetime, make: bool
) -> Loaded:
    view = await agenda_service.open_agenda(session, row, actor=actor, now=now, make=make)
    return view.loaded


# --------------------------------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------------------------------


async def preview_notice(
    session: AsyncSession, *, actor: Actor, meeting_id: object, now: datetime | None = None
) -> NoticePreview | Refused:
    """The notice as it would be published now: for whoever may see the agenda. Refusals for
    permission and unknown meetings are audited; a preview changes nothing (but may make the
    agenda, see :func:`bot.services.agenda.show_agenda`)."""
    moment = _now(now)
    view = await agenda_service.show_agenda(session, actor=actor, meeting_id=meeting_id, now=moment)
    if isinstance(view, agenda_service.Refused):
        return Refused(_from_agenda(view.reason), view.meeting_id)
    return NoticePreview(
        loaded=view.loaded,
        now=moment,
        can_publish=actor.can(Capability.PUBLISH_NOTICE),
        missing=tuple(item.label or "" for item in view.agenda.missing_proposals),
    )


def _from_agenda(reason: agenda_service.RefusalReason) -> Refusal:
    if reason is agenda_service.RefusalReason.NOT_ALLOWED:
        return Refusal.NOT_ALLOWED
    if reason is agenda_service.RefusalReason.WRONG_STATE:
        return Refusal.WRONG_STATE
    return Refusal.NOT_FOUND


async def latest_notice(session: AsyncSession, *, meeting_id: int) -> PublishedInfo | None:
    """The latest published version of a meeting's notice, if any."""
    row = await repo.latest_version(session, meeting_id=meeting_id)
    return PublishedInfo.of(row) if row is not None else None


# --------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------


async def prepare_publication(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    reason: object = "",
    now: datetime | None = None,
) -> Prepared | Refused:
    """Check a publication and fix what it will say (first transaction; nothing but the agenda
    and the audit entry of a refusal is written)."""
    moment = _now(now)
    checked = await _checked(
        session, actor=actor, meeting_id=meeting_id, reason=reason, now=moment, lock=False
    )
    if isinstance(checked, Refused):
        return checked
    _row, loaded, text = checked
    late = moment > loaded.meeting.deadlines.notice
    return Prepared(
        meeting=loaded.meeting,
        content=loaded.content,
        fingerprint=loaded.fingerprint,
        version=(loaded.published.version if loaded.published else 0) + 1,
        late=late,
        reason=text,
        case_ids=tuple(i.case_id for i in loaded.agenda.cases if i.case_id is not None),
        now=moment,
    )


async def record_publication(
    session: AsyncSession,
    *,
    actor: Actor,
    prepared: Prepared,
    document: StoredDocument,
    render: Render,
    deputies: DeputySource = _no_deputies,
    case_notify: case_service.NoticeSink | None = None,
) -> Published | Refused:
    """Record a stored document as the next version and send it (second transaction).

    ``case_notify`` takes the status notes of the cases this version schedules (each submitter
    is told, in this transaction; see :func:`bot.services.cases.tell_submitter`).

    Every check runs again under the meeting's row lock: if the agenda changed or someone else
    published while the document was uploading, this version is refused (``changed_meanwhile``,
    or ``unchanged`` when the other publisher published the very same notice).
    """
    moment = prepared.now
    checked = await _checked(
        session,
        actor=actor,
        meeting_id=prepared.meeting.id,
        reason=prepared.reason or "",
        now=moment,
        lock=True,
    )
    if isinstance(checked, Refused):
        return checked
    row, loaded, _text = checked
    version = (loaded.published.version if loaded.published else 0) + 1
    if loaded.fingerprint != prepared.fingerprint or version != prepared.version:
        return await _refuse(
            session,
            actor=actor,
            refusal=Refused(Refusal.CHANGED_MEANWHILE, row.id),
            subject_id=row.id,
        )
    assert row.id is not None
    before = row.state
    if row.state == MeetingState.PLANNED.value:
        row.state = notice_published(row.state).value
        row.updated_at = moment
        session.add(row)
    scheduled = await _schedule_cases(
        session,
        actor=actor,
        case_ids=prepared.case_ids,
        meeting_id=row.id,
        version=version,
        now=moment,
        notify=case_notify,
    )
    meeting = MeetingView.of(row)
    invitees = await attendees_of(session, meeting_id=row.id)
    deputy_ids = sorted(set(await deputies(session, row.id)))
    recipients = await _send_to_people(
        session,
        meeting=meeting,
        content=prepared.content,
        version=version,
        url=document.url,
        late=prepared.late,
        invitees=invitees,
        deputy_ids=deputy_ids,
        render=render,
        now=moment,
    )
    channels = await _send_to_channels(
        session,
        meeting=meeting,
        content=prepared.content,
        version=version,
        url=document.url,
        late=prepared.late,
        render=render,
        now=moment,
    )
    await repo.add_version(
        session,
        NoticeVersion(
            meeting_id=row.id,
            version=version,
            content_hash=prepared.fingerprint,
            content=content_to_json(prepared.content),
            document_path=document.path,
            document_url=document.url,
            document_size=document.size,
            published_at=moment,
            published_by_person_id=actor.person_id,
            late=prepared.late,
            reason=prepared.reason if prepared.late else None,
            recipients=json.dumps(sorted(recipients)),
            channels=channels,
            case_ids=json.dumps(list(prepared.case_ids)),
        ),
    )
    # After the version is recorded: the calendar body is built from the latest one.
    calendar = await _update_calendar(session, meeting=meeting, extra=deputy_ids)
    await audit.append(
        session,
        action="notice.publish",
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type=SUBJECT,
        subject_id=row.id,
        detail={
            "version": version,
            "from": before,
            "to": row.state,
            "late": prepared.late,
            "reason": prepared.reason if prepared.late else None,
            "deadline": loaded.meeting.deadlines.notice.isoformat(),
            "content_hash": prepared.fingerprint,
            "document": document.path,
            "recipients": len(recipients),
            "channels": channels,
            "scheduled": list(scheduled),
            "calendar": calendar,
        },
    )
    log.info(
        "notice published",
        extra={
            "meeting_id": row.id,
            "version": version,
            "late": prepared.late,
            "recipients": len(recipients),
            "channels": channels,
        },
    )
    return Published(
        meeting=meeting,
        version=version,
        document=document,
        late=prepared.late,
        reason=prepared.reason if prepared.late else None,
        recipients=tuple(sorted(recipients)),
        channels=channels,
        scheduled=scheduled,
        calendar=calendar,
    )


async def publish_notice(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: Actor,
    meeting_id: object,
    documents: DocumentStore,
    render: Render,
    reason: object = "",
    now: datetime | None = None,
    deputies: DeputySource = _no_deputies,
    case_notify: case_service.NoticeSink | None = None,
) -> Published | Refused:
    """Publish (or republish) a meeting's notice: check, store the document, record and send.

    Three steps, two transactions (see the module's docstring): the upload happens between them,
    never inside one. A refusal at any step is audited and changes nothing else.
    """
    moment = _now(now)
    async with transaction(sessions) as session:
        prepared = await prepare_publication(
            session, actor=actor, meeting_id=meeting_id, reason=reason, now=moment
        )
    if isinstance(prepared, Refused):
        return prepared
    path = document_path(prepared.meeting, prepared.version)
    try:
        data = await asyncio.to_thread(render_notice_docx, prepared.content, prepared.meta)
        stored = await documents.put(path, data, content_type=CONTENT_TYPE)
    except Exception:
        log.exception(
            "notice document could not be stored",
            extra={"meeting_id": prepared.meeting.id, "version": prepared.version},
        )
        async with transaction(sessions) as session:
            return await _refuse(
                session,
                actor=actor,
                refusal=Refused(Refusal.STORAGE_FAILED, prepared.meeting.id),
                subject_id=prepared.meeting.id,
                detail={"version": prepared.version},
            )
    async with transaction(sessions) as session:
        return await record_publication(
            session,
            actor=actor,
            prepared=prepared,
            document=stored,
            render=render,
            deputies=deputies,
            case_notify=case_notify,
        )


# --------------------------------------------------------------------------------------------------
# Side effects inside the recording transaction
# --------------------------------------------------------------------------------------------------


async def _schedule_cases(
    session: AsyncSession,
    *,
    actor: Actor,
    case_ids: Sequence[int],
    meeting_id: int,
    version: int,
    now: datetime,
    notify: case_service.NoticeSink | None,
) -> tuple[int, ...]:
    """The agenda's triaged cases move to *scheduled* (guarded); scheduled ones stay. Each
    submitter whose case moves is told (a case scheduled by an earlier version is not again)."""
    if not case_ids:
        return ()
    query = select(Case).where(col(Case.id).in_(list(case_ids))).with_for_update()
    moved: list[int] = []
    for case in (await session.exec(query)).all():
        if case.status != CaseStatus.TRIAGED.value or case.id is None:
            continue
        before = case.status
        case.status = transition(case.status, CaseStatus.SCHEDULED).value
        case.updated_at = now
        session.add(case)
        moved.append(case.id)
        await audit.append(
            session,
            action="case.schedule",
            actor_person_id=actor.person_id,
            actor_aad_id=actor.aad_object_id,
            subject_type="case",
            subject_id=case.id,
            detail={"from": before, "to": case.status, "meeting_id": meeting_id, "notice": version},
        )
    await session.flush()
    for case_id in sorted(moved):
        await case_service.tell_submitter(session, case_id=case_id, now=now, notify=notify)
    return tuple(sorted(moved))


def _subject(meeting: MeetingView) -> str:
    return f"{meeting.body.value} {meeting.start:%Y-%m-%d}"


def _deadline_key(version: int) -> str:
    return f"notice:v{version}"


async def _people(session: AsyncSession, ids: Collection[int]) -> dict[int, Person]:
    if not ids:
        return {}
    rows = (await session.exec(select(Person).where(col(Person.id).in_(list(ids))))).all()
    return {p.id: p for p in rows if p.id is not None}


async def _enqueue(
    session: AsyncSession, message: NoticeMessage, *, render: Render, now: datetime
) -> bool:
    text, document = render(message)
    row = await outbox.enqueue(
        session,
        kind=KIND_NOTICE,
        subject=_subject(message.meeting),
        payload=outbox.payload(text=text, card=document, summary=text),
        not_before=now,
        expires_at=message.meeting.end,
        deadline_key=_deadline_key(message.version),
        recipient_person_id=message.recipient_person_id,
        conversation_id=message.conversation_id,
        mandatory=True,
        now=now,
    )
    return row is not None


async def _send_to_people(
    session: AsyncSession,
    *,
    meeting: MeetingView,
    content: NoticeContent,
    version: int,
    url: str,
    late: bool,
    invitees: Sequence[Invitee],
    deputy_ids: Sequence[int],
    render: Render,
    now: datetime,
) -> list[int]:
    """Everyone called (members, observers, the secretariat) and the deputies called in."""
    secretariat = {p.id for _m, p in await members_of_body(session, body_code=SECRETARIAT_BODY)}
    people = await _people(session, [i.person_id for i in invitees] + list(deputy_ids))
    audiences: dict[int, Audience] = dict.fromkeys(deputy_ids, Audience.DEPUTY)
    for invitee in invitees:
        if invitee.person_id in audiences:
            continue  # a deputy called in: told so, whether or not the calendar invites them
        if invitee.person_id in secretariat:
            audiences[invitee.person_id] = Audience.SECRETARIAT
        elif invitee.required:
            audiences[invitee.person_id] = Audience.MEMBER
        else:
            audiences[invitee.person_id] = Audience.OBSERVER
    sent: list[int] = []
    for person_id, audience in audiences.items():
        person = people.get(person_id)
        if person is None:
            continue
        message = NoticeMessage(
            audience=audience,
            meeting=meeting,
            content=content,
            version=version,
            url=url,
            locale=person.locale or "nb",
            late=late,
            recipient_person_id=person_id,
        )
        if await _enqueue(session, message, render=render, now=now):
            sent.append(person_id)
    return sent


def _channel_targets(refs: Sequence[ConversationRef]) -> list[str]:
    """One conversation per channel: the channel itself rather than a reply thread in it."""
    chosen: dict[str, str] = {}
    for ref in sorted(refs, key=lambda r: r.conversation_id):
        base = ref.conversation_id.split(";", 1)[0]
        if base not in chosen or ref.conversation_id == base:
            chosen[base] = ref.conversation_id
    return sorted(chosen.values())


async def _send_to_channels(
    session: AsyncSession,
    *,
    meeting: MeetingView,
    content: NoticeContent,
    version: int,
    url: str,
    late: bool,
    render: Render,
    now: datetime,
) -> int:
    """A card in the committee's team channel(s): every channel the bot is installed in."""
    count = 0
    for conversation_id in _channel_targets(await conversations.channel_references(session)):
        message = NoticeMessage(
            audience=Audience.CHANNEL,
            meeting=meeting,
            content=content,
            version=version,
            url=url,
            locale="nb",
            late=late,
            conversation_id=conversation_id,
        )
        count += await _enqueue(session, message, render=render, now=now)
    return count


async def _update_calendar(
    session: AsyncSession, *, meeting: MeetingView, extra: Sequence[int]
) -> bool:
    """The calendar event gets the latest published agenda in its body (added by
    :func:`bot.services.calendar_sync.with_agenda`) and the deputies called in; False when the
    meeting has no calendar entry (e.g. recorded after the fact): nothing to update then."""
    if await calendar_sync.sync_state(session, meeting_id=meeting.id) is None:
        log.info("no calendar entry for the agenda", extra={"meeting_id": meeting.id})
        return False
    invitees = list(await attendees_of(session, meeting_id=meeting.id))
    known = {i.person_id for i in invitees}
    for person_id, person in sorted((await _people(session, extra)).items()):
        if person_id not in known:
            invitees.append(Invitee(person_id, person.email, person.name, True))
    await calendar_sync.enqueue_change(
        session, meeting_id=meeting.id, op="update", event=calendar_event(meeting, invitees)
    )
    return True


# --------------------------------------------------------------------------------------------------
# The attendance hook: a personal deputy called in after publication
# --------------------------------------------------------------------------------------------------


class DeputyCalledEvent(Protocol):
    """What the attendance feature tells (``bot.services.attendance.DeputyCalled``)."""

    @property
    def meeting(self) -> MeetingView: ...

    @property
    def deputy_person_id(self) -> int: ...

    @property
    def at(self) -> datetime: ...


def deputy_listener(
    render: Render, *, deputies: DeputySource = _no_deputies
) -> Callable[[AsyncSession, DeputyCalledEvent], Awaitable[None]]:
    """A "deputy called in" listener: the deputy gets the current published notice (seed 004
    §4.1: the notice with its documents must reach the personal deputy), and the calendar body
    gets the agenda back. Nothing happens before the notice is published: publishing sends it to
    the deputies called in by then."""

    async def listener(session: AsyncSession, event: DeputyCalledEvent) -> None:
        meeting_id = event.meeting.id
        latest = await repo.latest_version(session, meeting_id=meeting_id)
        if latest is None:
            return
        row = await meeting_repo.get(session, meeting_id)
        if row is None or row.state not in agenda_service.OPEN_STATES:
            return
        meeting = MeetingView.of(row)
        content = content_from_json(latest.content)
        person = (await _people(session, [event.deputy_person_id])).get(event.deputy_person_id)
        moment = _aware(event.at)
        if person is not None and moment < meeting.end:
            message = NoticeMessage(
                audience=Audience.DEPUTY,
                meeting=meeting,
                content=content,
                version=latest.version,
                url=latest.document_url,
                locale=person.locale or "nb",
                late=latest.late,
                recipient_person_id=event.deputy_person_id,
            )
            sent = await _enqueue(session, message, render=render, now=moment)
            if sent:
                recipients = set(json.loads(latest.recipients or "[]")) | {event.deputy_person_id}
                latest.recipients = json.dumps(sorted(recipients))
                session.add(latest)
            await audit.append(
                session,
                action="notice.deputy",
                subject_type=SUBJECT,
                subject_id=meeting_id,
                detail={"deputy_person_id": event.deputy_person_id, "version": latest.version},
            )
            log.info(
                "notice sent to a deputy called in",
                extra={"meeting_id": meeting_id, "deputy": event.deputy_person_id},
            )
        extra = sorted(set(await deputies(session, meeting_id)) | {event.deputy_person_id})
        await _update_calendar(session, meeting=meeting, extra=extra)

    return listener
