"""Consensus rounds: the chair puts a decision case to the members present, they answer (supports,
has objections, abstains), observers add input, and the chair closes the round — the result goes
to the case and is kept for the protocol.

Why every change returns ``... | Refused`` instead of raising: a refused attempt must be audited,
and the audit entry has to commit with the caller's transaction; an exception would roll it back.
Refusals are decided before anything is written, so committing after a refusal stores the audit
entry and nothing more.

Why this service owns no rule of who sits where: who is present, which deputy sits in whose seat
and whether the meeting has a quorum come from the attendance feature
(:func:`bot.services.attendance.attendance_view`), and who may answer from
:mod:`bot.domain.quorum` (through :mod:`bot.domain.consensus`). The round only stores what was
answered; eligibility is computed afresh on every answer and at the close, so a member who leaves
or a deputy who takes over is handled the moment attendance says so.

Why the outcome is computed at the close only: consensus is what the room agrees on when the chair
closes the dialogue. The live tally on the card is the same computation, shown as it stands.

The protocol feature reads :func:`results_for_meeting`: per case the final decision text, the
outcome, who stood for and against (with reasons), who abstained, and the observers' input kept
apart.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import consensus as rules
from bot.domain.cases import CaseStatus, TransitionRefused, format_case_number, transition
from bot.domain.consensus import Outcome, Position, Problem, RoundState, Tally
from bot.domain.meeting_state import MeetingState
from bot.domain.quorum import Sitting
from bot.domain.roles import Actor
from bot.services import attendance
from bot.services import cases as case_service
from bot.services.attendance import NO_HOOKS, AttendanceHooks, AttendanceView, Participant
from bot.services.meetings import SYSTEM, MeetingView
from storage import audit
from storage import cases as case_repo
from storage import consensus as repo
from storage import meetings as meeting_repo
from storage.attendance_tables import AttendanceStatus
from storage.case_tables import Case
from storage.consensus_tables import ConsensusAnswer, ConsensusInput, ConsensusRound
from storage.models import AuditOutcome
from storage.people import memberships_of

__all__ = [
    "MAX_REFRESH_USERS",
    "AnswerView",
    "CaseChoice",
    "CaseResult",
    "CaseSummary",
    "Closed",
    "InputView",
    "ObserverInput",
    "Prepared",
    "QuorumInfo",
    "Reason",
    "Refused",
    "RoundRecord",
    "RoundView",
    "Saved",
    "Stance",
    "StartList",
    "Started",
    "Viewer",
    "Voter",
    "add_input",
    "attach_card",
    "close_round",
    "prepare_round",
    "respond",
    "results_for_meeting",
    "round_view",
    "start_candidates",
    "start_round",
    "viewer_of",
]

log = logging.getLogger(__name__)

SUBJECT: Final = "consensus_round"
MAX_REFRESH_USERS: Final = 60
"""Teams refreshes a card automatically for at most 60 listed users."""


class Reason(StrEnum):
    """Why nothing changed; the card says it with ``consensus.refused.<value>``."""

    NOT_KNOWN = "not_known"
    NOT_FOUND = "not_found"
    NOT_CHAIR = "not_chair"
    NO_MEETING = "no_meeting"
    MEETING_NOT_OPEN = "meeting_not_open"
    NOT_DECISION_CASE = "not_decision_case"
    WRONG_STATE = "wrong_state"
    ALREADY_OPEN = "already_open"
    WRONG_MEETING = "wrong_meeting"
    ROUND_CLOSED = "round_closed"
    NOT_PRESENT = "not_present"
    NOT_ELIGIBLE = "not_eligible"
    NOT_OBSERVER = "not_observer"
    INVALID = "invalid"


# --------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    label: str
    """``04/26``."""
    title: str
    proposal: str
    status: CaseStatus
    major_economic: bool


@dataclass(frozen=True, slots=True)
class QuorumInfo:
    """The meeting's quorum: live while the round is open, as it was at the close after."""

    present: int
    total: int
    required: int
    reached: bool
    notice_complete: bool = True


@dataclass(frozen=True, slots=True)
class Voter:
    """Someone who may answer: the person in a filled seat (``deputy_for``: the absent member
    whose seat a personal deputy sits in)."""

    person_id: int
    name: str
    seat_member_id: int
    deputy_for: str | None = None
    teams_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerView:
    person_id: int
    name: str
    position: Position
    reason: str
    deputy_for: str | None = None
    counted: bool | None = None


@dataclass(frozen=True, slots=True)
class InputView:
    person_id: int
    name: str
    organisation: str
    text: str


