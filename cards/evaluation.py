"""Self-evaluation cards: the poll, the start confirmation, the status, the results.

Data in, card JSON out. Statements and the open question are configured text and comments are
what people typed: shown through :func:`cards.base.plain` wherever Teams renders markdown
(TextBlocks). Input labels and choice titles are plain text runs in the renderer (no markdown),
so they get the text as it is, minus invisible control characters.

The poll card is the same for everyone who gets it — it names nobody. After an answer, the card
the person gets back (only they see it: Teams replaces an Action.Execute card for the person who
pressed the button) carries their change token in the submit action's data; see
bot/services/evaluation.py for why that keeps answers anonymous.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.domain.calendar import to_oslo
from bot.domain.evaluation import (
    MAX_COMMENT_CHARS,
    MIN_RESPONDENTS,
    SCALE,
    AnswerProblem,
    StatementResult,
    rating_id,
)
from bot.i18n import t
from bot.services.evaluation import EvaluationView, Refusal, Refused, ResultsView
from bot.services.meetings import MeetingView
from cards.base import (
    MAX_CARD_BYTES,
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
from cards.meetings import format_date, meeting_heading

__all__ = [
    "TOKEN_KEY",
    "VERB_ANSWER",
    "VERB_CLOSE",
    "VERB_CSV",
    "VERB_RESULTS",
    "VERB_START",
    "VERB_STATUS",
    "card_bytes",
    "evaluation_refused_card",
    "poll_card",
    "results_card",
    "start_card",
    "status_card",
]

VERB_ANSWER: Final = "evaluation.answer"
VERB_START: Final = "evaluation.start"
VERB_CLOSE: Final = "evaluation.close"
VERB_STATUS: Final = "evaluation.status"
VERB_RESULTS: Final = "evaluation.results"
VERB_CSV: Final = "evaluation.csv"
TOKEN_KEY: Final = "answer_token"
"""Data key of the change token in the answered card's submit action."""

_INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _label(text: str) -> str:
    """Configured text for an input label or choice title (rendered literally, no markdown)."""
    return _INVISIBLE.sub("", text).strip()


def card_bytes(document: Json) -> int:
    """The card's size as the tests and Teams' limit count it: JSON with non-ASCII escaped,
    which is never smaller than what goes on the wire."""
    return len(json.dumps(document).encode("utf-8"))


def _meeting_line(meeting: MeetingView, locale: str) -> Json:
    return text_block(meeting_heading(meeting, locale), weight="Bolder", size="Medium")


def _when(moment: datetime, locale: str) -> str:
    local = to_oslo(moment)
    return t(
        "evaluation.when", locale, date=format_date(local.date(), locale), time=f"{local:%H:%M}"
    )


# --------------------------------------------------------------------------------------------------
# The poll
# --------------------------------------------------------------------------------------------------


def poll_card(
    locale: str,
    evaluation: EvaluationView,
    *,
    values: Mapping[str, str] | None = None,
    token: str | None = None,
    problems: Sequence[AnswerProblem] = (),
    saved: bool = False,
    changed: bool = False,
) -> Json:
    """The questionnaire: a 1–5 choice per statement (``q1`` … ``qN``) and the open question
    (``comment``). ``values`` pre-fill it (the person's own answer, or what they sent with
    ``problems``); ``token`` goes into the submit action's data so they can change it later."""
    values = values or {}
    body: list[Json] = [heading(t("evaluation.poll.title", locale))]
    body.append(_meeting_line(evaluation.meeting, locale))
    if saved:
        key = "evaluation.poll.changed" if changed else "evaluation.poll.saved"
        body.append(_good(t(key, locale)))
    if problems:
        body.append(error_banner([t("evaluation.poll.errors", locale)]))
    body.append(text_block(t("evaluation.poll.intro", locale, min=MIN_RESPONDENTS)))
    scale = [(str(v), t(f"evaluation.poll.scale.{v}", locale)) for v in SCALE]
    for index, statement in enumerate(evaluation.questions.statements(locale)):
        input_id = rating_id(index)
        body.append(
            choice_set(
                input_id,
                _label(f"{index + 1}. {statement}"),
                scale,
                value=values.get(input_id) or None,
                required=True,
                error_message=t("evaluation.problem.rating_missing", locale),
            )
        )
        body += _field_errors(problems, input_id, locale)
    comment: Json = {
        "type": "Input.Text",
        "id": "comment",
        "label": _label(evaluation.questions.open_question(locale)),
        "isMultiline": True,
        "maxLength": MAX_COMMENT_CHARS,
        "placeholder": t("evaluation.poll.comment_hint", locale, limit=MAX_COMMENT_CHARS),
        "value": values.get("comment", ""),
    }
    body.append(comment)
    body += _field_errors(problems, "comment", locale)
    data: dict[str, object] = {
        "evaluation_id": evaluation.id,
        "meeting_id": evaluation.meeting.id,
    }
    if token:
        data[TOKEN_KEY] = token
    title = t("evaluation.poll.change" if token else "evaluation.poll.submit", locale)
    return card(body, actions=[execute_action(title, VERB_ANSWER, data, style="positive")])


