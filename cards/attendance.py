"""Attendance cards: the live attendance and quorum card of a meeting, the absence confirmation,
the messages to a deputy called in and to the secretariat, and the open/close meeting cards.

Data in, card JSON out. Names are untrusted (they come from the roster file) and go through
:func:`cards.base.plain` wherever they are rendered as markdown; choice titles are not markdown
and are left as they are.

Why the attendance card carries ``refresh`` with ``userIds``: it is posted once in the meeting
chat, but each person must see their own buttons (check in; the secretariat's corrections) and
everyone the current quorum. Teams asks the bot for a fresh card (``attendance.refresh``) for each
listed user when they look at it — at most 60 users, so the list is capped by priority.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from bot.domain.calendar import to_oslo
from bot.i18n import t
from bot.services.attendance import (
    KIND_DEPUTY,
    KIND_DEPUTY_ABSENT,
    AbsenceNotice,
    AbsenceReported,
    AttendanceView,
    MeetingClosed,
    Participant,
    Reason,
    Refused,
    Viewer,
    participants_for_refresh,
)
from bot.services.meetings import CalendarInfo, MeetingView
from cards.base import (
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
from cards.meetings import format_when, meeting_heading
from storage.attendance_tables import AttendanceStatus

__all__ = [
    "MAX_REFRESH_USERS",
    "VERB_ABSENCE",
    "VERB_CHECK_IN",
    "VERB_CLOSE",
    "VERB_OPEN",
    "VERB_REFRESH",
    "VERB_SET",
    "absence_reported_card",
    "attendance_card",
    "close_confirm_card",
    "closed_card",
    "open_candidates_card",
    "refused_card",
    "render_absence_notice",
]

VERB_CHECK_IN: Final = "attendance.check_in"
VERB_SET: Final = "attendance.set"
VERB_REFRESH: Final = "attendance.refresh"
VERB_ABSENCE: Final = "meeting.absence"
VERB_OPEN: Final = "meeting.open"
VERB_CLOSE: Final = "meeting.close"
CONFIRM: Final = "yes"
"""``data.confirm`` of the close button; without it ``meeting.close`` asks first."""
MAX_REFRESH_USERS: Final = 60
_SAFE_URL = re.compile(r"^https://[^\s()\[\]<>\"'`]+$")


def _at(moment: datetime, locale: str) -> str:
    local = to_oslo(moment)
    return t("attendance.at", locale, time=f"{local:%H:%M}")


def _status(participant: Participant, locale: str) -> str:
    status = participant.status.value if participant.status is not None else "none"
    return t(f"attendance.status.{status}", locale)


def _place(meeting: MeetingView, info: CalendarInfo | None, locale: str) -> str:
    parts: list[str] = []
    if meeting.location:
        parts.append(plain(meeting.location))
    if meeting.online:
        if info is not None and info.join_url and _SAFE_URL.match(info.join_url):
            parts.append(f"[{t('meeting.place.teams_link', locale)}]({info.join_url})")
        else:
            parts.append(t("meeting.place.teams", locale))
    return " · ".join(parts) or t("meeting.place.none", locale)


def _meeting_facts(meeting: MeetingView, info: CalendarInfo | None, locale: str) -> Json:
    when, clock = format_when(meeting.start, meeting.end, locale)
    return fact_set(
        [
            (t("meeting.label.date", locale), when),
            (t("meeting.label.time", locale), clock),
            (t("meeting.label.place", locale), _place(meeting, info, locale)),
            (t("meeting.label.form", locale), t(f"meeting.form.{meeting.form.value}", locale)),
        ]
    )


# --------------------------------------------------------------------------------------------------
# The attendance card
# --------------------------------------------------------------------------------------------------


def _quorum_block(view: AttendanceView, locale: str) -> Json:
    result = view.quorum
    if result is None:
        return text_block(t("attendance.quorum.na", locale), is_subtle=True)
    items: list[Json] = [
        text_block(
            t(f"attendance.quorum.{'yes' if result.reached else 'no'}", locale),
            weight="Bolder",
            size="Medium",
            color="Good" if result.reached else "Attention",
        ),
        text_block(
            t(
                "attendance.quorum.count",
                locale,
                present=result.present,
                total=result.total,
                required=result.required,
            ),
            spacing="None",
        ),
    ]
    if not result.notice_complete:
        items.append(
            text_block(
                t("attendance.quorum.notice", locale, count=len(result.missing_notice)),
                color="Attention",
                size="Small",
            )
        )
    return {
        "type": "Container",
        "style": "good" if result.reached else "attention",
        "items": items,
    }


def _member_lines(view: AttendanceView, locale: str) -> list[str]:
    lines = []
    for sitting in sorted(
        view.sittings,
        key=lambda s: (_name(view, s.seat.member_id), s.seat.member_id),
    ):
        member = view.person(sitting.seat.member_id)
        if member is None:
            continue
        role = t(f"role.{member.role}", locale) if member.role != "member" else ""
        name = f"**{plain(member.name)}**" + (f" ({role})" if role else "")
        if sitting.by_deputy:
            deputy = view.person(sitting.person_id)
            lines.append(
                "- "
                + t(
                    "attendance.line.by_deputy",
                    locale,
                    name=name,
                    deputy=plain(deputy.name if deputy else ""),
                )
            )
        else:
            lines.append(
                "- " + t("attendance.line", locale, name=name, status=_status(member, locale))
            )
    return lines


def _name(view: AttendanceView, person_id: int) -> str:
    person = view.person(person_id)
    return person.name if person is not None else ""


def _section(title: str, lines: Sequence[str]) -> list[Json]:
    if not lines:
        return []
    return [
        text_block(title, weight="Bolder", spacing="Medium"),
        text_block("\n".join(lines), spacing="Small"),
    ]


def _correction_form(view: AttendanceView, locale: str) -> list[Json]:
    people: list[tuple[str, str]] = []
    for group in (view.members, view.deputies, view.observers, view.guests):
        for p in group:
            label = p.name
            if p.deputy_for_person_id is not None:
                label = t(
                    "attendance.choice.deputy",
                    locale,
                    name=p.name,
                    member=_name(view, p.deputy_for_person_id),
                )
            people.append((str(p.person_id), label))
    return [
        text_block(t("attendance.correct.title", locale), weight="Bolder", spacing="Medium"),
        choice_set(
            "person_id",
            t("attendance.correct.person", locale),
            people,
            required=True,
            error_message=t("attendance.correct.person_missing", locale),
        ),
        choice_set(
            "status",
            t("attendance.correct.status", locale),
            [
                (AttendanceStatus.PRESENT.value, t("attendance.status.present", locale)),
                (AttendanceStatus.ABSENT.value, t("attendance.status.absent", locale)),
            ],
            value=AttendanceStatus.PRESENT.value,
            required=True,
            error_message=t("attendance.correct.status_missing", locale),
        ),
        {
            "type": "ActionSet",
            "actions": [
                execute_action(
                    t("attendance.correct.save", locale),
                    VERB_SET,
                    {"meeting_id": view.meeting.id},
                    associated_inputs="auto",
                )
            ],
        },
    ]


def attendance_card(
    locale: str,
    view: AttendanceView,
    viewer: Viewer,
    *,
    banner: str | None = None,
    banner_good: bool = True,
) -> Json:
    """Present, absent and deputies (and whom they replace), the live quorum, and the viewer's
    own buttons: check in, the secretariat's correction form, close the meeting."""
    meeting = view.meeting
    body: list[Json] = [
        heading(t("attendance.title", locale)),
        text_block(meeting_heading(meeting, locale), weight="Bolder", spacing="None"),
    ]
    context = view.context
    if context is not None and context.ended_at is not None:
        body.append(text_block(t("attendance.ended", locale, at=_at(context.ended_at, locale))))
    elif context is not None and context.started_at is not None:
        body.append(text_block(t("attendance.started", locale, at=_at(context.started_at, locale))))
    else:
        body.append(text_block(t("attendance.not_started", locale), is_subtle=True))
    if banner:
        body.append(
            text_block(banner, color="Good" if banner_good else "Attention", weight="Bolder")
        )
    body.append(_quorum_block(view, locale))
    body += _section(t("attendance.section.members", locale), _member_lines(view, locale))
    deputies = [
        "- "
        + t(
            "attendance.line.deputy",
            locale,
            name=f"**{plain(d.name)}**",
            member=plain(_name(view, d.deputy_for_person_id or 0)),
            status=_status(d, locale),
        )
        for d in view.deputies
        if d.status is not None
    ]
    body += _section(t("attendance.section.deputies", locale), deputies)
    observers = [
        "- " + t("attendance.line", locale, name=plain(o.name), status=_status(o, locale))
        for o in view.observers
    ]
    body += _section(t("attendance.section.observers", locale), observers)
    guests = [
        "- " + t("attendance.line", locale, name=plain(g.name), status=_status(g, locale))
        for g in view.guests
    ]
    body += _section(t("attendance.section.guests", locale), guests)
    if viewer.checked_in:
        body.append(
            text_block(t("attendance.me.checked_in", locale), color="Good", spacing="Medium")
        )
    if viewer.can_correct:
        body += _correction_form(view, locale)
    actions: list[Json] = []
    if viewer.can_check_in and not viewer.checked_in:
        actions.append(
            execute_action(
                t("attendance.action.check_in", locale),
                VERB_CHECK_IN,
                {"meeting_id": meeting.id},
                style="positive",
            )
        )
    actions.append(
        execute_action(
            t("attendance.action.refresh", locale), VERB_REFRESH, {"meeting_id": meeting.id}
        )
    )
    if viewer.can_close:
        actions.append(
            execute_action(
                t("attendance.action.close", locale),
                VERB_CLOSE,
                {"meeting_id": meeting.id},
                style="destructive",
            )
        )
    return card(body, actions=actions, refresh=_refresh(view))


