"""Consensus cards: the chair's list of decision cases, the start card (the proposed decision to
amend), the live round card with everyone's own part, and the refusals.

Data in, card JSON out. Names, reasons, observer input and decision texts are untrusted and go
through :func:`cards.base.plain` wherever they are rendered as markdown.

Why the round card carries ``refresh`` with ``userIds``: it is posted once in the meeting chat,
and every member who may answer must see the live tally *and their own answer* (to change it);
the chair must see the close button and observers their input field. Teams asks the bot for each
listed user's view (``consensus.refresh``) — at most 60 users, the members who may answer first.
The message itself always holds the shared view (no one's buttons), updated on every change.

Why the card shrinks its texts when needed: a decision text of 4,000 characters, nineteen
reasons and six observer inputs can exceed Teams' 28 KB; everything is stored in full for the
protocol, the card then shows shorter excerpts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Final

from bot.domain.calendar import to_oslo
from bot.domain.consensus import DECISION_TEXT_MAX, INPUT_MAX, REASON_MAX, Outcome, Position
from bot.domain.consensus import Problem as AnswerProblem
from bot.i18n import t
from bot.services.consensus import (
    AnswerView,
    Prepared,
    Reason,
    Refused,
    RoundView,
    StartList,
    Viewer,
)
from cards.base import (
    MAX_CARD_BYTES,
    Json,
    card,
    choice_set,
    error_banner,
    execute_action,
    heading,
    plain,
    text_block,
)
from cards.meetings import meeting_heading

__all__ = [
    "VERB_CLOSE",
    "VERB_INPUT",
    "VERB_REFRESH",
    "VERB_RESPOND",
    "VERB_START",
    "prepare_card",
    "refused_card",
    "round_card",
    "start_list_card",
    "started_card",
]

VERB_START: Final = "consensus.start"
VERB_RESPOND: Final = "consensus.respond"
VERB_INPUT: Final = "consensus.input"
VERB_REFRESH: Final = "consensus.refresh"
VERB_CLOSE: Final = "consensus.close"

_LIMITS: Final = (
    (DECISION_TEXT_MAX, REASON_MAX, INPUT_MAX),
    (DECISION_TEXT_MAX, 300, 400),
    (2_000, 120, 150),
    (800, 60, 80),
)
"""(decision text, each reason, each input) shown, tried in order until the card fits."""
_BUDGET: Final = MAX_CARD_BYTES - 1024
"""Room left for the envelope Teams wraps around the card."""


def _size(document: Json) -> int:
    return len(json.dumps(document).encode("utf-8"))


def _fit(build: Callable[[tuple[int, int, int]], Json]) -> Json:
    document: Json = {}
    for limits in _LIMITS:
        document = build(limits)
        if _size(document) <= _BUDGET:
            return document
    return document


def _errors(problems: Sequence[AnswerProblem], locale: str) -> list[str]:
    return [t(f"consensus.error.{p.code}", locale, **p.params()) for p in problems]


def _error_for(problems: Sequence[AnswerProblem], field: str, locale: str) -> str | None:
    found = [p for p in problems if p.field == field]
    return _errors(found, locale)[0] if found else None


def _at(moment: datetime) -> str:
    return f"{to_oslo(moment):%H:%M}"


def _case_title(view: RoundView, locale: str) -> str:
    return t("consensus.case", locale, label=view.case.label, title=plain(view.case.title))


def _person(answer: AnswerView, locale: str, reason_limit: int | None = None) -> str:
    name = plain(answer.name)
    if answer.deputy_for:
        name = t("consensus.deputy_for", locale, name=name, member=plain(answer.deputy_for))
    if reason_limit and answer.reason:
        name += f": *{plain(answer.reason, limit=reason_limit)}*"
    return name


def _position_choices(locale: str) -> list[tuple[str, str]]:
    return [(p.value, t(f"consensus.position.{p.value}", locale)) for p in Position]


# --------------------------------------------------------------------------------------------------
# Starting
# --------------------------------------------------------------------------------------------------


def start_list_card(locale: str, found: StartList) -> Json:
    """The decision cases of the meeting, each with a button to prepare its round."""
    body: list[Json] = [
        heading(t("consensus.start.title", locale)),
        text_block(meeting_heading(found.meeting, locale), weight="Bolder", spacing="None"),
    ]
    if not found.cases:
        body.append(text_block(t("consensus.start.none", locale)))
        return card(body)
    body.append(text_block(t("consensus.start.intro", locale)))
    for choice in found.cases:
        case = choice.case
        title = t("consensus.case", locale, label=case.label, title=plain(case.title))
        if choice.decided:
            state = t("consensus.start.decided", locale)
        elif choice.open_round_id is not None:
            state = t("consensus.start.running", locale)
        else:
            state = ""
        items: list[Json] = [text_block(title, weight="Bolder")]
        if state:
            items.append(text_block(state, is_subtle=True, spacing="None"))
        if not choice.decided and choice.open_round_id is None:
            items.append(
                {
                    "type": "ActionSet",
                    "actions": [
                        execute_action(
                            t("consensus.start.prepare", locale),
                            VERB_START,
                            {"case_id": case.id},
                            associated_inputs="none",
                        )
                    ],
                }
            )
        body.append({"type": "Container", "separator": True, "items": items})
    return card(body)


def prepare_card(
    locale: str,
    prepared: Prepared,
    *,
    problems: Sequence[AnswerProblem] = (),
    values: Mapping[str, str] | None = None,
) -> Json:
    """The case's proposed decision in a text field the chair may amend, and the start button."""
    case = prepared.case
    text = (values or {}).get("decision_text", case.proposal)[:DECISION_TEXT_MAX]
    body: list[Json] = [
        heading(t("consensus.prepare.title", locale)),
        text_block(
            t("consensus.case", locale, label=case.label, title=plain(case.title)),
            weight="Bolder",
            spacing="None",
        ),
        text_block(meeting_heading(prepared.meeting, locale), is_subtle=True, spacing="None"),
    ]
    if problems:
        body.append(error_banner(_errors(problems, locale)))
    body.append(text_block(t("consensus.prepare.intro", locale)))
    if case.major_economic:
        body.append(text_block(t("consensus.major", locale), color="Warning"))
    field: Json = {
        "type": "Input.Text",
        "id": "decision_text",
        "label": t("consensus.prepare.label", locale),
        "isMultiline": True,
        "maxLength": DECISION_TEXT_MAX,
        "isRequired": True,
        "errorMessage": t("consensus.error.required", locale),
        "value": text,
    }
    body.append(field)
    actions = [
        execute_action(
            t("consensus.prepare.start", locale),
            VERB_START,
            {"case_id": case.id},
            style="positive",
            associated_inputs="auto",
        )
    ]
    return card(body, actions=actions)