@dataclass(frozen=True, slots=True)
class RoundView:
    """A round as the card shows it. While open, ``voters`` and ``tally`` are computed from the
    attendance now; once closed, from the answers counted at the close."""

    id: int
    meeting: MeetingView
    case: CaseSummary
    state: RoundState
    decision_text: str
    proposal: str
    major_economic: bool
    chair_person_id: int | None
    chair_name: str
    started_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None
    quorum: QuorumInfo | None
    voters: tuple[Voter, ...]
    tally: Tally
    not_answered: int
    """Eligible people without an answer (now, or at the close)."""
    answers: Mapping[int, AnswerView]
    inputs: tuple[InputView, ...]
    refresh_user_ids: tuple[str, ...] = ()
    observer_ids: frozenset[int] = frozenset()
    conversation_id: str | None = None
    activity_id: str | None = None
    meeting_ended: bool = False

    @property
    def open(self) -> bool:
        return self.state is RoundState.OPEN

    def names(self, person_ids: Sequence[int]) -> tuple[AnswerView, ...]:
        """The answers of these people (for/against/abstaining lists), in the given order."""
        return tuple(self.answers[p] for p in person_ids if p in self.answers)

    def voter(self, person_id: int | None) -> Voter | None:
        for voter in self.voters:
            if voter.person_id == person_id:
                return voter
        return None

    @property
    def would_be(self) -> Outcome:
        """The outcome if the chair closed now."""
        reached = self.quorum is not None and self.quorum.reached
        return rules.outcome(self.tally, quorum_reached=reached)


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the person looking at the round card may do there."""

    person_id: int | None
    is_chair: bool = False
    eligible: bool = False
    observer: bool = False
    answer: AnswerView | None = None
    input: InputView | None = None


SHARED_VIEWER: Final = Viewer(None)
"""The card everybody sees until Teams refreshes it for them: the tally, no buttons of anyone."""


@dataclass(frozen=True, slots=True)
class Refused:
    """Why nothing changed. ``view``: the round as it is, when there is one to show (an invalid
    answer is shown again with ``problems`` next to its fields and the ``values`` given)."""

    reason: Reason
    round_id: int | None = None
    problems: tuple[Problem, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    view: RoundView | None = None


@dataclass(frozen=True, slots=True)
class CaseChoice:
    """A decision case of the meeting the chair may put to a round; ``round_id`` of the round
    open on it, ``decided`` when a round already reached consensus."""

    case: CaseSummary
    open_round_id: int | None = None
    decided: bool = False


@dataclass(frozen=True, slots=True)
class StartList:
    meeting: MeetingView
    cases: tuple[CaseChoice, ...]


@dataclass(frozen=True, slots=True)
class Prepared:
    """What the chair sees before starting: the case and its proposed decision to amend."""

    meeting: MeetingView
    case: CaseSummary


@dataclass(frozen=True, slots=True)
class Started:
    view: RoundView


@dataclass(frozen=True, slots=True)
class Saved:
    view: RoundView
    changed: bool


@dataclass(frozen=True, slots=True)
class Closed:
    view: RoundView
    case_status: CaseStatus


# --------------------------------------------------------------------------------------------------
# Results for the protocol
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stance:
    """One member's answer as the protocol records it."""

    person_id: int
    name: str
    deputy_for: str | None
    """The absent member whose seat a personal deputy sat in, or None."""
    reason: str


@dataclass(frozen=True, slots=True)
class ObserverInput:
    person_id: int
    name: str
    organisation: str
    text: str


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """A closed round, as the protocol needs it."""

    round_id: int
    decision_text: str
    proposal: str
    outcome: Outcome
    supporters: tuple[Stance, ...]
    objectors: tuple[Stance, ...]
    abstainers: tuple[Stance, ...]
    not_counted: tuple[Stance, ...]
    """Answers by people no longer eligible at the close (they left): recorded, not counted."""
    observer_input: tuple[ObserverInput, ...]
    quorum: QuorumInfo | None
    eligible_count: int | None
    major_economic: bool
    started_at: datetime
    closed_at: datetime | None

    @property
    def consensus(self) -> bool:
        return self.outcome is Outcome.CONSENSUS


@dataclass(frozen=True, slots=True)
class CaseResult:
    """Per decision case of a meeting: the last closed round (``final``) and the rounds before
    it (``earlier``, oldest first) — the process that led to the decision."""

    case_id: int
    label: str
    title: str
    final: RoundRecord
    earlier: tuple[RoundRecord, ...] = ()

    @property
    def decision_text(self) -> str:
        return self.final.decision_text

    @property
    def outcome(self) -> Outcome:
        return self.final.outcome

    @property
    def consensus(self) -> bool:
        return self.final.consensus

    @property
    def names_for(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.final.supporters)

    @property
    def names_against(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.final.objectors)

    @property
    def names_abstaining(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.final.abstainers)

    @property
    def observer_input(self) -> tuple[ObserverInput, ...]:
        return self.final.observer_input


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def _id(row: ConsensusRound | Case) -> int:
    assert row.id is not None, "a stored row has an id"
    return row.id


