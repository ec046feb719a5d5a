"""Chat commands (CONTRACT.md): Norwegian and English phrases, case-insensitive."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    SUBMIT_CASE = "submit_case"
    MY_CASES = "my_cases"
    NEXT_MEETING = "next_meeting"
    MEETING_PLAN = "meeting_plan"
    CANNOT_ATTEND = "cannot_attend"
    REMINDERS_OFF = "reminders_off"
    REMINDERS_ON = "reminders_on"
    LANGUAGE = "language"


PHRASES: dict[str, Command] = {
    "hjelp": Command.HELP,
    "help": Command.HELP,
    "meld inn sak": Command.SUBMIT_CASE,
    "submit case": Command.SUBMIT_CASE,
    "mine saker": Command.MY_CASES,
    "my cases": Command.MY_CASES,
    "neste møte": Command.NEXT_MEETING,
    "next meeting": Command.NEXT_MEETING,
    "møteplan": Command.MEETING_PLAN,
    "meeting plan": Command.MEETING_PLAN,
    "kan ikke stille": Command.CANNOT_ATTEND,
    "cannot attend": Command.CANNOT_ATTEND,
    "påminnelser av": Command.REMINDERS_OFF,
    "reminders off": Command.REMINDERS_OFF,
    "påminnelser på": Command.REMINDERS_ON,
    "reminders on": Command.REMINDERS_ON,
    "språk": Command.LANGUAGE,
    "language": Command.LANGUAGE,
}
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, NFC, no mentions, single spaces, no trailing punctuation."""
    text = _MENTION.sub(" ", text)
    text = unicodedata.normalize("NFC", text).casefold()
    text = _SPACES.sub(" ", text).strip()
    return text.rstrip(".!?").strip()


def parse_command(text: str | None) -> Command | None:
    if not text:
        return None
    return PHRASES.get(normalise(text))
