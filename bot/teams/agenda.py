"""Agenda and notice in Teams: the ``saksliste``/``agenda`` command and the card verbs
``agenda.show``, ``agenda.move``, ``agenda.minutes``, ``notice.preview`` and ``notice.publish``.

Phrases, not entries of the ``Command`` enum: that enum is the personal command list of the Teams
manifest (at most ten commands) and this one is for the secretariat and the leadership.

Publishing stores the document between two transactions (see :mod:`bot.services.notice`), so this
layer hands the service the session factory and the app's DocumentStore rather than a session.
``after_commit`` wakes the outbox once the notice's messages are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Final

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.graph.factory import CALENDAR
from bot.graph.port import DocumentStore
from bot.services import agenda as service
from bot.services import notice as notice_service
from bot.services.attendance import AttendanceHooks, called_in_deputies
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.handler import CommandHandler, card_activity
from cards import agenda as cards
from cards import notice as notice_cards
from cards.base import Json
from dialogs.case_submission import NOTIFY as CASE_NOTIFY
from dialogs.context import services_of
from storage.db import transaction

__all__ = [
    "AGENDA_PHRASES",
    "DocumentSource",
    "NoticeHandlers",
    "app_documents",
    "attendance_deputies",
    "register",
]

log = logging.getLogger(__name__)

AGENDA_PHRASES: Final = ("saksliste", "agenda")
Clock = Callable[[], datetime]
DocumentSource = Callable[[], DocumentStore | None]
"""Where the DocumentStore comes from at the time of a turn (the app builds it after us)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


async def _no_deputies(_session: AsyncSession, _meeting_id: int) -> Collection[int]:
    return ()


async def attendance_deputies(session: AsyncSession, meeting_id: int) -> Collection[int]:
    """The personal deputies called in for a meeting, from the attendance feature."""
    return [d.deputy_person_id for d in await called_in_deputies(session, meeting_id=meeting_id)]


def app_documents(app: web.Application) -> DocumentSource:
    """The app's DocumentStore once ``bot.graph.factory.calendar_context`` has built it."""

    def current() -> DocumentStore | None:
        services = app.get(CALENDAR)
        return services.documents if services is not None else None

    return current