async def _audit(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    subject_id: int | str,
    detail: Mapping[str, Any],
    outcome: AuditOutcome = AuditOutcome.OK,
    subject_type: str = SUBJECT,
) -> None:
    await audit.append(
        session,
        action=action,
        outcome=outcome,
        actor_person_id=actor.person_id,
        actor_aad_id=actor.aad_object_id,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


async def _refuse(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    reason: Reason,
    round_id: int | None = None,
    case_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    problems: tuple[Problem, ...] = (),
    values: Mapping[str, str] | None = None,
    view: RoundView | None = None,
) -> Refused:
    subject_type, subject_id = (SUBJECT, round_id) if round_id is not None else ("case", case_id)
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id if subject_id is not None else "",
        detail={
            "reason": reason.value,
            "problems": [f"{p.field}:{p.code}" for p in problems],
            **(detail or {}),
        },
        outcome=AuditOutcome.REFUSED,
    )
    log.info(
        "consensus action refused",
        extra={
            "action": action,
            "reason": reason.value,
            "person": actor.person_id,
            "round_id": round_id,
            "case_id": case_id,
        },
    )
    return Refused(reason, round_id, problems, dict(values or {}), view)


def _summary(row: Case) -> CaseSummary:
    return CaseSummary(
        id=_id(row),
        label=format_case_number(row.number, row.year),
        title=row.title,
        proposal=row.proposal,
        status=CaseStatus(row.status),
        major_economic=rules.major_economic(row.economic_impact),
    )


def _present(view: AttendanceView) -> frozenset[int]:
    return frozenset(
        p.person_id
        for group in (view.members, view.deputies, view.observers, view.guests)
        for p in group
        if p.present
    )


def _absent(view: AttendanceView) -> frozenset[int]:
    return frozenset(
        p.person_id
        for group in (view.members, view.deputies)
        for p in group
        if p.status is AttendanceStatus.ABSENT
    )


def _seats(view: AttendanceView) -> tuple[Any, ...]:
    return tuple(s.seat for s in view.sittings)


def _chair(view: AttendanceView) -> int | None:
    """Who chairs the meeting now, by §4.1 (see :func:`bot.domain.consensus.chair_of`)."""
    return rules.chair_of(_seats(view), present=_present(view), absent=_absent(view))


def _eligible(view: AttendanceView, *, major: bool) -> tuple[Sitting, ...]:
    return rules.eligible(_seats(view), _present(view), major=major)


def _name(view: AttendanceView, person_id: int | None) -> str:
    person = view.person(person_id)
    return person.name if person is not None else ""


def _voters(view: AttendanceView, *, major: bool) -> tuple[Voter, ...]:
    voters = []
    for sitting in _eligible(view, major=major):
        assert sitting.person_id is not None
        person: Participant | None = view.person(sitting.person_id)
        voters.append(
            Voter(
                person_id=sitting.person_id,
                name=person.name if person is not None else str(sitting.person_id),
                seat_member_id=sitting.seat.member_id,
                deputy_for=_name(view, sitting.seat.member_id) if sitting.by_deputy else None,
                teams_user_id=person.teams_user_id if person is not None else None,
            )
        )
    return tuple(sorted(voters, key=lambda v: (v.name, v.person_id)))


def _quorum(view: AttendanceView) -> QuorumInfo | None:
    result = view.quorum
    if result is None:
        return None
    return QuorumInfo(
        present=result.present,
        total=result.total,
        required=result.required,
        reached=result.reached,
        notice_complete=result.notice_complete,
    )


def _answer_view(row: ConsensusAnswer) -> AnswerView:
    return AnswerView(
        person_id=row.person_id,
        name=row.person_name,
        position=Position(row.position),
        reason=row.reason,
        deputy_for=row.seat_member_name if row.seat_member_id != row.person_id else None,
        counted=row.counted,
    )


def _input_view(row: ConsensusInput) -> InputView:
    return InputView(row.person_id, row.person_name, row.organisation, row.text)


def _refresh_ids(
    voters: Sequence[Voter], chair: Participant | None, observers: Sequence[Participant]
) -> tuple[str, ...]:
    """The Teams ids that get the card's automatic refresh (at most 60): the members who may
    answer first, then the chair, then the observers present."""
    ordered = [v.teams_user_id for v in voters if v.teams_user_id]
    if chair is not None and chair.teams_user_id:
        ordered.append(chair.teams_user_id)
    ordered += [o.teams_user_id for o in observers if o.present and o.teams_user_id]
    return tuple(dict.fromkeys(ordered))[:MAX_REFRESH_USERS]


async def _attendance(
    session: AsyncSession, meeting_id: int, hooks: AttendanceHooks
) -> AttendanceView | None:
    found = await attendance.attendance_view(
        session, actor=SYSTEM, meeting_id=meeting_id, hooks=hooks
    )
    return found if isinstance(found, AttendanceView) else None


