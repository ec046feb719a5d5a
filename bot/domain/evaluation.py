"""Self-evaluation after each SSU meeting: the questions, reading an answer, and the results.

Why it exists: SSU decided (sak 13.25, 22 May 2025) to evaluate itself in connection with every
meeting, on the themes of the 2025 strategy gathering — shared understanding of goals and
direction, every perspective heard (equal partnership), time for input, reflection and dialogue,
psychological safety, and decisions for the citizen's best — plus the open question asked in that
meeting: «Hva er det du ønsker å kjenne på etter SSU-møtet i dag?».

Pure rules, no I/O. The question set is data, configurable per year, and a copy of it is stored
with each evaluation, so old results keep the questions they were answered against.

Anonymity rules that live here because they are rules, not storage details:

- results are shown only when at least :data:`MIN_RESPONDENTS` answered (with two, each of them
  could work out the other's answer from the mean);
- comments are shuffled before they are shown, so their order says nothing about who wrote when;
- the token that lets a person change their answer is only ever stored as its SHA-256 hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit

__all__ = [
    "DEFAULT_QUESTIONS",
    "EVALUATED_BODIES",
    "MAX_COMMENT_CHARS",
    "MIN_RESPONDENTS",
    "SCALE",
    "VOICE_ROLES",
    "Answer",
    "AnswerProblem",
    "QuestionSet",
    "StatementResult",
    "Summary",
    "TrendPoint",
    "is_token",
    "meeting_chat_id",
    "parse_answer",
    "summarise",
    "token_hash",
    "validate_question_set",
    "write_csv",
]

SCALE: Final = (1, 2, 3, 4, 5)
"""1 = strongly disagree … 5 = strongly agree."""
MIN_RESPONDENTS: Final = 3
"""Fewer answers than this and nothing is shown: not the means, not the spread, not comments."""
MAX_COMMENT_CHARS: Final = 500
MAX_STATEMENTS: Final = 10
MAX_STATEMENT_CHARS: Final = 300
MAX_SHORT_CHARS: Final = 40
EVALUATED_BODIES: Final = frozenset({"SSU", "STRATEGY"})
"""SSU evaluates its own meetings: the administrative meetings and the strategy gathering."""
VOICE_ROLES: Final = frozenset({"leader", "deputy_leader", "member", "personal_deputy"})
"""SSU seats whose holders answer when present (observers and the secretariat do not)."""
TOKEN_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")
"""``secrets.token_urlsafe(32)``: 256 random bits, URL-safe base64 without padding."""


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """The statements (rated 1–5) and the open question, in Norwegian and English.

    ``short_*`` are the one- or two-word names used in the chart legend and the CSV export.
    """

    statements_nb: tuple[str, ...]
    statements_en: tuple[str, ...]
    short_nb: tuple[str, ...]
    short_en: tuple[str, ...]
    open_nb: str
    open_en: str

    @property
    def count(self) -> int:
        return len(self.statements_nb)

    def statements(self, locale: str) -> tuple[str, ...]:
        return self.statements_en if locale == "en" else self.statements_nb

    def short(self, locale: str) -> tuple[str, ...]:
        return self.short_en if locale == "en" else self.short_nb

    def open_question(self, locale: str) -> str:
        return self.open_en if locale == "en" else self.open_nb

    def to_json(self) -> dict[str, Any]:
        return {
            "statements": {"nb": list(self.statements_nb), "en": list(self.statements_en)},
            "short": {"nb": list(self.short_nb), "en": list(self.short_en)},
            "open": {"nb": self.open_nb, "en": self.open_en},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuestionSet:
        statements, short, open_question = data["statements"], data["short"], data["open"]
        return cls(
            statements_nb=tuple(str(s) for s in statements["nb"]),
            statements_en=tuple(str(s) for s in statements["en"]),
            short_nb=tuple(str(s) for s in short["nb"]),
            short_en=tuple(str(s) for s in short["en"]),
            open_nb=str(open_question["nb"]),
            open_en=str(open_question["en"]),
        )


DEFAULT_QUESTIONS: Final = QuestionSet(
    statements_nb=(
        "I dagens møte hadde vi en felles forståelse av mål og retning.",
        "Alle perspektiver ble hørt, og vi møttes som likeverdige partnere.",
        "Det var nok tid til innspill, refleksjon og dialog.",
        "Det var trygt å si det jeg mente (psykologisk trygghet).",
        "Beslutningene vi tok, var til innbygger sitt beste.",
    ),
    statements_en=(
        "In today's meeting we shared an understanding of goals and direction.",
        "Every perspective was heard, and we met as equal partners.",
        "There was enough time for input, reflection and dialogue.",
        "It was safe to say what I think (psychological safety).",
        "The decisions we made were for the citizen's best.",
    ),
    short_nb=("Felles retning", "Alle hørt", "Tid til dialog", "Trygghet", "Innbyggers beste"),
    short_en=("Shared direction", "All heard", "Time for dialogue", "Safety", "Citizen's best"),
    open_nb="Hva er det du ønsker å kjenne på etter SSU-møtet i dag?",
    open_en="What do you want to be left feeling after today's SSU meeting?",
)


def validate_question_set(questions: QuestionSet) -> list[str]:
    """Problem codes for a configured set; empty when it can be used."""
    problems: list[str] = []
    count = questions.count
    if not 1 <= count <= MAX_STATEMENTS:
        problems.append("statement_count")
    lists = (questions.statements_en, questions.short_nb, questions.short_en)
    if any(len(other) != count for other in lists):
        problems.append("languages_differ")
    texts = (*questions.statements_nb, *questions.statements_en)
    if any(not s.strip() or len(s) > MAX_STATEMENT_CHARS for s in texts):
        problems.append("statement_text")
    if any(
        not s.strip() or len(s) > MAX_SHORT_CHARS
        for s in (*questions.short_nb, *questions.short_en)
    ):
        problems.append("short_text")
    opens = (questions.open_nb, questions.open_en)
    if any(not s.strip() or len(s) > MAX_STATEMENT_CHARS for s in opens):
        problems.append("open_text")
    return problems


# --------------------------------------------------------------------------------------------------
# One answer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """What one person answered: a rating per statement and an optional comment."""

    ratings: tuple[int, ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """Why an input was not accepted; ``field`` is the input id (``q1`` … ``qN``, ``comment``)."""

    field: str
    code: str


def rating_id(index: int) -> str:
    """The input id of statement ``index`` (0-based): ``q1`` … ``qN`` as CONTRACT.md names them."""
    return f"q{index + 1}"


def parse_answer(
    values: Mapping[str, Any], count: int
) -> tuple[Answer | None, tuple[AnswerProblem, ...]]:
    """Read ``q1`` … ``qN`` ("1"–"5", all required) and ``comment`` (optional) from card input.

    Every statement must be rated: a statement rated by fewer people than answered could fall
    under the fewer-than-3 rule on its own, and a missing rating is more often a slip than a wish.
    """
    problems: list[AnswerProblem] = []
    ratings: list[int] = []
    for index in range(count):
        key = rating_id(index)
        raw = values.get(key)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            problems.append(AnswerProblem(key, "rating_missing"))
        elif text not in {str(v) for v in SCALE}:
            problems.append(AnswerProblem(key, "rating_invalid"))
        else:
            ratings.append(int(text))
    raw_comment = values.get("comment")
    comment = raw_comment.strip() if isinstance(raw_comment, str) else ""
    if len(comment) > MAX_COMMENT_CHARS:
        problems.append(AnswerProblem("comment", "comment_too_long"))
    if problems:
        return None, tuple(problems)
    return Answer(tuple(ratings), comment or None), ()


def token_hash(token: str) -> str:
    """What is stored of a person's change token. A plain SHA-256 suffices: the token has 256
    random bits, so there is nothing to guess, and no salt or slow hash would add anything."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_token(value: object) -> bool:
    return isinstance(value, str) and TOKEN_PATTERN.fullmatch(value) is not None


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementResult:
    """One statement: the mean and how many gave each value 1…5."""

    index: int
    mean: float
    distribution: tuple[int, ...]

    @property
    def count(self) -> int:
        return sum(self.distribution)


