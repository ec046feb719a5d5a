"""Attendance in Teams: ``kan ikke stille``/``cannot attend``, ``åpne møte``/``open meeting`` and
``avslutt møte``/``close meeting``, the verbs ``meeting.absence``, ``meeting.open``,
``meeting.close``, ``attendance.check_in``, ``attendance.set`` and ``attendance.refresh``, and
the Teams meeting start/end events of a meeting's chat.

Why the transport layer does this much and no more: it reads ids from the card data and the chat
the activity came from, runs one service call in one transaction, answers with a card, and wakes
the outbox after the commit. Permissions, refusals and their audit entries are the service's.

The attendance card is posted in the meeting chat once (when the meeting starts or is opened);
everyone's own view of it — their check-in button, the secretariat's corrections, the current
quorum — comes from ``attendance.refresh``, which Teams calls for the users in the card's
``refresh.userIds``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from bot.i18n import language_of, t
from bot.services import attendance as service
from bot.services.attendance import AttendanceHooks, MeetingEvent, Refused, Viewer
from bot.services.meetings import calendar_info
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.commands import Command
from bot.teams.handler import CommandHandler, card_activity
from bot.teams.meeting_events import MeetingEventRegistry, MeetingSignal
from cards import attendance as cards
from cards.base import Json
from dialogs.context import services_of
from storage.db import transaction

__all__ = [
    "CLOSE_PHRASES",
    "HOOKS",
    "OPEN_PHRASES",
    "AttendanceHandlers",
    "register",
]

log = logging.getLogger(__name__)

HOOKS = web.AppKey("attendance_hooks", AttendanceHooks)
"""The app's attendance hooks: ``app[HOOKS].on_meeting_ended(...)`` and friends."""
OPEN_PHRASES = ("åpne møte", "open meeting")
CLOSE_PHRASES = ("avslutt møte", "close meeting")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


def _conversation(turn_context: TurnContext) -> tuple[str | None, bool]:
    """The chat's id and whether it is a shared chat (group chat, meeting chat or channel)."""
    conversation = turn_context.activity.conversation
    if conversation is None or not conversation.id:
        return None, False
    return str(conversation.id), conversation.conversation_type not in {None, "personal"}


