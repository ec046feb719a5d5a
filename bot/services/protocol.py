"""The protocol (møteprotokoll): draft it from the meeting's own data, edit it per case, publish it
to the members, collect the two signatures in Teams, archive the signed PDF, and prove afterwards
that nothing was changed (seed 004 §3/§4.1 "Protokoll").

The flow:

1. **Draft** (secretariat, meeting *held*): time, place and form — the real start and end when the
   meeting was opened and closed in Teams — the members present, the personal deputies and whom
   they replaced, observers, the secretariat and who was absent, from the attendance feature; per
   case of the meeting its number, title and the decision from the consensus feature
   (``results_for_meeting``): the process, the decision text, and who stood for and against where
   there was no consensus; observers' input kept apart. Version 1.
2. **Edit** (secretariat, until signed): one case's texts; every change is a new version (text +
   SHA-256). After publication the new version's document is stored, earlier signatures are
   voided and the signers are asked again.
3. **Publish** (secretariat, once): the PDF goes to the DocumentStore (SharePoint or var/portal)
   *between* two transactions (a slow upload never holds the database); then the meeting moves
   to *protocol published*, the members get it personally and in the team channel and each signer
   gets a card to sign, all through the outbox. After the 7-day deadline it is recorded as late.
4. **Sign** (the leader and the deputy leader, or the personal deputy of one who was absent): the
   card's ``protocol.sign`` carries the version's SHA-256; the signature records the roster
   person, the AAD object id Teams authenticated, the time and that hash. The second signature
   makes it final: the signed PDF (with a signature page) is archived and posted to the team,
   and the meeting moves to *protocol signed*. A signer may instead send it back with a comment.
   When the archive fails (SharePoint down, the portal folder not writable), the signatures
   stand and nothing else changes; :func:`archive_signed` — a scheduler job — tries again with
   backoff (1 min, doubling, at most 1 h) until it succeeds, and only then posts to the team.
   The record of what is still to do is the data itself (published, both signatures on the
   current version), so a restart loses nothing; the failed attempts are the audit's refused
   ``protocol.final`` entries, which also set the backoff.
5. **Verify** (:func:`verify_protocol`, ``ssu-bot verify-protocol ID``): every version and
   signature is in the hash-chained audit log with its hash; recomputing both shows an edited row.

Refusals (not allowed, forged id, unpublished, old version, signed twice …) are returned, not
raised, and audited in the caller's transaction; nothing else changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.documents.protocol_pdf import CONTENT_TYPE, EXTENSION, SignatureLine, render_protocol_pdf
from bot.domain.cases import CaseStatus, format_case_number
from bot.domain.meeting_state import MeetingState, TransitionRefused
from bot.domain.meeting_state import publish_protocol as to_published
from bot.domain.meeting_state import sign_protocol as to_signed
from bot.domain.protocol import (
    CaseEntry,
    EditProblem,
    ObserverLine,
    PersonLine,
    ProtocolContent,
    SignatureRecord,
    Signers,
    SignerSlot,
    SignRefusal,
    apply_edit,
    canonical_text,
    check_signature,
    content_from_json,
    content_to_json,
    is_final,
    signers_for,
    valid_signatures,
    version_sha,
)
from bot.domain.roles import Actor, Capability
from bot.graph.port import DocumentStore, StoredDocument
from bot.services import outbox
from bot.services.attendance import AttendanceView, Participant, attendance_view, voting_body
from bot.services.meetings import SYSTEM, MeetingView, attendees_of
from storage import attendance as attendance_repo
from storage import audit, conversations
from storage import meetings as meeting_repo
from storage import protocols as repo
from storage.attendance_tables import AttendanceStatus
from storage.case_tables import Case
from storage.db import transaction
from storage.meeting_tables import Meeting
from storage.models import AuditEntry, AuditOutcome, Membership, Person
from storage.protocol_tables import Protocol, ProtocolComment, ProtocolSignature, ProtocolVersion

__all__ = [
    "COMMENT_MAX",
    "COMMENT_MIN",
    "KIND_PUBLISHED",
    "KIND_RETURNED",
    "KIND_SIGN",
    "KIND_SIGNED",
    "Audience",
    "Finalised",
    "ProtocolMessage",
    "ProtocolView",
    "Refusal",
    "Refused",
    "Render",
    "Returned",
    "SignatureView",
    "Signed",
    "Verification",
    "archive_retry_delay",
    "archive_signed",
    "archives_due",
    "document_path",
    "draft_candidates",
    "draft_protocol",
    "edit_case",
    "finalise_protocol",
    "get_protocol",
    "parse_id",
    "protocols_to_sign",
    "publish_protocol",
    "return_protocol",
    "sign_protocol",
    "verify_protocol",
]

log = logging.getLogger(__name__)

SUBJECT: Final = "protocol"
KIND_PUBLISHED: Final = "protocol_published"
KIND_SIGN: Final = "protocol_sign"
KIND_SIGNED: Final = "protocol_signed"
KIND_RETURNED: Final = "protocol_returned"
SECRETARIAT_BODY: Final = "SEK"
COMMENT_MIN: Final = 5
COMMENT_MAX: Final = 2_000
MESSAGE_LIFETIME: Final = timedelta(days=60)
"""How long a protocol message may wait in the outbox for someone unreachable."""
TREATED_MAX: Final = 600
"""The draft's "what was treated" starts from the case's background, cut to a short paragraph."""
SLOT_NAMES_NB: Final[Mapping[SignerSlot, str]] = {
    SignerSlot.LEADER: "Leder",
    SignerSlot.DEPUTY_LEADER: "Nestleder",
}
_MAX_ID: Final = 2**31 - 1
ARCHIVE_RETRY_FIRST: Final = timedelta(minutes=1)
"""The wait after the first failed archive of a signed protocol; it doubles with each failure."""
ARCHIVE_RETRY_CAP: Final = timedelta(hours=1)
_ARCHIVING: set[int] = set()
"""Protocols whose archive runs in this process now (the signer's turn or the retry job): the
other one leaves them alone. Across replicas the worst case is the same PDF stored twice at the
same path; the team post stays single (the final transaction locks the row and checks its state)."""


class Refusal(StrEnum):
    NOT_KNOWN = "not_known"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    MEETING_NOT_HELD = "meeting_not_held"
    ALREADY_PUBLISHED = "already_published"
    NOT_PUBLISHED = "not_published"
    FINAL = "final"
    NOT_SIGNER = "not_signer"
    NOT_AUTHENTICATED = "not_authenticated"
    OLD_VERSION = "old_version"
    ALREADY_SIGNED = "already_signed"
    INVALID = "invalid"
    CHANGED_MEANWHILE = "changed_meanwhile"
    STORAGE_FAILED = "storage_failed"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why nothing was changed; ``problems`` name the fields of an ``invalid`` edit or comment."""

    reason: Refusal
    protocol_id: int | None = None
    problems: tuple[EditProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class SignatureView:
    slot: SignerSlot
    person_id: int
    name: str
    aad_object_id: str
    signed_at: datetime
    version_sha: str


@dataclass(frozen=True, slots=True)
class ProtocolView:
    """A protocol as the cards, the PDF and the CLI need it."""

    id: int
    meeting: MeetingView
    state: str
    version: int
    sha256: str
    text: str
    content: ProtocolContent
    deadline: datetime
    late: bool
    published_at: datetime | None
    document_url: str | None
    signed_document_url: str | None
    signers: Signers
    signer_names: Mapping[SignerSlot, str]
    signatures: tuple[SignatureView, ...] = ()
    """Valid signatures on the current version, in slot order."""

    @property
    def final(self) -> bool:
        return self.state == "signed"

    def signed_by(self, person_id: int | None) -> bool:
        return any(s.person_id == person_id for s in self.signatures)


class Audience(StrEnum):
    MEMBER = "member"
    CHANNEL = "channel"
    SIGNER = "signer"
    SECRETARIAT = "secretariat"
    SIGNED = "signed"


@dataclass(frozen=True, slots=True)
class ProtocolMessage:
    """One message the outbox sends about a protocol; ``comment`` and ``returned_by`` only for a
    protocol sent back to the secretariat."""

    audience: Audience
    protocol: ProtocolView
    locale: str = "nb"
    recipient_person_id: int | None = None
    conversation_id: str | None = None
    comment: str | None = None
    returned_by: str | None = None


Render = Callable[[ProtocolMessage], tuple[str, dict[str, Any]]]
"""The text and card of a message (``cards.protocol.render_protocol_message``)."""
ResultsSource = Callable[[AsyncSession, int], Awaitable[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class Signed:
    protocol: ProtocolView
    slot: SignerSlot
    final: bool


@dataclass(frozen=True, slots=True)
class Finalised:
    protocol: ProtocolView
    document: StoredDocument


@dataclass(frozen=True, slots=True)
class Returned:
    protocol: ProtocolView
    comment_id: int
    notified: int


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    reason: str = ""
    versions: int = 0
    signatures: int = 0
    audit_entries: int = 0
    checks: tuple[str, ...] = field(default_factory=tuple)


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


def parse_id(raw: object) -> int | None:
    """An id from card data or the command line: an int or a string of digits, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw <= _MAX_ID else None
    text = raw.strip() if isinstance(raw, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 12:
        value = int(text)
        return value if 0 < value <= _MAX_ID else None
    return None


def _is_sha(raw: object) -> bool:
    return isinstance(raw, str) and len(raw) == 64 and all(c in "0123456789abcdef" for c in raw)


async def _audit(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    subject_id: object,
    detail: Mapping[str, Any],
    outcome: AuditOutcome = AuditOutcome.OK,
) -> AuditEntry:
    return await audit.append(
        session,
        action=action,
        outcome=outcome,
        actor_person_id=actor.person_id if actor else None,
        actor_aad_id=actor.aad_object_id if actor else None,
        subject_type=SUBJECT,
        subject_id=str(subject_id)[:64] if subject_id is not None else "",
        detail=detail,
    )


async def _refuse(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    reason: Refusal,
    subject_id: object,
    protocol_id: int | None = None,
    problems: tuple[EditProblem, ...] = (),
    detail: Mapping[str, Any] | None = None,
) -> Refused:
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=subject_id,
        outcome=AuditOutcome.REFUSED,
        detail={
            "reason": reason.value,
            "problems": [f"{p.field}:{p.code}" for p in problems],
            **(detail or {}),
        },
    )
    log.info(
        "protocol action refused",
        extra={
            "action": action,
            "reason": reason.value,
            "person": actor.person_id,
            "protocol_id": protocol_id,
        },
    )
    return Refused(reason, protocol_id, problems)


def document_path(meeting: MeetingView, version: int, *, signed: bool = False) -> str:
    """``protokoller/2026/2026-05-21-SSU-protokoll-v2.pdf`` (``-signert`` when signed): one file
    per version, so earlier versions stay in the portal."""
    day = meeting.start.date()
    suffix = "-signert" if signed else ""
    return (
        f"protokoller/{day.year}/{day.isoformat()}-{meeting.body.value}-"
        f"protokoll-v{version}{suffix}.{EXTENSION}"
    )


# --------------------------------------------------------------------------------------------------
# The draft from the meeting's data
# --------------------------------------------------------------------------------------------------


async def consensus_results(session: AsyncSession, meeting_id: int) -> Sequence[Any]:
    """The consensus feature's ``results_for_meeting``, or nothing where it is not installed.

    Why imported here: the protocol must work (with empty decisions the secretariat fills in)
    in a build without the consensus feature, and keep no import-time dependency on it.
    """
    try:
        from bot.services.consensus import results_for_meeting
    except ImportError:  # pragma: no cover - the consensus feature is part of the app
        return []
    return await results_for_meeting(session, meeting_id=meeting_id)


def _absent(view: AttendanceView, person: Participant) -> bool:
    """Absent: recorded absent, reported absence and did not check in, or replaced by a deputy."""
    if person.present:
        return False
    replaced = any(d.replaces_person_id == person.person_id for d in view.deputies + view.guests)
    return person.status is AttendanceStatus.ABSENT or person.absence_reported or replaced


def _participants(
    view: AttendanceView, organisations: Mapping[int, str]
) -> dict[str, tuple[PersonLine, ...]]:
    """Who was there. With nothing recorded at all (a meeting held without check-in), the
    members who did not report absence are taken as present: they were called and nobody said
    otherwise — the secretariat corrects the attendance card before drafting if that is wrong."""
    recorded = any(
        p.status is not None for p in view.members + view.deputies + view.observers + view.guests
    )
    names = {p.person_id: p.name for p in view.members + view.deputies}

    def line(p: Participant, replaces: int | None = None) -> PersonLine:
        return PersonLine(
            p.name, organisations.get(p.person_id, ""), names.get(replaces) if replaces else None
        )

    present: list[PersonLine] = []
    absent: list[PersonLine] = []
    for member in view.members:
        if member.present or (not recorded and not member.absence_reported):
            present.append(line(member))
        elif _absent(view, member) or recorded:
            absent.append(line(member))
    present += [line(g) for g in view.guests if g.present or not recorded]
    deputies = [
        line(d, d.replaces_person_id or d.deputy_for_person_id) for d in view.deputies if d.present
    ]
    observers = [line(o) for o in view.observers if o.present or not recorded]
    return {
        "present": tuple(present),
        "deputies": tuple(deputies),
        "observers": tuple(observers),
        "absent": tuple(absent),
    }


def _stance_names(stances: Iterable[Any]) -> tuple[str, ...]:
    return tuple(
        f"{s.name} (for {s.deputy_for})" if getattr(s, "deputy_for", None) else str(s.name)
        for s in stances
    )


def _process(result: Any) -> str:
    rounds = 1 + len(result.earlier)
    final = result.final
    text = (
        "Behandlet etter konsensusprinsippet i én runde."
        if rounds == 1
        else f"Behandlet etter konsensusprinsippet i {rounds} runder; den siste avgjorde."
    )
    if final.quorum is not None:
        text += (
            f" Beslutningsdyktig: {final.quorum.present} av {final.quorum.total} til stede "
            f"(krav {final.quorum.required})."
        )
    text += " Konsensus." if final.consensus else " Ikke konsensus."
    return text


async def _case_entries(session: AsyncSession, meeting_id: int) -> tuple[CaseEntry, ...]:
    results = {r.case_id: r for r in await consensus_results(session, meeting_id)}
    shown = {CaseStatus.SCHEDULED.value, CaseStatus.TREATED.value, CaseStatus.DECIDED.value}
    query = select(Case).where(Case.meeting_id == meeting_id)
    rows = [
        c
        for c in (await session.exec(query)).all()
        if c.id is not None and (c.status in shown or c.id in results)
    ]
    rows.sort(key=lambda c: (c.year, c.number, c.id or 0))
    entries: list[CaseEntry] = []
    for case in rows:
        assert case.id is not None
        result = results.get(case.id)
        treated = " ".join(case.background.split())
        if len(treated) > TREATED_MAX:
            treated = treated[: TREATED_MAX - 1] + "…"
        entry = CaseEntry(
            case_id=case.id,
            label=format_case_number(case.number, case.year),
            title=case.title,
            treated=treated,
        )
        if result is not None:
            final = result.final
            consensus = bool(final.consensus)
            entry = CaseEntry(
                case_id=case.id,
                label=entry.label,
                title=case.title,
                treated=treated,
                process=_process(result),
                decision=str(final.decision_text),
                consensus=consensus,
                names_for=() if consensus else _stance_names(final.supporters),
                names_against=() if consensus else _stance_names(final.objectors),
                names_abstaining=() if consensus else _stance_names(final.abstainers),
                observer_input=tuple(
                    ObserverLine(str(o.name), str(o.organisation), str(o.text))
                    for o in final.observer_input
                ),
            )
        entries.append(entry)
    return tuple(entries)


async def _organisations(session: AsyncSession, body: str) -> dict[int, str]:
    query = select(Membership).where(Membership.body_code == body)
    return {m.person_id: m.organisation for m in (await session.exec(query)).all()}


async def build_content(session: AsyncSession, meeting: Meeting) -> ProtocolContent:
    """The protocol's content from the meeting's own data (see the module's docstring)."""
    view = MeetingView.of(meeting)
    attendance = await attendance_view(session, actor=SYSTEM, meeting_id=view.id)
    assert isinstance(attendance, AttendanceView), "the meeting exists"
    body = voting_body(view.body) or "SSU"
    groups = _participants(attendance, await _organisations(session, body))
    start, end = view.start, view.end
    if attendance.context is not None:
        start = attendance.context.started_at or start
        end = attendance.context.ended_at or end
    if end <= start:
        end = view.end if view.end > start else start
    secretariat = await attendance_repo.secretariat(session)
    return ProtocolContent(
        meeting_id=view.id,
        body=view.body.value,
        title=view.title,
        start=start,
        end=end,
        location=view.location,
        form=view.form.value,
        present=groups["present"],
        deputies=groups["deputies"],
        observers=groups["observers"],
        secretariat=tuple(PersonLine(p.name) for p in secretariat),
        absent=groups["absent"],
        cases=await _case_entries(session, view.id),
    )


# --------------------------------------------------------------------------------------------------
# Signers
# --------------------------------------------------------------------------------------------------


async def _signers(session: AsyncSession, meeting: Meeting) -> Signers:
    """The leader and deputy leader of the body that met, or the personal deputy of one who was
    absent (:func:`bot.domain.protocol.signers_for`)."""
    body = voting_body(meeting.body) or "SSU"
    query = select(Membership).where(Membership.body_code == body)
    seats = list((await session.exec(query)).all())
    leader = next((m.person_id for m in seats if m.role == "leader"), None)
    deputy = next((m.person_id for m in seats if m.role == "deputy_leader"), None)

    def personal_deputy(holder: int | None) -> int | None:
        if holder is None:
            return None
        return next(
            (
                m.person_id
                for m in seats
                if m.role == "personal_deputy" and m.deputy_for_person_id == holder
            ),
            None,
        )

    absent: set[int] = set()
    assert meeting.id is not None
    rows = await attendance_repo.for_meeting(session, meeting_id=meeting.id)
    by_person = {r.person_id: r for r in rows}
    replaced = {
        r.replaces_person_id
        for r in rows
        if r.replaces_person_id is not None and r.status == AttendanceStatus.PRESENT.value
    }
    for holder in (leader, deputy):
        if holder is None:
            continue
        row = by_person.get(holder)
        here = row is not None and row.status == AttendanceStatus.PRESENT.value
        if not here and (
            holder in replaced
            or (row is not None and row.status == AttendanceStatus.ABSENT.value)
            or (row is not None and row.absence_reported_at is not None)
        ):
            absent.add(holder)
    return signers_for(
        leader=leader,
        deputy_leader=deputy,
        leader_deputy=personal_deputy(leader),
        deputy_leader_deputy=personal_deputy(deputy),
        absent=absent,
    )


def _records(rows: Iterable[ProtocolSignature]) -> list[SignatureRecord]:
    return [
        SignatureRecord(r.person_id, SignerSlot(r.slot), r.version_sha, r.voided_at is not None)
        for r in rows
    ]


async def _names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await session.exec(select(Person).where(col(Person.id).in_(wanted)))).all()
    return {p.id: p.name for p in rows if p.id is not None}


async def _view(session: AsyncSession, row: Protocol) -> ProtocolView:
    assert row.id is not None
    meeting = await meeting_repo.get(session, row.meeting_id)
    assert meeting is not None, "foreign key"
    version = await repo.current_version(session, row)
    assert version is not None, "a protocol has a version"
    signers = await _signers(session, meeting)
    rows = await repo.signatures(session, protocol_id=row.id)
    valid = valid_signatures(_records(rows), row.current_sha)
    names = await _names(session, [*signers.people, *(r.person_id for r in rows)])
    views: list[SignatureView] = []
    for slot in SignerSlot:
        record = valid.get(slot)
        if record is None:
            continue
        stored = next(
            r
            for r in rows
            if r.slot == slot.value and r.version_sha == row.current_sha and r.voided_at is None
        )
        views.append(
            SignatureView(
                slot,
                stored.person_id,
                names.get(stored.person_id, str(stored.person_id)),
                stored.aad_object_id,
                _aware(stored.signed_at),
                stored.version_sha,
            )
        )
    signer_names = {
        slot: names.get(pid, str(pid))
        for slot in SignerSlot
        if (pid := signers.person(slot)) is not None
    }
    return ProtocolView(
        id=row.id,
        meeting=MeetingView.of(meeting),
        state=row.state,
        version=row.version_number,
        sha256=row.current_sha,
        text=version.text,
        content=content_from_json(version.content),
        deadline=_aware(row.deadline),
        late=row.late,
        published_at=_aware(row.published_at) if row.published_at else None,
        document_url=row.document_url,
        signed_document_url=row.signed_document_url,
        signers=signers,
        signer_names=signer_names,
        signatures=tuple(views),
    )


# --------------------------------------------------------------------------------------------------
# Draft, view, edit
# --------------------------------------------------------------------------------------------------


async def _add_version(
    session: AsyncSession,
    row: Protocol,
    content: ProtocolContent,
    *,
    actor: Actor | None,
    number: int,
    now: datetime,
) -> ProtocolVersion:
    """Append a version and its audit entry (the entry carries the hash: tamper evidence)."""
    assert row.id is not None
    text = canonical_text(content)
    sha = version_sha(text)
    version = await repo.add_version(
        session,
        ProtocolVersion(
            protocol_id=row.id,
            number=number,
            text=text,
            content=content_to_json(content),
            sha256=sha,
            created_by_person_id=actor.person_id if actor else None,
            created_at=now,
        ),
    )
    row.version_number = number
    row.current_sha = sha
    row.updated_at = now
    session.add(row)
    await _audit(
        session,
        actor=actor,
        action="protocol.version",
        subject_id=row.id,
        detail={"number": number, "sha256": sha, "meeting_id": row.meeting_id},
    )
    return version


async def draft_protocol(
    session: AsyncSession,
    *,
    actor: Actor,
    meeting_id: object,
    now: datetime | None = None,
) -> ProtocolView | Refused:
    """The meeting's protocol: drafted from its data the first time (version 1), the existing one
    after that (drafting twice never makes a second protocol). Secretariat only; the meeting
    must have been held."""
    moment = _now(now)
    action = "protocol.draft"
    if not actor.known:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_KNOWN, subject_id=""
        )
    if not actor.can(Capability.WRITE_PROTOCOL):
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_ALLOWED, subject_id=""
        )
    wanted = parse_id(meeting_id)
    meeting = await meeting_repo.get(session, wanted) if wanted is not None else None
    if meeting is None or meeting.id is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_FOUND,
            subject_id="",
            detail={"meeting": str(meeting_id)[:40]},
        )
    existing = await repo.for_meeting(session, meeting_id=meeting.id)
    if existing is not None:
        return await _view(session, existing)
    if meeting.state != MeetingState.HELD.value:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.MEETING_NOT_HELD,
            subject_id="",
            detail={"meeting_id": meeting.id, "state": meeting.state},
        )
    content = await build_content(session, meeting)
    text = canonical_text(content)
    row = await repo.add(
        session,
        Protocol(
            meeting_id=meeting.id,
            state="draft",
            version_number=0,
            current_sha=version_sha(text),
            deadline=_aware(meeting.protocol_at),
            created_by_person_id=actor.person_id,
            created_at=moment,
            updated_at=moment,
        ),
    )
    await _add_version(session, row, content, actor=actor, number=1, now=moment)
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=row.id,
        detail={
            "meeting_id": meeting.id,
            "sha256": row.current_sha,
            "cases": [c.case_id for c in content.cases],
            "deadline": _aware(meeting.protocol_at).isoformat(),
        },
    )
    log.info("protocol drafted", extra={"protocol_id": row.id, "meeting_id": meeting.id})
    return await _view(session, row)