def started_card(locale: str, view: RoundView) -> Json:
    """What the chair's start card becomes: the round is open and its card is in the chat."""
    return card(
        [
            heading(t("consensus.started.title", locale)),
            text_block(_case_title(view, locale), weight="Bolder", spacing="None"),
            text_block(t("consensus.started.body", locale, count=len(view.voters))),
        ]
    )


# --------------------------------------------------------------------------------------------------
# The round card
# --------------------------------------------------------------------------------------------------


def _quorum_line(view: RoundView, locale: str) -> Json:
    quorum = view.quorum
    if quorum is None:
        return text_block(t("consensus.quorum.na", locale), is_subtle=True)
    key = "consensus.quorum.yes" if quorum.reached else "consensus.quorum.no"
    return text_block(
        t(
            key,
            locale,
            present=quorum.present,
            total=quorum.total,
            required=quorum.required,
        ),
        color="Good" if quorum.reached else "Attention",
        size="Small",
    )


def _tally_blocks(view: RoundView, locale: str, reason_limit: int) -> list[Json]:
    tally = view.tally
    blocks: list[Json] = [
        text_block(
            t(
                "consensus.tally",
                locale,
                agree=len(tally.agree),
                object=len(tally.object),
                abstain=len(tally.abstain),
                pending=view.not_answered,
            ),
            weight="Bolder",
            spacing="Medium",
        )
    ]
    groups = (
        ("consensus.for", view.names(tally.agree), 0),
        ("consensus.against", view.names(tally.object), reason_limit),
        ("consensus.abstaining", view.names(tally.abstain), 0),
    )
    for key, answers, limit in groups:
        if not answers:
            continue
        if limit:
            lines = "\n".join(f"- {_person(a, locale, limit)}" for a in answers)
            blocks.append(text_block(t(key, locale), spacing="Small"))
            blocks.append(text_block(lines, spacing="None"))
        else:
            names = ", ".join(_person(a, locale) for a in answers)
            blocks.append(text_block(t(key, locale, names=names), spacing="Small"))
    return blocks


