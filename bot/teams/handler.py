"""The ActivityHandler: identifies the caller, remembers the conversation, routes the turn."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import (
    ConversationState,
    MessageFactory,
    PrivateConversationState,
    TurnContext,
)
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.dialogs import Dialog, DialogContext, DialogSet, DialogTurnStatus
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    ChannelAccount,
)
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.domain.roles import Actor
from bot.i18n import language_of, t
from bot.services.identity import Caller, resolve_actor
from bot.teams.actions import ActionRegistry, ActionRequest, split_action
from bot.teams.commands import Command, normalise, parse_command
from bot.teams.conversations import save_reference
from bot.teams.meeting_events import MeetingEventRegistry, parse_signal
from cards.base import CARD_CONTENT_TYPE, Json, card, error_banner
from cards.help import HelpView, welcome_card
from dialogs.context import TurnServices, attach, services_of
from storage import audit
from storage.bot_state import ETagConflict
from storage.conversations import mark_uninstalled
from storage.db import transaction
from storage.models import AuditOutcome

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
CommandHandler = Callable[[TurnContext, DialogContext], Awaitable[None]]


def card_activity(document: Json) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=document))


def error_card(message: str) -> Json:
    return card([error_banner([message])])


class SsuBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        conversation_state: ConversationState,
        private_state: PrivateConversationState,
        dialogs: list[Dialog],
        actions: ActionRegistry,
        commands: dict[Command, CommandHandler],
        phrases: Mapping[str, CommandHandler] | None = None,
        meeting_events: MeetingEventRegistry | None = None,
    ) -> None:
        """``phrases``: extra commands by their normalised text (e.g. ``åpne møte`` in a meeting
        chat) that are not in the personal command list; ``meeting_events``: the listeners for
        Teams meeting start/end events."""
        super().__init__()
        self._settings = settings
        self._sessions = sessions
        self._conversation_state = conversation_state
        self._private_state = private_state
        self._dialog_state = private_state.create_property("DialogState")
        self._dialogs = DialogSet(self._dialog_state)
        for dialog in dialogs:
            self._dialogs.add(dialog)
        self._actions = actions
        self._commands = commands
        self._phrases = dict(phrases or {})
        self._meeting_events = meeting_events or MeetingEventRegistry()

    @property
    def available_commands(self) -> frozenset[str]:
        return frozenset(command.value for command in self._commands)

    @property
    def available_phrases(self) -> frozenset[str]:
        return frozenset(self._phrases)

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not self._tenant_allowed(activity):
            log.warning("refused activity from another tenant", extra={"type": activity.type})
            if activity.type == ActivityTypes.message:
                await turn_context.send_activity(t("error.wrong_tenant", activity.locale))
            return
        actor = await self._identify(turn_context)
        attach(
            turn_context,
            TurnServices(
                actor=actor,
                sessions=self._sessions,
                commands=self.available_commands,
                phrases=self.available_phrases,
            ),
        )
        await super().on_turn(turn_context)
        await self._save_state(turn_context)

    async def _save_state(self, turn_context: TurnContext) -> None:
        """A lost e-tag race (a double click, a redelivery) keeps the winner's state, which is
        consistent: the turn's answer already went out, so no apology is due."""
        for state in (self._conversation_state, self._private_state):
            try:
                await state.save_changes(turn_context)
            except ETagConflict:
                log.info(
                    "state changed concurrently; kept the other turn's state",
                    extra={"activity_type": turn_context.activity.type},
                )

    def _tenant_allowed(self, activity: Activity) -> bool:
        wanted = self._settings.microsoft_app_tenant_id
        if not wanted:
            return True
        return _tenant_of(activity) == wanted

    async def _identify(self, turn_context: TurnContext) -> Actor:
        activity = turn_context.activity
        sender: ChannelAccount = activity.from_property or ChannelAccount()
        caller = Caller(
            aad_object_id=sender.aad_object_id,
            teams_user_id=sender.id,
            name=sender.name or "",
            locale=language_of(activity.locale),
        )
        async with transaction(self._sessions) as session:
            actor = await resolve_actor(session, caller=caller)
            if not actor.known and _is_personal(activity):
                email = await _lookup_email(turn_context)
                if email:
                    caller = Caller(
                        caller.aad_object_id,
                        caller.teams_user_id,
                        caller.name,
                        caller.locale,
                        email,
                    )
                    actor = await resolve_actor(session, caller=caller)
            await save_reference(session, activity=activity, person_id=actor.person_id)
        return actor

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        actor = services_of(turn_context).actor
        text = turn_context.activity.text or ""
        if len(text) > MAX_MESSAGE_CHARS:
            await turn_context.send_activity(
                t("error.too_long", actor.locale, length=len(text), limit=MAX_MESSAGE_CHARS)
            )
            return
        command = parse_command(text)
        phrase = self._phrases.get(normalise(text)) if command is None and text else None
        dialog_context = await self._dialogs.create_context(turn_context)
        if phrase is not None:
            await dialog_context.cancel_all_dialogs()
            await phrase(turn_context, dialog_context)
            return
        if command is None and dialog_context.active_dialog is not None:
            result = await dialog_context.continue_dialog()
            if result.status != DialogTurnStatus.Empty:
                return
        if command is None:
            if turn_context.activity.value and not text:
                await turn_context.send_activity(t("error.stale_card", actor.locale))
                return
            await turn_context.send_activity(t("error.unknown_command", actor.locale))
            return
        await dialog_context.cancel_all_dialogs()
        handler = self._commands.get(command)
        if handler is None:
            await turn_context.send_activity(t("error.unknown_command", actor.locale))
            return
        await handler(turn_context, dialog_context)

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        actor = services_of(turn_context).actor
        verb, values = split_action(getattr(invoke_value, "action", None))
        handler = self._actions.get(verb)
        if handler is None:
            await self._audit_refusal(actor, verb or "(none)", "unknown verb")
            return _card_response(error_card(t("error.unknown_action", actor.locale)))
        try:
            dialogs = await self._dialogs.create_context(turn_context)
            document = await handler(ActionRequest(turn_context, verb, values, dialogs))
        except Exception:
            log.exception("card action failed", extra={"verb": verb, "person": actor.person_id})
            return _card_response(error_card(t("error.apology", actor.locale, ref=verb)))
        return _card_response(document)

    async def _audit_refusal(self, actor: Actor, action: str, reason: str) -> None:
        async with transaction(self._sessions) as session:
            await audit.append(
                session,
                action=action[:64],
                outcome=AuditOutcome.REFUSED,
                actor_person_id=actor.person_id,
                actor_aad_id=actor.aad_object_id,
                detail={"reason": reason},
            )

    async def on_teams_meeting_start_event(self, meeting: Any, turn_context: TurnContext) -> None:
        await self._meeting_events.dispatch(
            turn_context, parse_signal("start", turn_context, meeting)
        )

    async def on_teams_meeting_end_event(self, meeting: Any, turn_context: TurnContext) -> None:
        await self._meeting_events.dispatch(
            turn_context, parse_signal("end", turn_context, meeting)
        )

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        locale = services_of(turn_context).actor.locale
        await turn_context.send_activity(card_activity(welcome_card(locale)))

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        async with transaction(self._sessions) as session:
            await mark_uninstalled(session, conversation_id=turn_context.activity.conversation.id)


