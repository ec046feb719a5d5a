"""Protocol cards: the draft the secretariat edits per case, the published protocol, the card a
signer signs (``protocol.sign`` with the version's SHA-256) or sends back (``protocol.return``),
the list of protocols to sign, and refusals.

Why the sign button carries the hash and not only the id: the signature must cover the text the
signer saw. If the secretariat edits the protocol after the card was sent, the old card's hash no
longer matches and the signature is refused (the signer gets a new card for the new version).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from bot.domain.calendar import to_oslo
from bot.domain.protocol import EDITABLE_FIELDS, FIELD_MAX, CaseEntry, SignerSlot
from bot.i18n import t
from bot.services.protocol import (
    COMMENT_MAX,
    Audience,
    ProtocolMessage,
    ProtocolView,
    Refused,
)
from cards.base import (
    Json,
    card,
    error_banner,
    execute_action,
    fact_set,
    heading,
    plain,
    text_block,
)

__all__ = [
    "COMMENT_INPUT",
    "VERB_DRAFT",
    "VERB_EDIT",
    "VERB_PUBLISH",
    "VERB_RETURN",
    "VERB_SIGN",
    "protocol_card",
    "protocol_draft_card",
    "protocol_refused_card",
    "protocol_sign_card",
    "protocols_to_sign_card",
    "render_protocol_message",
]

VERB_DRAFT: Final = "protocol.draft"
VERB_EDIT: Final = "protocol.edit"
VERB_PUBLISH: Final = "protocol.publish"
VERB_SIGN: Final = "protocol.sign"
VERB_RETURN: Final = "protocol.return"
COMMENT_INPUT: Final = "comment"
_OPENABLE: Final = re.compile(
    r"^(https://|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/|file://)[^\s<>\"'`]+$"
)
"""https, the bot's own document links on loopback in local mode, or a file (tools only)."""
_CASE_LIMIT: Final = 12
"""At most this many cases on a card (a meeting has some 10); the document has them all."""


def _open_url(title: str, url: str | None) -> Json | None:
    if not url or not _OPENABLE.match(url):
        return None
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _when(view: ProtocolView) -> str:
    start = to_oslo(view.content.start)
    return f"{start:%d.%m.%Y %H:%M}"


def _facts(view: ProtocolView, locale: str) -> Json:
    facts = [
        (t("protocol.fact.meeting", locale), plain(view.meeting.title)),
        (t("protocol.fact.when", locale), _when(view)),
        (t("protocol.fact.version", locale), str(view.version)),
        (t("protocol.fact.hash", locale), view.sha256[:16] + "…"),
        (t("protocol.fact.deadline", locale), f"{to_oslo(view.deadline):%d.%m.%Y}"),
    ]
    if view.late:
        facts.append((t("protocol.fact.late", locale), t("protocol.late", locale)))
    for slot in SignerSlot:
        name = view.signer_names.get(slot, "–")
        signed = next((s for s in view.signatures if s.slot is slot), None)
        status = (
            t("protocol.signed_at", locale, at=f"{to_oslo(signed.signed_at):%d.%m.%Y %H:%M}")
            if signed
            else t("protocol.unsigned", locale)
        )
        facts.append((t(f"protocol.slot.{slot.value}", locale), f"{plain(name)} – {status}"))
    return fact_set(facts)


def _case_summary(case: CaseEntry) -> list[Json]:
    blocks = [text_block(f"**{plain(case.label)} {plain(case.title)}**", spacing="Medium")]
    if case.decision:
        blocks.append(text_block(plain(case.decision, limit=600)))
    if case.consensus is False:
        blocks.append(
            text_block(
                f"+ {plain(', '.join(case.names_for) or '–')} · "
                f"− {plain(', '.join(case.names_against) or '–')}",
                is_subtle=True,
            )
        )
    return blocks


def _cases(view: ProtocolView) -> list[Json]:
    blocks: list[Json] = []
    for case in view.content.cases[:_CASE_LIMIT]:
        blocks += _case_summary(case)
    return blocks


