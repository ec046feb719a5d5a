"""Help, welcome and language: the commands and card actions every user has."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from bot.i18n import t
from bot.services.preferences import PreferenceRefused, set_language
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.commands import Command
from bot.teams.handler import CommandHandler, card_activity, help_view
from cards.base import Json
from cards.help import help_card
from cards.settings import language_card
from dialogs.context import services_of
from dialogs.language import LANGUAGE_DIALOG
from storage.db import transaction


async def show_help(turn_context: TurnContext, _dialogs: DialogContext) -> None:
    services = services_of(turn_context)
    view = help_view(services.actor, services.commands, services.phrases)
    await turn_context.send_activity(card_activity(help_card(view)))


async def choose_language(_turn_context: TurnContext, dialogs: DialogContext) -> None:
    await dialogs.begin_dialog(LANGUAGE_DIALOG)


async def help_action(request: ActionRequest) -> Json:
    services = services_of(request.turn_context)
    return help_card(help_view(services.actor, services.commands, services.phrases))


async def language_action(request: ActionRequest) -> Json:
    services = services_of(request.turn_context)
    locale = services.actor.locale
    language = request.text("language")
    if not language:
        return language_card(locale)
    try:
        async with transaction(services.sessions) as session:
            await set_language(session, actor=services.actor, language=language)
    except PreferenceRefused as refused:
        return language_card(locale, error=t(refused.message_key, locale))
    return language_card(language, saved=True)


def register(actions: ActionRegistry, commands: dict[Command, CommandHandler]) -> None:
    commands[Command.HELP] = show_help
    commands[Command.LANGUAGE] = choose_language
    actions.register("help.show", help_action)
    actions.register("settings.language", language_action)
