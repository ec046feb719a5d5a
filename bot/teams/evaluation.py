"""The self-evaluation in Teams: the phrases ``start evaluering``/``start evaluation``,
``evaluering``/``evaluation`` and ``evaluering csv``/``evaluation csv``, the card verbs
``evaluation.answer``, ``.start``, ``.close``, ``.status``, ``.results``, ``.csv`` and ``.poll``
(the evaluation reminder's button), and the listener for the attendance feature's "meeting ended"
hook.

Why the chart is drawn here, after the transaction: matplotlib needs tens of milliseconds of CPU,
which must neither block the event loop (it runs in a worker thread) nor hold the database (on
SQLite every transaction holds the write lock). So closing commits first, then the chart is
drawn, then the results card is put in the outbox for the meeting chat in a second, short
transaction.

The CSV export is sent inline, as a code block in a chat message. In a personal chat a bot can
attach a file that is not an image only through Teams' file-consent flow (``supportsFiles`` in
the manifest, a consent card the user accepts, then an upload to the user's OneDrive): a
round-trip and an outbound upload for what is a few kilobytes of aggregated numbers, which the
secretariat can copy straight from the message into a .csv file or a spreadsheet. A long export
is split into several messages, each under Teams' message size limit and each with the header.

Nothing here logs a person together with anything about an answer (see the service's docstring).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.charts import trend_chart
from bot.domain.evaluation import EVALUATED_BODIES, rating_id
from bot.i18n import t
from bot.services import evaluation as service
from bot.services.attendance import AttendanceHooks, MeetingEnded, RecordedAttendance
from bot.services.evaluation import (
    SYSTEM,
    AnswerStored,
    Attendance,
    EvaluationView,
    Refusal,
    Refused,
    ResultsView,
)
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.handler import CommandHandler, card_activity
from cards import evaluation as cards
from cards.base import Json
from cards.reminders import VERB_POLL
from dialogs.context import TurnServices, services_of
from storage.db import transaction

__all__ = [
    "CSV_MESSAGE_BYTES",
    "CSV_PHRASES",
    "START_PHRASES",
    "STATUS_PHRASES",
    "EvaluationHandlers",
    "register",
    "split_csv",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CSV_MESSAGE_BYTES = 20_000
"""Teams refuses messages over about 28 KB; each CSV message stays well below."""
_CHAT_TYPES = frozenset({"groupChat", "channel"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


def poll_for(view: EvaluationView, locale: str) -> Json:
    """The poll card as the outbox sends it (the service's ``render``)."""
    return cards.poll_card(locale, view)


def split_csv(text: str, limit: int = CSV_MESSAGE_BYTES) -> list[str]:
    """The CSV in pieces of at most ``limit`` bytes, each starting with the header row."""
    header, *rows = text.splitlines(keepends=True)
    pieces: list[str] = []
    current = header
    for row in rows:
        if len((current + row).encode("utf-8")) > limit and current != header:
            pieces.append(current)
            current = header
        current += row
    pieces.append(current)
    return pieces


class EvaluationHandlers:
    """The commands, verbs and the meeting-ended listener, with their attendance source."""

    def __init__(
        self,
        *,
        attendance: Attendance | None = None,
        clock: Clock = _utcnow,
        after_commit: Callable[[], None] = _nothing,
    ) -> None:
        self._attendance = attendance
        self._clock = clock
        self._after_commit = after_commit

    # ---------------------------------------------------------------------------------------------
    # Chat commands
    # ---------------------------------------------------------------------------------------------

    async def start_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``start evaluering``: the meeting to evaluate with a start button (or its status)."""
        services = services_of(turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            target = await service.start_target(session, actor=actor, now=self._clock())
            answered = await self._answered(session, services, target)
        if isinstance(target, Refused):
            document = cards.evaluation_refused_card(actor.locale, target)
        elif isinstance(target, EvaluationView):
            document = cards.status_card(
                actor.locale, target, can_manage=True, answered_by_viewer=answered
            )
        else:
            document = cards.start_card(actor.locale, target)
        await turn_context.send_activity(card_activity(document))

    async def status_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``evaluering``: the latest evaluation as this person should see it — the poll while
        they can still answer, the status while it is open, the results once it is closed."""
        services = services_of(turn_context)
        actor = services.actor
        if not actor.known:
            await turn_context.send_activity(t("evaluation.refused.not_known", actor.locale))
            return
        async with transaction(services.sessions) as session:
            latest = await service.latest_evaluation(session, actor=actor)
            eligible, answered = (
                await service.respondent_state(
                    session, evaluation_id=latest.id, person_id=actor.person_id
                )
                if latest is not None
                else (False, False)
            )
        if latest is None:
            await turn_context.send_activity(t("evaluation.none", actor.locale))
            return
        if latest.is_open and eligible and not answered:
            document = cards.poll_card(actor.locale, latest)
        elif latest.is_open:
            document = cards.status_card(
                actor.locale,
                latest,
                can_manage=service.can_manage(actor),
                answered_by_viewer=answered,
            )
        else:
            document = await self._results_card(services, latest.id)
        await turn_context.send_activity(card_activity(document))

    async def csv_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``evaluering csv``: the aggregated export as chat messages (secretariat only)."""
        services = services_of(turn_context)
        for activity in await self._csv_messages(services):
            await turn_context.send_activity(activity)

    # ---------------------------------------------------------------------------------------------
    # Card verbs
    # ---------------------------------------------------------------------------------------------

    async def answer_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        token = request.values.get(cards.TOKEN_KEY)
        async with transaction(services.sessions) as session:
            result = await service.answer(
                session,
                actor=actor,
                evaluation_id=request.values.get("evaluation_id"),
                meeting_id=request.values.get("meeting_id"),
                values=request.values,
                token=token,
            )
        if isinstance(result, AnswerStored):
            return cards.poll_card(
                locale,
                result.evaluation,
                values=_answer_values(result),
                token=result.token,
                saved=True,
                changed=result.changed,
            )
        if result.reason is Refusal.INVALID and result.evaluation is not None:
            return cards.poll_card(
                locale,
                result.evaluation,
                values=_sent_values(request, result.evaluation.questions.count),
                token=token if isinstance(token, str) else None,
                problems=result.problems,
            )
        return cards.evaluation_refused_card(locale, result)

    async def start_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            result = await service.open_evaluation(
                session,
                actor=actor,
                meeting_id=request.values.get("meeting_id"),
                now=self._clock(),
                attendance=self._attendance,
                chat_conversation_id=_group_chat(request.turn_context),
                render=poll_for,
            )
        if isinstance(result, Refused):
            return cards.evaluation_refused_card(locale, result)
        self._after_commit()
        notice = (
            cards.StatusNotice(
                "evaluation.opened.notice", count=result.sent, chat=result.posted_to_chat
            )
            if result.created
            else cards.StatusNotice("evaluation.opened.already")
        )
        return cards.status_card(locale, result.evaluation, can_manage=True, notice=notice)

    async def close_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        now = self._clock()
        async with transaction(services.sessions) as session:
            closed = await service.close_evaluation(
                session, actor=actor, evaluation_id=request.values.get("evaluation_id"), now=now
            )
            if isinstance(closed, Refused):
                return cards.evaluation_refused_card(locale, closed)
            results = await service.results(
                session, actor=actor, evaluation_id=closed.evaluation.id
            )
        if isinstance(results, Refused):  # pragma: no cover - it was closed a moment ago
            return cards.evaluation_refused_card(locale, results)
        chart = await _chart(results, "nb")
        async with transaction(services.sessions) as session:
            announced = await service.announce_results(
                session,
                evaluation=results.evaluation,
                card=cards.results_card("nb", results, chart_png=chart),
                now=now,
            )
        if announced:
            self._after_commit()
        if locale != "nb":
            chart = await _chart(results, locale)
        return cards.results_card(
            locale, results, chart_png=chart, can_export=service.can_export(actor)
        )

    async def poll_action(self, request: ActionRequest) -> Json:
        """The evaluation reminder's button, pressed in the personal chat: the person's own poll
        while they may still answer it (present at the meeting, not answered yet, evaluation
        open); otherwise what ``evaluering`` would show them — the status while it is open, the
        results once it is closed. For people in the roster only, like the status; nothing is
        stored, so a refusal (someone outside the roster, an unknown id) is not audited."""
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            view = await service.get_evaluation(
                session, actor=actor, evaluation_id=request.values.get("evaluation_id")
            )
            eligible, answered = (
                await service.respondent_state(
                    session, evaluation_id=view.id, person_id=actor.person_id
                )
                if isinstance(view, EvaluationView)
                else (False, False)
            )
        if isinstance(view, Refused):
            return cards.evaluation_refused_card(locale, view)
        if view.is_open and eligible and not answered:
            return cards.poll_card(locale, view)
        if view.is_open:
            return cards.status_card(
                locale, view, can_manage=service.can_manage(actor), answered_by_viewer=answered
            )
        return await self._results_card(services, view.id)

    async def status_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            view = await service.get_evaluation(
                session, actor=actor, evaluation_id=request.values.get("evaluation_id")
            )
            answered = await self._answered(session, services, view)
        if isinstance(view, Refused):
            return cards.evaluation_refused_card(locale, view)
        return cards.status_card(
            locale, view, can_manage=service.can_manage(actor), answered_by_viewer=answered
        )

    async def results_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        return await self._results_card(services, request.values.get("evaluation_id"))

    async def csv_action(self, request: ActionRequest) -> Json:
        """The results card's export button: the CSV arrives as messages in this chat, and the
        card stays as it was."""
        services = services_of(request.turn_context)
        messages = await self._csv_messages(services)
        for activity in messages:
            await request.turn_context.send_activity(activity)
        evaluation_id = request.values.get("evaluation_id")
        if evaluation_id is None:
            return cards.evaluation_refused_card(services.actor.locale, Refused(Refusal.NOT_FOUND))
        return await self._results_card(services, evaluation_id)

    # ---------------------------------------------------------------------------------------------
    # The attendance feature's "meeting ended" hook
    # ---------------------------------------------------------------------------------------------

    async def meeting_ended(self, session: AsyncSession, ended: MeetingEnded) -> None:
        """Open the evaluation of an SSU meeting that just ended and send the poll to the members
        who were present. Runs in the attendance feature's transaction; database work only. With
        nobody recorded present (attendance not taken) it waits for the chair's ``start
        evaluering``, which then asks everyone with a regular seat."""
        if ended.meeting.body.value not in EVALUATED_BODIES or not ended.present:
            return
        result = await service.open_evaluation(
            session,
            actor=SYSTEM,
            meeting_id=ended.meeting.id,
            now=ended.ended_at,
            present=ended.present,
            render=poll_for,
        )
        if isinstance(result, Refused):
            log.info(
                "no evaluation after meeting",
                extra={"meeting_id": ended.meeting.id, "reason": result.reason.value},
            )

    # ---------------------------------------------------------------------------------------------
    # Helpers
    # ---------------------------------------------------------------------------------------------

    async def _answered(
        self, session: AsyncSession, services: TurnServices, target: object
    ) -> bool:
        """Whether the person looking at an evaluation's status has answered it."""
        if not isinstance(target, EvaluationView):
            return False
        _eligible, answered = await service.respondent_state(
            session, evaluation_id=target.id, person_id=services.actor.person_id
        )
        return answered

    async def _results_card(self, services: TurnServices, evaluation_id: object) -> Json:
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            results = await service.results(session, actor=actor, evaluation_id=evaluation_id)
        if isinstance(results, Refused):
            return cards.evaluation_refused_card(locale, results)
        return cards.results_card(
            locale,
            results,
            chart_png=await _chart(results, locale),
            can_export=service.can_export(actor),
        )

    async def _csv_messages(self, services: TurnServices) -> list[Any]:
        actor, locale = services.actor, services.actor.locale
        header = t("evaluation.csv.header", locale).split(",")
        async with transaction(services.sessions) as session:
            exported = await service.csv_export(session, actor=actor, header=header, locale=locale)
        if isinstance(exported, Refused):
            return [card_activity(cards.evaluation_refused_card(locale, exported))]
        pieces = split_csv(exported)
        if len(pieces) == 1 and pieces[0].count("\n") <= 1:
            return [MessageFactory.text(t("evaluation.csv.empty", locale))]
        intro = t("evaluation.csv.intro", locale)
        return [
            MessageFactory.text(f"{intro}\n\n```\n{piece}```" if n == 0 else f"```\n{piece}```")
            for n, piece in enumerate(pieces)
        ]


async def _chart(results: ResultsView, locale: str) -> bytes | None:
    """The trend chart when there is a trend (two meetings or more) to show."""
    if not results.summary.shown or len(results.trend) < 2:
        return None
    return await asyncio.to_thread(
        trend_chart,
        results.trend,
        results.evaluation.questions.short(locale),
        title=t("evaluation.results.trend_title", locale),
        y_label=t("evaluation.results.trend_axis", locale),
    )


def _group_chat(turn_context: TurnContext) -> str | None:
    """The conversation a button was pressed in, when it is a group chat or channel (e.g. the
    meeting chat): the poll is posted there too."""
    conversation = turn_context.activity.conversation
    if conversation is not None and conversation.conversation_type in _CHAT_TYPES:
        return str(conversation.id)
    return None


def _answer_values(stored: AnswerStored) -> dict[str, str]:
    """The person's own answer, to show it back to them in their card."""
    values = {rating_id(i): str(r) for i, r in enumerate(stored.answer.ratings)}
    values["comment"] = stored.answer.comment or ""
    return values


def _sent_values(request: ActionRequest, count: int) -> dict[str, str]:
    """What was sent with a refused answer, to put it back in the form."""
    keys = [rating_id(i) for i in range(count)] + ["comment"]
    return {key: request.text(key) for key in keys}


START_PHRASES: Final = ("start evaluering", "start evaluation")
STATUS_PHRASES: Final = ("evaluering", "evaluation")
CSV_PHRASES: Final = ("evaluering csv", "evaluation csv")


def register(
    actions: ActionRegistry,
    phrases: dict[str, CommandHandler],
    *,
    hooks: AttendanceHooks | None = None,
    attendance: Attendance | None = None,
    clock: Clock = _utcnow,
    after_commit: Callable[[], None] = _nothing,
) -> EvaluationHandlers:
    """Wire the evaluation phrases and verbs, and listen for "meeting ended" on ``hooks``;
    returns the handlers. Who was present comes from ``attendance`` (by default what the
    attendance feature recorded).

    Phrases, not entries of the ``Command`` enum: that enum is the personal command list of the
    Teams manifest (at most ten commands), and these are for the chair and the secretariat.
    ``after_commit`` wakes the outbox once a poll or results card is stored.
    """
    handlers = EvaluationHandlers(
        attendance=attendance or RecordedAttendance(), clock=clock, after_commit=after_commit
    )
    for phrase in START_PHRASES:
        phrases[phrase] = handlers.start_command
    for phrase in STATUS_PHRASES:
        phrases[phrase] = handlers.status_command
    for phrase in CSV_PHRASES:
        phrases[phrase] = handlers.csv_command
    actions.register(cards.VERB_ANSWER, handlers.answer_action)
    actions.register(cards.VERB_START, handlers.start_action)
    actions.register(cards.VERB_CLOSE, handlers.close_action)
    actions.register(cards.VERB_STATUS, handlers.status_action)
    actions.register(cards.VERB_RESULTS, handlers.results_action)
    actions.register(cards.VERB_CSV, handlers.csv_action)
    actions.register(VERB_POLL, handlers.poll_action)
    if hooks is not None:
        hooks.on_meeting_ended(handlers.meeting_ended)
    return handlers