def protocol_draft_card(
    locale: str,
    view: ProtocolView,
    *,
    problems: Sequence[str] = (),
    saved: bool = False,
) -> Json:
    """The secretariat's card: per case the three editable texts and a save button each, and
    publish (while a draft)."""
    body: list[Json] = [heading(t("protocol.draft.title", locale)), _facts(view, locale)]
    if problems:
        body.append(error_banner(problems))
    if saved:
        body.append(text_block(t("protocol.draft.saved", locale), color="Good"))
    for case in view.content.cases[:_CASE_LIMIT]:
        inputs: list[Json] = [
            {
                "type": "Input.Text",
                "id": f"{name}_{case.case_id}",
                "label": t(f"protocol.field.{name}", locale),
                "value": getattr(case, name),
                "isMultiline": True,
                "maxLength": FIELD_MAX,
            }
            for name in EDITABLE_FIELDS
        ]
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    text_block(f"**{plain(case.label)} {plain(case.title)}**"),
                    *inputs,
                    {
                        "type": "ActionSet",
                        "actions": [
                            execute_action(
                                t("protocol.draft.save", locale),
                                VERB_EDIT,
                                {
                                    "protocol_id": view.id,
                                    "case_id": case.case_id,
                                    "version": view.sha256,
                                },
                                associated_inputs="auto",
                            )
                        ],
                    },
                ],
            }
        )
    if not view.content.cases:
        body.append(text_block(t("protocol.no_cases", locale), is_subtle=True))
    actions: list[Json] = []
    if view.state == "draft":
        actions.append(
            execute_action(
                t("protocol.publish", locale),
                VERB_PUBLISH,
                {"protocol_id": view.id},
                style="positive",
                associated_inputs="none",
            )
        )
    link = _open_url(t("protocol.open_document", locale), view.document_url)
    if link:
        actions.append(link)
    return card(body, actions=actions)


def protocol_card(locale: str, view: ProtocolView, *, notice: str | None = None) -> Json:
    """The published (or signed) protocol as members and the team channel see it."""
    title = "protocol.signed.title" if view.final else "protocol.published.title"
    body: list[Json] = [heading(t(title, locale)), _facts(view, locale)]
    if notice:
        body.append(text_block(notice, color="Good"))
    body += _cases(view)
    actions = [
        a
        for a in (
            _open_url(
                t("protocol.open_document", locale),
                view.signed_document_url if view.final else view.document_url,
            ),
        )
        if a
    ]
    return card(body, actions=actions)


def protocol_sign_card(
    locale: str, view: ProtocolView, *, problems: Sequence[str] = (), notice: str | None = None
) -> Json:
    """The card a signer gets: the summary, the document link, sign (with the version's hash)
    or send back with a comment."""
    body: list[Json] = [
        heading(t("protocol.sign.title", locale)),
        text_block(t("protocol.sign.intro", locale)),
        _facts(view, locale),
        *_cases(view),
    ]
    if problems:
        body.append(error_banner(problems))
    if notice:
        body.append(text_block(notice, color="Good"))
    body.append(
        {
            "type": "Input.Text",
            "id": COMMENT_INPUT,
            "label": t("protocol.return.label", locale),
            "isMultiline": True,
            "maxLength": COMMENT_MAX,
        }
    )
    data = {"protocol_id": view.id, "version": view.sha256}
    actions: list[Json] = [
        execute_action(
            t("protocol.sign.button", locale),
            VERB_SIGN,
            data,
            style="positive",
            associated_inputs="none",
        ),
        execute_action(
            t("protocol.return.button", locale), VERB_RETURN, data, associated_inputs="auto"
        ),
    ]
    link = _open_url(t("protocol.open_document", locale), view.document_url)
    if link:
        actions.insert(0, link)
    return card(body, actions=actions)


def protocols_to_sign_card(locale: str, views: Sequence[ProtocolView]) -> Json:
    """``protokoller til signering``: each open protocol with its own sign card's content."""
    body: list[Json] = [heading(t("protocol.to_sign.title", locale))]
    if not views:
        body.append(text_block(t("protocol.to_sign.none", locale)))
        return card(body)
    for view in views[:10]:
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    _facts(view, locale),
                    {
                        "type": "ActionSet",
                        "actions": [
                            execute_action(
                                t("protocol.sign.button", locale),
                                VERB_SIGN,
                                {"protocol_id": view.id, "version": view.sha256},
                                style="positive",
                                associated_inputs="none",
                            ),
                            *[
                                a
                                for a in (
                                    _open_url(
                                        t("protocol.open_document", locale), view.document_url
                                    ),
                                )
                                if a
                            ],
                        ],
                    },
                ],
            }
        )
    return card(body)


def protocol_refused_card(locale: str, refused: Refused) -> Json:
    return card(
        [
            heading(t("protocol.refused.title", locale)),
            error_banner([t(f"protocol.refused.{refused.reason.value}", locale)]),
        ]
    )


def render_protocol_message(message: ProtocolMessage) -> tuple[str, dict[str, Any]]:
    """The outbox's text and card for each kind of protocol message."""
    view, locale = message.protocol, message.locale
    when = _when(view)
    if message.audience is Audience.SIGNER:
        return t("protocol.msg.sign", locale, when=when), protocol_sign_card(locale, view)
    if message.audience is Audience.SECRETARIAT:
        text = t(
            "protocol.msg.returned",
            locale,
            when=when,
            who=message.returned_by or "",
            comment=message.comment or "",
        )
        return text, protocol_card(locale, view, notice=plain(text))
    if message.audience is Audience.SIGNED:
        return t("protocol.msg.signed", locale, when=when), protocol_card(locale, view)
    return t("protocol.msg.published", locale, when=when), protocol_card(locale, view)
