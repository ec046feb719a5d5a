"""The help card: what this person may do in their role, and the welcome card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import t
from cards.base import Json, card, execute_action, heading, plain, text_block

COMMANDS_NB = (
    ("hjelp", "help.cmd.help"),
    ("meld inn sak", "help.cmd.submit_case"),
    ("mine saker", "help.cmd.my_cases"),
    ("neste møte", "help.cmd.next_meeting"),
    ("møteplan", "help.cmd.meeting_plan"),
    ("kan ikke stille", "help.cmd.cannot_attend"),
    ("påminnelser av", "help.cmd.reminders_off"),
    ("påminnelser på", "help.cmd.reminders_on"),
    ("språk", "help.cmd.language"),
)
COMMANDS_EN = (
    ("help", "help.cmd.help"),
    ("submit case", "help.cmd.submit_case"),
    ("my cases", "help.cmd.my_cases"),
    ("next meeting", "help.cmd.next_meeting"),
    ("meeting plan", "help.cmd.meeting_plan"),
    ("cannot attend", "help.cmd.cannot_attend"),
    ("reminders off", "help.cmd.reminders_off"),
    ("reminders on", "help.cmd.reminders_on"),
    ("language", "help.cmd.language"),
)
KNOWN_ONLY = frozenset(
    {
        "help.cmd.my_cases",
        "help.cmd.next_meeting",
        "help.cmd.meeting_plan",
        "help.cmd.reminders_off",
        "help.cmd.reminders_on",
    }
)


@dataclass(frozen=True, slots=True)
class HelpView:
    locale: str
    name: str
    known: bool
    role_labels: Sequence[str]
    is_member: bool
    is_secretariat: bool
    is_chair: bool
    available: frozenset[str] = frozenset()
    """Command ids (see bot.teams.commands.Command) the bot has wired; others are not listed."""


def help_card(view: HelpView) -> Json:
    loc = view.locale
    commands = COMMANDS_EN if loc == "en" else COMMANDS_NB
    if view.known:
        roles = t("roles.joiner", loc).join(view.role_labels) or "–"
        greeting = t("help.greeting", loc, name=plain(view.name), roles=roles)
    else:
        greeting = t("help.greeting_unknown", loc)
    lines = []
    for command, key in commands:
        if _command_id(key) not in view.available:
            continue
        if not view.known and key in KNOWN_ONLY:
            continue
        if key == "help.cmd.cannot_attend" and not view.is_member:
            continue
        lines.append(f"- **{command}** – {t(key, loc)}")
    body = [
        heading(t("help.title", loc)),
        text_block(greeting),
        text_block(t("help.commands", loc), weight="Bolder", spacing="Medium"),
        text_block("\n".join(lines)),
    ]
    if view.is_secretariat:
        body.append(text_block(t("help.secretariat", loc), spacing="Medium"))
    if view.is_chair:
        body.append(text_block(t("help.leader", loc), spacing="Medium"))
    actions = []
    if "submit_case" in view.available:
        actions.append(execute_action(t("help.button.submit_case", loc), "case.new"))
    actions.append(execute_action(t("help.cmd.language", loc).capitalize(), "settings.language"))
    return card(body, actions=actions)


def _command_id(message_key: str) -> str:
    return message_key.removeprefix("help.cmd.")


def welcome_card(locale: str) -> Json:
    return card(
        [heading(t("welcome.title", locale)), text_block(t("welcome.body", locale))],
        actions=[execute_action(t("help.title", locale), "help.show")],
    )
