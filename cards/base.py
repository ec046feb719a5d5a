"""Typed building blocks every card is made of."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_CARD_BYTES = 28 * 1024
MAX_SHOWN_TEXT = 2_000

Json = dict[str, Any]

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>&=])")
"""Markdown's specials, plus ``&`` (an entity like ``&#x202e;`` would decode to the very control
character removed below) and ``=`` (a line of them makes the line above a heading)."""
_EMOJI = "\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_INVISIBLE = re.compile(
    "[\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
    f"|(?<![{_EMOJI}\ufe0f])\u200d|\u200d(?![{_EMOJI}])"
)
"""Bidi controls and zero-width characters; a zero-width joiner only outside an emoji sequence
(👩‍⚕️ and 👨‍👩‍👧 are joined by it)."""


def plain(text: str, *, limit: int = MAX_SHOWN_TEXT) -> str:
    """Show untrusted text literally: markdown escaped, bidi/zero-width controls removed."""
    cleaned = _INVISIBLE.sub("", text)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return _MARKDOWN_SPECIALS.sub(r"\\\1", cleaned)


def text_block(
    text: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    wrap: bool = True,
    is_subtle: bool = False,
    spacing: str | None = None,
    element_id: str | None = None,
    style: str | None = None,
) -> Json:
    block: Json = {"type": "TextBlock", "text": text, "wrap": wrap}
    optional = {
        "size": size,
        "weight": weight,
        "color": color,
        "spacing": spacing,
        "id": element_id,
        "style": style,
    }
    block.update({k: v for k, v in optional.items() if v is not None})
    if is_subtle:
        block["isSubtle"] = True
    return block


def heading(text: str) -> Json:
    return text_block(text, size="Large", weight="Bolder", style="heading")


def fact_set(facts: Sequence[tuple[str, str]]) -> Json:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]}


def execute_action(
    title: str,
    verb: str,
    data: Mapping[str, Any] | None = None,
    *,
    style: str | None = None,
    associated_inputs: str | None = None,
) -> Json:
    action: Json = {"type": "Action.Execute", "title": title, "verb": verb}
    if data:
        action["data"] = dict(data)
    if style:
        action["style"] = style
    if associated_inputs:
        action["associatedInputs"] = associated_inputs
    return action


def choice_set(
    input_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    value: str | None = None,
    required: bool = False,
    error_message: str | None = None,
    style: str = "compact",
) -> Json:
    element: Json = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": style,
        "choices": [{"title": title, "value": v} for v, title in choices],
        "isRequired": required,
    }
    if value is not None:
        element["value"] = value
    if error_message:
        element["errorMessage"] = error_message
    return element


def card(
    body: Sequence[Json],
    *,
    actions: Sequence[Json] = (),
    refresh: Json | None = None,
    full_width: bool = True,
) -> Json:
    document: Json = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        document["actions"] = list(actions)
    if refresh is not None:
        document["refresh"] = refresh
    if full_width:
        document["msteams"] = {"width": "Full"}
    return document


def error_banner(messages: Sequence[str]) -> Json:
    return {
        "type": "Container",
        "style": "attention",
        "items": [text_block(plain(m), color="Attention", weight="Bolder") for m in messages],
    }