async def get_protocol(
    session: AsyncSession, *, actor: Actor, protocol_id: object
) -> ProtocolView | Refused:
    """A protocol for someone to look at: drafts for the secretariat, published ones for
    everyone in the roster."""
    action = "protocol.view"
    if not actor.known:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_KNOWN, subject_id=""
        )
    wanted = parse_id(protocol_id)
    row = await repo.get(session, wanted) if wanted is not None else None
    if row is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_FOUND,
            subject_id=str(protocol_id)[:40],
        )
    if row.state == "draft" and not actor.can(Capability.WRITE_PROTOCOL):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_ALLOWED,
            subject_id=row.id,
            protocol_id=row.id,
        )
    return await _view(session, row)


@dataclass(frozen=True, slots=True)
class _EditPlan:
    row_id: int
    base_sha: str
    content: ProtocolContent
    text: str
    sha: str
    number: int
    published: bool
    meeting: MeetingView


async def _plan_edit(
    session: AsyncSession,
    *,
    actor: Actor,
    protocol_id: object,
    case_id: object,
    values: Mapping[str, object],
    base_sha: object,
) -> _EditPlan | ProtocolView | Refused:
    action = "protocol.edit"
    if not actor.known:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_KNOWN, subject_id=""
        )
    if not actor.can(Capability.WRITE_PROTOCOL):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_ALLOWED,
            subject_id=str(protocol_id)[:40],
        )
    wanted = parse_id(protocol_id)
    row = await repo.get(session, wanted, for_update=True) if wanted is not None else None
    if row is None or row.id is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_FOUND,
            subject_id=str(protocol_id)[:40],
        )
    if row.state == "signed":
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.FINAL,
            subject_id=row.id,
            protocol_id=row.id,
        )
    if base_sha is not None and base_sha != row.current_sha:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.CHANGED_MEANWHILE,
            subject_id=row.id,
            protocol_id=row.id,
        )
    version = await repo.current_version(session, row)
    assert version is not None
    wanted_case = parse_id(case_id)
    content = content_from_json(version.content)
    edited, problems = apply_edit(content, wanted_case or 0, values)
    if problems:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.INVALID,
            subject_id=row.id,
            protocol_id=row.id,
            problems=problems,
        )
    text = canonical_text(edited)
    sha = version_sha(text)
    if sha == row.current_sha:
        return await _view(session, row)
    meeting = await meeting_repo.get(session, row.meeting_id)
    assert meeting is not None
    return _EditPlan(
        row.id,
        row.current_sha,
        edited,
        text,
        sha,
        row.version_number + 1,
        row.state == "published",
        MeetingView.of(meeting),
    )