class NoticeHandlers:
    """The agenda command and the agenda/notice verbs."""

    def __init__(
        self,
        *,
        documents: DocumentSource,
        deputies: notice_service.DeputySource = _no_deputies,
        clock: Clock = _utcnow,
        after_commit: Callable[[], None] = _nothing,
    ) -> None:
        self._documents = documents
        self._deputies = deputies
        self._clock = clock
        self._after_commit = after_commit

    # ---------------------------------------------------------------------------------------------
    # The command
    # ---------------------------------------------------------------------------------------------

    async def agenda_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """The agenda of the next meeting that can still get a notice, with the others to pick."""
        services = services_of(turn_context)
        actor, locale = services.actor, services.actor.locale
        now = self._clock()
        async with transaction(services.sessions) as session:
            meetings = await service.agenda_meetings(session, actor=actor, now=now)
            if isinstance(meetings, service.Refused):
                document = cards.agenda_refused_card(locale, meetings)
            elif not meetings:
                document = cards.no_meetings_card(locale)
            else:
                view = await service.show_agenda(
                    session, actor=actor, meeting_id=meetings[0].id, now=now
                )
                document = (
                    cards.agenda_refused_card(locale, view)
                    if isinstance(view, service.Refused)
                    else cards.agenda_card(locale, view, meetings=meetings)
                )
        await turn_context.send_activity(card_activity(document))

    # ---------------------------------------------------------------------------------------------
    # Verbs
    # ---------------------------------------------------------------------------------------------

    async def show(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        values = request.values
        wanted = values.get(cards.CHOOSER_INPUT) if values.get("choose") else None
        meeting_id = wanted if wanted is not None else values.get("meeting_id")
        now = self._clock()
        async with transaction(services.sessions) as session:
            view = await service.show_agenda(session, actor=actor, meeting_id=meeting_id, now=now)
            if isinstance(view, service.Refused):
                return cards.agenda_refused_card(locale, view)
            meetings = await service.agenda_meetings(session, actor=actor, now=now)
        return cards.agenda_card(
            locale, view, meetings=meetings if isinstance(meetings, list) else []
        )

    async def move(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            result = await service.move_item(
                session,
                actor=actor,
                meeting_id=request.values.get("meeting_id"),
                case_id=request.values.get("case_id"),
                direction=request.values.get("direction"),
                now=self._clock(),
            )
            if (
                isinstance(result, service.Refused)
                and result.meeting_id is not None
                and result.reason
                in {service.RefusalReason.CANNOT_MOVE, service.RefusalReason.INVALID}
            ):
                again = await service.show_agenda(
                    session, actor=actor, meeting_id=result.meeting_id, now=self._clock()
                )
                if isinstance(again, service.AgendaView):
                    return cards.agenda_card(locale, again, problems=result.problems)
        if isinstance(result, service.Refused):
            return cards.agenda_refused_card(locale, result)
        return cards.agenda_card(locale, result)

    async def minutes(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            result = await service.set_minutes(
                session,
                actor=actor,
                meeting_id=request.values.get("meeting_id"),
                values=request.values,
                now=self._clock(),
            )
            if (
                isinstance(result, service.Refused)
                and result.reason is service.RefusalReason.INVALID
                and result.meeting_id is not None
            ):
                again = await service.show_agenda(
                    session, actor=actor, meeting_id=result.meeting_id, now=self._clock()
                )
                if isinstance(again, service.AgendaView):
                    return cards.agenda_card(
                        locale, again, problems=result.problems, values=result.values
                    )
        if isinstance(result, service.Refused):
            return cards.agenda_refused_card(locale, result)
        return cards.agenda_card(locale, result, saved=True)

    async def preview(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            preview = await notice_service.preview_notice(
                session, actor=actor, meeting_id=request.values.get("meeting_id"), now=self._clock()
            )
        if isinstance(preview, notice_service.Refused):
            return notice_cards.notice_refused_card(locale, preview)
        return notice_cards.notice_preview_card(locale, preview)

    async def publish(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        meeting_id = request.values.get("meeting_id")
        reason = request.text(notice_cards.REASON_INPUT)
        documents = self._documents()
        if documents is None:
            log.error(
                "notice publishing without a document store", extra={"person": actor.person_id}
            )
            return notice_cards.notice_refused_card(
                locale, notice_service.Refused(notice_service.Refusal.STORAGE_FAILED)
            )
        result = await notice_service.publish_notice(
            services.sessions,
            actor=actor,
            meeting_id=meeting_id,
            documents=documents,
            render=notice_cards.render_notice_message,
            reason=reason,
            now=self._clock(),
            deputies=self._deputies,
            case_notify=CASE_NOTIFY,
        )
        if isinstance(result, notice_service.Published):
            self._after_commit()
            return notice_cards.notice_published_card(locale, result)
        if result.reason is notice_service.Refusal.REASON_REQUIRED:
            async with transaction(services.sessions) as session:
                preview = await notice_service.preview_notice(
                    session, actor=actor, meeting_id=meeting_id, now=self._clock()
                )
            if isinstance(preview, notice_service.NoticePreview):
                return notice_cards.notice_preview_card(
                    locale, preview, problems=result.problems, reason=result.reason_text
                )
        return notice_cards.notice_refused_card(locale, result)


def register(
    actions: ActionRegistry,
    phrases: dict[str, CommandHandler],
    *,
    documents: DocumentSource,
    deputies: notice_service.DeputySource | None = None,
    hooks: AttendanceHooks | None = None,
    clock: Clock = _utcnow,
    after_commit: Callable[[], None] = _nothing,
) -> NoticeHandlers:
    """Wire the agenda phrases and the agenda/notice verbs; with ``hooks`` (the attendance
    feature's), a personal deputy called in after publication gets the notice. Returns the
    handlers (tests drive them directly)."""
    handlers = NoticeHandlers(
        documents=documents,
        deputies=deputies or _no_deputies,
        clock=clock,
        after_commit=after_commit,
    )
    for phrase in AGENDA_PHRASES:
        phrases[phrase] = handlers.agenda_command
    actions.register(cards.VERB_SHOW, handlers.show)
    actions.register(cards.VERB_MOVE, handlers.move)
    actions.register(cards.VERB_MINUTES, handlers.minutes)
    actions.register(notice_cards.VERB_PREVIEW, handlers.preview)
    actions.register(notice_cards.VERB_PUBLISH, handlers.publish)
    if hooks is not None:
        hooks.on_deputy_called(
            notice_service.deputy_listener(
                notice_cards.render_notice_message, deputies=deputies or _no_deputies
            )
        )
    log.debug("agenda handlers registered", extra={"deputy_hook": hooks is not None})
    return handlers