def _refresh(view: AttendanceView) -> Json:
    return {
        "action": {
            "type": "Action.Execute",
            "verb": VERB_REFRESH,
            "data": {"meeting_id": view.meeting.id},
        },
        "userIds": participants_for_refresh(view, MAX_REFRESH_USERS),
    }


def closed_card(locale: str, closed: MeetingClosed, viewer: Viewer) -> Json:
    """After ``avslutt møte``: the final attendance with whether the meeting is now held."""
    if not closed.first:
        banner = t("attendance.closed.already", locale)
    elif closed.held:
        banner = t("attendance.closed.held", locale)
    else:
        banner = t("attendance.closed.not_held", locale)
    return attendance_card(locale, closed.view, viewer, banner=banner, banner_good=closed.held)


# --------------------------------------------------------------------------------------------------
# Absence
# --------------------------------------------------------------------------------------------------


def absence_reported_card(
    locale: str, result: AbsenceReported, info: CalendarInfo | None = None
) -> Json:
    """What the person who reported absence sees: the meeting and who takes their seat."""
    body: list[Json] = [
        heading(t("attendance.absence.title", locale)),
        text_block(meeting_heading(result.meeting, locale), weight="Bolder"),
        _meeting_facts(result.meeting, info, locale),
    ]
    if result.withdrawn_deputy:
        body.append(text_block(t("attendance.absence.withdrawn", locale), color="Good"))
    elif result.deputy_name is not None:
        name = plain(result.deputy_name)
        body.append(text_block(t("attendance.absence.deputy", locale, name=name), color="Good"))
        if result.calendar:
            body.append(text_block(t("attendance.absence.calendar", locale, name=name)))
        body.append(text_block(t("attendance.absence.secretariat", locale), is_subtle=True))
    else:
        body.append(text_block(t("attendance.absence.no_deputy", locale)))
    return card(body)