async def _record_edit(
    session: AsyncSession,
    *,
    actor: Actor,
    plan: _EditPlan,
    case_id: int,
    document: StoredDocument | None,
    render: Render | None,
    now: datetime,
) -> ProtocolView | Refused:
    row = await repo.get(session, plan.row_id, for_update=True)
    assert row is not None and row.id is not None
    if row.current_sha != plan.base_sha or row.state == "signed":
        return await _refuse(
            session,
            actor=actor,
            action="protocol.edit",
            reason=Refusal.CHANGED_MEANWHILE if row.state != "signed" else Refusal.FINAL,
            subject_id=row.id,
            protocol_id=row.id,
        )
    voided: list[int] = []
    for signature in await repo.signatures(session, protocol_id=row.id):
        if signature.voided_at is None:
            signature.voided_at = now
            session.add(signature)
            voided.append(signature.person_id)
    await _add_version(session, row, plan.content, actor=actor, number=plan.number, now=now)
    if document is not None:
        row.document_path = document.path
        row.document_url = document.url
        session.add(row)
    await session.flush()
    await _audit(
        session,
        actor=actor,
        action="protocol.edit",
        subject_id=row.id,
        detail={
            "case_id": case_id,
            "number": plan.number,
            "sha256": plan.sha,
            "previous_sha256": plan.base_sha,
            "voided": sorted(voided),
            "document": document.path if document else None,
        },
    )
    view = await _view(session, row)
    if plan.published and render is not None:
        await _ask_signers(session, view, render=render, now=now)
    log.info(
        "protocol edited",
        extra={"protocol_id": row.id, "number": plan.number, "voided": len(voided)},
    )
    return view