def _outcome_block(view: RoundView, locale: str) -> Json:
    good = view.outcome is Outcome.CONSENSUS
    items: list[Json] = [
        text_block(
            t(f"consensus.outcome.{(view.outcome or Outcome.NO_CONSENSUS).value}", locale),
            size="Medium",
            weight="Bolder",
            color="Good" if good else "Attention",
        )
    ]
    if good:
        items.append(text_block(t("consensus.outcome.decided", locale), spacing="Small"))
    else:
        items.append(text_block(t("consensus.outcome.dialogue", locale), spacing="Small"))
    if view.quorum is not None and not view.quorum.reached:
        items.append(text_block(t("consensus.outcome.no_quorum", locale), size="Small"))
    return {"type": "Container", "style": "good" if good else "attention", "items": items}


def _inputs_blocks(view: RoundView, locale: str, input_limit: int) -> list[Json]:
    if not view.inputs:
        return []
    lines = []
    for given in view.inputs:
        who = plain(given.name)
        if given.organisation:
            who += f" ({plain(given.organisation)})"
        lines.append(f"- **{who}**: {plain(given.text, limit=input_limit)}")
    return [
        text_block(t("consensus.inputs.title", locale), weight="Bolder", spacing="Medium"),
        text_block("\n".join(lines), spacing="Small"),
    ]


def _answer_form(
    view: RoundView,
    viewer: Viewer,
    locale: str,
    problems: Sequence[AnswerProblem],
    values: Mapping[str, str] | None,
) -> list[Json]:
    mine = viewer.answer
    shown = dict(values or {})
    position = shown.get("position", mine.position.value if mine else "")
    reason = shown.get("reason", mine.reason if mine else "")
    blocks: list[Json] = [
        text_block(t("consensus.form.title", locale), weight="Bolder", spacing="Medium")
    ]
    if mine is not None:
        blocks.append(
            text_block(
                t(
                    "consensus.form.mine",
                    locale,
                    position=t(f"consensus.position.{mine.position.value}", locale),
                ),
                color="Good",
                spacing="Small",
            )
        )
    choices = choice_set(
        "position",
        t("consensus.form.position", locale),
        _position_choices(locale),
        value=position or None,
        required=True,
        error_message=_error_for(problems, "position", locale)
        or t("consensus.error.position_required", locale),
        style="expanded",
    )
    blocks.append(choices)
    blocks.append(
        {
            "type": "Input.Text",
            "id": "reason",
            "label": t("consensus.form.reason", locale),
            "placeholder": t("consensus.form.reason_hint", locale),
            "isMultiline": True,
            "maxLength": REASON_MAX,
            "value": reason[:REASON_MAX],
            **(
                {"errorMessage": message}
                if (message := _error_for(problems, "reason", locale))
                else {}
            ),
        }
    )
    blocks.append(
        {
            "type": "ActionSet",
            "actions": [
                execute_action(
                    t("consensus.form.send" if mine is None else "consensus.form.change", locale),
                    VERB_RESPOND,
                    {"item_id": view.id},
                    style="positive",
                    associated_inputs="auto",
                )
            ],
        }
    )
    return blocks


def _input_form(
    view: RoundView,
    viewer: Viewer,
    locale: str,
    problems: Sequence[AnswerProblem],
    values: Mapping[str, str] | None,
) -> list[Json]:
    text = (values or {}).get("input", viewer.input.text if viewer.input else "")
    field: Json = {
        "type": "Input.Text",
        "id": "input",
        "label": t("consensus.input.label", locale),
        "isMultiline": True,
        "maxLength": INPUT_MAX,
        "value": text[:INPUT_MAX],
    }
    if (message := _error_for(problems, "input", locale)) is not None:
        field["errorMessage"] = message
    return [
        text_block(t("consensus.input.title", locale), weight="Bolder", spacing="Medium"),
        text_block(t("consensus.input.intro", locale), is_subtle=True, spacing="None"),
        field,
        {
            "type": "ActionSet",
            "actions": [
                execute_action(
                    t("consensus.input.send", locale),
                    VERB_INPUT,
                    {"item_id": view.id},
                    associated_inputs="auto",
                )
            ],
        },
    ]