async def _build(
    session: AsyncSession, row: ConsensusRound, present: AttendanceView, case: Case
) -> RoundView:
    """The round as it is now: live tally while open, the counted answers once closed."""
    answer_rows = await repo.answers(session, round_id=_id(row))
    answers = {a.person_id: _answer_view(a) for a in answer_rows}
    inputs = tuple(_input_view(i) for i in await repo.inputs(session, round_id=_id(row)))
    state = RoundState(row.status)
    chair_id = _chair(present) if state is RoundState.OPEN else row.chair_person_id
    chair = present.person(chair_id)
    if state is RoundState.OPEN:
        voters = _voters(present, major=row.major_economic)
        result = rules.tally(
            [v.person_id for v in voters], {p: a.position for p, a in answers.items()}
        )
        not_answered = len(result.pending)
        quorum = _quorum(present)
    else:
        counted = [a for a in answer_rows if a.counted]
        voters = tuple(
            Voter(a.person_id, a.person_name, a.seat_member_id, _answer_view(a).deputy_for)
            for a in counted
        )
        result = rules.tally(
            [a.person_id for a in counted], {a.person_id: a.position for a in answer_rows}
        )
        not_answered = max(0, (row.eligible_count or 0) - len(counted))
        quorum = (
            QuorumInfo(
                row.quorum_present or 0,
                row.quorum_total or 0,
                row.quorum_required or 0,
                bool(row.quorum_reached),
            )
            if row.quorum_total is not None
            else None
        )
    observers = present.observers
    context = present.context
    return RoundView(
        id=_id(row),
        meeting=present.meeting,
        case=_summary(case),
        state=state,
        decision_text=row.decision_text,
        proposal=row.proposal,
        major_economic=row.major_economic,
        chair_person_id=chair_id,
        chair_name=chair.name if chair is not None else "",
        started_at=row.started_at,
        closed_at=row.closed_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
        quorum=quorum,
        voters=voters,
        tally=result,
        not_answered=not_answered,
        answers=answers,
        inputs=inputs,
        refresh_user_ids=_refresh_ids(voters, chair, observers),
        observer_ids=frozenset(o.person_id for o in observers),
        conversation_id=row.conversation_id,
        activity_id=row.activity_id,
        meeting_ended=context is not None and context.ended_at is not None,
    )


def viewer_of(actor: Actor, view: RoundView) -> Viewer:
    """The actor's own part of the round card (pure: from the view)."""
    if not actor.known:
        return Viewer(None)
    me = actor.person_id
    mine = [i for i in view.inputs if i.person_id == me]
    return Viewer(
        person_id=me,
        is_chair=view.open and view.chair_person_id == me,
        eligible=view.open and view.voter(me) is not None,
        observer=me in view.observer_ids,
        answer=view.answers.get(me) if me is not None else None,
        input=mine[0] if mine else None,
    )


async def _load_round(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    item_id: object,
    lock: bool,
    anyone: bool = False,
) -> ConsensusRound | Refused:
    """The round by its card id; ``anyone``: also for people not in the roster (reading)."""
    if not anyone and (not actor.known or actor.person_id is None):
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    wanted = attendance.parse_id(item_id)
    row = await repo.get_round(session, wanted, for_update=lock) if wanted is not None else None
    if row is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(item_id)[:40]},
        )
    return row


async def _context_of(
    session: AsyncSession, row: ConsensusRound, hooks: AttendanceHooks
) -> tuple[AttendanceView, Case] | None:
    present = await _attendance(session, row.meeting_id, hooks)
    case = await case_repo.get(session, row.case_id)
    if present is None or case is None:  # pragma: no cover - foreign keys keep both
        return None
    return present, case


async def _wrong_meeting(
    session: AsyncSession, meeting_id: int, conversation_id: str | None
) -> bool:
    """The card came from the chat of another meeting (a forged or stale item id)."""
    if not conversation_id:
        return False
    linked = await attendance.meeting_for_conversation(session, conversation_id=conversation_id)
    return linked is not None and linked != meeting_id


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


async def round_view(
    session: AsyncSession,
    *,
    actor: Actor,
    item_id: object,
    hooks: AttendanceHooks = NO_HOOKS,
) -> RoundView | Refused:
    """The round card's content, as it is now (the card's refresh).

    For everyone in the chat, also people not in the roster (a guest in the meeting chat): the
    card is posted there for all to read, and Teams refreshes it for everyone in a chat of fewer
    than 60 people — a guest must see the tally, not an error.
    """
    row = await _load_round(
        session, actor=actor, action="consensus.view", item_id=item_id, lock=False, anyone=True
    )
    if isinstance(row, Refused):
        return row
    found = await _context_of(session, row, hooks)
    if found is None:  # pragma: no cover
        return await _refuse(session, actor=actor, action="consensus.view", reason=Reason.NOT_FOUND)
    return await _build(session, row, *found)


