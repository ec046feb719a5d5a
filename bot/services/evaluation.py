"""Self-evaluation: open it after a meeting, answer anonymously, close it, read the results.

Why the functions return ``... | Refused`` instead of raising: every refused attempt is audited,
and the audit entry must commit with the caller's transaction (see bot/services/meetings.py).

Anonymity, end to end (DESIGN.md: "Anonymous means anonymous")
-------------------------------------------------------------
- An answer is stored as (evaluation id, ratings, comment, hash of a token) and nothing else:
  no person, no Teams or AAD id, no conversation, no time. Who was *eligible* and who *has
  answered* is kept apart (``evaluation_respondent``) and holds no reference to any answer.
- Changing an answer without linking it: the first answer gets a random 256-bit token, returned
  only in the invoke response card — which Teams shows only to the person who pressed the button
  — as data of the card's submit action. The server stores ``sha256(token)`` as the answer's key
  and forgets the token. When the person answers again from that card, the token comes back,
  and the answer whose key is its hash is replaced. The server can recognise the token, but it
  never records which person holds it, so it cannot go from a person to an answer or back.
- A person who answered and comes back *without* the token (another copy of the card) is told
  they already answered and where to change it; the server has no way to find their answer.
- The database's own bookkeeping must not link either: see storage/evaluations.py for why each
  answer rewrites all of the evaluation's answers in random order.
- The audit log records that a person answered (it is a state change), with the evaluation id
  and nothing of the answer; a refused answer is audited with the reason only. Log lines from
  answering name the evaluation, never the person, and never any part of an answer.
- Results are hidden until the evaluation is closed, and then shown only when at least three
  answered (bot/domain/evaluation.py).

What this does not protect against: someone who can read the database *while the evaluation is
open* and copies the answer table between two answers can see which answer appeared when, and
compare that with who was marked as answered in the meantime. That is an operator with database
access watching live; the bot neither shows nor logs anything that allows it.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import to_oslo
from bot.domain.evaluation import (
    DEFAULT_QUESTIONS,
    EVALUATED_BODIES,
    VOICE_ROLES,
    Answer,
    AnswerProblem,
    QuestionSet,
    Summary,
    TrendPoint,
    is_token,
    meeting_chat_id,
    parse_answer,
    summarise,
    token_hash,
    validate_question_set,
    write_csv,
)
from bot.domain.roles import Actor, Capability
from bot.services import calendar_sync, outbox
from bot.services.attendance import parse_id
from bot.services.meetings import SYSTEM, MeetingView, Principal, SystemPrincipal
from storage import attendance as attendance_repo
from storage import audit
from storage import evaluations as repo
from storage import meetings as meeting_repo
from storage.conversations import reference_by_conversation
from storage.evaluation_tables import Evaluation, EvaluationQuestionSet
from storage.meeting_tables import Meeting
from storage.models import AuditOutcome, utcnow

__all__ = [
    "KIND_POLL",
    "KIND_REMINDER",
    "KIND_RESULTS",
    "SYSTEM",
    "AnswerStored",
    "Attendance",
    "CalledMembers",
    "Closed",
    "EvaluationView",
    "Opened",
    "Refusal",
    "Refused",
    "ResultsView",
    "announce_results",
    "answer",
    "can_export",
    "can_manage",
    "close_evaluation",
    "configure_questions",
    "csv_export",
    "get_evaluation",
    "latest_evaluation",
    "non_respondents",
    "open_evaluation",
    "question_set_for_year",
    "respondent_state",
    "results",
    "start_target",
]

log = logging.getLogger(__name__)

KIND_POLL: Final = "evaluation_poll"
KIND_RESULTS: Final = "evaluation_results"
KIND_REMINDER: Final = "evaluation"
"""The reminder kind (CONTRACT.md) the reminders engine plans with :func:`non_respondents`."""
SUBJECT_TYPE: Final = "evaluation"
POLL_LIFETIME: Final = timedelta(days=14)
"""A poll card not delivered within two weeks is dropped: nobody evaluates a meeting that old."""
RESULTS_LIFETIME: Final = timedelta(days=7)
TREND_MEETINGS: Final = 8
"""The trend chart shows at most this many meetings, the evaluated one last."""

PollRender = Callable[["EvaluationView", str], dict[str, Any]]
"""(evaluation, locale) → the poll card; the transport layer passes ``cards.evaluation``'s."""