def render_absence_notice(notice: AbsenceNotice) -> tuple[str, Json | None]:
    """The outbox message an absence causes: (summary text, card)."""
    locale = notice.locale
    meeting = notice.meeting
    name = meeting_heading(meeting, locale)
    if notice.kind == KIND_DEPUTY:
        when, clock = format_when(meeting.start, meeting.end, locale)
        text = t(
            "attendance.deputy.text",
            locale,
            member=plain(notice.member_name),
            meeting=name,
            date=when,
            time=clock,
        )
        document = card(
            [
                heading(t("attendance.deputy.title", locale)),
                text_block(text),
                _meeting_facts(meeting, notice.info, locale),
                text_block(t("attendance.deputy.documents", locale), is_subtle=True),
            ]
        )
        return text, document
    member = plain(notice.member_name)
    if notice.kind == KIND_DEPUTY_ABSENT:
        deputy = plain(notice.deputy_name or "")
        text = t(
            "attendance.secretariat.deputy_absent",
            locale,
            deputy=deputy,
            member=member,
            meeting=name,
        )
    elif notice.deputy_name is None:
        text = t("attendance.secretariat.absence_no_deputy", locale, member=member, meeting=name)
    else:
        deputy = plain(notice.deputy_name)
        text = t(
            "attendance.secretariat.absence", locale, member=member, deputy=deputy, meeting=name
        )
    if notice.view is None:
        return text, None
    viewer = Viewer(notice.recipient_person_id, can_correct=True)
    return text, attendance_card(locale, notice.view, viewer, banner=text, banner_good=False)


