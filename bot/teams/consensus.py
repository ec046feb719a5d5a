"""Consensus rounds in Teams: the phrase ``konsensus``/``consensus`` (the chair's list of decision
cases in the meeting chat), and the verbs ``consensus.start``, ``consensus.respond``,
``consensus.input``, ``consensus.refresh`` and ``consensus.close``.

Why the transport layer does this much and no more: it reads ids from the card data and the chat
the activity came from, runs one service call in one transaction, answers with a card, and keeps
the round's message in the chat up to date. Permissions, refusals and their audit entries are
the service's.

Why the round card is a message of its own, updated after every change: an ``Action.Execute``
response replaces the card only for the person who pressed the button. The round is posted once
in the chat where the chair started it (after the start commits) and its message is updated with
the shared view after every answer, input and the close, so everyone sees the live tally; each
member's own view — their answer, to change it — comes from ``consensus.refresh``, which Teams
calls for the users in the card's ``refresh.userIds``. Updating the message is best effort: if
Teams refuses (throttling), the next change or refresh shows the current state anyway.

``consensus.start`` without the ``decision_text`` input shows the start card (the proposed
decision in a text field the chair may amend); with it, it starts the round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from bot.domain.roles import Actor
from bot.i18n import DEFAULT_LOCALE, t
from bot.services import consensus as service
from bot.services.attendance import AttendanceHooks
from bot.services.consensus import SHARED_VIEWER, Refused, RoundView
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.handler import CommandHandler, card_activity
from cards import consensus as cards
from cards.base import Json
from dialogs.case_submission import NOTIFY as CASE_NOTIFY
from dialogs.context import services_of
from storage.db import transaction

__all__ = ["PHRASES", "ConsensusHandlers", "register"]

log = logging.getLogger(__name__)

PHRASES = ("konsensus", "consensus")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _conversation(turn_context: TurnContext) -> str | None:
    conversation = turn_context.activity.conversation
    return str(conversation.id) if conversation is not None and conversation.id else None


class ConsensusHandlers:
    """The consensus phrase and verbs of one app."""

    def __init__(self, *, hooks: AttendanceHooks, clock: Clock = _utcnow) -> None:
        self.hooks = hooks
        self._clock = clock

    # ---------------------------------------------------------------------------------------------
    # Starting
    # ---------------------------------------------------------------------------------------------

    async def start_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``konsensus``: the decision cases of this chat's meeting, for the chair."""
        services = services_of(turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            found = await service.start_candidates(
                session, actor=actor, conversation_id=_conversation(turn_context), hooks=self.hooks
            )
        if isinstance(found, Refused):
            document = cards.refused_card(actor.locale, found)
        else:
            document = cards.start_list_card(actor.locale, found)
        await turn_context.send_activity(card_activity(document))

    async def start_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        conversation_id = _conversation(request.turn_context)
        case_id = request.values.get("case_id")
        async with transaction(services.sessions) as session:
            if "decision_text" not in request.values:
                prepared = await service.prepare_round(
                    session,
                    actor=actor,
                    case_id=case_id,
                    conversation_id=conversation_id,
                    hooks=self.hooks,
                )
                if isinstance(prepared, Refused):
                    return cards.refused_card(actor.locale, prepared)
                return cards.prepare_card(actor.locale, prepared)
            result = await service.start_round(
                session,
                actor=actor,
                case_id=case_id,
                decision_text=request.values.get("decision_text"),
                now=self._clock(),
                conversation_id=conversation_id,
                hooks=self.hooks,
            )
            if isinstance(result, Refused) and result.problems:
                again = await service.prepare_round(
                    session,
                    actor=actor,
                    case_id=case_id,
                    conversation_id=conversation_id,
                    hooks=self.hooks,
                )
                if isinstance(again, service.Prepared):
                    return cards.prepare_card(
                        actor.locale, again, problems=result.problems, values=result.values
                    )
        if isinstance(result, Refused):
            return cards.refused_card(actor.locale, result)
        view = result.view
        activity_id = await self._post(request.turn_context, view)
        if activity_id is not None:
            async with transaction(services.sessions) as session:
                await service.attach_card(
                    session,
                    round_id=view.id,
                    activity_id=activity_id,
                    conversation_id=conversation_id,
                )
        return cards.started_card(actor.locale, view)

    # ---------------------------------------------------------------------------------------------
    # Answers, input, the live card, the close
    # ---------------------------------------------------------------------------------------------

    async def respond_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            result = await service.respond(
                session,
                actor=actor,
                item_id=request.values.get("item_id"),
                values=request.values,
                now=self._clock(),
                conversation_id=_conversation(request.turn_context),
                hooks=self.hooks,
            )
        if isinstance(result, Refused):
            return self._refused(actor, result)
        if result.changed:
            await self._update(request.turn_context, result.view)
        banner = t("consensus.saved" if result.changed else "consensus.unchanged", actor.locale)
        return cards.round_card(
            actor.locale, result.view, service.viewer_of(actor, result.view), banner=banner
        )

    async def input_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            result = await service.add_input(
                session,
                actor=actor,
                item_id=request.values.get("item_id"),
                values=request.values,
                now=self._clock(),
                conversation_id=_conversation(request.turn_context),
                hooks=self.hooks,
            )
        if isinstance(result, Refused):
            return self._refused(actor, result)
        if result.changed:
            await self._update(request.turn_context, result.view)
        return cards.round_card(
            actor.locale,
            result.view,
            service.viewer_of(actor, result.view),
            banner=t("consensus.input_saved", actor.locale),
        )

    async def refresh_action(self, request: ActionRequest) -> Json:
        """The card's refresh (and the "Oppdater" button): this person's view, as it is now."""
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            view = await service.round_view(
                session, actor=actor, item_id=request.values.get("item_id"), hooks=self.hooks
            )
        if isinstance(view, Refused):
            return cards.refused_card(actor.locale, view)
        return cards.round_card(actor.locale, view, service.viewer_of(actor, view))

    async def close_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor = services.actor
        async with transaction(services.sessions) as session:
            result = await service.close_round(
                session,
                actor=actor,
                item_id=request.values.get("item_id"),
                now=self._clock(),
                hooks=self.hooks,
                notify=CASE_NOTIFY,
            )
        if isinstance(result, Refused):
            return self._refused(actor, result)
        await self._update(request.turn_context, result.view)
        return cards.round_card(
            actor.locale,
            result.view,
            service.viewer_of(actor, result.view),
            banner=t("consensus.closed_banner", actor.locale),
        )

    # ---------------------------------------------------------------------------------------------
    # The round's message in the chat
    # ---------------------------------------------------------------------------------------------

    @staticmethod
    def _refused(actor: Actor, refused: Refused) -> Json:
        viewer = service.viewer_of(actor, refused.view) if refused.view is not None else None
        return cards.refused_card(actor.locale, refused, viewer)

    @staticmethod
    async def _post(turn_context: TurnContext, view: RoundView) -> str | None:
        """Post the round card (the shared view) in the chat the chair started it in."""
        document = cards.round_card(DEFAULT_LOCALE, view, SHARED_VIEWER)
        try:
            response = await turn_context.send_activity(card_activity(document))
        except Exception:
            log.warning("consensus card not posted", extra={"round_id": view.id}, exc_info=True)
            return None
        activity_id = getattr(response, "id", None)
        return str(activity_id) if activity_id else None

    @staticmethod
    async def _update(turn_context: TurnContext, view: RoundView) -> None:
        """Show the change to everyone: replace the round's message with the shared view.

        Only from the chat the round was posted in (the turn's connector and conversation); a
        change made elsewhere shows up with the next change or refresh.
        """
        if not view.activity_id or view.conversation_id != _conversation(turn_context):
            return
        activity = card_activity(cards.round_card(DEFAULT_LOCALE, view, SHARED_VIEWER))
        activity.id = view.activity_id
        try:
            await turn_context.update_activity(activity)
        except Exception:
            log.warning("consensus card not updated", extra={"round_id": view.id}, exc_info=True)


def register(
    actions: ActionRegistry,
    phrases: dict[str, CommandHandler],
    *,
    hooks: AttendanceHooks | None = None,
    clock: Clock = _utcnow,
) -> ConsensusHandlers:
    """Wire the consensus phrase and verbs. ``hooks``: the app's attendance hooks (whom the
    notice reached decides the quorum), e.g. ``app[bot.teams.attendance.HOOKS]``."""
    handlers = ConsensusHandlers(hooks=hooks or AttendanceHooks(), clock=clock)
    for phrase in PHRASES:
        phrases[phrase] = handlers.start_command
    actions.register(cards.VERB_START, handlers.start_action)
    actions.register(cards.VERB_RESPOND, handlers.respond_action)
    actions.register(cards.VERB_INPUT, handlers.input_action)
    actions.register(cards.VERB_REFRESH, handlers.refresh_action)
    actions.register(cards.VERB_CLOSE, handlers.close_action)
    log.debug("consensus handlers registered")
    return handlers