class Attendance(Protocol):
    """Who was present at a meeting (the attendance feature answers this)."""

    async def present_member_ids(self, session: AsyncSession, meeting_id: int) -> list[int]: ...


class CalledMembers:
    """Stand-in for attendance while none is recorded: everyone holding a regular SSU seat
    (leader, deputy leader, member). Personal deputies are left out because they attend only
    in place of an absent member, which only attendance knows."""

    async def present_member_ids(self, session: AsyncSession, meeting_id: int) -> list[int]:
        people = await meeting_repo.people_with_role(
            session, body_code="SSU", roles=("leader", "deputy_leader", "member")
        )
        return [p.id for p in people if p.id is not None]


class Refusal(StrEnum):
    """Why nothing changed; the card says it with ``evaluation.refused.<value>``."""

    NOT_KNOWN = "not_known"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    NO_MEETING = "no_meeting"
    NOT_EVALUATED = "not_evaluated"
    NOT_STARTED = "not_started"
    CANCELLED = "cancelled"
    NOBODY_PRESENT = "nobody_present"
    WRONG_MEETING = "wrong_meeting"
    CLOSED = "closed"
    STILL_OPEN = "still_open"
    NOT_ELIGIBLE = "not_eligible"
    ALREADY_ANSWERED = "already_answered"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class EvaluationView:
    """An evaluation as the cards need it. ``eligible``/``answered`` are counts, never names."""

    id: int
    meeting: MeetingView
    questions: QuestionSet
    is_open: bool
    eligible: int
    answered: int
    opened_at: datetime
    closed_at: datetime | None
    chat_conversation_id: str | None


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing changed. ``evaluation`` is set when the card can be shown again (an invalid answer
    comes back with its errors by the fields named in ``problems``)."""

    reason: Refusal
    problems: tuple[AnswerProblem, ...] = ()
    evaluation: EvaluationView | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """``created`` False: the meeting already had its evaluation (nothing was sent again)."""

    evaluation: EvaluationView
    created: bool
    sent: int = 0
    posted_to_chat: bool = False


@dataclass(frozen=True, slots=True)
class AnswerStored:
    """``token`` goes back to the person in their card and nowhere else."""

    evaluation: EvaluationView
    token: str
    answer: Answer
    changed: bool


@dataclass(frozen=True, slots=True)
class Closed:
    evaluation: EvaluationView


@dataclass(frozen=True, slots=True)
class ResultsView:
    """A closed evaluation's results and the trend of earlier meetings with the same questions."""

    evaluation: EvaluationView
    summary: Summary
    trend: tuple[TrendPoint, ...]


# --------------------------------------------------------------------------------------------------
# Permissions, audit, views
# --------------------------------------------------------------------------------------------------


def can_manage(actor: Principal) -> bool:
    """The chair (leader, deputy leader) and the secretariat open and close evaluations."""
    if isinstance(actor, SystemPrincipal):
        return True
    return actor.known and (actor.can(Capability.CHAIR) or actor.is_secretariat)


def can_export(actor: Principal) -> bool:
    """The CSV export is the secretariat's (it compiles the reports to SSU)."""
    return isinstance(actor, SystemPrincipal) or (actor.known and actor.is_secretariat)


def _ids(actor: Principal) -> tuple[int | None, str | None]:
    if isinstance(actor, SystemPrincipal):
        return None, None
    return actor.person_id, actor.aad_object_id


async def _audit(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    subject_id: int | str,
    detail: Mapping[str, Any] | None = None,
    outcome: AuditOutcome = AuditOutcome.OK,
) -> None:
    person_id, aad_id = _ids(actor)
    await audit.append(
        session,
        action=action,
        outcome=outcome,
        actor_person_id=person_id,
        actor_aad_id=aad_id,
        subject_type=SUBJECT_TYPE,
        subject_id=subject_id,
        detail=detail or {},
    )


