"""The self-evaluation's pure rules: the default questions, reading an answer, the results and
the fewer-than-3 rule, the change token, the meeting chat id and the CSV."""

from __future__ import annotations

import hashlib
import random

import pytest

from bot.domain.evaluation import (
    DEFAULT_QUESTIONS,
    MAX_COMMENT_CHARS,
    MIN_RESPONDENTS,
    Answer,
    AnswerProblem,
    QuestionSet,
    is_token,
    meeting_chat_id,
    parse_answer,
    rating_id,
    summarise,
    token_hash,
    validate_question_set,
    write_csv,
)


def answers(*ratings: tuple[int, ...], comments: tuple[str | None, ...] = ()) -> list[Answer]:
    padded = list(comments) + [None] * (len(ratings) - len(comments))
    return [Answer(r, c) for r, c in zip(ratings, padded, strict=True)]


def form(*ratings: str, comment: str = "") -> dict[str, str]:
    return {**{rating_id(i): r for i, r in enumerate(ratings)}, "comment": comment}


# --------------------------------------------------------------------------------- the questions


def test_the_default_set_has_the_five_themes_and_the_question_from_the_meeting() -> None:
    questions = DEFAULT_QUESTIONS
    assert questions.count == 5
    assert questions.open_nb == "Hva er det du ønsker å kjenne på etter SSU-møtet i dag?"
    joined = " ".join(questions.statements_nb).lower()
    for theme in ("mål og retning", "perspektiver", "likeverdige", "refleksjon og dialog"):
        assert theme in joined
    assert "psykologisk trygghet" in joined
    assert "innbygger sitt beste" in joined
    assert len(questions.statements_en) == len(questions.short_nb) == len(questions.short_en) == 5
    assert validate_question_set(questions) == []


def test_a_question_set_survives_json_and_answers_in_the_persons_language() -> None:
    again = QuestionSet.from_json(DEFAULT_QUESTIONS.to_json())
    assert again == DEFAULT_QUESTIONS
    assert again.statements("en") == DEFAULT_QUESTIONS.statements_en
    assert again.statements("nb") == DEFAULT_QUESTIONS.statements_nb
    assert again.open_question("en").startswith("What do you want")
    assert again.short("en")[0] == "Shared direction"


def test_a_broken_question_set_is_refused() -> None:
    empty = QuestionSet((), (), (), (), "?", "?")
    assert "statement_count" in validate_question_set(empty)
    lopsided = QuestionSet(("a", "b"), ("a",), ("a", "b"), ("a", "b"), "?", "?")
    assert "languages_differ" in validate_question_set(lopsided)
    blank = QuestionSet((" ",), ("a",), ("a",), ("a",), "", "?")
    assert {"statement_text", "open_text"} <= set(validate_question_set(blank))
    too_long = QuestionSet(("a",), ("a",), ("x" * 41,), ("a",), "?", "?")
    assert validate_question_set(too_long) == ["short_text"]


# ----------------------------------------------------------------------------------- one answer


def test_a_complete_answer_is_read_with_its_comment_trimmed() -> None:
    answer, problems = parse_answer(form("5", "4", " 3 ", "2", "1", comment="  Felles retning "), 5)
    assert problems == ()
    assert answer == Answer((5, 4, 3, 2, 1), "Felles retning")


def test_an_empty_comment_is_no_comment() -> None:
    answer, _ = parse_answer(form("3", "3", "3", "3", "3", comment="   "), 5)
    assert answer is not None and answer.comment is None


@pytest.mark.parametrize("bad", ["0", "6", "3.0", "tre", "-1", "１"])
def test_a_rating_outside_one_to_five_is_refused(bad: str) -> None:
    answer, problems = parse_answer(form("3", bad, "3", "3", "3"), 5)
    assert answer is None
    assert problems == (AnswerProblem("q2", "rating_invalid"),)


def test_every_statement_must_be_rated() -> None:
    values: dict[str, object] = {"q1": "4", "q3": "", "q4": 4}
    answer, problems = parse_answer(values, 5)
    assert answer is None
    assert [p.field for p in problems] == ["q2", "q3", "q4", "q5"]
    assert {p.code for p in problems} == {"rating_missing"}


def test_a_comment_over_the_limit_is_refused() -> None:
    _, problems = parse_answer(
        form("3", "3", "3", "3", "3", comment="x" * (MAX_COMMENT_CHARS + 1)), 5
    )
    assert problems == (AnswerProblem("comment", "comment_too_long"),)


def test_the_change_token_is_stored_only_as_its_sha256() -> None:
    token = "A" * 43
    assert is_token(token)
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(token_hash(token)) == 64
    for bad in (None, "", "A" * 42, "A" * 44, "A" * 42 + "!", 12345):
        assert not is_token(bad)


# -------------------------------------------------------------------------------------- results


def test_fewer_than_three_answers_show_nothing_but_the_count() -> None:
    for count in range(MIN_RESPONDENTS):
        two = answers(*[(5, 5, 5, 5, 5)] * count, comments=("hemmelig",) * count)
        summary = summarise(two, 5, rng=random.Random(1))
        assert summary.respondents == count
        assert not summary.shown
        assert summary.statements == ()
        assert summary.comments == ()


def test_three_answers_give_means_and_distributions_per_statement() -> None:
    three = answers((5, 4, 3, 2, 1), (4, 4, 3, 2, 1), (3, 4, 3, 5, 1))
    summary = summarise(three, 5, rng=random.Random(1))
    assert summary.shown
    assert [s.mean for s in summary.statements] == [4.0, 4.0, 3.0, 3.0, 1.0]
    assert summary.statements[0].distribution == (0, 0, 1, 1, 1)
    assert summary.statements[3].distribution == (0, 2, 0, 0, 1)
    assert all(s.count == 3 for s in summary.statements)


def test_means_are_rounded_to_two_decimals() -> None:
    summary = summarise(answers((5,), (4,), (4,)), 1, rng=random.Random(1))
    assert summary.statements[0].mean == 4.33


def test_comments_are_shuffled_and_empty_ones_left_out() -> None:
    written = tuple(f"kommentar {n}" for n in range(12))
    many = answers(*[(3,)] * 13, comments=(*written, None))
    orders = {summarise(many, 1, rng=random.Random(seed)).comments for seed in range(5)}
    assert all(sorted(order) == sorted(written) for order in orders)
    assert len(orders) > 1, "the order must depend on the shuffle, not on the input"
    assert written not in orders or len(orders) > 1


# --------------------------------------------------------------------------------- chat and CSV


def test_the_meeting_chat_comes_from_the_join_url() -> None:
    url = (
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzA0YTc5MjAtZjE3Ni00@thread.v2/0"
        "?context=%7b%22Tid%22%3a%22x%22%7d"
    )
    assert meeting_chat_id(url) == "19:meeting_NzA0YTc5MjAtZjE3Ni00@thread.v2"
    encoded = url.replace("@thread", "%40thread")
    assert meeting_chat_id(encoded) == "19:meeting_NzA0YTc5MjAtZjE3Ni00@thread.v2"
    assert meeting_chat_id(None) is None
    assert meeting_chat_id("https://example.org/meeting") is None
    assert meeting_chat_id("https://teams.microsoft.com/l/meetup-join/19%3aother%40x/0") is None


def test_the_csv_quotes_what_needs_quoting() -> None:
    text = write_csv(["a", "b"], [["Alle hørt, likeverdig", 4.5], ['si "hei"', ""]])
    assert text == 'a,b\r\n"Alle hørt, likeverdig",4.5\r\n"si ""hei""",\r\n'