@dataclass(frozen=True, slots=True)
class Summary:
    """The results of one evaluation. ``shown`` False: fewer than three answered, and then
    ``statements`` and ``comments`` are empty — nothing else may leave this function."""

    respondents: int
    statements: tuple[StatementResult, ...] = ()
    comments: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_RESPONDENTS


def summarise(answers: Sequence[Answer], count: int, *, rng: random.Random) -> Summary:
    """Means and distributions per statement and the comments in random order — or, with fewer
    than :data:`MIN_RESPONDENTS` answers, only how many answered."""
    if len(answers) < MIN_RESPONDENTS:
        return Summary(respondents=len(answers))
    statements = []
    for index in range(count):
        values = [a.ratings[index] for a in answers if index < len(a.ratings)]
        distribution = tuple(values.count(v) for v in SCALE)
        mean = round(sum(values) / len(values), 2) if values else 0.0
        statements.append(StatementResult(index, mean, distribution))
    comments = [a.comment for a in answers if a.comment]
    rng.shuffle(comments)
    return Summary(len(answers), tuple(statements), tuple(comments))


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One evaluated meeting on the trend chart: its date label and the mean per statement."""

    label: str
    means: tuple[float, ...]


# --------------------------------------------------------------------------------------------------
# Helpers for the transport: the meeting chat and the CSV
# --------------------------------------------------------------------------------------------------

_MEETING_THREAD = re.compile(r"^19:meeting_[A-Za-z0-9_=-]+@thread\.v2$")


def meeting_chat_id(join_url: str | None) -> str | None:
    """The Teams conversation id of a meeting's chat, from its join URL.

    ``https://teams.microsoft.com/l/meetup-join/19%3ameeting_XYZ%40thread.v2/0?context=…`` holds
    the chat thread id ``19:meeting_XYZ@thread.v2``: the conversation a bot installed in that
    meeting posts to. None when the URL has no such thread.
    """
    if not join_url:
        return None
    for segment in urlsplit(join_url).path.split("/"):
        candidate = unquote(segment)
        if _MEETING_THREAD.fullmatch(candidate):
            return candidate
    return None


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """RFC 4180 CSV (comma, CRLF, quotes where needed) with numbers as Python writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
