"""The reminder card: what is due, by when, for which meeting, and a button to act on it.

Why one card for every kind: a reminder is read in the activity feed, often on a phone, and must
be useful on its own — the heading says what it is about, one sentence says what to do by when,
the facts give the meeting's time and place, and the button (or, where no card action exists, the
chat command to type) lets the person act without looking anything up. The footer says whether
"påminnelser av" would stop it, so nobody has to guess why a reminder still came.

Every button is a verb the app answers with the card of the work itself, pressed from the
personal chat where the reminder arrives: ``case.new`` (the case form, cards/cases.py), the
CONTRACT verbs ``meeting.absence`` and ``protocol.sign``, ``notice.preview`` (the notice as it
would be published now, with the publish button and the way back to the agenda),
``protocol.draft`` (the meeting's protocol draft, made on first use) and ``evaluation.poll`` (the
person's own poll while they may still answer it). The budget reminder has no button: the goals and
budget are prepared outside the bot, and the card says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from bot.domain.calendar import to_oslo
from bot.domain.reminders import ReminderKind
from bot.i18n import t
from bot.services.meetings import MeetingView
from bot.services.reminders import ReminderView
from cards.base import Json, card, execute_action, fact_set, heading, plain, text_block
from cards.cases import VERB_NEW
from cards.meetings import format_date, format_when
from cards.notice import VERB_PREVIEW as VERB_NOTICE
from cards.protocol import VERB_DRAFT as VERB_PROTOCOL

__all__ = [
    "VERB_ABSENCE",
    "VERB_NOTICE",
    "VERB_POLL",
    "VERB_PROTOCOL",
    "VERB_SIGN",
    "meeting_name",
    "reminder_card",
]

VERB_ABSENCE: Final = "meeting.absence"
"""CONTRACT: report absence from the meeting in ``data.meeting_id`` (the deputy is called in)."""
VERB_SIGN: Final = "protocol.sign"
"""CONTRACT: sign the protocol ``data.protocol_id`` at ``data.version`` (SHA-256 of its text)."""
VERB_POLL: Final = "evaluation.poll"
"""The person's own poll of the evaluation ``data.evaluation_id`` (bot/teams/evaluation.py)."""

_HINTS: Final = frozenset(
    {
        ReminderKind.CASE_SUBMISSION,
        ReminderKind.NOTICE,
        ReminderKind.MEETING,
        ReminderKind.EVALUATION,
        ReminderKind.BUDGET,
    }
)
"""Kinds with a line that helps (``reminder.hint.<kind>``): the chat command, or for the budget
why there is no button."""


def meeting_name(meeting: MeetingView, locale: str) -> str:
    """``SSU-møte torsdag 19. november 2026`` / ``SSU meeting Thursday 19 November 2026``, with
    the health region of a dialogue meeting."""
    name = t(f"meeting.body.{meeting.body.value}", locale)
    if meeting.region:
        name = f"{name} {meeting.region}"
    return t(
        "meeting.fmt.heading", locale, name=name, date=format_date(meeting.start.date(), locale)
    )


def _deadline(moment: datetime, locale: str) -> str:
    local = to_oslo(moment)
    return t(
        "meeting.fmt.deadline",
        locale,
        date=format_date(local.date(), locale),
        time=f"{local:%H:%M}",
    )


def _action(view: ReminderView, locale: str) -> Json | None:
    meeting_id: Mapping[str, Any] = {} if view.meeting is None else {"meeting_id": view.meeting.id}
    if view.kind is ReminderKind.CASE_SUBMISSION:
        return execute_action(t("reminder.action.case_new", locale), VERB_NEW, style="positive")
    if view.kind is ReminderKind.MEETING and meeting_id:
        return execute_action(t("reminder.action.absence", locale), VERB_ABSENCE, meeting_id)
    if view.kind is ReminderKind.NOTICE and meeting_id:
        return execute_action(
            t("reminder.action.notice", locale), VERB_NOTICE, meeting_id, style="positive"
        )
    if view.kind is ReminderKind.PROTOCOL and meeting_id:
        return execute_action(
            t("reminder.action.protocol", locale), VERB_PROTOCOL, meeting_id, style="positive"
        )
    if view.kind is ReminderKind.EVALUATION and view.evaluation_id is not None:
        return execute_action(
            t("reminder.action.evaluation", locale),
            VERB_POLL,
            {"evaluation_id": view.evaluation_id},
            style="positive",
        )
    if view.kind is ReminderKind.SIGNATURE and view.protocol_id is not None and view.version:
        return execute_action(
            t("reminder.action.sign", locale),
            VERB_SIGN,
            {"protocol_id": view.protocol_id, "version": view.version},
            style="positive",
        )
    return None


def reminder_card(locale: str, view: ReminderView) -> Json:
    """The reminder as sent to one person in ``locale`` (``view.mandatory`` is theirs)."""
    kind = view.kind.value
    what = (
        meeting_name(view.meeting, locale)
        if view.meeting is not None
        else t(f"reminder.kind.{kind}", locale)
    )
    deadline = "" if view.deadline is None else _deadline(view.deadline, locale)
    body: list[Json] = [
        heading(t(f"reminder.title.{kind}", locale)),
        text_block(t(f"reminder.body.{kind}", locale, meeting=plain(what), deadline=deadline)),
    ]
    facts: list[tuple[str, str]] = []
    if view.meeting is not None:
        when, clock = format_when(view.meeting.start, view.meeting.end, locale)
        facts.append((t("meeting.label.time", locale), f"{when}, {clock}"))
        place = view.meeting.location or (
            t("reminder.label.teams", locale) if view.meeting.online else None
        )
        if place:
            facts.append((t("meeting.label.place", locale), plain(place)))
    if view.deadline is not None and view.kind is not ReminderKind.MEETING:
        facts.append((t("reminder.label.deadline", locale), deadline))
    if facts:
        body.append(fact_set(facts))
    if view.kind in _HINTS:
        body.append(text_block(t(f"reminder.hint.{kind}", locale), spacing="Medium"))
    footer = "reminder.footer.mandatory" if view.mandatory else "reminder.footer.optional"
    body.append(text_block(t(footer, locale), is_subtle=True, size="Small", spacing="Medium"))
    action = _action(view, locale)
    return card(body, actions=[action] if action is not None else [])