def _close_action(view: RoundView, locale: str) -> Json:
    """Closing is final: a second step in the card itself shows what the outcome will be."""
    preview = t(f"consensus.outcome.{view.would_be.value}", locale)
    return {
        "type": "Action.ShowCard",
        "title": t("consensus.close.action", locale),
        "card": {
            "type": "AdaptiveCard",
            "body": [
                text_block(t("consensus.close.confirm", locale, outcome=preview)),
            ],
            "actions": [
                execute_action(
                    t("consensus.close.confirm_action", locale),
                    VERB_CLOSE,
                    {"item_id": view.id},
                    style="destructive",
                    associated_inputs="none",
                )
            ],
        },
    }


def round_card(
    locale: str,
    view: RoundView,
    viewer: Viewer,
    *,
    banner: str | None = None,
    banner_good: bool = True,
    problems: Sequence[AnswerProblem] = (),
    values: Mapping[str, str] | None = None,
) -> Json:
    """The proposed decision, the quorum, the live tally with names, the observers' input apart,
    and the viewer's own part: their answer form, the observer's input, the chair's close."""

    def build(limits: tuple[int, int, int]) -> Json:
        text_limit, reason_limit, input_limit = limits
        body: list[Json] = [
            heading(t("consensus.title", locale)),
            text_block(_case_title(view, locale), weight="Bolder", spacing="None"),
            text_block(meeting_heading(view.meeting, locale), is_subtle=True, spacing="None"),
        ]
        if view.open:
            status = t("consensus.open", locale, at=_at(view.started_at))
            if view.chair_name:
                status += " " + t("consensus.chair", locale, name=plain(view.chair_name))
        else:
            status = t("consensus.closed", locale, at=_at(view.closed_at or view.started_at))
        body.append(text_block(status, size="Small"))
        if banner:
            body.append(
                text_block(banner, color="Good" if banner_good else "Attention", weight="Bolder")
            )
        if problems:
            body.append(error_banner(_errors(problems, locale)))
        if not view.open:
            body.append(_outcome_block(view, locale))
        label = "consensus.decision" if not view.open else "consensus.proposal"
        decision: list[Json] = [
            text_block(t(label, locale), weight="Bolder"),
            text_block(plain(view.decision_text, limit=text_limit), spacing="Small"),
        ]
        if view.decision_text.strip() != view.proposal.strip():
            decision.append(text_block(t("consensus.amended", locale), is_subtle=True))
        body.append({"type": "Container", "style": "emphasis", "items": decision})
        if view.major_economic:
            body.append(text_block(t("consensus.major", locale), color="Warning", size="Small"))
        body.append(_quorum_line(view, locale))
        body += _tally_blocks(view, locale, reason_limit)
        body += _inputs_blocks(view, locale, input_limit)
        if view.open and viewer.person_id is not None:
            if viewer.eligible:
                body += _answer_form(view, viewer, locale, problems, values)
            elif viewer.observer:
                body += _input_form(view, viewer, locale, problems, values)
            else:
                body.append(
                    text_block(
                        t("consensus.not_eligible", locale), is_subtle=True, spacing="Medium"
                    )
                )
            if viewer.is_chair:
                body.append(
                    text_block(
                        t(f"consensus.would_be.{view.would_be.value}", locale),
                        is_subtle=True,
                        spacing="Medium",
                    )
                )
        actions: list[Json] = []
        if view.open and viewer.is_chair:
            actions.append(_close_action(view, locale))
        actions.append(
            execute_action(
                t("consensus.refresh", locale),
                VERB_REFRESH,
                {"item_id": view.id},
                associated_inputs="none",
            )
        )
        refresh = None
        if view.open:
            refresh = {
                "action": {
                    "type": "Action.Execute",
                    "verb": VERB_REFRESH,
                    "data": {"item_id": view.id},
                },
                "userIds": list(view.refresh_user_ids),
            }
        return card(body, actions=actions, refresh=refresh)

    return _fit(build)


# --------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------


def refused_card(locale: str, refused: Refused | Reason, viewer: Viewer | None = None) -> Json:
    """Why nothing changed; with the round as it is when there is one to show."""
    reason = refused if isinstance(refused, Reason) else refused.reason
    message = t(f"consensus.refused.{reason.value}", locale)
    if isinstance(refused, Refused) and refused.view is not None:
        return round_card(
            locale,
            refused.view,
            viewer or Viewer(None),
            banner=message if not refused.problems else None,
            banner_good=False,
            problems=refused.problems,
            values=refused.values,
        )
    return card([heading(t("consensus.title", locale)), error_banner([message])])
