"""The agenda card (saksliste) for the secretariat: the items in order with their minutes, buttons
to move a case within its section, and a warning when the agenda does not fit the meeting.

Data in, card JSON out. Case titles are typed by submitters: every one goes through
:func:`cards.base.plain`. All minutes are edited at once (one input per item, one save button), so
a whole reshuffle of the clock is one action and one audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final

from bot.domain.agenda import (
    LUNCH_KEY,
    LUNCH_MAX,
    AgendaItem,
    Direction,
    ItemKind,
    Part,
    minutes_input_id,
)
from bot.domain.calendar import to_oslo
from bot.domain.cases import MINUTES_MAX, MINUTES_MIN, Problem
from bot.i18n import t
from bot.services.agenda import AgendaView, Refused
from bot.services.meetings import MeetingView
from cards.base import (
    Json,
    card,
    choice_set,
    error_banner,
    execute_action,
    fact_set,
    heading,
    plain,
    text_block,
)
from cards.meetings import format_date, format_when, meeting_heading

__all__ = [
    "VERB_MINUTES",
    "VERB_MOVE",
    "VERB_SHOW",
    "agenda_card",
    "agenda_refused_card",
    "item_title",
    "meeting_choice",
    "no_meetings_card",
]

VERB_SHOW: Final = "agenda.show"
VERB_MOVE: Final = "agenda.move"
VERB_MINUTES: Final = "agenda.minutes"
VERB_PREVIEW: Final = "notice.preview"
CHOOSER_INPUT: Final = "meeting"
_TITLE_SHOWN: Final = 160


def item_title(item: AgendaItem, locale: str, *, previous: date | None = None) -> str:
    """``Sak 13/25 Tittel`` (escaped); the standing items by their fixed titles, the previous
    minutes with the previous meeting's date."""
    if item.kind is ItemKind.APPROVAL:
        title = t("agenda.item.approval", locale)
    elif item.kind is ItemKind.PREVIOUS_MINUTES:
        title = (
            t("agenda.item.previous_minutes_of", locale, date=f"{previous:%d.%m.%y}")
            if previous is not None
            else t("agenda.item.previous_minutes", locale)
        )
    elif item.kind is ItemKind.LUNCH:
        return t(
            "agenda.item.lunch",
            locale,
            start=f"{to_oslo(item.starts):%H:%M}",
            end=f"{to_oslo(item.ends):%H:%M}",
        )
    else:
        title = plain(item.title, limit=_TITLE_SHOWN)
    return t("agenda.item.label", locale, label=item.label or "", title=title)


def meeting_choice(meeting: MeetingView, locale: str) -> str:
    return (
        f"{meeting_heading(meeting, locale)} ({t(f'meeting.state.{meeting.state.value}', locale)})"
    )


def _minutes_input(key: str, value: str, locale: str, *, lunch: bool = False) -> Json:
    high = LUNCH_MAX if lunch else MINUTES_MAX
    element: Json = {
        "type": "Input.Number",
        "id": minutes_input_id(key),
        "label": t("agenda.minutes.label", locale),
        "min": 0 if lunch else MINUTES_MIN,
        "max": high,
        "errorMessage": t(
            "agenda.error.lunch_range" if lunch else "agenda.error.minutes_range",
            locale,
            limit=high,
        ),
    }
    if value.isascii() and value.isdigit():
        element["value"] = int(value)
    return element


def _move_buttons(view: AgendaView, item: AgendaItem, locale: str) -> list[Json]:
    actions: list[Json] = []
    for direction, show in (
        (Direction.UP, not item.first_in_part),
        (Direction.DOWN, not item.last_in_part),
    ):
        if not show:
            continue
        action = execute_action(
            t(f"agenda.move.{direction.value}", locale),
            VERB_MOVE,
            {"meeting_id": view.meeting.id, "case_id": item.case_id, "direction": direction.value},
        )
        action["tooltip"] = t(f"agenda.move.{direction.value}.tooltip", locale)
        actions.append(action)
    return actions