async def edit_case(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: Actor,
    protocol_id: object,
    case_id: object,
    values: Mapping[str, object],
    documents: DocumentStore | None = None,
    render: Render | None = None,
    base_sha: object = None,
    now: datetime | None = None,
) -> ProtocolView | Refused:
    """Replace one case's texts (``treated``, ``process``, ``decision``) with a new version.

    Unchanged text: no new version. After publication the new version's document is stored
    (between the two transactions), every earlier signature is voided and the signers are asked
    again. ``base_sha``: the version the editor saw; another edit in between is refused.
    """
    moment = _now(now)
    async with transaction(sessions) as session:
        plan = await _plan_edit(
            session,
            actor=actor,
            protocol_id=protocol_id,
            case_id=case_id,
            values=values,
            base_sha=base_sha,
        )
    if not isinstance(plan, _EditPlan):
        return plan
    stored: StoredDocument | None = None
    if plan.published:
        if documents is None:
            async with transaction(sessions) as session:
                return await _refuse(
                    session,
                    actor=actor,
                    action="protocol.edit",
                    reason=Refusal.STORAGE_FAILED,
                    subject_id=plan.row_id,
                    protocol_id=plan.row_id,
                )
        stored = await _store(
            documents,
            document_path(plan.meeting, plan.number),
            plan.text,
            sha=plan.sha,
            version=plan.number,
        )
        if stored is None:
            async with transaction(sessions) as session:
                return await _refuse(
                    session,
                    actor=actor,
                    action="protocol.edit",
                    reason=Refusal.STORAGE_FAILED,
                    subject_id=plan.row_id,
                    protocol_id=plan.row_id,
                )
    async with transaction(sessions) as session:
        return await _record_edit(
            session,
            actor=actor,
            plan=plan,
            case_id=parse_id(case_id) or 0,
            document=stored,
            render=render,
            now=moment,
        )


