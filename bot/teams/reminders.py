"""`påminnelser av` / `reminders off` and `påminnelser på` / `reminders on` (CONTRACT.md)."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from bot.i18n import t
from bot.services.outbox import PreferenceRefused, set_reminders
from bot.teams.actions import ActionRegistry
from bot.teams.commands import Command
from bot.teams.handler import CommandHandler
from dialogs.context import services_of
from storage.db import transaction

log = logging.getLogger(__name__)


async def _set(turn_context: TurnContext, enabled: bool) -> None:
    services = services_of(turn_context)
    actor = services.actor
    try:
        async with transaction(services.sessions) as session:
            await set_reminders(session, actor=actor, enabled=enabled)
    except PreferenceRefused as refused:
        await turn_context.send_activity(t(refused.message_key, actor.locale))
        return
    log.info("reminders preference set", extra={"person": actor.person_id, "enabled": enabled})
    reply = t("reminders.on" if enabled else "reminders.off", actor.locale)
    if not enabled and actor.is_secretariat:
        reply += " " + t("reminders.off_mandatory", actor.locale)
    await turn_context.send_activity(reply)


async def reminders_off(turn_context: TurnContext, _dialogs: DialogContext) -> None:
    await _set(turn_context, False)


async def reminders_on(turn_context: TurnContext, _dialogs: DialogContext) -> None:
    await _set(turn_context, True)


def register(actions: ActionRegistry, commands: dict[Command, CommandHandler]) -> None:
    commands[Command.REMINDERS_OFF] = reminders_off
    commands[Command.REMINDERS_ON] = reminders_on
