"""Every message exists in both catalogues with the same placeholders."""

from __future__ import annotations

import string

from bot.i18n import en, language_of, nb, t


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogues_have_the_same_keys() -> None:
    assert set(nb.MESSAGES) == set(en.MESSAGES)


def test_placeholders_match_between_languages() -> None:
    for key, template in nb.MESSAGES.items():
        assert _fields(template) == _fields(en.MESSAGES[key]), key


def test_norwegian_is_the_default_and_english_locales_get_english() -> None:
    assert language_of(None) == "nb"
    assert language_of("nn-NO") == "nb"
    assert language_of("en-GB") == "en"
    assert t("help.title") == nb.MESSAGES["help.title"]
    assert t("help.title", "en-US") == en.MESSAGES["help.title"]