async def _store(
    documents: DocumentStore,
    path: str,
    text: str,
    *,
    sha: str,
    version: int,
    signatures: Sequence[SignatureLine] = (),
) -> StoredDocument | None:
    """Render and store a PDF; None (logged) when the store failed."""
    try:
        data = await asyncio.to_thread(
            render_protocol_pdf, text, sha256=sha, version=version, signatures=signatures
        )
        return await documents.put(path, data, content_type=CONTENT_TYPE)
    except Exception:
        log.exception("protocol document could not be stored", extra={"path": path})
        return None


# --------------------------------------------------------------------------------------------------
# Publish
# --------------------------------------------------------------------------------------------------


async def _check_publish(
    session: AsyncSession, *, actor: Actor, protocol_id: object
) -> ProtocolView | Refused:
    action = "protocol.publish"
    if not actor.known:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_KNOWN, subject_id=""
        )
    if not actor.can(Capability.WRITE_PROTOCOL):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_ALLOWED,
            subject_id=str(protocol_id)[:40],
        )
    wanted = parse_id(protocol_id)
    row = await repo.get(session, wanted, for_update=True) if wanted is not None else None
    if row is None or row.id is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_FOUND,
            subject_id=str(protocol_id)[:40],
        )
    if row.state != "draft":
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.ALREADY_PUBLISHED,
            subject_id=row.id,
            protocol_id=row.id,
        )
    meeting = await meeting_repo.get(session, row.meeting_id)
    assert meeting is not None
    if meeting.state != MeetingState.HELD.value:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.MEETING_NOT_HELD,
            subject_id=row.id,
            protocol_id=row.id,
            detail={"state": meeting.state},
        )
    return await _view(session, row)


async def publish_protocol(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: Actor,
    protocol_id: object,
    documents: DocumentStore,
    render: Render,
    now: datetime | None = None,
) -> ProtocolView | Refused:
    """Publish the current version: store its PDF, then in one transaction move the meeting to
    *protocol published*, send it to the members (personally and in the team channel), ask each
    signer to sign, and audit it — as late, with the deadline, when after the 7-day deadline."""
    moment = _now(now)
    async with transaction(sessions) as session:
        checked = await _check_publish(session, actor=actor, protocol_id=protocol_id)
    if isinstance(checked, Refused):
        return checked
    stored = await _store(
        documents,
        document_path(checked.meeting, checked.version),
        checked.text,
        sha=checked.sha256,
        version=checked.version,
    )
    async with transaction(sessions) as session:
        if stored is None:
            return await _refuse(
                session,
                actor=actor,
                action="protocol.publish",
                reason=Refusal.STORAGE_FAILED,
                subject_id=checked.id,
                protocol_id=checked.id,
            )
        again = await _check_publish(session, actor=actor, protocol_id=checked.id)
        if isinstance(again, Refused):
            return again
        if again.sha256 != checked.sha256:
            return await _refuse(
                session,
                actor=actor,
                action="protocol.publish",
                reason=Refusal.CHANGED_MEANWHILE,
                subject_id=checked.id,
                protocol_id=checked.id,
            )
        return await _record_publication(
            session, actor=actor, view=again, document=stored, render=render, now=moment
        )


async def _record_publication(
    session: AsyncSession,
    *,
    actor: Actor,
    view: ProtocolView,
    document: StoredDocument,
    render: Render,
    now: datetime,
) -> ProtocolView | Refused:
    row = await repo.get(session, view.id, for_update=True)
    meeting = await meeting_repo.get(session, view.meeting.id)
    assert row is not None and meeting is not None
    try:
        meeting.state = to_published(meeting.state).value
    except TransitionRefused:
        return await _refuse(
            session,
            actor=actor,
            action="protocol.publish",
            reason=Refusal.MEETING_NOT_HELD,
            subject_id=row.id,
            protocol_id=row.id,
        )
    meeting.updated_at = now
    session.add(meeting)
    late = now > _aware(row.deadline)
    row.state = "published"
    row.late = late
    row.published_at = now
    row.published_by_person_id = actor.person_id
    row.document_path = document.path
    row.document_url = document.url
    row.updated_at = now
    session.add(row)
    await session.flush()
    published = await _view(session, row)
    members = await _send_to_members(session, published, render=render, now=now)
    channels = await _send_to_channels(session, published, Audience.CHANNEL, render=render, now=now)
    signers = await _ask_signers(session, published, render=render, now=now)
    await _audit(
        session,
        actor=actor,
        action="protocol.publish",
        subject_id=row.id,
        detail={
            "meeting_id": meeting.id,
            "sha256": row.current_sha,
            "number": row.version_number,
            "late": late,
            "deadline": _aware(row.deadline).isoformat(),
            "document": document.path,
            "recipients": members,
            "channels": channels,
            "signers": signers,
        },
    )
    log.info(
        "protocol published",
        extra={
            "protocol_id": row.id,
            "meeting_id": meeting.id,
            "late": late,
            "recipients": members,
            "channels": channels,
        },
    )
    return published


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------


def _subject(view: ProtocolView) -> str:
    return f"Protokoll {view.meeting.body.value} {view.meeting.start:%Y-%m-%d}"


