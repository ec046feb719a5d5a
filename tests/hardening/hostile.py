"""The hostile-string corpus, and the checks every card that shows such a string must pass.

Each entry is text a person (or a forged request) could put in any text input: markdown and HTML
injection, Adaptive Card fragments, 10,000 characters, invisible and bidi-override Unicode,
SQL-looking text, emoji and ZWJ sequences, NUL and control characters, unpaired surrogates (which
travel as JSON escapes: the test client's JSON encoder writes them as ``"\\ud800"``).

What "stored exactly" means is written out here, independent of the code under test:
the edge (bot/teams/adapter.py) drops NUL and turns unpaired surrogates into U+FFFD, because no
database can hold them; case form fields are then NFC-normalised, CR/LF become LF, C0 controls
other than tab and newline are removed, and the text is trimmed (single-line fields also get
single spaces). Everything else — zero-width and bidi characters, markup, quotes — is kept as
typed and only made harmless when shown.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cards.base import MAX_CARD_BYTES, plain


@dataclass(frozen=True, slots=True)
class Hostile:
    name: str
    text: str
    danger: tuple[str, ...] = ()
    """Substrings that must never appear unescaped (not right after a backslash) in shown text."""

    def __str__(self) -> str:  # pytest ids
        return self.name


LONG = ("Lang tekst med **markdown** og <b>html</b>. " * 250)[:10_000]

CORPUS: tuple[Hostile, ...] = (
    Hostile("script_tag", "<script>alert('ssu')</script>", ("<script>", "</script>")),
    Hostile("html_img", '<img src=x onerror="alert(1)"> <b>fet</b>', ("<img", "<b>")),
    Hostile(
        "markdown_js_link",
        "[Klikk her](javascript:alert(document.cookie))",
        ("[Klikk her]", "](javascript:"),
    ),
    Hostile("markdown_image", "![sporing](https://evil.example/p.png)", ("![", "](https:")),
    Hostile(
        "markdown_emphasis",
        "**fet** __fet__ *kursiv* _kursiv_ ~~streket~~ `kode`",
        ("**fet**", "__fet__", "*kursiv*", "_kursiv_", "~~streket~~", "`kode`"),
    ),
    Hostile(
        "markdown_blocks",
        "Overskrift\n===\n# H1\n- punkt\n1. nummer\n> sitat\n| a | b |",
        ("\n===", "# H1", "- punkt", "1. nummer", "> sitat", "| a"),
    ),
    Hostile(
        "html_entities",
        "&lt;b&gt;fet&lt;/b&gt; &#x202e;gnp.exe &amp; &#8203;",
        ("&lt;", "&#x202e;", "&amp;", "&#8203;"),
    ),
    Hostile(
        "card_json",
        '{"type":"Action.OpenUrl","title":"Logg inn","url":"https://evil.example"}',
        ('{"type"',),
    ),
    Hostile(
        "card_functions",
        "{{DATE(2026-11-23T10:00:00Z, SHORT)}} ${$root.secret} {{TIME(2026-11-23T10:00:00Z)}}",
        ("{{DATE", "{{TIME", "${"),
    ),
    Hostile("sql_drop", "'; DROP TABLE person; --", ("--",)),
    Hostile("sql_union", "x' OR '1'='1' UNION SELECT email FROM person; --", ("--",)),
    Hostile("long_10k", LONG, ("**markdown**", "<b>")),
    Hostile(
        "zero_width",
        "ad\u200bmin\u200c \u2060skjult\ufeff tekst\u180e og\u200dsånn",
    ),
    Hostile(
        "bidi_override",
        "faktura\u202egnp.exe \u2066isolert\u2069 \u200fRTL\u200e \u061cALM \u202aLRE\u202c",
    ),
    Hostile("emoji_zwj", "Flott møte 👍🏽 👩\u200d⚕️ 👨\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 🇳🇴"),
    Hostile(
        "nul_and_controls",
        "før\x00etter \x07bjelle \x1b[31mrød\x1b[0m \x7fslutt",
        ("\x00", "\x1b[31m"),
    ),
    Hostile("lone_surrogates", "halv \ud83d og \udc00 alene"),
    Hostile("unicode_digits", "²³ ١٢ ① ５"),
    Hostile("newlines", "linje 1\r\nlinje 2\r\rlinje 3\n\n\n   innrykket"),
    Hostile("backslashes", "\\*ikke fet\\* C:\\Users\\\\ \\n \\u0000", ("\\*ikke",)),
    Hostile("combining", "Z\u0334\u0321\u031ba\u0337l\u0338g\u0335o å a\u030a"),
)
BY_NAME = {entry.name: entry for entry in CORPUS}

INVISIBLE = re.compile(
    "[\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\x00]"
)
"""Bidi controls and zero-width characters: never in shown text (ZWJ is checked separately)."""
_EMOJI = "\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
LOOSE_ZWJ = re.compile(f"(?<![{_EMOJI}\ufe0f])\u200d|\u200d(?![{_EMOJI}])")
"""A zero-width joiner that does not join two emoji."""
_C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
    r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b|<class '|sqlalchemy|asyncpg|aiosqlite"
)
"""What a leaked stack trace or exception looks like in a reply."""


def at_edge(text: str) -> str:
    """What the HTTP edge makes of a string: NUL dropped, unpaired surrogates → U+FFFD."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def case_field(text: str, *, multiline: bool) -> str:
    """A case form field as stored (bot/domain/cases.py, documented in the module docstring)."""
    value = unicodedata.normalize("NFC", at_edge(text)).replace("\r\n", "\n").replace("\r", "\n")
    value = _C0.sub("", value)
    if not multiline:
        return _SPACES.sub(" ", value).strip()
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def trimmed(text: str) -> str:
    """A free-text field stored as typed, only trimmed (evaluation comment, meeting place)."""
    return at_edge(text).strip()