async def _refuse(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    reason: Refusal,
    subject_id: int | str = "",
    problems: Sequence[AnswerProblem] = (),
    evaluation: EvaluationView | None = None,
) -> Refused:
    """Audit and return a refusal. The detail is the reason and, for invalid input, the names of
    the fields — never a value someone entered."""
    detail: dict[str, Any] = {"reason": reason.value}
    if problems:
        detail["fields"] = sorted({p.field for p in problems})
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=subject_id,
        detail=detail,
        outcome=AuditOutcome.REFUSED,
    )
    log.info("evaluation action refused", extra={"action": action, "reason": reason.value})
    return Refused(reason, tuple(problems), evaluation)


_MAX_ID = 2**31 - 1
"""The largest id a PostgreSQL ``integer`` column holds; a larger one fails the query."""


def _given(raw: object) -> str:
    """A forged or unreadable id as it may appear in an audit entry: short and printable."""
    return "".join(ch for ch in str(raw)[:40] if ch.isprintable())


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def _view(session: AsyncSession, row: Evaluation, meeting: Meeting) -> EvaluationView:
    assert row.id is not None
    eligible, answered = await repo.counts(session, evaluation_id=row.id)
    return EvaluationView(
        id=row.id,
        meeting=MeetingView.of(meeting),
        questions=QuestionSet.from_json(json.loads(row.questions)),
        is_open=row.state == "open",
        eligible=eligible,
        answered=answered,
        opened_at=_aware(row.opened_at),
        closed_at=_aware(row.closed_at) if row.closed_at is not None else None,
        chat_conversation_id=row.chat_conversation_id,
    )


async def _meeting_of(session: AsyncSession, row: Evaluation) -> Meeting:
    meeting = await meeting_repo.get(session, row.meeting_id)
    assert meeting is not None, "an evaluation's meeting is never deleted (foreign key)"
    return meeting


async def get_evaluation(
    session: AsyncSession, *, actor: Principal, evaluation_id: object
) -> EvaluationView | Refused:
    """One evaluation's status (counts only), for everyone known to the roster."""
    if isinstance(actor, Actor) and not actor.known:
        return Refused(Refusal.NOT_KNOWN)
    wanted = parse_id(evaluation_id)
    row = await repo.get(session, wanted) if wanted else None
    if row is None:
        return Refused(Refusal.NOT_FOUND)
    return await _view(session, row, await _meeting_of(session, row))


async def respondent_state(
    session: AsyncSession, *, evaluation_id: int, person_id: int | None
) -> tuple[bool, bool]:
    """(eligible, answered) for one person: what their own card should offer them."""
    if person_id is None:
        return False, False
    row = await repo.respondent(session, evaluation_id=evaluation_id, person_id=person_id)
    return row is not None, bool(row and row.answered)


# --------------------------------------------------------------------------------------------------
# Question sets
# --------------------------------------------------------------------------------------------------


async def question_set_for_year(session: AsyncSession, year: int) -> QuestionSet:
    """The set configured for ``year``, else the default five statements and the open question."""
    row = await repo.question_set(session, year=year)
    if row is None:
        return DEFAULT_QUESTIONS
    return QuestionSet.from_json(json.loads(row.questions))


async def configure_questions(
    session: AsyncSession, *, actor: Principal, year: int, questions: QuestionSet
) -> QuestionSet | Refused:
    """The secretariat sets a year's questions. Evaluations already opened keep theirs."""
    action = "evaluation.questions"
    if not can_export(actor):
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_ALLOWED, subject_id=year
        )
    problems = validate_question_set(questions)
    if problems:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.INVALID,
            subject_id=year,
            problems=[AnswerProblem("questions", code) for code in problems],
        )
    await repo.save_question_set(
        session,
        EvaluationQuestionSet(
            year=year,
            questions=json.dumps(questions.to_json(), ensure_ascii=False),
            updated_by_person_id=_ids(actor)[0],
            updated_at=utcnow(),
        ),
    )
    await _audit(
        session, actor=actor, action=action, subject_id=year, detail={"count": questions.count}
    )
    return questions


# --------------------------------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------------------------------


