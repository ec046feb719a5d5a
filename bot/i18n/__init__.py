"""User-facing text: one catalogue per language, Norwegian bokmål by default."""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import en, nb

DEFAULT_LOCALE = "nb"
CATALOGUES: Mapping[str, Mapping[str, str]] = {"nb": nb.MESSAGES, "en": en.MESSAGES}


def language_of(locale: str | None) -> str:
    """Teams sends e.g. "nb-NO", "en-US"; anything English is English, all else Norwegian."""
    if locale and locale.strip().lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def t(key: str, locale: str | None = None, /, **values: object) -> str:
    catalogue = CATALOGUES[language_of(locale)]
    template = catalogue.get(key) or CATALOGUES[DEFAULT_LOCALE][key]
    return template.format(**values) if values else template