async def _enqueue(
    session: AsyncSession,
    message: ProtocolMessage,
    *,
    kind: str,
    key: str,
    render: Render,
    now: datetime,
) -> bool:
    text, document = render(message)
    row = await outbox.enqueue(
        session,
        kind=kind,
        subject=_subject(message.protocol),
        payload=outbox.payload(text=text, card=document, summary=text),
        not_before=now,
        expires_at=now + MESSAGE_LIFETIME,
        deadline_key=key,
        recipient_person_id=message.recipient_person_id,
        conversation_id=message.conversation_id,
        mandatory=True,
        now=now,
    )
    return row is not None


async def _locales(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await session.exec(select(Person).where(col(Person.id).in_(wanted)))).all()
    return {p.id: p.locale or "nb" for p in rows if p.id is not None}


async def _send_to_members(
    session: AsyncSession, view: ProtocolView, *, render: Render, now: datetime
) -> int:
    """Everyone called to the meeting (members, observers, the secretariat, deputies called in)."""
    invitees = await attendees_of(session, meeting_id=view.meeting.id)
    locales = await _locales(session, [i.person_id for i in invitees])
    count = 0
    for invitee in invitees:
        message = ProtocolMessage(
            Audience.MEMBER,
            view,
            locales.get(invitee.person_id, "nb"),
            recipient_person_id=invitee.person_id,
        )
        key = f"protocol:{view.id}:v{view.version}:member"
        count += await _enqueue(
            session, message, kind=KIND_PUBLISHED, key=key, render=render, now=now
        )
    return count


def _channel_targets(conversation_ids: Iterable[str]) -> list[str]:
    """One conversation per channel: the channel itself rather than a reply thread in it."""
    chosen: dict[str, str] = {}
    for conversation_id in sorted(conversation_ids):
        base = conversation_id.split(";", 1)[0]
        if base not in chosen or conversation_id == base:
            chosen[base] = conversation_id
    return sorted(chosen.values())


async def _send_to_channels(
    session: AsyncSession,
    view: ProtocolView,
    audience: Audience,
    *,
    render: Render,
    now: datetime,
) -> int:
    refs = await conversations.channel_references(session)
    kind = KIND_SIGNED if audience is Audience.SIGNED else KIND_PUBLISHED
    count = 0
    for conversation_id in _channel_targets(r.conversation_id for r in refs):
        message = ProtocolMessage(audience, view, "nb", conversation_id=conversation_id)
        key = f"protocol:{view.id}:v{view.version}:{audience.value}"
        count += await _enqueue(session, message, kind=kind, key=key, render=render, now=now)
    return count


async def _ask_signers(
    session: AsyncSession, view: ProtocolView, *, render: Render, now: datetime
) -> int:
    """A card to sign to each signer who has not signed this version; keyed by the version's
    hash, so an edit asks again and a repeat never sends the same card twice."""
    pending = [
        pid
        for slot in SignerSlot
        if (pid := view.signers.person(slot)) is not None and not view.signed_by(pid)
    ]
    locales = await _locales(session, pending)
    count = 0
    for person_id in pending:
        message = ProtocolMessage(
            Audience.SIGNER, view, locales.get(person_id, "nb"), recipient_person_id=person_id
        )
        key = f"protocol:{view.id}:{view.sha256[:16]}:sign"
        count += await _enqueue(session, message, kind=KIND_SIGN, key=key, render=render, now=now)
    return count


# --------------------------------------------------------------------------------------------------
# Sign, finalise, send back
# --------------------------------------------------------------------------------------------------


async def _check_signer(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    protocol_id: object,
    version: object,
) -> tuple[Protocol, Signers, SignerSlot] | Refused:
    """Everything a signer's action needs, or the refusal (audited)."""
    if not actor.known:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_KNOWN,
            subject_id=str(protocol_id)[:40],
        )
    wanted = parse_id(protocol_id)
    row = await repo.get(session, wanted, for_update=True) if wanted is not None else None
    if row is None or row.id is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_FOUND,
            subject_id=str(protocol_id)[:40],
        )
    meeting = await meeting_repo.get(session, row.meeting_id)
    assert meeting is not None
    signers = await _signers(session, meeting)
    slot = signers.slot_of(actor.person_id)
    given = version if isinstance(version, str) else ""
    detail = {"version": given[:64]}
    if slot is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_SIGNER,
            subject_id=row.id,
            protocol_id=row.id,
            detail=detail,
        )
    if row.state == "draft":
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_PUBLISHED,
            subject_id=row.id,
            protocol_id=row.id,
            detail=detail,
        )
    if not actor.aad_object_id:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOT_AUTHENTICATED,
            subject_id=row.id,
            protocol_id=row.id,
            detail=detail,
        )
    checked = check_signature(
        signers,
        person_id=actor.person_id,
        given_sha=given if _is_sha(given) else "",
        current_sha=row.current_sha,
        signatures=_records(await repo.signatures(session, protocol_id=row.id)),
    )
    if isinstance(checked, SignRefusal):
        reason = {
            SignRefusal.NOT_SIGNER: Refusal.NOT_SIGNER,
            SignRefusal.OLD_VERSION: Refusal.OLD_VERSION,
            SignRefusal.ALREADY_SIGNED: Refusal.ALREADY_SIGNED,
        }[checked]
        if row.state == "signed" and reason is Refusal.OLD_VERSION:
            reason = Refusal.FINAL
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=reason,
            subject_id=row.id,
            protocol_id=row.id,
            detail=detail,
        )
    if row.state == "signed":
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.FINAL,
            subject_id=row.id,
            protocol_id=row.id,
            detail=detail,
        )
    return row, signers, checked


async def sign_protocol(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: Actor,
    protocol_id: object,
    version: object,
    documents: DocumentStore,
    render: Render,
    now: datetime | None = None,
) -> Signed | Refused:
    """Record the actor's signature on the version ``version`` (its SHA-256), then — with both
    signatures — archive the signed PDF and post it (:func:`finalise_protocol`)."""
    moment = _now(now)
    action = "protocol.sign"
    async with transaction(sessions) as session:
        checked = await _check_signer(
            session, actor=actor, action=action, protocol_id=protocol_id, version=version
        )
        if isinstance(checked, Refused):
            return checked
        row, signers, slot = checked
        assert row.id is not None and actor.person_id is not None and actor.aad_object_id
        await repo.add_signature(
            session,
            ProtocolSignature(
                protocol_id=row.id,
                version_sha=row.current_sha,
                slot=slot.value,
                person_id=actor.person_id,
                aad_object_id=actor.aad_object_id,
                signed_at=moment,
            ),
        )
        final = is_final(
            signers, _records(await repo.signatures(session, protocol_id=row.id)), row.current_sha
        )
        await _audit(
            session,
            actor=actor,
            action=action,
            subject_id=row.id,
            detail={
                "sha256": row.current_sha,
                "number": row.version_number,
                "slot": slot.value,
                "person_id": actor.person_id,
                "aad_object_id": actor.aad_object_id,
                "signed_at": moment.astimezone(UTC).isoformat(),
                "final": final,
            },
        )
        view = await _view(session, row)
    log.info(
        "protocol signed",
        extra={"protocol_id": view.id, "person": actor.person_id, "slot": slot.value},
    )
    if final:
        finalised = await finalise_protocol(
            sessions, protocol_id=view.id, documents=documents, render=render, now=moment
        )
        if isinstance(finalised, Finalised):
            view = finalised.protocol
    return Signed(view, slot, final)