# --------------------------------------------------------------------------------------------------
# Opening and closing a meeting
# --------------------------------------------------------------------------------------------------


def open_candidates_card(locale: str, meetings: Sequence[MeetingView]) -> Json:
    """``åpne møte``: the meetings of today (or about to start), each with an open button."""
    body: list[Json] = [heading(t("attendance.open.title", locale))]
    if not meetings:
        body.append(text_block(t("attendance.open.none", locale)))
        return card(body)
    body.append(text_block(t("attendance.open.intro", locale)))
    for meeting in meetings:
        when, clock = format_when(meeting.start, meeting.end, locale)
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    text_block(meeting_heading(meeting, locale), weight="Bolder"),
                    text_block(f"{when}, {clock}", is_subtle=True, spacing="None"),
                    {
                        "type": "ActionSet",
                        "actions": [
                            execute_action(
                                t("attendance.open.action", locale),
                                VERB_OPEN,
                                {"meeting_id": meeting.id},
                                style="positive",
                            )
                        ],
                    },
                ],
            }
        )
    return card(body)


def close_confirm_card(locale: str, meeting: MeetingView | None) -> Json:
    """``avslutt møte``: confirm ending the meeting linked to this chat."""
    body: list[Json] = [heading(t("attendance.close.title", locale))]
    if meeting is None:
        body.append(text_block(t("attendance.close.none", locale)))
        return card(body)
    body.append(
        text_block(t("attendance.close.confirm", locale, meeting=meeting_heading(meeting, locale)))
    )
    return card(
        body,
        actions=[
            execute_action(
                t("attendance.action.close", locale),
                VERB_CLOSE,
                {"meeting_id": meeting.id, "confirm": CONFIRM},
                style="destructive",
            )
        ],
    )


def refused_card(locale: str, refused: Refused | Reason) -> Json:
    reason = refused.reason if isinstance(refused, Refused) else refused
    return card(
        [
            heading(t("attendance.refused.title", locale)),
            error_banner([t(f"attendance.refused.{reason.value}", locale)]),
        ]
    )