async def start_candidates(
    session: AsyncSession,
    *,
    actor: Actor,
    conversation_id: str | None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> StartList | Refused:
    """The decision cases of the meeting of this chat, for the chair's start card."""
    action = "consensus.start"
    if not actor.known or actor.person_id is None:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    meeting_id = (
        await attendance.meeting_for_conversation(session, conversation_id=conversation_id)
        if conversation_id
        else None
    )
    present = await _attendance(session, meeting_id, hooks) if meeting_id is not None else None
    if meeting_id is None or present is None:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NO_MEETING)
    if _chair(present) != actor.person_id:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_CHAIR,
            detail={"meeting_id": meeting_id},
        )
    rows = [
        c
        for c in await repo.cases_of_meeting(session, meeting_id=meeting_id)
        if rules.is_decision_case(c.case_type, c.section)
    ]
    rounds = await repo.rounds_for_cases(session, case_ids=[_id(c) for c in rows])
    choices = []
    for row in rows:
        of_case = rounds.get(_id(row), [])
        open_round = next((r for r in of_case if r.status == RoundState.OPEN.value), None)
        choices.append(
            CaseChoice(
                _summary(row),
                open_round.id if open_round is not None else None,
                decided=row.status == CaseStatus.DECIDED.value,
            )
        )
    return StartList(present.meeting, tuple(choices))


# --------------------------------------------------------------------------------------------------
# Starting a round
# --------------------------------------------------------------------------------------------------


async def _startable(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    case_id: object,
    conversation_id: str | None,
    hooks: AttendanceHooks,
    lock: bool,
) -> tuple[Case, AttendanceView] | Refused:
    """The case and its meeting's attendance when the actor may put the case to a round now."""
    if not actor.known or actor.person_id is None:
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_KNOWN)
    wanted = attendance.parse_id(case_id)
    case = await case_repo.get(session, wanted, for_update=lock) if wanted is not None else None
    if case is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_FOUND,
            detail={"given": str(case_id)[:40]},
        )
    cid = _id(case)
    meeting = (
        await meeting_repo.get(session, case.meeting_id) if case.meeting_id is not None else None
    )
    if meeting is None or attendance.voting_body(meeting.body) is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NO_MEETING, case_id=cid
        )
    present = await _attendance(session, case.meeting_id or 0, hooks)
    assert present is not None
    if _chair(present) != actor.person_id:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_CHAIR,
            case_id=cid,
            detail={"meeting_id": present.meeting.id},
        )
    if await _wrong_meeting(session, present.meeting.id, conversation_id):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.WRONG_MEETING,
            case_id=cid,
            detail={"meeting_id": present.meeting.id},
        )
    if meeting.state == MeetingState.CANCELLED.value or not present.open:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.MEETING_NOT_OPEN,
            case_id=cid,
            detail={"meeting_id": present.meeting.id},
        )
    if not rules.is_decision_case(case.case_type, case.section):
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_DECISION_CASE, case_id=cid
        )
    if not rules.can_start_on(case.status):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.WRONG_STATE,
            case_id=cid,
            detail={"status": case.status},
        )
    running = await repo.open_round_for_case(session, case_id=cid)
    if running is not None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.ALREADY_OPEN,
            case_id=cid,
            detail={"round_id": running.id},
        )
    return case, present


async def prepare_round(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: object,
    conversation_id: str | None = None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> Prepared | Refused:
    """The chair is about to start a round: the case and its proposed decision (to amend)."""
    found = await _startable(
        session,
        actor=actor,
        action="consensus.start",
        case_id=case_id,
        conversation_id=conversation_id,
        hooks=hooks,
        lock=False,
    )
    if isinstance(found, Refused):
        return found
    case, present = found
    return Prepared(present.meeting, _summary(case))


async def start_round(
    session: AsyncSession,
    *,
    actor: Actor,
    case_id: object,
    decision_text: object,
    now: datetime,
    conversation_id: str | None = None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> Started | Refused:
    """The chair puts a decision case of the meeting to a consensus round.

    Only the chair (§4.1), only while the meeting is open, only decision cases placed in this
    meeting and not yet decided, one open round per case. ``decision_text`` is the text put to
    the members: the case's proposed decision, possibly amended by the chair. Whether the
    economic consequences are major is fixed now (from the case): it decides who may answer.
    """
    action = "consensus.start"
    moment = _utc(now)
    found = await _startable(
        session,
        actor=actor,
        action=action,
        case_id=case_id,
        conversation_id=conversation_id,
        hooks=hooks,
        lock=True,
    )
    if isinstance(found, Refused):
        return found
    case, present = found
    check = rules.validate_decision_text(decision_text)
    if not check.ok:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.INVALID,
            case_id=_id(case),
            problems=check.problems,
            values={"decision_text": check.text},
        )
    row = await repo.add_round(
        session,
        ConsensusRound(
            meeting_id=present.meeting.id,
            case_id=_id(case),
            status=RoundState.OPEN.value,
            proposal=case.proposal,
            decision_text=check.text,
            major_economic=rules.major_economic(case.economic_impact),
            chair_person_id=actor.person_id,
            started_by_person_id=actor.person_id,
            conversation_id=conversation_id,
            started_at=moment,
            updated_at=moment,
        ),
    )
    rid = _id(row)
    view = await _build(session, row, present, case)
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=rid,
        detail={
            "case_id": _id(case),
            "meeting_id": present.meeting.id,
            "amended": check.text != case.proposal.strip(),
            "major_economic": row.major_economic,
            "eligible": len(view.voters),
        },
    )
    log.info(
        "consensus round started",
        extra={
            "round_id": rid,
            "case_id": _id(case),
            "meeting_id": present.meeting.id,
            "person": actor.person_id,
        },
    )
    return Started(view)


