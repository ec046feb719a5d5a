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
RolePhrase = tuple[tuple[str, ...], tuple[str, ...], str]
"""(the Norwegian phrases, the English phrases, the explanation's message key)."""

MEETING_PHRASES: tuple[RolePhrase, ...] = (
    (("åpne møte", "avslutt møte"), ("open meeting", "close meeting"), "help.phrase.open_close"),
)
SECRETARIAT_PHRASES: tuple[RolePhrase, ...] = (
    (("saksliste",), ("agenda",), "help.phrase.agenda"),
    *MEETING_PHRASES,
    (("start evaluering",), ("start evaluation",), "help.phrase.start_evaluation"),
    (("evaluering csv",), ("evaluation csv",), "help.phrase.evaluation_csv"),
    (("protokoll",), ("protocol",), "help.phrase.protocol"),
)
CHAIR_PHRASES: tuple[RolePhrase, ...] = (
    (("saksliste",), ("agenda",), "help.phrase.agenda"),
    *MEETING_PHRASES,
    (("konsensus",), ("consensus",), "help.phrase.consensus"),
    (("start evaluering",), ("start evaluation",), "help.phrase.start_evaluation"),
    (("protokoller til signering",), ("protocols to sign",), "help.phrase.protocols_to_sign"),
)
"""Role commands, listed only when wired (the bot registers both languages' phrases)."""

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
    phrases: frozenset[str] = frozenset()
    """The role and in-meeting phrases the bot has wired (normalised, either language)."""


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
        body.extend(_role_section(view, "help.secretariat", SECRETARIAT_PHRASES))
    if view.is_chair:
        body.extend(_role_section(view, "help.leader", CHAIR_PHRASES))
    actions = []
    if "submit_case" in view.available:
        actions.append(execute_action(t("help.button.submit_case", loc), "case.new"))
    actions.append(execute_action(t("help.cmd.language", loc).capitalize(), "settings.language"))
    return card(body, actions=actions)


def _role_section(view: HelpView, intro_key: str, phrases: Sequence[RolePhrase]) -> list[Json]:
    """The role's duties, then the phrases that start them, so nobody has to guess the words."""
    loc = view.locale
    section = [text_block(t(intro_key, loc), spacing="Medium")]
    lines = []
    for nb, en, key in phrases:
        if not all(phrase in view.phrases for phrase in (*nb, *en)):
            continue
        words = " / ".join(f"**{phrase}**" for phrase in (en if loc == "en" else nb))
        lines.append(f"- {words} – {t(key, loc)}")
    if lines:
        section.append(text_block("\n".join(lines)))
    return section


def _command_id(message_key: str) -> str:
    return message_key.removeprefix("help.cmd.")


def welcome_card(locale: str) -> Json:
    return card(
        [heading(t("welcome.title", locale)), text_block(t("welcome.body", locale))],
        actions=[execute_action(t("help.title", locale), "help.show")],
    )