async def start_target(
    session: AsyncSession, *, actor: Principal, now: datetime
) -> MeetingView | EvaluationView | Refused:
    """What ``start evaluering`` offers the chair or the secretariat: the meeting to evaluate, or
    its evaluation when it already has one. Refusals (not allowed, no meeting) are audited."""
    action = "evaluation.open"
    if not can_manage(actor):
        return await _refuse(session, actor=actor, action=action, reason=Refusal.NOT_ALLOWED)
    meeting = await repo.latest_started_meeting(
        session, bodies=EVALUATED_BODIES, now=now.astimezone(UTC)
    )
    if meeting is None or meeting.id is None:
        return await _refuse(session, actor=actor, action=action, reason=Refusal.NO_MEETING)
    existing = await repo.for_meeting(session, meeting.id)
    if existing is not None:
        return await _view(session, existing, meeting)
    return MeetingView.of(meeting)


async def _meeting_chat(session: AsyncSession, meeting_id: int) -> str | None:
    """The meeting's Teams chat where the bot can post: the chat the attendance feature linked
    to the meeting (where it started, ended or was opened), else the chat of the meeting's Teams
    link — either only when the bot has a stored conversation reference there."""
    context = await attendance_repo.context_for(session, meeting_id=meeting_id)
    state = await calendar_sync.sync_state(session, meeting_id=meeting_id)
    candidates = (
        context.conversation_id if context is not None else None,
        meeting_chat_id(state.join_url if state is not None else None),
    )
    for chat in candidates:
        if chat:
            reference = await reference_by_conversation(session, conversation_id=chat)
            if reference is not None and reference.installed:
                return chat
    return None


async def open_evaluation(
    session: AsyncSession,
    *,
    actor: Principal,
    meeting_id: object,
    now: datetime,
    attendance: Attendance | None = None,
    present: Collection[int] | None = None,
    chat_conversation_id: str | None = None,
    render: PollRender | None = None,
) -> Opened | Refused:
    """Open the evaluation of a meeting that has started, and send the poll.

    Who may answer is fixed now: the people ``present`` (the meeting-ended hook knows them), else
    those ``attendance`` reports present, else — no attendance, or none recorded — every regular
    SSU member; in each case only the holders of an SSU seat with a voice (observers and the
    secretariat do not evaluate). With
    ``render``, the poll card goes through the outbox, in this transaction, to each of them
    personally and to the meeting chat (``chat_conversation_id``, else the chat of the meeting's
    Teams link when the bot is installed there). Opening twice opens nothing and sends nothing.
    """
    action = "evaluation.open"
    wanted = parse_id(meeting_id)
    subject = wanted or _given(meeting_id)
    if not can_manage(actor):
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_ALLOWED, subject_id=subject
        )
    meeting = await meeting_repo.get(session, wanted, for_update=True) if wanted else None
    if meeting is None or meeting.id is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NO_MEETING, subject_id=subject
        )
    if meeting.body not in EVALUATED_BODIES:
        reason = Refusal.NOT_EVALUATED
    elif meeting.state == "cancelled":
        reason = Refusal.CANCELLED
    elif _aware(meeting.start_at) > now:
        reason = Refusal.NOT_STARTED
    else:
        existing = await repo.for_meeting(session, meeting.id)
        if existing is not None:
            return Opened(await _view(session, existing, meeting), created=False)
        reason = None
    if reason is not None:
        return await _refuse(
            session, actor=actor, action=action, reason=reason, subject_id=meeting.id
        )
    if present is None:
        recorded = await attendance.present_member_ids(session, meeting.id) if attendance else []
        # Attendance that recorded nobody was not taken: then everyone with a regular seat.
        present = recorded or await CalledMembers().present_member_ids(session, meeting.id)
    voices = await repo.member_ids(session, body_code="SSU", roles=VOICE_ROLES)
    eligible = sorted(set(present) & voices)
    if not eligible:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.NOBODY_PRESENT,
            subject_id=meeting.id,
        )
    year = to_oslo(_aware(meeting.start_at)).year
    questions = await question_set_for_year(session, year)
    chat = chat_conversation_id or await _meeting_chat(session, meeting.id)
    row = Evaluation(
        meeting_id=meeting.id,
        year=year,
        questions=json.dumps(questions.to_json(), ensure_ascii=False),
        chat_conversation_id=chat,
        opened_by_person_id=_ids(actor)[0],
        opened_at=now,
    )
    await repo.add(session, row, eligible)
    assert row.id is not None
    view = await _view(session, row, meeting)
    sent = 0
    if render is not None:
        sent = await _send_poll(session, view, eligible, render=render, now=now)
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=row.id,
        detail={"meeting_id": meeting.id, "eligible": len(eligible), "chat": chat is not None},
    )
    log.info(
        "evaluation opened",
        extra={"evaluation_id": row.id, "meeting_id": meeting.id, "eligible": len(eligible)},
    )
    return Opened(view, created=True, sent=sent, posted_to_chat=render is not None and bool(chat))