async def attach_card(
    session: AsyncSession, *, round_id: int, activity_id: str | None, conversation_id: str | None
) -> None:
    """Remember the message that shows the round in the meeting chat, to update it on change."""
    row = await repo.get_round(session, round_id, for_update=True)
    if row is None or not activity_id:
        return
    row.activity_id = activity_id[:200]
    if conversation_id:
        row.conversation_id = conversation_id[:400]
    await repo.save(session, row)
    log.info("consensus card posted", extra={"round_id": round_id})


# --------------------------------------------------------------------------------------------------
# Answers and input
# --------------------------------------------------------------------------------------------------


async def _open_round(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    item_id: object,
    conversation_id: str | None,
    hooks: AttendanceHooks,
) -> tuple[ConsensusRound, RoundView, AttendanceView, Case] | Refused:
    """The open round the actor answers in (locked), or why not."""
    row = await _load_round(session, actor=actor, action=action, item_id=item_id, lock=True)
    if isinstance(row, Refused):
        return row
    rid = _id(row)
    found = await _context_of(session, row, hooks)
    if found is None:  # pragma: no cover
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_FOUND)
    present, case = found
    view = await _build(session, row, present, case)
    if await _wrong_meeting(session, row.meeting_id, conversation_id):
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.WRONG_MEETING,
            round_id=rid,
            detail={"meeting_id": row.meeting_id},
        )
    if not view.open:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.ROUND_CLOSED, round_id=rid, view=view
        )
    if view.meeting_ended:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.MEETING_NOT_OPEN,
            round_id=rid,
            view=view,
        )
    return row, view, present, case


async def respond(
    session: AsyncSession,
    *,
    actor: Actor,
    item_id: object,
    values: Mapping[str, object],
    now: datetime,
    conversation_id: str | None = None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> Saved | Refused:
    """A member present in an eligible seat answers, or changes their answer, while the round is
    open: supports (``agree``), has objections (``object``, with the reason) or abstains."""
    action = "consensus.respond"
    moment = _utc(now)
    found = await _open_round(
        session,
        actor=actor,
        action=action,
        item_id=item_id,
        conversation_id=conversation_id,
        hooks=hooks,
    )
    if isinstance(found, Refused):
        return found
    row, view, present, _case = found
    rid = _id(row)
    me = view.voter(actor.person_id)
    if me is None:
        here = actor.person_id in _present(present)
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.NOT_ELIGIBLE if here else Reason.NOT_PRESENT,
            round_id=rid,
            view=view,
        )
    check = rules.validate_answer(values)
    if not check.ok or check.position is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.INVALID,
            round_id=rid,
            problems=check.problems,
            values=check.values,
            view=view,
        )
    answer = await repo.answer_of(session, round_id=rid, person_id=me.person_id, for_update=True)
    previous = answer.position if answer is not None else None
    changed = answer is None or (answer.position, answer.reason) != (
        check.position.value,
        check.reason,
    )
    if changed:
        answer = answer or ConsensusAnswer(
            round_id=rid,
            person_id=me.person_id,
            seat_member_id=me.seat_member_id,
            person_name=me.name[:200],
            position=check.position.value,
            created_at=moment,
        )
        answer.seat_member_id = me.seat_member_id
        answer.seat_member_name = (me.deputy_for or "")[:200]
        answer.person_name = me.name[:200]
        answer.position = check.position.value
        answer.reason = check.reason
        answer.updated_at = moment
        await repo.save(session, answer)
        row.updated_at = moment
        await repo.save(session, row)
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=rid,
        detail={
            "position": check.position.value,
            "previous": previous,
            "changed": changed,
            "seat_member_id": me.seat_member_id,
        },
    )
    log.info(
        "consensus answer saved",
        extra={"round_id": rid, "person": actor.person_id, "changed": changed},
    )
    return Saved(await _build(session, row, present, _case), changed)