def _row(
    view: AgendaView,
    item: AgendaItem,
    locale: str,
    values: Mapping[str, str],
    problems: Sequence[Problem],
) -> list[Json]:
    title = item_title(item, locale, previous=view.loaded.facts.previous)
    when = t("agenda.item.when", locale, time=f"{to_oslo(item.starts):%H:%M}", minutes=item.minutes)
    texts: list[Json] = [
        text_block(title, weight="Bolder" if item.kind is ItemKind.LUNCH else None)
    ]
    texts.append(text_block(when, is_subtle=True, size="Small", spacing="None"))
    if item.missing_proposal:
        texts.append(
            text_block(
                t("agenda.missing_proposal", locale),
                color="Attention",
                size="Small",
                spacing="None",
            )
        )
    if item.case is not None and item.case.submitter_org:
        texts.append(
            text_block(
                t("agenda.item.submitter", locale, org=plain(item.case.submitter_org, limit=200)),
                is_subtle=True,
                size="Small",
                spacing="None",
            )
        )
    columns: list[Json] = [{"type": "Column", "width": "stretch", "items": texts}]
    if view.can_edit:
        input_id = minutes_input_id(item.key)
        value = values.get(input_id, str(item.minutes))
        cell: list[Json] = [
            _minutes_input(item.key, value, locale, lunch=item.kind is ItemKind.LUNCH)
        ]
        cell += [
            text_block(
                t(f"agenda.error.{p.code}", locale, **p.params()),
                color="Attention",
                size="Small",
                spacing="None",
            )
            for p in problems
            if p.field == input_id
        ]
        columns.append({"type": "Column", "width": "90px", "items": cell})
        buttons = _move_buttons(view, item, locale) if item.kind is ItemKind.CASE else []
        columns.append(
            {
                "type": "Column",
                "width": "100px",
                "verticalContentAlignment": "Center",
                "items": [{"type": "ActionSet", "actions": buttons}]
                if buttons
                else [text_block(" ")],
            }
        )
    return [{"type": "ColumnSet", "separator": True, "columns": columns}]


def _status_lines(view: AgendaView, locale: str) -> list[Json]:
    agenda = view.agenda
    blocks: list[Json] = []
    if agenda.fits:
        blocks.append(
            text_block(
                t(
                    "agenda.fits",
                    locale,
                    total=agenda.total_minutes,
                    available=agenda.available_minutes,
                ),
                color="Good",
            )
        )
    else:
        blocks.append(
            {
                "type": "Container",
                "style": "warning",
                "items": [
                    text_block(
                        t(
                            "agenda.too_long",
                            locale,
                            over=agenda.over_by,
                            total=agenda.total_minutes,
                            available=agenda.available_minutes,
                        ),
                        color="Warning",
                        weight="Bolder",
                    )
                ],
            }
        )
    missing = [item.label or "" for item in agenda.missing_proposals]
    if missing:
        blocks.append(
            error_banner([t("agenda.missing_proposals", locale, cases=", ".join(missing))])
        )
    if view.loaded.untriaged:
        blocks.append(
            text_block(t("agenda.untriaged", locale, count=view.loaded.untriaged), is_subtle=True)
        )
    published = view.loaded.published
    if published is not None:
        key = "agenda.published.changed" if view.loaded.changed else "agenda.published.same"
        blocks.append(
            text_block(
                t(
                    key,
                    locale,
                    version=published.version,
                    date=format_date(to_oslo(published.published_at).date(), locale),
                ),
                color="Warning" if view.loaded.changed else None,
            )
        )
    return blocks


