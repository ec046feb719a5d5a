"""The self-evaluation cards: the poll (labelled 1–5 choices, the open question, the token only
in an answered card), errors by the fields, the status (counts, never names), refusals, and the
results card — the fewer-than-3 rule, escaped comments, the embedded chart, and under 28 KB."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from bot.charts import trend_chart
from bot.domain.calendar import OSLO, Body, MeetingForm, deadlines_for
from bot.domain.evaluation import (
    DEFAULT_QUESTIONS,
    MAX_COMMENT_CHARS,
    Answer,
    AnswerProblem,
    TrendPoint,
    summarise,
)
from bot.domain.meeting_state import MeetingState
from bot.i18n import en, nb
from bot.services.evaluation import EvaluationView, Refusal, Refused, ResultsView
from bot.services.meetings import MeetingView
from cards import evaluation as cards
from cards.base import CARD_VERSION, MAX_CARD_BYTES, plain
from tests.support.harness import card_text

START = datetime(2026, 5, 21, 9, 30, tzinfo=OSLO)


def meeting() -> MeetingView:
    end = START + timedelta(hours=5)
    return MeetingView(
        id=11,
        body=Body.SSU,
        title="SSU-møte",
        start=START,
        end=end,
        form=MeetingForm.physical,
        online=False,
        location="Scandic Hamar",
        region=None,
        moved_from=None,
        state=MeetingState.HELD,
        cancel_reason=None,
        pattern_key="may",
        deadlines=deadlines_for(Body.SSU, START, end),
    )


def evaluation(**changes: Any) -> EvaluationView:
    view = EvaluationView(
        id=5,
        meeting=meeting(),
        questions=DEFAULT_QUESTIONS,
        is_open=True,
        eligible=19,
        answered=7,
        opened_at=datetime(2026, 5, 21, 13, 0, tzinfo=UTC),
        closed_at=None,
        chat_conversation_id=None,
    )
    return replace(view, **changes)


def closed() -> EvaluationView:
    return evaluation(is_open=False, closed_at=datetime(2026, 5, 22, 12, 0, tzinfo=UTC))


def results(answers: list[Answer], trend: tuple[TrendPoint, ...] = ()) -> ResultsView:
    summary = summarise(answers, 5, rng=random.Random(2))
    return ResultsView(replace(closed(), answered=len(answers)), summary, trend)


def elements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from elements(value)


def inputs(document: Any) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in elements(document) if e["type"].startswith("Input.")}


def submit(document: Any) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        a for a in document.get("actions", []) if a.get("verb") == cards.VERB_ANSWER
    ]
    [action] = found
    return action


def trend(count: int) -> tuple[TrendPoint, ...]:
    return tuple(TrendPoint(f"{n + 1:02d}.02.26", (3.5, 4.0, 2.5, 4.5, 3.0)) for n in range(count))


# ------------------------------------------------------------------------------------------ poll


@pytest.mark.parametrize("locale", ["nb", "en"])
def test_the_poll_has_five_labelled_one_to_five_choices_and_the_open_question(locale: str) -> None:
    document = cards.poll_card(locale, evaluation())
    assert document["version"] == CARD_VERSION
    found = inputs(document)
    assert list(found) == ["q1", "q2", "q3", "q4", "q5", "comment"]
    for n, statement in enumerate(DEFAULT_QUESTIONS.statements(locale)):
        choice = found[f"q{n + 1}"]
        assert choice["type"] == "Input.ChoiceSet" and choice["isRequired"]
        assert choice["label"] == f"{n + 1}. {statement}"
        assert [c["value"] for c in choice["choices"]] == ["1", "2", "3", "4", "5"]
        assert all(c["title"].startswith(c["value"] + " – ") for c in choice["choices"])
        assert "value" not in choice
    comment = found["comment"]
    assert comment["type"] == "Input.Text" and comment["isMultiline"]
    assert comment["label"] == DEFAULT_QUESTIONS.open_question(locale)
    assert comment["maxLength"] == MAX_COMMENT_CHARS
    action = submit(document)
    assert action["type"] == "Action.Execute"
    assert action["data"] == {"evaluation_id": 5, "meeting_id": 11}


def test_the_poll_names_nobody_and_says_it_is_anonymous() -> None:
    text = card_text(cards.poll_card("nb", evaluation()))
    assert "anonymt" in text and "minst 3" in text
    assert cards.TOKEN_KEY not in str(cards.poll_card("nb", evaluation()))


def test_the_answered_card_carries_the_token_and_the_persons_own_answer() -> None:
    values = {"q1": "5", "q2": "4", "q3": "3", "q4": "2", "q5": "1", "comment": "Felles retning"}
    document = cards.poll_card("nb", evaluation(), values=values, token="T" * 43, saved=True)
    assert submit(document)["data"][cards.TOKEN_KEY] == "T" * 43
    assert submit(document)["title"] == nb.MESSAGES["evaluation.poll.change"]
    found = inputs(document)
    assert [found[f"q{n}"]["value"] for n in range(1, 6)] == ["5", "4", "3", "2", "1"]
    assert found["comment"]["value"] == "Felles retning"
    assert "Takk!" in card_text(document)
    changed = cards.poll_card(
        "en", evaluation(), values=values, token="T" * 43, saved=True, changed=True
    )
    assert "Your answer was changed" in card_text(changed)


def test_problems_show_by_their_fields_and_keep_what_was_sent() -> None:
    problems = (AnswerProblem("q2", "rating_missing"), AnswerProblem("comment", "comment_too_long"))
    document = cards.poll_card(
        "nb", evaluation(), values={"q1": "4", "comment": "x"}, problems=problems
    )
    body = document["body"]
    ids = [e.get("id") for e in body]
    errors = [e["text"] for e in body if e.get("color") == "Attention" and e["type"] == "TextBlock"]
    assert errors == [
        nb.MESSAGES["evaluation.problem.rating_missing"],
        nb.MESSAGES["evaluation.problem.comment_too_long"].format(limit=MAX_COMMENT_CHARS),
    ]
    assert body[ids.index("q2") + 1]["text"] == errors[0]
    assert inputs(document)["q1"]["value"] == "4"
    assert "ikke lagret" in card_text(document)


def test_configured_statements_are_labels_without_control_characters() -> None:
    questions = replace(
        DEFAULT_QUESTIONS,
        statements_nb=("Vi *holdt* tiden\u202e.", *DEFAULT_QUESTIONS.statements_nb[1:]),
    )
    document = cards.poll_card("nb", evaluation(questions=questions))
    assert inputs(document)["q1"]["label"] == "1. Vi *holdt* tiden."


# -------------------------------------------------------------------------------- status, refusals


def test_the_status_shows_counts_and_gives_the_chair_the_close_button() -> None:
    document = cards.status_card("nb", evaluation(), can_manage=True)
    text = card_text(document)
    assert "7 av 19" in text and "Åpen for svar" in text
    verbs = [a["verb"] for a in document["actions"]]
    assert verbs == [cards.VERB_CLOSE, cards.VERB_STATUS]
    assert document["actions"][0]["data"] == {"evaluation_id": 5}
    assert cards.status_card("nb", evaluation(), can_manage=False).get("actions") is None


def test_a_closed_status_links_to_the_results() -> None:
    document = cards.status_card("en", closed(), can_manage=True, answered_by_viewer=True)
    assert [a["verb"] for a in document["actions"]] == [cards.VERB_RESULTS]
    assert "Closed" in card_text(document)


def test_the_opened_notice_says_how_many_got_it_and_where() -> None:
    notice = cards.StatusNotice("evaluation.opened.notice", count=12, chat=True)
    text = card_text(cards.status_card("nb", evaluation(), can_manage=True, notice=notice))
    assert "sendt personlig til 12" in text and "møtechatten" in text


def test_the_start_card_names_the_meeting_and_starts_it() -> None:
    document = cards.start_card("nb", meeting())
    assert "21. mai 2026" in card_text(document)
    [action] = document["actions"]
    assert (action["verb"], action["data"]) == (cards.VERB_START, {"meeting_id": 11})


@pytest.mark.parametrize("reason", list(Refusal))
def test_every_refusal_has_a_message_in_both_languages(reason: Refusal) -> None:
    key = f"evaluation.refused.{reason.value}"
    assert key in nb.MESSAGES and key in en.MESSAGES
    document = cards.evaluation_refused_card("nb", Refused(reason, evaluation=evaluation()))
    assert plain(nb.MESSAGES[key]) in card_text(document)  # error banners escape markdown


# ---------------------------------------------------------------------------------------- results


def test_fewer_than_three_answers_show_only_the_count() -> None:
    document = cards.results_card(
        "nb", results([Answer((5, 5, 5, 5, 5), "hemmelig")] * 2), chart_png=b"x", can_export=True
    )
    text = card_text(document)
    assert "Færre enn 3 svarte (2)" in text
    assert "hemmelig" not in text and "Snitt" not in text
    assert not any(e["type"] == "Image" for e in elements(document))
    assert "actions" not in document


def test_results_show_means_distributions_and_escaped_comments() -> None:
    answers = [
        Answer((5, 4, 3, 2, 1), "**fet** [lenke](https://x.example)"),
        Answer((4, 4, 3, 2, 1), None),
        Answer((3, 4, 3, 5, 1), "Felles forståelse"),
    ]
    document = cards.results_card("nb", results(answers))
    text = card_text(document)
    assert "Snitt 4,0" in text and "Snitt 3,0" in text and "Snitt 1,0" in text
    assert "Fordeling (1–5): 1: 0 · 2: 2 · 3: 0 · 4: 0 · 5: 1" in text
    assert r"«\*\*fet\*\* \[lenke\]\(https://x\.example\)»" in text
    assert "«Felles forståelse»" in text
    assert nb.MESSAGES["evaluation.results.trend_later"] in text
    assert "Mean 4.0" in card_text(cards.results_card("en", results(answers)))


def test_the_secretariat_gets_the_csv_button() -> None:
    answers = [Answer((3, 3, 3, 3, 3))] * 3
    document = cards.results_card("nb", results(answers), can_export=True)
    [action] = document["actions"]
    assert (action["verb"], action["data"]) == (cards.VERB_CSV, {"evaluation_id": 5})


def _full_results(comment_chars: int, *, special: str = "æøå") -> ResultsView:
    rng = random.Random(5)
    answers = [
        Answer(
            tuple(rng.randint(1, 5) for _ in range(5)),
            (f"Kommentar {n} {special} " * 200)[:comment_chars],
        )
        for n in range(19)
    ]
    return results(answers, trend(8))


def test_a_full_results_card_with_its_chart_stays_under_28_kb() -> None:
    view = _full_results(120)
    png = trend_chart(view.trend, DEFAULT_QUESTIONS.short_nb, title="Snitt", y_label="Snitt (1–5)")
    document = cards.results_card("nb", view, chart_png=png, can_export=True)
    assert cards.card_bytes(document) < MAX_CARD_BYTES
    [image] = [e for e in elements(document) if e["type"] == "Image"]
    prefix = "data:image/png;base64,"
    assert image["url"].startswith(prefix) and image["altText"]
    decoded = Image.open(io.BytesIO(base64.b64decode(image["url"][len(prefix) :])))
    assert decoded.format == "PNG" and decoded.size == (560, 260)
    assert len(view.summary.comments) == 19
    assert all(f"Kommentar {n} " in card_text(document) for n in range(19))


def test_the_longest_comments_are_shortened_before_the_card_goes_over() -> None:
    view = _full_results(MAX_COMMENT_CHARS, special="æøå«»")
    png = trend_chart(view.trend, DEFAULT_QUESTIONS.short_nb, title="Snitt", y_label="Snitt (1–5)")
    document = cards.results_card("nb", view, chart_png=png)
    assert cards.card_bytes(document) <= MAX_CARD_BYTES
    text = card_text(document)
    assert nb.MESSAGES["evaluation.results.shortened"] in text
    assert "…" in text


def test_even_absurd_input_never_makes_a_card_teams_refuses() -> None:
    view = _full_results(MAX_COMMENT_CHARS, special="\u00e6" * 40)
    document = cards.results_card("nb", view, chart_png=b"\x89PNG" + b"\0" * 20_000)
    assert cards.card_bytes(document) <= MAX_CARD_BYTES
    assert nb.MESSAGES["evaluation.results.trend_left_out"] in card_text(document)