async def add_input(
    session: AsyncSession,
    *,
    actor: Actor,
    item_id: object,
    values: Mapping[str, object],
    now: datetime,
    conversation_id: str | None = None,
    hooks: AttendanceHooks = NO_HOOKS,
) -> Saved | Refused:
    """An observer of the body adds (or changes) their input while the round is open: recorded
    for the protocol, shown apart, never counted."""
    action = "consensus.input"
    moment = _utc(now)
    found = await _open_round(
        session,
        actor=actor,
        action=action,
        item_id=item_id,
        conversation_id=conversation_id,
        hooks=hooks,
    )
    if isinstance(found, Refused):
        return found
    row, view, present, _case = found
    rid = _id(row)
    me = present.person(actor.person_id) if actor.person_id in view.observer_ids else None
    if me is None or me.status is AttendanceStatus.ABSENT:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_OBSERVER, round_id=rid, view=view
        )
    check = rules.validate_input(values.get("input"))
    if not check.ok:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Reason.INVALID,
            round_id=rid,
            problems=check.problems,
            values={"input": check.text},
            view=view,
        )
    organisation = next(
        (
            m.organisation
            for m in await memberships_of(session, person_id=me.person_id)
            if m.role == "observer"
        ),
        "",
    )
    stored = await repo.input_of(session, round_id=rid, person_id=me.person_id, for_update=True)
    changed = stored is None or stored.text != check.text
    if changed:
        stored = stored or ConsensusInput(
            round_id=rid,
            person_id=me.person_id,
            person_name=me.name[:200],
            text=check.text,
            created_at=moment,
        )
        stored.person_name = me.name[:200]
        stored.organisation = organisation[:200]
        stored.text = check.text
        stored.updated_at = moment
        await repo.save(session, stored)
        row.updated_at = moment
        await repo.save(session, row)
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=rid,
        detail={"changed": changed, "length": len(check.text)},
    )
    log.info(
        "observer input saved",
        extra={"round_id": rid, "person": actor.person_id, "changed": changed},
    )
    return Saved(await _build(session, row, present, _case), changed)


# --------------------------------------------------------------------------------------------------
# Closing
# --------------------------------------------------------------------------------------------------


async def close_round(
    session: AsyncSession,
    *,
    actor: Actor,
    item_id: object,
    now: datetime,
    hooks: AttendanceHooks = NO_HOOKS,
    notify: case_service.NoticeSink | None = None,
) -> Closed | Refused:
    """The chair closes the round. Consensus when the meeting has a quorum now and nobody
    eligible objects (and somebody supports); otherwise "no consensus — further dialogue". The
    answers of those still eligible are counted; the case is treated, and decided on consensus,
    through the case lifecycle's guarded transitions, and its submitter is told (``notify``)."""
    action = "consensus.close"
    moment = _utc(now)
    row = await _load_round(session, actor=actor, action=action, item_id=item_id, lock=True)
    if isinstance(row, Refused):
        return row
    rid = _id(row)
    found = await _context_of(session, row, hooks)
    if found is None:  # pragma: no cover
        return await _refuse(session, actor=actor, action=action, reason=Reason.NOT_FOUND)
    present, case = found
    view = await _build(session, row, present, case)
    if not view.open:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.ROUND_CLOSED, round_id=rid, view=view
        )
    if view.chair_person_id != actor.person_id:
        return await _refuse(
            session, actor=actor, action=action, reason=Reason.NOT_CHAIR, round_id=rid, view=view
        )
    result = view.tally
    decided = view.would_be
    counted = set(result.agree) | set(result.object) | set(result.abstain)
    for answer in await repo.answers(session, round_id=rid):
        answer.counted = answer.person_id in counted
        await repo.save(session, answer)
    quorum = view.quorum
    row.status = rules.close(row.status).value
    row.outcome = decided.value
    row.closed_at = moment
    row.closed_by_person_id = actor.person_id
    row.chair_person_id = actor.person_id
    row.quorum_present = quorum.present if quorum is not None else None
    row.quorum_total = quorum.total if quorum is not None else None
    row.quorum_required = quorum.required if quorum is not None else None
    row.quorum_reached = quorum.reached if quorum is not None else None
    row.eligible_count = result.eligible
    row.updated_at = moment
    await repo.save(session, row)
    status = await _move_case(
        session,
        actor=actor,
        round_id=rid,
        case_id=_id(case),
        result=decided,
        now=moment,
        notify=notify,
    )
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=rid,
        detail={
            "case_id": _id(case),
            "outcome": decided.value,
            "agree": len(result.agree),
            "object": len(result.object),
            "abstain": len(result.abstain),
            "pending": len(result.pending),
            "not_counted": len(result.not_counted),
            "quorum": quorum.reached if quorum is not None else None,
            "case_status": status.value,
        },
    )
    log.info(
        "consensus round closed",
        extra={"round_id": rid, "case_id": _id(case), "outcome": decided.value},
    )
    fresh = await _context_of(session, row, hooks)
    assert fresh is not None
    return Closed(await _build(session, row, *fresh), status)