def _good(message: str) -> Json:
    return {
        "type": "Container",
        "style": "good",
        "items": [text_block(message, weight="Bolder", color="Good")],
    }


def _field_errors(problems: Sequence[AnswerProblem], field_id: str, locale: str) -> list[Json]:
    return [
        text_block(
            t(f"evaluation.problem.{p.code}", locale, limit=MAX_COMMENT_CHARS),
            color="Attention",
            size="Small",
            spacing="None",
        )
        for p in problems
        if p.field == field_id
    ]


# --------------------------------------------------------------------------------------------------
# Start, status, refusals
# --------------------------------------------------------------------------------------------------


def start_card(locale: str, meeting: MeetingView) -> Json:
    """``start evaluering``: which meeting, what will happen, and the button that does it."""
    return card(
        [
            heading(t("evaluation.start.title", locale)),
            _meeting_line(meeting, locale),
            text_block(t("evaluation.start.intro", locale)),
        ],
        actions=[
            execute_action(
                t("evaluation.action.start", locale),
                VERB_START,
                {"meeting_id": meeting.id},
                style="positive",
            )
        ],
    )


@dataclass(frozen=True, slots=True)
class StatusNotice:
    """What just happened, shown on top of the status card."""

    key: str
    count: int = 0
    chat: bool = False


def status_card(
    locale: str,
    evaluation: EvaluationView,
    *,
    can_manage: bool,
    notice: StatusNotice | None = None,
    answered_by_viewer: bool = False,
) -> Json:
    """How far an evaluation has come — counts only, never who. The chair and the secretariat
    can close an open one from here; a closed one links to its results."""
    state = "open" if evaluation.is_open else "closed"
    facts = [
        (t("evaluation.label.state", locale), t(f"evaluation.state.{state}", locale)),
        (
            t("evaluation.label.answers", locale),
            t(
                "evaluation.count",
                locale,
                answered=evaluation.answered,
                eligible=evaluation.eligible,
            ),
        ),
        (t("evaluation.label.opened", locale), _when(evaluation.opened_at, locale)),
    ]
    if evaluation.closed_at is not None:
        facts.append((t("evaluation.label.closed", locale), _when(evaluation.closed_at, locale)))
    body: list[Json] = [
        heading(t("evaluation.status.title", locale)),
        _meeting_line(evaluation.meeting, locale),
    ]
    if notice is not None:
        message = t(notice.key, locale, count=notice.count)
        if notice.chat:
            message = f"{message} {t('evaluation.opened.chat', locale)}"
        body.append(_good(message))
    body.append(fact_set(facts))
    if evaluation.is_open:
        key = "evaluation.status.you_answered" if answered_by_viewer else "evaluation.status.hidden"
        body.append(text_block(t(key, locale), is_subtle=True))
    actions: list[Json] = []
    ids = {"evaluation_id": evaluation.id}
    if evaluation.is_open and can_manage:
        actions.append(execute_action(t("evaluation.action.close", locale), VERB_CLOSE, ids))
        actions.append(execute_action(t("evaluation.action.refresh", locale), VERB_STATUS, ids))
    elif not evaluation.is_open:
        actions.append(execute_action(t("evaluation.action.results", locale), VERB_RESULTS, ids))
    return card(body, actions=actions)


def evaluation_refused_card(locale: str, refused: Refused) -> Json:
    """Nothing changed, and why (refusals that no form can fix)."""
    body: list[Json] = [heading(t("evaluation.refused.title", locale))]
    if refused.evaluation is not None:
        body.append(_meeting_line(refused.evaluation.meeting, locale))
    body.append(error_banner([t(f"evaluation.refused.{refused.reason.value}", locale)]))
    actions: list[Json] = []
    if refused.reason is Refusal.STILL_OPEN and refused.evaluation is not None:
        actions.append(
            execute_action(
                t("evaluation.action.refresh", locale),
                VERB_STATUS,
                {"evaluation_id": refused.evaluation.id},
            )
        )
    return card(body, actions=actions)


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------