class AttendanceHandlers:
    """The attendance commands, verbs and meeting-event listener of one app."""

    def __init__(
        self,
        *,
        hooks: AttendanceHooks,
        clock: Clock = _utcnow,
        after_commit: Callable[[], None] = _nothing,
    ) -> None:
        self.hooks = hooks
        self._clock = clock
        self._after_commit = after_commit

    # ---------------------------------------------------------------------------------------------
    # Absence
    # ---------------------------------------------------------------------------------------------

    async def cannot_attend(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``kan ikke stille``: absence for the next meeting where the person has a seat."""
        document = await self._absence(turn_context, None)
        await turn_context.send_activity(card_activity(document))

    async def absence_action(self, request: ActionRequest) -> Json:
        """``meeting.absence`` with ``meeting_id`` (the notice card's button)."""
        return await self._absence(request.turn_context, request.values.get("meeting_id"))

    async def _absence(self, turn_context: TurnContext, meeting_id: object) -> Json:
        services = services_of(turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            result = await service.report_absence(
                session,
                actor=actor,
                now=self._clock(),
                render=cards.render_absence_notice,
                meeting_id=meeting_id,
                hooks=self.hooks,
            )
            info = (
                None
                if isinstance(result, Refused)
                else await calendar_info(session, meeting_id=result.meeting.id)
            )
        if isinstance(result, Refused):
            return cards.refused_card(actor.locale, result)
        self._after_commit()
        return cards.absence_reported_card(actor.locale, result, info)

    # ---------------------------------------------------------------------------------------------
    # Opening and closing the meeting
    # ---------------------------------------------------------------------------------------------

    async def open_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``åpne møte``: the meetings of today the chair or secretariat can open, as buttons."""
        services = services_of(turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            found = await service.open_candidates(session, actor=actor, now=self._clock())
        if isinstance(found, Refused):
            document = cards.refused_card(actor.locale, found)
        else:
            document = cards.open_candidates_card(actor.locale, found)
        await turn_context.send_activity(card_activity(document))

    async def open_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        conversation_id, shared = _conversation(request.turn_context)
        async with transaction(services.sessions) as session:
            result = await service.open_meeting(
                session,
                actor=actor,
                meeting_id=request.values.get("meeting_id"),
                now=self._clock(),
                conversation_id=conversation_id if shared else None,
                hooks=self.hooks,
            )
        if isinstance(result, Refused):
            return cards.refused_card(actor.locale, result)
        banner = t("attendance.opened", actor.locale) if result.first else None
        return cards.attendance_card(
            actor.locale, result.view, service.viewer_of(actor, result.view), banner=banner
        )

    async def close_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``avslutt møte``: confirm ending the meeting of this chat."""
        services = services_of(turn_context)
        actor = services.actor
        conversation_id, _shared = _conversation(turn_context)
        async with transaction(services.sessions) as session:
            meeting_id = (
                await service.meeting_for_conversation(session, conversation_id=conversation_id)
                if conversation_id
                else None
            )
            allowed = await service.may_close(session, actor=actor, meeting_id=meeting_id)
            view = (
                await service.attendance_view(
                    session, actor=actor, meeting_id=meeting_id, hooks=self.hooks
                )
                if allowed is True and meeting_id is not None
                else None
            )
        if isinstance(allowed, Refused):
            document = cards.refused_card(actor.locale, allowed)
        elif isinstance(view, service.AttendanceView) and view.open:
            document = cards.close_confirm_card(actor.locale, view.meeting)
        else:
            document = cards.close_confirm_card(actor.locale, None)
        await turn_context.send_activity(card_activity(document))

    async def close_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        meeting_id = request.values.get("meeting_id")
        async with transaction(services.sessions) as session:
            if request.values.get("confirm") != cards.CONFIRM:
                allowed = await service.may_close(
                    session, actor=actor, meeting_id=service.parse_id(meeting_id)
                )
                if isinstance(allowed, Refused):
                    return cards.refused_card(actor.locale, allowed)
                view = await service.attendance_view(
                    session, actor=actor, meeting_id=meeting_id, hooks=self.hooks
                )
                if isinstance(view, Refused):
                    return cards.refused_card(actor.locale, view)
                return cards.close_confirm_card(actor.locale, view.meeting)
            result = await service.close_meeting(
                session, actor=actor, meeting_id=meeting_id, now=self._clock(), hooks=self.hooks
            )
        if isinstance(result, Refused):
            return cards.refused_card(actor.locale, result)
        self._after_commit()
        return cards.closed_card(actor.locale, result, service.viewer_of(actor, result.view))

    # ---------------------------------------------------------------------------------------------
    # Check-in, corrections, the live card
    # ---------------------------------------------------------------------------------------------

    async def check_in_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            result = await service.check_in(
                session,
                actor=actor,
                meeting_id=request.values.get("meeting_id"),
                now=self._clock(),
                hooks=self.hooks,
            )
        if isinstance(result, Refused):
            return cards.refused_card(actor.locale, result)
        banner = t(
            "attendance.check_in.done" if result.changed else "attendance.check_in.again",
            actor.locale,
        )
        return cards.attendance_card(
            actor.locale, result.view, service.viewer_of(actor, result.view), banner=banner
        )

    async def set_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            result = await service.set_attendance(
                session,
                actor=actor,
                meeting_id=request.values.get("meeting_id"),
                person_id=request.values.get("person_id"),
                status=request.values.get("status"),
                now=self._clock(),
                hooks=self.hooks,
            )
        if isinstance(result, Refused):
            return cards.refused_card(actor.locale, result)
        banner = t(
            "attendance.correct.saved" if result.changed else "attendance.unchanged", actor.locale
        )
        return cards.attendance_card(
            actor.locale, result.view, service.viewer_of(actor, result.view), banner=banner
        )

    async def refresh_action(self, request: ActionRequest) -> Json:
        """The card's refresh (and the "Oppdater" button): this person's view, as it is now."""
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            view = await service.attendance_view(
                session, actor=actor, meeting_id=request.values.get("meeting_id"), hooks=self.hooks
            )
        if isinstance(view, Refused):
            return cards.refused_card(actor.locale, view)
        return cards.attendance_card(actor.locale, view, service.viewer_of(actor, view))

    # ---------------------------------------------------------------------------------------------
    # Teams meeting events
    # ---------------------------------------------------------------------------------------------

    async def on_meeting_event(self, turn_context: TurnContext, signal: MeetingSignal) -> None:
        """Start: record it and post the attendance card in the meeting chat. End: record it,
        mark the meeting held, run the "meeting ended" hooks and post the final attendance.
        Only the first report of a start or an end posts: when the chair opened (or closed) the
        meeting in its chat already, or Teams redelivers the event, the card is there."""
        services = services_of(turn_context)
        event = MeetingEvent(
            kind=signal.kind,
            conversation_id=signal.conversation_id,
            join_url=signal.join_url,
            teams_meeting_id=signal.teams_meeting_id,
            at=signal.at,
        )
        async with transaction(services.sessions) as session:
            recorded = await service.record_meeting_event(session, event=event, hooks=self.hooks)
        locale = language_of(turn_context.activity.locale)
        if recorded is None:
            if signal.kind == "start":
                await turn_context.send_activity(t("attendance.event.not_linked", locale))
            return
        self._after_commit()
        if not recorded.first:
            return
        view = recorded.view
        shared = Viewer(None, can_check_in=view.open)
        if signal.kind == "start":
            document = cards.attendance_card(locale, view, shared)
        else:
            banner_key = (
                "attendance.closed.held"
                if view.meeting.state.value == "held"
                else "attendance.closed.not_held"
            )
            document = cards.attendance_card(
                locale,
                view,
                shared,
                banner=t(banner_key, locale),
                banner_good=view.meeting.state.value == "held",
            )
        await turn_context.send_activity(card_activity(document))


def register(
    actions: ActionRegistry,
    commands: dict[Command, CommandHandler],
    phrases: dict[str, CommandHandler],
    meeting_events: MeetingEventRegistry,
    *,
    hooks: AttendanceHooks | None = None,
    clock: Clock = _utcnow,
    after_commit: Callable[[], None] = _nothing,
) -> AttendanceHandlers:
    """Wire the attendance commands, verbs and meeting-event listener; returns the handlers
    (their ``hooks`` is where other features register)."""
    handlers = AttendanceHandlers(
        hooks=hooks or AttendanceHooks(), clock=clock, after_commit=after_commit
    )
    commands[Command.CANNOT_ATTEND] = handlers.cannot_attend
    for phrase in OPEN_PHRASES:
        phrases[phrase] = handlers.open_command
    for phrase in CLOSE_PHRASES:
        phrases[phrase] = handlers.close_command
    actions.register(cards.VERB_ABSENCE, handlers.absence_action)
    actions.register(cards.VERB_OPEN, handlers.open_action)
    actions.register(cards.VERB_CLOSE, handlers.close_action)
    actions.register(cards.VERB_CHECK_IN, handlers.check_in_action)
    actions.register(cards.VERB_SET, handlers.set_action)
    actions.register(cards.VERB_REFRESH, handlers.refresh_action)
    meeting_events.register(handlers.on_meeting_event)
    log.debug("attendance handlers registered")
    return handlers
