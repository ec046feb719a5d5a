"""Notice cards: the preview before publishing, the publisher's receipt, the published notice as it
reaches the team channel and every person called, and the refusals.

Data in, card JSON out. The notice's own words (title, facts, the case list) are the committee's
Norwegian document and are shown as they are printed; the card's labels follow the reader's
language. Case titles come from submitters and go through :func:`cards.base.plain`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from bot.domain.calendar import to_oslo
from bot.domain.cases import Problem
from bot.domain.notice import BreakLine, NoticeContent
from bot.i18n import t
from bot.services.notice import (
    REASON_MAX,
    Audience,
    NoticeMessage,
    NoticePreview,
    Published,
    Refusal,
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
from cards.meetings import format_date, meeting_heading

__all__ = [
    "VERB_PREVIEW",
    "VERB_PUBLISH",
    "notice_card",
    "notice_preview_card",
    "notice_published_card",
    "notice_refused_card",
    "render_notice_message",
]

VERB_PREVIEW: Final = "notice.preview"
VERB_PUBLISH: Final = "notice.publish"
VERB_AGENDA: Final = "agenda.show"
VERB_ABSENCE: Final = "meeting.absence"
"""CONTRACT: ``meeting.absence`` with ``meeting_id`` (the attendance feature's verb)."""
REASON_INPUT: Final = "reason"
_OPENABLE: Final = re.compile(
    r"^(https://|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/|file://)[^\s<>\"'`]+$"
)
"""https, the bot's own document links on loopback in local mode, or a file (tools only)."""
_LIST_LIMIT: Final = 40
"""At most this many case lines on a card (a notice has some 10); the document has them all."""


def _open_url(title: str, url: str) -> Json | None:
    if not _OPENABLE.match(url):
        return None
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _listing(content: NoticeContent, locale: str) -> list[Json]:
    """The case list as printed in the notice: section headings, case lines, the lunch break."""
    blocks: list[Json] = []
    shown = 0
    for part in content.listing:
        if isinstance(part, BreakLine):
            blocks.append(text_block(plain(part.text), is_subtle=True, weight="Bolder"))
            continue
        if part.heading:
            blocks.append(text_block(plain(part.heading), weight="Bolder", spacing="Medium"))
        for item in part.items:
            shown += 1
            if shown > _LIST_LIMIT:
                continue
            blocks.append(text_block(plain(item.line(), limit=300), spacing="Small"))
    if shown > _LIST_LIMIT:
        blocks.append(
            text_block(t("notice.more_items", locale, count=shown - _LIST_LIMIT), is_subtle=True)
        )
    return blocks


def _facts(content: NoticeContent) -> Json:
    return fact_set([(plain(name), plain(value, limit=300)) for name, value in content.facts])


def notice_preview_card(
    locale: str,
    preview: NoticePreview,
    *,
    problems: Sequence[Problem] = (),
    reason: str = "",
) -> Json:
    """The notice as it would be published now, with what stands in the way and, past the notice
    deadline, the reason input publishing then requires."""
    meeting = preview.meeting
    content = preview.loaded.content
    body: list[Json] = [
        heading(t("notice.preview.title", locale)),
        text_block(meeting_heading(meeting, locale), weight="Bolder", spacing="None"),
    ]
    published = preview.loaded.published
    if preview.missing:
        body.append(
            error_banner(
                [t("notice.refused.missing_proposals", locale, cases=", ".join(preview.missing))]
            )
        )
    if published is not None and preview.unchanged:
        body.append(
            text_block(
                t("notice.preview.unchanged", locale, version=published.version), color="Warning"
            )
        )
    elif published is not None:
        body.append(
            text_block(
                t(
                    "notice.preview.new_version",
                    locale,
                    version=preview.next_version,
                    previous=published.version,
                )
            )
        )
    if problems:
        body.append(
            error_banner([t(f"notice.error.{p.code}", locale, **p.params()) for p in problems])
        )
    body.append(text_block(plain(content.title), size="Medium", weight="Bolder", spacing="Large"))
    body.append(_facts(content))
    body += _listing(content, locale)
    body.append(
        text_block(
            t("notice.preview.attachments", locale, count=len(content.attachments)),
            is_subtle=True,
            spacing="Medium",
        )
    )
    can_publish = preview.can_publish and not preview.missing and not preview.unchanged
    if can_publish and preview.late:
        deadline = to_oslo(meeting.deadlines.notice)
        body.append(
            {
                "type": "Container",
                "style": "warning",
                "spacing": "Large",
                "items": [
                    text_block(
                        t(
                            "notice.preview.late",
                            locale,
                            date=format_date(deadline.date(), locale),
                            time=f"{deadline:%H:%M}",
                        ),
                        wrap=True,
                    ),
                    {
                        "type": "Input.Text",
                        "id": REASON_INPUT,
                        "label": t("notice.reason.label", locale),
                        "placeholder": t("notice.reason.placeholder", locale),
                        "isMultiline": True,
                        "isRequired": True,
                        "maxLength": REASON_MAX,
                        "errorMessage": t("notice.error.reason_required", locale, limit=5),
                        "value": reason,
                    },
                ],
            }
        )
    actions: list[Json] = []
    if can_publish:
        actions.append(
            execute_action(
                t("notice.action.publish", locale),
                VERB_PUBLISH,
                {"meeting_id": meeting.id},
                style="positive",
            )
        )
    actions.append(
        execute_action(t("notice.action.agenda", locale), VERB_AGENDA, {"meeting_id": meeting.id})
    )
    return card(body, actions=actions)


def notice_published_card(locale: str, published: Published) -> Json:
    """The publisher's receipt: the version, whom it went to, the document."""
    facts = [
        (t("notice.fact.version", locale), str(published.version)),
        (t("notice.fact.recipients", locale), str(len(published.recipients))),
        (t("notice.fact.channels", locale), str(published.channels)),
        (t("notice.fact.scheduled", locale), str(len(published.scheduled))),
    ]
    if published.late and published.reason:
        facts.append((t("notice.fact.reason", locale), plain(published.reason, limit=500)))
    body: list[Json] = [
        heading(t("notice.published.title", locale)),
        text_block(meeting_heading(published.meeting, locale), weight="Bolder", spacing="None"),
        fact_set(facts),
    ]
    if published.late:
        body.append(text_block(t("notice.published.late", locale), color="Warning"))
    if not published.calendar:
        body.append(text_block(t("notice.published.no_calendar", locale), is_subtle=True))
    actions: list[Json] = []
    link = _open_url(t("notice.action.open", locale), published.document.url)
    if link is not None:
        actions.append(link)
    actions.append(
        execute_action(
            t("notice.action.agenda", locale), VERB_AGENDA, {"meeting_id": published.meeting.id}
        )
    )
    return card(body, actions=actions)


def notice_card(message: NoticeMessage) -> Json:
    """The published notice, as the team channel and each person called get it."""
    locale = message.locale
    content = message.content
    body: list[Json] = [
        text_block(t("notice.card.kicker", locale), is_subtle=True, size="Small"),
        heading(plain(content.title)),
    ]
    if message.version > 1:
        body.append(
            text_block(
                t("notice.card.new_version", locale, version=message.version), color="Warning"
            )
        )
    if message.audience is Audience.DEPUTY:
        body.append(text_block(t("notice.card.deputy", locale), color="Accent", weight="Bolder"))
    if message.late:
        body.append(text_block(t("notice.card.late", locale), is_subtle=True))
    body.append(_facts(content))
    body += _listing(content, locale)
    body.append(text_block(t("notice.card.document", locale), spacing="Medium"))
    actions: list[Json] = []
    link = _open_url(t("notice.action.open", locale), message.url)
    if link is not None:
        actions.append(link)
    if message.audience is Audience.MEMBER:
        actions.append(
            execute_action(
                t("notice.action.absence", locale), VERB_ABSENCE, {"meeting_id": message.meeting.id}
            )
        )
    return card(body, actions=actions)


def render_notice_message(message: NoticeMessage) -> tuple[str | None, dict[str, Any] | None]:
    """The outbox render of a published notice: a one-line text and the card."""
    text = t(
        "notice.card.summary",
        message.locale,
        meeting=meeting_heading(message.meeting, message.locale),
        version=message.version,
    )
    return text, notice_card(message)


def notice_refused_card(locale: str, refused: Refused) -> Json:
    """Why the notice was not published (or shown); nothing was changed."""
    params: dict[str, object] = {
        "cases": ", ".join(refused.missing),
        "version": refused.version or "",
    }
    lines = [t(f"notice.refused.{refused.reason.value}", locale, **params)]
    lines += [t(f"notice.error.{p.code}", locale, **p.params()) for p in refused.problems]
    actions: list[Json] = []
    if refused.meeting_id is not None and refused.reason not in {
        Refusal.NOT_ALLOWED,
        Refusal.NOT_FOUND,
    }:
        actions.append(
            execute_action(
                t("notice.action.preview", locale), VERB_PREVIEW, {"meeting_id": refused.meeting_id}
            )
        )
    return card(
        [
            heading(t("notice.refused.title", locale)),
            error_banner(lines),
            text_block(t("notice.refused.nothing_changed", locale), is_subtle=True),
        ],
        actions=actions,
    )