# Ever smaller versions of the card until it fits Teams' limit: comments cut shorter first, then
# the chart left out. The chart is drawn small (bot/charts.py), so in practice the first fits.
_FITS: Final = ((MAX_COMMENT_CHARS, True), (300, True), (150, True), (150, False), (60, False))


def results_card(
    locale: str,
    results: ResultsView,
    *,
    chart_png: bytes | None = None,
    can_export: bool = False,
) -> Json:
    """Means and distributions per statement, the trend chart (a PNG ``data:`` URI), and the
    answers to the open question in random order — or, with fewer than three answers, only how
    many answered. Always under 28 KB: comments are shortened, then the chart left out."""
    document: Json = {}
    for limit, with_chart in _FITS:
        document = _results_card(
            locale,
            results,
            chart_png=chart_png if with_chart else None,
            chart_left_out=chart_png is not None and not with_chart,
            can_export=can_export,
            comment_limit=limit,
        )
        if card_bytes(document) <= MAX_CARD_BYTES:
            return document
    return _results_card(
        locale,
        results,
        chart_png=None,
        chart_left_out=chart_png is not None,
        can_export=can_export,
        comment_limit=_FITS[-1][0],
        max_comments=0,
    )


def _results_card(
    locale: str,
    results: ResultsView,
    *,
    chart_png: bytes | None,
    chart_left_out: bool,
    can_export: bool,
    comment_limit: int,
    max_comments: int | None = None,
) -> Json:
    evaluation, summary = results.evaluation, results.summary
    body: list[Json] = [
        heading(t("evaluation.results.title", locale)),
        _meeting_line(evaluation.meeting, locale),
        text_block(
            t(
                "evaluation.results.count",
                locale,
                answered=summary.respondents,
                eligible=evaluation.eligible,
            )
        ),
    ]
    if not summary.shown:
        body.append(
            text_block(
                t(
                    "evaluation.results.too_few",
                    locale,
                    min=MIN_RESPONDENTS,
                    answered=summary.respondents,
                ),
                color="Warning",
                weight="Bolder",
            )
        )
        return card(body)
    statements = evaluation.questions.statements(locale)
    for result in summary.statements:
        body.append(_statement(result, statements[result.index], locale))
    body.append(
        text_block(t("evaluation.results.trend", locale), weight="Bolder", spacing="Medium")
    )
    if chart_png is not None:
        body.append(
            {
                "type": "Image",
                "url": "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii"),
                "altText": t("evaluation.results.trend_alt", locale, meetings=len(results.trend)),
                "size": "Stretch",
            }
        )
    elif chart_left_out:
        body.append(text_block(t("evaluation.results.trend_left_out", locale), is_subtle=True))
    else:
        body.append(text_block(t("evaluation.results.trend_later", locale), is_subtle=True))
    question = plain(evaluation.questions.open_question(locale))
    body.append(
        text_block(
            t("evaluation.results.comments", locale, question=question),
            weight="Bolder",
            spacing="Medium",
        )
    )
    comments = summary.comments if max_comments is None else summary.comments[:max_comments]
    if not summary.comments:
        body.append(text_block(t("evaluation.results.no_comments", locale), is_subtle=True))
    for comment in comments:
        body.append(text_block(f"«{plain(comment, limit=comment_limit)}»", spacing="Small"))
    if any(len(c) > comment_limit for c in comments) or len(comments) < len(summary.comments):
        body.append(
            text_block(t("evaluation.results.shortened", locale), is_subtle=True, size="Small")
        )
    actions = []
    if can_export:
        actions.append(
            execute_action(
                t("evaluation.action.csv", locale), VERB_CSV, {"evaluation_id": evaluation.id}
            )
        )
    return card(body, actions=actions)


def _statement(result: StatementResult, statement: str, locale: str) -> Json:
    mean = f"{result.mean:.1f}"
    if locale != "en":
        mean = mean.replace(".", ",")
    distribution = " · ".join(
        f"{value}: {count}" for value, count in zip(SCALE, result.distribution, strict=True)
    )
    return {
        "type": "Container",
        "separator": True,
        "items": [
            text_block(f"{result.index + 1}\\. {plain(statement)}", weight="Bolder"),
            text_block(
                t("evaluation.results.mean", locale, mean=mean),
                size="Large",
                spacing="None",
                color="Accent",
            ),
            text_block(
                t("evaluation.results.distribution", locale, distribution=distribution),
                is_subtle=True,
                size="Small",
                spacing="None",
            ),
        ],
    }
