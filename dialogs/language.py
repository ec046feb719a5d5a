"""`språk`: choose Norwegian or English; the choice is stored on the person."""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.dialogs import (
    ComponentDialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.choices import Choice, ListStyle
from botbuilder.dialogs.prompts import ChoicePrompt, PromptOptions

from bot.i18n import t
from bot.services.preferences import PreferenceRefused, set_language
from dialogs.context import services_of
from storage.db import transaction

LANGUAGE_DIALOG = "language"
_CHOICES = {"nb": ["norsk", "bokmål", "nb", "norwegian"], "en": ["english", "engelsk", "en"]}


class LanguageDialog(ComponentDialog):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(LANGUAGE_DIALOG)
        self.add_dialog(ChoicePrompt("language.choice"))
        self.add_dialog(WaterfallDialog("language.steps", [self._ask, self._save]))
        self.initial_dialog_id = "language.steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        locale = services_of(step.context).actor.locale
        choices = [
            Choice(value=t(f"language.{code}", locale), synonyms=synonyms)
            for code, synonyms in _CHOICES.items()
        ]
        options = PromptOptions(
            prompt=MessageFactory.text(t("language.prompt", locale)),
            retry_prompt=MessageFactory.text(t("language.invalid", locale)),
            choices=choices,
            style=ListStyle.list_style,
        )
        return await step.prompt("language.choice", options)

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        services = services_of(step.context)
        language = list(_CHOICES)[step.result.index]
        try:
            async with transaction(services.sessions) as session:
                await set_language(session, actor=services.actor, language=language)
            await step.context.send_activity(t("language.saved", language))
        except PreferenceRefused as refused:
            await step.context.send_activity(t(refused.message_key, services.actor.locale))
        return await step.end_dialog(language)