def _card_response(document: Json) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=document)


def help_view(
    actor: Actor, available: frozenset[str], phrases: frozenset[str] = frozenset()
) -> HelpView:
    labels = []
    for seat in actor.seats:
        label = t(f"role.{seat.role}", actor.locale)
        if seat.body not in {"SSU", "SEK"}:
            label = f"{label} ({t(f'body.{seat.body}', actor.locale)})"
        if label not in labels:
            labels.append(label)
    return HelpView(
        locale=actor.locale,
        name=actor.name,
        known=actor.known,
        role_labels=labels,
        is_member=actor.is_member,
        is_secretariat=actor.is_secretariat,
        is_chair=actor.is_leader or actor.is_deputy_leader,
        available=available,
        phrases=phrases,
    )


def _tenant_of(activity: Activity) -> str | None:
    if activity.conversation is not None and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    return None


def _is_personal(activity: Activity) -> bool:
    return bool(activity.conversation and activity.conversation.conversation_type == "personal")


async def _lookup_email(turn_context: TurnContext) -> str | None:
    """Ask Teams for the sender's e-mail; only for senders we could not match otherwise."""
    if turn_context.activity.channel_id != "msteams":
        return None
    try:
        member = await TeamsInfo.get_member(turn_context, turn_context.activity.from_property.id)
    except Exception:
        log.info("could not look up sender e-mail", extra={"reason": "connector"})
        return None
    email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
    return str(email) if email else None