def agenda_card(
    locale: str,
    view: AgendaView,
    *,
    meetings: Sequence[MeetingView] = (),
    problems: Sequence[Problem] = (),
    values: Mapping[str, str] | None = None,
    saved: bool = False,
) -> Json:
    """The agenda of one meeting; ``meetings`` offers the others; ``problems``/``values`` show a
    refused minutes form again; ``saved`` confirms a change."""
    meeting = view.meeting
    when, clock = format_when(meeting.start, meeting.end, locale)
    deadline = to_oslo(meeting.deadlines.notice)
    body: list[Json] = [
        heading(t("agenda.title", locale)),
        text_block(meeting_heading(meeting, locale), weight="Bolder", spacing="None"),
        fact_set(
            [
                (t("agenda.fact.time", locale), f"{when}, {clock}"),
                (t("agenda.fact.form", locale), t(f"meeting.form.{meeting.form.value}", locale)),
                (t("agenda.fact.place", locale), plain(meeting.location or "–", limit=200)),
                (t("agenda.fact.state", locale), t(f"meeting.state.{meeting.state.value}", locale)),
                (
                    t("agenda.fact.deadline", locale),
                    t(
                        "agenda.deadline.passed" if view.notice_late else "agenda.deadline.ahead",
                        locale,
                        date=format_date(deadline.date(), locale),
                        time=f"{deadline:%H:%M}",
                    ),
                ),
            ]
        ),
    ]
    if problems:
        lines = [
            t(f"agenda.error.{p.code}", locale, **p.params())
            for p in problems
            if not p.field.startswith("minutes_")
        ]
        if len(lines) < len(problems):
            lines.insert(0, t("agenda.error.banner", locale))
        body.append(error_banner(lines))
    if saved:
        body.append(text_block(t("agenda.saved", locale), color="Good", weight="Bolder"))
    body += _status_lines(view, locale)
    shown = values or {}
    for part in Part:
        items = view.agenda.in_part(part)
        if part is Part.BREAK:
            for item in items:
                body += _row(view, item, locale, shown, problems)
            if not items and view.can_edit and view.agenda.standing.lunch_minutes == 0:
                body.append(
                    {
                        "type": "ColumnSet",
                        "separator": True,
                        "columns": [
                            {
                                "type": "Column",
                                "width": "stretch",
                                "items": [text_block(t("agenda.no_lunch", locale), is_subtle=True)],
                            },
                            {
                                "type": "Column",
                                "width": "90px",
                                "items": [
                                    _minutes_input(
                                        LUNCH_KEY,
                                        shown.get(minutes_input_id(LUNCH_KEY), "0"),
                                        locale,
                                        lunch=True,
                                    )
                                ],
                            },
                            {"type": "Column", "width": "100px", "items": [text_block(" ")]},
                        ],
                    }
                )
            continue
        if part is not Part.OPENING and (items or part is Part.OTHER):
            body.append(
                text_block(
                    t(f"agenda.part.{part.value}", locale),
                    size="Medium",
                    weight="Bolder",
                    spacing="Large",
                )
            )
        for item in items:
            body += _row(view, item, locale, shown, problems)
        if part is Part.OTHER and not items:
            body.append(text_block(t("agenda.other.empty", locale), is_subtle=True, spacing="None"))
    actions: list[Json] = []
    if view.can_edit:
        actions.append(
            execute_action(
                t("agenda.action.save_minutes", locale),
                VERB_MINUTES,
                {"meeting_id": meeting.id},
                style="positive",
            )
        )
    actions.append(
        execute_action(t("agenda.action.preview", locale), VERB_PREVIEW, {"meeting_id": meeting.id})
    )
    actions.append(
        execute_action(t("agenda.action.refresh", locale), VERB_SHOW, {"meeting_id": meeting.id})
    )
    others = [m for m in meetings if m.id != meeting.id]
    if others:
        body.append(
            {
                "type": "Container",
                "separator": True,
                "spacing": "Large",
                "items": [
                    choice_set(
                        CHOOSER_INPUT,
                        t("agenda.chooser.label", locale),
                        [(str(m.id), meeting_choice(m, locale)) for m in others],
                        value=str(others[0].id),
                    ),
                    {
                        "type": "ActionSet",
                        "actions": [
                            execute_action(
                                t("agenda.chooser.show", locale), VERB_SHOW, {"choose": "1"}
                            )
                        ],
                    },
                ],
            }
        )
    return card(body, actions=actions)


def agenda_refused_card(locale: str, refused: Refused) -> Json:
    """Why the agenda could not be shown or changed; nothing was changed."""
    return card(
        [
            heading(t("agenda.title", locale)),
            error_banner([t(f"agenda.refused.{refused.reason.value}", locale)]),
            text_block(t("agenda.refused.nothing_changed", locale), is_subtle=True),
        ]
    )


def no_meetings_card(locale: str) -> Json:
    return card([heading(t("agenda.title", locale)), text_block(t("agenda.no_meetings", locale))])
