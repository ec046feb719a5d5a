"""The language choice card (Action.Execute `settings.language`, input `language`)."""

from __future__ import annotations

from bot.i18n import t
from cards.base import Json, card, choice_set, error_banner, execute_action, heading, text_block

LANGUAGES = ("nb", "en")


def language_card(locale: str, *, error: str | None = None, saved: bool = False) -> Json:
    body: list[Json] = [heading(t("language.title", locale))]
    if error:
        body.append(error_banner([error]))
    if saved:
        body.append(text_block(t("language.saved", locale), color="Good"))
        return card(body)
    body += [
        text_block(t("language.prompt", locale)),
        choice_set(
            "language",
            t("language.label", locale),
            [(code, t(f"language.{code}", locale)) for code in LANGUAGES],
            value=locale,
            required=True,
            error_message=t("language.invalid", locale),
            style="expanded",
        ),
    ]
    return card(body, actions=[execute_action(t("language.save", locale), "settings.language")])