async def _send_poll(
    session: AsyncSession,
    view: EvaluationView,
    person_ids: Sequence[int],
    *,
    render: PollRender,
    now: datetime,
) -> int:
    """The poll to each eligible person (in their language) and to the meeting chat.

    ``mandatory``: the poll is the evaluation itself, not a reminder, so "reminders off" does not
    stop it. Every personal card is the same card: nothing in it names the person.
    """
    subject = f"{view.meeting.body.value} {view.meeting.start.date().isoformat()}"
    key = f"evaluation:{view.id}/poll"
    people = await repo.people(session, person_ids=person_ids)
    sent = 0
    for person_id in person_ids:
        person = people.get(person_id)
        locale = (person.locale if person is not None else None) or "nb"
        card = render(view, locale)
        row = await outbox.enqueue(
            session,
            kind=KIND_POLL,
            subject=subject,
            recipient_person_id=person_id,
            payload=outbox.payload(card=card, summary=subject),
            not_before=now,
            expires_at=now + POLL_LIFETIME,
            deadline_key=key,
            mandatory=True,
            now=now,
        )
        sent += row is not None
    if view.chat_conversation_id:
        await outbox.enqueue(
            session,
            kind=KIND_POLL,
            subject=subject,
            conversation_id=view.chat_conversation_id,
            payload=outbox.payload(card=render(view, "nb"), summary=subject),
            not_before=now,
            expires_at=now + POLL_LIFETIME,
            deadline_key=key,
            mandatory=True,
            now=now,
        )
    return sent


# --------------------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------------------


async def answer(
    session: AsyncSession,
    *,
    actor: Actor,
    evaluation_id: object,
    values: Mapping[str, Any],
    token: object = None,
    meeting_id: object = None,
    rng: random.Random | None = None,
) -> AnswerStored | Refused:
    """Store ``actor``'s answer, or replace it when ``token`` is the one their card got back.

    Refused (audited, nothing stored): unknown person, unknown or forged evaluation, a
    ``meeting_id`` that is not the evaluation's meeting, a closed evaluation, a person who was
    not present, a second answer without the token, and — with the card shown again — ratings
    missing or out of range. See the module docstring for how the token keeps answers anonymous.
    """
    action = "evaluation.answer"
    wanted = parse_id(evaluation_id)
    subject = wanted or _given(evaluation_id)
    if not actor.known or actor.person_id is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_KNOWN, subject_id=subject
        )
    row = await repo.get(session, wanted, for_update=True) if wanted else None
    if row is None or row.id is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_FOUND, subject_id=subject
        )
    meeting_given = meeting_id not in (None, "")
    if meeting_given and parse_id(meeting_id) != row.meeting_id:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.WRONG_MEETING, subject_id=row.id
        )
    if row.state != "open":
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.CLOSED, subject_id=row.id
        )
    seat = await repo.respondent(session, evaluation_id=row.id, person_id=actor.person_id)
    if seat is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_ELIGIBLE, subject_id=row.id
        )
    key: str | None = None
    if seat.answered:
        if is_token(token):
            assert isinstance(token, str)
            candidate = token_hash(token)
            if await repo.has_answer(session, evaluation_id=row.id, token_hash=candidate):
                key = candidate
        if key is None:
            return await _refuse(
                session,
                actor=actor,
                action=action,
                reason=Refusal.ALREADY_ANSWERED,
                subject_id=row.id,
            )
    meeting = await _meeting_of(session, row)
    questions = QuestionSet.from_json(json.loads(row.questions))
    parsed, problems = parse_answer(values, questions.count)
    if parsed is None:
        return await _refuse(
            session,
            actor=actor,
            action=action,
            reason=Refusal.INVALID,
            subject_id=row.id,
            problems=problems,
            evaluation=await _view(session, row, meeting),
        )
    new_token = token if key is not None and isinstance(token, str) else secrets.token_urlsafe(32)
    stored = repo.StoredAnswer(key or token_hash(new_token), parsed.ratings, parsed.comment)
    changed = await repo.store_answer(
        session, evaluation_id=row.id, answer=stored, rng=rng or random.SystemRandom()
    )
    if not seat.answered:
        await repo.mark_answered(session, seat)
    await _audit(session, actor=actor, action=action, subject_id=row.id)
    # Deliberately no person here: this line and the audit entry must not be joinable on time.
    log.info("evaluation answer stored", extra={"evaluation_id": row.id})
    return AnswerStored(await _view(session, row, meeting), new_token, parsed, changed)