async def _move_case(
    session: AsyncSession,
    *,
    actor: Actor,
    round_id: int,
    case_id: int,
    result: Outcome,
    now: datetime,
    notify: case_service.NoticeSink | None = None,
) -> CaseStatus:
    """Treated, and decided on consensus — each step through the guarded transition. A case the
    secretariat closed meanwhile stays as it is (the round's result is kept all the same)."""
    row = await case_repo.get(session, case_id, for_update=True)
    assert row is not None
    before = CaseStatus(row.status)
    try:
        status = before
        for step in rules.case_steps(before, result):
            status = transition(status, step)
    except TransitionRefused as refused:
        await _audit(
            session,
            actor=actor,
            action="case.status",
            subject_type="case",
            subject_id=_id(row),
            detail={"from": before.value, "to": refused.target.value, "round_id": round_id},
            outcome=AuditOutcome.REFUSED,
        )
        log.warning(
            "case not moved after consensus round",
            extra={"case_id": row.id, "round_id": round_id, "status": before.value},
        )
        return before
    if status is not before:
        row.status = status.value
        row.updated_at = now
        session.add(row)
        await session.flush()
        await _audit(
            session,
            actor=actor,
            action="case.status",
            subject_type="case",
            subject_id=_id(row),
            detail={"from": before.value, "to": status.value, "round_id": round_id},
        )
        await case_service.tell_submitter(session, case_id=_id(row), now=now, notify=notify)
    return status


# --------------------------------------------------------------------------------------------------
# For the protocol
# --------------------------------------------------------------------------------------------------


def _stance(row: ConsensusAnswer) -> Stance:
    deputy_for = row.seat_member_name if row.seat_member_id != row.person_id else None
    return Stance(row.person_id, row.person_name, deputy_for or None, row.reason)


async def _record(session: AsyncSession, row: ConsensusRound) -> RoundRecord:
    rid = _id(row)
    answer_rows = await repo.answers(session, round_id=rid)

    def of(position: Position) -> tuple[Stance, ...]:
        return tuple(_stance(a) for a in answer_rows if a.counted and a.position == position.value)

    quorum = (
        QuorumInfo(
            row.quorum_present or 0,
            row.quorum_total or 0,
            row.quorum_required or 0,
            bool(row.quorum_reached),
        )
        if row.quorum_total is not None
        else None
    )
    return RoundRecord(
        round_id=rid,
        decision_text=row.decision_text,
        proposal=row.proposal,
        outcome=Outcome(row.outcome or Outcome.NO_CONSENSUS.value),
        supporters=of(Position.AGREE),
        objectors=of(Position.OBJECT),
        abstainers=of(Position.ABSTAIN),
        not_counted=tuple(_stance(a) for a in answer_rows if not a.counted),
        observer_input=tuple(
            ObserverInput(i.person_id, i.person_name, i.organisation, i.text)
            for i in await repo.inputs(session, round_id=rid)
        ),
        quorum=quorum,
        eligible_count=row.eligible_count,
        major_economic=row.major_economic,
        started_at=row.started_at,
        closed_at=row.closed_at,
    )


async def results_for_meeting(session: AsyncSession, *, meeting_id: int) -> list[CaseResult]:
    """The consensus results of a meeting for its protocol, one per case with a closed round,
    ordered by case number: the final decision text, the outcome, who stood for and against
    (with their reasons) and who abstained — deputies with the member they sat in for — and the
    observers' input, kept apart. Rounds still open are left out; earlier rounds of the same
    case (no consensus, further dialogue, a new round) are in ``earlier``.

    No actor: the protocol feature decides who may see the protocol.
    """
    closed = [
        r
        for r in await repo.rounds_for_meeting(session, meeting_id=meeting_id)
        if r.status == RoundState.CLOSED.value
    ]
    by_case: dict[int, list[ConsensusRound]] = {}
    for row in closed:
        by_case.setdefault(row.case_id, []).append(row)
    results: list[tuple[tuple[int, int, int], CaseResult]] = []
    for case_id, rounds in by_case.items():
        case = await case_repo.get(session, case_id)
        if case is None:  # pragma: no cover - foreign key
            continue
        ordered = sorted(rounds, key=lambda r: (r.closed_at or r.started_at, _id(r)))
        records = [await _record(session, r) for r in ordered]
        results.append(
            (
                (case.year, case.number, case_id),
                CaseResult(
                    case_id=case_id,
                    label=format_case_number(case.number, case.year),
                    title=case.title,
                    final=records[-1],
                    earlier=tuple(records[:-1]),
                ),
            )
        )
    return [result for _key, result in sorted(results, key=lambda item: item[0])]