# ------------------------------------------------------------------------------------- cards


_SHOWN_KEYS = ("text", "title", "value", "label", "placeholder", "errorMessage", "altText")
_NOT_SHOWN_TYPES = frozenset({"Input.Text", "Input.Number", "Input.Date", "Input.Time"})


def shown_texts(node: Any, *, parent_type: str = "") -> Iterator[str]:
    """Every string a client renders from a card: TextBlock text, facts, labels, titles, choice
    titles. An input's ``value`` is what the person typed, shown back in an editable box (never as
    markdown), and an action's ``data``/``verb`` are not shown at all: both are left out."""
    if isinstance(node, list):
        for item in node:
            yield from shown_texts(item, parent_type=parent_type)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type") if isinstance(node.get("type"), str) else parent_type
    for key in _SHOWN_KEYS:
        value = node.get(key)
        if not isinstance(value, str):
            continue
        if key == "value" and (kind in _NOT_SHOWN_TYPES or kind.startswith("Input.")):
            continue
        yield value
    for key, value in node.items():
        if key in {"data", "verb", "refresh"} and kind.startswith("Action"):
            continue
        if key == "refresh":
            continue
        if isinstance(value, dict | list):
            yield from shown_texts(value, parent_type=kind)


def unescaped(text: str, danger: str) -> bool:
    """Whether ``danger`` occurs in ``text`` without a backslash right before it."""
    return re.search(r"(?<!\\)" + re.escape(danger), text) is not None


def card_problems(document: Any, hostile: Hostile | None = None) -> list[str]:
    """Why a card is broken or shows a hostile string unsafely; empty when it is fine."""
    problems: list[str] = []
    if not isinstance(document, dict) or document.get("type") != "AdaptiveCard":
        return [f"not an Adaptive Card: {str(document)[:200]}"]
    encoded = json.dumps(document, ensure_ascii=False)
    size = len(encoded.encode("utf-8", "surrogatepass"))
    if size > MAX_CARD_BYTES:
        problems.append(f"card is {size} bytes, over {MAX_CARD_BYTES}")
    if json.loads(encoded) != document:
        problems.append("card does not survive a JSON round trip")
    if _SURROGATE.search(encoded):
        problems.append("card carries an unpaired surrogate")
    for text in shown_texts(document):
        if INVISIBLE.search(text):
            problems.append(f"invisible/bidi character shown: {text[:80]!r}")
        if LOOSE_ZWJ.search(text):
            problems.append(f"zero-width joiner outside an emoji shown: {text[:80]!r}")
        for danger in hostile.danger if hostile else ():
            if unescaped(text, danger):
                problems.append(f"{danger!r} shown unescaped in {text[:120]!r}")
    return problems


def shows(document: Any, stored: str, *, chars: int = 40) -> bool:
    """Whether the card shows (the start of) ``stored`` the way plain() escapes it."""
    single = _SPACES.sub(" ", stored).strip()
    wanted = [plain(v, limit=len(v) + 1)[:chars].rstrip("\\") for v in (stored, single)]
    texts = list(shown_texts(document))
    return any(w and w in text for w in wanted for text in texts)


def no_traceback(payload: Any, *, sent: Any = None) -> list[str]:
    """Traceback-looking text in a reply that the request did not itself contain."""
    encoded = json.dumps(payload, ensure_ascii=False, default=str)
    echoed = json.dumps(sent, ensure_ascii=False, default=str) if sent is not None else ""
    return [m.group() for m in TRACEBACK.finditer(encoded) if m.group() not in echoed]


# ---------------------------------------------------------------------------------- messages


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile("(?s)" + "(.*?)".join(re.escape(part) for part in parts))


def _catalogue_patterns() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    from bot.i18n import CATALOGUES

    def literal(template: str) -> int:
        return len(re.sub(r"\{[^{}]*\}", "", template).strip())

    return {
        language: [
            (key, _pattern(template))
            for key, template in sorted(catalogue.items(), key=lambda kv: -literal(kv[1]))
            if literal(template) >= 10
        ]
        for language, catalogue in CATALOGUES.items()
    }


_PATTERNS = _catalogue_patterns()


def unescape(text: str) -> str:
    """Undo plain()'s backslash escapes."""
    return re.sub(r"\\(.)", r"\1", text)


def message_key(text: str, language: str | None = None) -> str | None:
    """The catalogue key a bot text starts with (in ``language``, else in any), or None."""
    plain_text = unescape(text).strip()
    for lang, patterns in _PATTERNS.items():
        if language is not None and lang != language:
            continue
        for key, pattern in patterns:
            if pattern.match(plain_text):
                return key
    return None


def banner_texts(document: Any) -> list[str]:
    """The texts of a card's error banners (``Container`` with style ``attention``) and of its
    red text blocks (field errors)."""
    found: list[str] = []

    def walk(node: Any, in_banner: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, in_banner)
        elif isinstance(node, dict):
            banner = in_banner or (
                node.get("type") == "Container" and node.get("style") == "attention"
            )
            if node.get("type") == "TextBlock" and (banner or node.get("color") == "Attention"):
                found.append(str(node.get("text", "")))
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value, banner)

    walk(document, False)
    return found