async def non_respondents(session: AsyncSession, evaluation_id: int) -> list[int]:
    """The people present who have not answered an *open* evaluation, by person id: whom the
    ``evaluation`` reminder (CONTRACT.md, the working day after the meeting) goes to. Empty once
    the evaluation is closed or when it does not exist."""
    row = await repo.get(session, evaluation_id)
    if row is None or row.state != "open":
        return []
    return await repo.respondent_ids(session, evaluation_id=evaluation_id, answered=False)


# --------------------------------------------------------------------------------------------------
# Closing and results
# --------------------------------------------------------------------------------------------------


async def close_evaluation(
    session: AsyncSession, *, actor: Principal, evaluation_id: object, now: datetime
) -> Closed | Refused:
    """The chair or the secretariat closes the evaluation: no more answers, results visible."""
    action = "evaluation.close"
    wanted = parse_id(evaluation_id)
    subject = wanted or _given(evaluation_id)
    if not can_manage(actor):
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_ALLOWED, subject_id=subject
        )
    row = await repo.get(session, wanted, for_update=True) if wanted else None
    if row is None or row.id is None:
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.NOT_FOUND, subject_id=subject
        )
    if row.state != "open":
        return await _refuse(
            session, actor=actor, action=action, reason=Refusal.CLOSED, subject_id=row.id
        )
    row.state = "closed"
    row.closed_at = now
    row.closed_by_person_id = _ids(actor)[0]
    await repo.save(session, row)
    view = await _view(session, row, await _meeting_of(session, row))
    await _audit(
        session,
        actor=actor,
        action=action,
        subject_id=row.id,
        detail={"eligible": view.eligible, "answered": view.answered},
    )
    log.info("evaluation closed", extra={"evaluation_id": row.id, "answered": view.answered})
    return Closed(view)


async def results(
    session: AsyncSession,
    *,
    actor: Principal,
    evaluation_id: object,
    rng: random.Random | None = None,
) -> ResultsView | Refused:
    """A closed evaluation's results (hidden while it is open), for everyone known, with the
    trend over the earlier closed evaluations asked with the same statements."""
    view = await get_evaluation(session, actor=actor, evaluation_id=evaluation_id)
    if isinstance(view, Refused):
        return view
    if view.is_open:
        return Refused(Refusal.STILL_OPEN, evaluation=view)
    stored = await repo.answers(session, evaluation_id=view.id)
    summary = summarise(_answers(stored), view.questions.count, rng=rng or random.SystemRandom())
    return ResultsView(view, summary, await _trend(session, view))


def _answers(stored: Sequence[repo.StoredAnswer]) -> list[Answer]:
    return [Answer(a.ratings, a.comment) for a in stored]