async def finalise_protocol(
    sessions: async_sessionmaker[AsyncSession],
    *,
    protocol_id: int,
    documents: DocumentStore,
    render: Render,
    now: datetime | None = None,
) -> Finalised | Refused:
    """Both have signed the current version: archive the signed PDF (with its signature page)
    in the portal, post it to the team, and move the meeting to *protocol signed*.

    Idempotent and safe to run again: if the upload failed, the signatures stand and a later run
    (the next signer action, or a retry) finishes it; a finished protocol is left as it is.
    """
    if protocol_id in _ARCHIVING:
        log.info("protocol archive already running", extra={"protocol_id": protocol_id})
        return Refused(Refusal.CHANGED_MEANWHILE, protocol_id)
    _ARCHIVING.add(protocol_id)
    try:
        return await _finalise(
            sessions, protocol_id=protocol_id, documents=documents, render=render, now=now
        )
    finally:
        _ARCHIVING.discard(protocol_id)


async def _finalise(
    sessions: async_sessionmaker[AsyncSession],
    *,
    protocol_id: int,
    documents: DocumentStore,
    render: Render,
    now: datetime | None,
) -> Finalised | Refused:
    moment = _now(now)
    async with transaction(sessions) as session:
        row = await repo.get(session, protocol_id)
        if row is None or row.state != "published":
            return Refused(Refusal.FINAL if row else Refusal.NOT_FOUND, protocol_id)
        view = await _view(session, row)
    if len(view.signatures) < len(SignerSlot):
        return Refused(Refusal.NOT_PUBLISHED, protocol_id)
    lines = [
        SignatureLine(s.name, SLOT_NAMES_NB[s.slot], s.signed_at, s.aad_object_id)
        for s in view.signatures
    ]
    path = document_path(view.meeting, view.version, signed=True)
    data: bytes | None = None
    stored: StoredDocument | None = None
    try:
        data = await asyncio.to_thread(
            render_protocol_pdf,
            view.text,
            sha256=view.sha256,
            version=view.version,
            signatures=lines,
        )
        stored = await documents.put(path, data, content_type=CONTENT_TYPE)
    except Exception:
        log.exception("signed protocol could not be stored", extra={"protocol_id": protocol_id})
    async with transaction(sessions) as session:
        row = await repo.get(session, protocol_id, for_update=True)
        assert row is not None
        if stored is None or data is None:
            await _audit(
                session,
                actor=None,
                action="protocol.final",
                subject_id=protocol_id,
                outcome=AuditOutcome.REFUSED,
                detail={"reason": Refusal.STORAGE_FAILED.value, "sha256": view.sha256},
            )
            return Refused(Refusal.STORAGE_FAILED, protocol_id)
        if row.state != "published" or row.current_sha != view.sha256:
            return Refused(Refusal.CHANGED_MEANWHILE, protocol_id)
        meeting = await meeting_repo.get(session, row.meeting_id)
        assert meeting is not None
        before = meeting.state
        if meeting.state != MeetingState.PROTOCOL_SIGNED.value:
            meeting.state = to_signed(meeting.state).value
            meeting.updated_at = moment
            session.add(meeting)
        document_sha = hashlib.sha256(data).hexdigest()
        row.state = "signed"
        row.signed_at = moment
        row.signed_document_path = stored.path
        row.signed_document_url = stored.url
        row.signed_document_sha = document_sha
        row.updated_at = moment
        session.add(row)
        await session.flush()
        final = await _view(session, row)
        channels = await _send_to_channels(
            session, final, Audience.SIGNED, render=render, now=moment
        )
        await _audit(
            session,
            actor=None,
            action="protocol.final",
            subject_id=row.id,
            detail={
                "sha256": row.current_sha,
                "number": row.version_number,
                "document": stored.path,
                "document_sha256": document_sha,
                "signers": [s.person_id for s in final.signatures],
                "meeting_from": before,
                "meeting_to": meeting.state,
                "channels": channels,
            },
        )
    log.info("protocol final", extra={"protocol_id": protocol_id, "channels": channels})
    return Finalised(final, stored)


def archive_retry_delay(
    failures: int,
    *,
    first: timedelta = ARCHIVE_RETRY_FIRST,
    cap: timedelta = ARCHIVE_RETRY_CAP,
) -> timedelta:
    """How long after the last failed archive the next try is due: none before the first
    failure, then ``first``, doubling with each further failure, never more than ``cap``."""
    if failures <= 0:
        return timedelta(0)
    return min(cap, first * (1 << min(failures - 1, 30)))


async def archives_due(
    session: AsyncSession,
    *,
    now: datetime,
    first: timedelta | None = None,
    cap: timedelta | None = None,
) -> list[int]:
    """Protocols with both signatures on the current version whose signed PDF is not archived
    yet, and whose backoff after their last failed archive (of this version) has run out."""
    due: list[int] = []
    for row in await repo.in_states(session, states=("published",)):
        assert row.id is not None
        view = await _view(session, row)
        if len(view.signatures) < len(SignerSlot):
            continue
        failures = [
            entry
            for entry in await audit.entries_for(session, subject_type=SUBJECT, subject_id=row.id)
            if entry.action == "protocol.final"
            and entry.outcome == AuditOutcome.REFUSED.value
            and json.loads(entry.detail).get("sha256") == row.current_sha
        ]
        if failures:
            wait = archive_retry_delay(
                len(failures),
                first=first or ARCHIVE_RETRY_FIRST,
                cap=cap or ARCHIVE_RETRY_CAP,
            )
            if _aware(failures[-1].at) + wait > now:
                continue
        due.append(row.id)
    return due


async def archive_signed(
    sessions: async_sessionmaker[AsyncSession],
    *,
    documents: DocumentStore,
    render: Render,
    now: datetime | None = None,
    first: timedelta | None = None,
    cap: timedelta | None = None,
) -> list[Finalised | Refused]:
    """The scheduler's job: archive and post every fully signed protocol whose archive failed
    (or never ran: the process stopped between the signature and the upload). Each one that
    fails again is audited as before and waits longer (:func:`archive_retry_delay`)."""
    moment = _now(now)
    async with transaction(sessions) as session:
        due = await archives_due(session, now=moment, first=first, cap=cap)
    results: list[Finalised | Refused] = []
    for protocol_id in due:
        if protocol_id in _ARCHIVING:
            continue
        log.info("archiving a signed protocol again", extra={"protocol_id": protocol_id})
        results.append(
            await finalise_protocol(
                sessions, protocol_id=protocol_id, documents=documents, render=render, now=moment
            )
        )
    return results