async def _trend(session: AsyncSession, view: EvaluationView) -> tuple[TrendPoint, ...]:
    """Mean per statement for each closed evaluation up to this one that had the same statements
    and at least three answers (the fewer-than-3 rule holds on the chart too)."""
    candidates = [
        (row, meeting)
        for row, meeting in await repo.with_meetings(session, state="closed")
        if _aware(meeting.start_at) <= view.meeting.start
        and QuestionSet.from_json(json.loads(row.questions)).statements_nb
        == view.questions.statements_nb
    ]
    answers = await repo.answers_of(
        session, evaluation_ids=[row.id for row, _ in candidates if row.id is not None]
    )
    points: list[TrendPoint] = []
    for row, meeting in candidates:
        assert row.id is not None
        summary = summarise(
            _answers(answers.get(row.id, [])), view.questions.count, rng=random.Random(0)
        )
        if summary.shown:
            label = f"{to_oslo(_aware(meeting.start_at)):%d.%m.%y}"
            points.append(TrendPoint(label, tuple(s.mean for s in summary.statements)))
    return tuple(points[-TREND_MEETINGS:])


async def latest_evaluation(session: AsyncSession, *, actor: Principal) -> EvaluationView | None:
    """The evaluation of the most recent evaluated meeting (what ``evaluering`` shows)."""
    if isinstance(actor, Actor) and not actor.known:
        return None
    found = await repo.latest(session)
    return await _view(session, *found) if found is not None else None


async def announce_results(
    session: AsyncSession, *, evaluation: EvaluationView, card: dict[str, Any], now: datetime
) -> bool:
    """Post the results card to the meeting chat the poll went to; False when there is none.

    Called by the transport after the close has committed: the card carries a chart that takes
    a moment to draw, and the database should not wait for matplotlib.
    """
    if not evaluation.chat_conversation_id or evaluation.is_open:
        return False
    subject = f"{evaluation.meeting.body.value} {evaluation.meeting.start.date().isoformat()}"
    row = await outbox.enqueue(
        session,
        kind=KIND_RESULTS,
        subject=subject,
        conversation_id=evaluation.chat_conversation_id,
        payload=outbox.payload(card=card, summary=subject),
        not_before=now,
        expires_at=now + RESULTS_LIFETIME,
        deadline_key=f"evaluation:{evaluation.id}/results",
        mandatory=True,
        now=now,
    )
    return row is not None


# --------------------------------------------------------------------------------------------------
# CSV export
# --------------------------------------------------------------------------------------------------


async def csv_export(
    session: AsyncSession, *, actor: Principal, header: Sequence[str], locale: str = "nb"
) -> str | Refused:
    """Every closed evaluation, one row per meeting and statement: the meeting's date and body,
    how many could and did answer, the statement, its mean and how many gave 1…5.

    Aggregated only: no answer, no comment, no person. Under the fewer-than-3 rule a meeting's
    mean and distribution are left empty. Numbers use a decimal point (machine-readable).
    """
    action = "evaluation.export"
    if not can_export(actor):
        return await _refuse(session, actor=actor, action=action, reason=Refusal.NOT_ALLOWED)
    closed = await repo.with_meetings(session, state="closed")
    answers = await repo.answers_of(
        session, evaluation_ids=[row.id for row, _ in closed if row.id is not None]
    )
    lines: list[list[object]] = []
    for row, meeting in closed:
        assert row.id is not None
        questions = QuestionSet.from_json(json.loads(row.questions))
        eligible, answered = await repo.counts(session, evaluation_id=row.id)
        summary = summarise(
            _answers(answers.get(row.id, [])), questions.count, rng=random.Random(0)
        )
        day = to_oslo(_aware(meeting.start_at)).date().isoformat()
        for index, statement in enumerate(questions.statements(locale)):
            result = summary.statements[index] if summary.shown else None
            lines.append(
                [
                    day,
                    meeting.body,
                    row.id,
                    eligible,
                    answered,
                    index + 1,
                    statement,
                    f"{result.mean:.2f}" if result else "",
                    *(result.distribution if result else ("",) * 5),
                ]
            )
    await _audit(
        session, actor=actor, action=action, subject_id="", detail={"evaluations": len(closed)}
    )
    return write_csv(header, lines)