async def return_protocol(
    session: AsyncSession,
    *,
    actor: Actor,
    protocol_id: object,
    version: object,
    comment: object,
    render: Render,
    now: datetime | None = None,
) -> Returned | Refused:
    """A signer sends the protocol back to the secretariat with a comment instead of signing;
    the secretariat gets it personally. Nothing about the protocol itself changes."""
    moment = _now(now)
    action = "protocol.return"
    checked = await _check_signer(
        session, actor=actor, action=action, protocol_id=protocol_id, version=version
    )
    if isinstance(checked, Refused) and checked.reason is not Refusal.ALREADY_SIGNED:
        return checked
    if isinstance(checked, Refused):  # signed already, yet may still ask for a correction
        wanted = parse_id(protocol_id)
        row = await repo.get(session, wanted) if wanted is not None else None
        assert row is not None
    else:
        row = checked[0]
    assert row.id is not None and actor.person_id is not None
    text = " ".join(comment.split()) if isinstance(comment, str) else ""
    if not COMMENT_MIN <= len(text) <= COMMENT_MAX:
        code = "required" if len(text) < COMMENT_MIN else "too_long"
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.INVALID,
            subject_id=row.id,
            protocol_id=row.id,
            problems=(EditProblem("comment", code),),
        )
    stored = await repo.add_comment(
        session,
        ProtocolComment(
            protocol_id=row.id,
            version_sha=row.current_sha,
            person_id=actor.person_id,
            text=text,
            created_at=moment,
        ),
    )
    assert stored.id is not None
    view = await _view(session, row)
    secretariat = await attendance_repo.secretariat(session)
    notified = 0
    for person in secretariat:
        if person.id is None:
            continue
        message = ProtocolMessage(
            Audience.SECRETARIAT,
            view,
            person.locale or "nb",
            recipient_person_id=person.id,
            comment=text,
            returned_by=actor.name,
        )
        key = f"protocol:{row.id}:return:{stored.id}"
        notified += await _enqueue(
            session, message, kind=KIND_RETURNED, key=key, render=render, now=moment
        )
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=row.id,
        detail={"sha256": row.current_sha, "comment_id": stored.id, "notified": notified},
    )
    log.info("protocol sent back", extra={"protocol_id": row.id, "comment_id": stored.id})
    return Returned(view, stored.id, notified)


async def protocols_to_sign(session: AsyncSession, *, actor: Actor) -> list[ProtocolView]:
    """The published protocols this person may sign and has not signed (``protokoller til
    signering``)."""
    if not actor.known:
        return []
    found: list[ProtocolView] = []
    for row in await repo.in_states(session, states=("published",)):
        view = await _view(session, row)
        if view.signers.slot_of(actor.person_id) is not None and not view.signed_by(
            actor.person_id
        ):
            found.append(view)
    return found


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


def _detail(entry: AuditEntry) -> dict[str, Any]:
    try:
        value = json.loads(entry.detail)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


DocumentReader = Callable[[str], bytes | None]


async def verify_protocol(
    session: AsyncSession,
    *,
    protocol_id: object,
    read_document: DocumentReader | None = None,
) -> Verification:
    """Whether the stored protocol still is what was recorded.

    Checks, first failure wins: the whole audit chain recomputes; every version's text hashes to
    its stored SHA-256 and that hash is the one its audit entry recorded (and no audited version
    is missing); the protocol points at its latest version; every signature in force is in the
    audit log with the same hash, slot and person; the archived signed PDF (when it can be read)
    hashes to what the final audit entry recorded.
    """
    wanted = parse_id(protocol_id)
    row = await repo.get(session, wanted) if wanted is not None else None
    if row is None or row.id is None:
        return Verification(False, f"no protocol {str(protocol_id)[:40]!s}")
    entries = await audit.all_entries(session)
    chain = audit.verify_chain(entries)
    if not chain.ok:
        return Verification(
            False, f"audit chain broken at entry {chain.first_bad_id}: {chain.reason}"
        )
    mine = [e for e in entries if e.subject_type == SUBJECT and e.subject_id == str(row.id)]
    ok = [e for e in mine if e.outcome == AuditOutcome.OK.value]
    audited_versions = {
        int(d["number"]): str(d.get("sha256"))
        for e in ok
        if e.action == "protocol.version" and "number" in (d := _detail(e))
    }
    versions = await repo.versions(session, protocol_id=row.id)
    for version in versions:
        if version_sha(version.text) != version.sha256:
            return Verification(False, f"version {version.number}: text does not match its hash")
        recorded = audited_versions.get(version.number)
        if recorded is None:
            return Verification(False, f"version {version.number}: not in the audit log")
        if recorded != version.sha256:
            return Verification(False, f"version {version.number}: hash differs from the audit log")
    missing = sorted(set(audited_versions) - {v.number for v in versions})
    if missing:
        return Verification(False, f"version {missing[0]}: in the audit log but missing")
    if (
        not versions
        or versions[-1].number != row.version_number
        or (versions[-1].sha256 != row.current_sha)
    ):
        return Verification(False, "the protocol does not point at its latest version")
    signatures = [s for s in await repo.signatures(session, protocol_id=row.id)]
    audited_signatures = {
        (str(d.get("sha256")), str(d.get("slot")), int(d.get("person_id") or 0))
        for e in ok
        if e.action == "protocol.sign" and (d := _detail(e))
    }
    for signature in signatures:
        key = (signature.version_sha, signature.slot, signature.person_id)
        if key not in audited_signatures:
            return Verification(False, f"signature {signature.id}: not as in the audit log")
    in_force = [s for s in signatures if s.voided_at is None and s.version_sha == row.current_sha]
    if row.state == "signed":
        finals = [_detail(e) for e in ok if e.action == "protocol.final"]
        if not finals or finals[-1].get("sha256") != row.current_sha:
            return Verification(False, "the signed version is not the one the audit log finalised")
        if len({s.slot for s in in_force}) < len(SignerSlot):
            return Verification(False, "a signature of the signed version is missing")
        if finals[-1].get("document_sha256") != row.signed_document_sha:
            return Verification(False, "the signed document's hash differs from the audit log")
        if read_document is not None and row.signed_document_path:
            data = read_document(row.signed_document_path)
            if data is not None and hashlib.sha256(data).hexdigest() != row.signed_document_sha:
                return Verification(False, "the archived signed PDF was changed")
    return Verification(
        True,
        "",
        versions=len(versions),
        signatures=len(in_force),
        audit_entries=len(mine),
        checks=(
            f"audit chain: {chain.checked} entries",
            f"versions: {len(versions)}",
            f"signatures in force: {len(in_force)}",
        ),
    )


async def draft_candidates(session: AsyncSession, *, actor: Actor) -> list[MeetingView] | Refused:
    """The held meetings whose protocol is not yet signed, latest first (the secretariat's
    ``protokoll`` command offers to draft or open theirs)."""
    if not actor.can(Capability.WRITE_PROTOCOL):
        return await _refuse(
            session,
            actor=actor,
            action="protocol.candidates",
            reason=Refusal.NOT_KNOWN if not actor.known else Refusal.NOT_ALLOWED,
            subject_id="",
        )
    states = (MeetingState.HELD.value, MeetingState.PROTOCOL_PUBLISHED.value)
    query = (
        select(Meeting)
        .where(col(Meeting.state).in_(states))
        .order_by(col(Meeting.start_at).desc())
        .limit(8)
    )
    return [MeetingView.of(row) for row in (await session.exec(query)).all()]
