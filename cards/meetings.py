"""Meeting cards: the secretariat's plan card, add/move/cancel forms, their confirmations, the
year's meeting plan and ``neste møte``.

Data in, card JSON out. Every text a person typed (places, reasons, names) goes through
:func:`cards.base.plain`; input ``value`` attributes are not rendered as markdown and are left raw.
Field problems are shown right under the input they belong to, and the inputs keep what the person
typed, so a refused form can be corrected without starting over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from bot.domain.calendar import HEALTH_REGIONS, Body, MeetingForm, to_oslo
from bot.domain.meeting_rules import Problem, Proposal
from bot.domain.meeting_state import MeetingState, can_reschedule, can_transition
from bot.i18n import t
from bot.services.meetings import (
    BusyReport,
    CalendarInfo,
    MeetingChanged,
    MeetingView,
    PlanApplied,
    ProposalView,
    RefusalReason,
    Refused,
)
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

__all__ = [
    "ADD_BODIES",
    "AddValues",
    "add_meeting_card",
    "cancel_meeting_card",
    "meeting_changed_card",
    "move_meeting_card",
    "next_meeting_card",
    "plan_applied_card",
    "plan_card",
    "refused_card",
    "year_card",
]

VERB_PLAN_SHOW: Final = "meeting.plan.show"
VERB_PLAN_APPROVE: Final = "meeting.plan.approve"
VERB_LIST: Final = "meeting.list"
VERB_NEXT: Final = "meeting.next"
VERB_ADD: Final = "meeting.add"
VERB_MOVE: Final = "meeting.move"
VERB_CANCEL: Final = "meeting.cancel"
STEP_SUBMIT: Final = "submit"
"""``data.step`` of a form's submit button; without it the verb opens the form."""

ADD_BODIES: Final = (Body.SSU, Body.AU, Body.PA, Body.STRATEGY, Body.DIALOG)
_SAFE_URL = re.compile(r"^https://[^\s()\[\]<>\"'`]+$")


# --------------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------------


def format_date(day: date, locale: str) -> str:
    """``torsdag 12. februar 2026`` / ``Thursday 12 February 2026``."""
    return t(
        "meeting.fmt.date",
        locale,
        weekday=t(f"meeting.weekday.{day.weekday()}", locale),
        day=day.day,
        month=t(f"meeting.month.{day.month}", locale),
        year=day.year,
    )


def format_when(start: datetime, end: datetime, locale: str) -> tuple[str, str]:
    """(date, time) as shown: one day ``09:30–14:30``; over two days both dates with times."""
    first, last = to_oslo(start), to_oslo(end)
    if first.date() == last.date():
        return format_date(first.date(), locale), f"{first:%H:%M}–{last:%H:%M}"
    span = t(
        "meeting.fmt.span",
        locale,
        first=format_date(first.date(), locale),
        last=format_date(last.date(), locale),
    )
    return span, t("meeting.fmt.span_time", locale, start=f"{first:%H:%M}", end=f"{last:%H:%M}")


def _deadline(moment: datetime, locale: str) -> str:
    local = to_oslo(moment)
    return t(
        "meeting.fmt.deadline",
        locale,
        date=format_date(local.date(), locale),
        time=f"{local:%H:%M}",
    )


def _clock_line(meeting: MeetingView, locale: str) -> str:
    """The time of day, or for a meeting over several days the whole span with its times."""
    when, clock = format_when(meeting.start, meeting.end, locale)
    if to_oslo(meeting.start).date() == to_oslo(meeting.end).date():
        return clock
    return f"{when}, {clock}"


def meeting_heading(meeting: MeetingView, locale: str) -> str:
    """The localised name of a meeting (the stored title is the Norwegian calendar subject)."""
    return _heading(meeting.body, meeting.region, meeting.start, locale)


def _heading(body: Body, region: str | None, start: datetime, locale: str) -> str:
    name = t(f"meeting.body.{body.value}", locale)
    if region:
        name = f"{name} {plain(region)}"
    return t(
        "meeting.fmt.heading", locale, name=name, date=format_date(to_oslo(start).date(), locale)
    )


def _form(form: MeetingForm, locale: str) -> str:
    return t(f"meeting.form.{form.value}", locale)


def _problem_text(problem: Problem, locale: str) -> str:
    return t(f"meeting.problem.{problem.code}", locale, **dict(problem.params))


# --------------------------------------------------------------------------------------------------
# Inputs (every one labelled) and field errors
# --------------------------------------------------------------------------------------------------


def _date_input(input_id: str, label: str, value: str, *, required: bool = True) -> Json:
    return {
        "type": "Input.Date",
        "id": input_id,
        "label": label,
        "value": value,
        "isRequired": required,
    }


def _time_input(input_id: str, label: str, value: str, *, required: bool = True) -> Json:
    return {
        "type": "Input.Time",
        "id": input_id,
        "label": label,
        "value": value,
        "isRequired": required,
    }


def _text_input(
    input_id: str,
    label: str,
    value: str,
    *,
    max_length: int,
    multiline: bool = False,
    required: bool = False,
    placeholder: str | None = None,
    error_message: str | None = None,
) -> Json:
    element: Json = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "value": value,
        "maxLength": max_length,
    }
    if required:
        element["isRequired"] = True
    if multiline:
        element["isMultiline"] = True
    if placeholder:
        element["placeholder"] = placeholder
    if error_message:
        element["errorMessage"] = error_message
    return element


def _form_choice(input_id: str, locale: str, value: str) -> Json:
    return choice_set(
        input_id,
        t("meeting.label.form", locale),
        [(f.value, _form(f, locale)) for f in MeetingForm],
        value=value,
        required=True,
    )


def _field_errors(problems: Sequence[Problem], field_id: str, locale: str) -> list[Json]:
    return [
        # Catalogue text with values we computed (dates, holiday names): trusted, not escaped.
        text_block(_problem_text(p, locale), color="Attention", size="Small", spacing="None")
        for p in problems
        if p.field == field_id
    ]


def _with_errors(
    element: Json, problems: Sequence[Problem], locale: str, field_id: str | None = None
) -> list[Json]:
    return [element, *_field_errors(problems, field_id or str(element["id"]), locale)]


def _columns(*cells: Sequence[Json]) -> Json:
    return {
        "type": "ColumnSet",
        "columns": [{"type": "Column", "width": "stretch", "items": list(c)} for c in cells],
    }


def _top_errors(problems: Sequence[Problem], shown_fields: set[str], locale: str) -> list[Json]:
    """A banner saying nothing was stored, plus the problems no field shows."""
    if not problems:
        return []
    loose = [_problem_text(p, locale) for p in problems if p.field not in shown_fields]
    return [error_banner([t("meeting.error.not_saved", locale), *loose])]


# --------------------------------------------------------------------------------------------------
# The plan card (secretariat)
# --------------------------------------------------------------------------------------------------


def _slot_ids(slot: str) -> dict[str, str]:
    return {name: f"{slot}.{name}" for name in ("date", "start", "location", "form")}


def plan_card(
    locale: str,
    year: int,
    items: Sequence[ProposalView],
    busy: BusyReport,
    *,
    refused: Refused | None = None,
    values: Mapping[str, str] | None = None,
) -> Json:
    """The proposed meetings of ``year``, each editable, approved with ``meeting.plan.approve``.

    Meetings already created show as such without inputs. ``values`` (what was submitted) win
    over the proposal, so a refused plan comes back as the person left it, errors by the fields.
    """
    document = _plan_card(locale, year, items, busy, refused, values or {}, compact=False)
    if _size(document) > MAX_CARD_BYTES:
        document = _plan_card(locale, year, items, busy, refused, values or {}, compact=True)
    return document


def _size(document: Json) -> int:
    return len(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def _plan_card(
    locale: str,
    year: int,
    items: Sequence[ProposalView],
    busy: BusyReport,
    refused: Refused | None,
    values: Mapping[str, str],
    *,
    compact: bool,
) -> Json:
    """``compact`` leaves out the per-meeting deadlines and hints to stay under Teams' limit."""
    problems = list(refused.problems) if refused else []
    fields: set[str] = set()
    body: list[Json] = [
        heading(t("meeting.plan.title", locale, year=year)),
        text_block(t("meeting.plan.intro", locale)),
    ]
    if not busy.available:
        body.append(text_block(t("meeting.plan.busy_unavailable", locale), is_subtle=True))
    top = len(body)
    pending = [item for item in items if item.existing is None]
    for item in items:
        ids = _slot_ids(item.proposal.slot)
        fields.update(ids.values())
        body.append(_plan_item(item, locale, busy, problems, values, ids, compact=compact))
    body[top:top] = _top_errors(problems, fields, locale)
    actions: list[Json] = []
    if pending:
        actions.append(
            execute_action(
                t("meeting.plan.approve", locale, count=len(pending)),
                VERB_PLAN_APPROVE,
                {"year": year},
                style="positive",
            )
        )
    else:
        body.append(text_block(t("meeting.plan.all_created", locale, year=year), color="Good"))
    actions.append(
        execute_action(t("meeting.action.list", locale, year=year), VERB_LIST, {"year": year})
    )
    return card(body, actions=actions)


def _plan_item(
    item: ProposalView,
    locale: str,
    busy: BusyReport,
    problems: Sequence[Problem],
    values: Mapping[str, str],
    ids: Mapping[str, str],
    *,
    compact: bool,
) -> Json:
    proposal: Proposal = item.proposal
    planned = proposal.planned
    items: list[Json] = [
        text_block(
            _heading(planned.body, planned.region, planned.start, locale),
            weight="Bolder",
        )
    ]
    if planned.moved_from is not None:
        items.append(
            text_block(
                t("meeting.plan.moved_from", locale, date=format_date(planned.moved_from, locale)),
                is_subtle=True,
                size="Small",
                spacing="None",
            )
        )
    if item.existing is not None:
        when, clock = format_when(item.existing.start, item.existing.end, locale)
        items.append(
            text_block(
                t(
                    "meeting.plan.created",
                    locale,
                    date=when,
                    time=clock,
                    state=t(f"meeting.state.{item.existing.state.value}", locale),
                ),
                color="Good",
                size="Small",
            )
        )
        return {"type": "Container", "separator": True, "items": items}
    start = to_oslo(planned.start)
    items.append(
        _columns(
            _with_errors(
                _date_input(
                    ids["date"],
                    t("meeting.label.date", locale),
                    values.get(ids["date"], start.date().isoformat()),
                ),
                problems,
                locale,
            ),
            _with_errors(
                _time_input(
                    ids["start"],
                    t("meeting.label.start", locale),
                    values.get(ids["start"], f"{start:%H:%M}"),
                ),
                problems,
                locale,
            ),
        )
    )
    items.append(
        _columns(
            _with_errors(
                _text_input(
                    ids["location"],
                    t("meeting.label.location", locale),
                    values.get(ids["location"], planned.location or ""),
                    max_length=200,
                    placeholder=None if compact else t("meeting.label.location_hint", locale),
                ),
                problems,
                locale,
            ),
            _with_errors(
                _form_choice(ids["form"], locale, values.get(ids["form"], planned.form.value)),
                problems,
                locale,
            ),
        )
    )
    flag = busy.flags.get(proposal.slot)
    if busy.available and flag is not None:
        if flag.busy:
            names = t("roles.joiner", locale).join(plain(n) for n in flag.busy_names)
            items.append(
                text_block(
                    t("meeting.plan.busy", locale, names=names), color="Warning", size="Small"
                )
            )
        else:
            items.append(
                text_block(
                    t("meeting.plan.free", locale), color="Good", size="Small", is_subtle=True
                )
            )
    d = planned.deadlines
    if compact:
        return {"type": "Container", "separator": True, "items": items}
    items.append(
        text_block(
            t(
                "meeting.plan.deadlines",
                locale,
                cases=f"{to_oslo(d.case_submission):%d.%m.}",
                notice=f"{to_oslo(d.notice):%d.%m.}",
                protocol=f"{to_oslo(d.protocol):%d.%m.}",
            ),
            is_subtle=True,
            size="Small",
        )
    )
    return {"type": "Container", "separator": True, "items": items}


def plan_applied_card(locale: str, applied: PlanApplied) -> Json:
    """The confirmation after approving: what was created, what already existed."""
    body: list[Json] = [heading(t("meeting.applied.title", locale, year=applied.year))]
    if applied.created:
        body.append(
            text_block(
                t("meeting.applied.created", locale, count=len(applied.created)), color="Good"
            )
        )
        lines = []
        for meeting in applied.created:
            lines.append(f"- {meeting_heading(meeting, locale)}, {_clock_line(meeting, locale)}")
        body.append(text_block("\n".join(lines)))
    else:
        body.append(text_block(t("meeting.applied.nothing_new", locale)))
    if applied.existing:
        body.append(
            text_block(
                t("meeting.applied.existing", locale, count=len(applied.existing)), is_subtle=True
            )
        )
    if applied.calendar_skipped:
        body.append(
            text_block(
                t("meeting.applied.past", locale, count=len(applied.calendar_skipped)),
                is_subtle=True,
            )
        )
    return card(
        body,
        actions=[
            execute_action(
                t("meeting.action.list", locale, year=applied.year),
                VERB_LIST,
                {"year": applied.year},
            )
        ],
    )


# --------------------------------------------------------------------------------------------------
# The year's meetings and the next meeting (everyone)
# --------------------------------------------------------------------------------------------------


def _place(meeting: MeetingView, info: CalendarInfo | None, locale: str) -> str:
    parts: list[str] = []
    if meeting.location:
        parts.append(plain(meeting.location))
    if meeting.online:
        if info is not None and info.join_url and _SAFE_URL.match(info.join_url):
            parts.append(f"[{t('meeting.place.teams_link', locale)}]({info.join_url})")
        elif info is not None and info.failed:
            parts.append(t("meeting.place.calendar_failed", locale))
        elif info is not None and info.pending:
            parts.append(t("meeting.place.pending", locale))
        else:
            parts.append(t("meeting.place.teams", locale))
    return " · ".join(parts) or t("meeting.place.none", locale)


def year_card(
    locale: str,
    year: int,
    meetings: Sequence[MeetingView],
    *,
    can_manage: bool = False,
) -> Json:
    """The meetings of ``year`` for everyone; the secretariat also gets move/cancel/add buttons."""
    body: list[Json] = [heading(t("meeting.year.title", locale, year=year))]
    if not meetings:
        body.append(text_block(t("meeting.year.empty", locale, year=year)))
    for meeting in meetings:
        clock = _clock_line(meeting, locale)
        items: list[Json] = [
            text_block(f"**{meeting_heading(meeting, locale)}**"),
            text_block(
                f"{clock} · {_place(meeting, None, locale)} · {_form(meeting.form, locale)}",
                size="Small",
                spacing="None",
            ),
        ]
        if meeting.state is MeetingState.CANCELLED:
            items.append(
                text_block(
                    t("meeting.year.cancelled", locale, reason=plain(meeting.cancel_reason or "–")),
                    color="Attention",
                    size="Small",
                    spacing="None",
                )
            )
        elif meeting.state is not MeetingState.PLANNED:
            items.append(
                text_block(
                    t(f"meeting.state.{meeting.state.value}", locale),
                    is_subtle=True,
                    size="Small",
                    spacing="None",
                )
            )
        if can_manage:
            buttons = []
            if can_reschedule(meeting.state):
                buttons.append(
                    execute_action(
                        t("meeting.action.move", locale), VERB_MOVE, {"meeting_id": meeting.id}
                    )
                )
            if can_transition(meeting.state, MeetingState.CANCELLED):
                buttons.append(
                    execute_action(
                        t("meeting.action.cancel", locale),
                        VERB_CANCEL,
                        {"meeting_id": meeting.id},
                        style="destructive",
                    )
                )
            if buttons:
                items.append({"type": "ActionSet", "actions": buttons})
        body.append({"type": "Container", "separator": True, "items": items})
    actions = [
        execute_action(
            t("meeting.action.year", locale, year=year - 1), VERB_LIST, {"year": year - 1}
        ),
        execute_action(
            t("meeting.action.year", locale, year=year + 1), VERB_LIST, {"year": year + 1}
        ),
    ]
    if can_manage:
        actions.append(execute_action(t("meeting.action.add", locale), VERB_ADD))
        actions.append(
            execute_action(
                t("meeting.action.plan", locale, year=year + 1), VERB_PLAN_SHOW, {"year": year + 1}
            )
        )
    return card(body, actions=actions)


def next_meeting_card(
    locale: str,
    meeting: MeetingView | None,
    info: CalendarInfo | None,
    *,
    now: datetime,
    can_manage: bool = False,
) -> Json:
    """``neste møte``: date, time, place or Teams link, the form, and the deadlines still ahead."""
    if meeting is None:
        return card(
            [heading(t("meeting.next.title", locale)), text_block(t("meeting.next.none", locale))],
            actions=[
                execute_action(
                    t("meeting.action.list", locale, year=to_oslo(now).year),
                    VERB_LIST,
                    {"year": to_oslo(now).year},
                )
            ],
        )
    when, clock = format_when(meeting.start, meeting.end, locale)
    facts = [
        (t("meeting.label.date", locale), when),
        (t("meeting.label.time", locale), clock),
        (t("meeting.label.place", locale), _place(meeting, info, locale)),
        (t("meeting.label.form", locale), _form(meeting.form, locale)),
    ]
    body: list[Json] = [
        heading(t("meeting.next.title", locale)),
        text_block(meeting_heading(meeting, locale), weight="Bolder", size="Medium"),
        fact_set(facts),
    ]
    d = meeting.deadlines
    ahead = [
        (t(f"meeting.deadline.{name}", locale), _deadline(moment, locale))
        for name, moment in (
            ("case_submission", d.case_submission),
            ("notice", d.notice),
            ("protocol", d.protocol),
        )
        if moment > now
    ]
    if ahead:
        body.append(
            text_block(t("meeting.next.deadlines", locale), weight="Bolder", spacing="Medium")
        )
        body.append(fact_set(ahead))
    actions = [
        execute_action(
            t("meeting.action.list", locale, year=meeting.start.year),
            VERB_LIST,
            {"year": meeting.start.year},
        )
    ]
    if can_manage and can_reschedule(meeting.state):
        actions.append(
            execute_action(t("meeting.action.move", locale), VERB_MOVE, {"meeting_id": meeting.id})
        )
        actions.append(
            execute_action(
                t("meeting.action.cancel", locale),
                VERB_CANCEL,
                {"meeting_id": meeting.id},
                style="destructive",
            )
        )
    return card(body, actions=actions)


# --------------------------------------------------------------------------------------------------
# Add, move, cancel
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddValues:
    """What the add/move form shows: the submitted text, else the defaults."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)


def _time_fields(locale: str, v: AddValues, problems: Sequence[Problem]) -> list[Json]:
    return [
        _columns(
            _with_errors(
                _date_input("date", t("meeting.label.date", locale), v.get("date")),
                problems,
                locale,
            ),
            _with_errors(
                _date_input(
                    "end_date",
                    t("meeting.label.end_date", locale),
                    v.get("end_date"),
                    required=False,
                ),
                problems,
                locale,
            ),
        ),
        _columns(
            _with_errors(
                _time_input("start", t("meeting.label.start", locale), v.get("start")),
                problems,
                locale,
            ),
            _with_errors(
                _time_input("end", t("meeting.label.end", locale), v.get("end")), problems, locale
            ),
        ),
        *_with_errors(
            _text_input(
                "location",
                t("meeting.label.location", locale),
                v.get("location"),
                max_length=200,
                placeholder=t("meeting.label.location_hint", locale),
            ),
            problems,
            locale,
        ),
        *_with_errors(
            _form_choice("form", locale, v.get("form", MeetingForm.physical.value)),
            problems,
            locale,
        ),
    ]


_FORM_FIELDS: Final = {"date", "end_date", "start", "end", "location", "form"}


def add_meeting_card(
    locale: str, *, values: Mapping[str, str] | None = None, refused: Refused | None = None
) -> Json:
    """A meeting outside the plan: body, day, times, place, form, region (dialogue meetings)."""
    v = AddValues(values or {})
    problems = list(refused.problems) if refused else []
    body: list[Json] = [heading(t("meeting.add.title", locale))]
    body += _top_errors(problems, _FORM_FIELDS | {"body", "region"}, locale)
    body += _with_errors(
        choice_set(
            "body",
            t("meeting.label.body", locale),
            [(b.value, t(f"meeting.body.{b.value}", locale)) for b in ADD_BODIES],
            value=v.get("body", Body.SSU.value),
            required=True,
        ),
        problems,
        locale,
    )
    body += _time_fields(locale, v, problems)
    body += _with_errors(
        choice_set(
            "region",
            t("meeting.label.region", locale),
            [(r, r) for r in HEALTH_REGIONS],
            value=v.get("region") or None,
        ),
        problems,
        locale,
    )
    return card(
        body,
        actions=[
            execute_action(
                t("meeting.add.submit", locale), VERB_ADD, {"step": STEP_SUBMIT}, style="positive"
            )
        ],
    )


def move_values(meeting: MeetingView) -> dict[str, str]:
    """The move form's starting values: the meeting as it is."""
    start, end = to_oslo(meeting.start), to_oslo(meeting.end)
    return {
        "date": start.date().isoformat(),
        "end_date": end.date().isoformat() if end.date() != start.date() else "",
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "location": meeting.location or "",
        "form": meeting.form.value,
    }


def move_meeting_card(
    locale: str,
    meeting: MeetingView,
    *,
    values: Mapping[str, str] | None = None,
    refused: Refused | None = None,
) -> Json:
    """New time, place or form for ``meeting``; everyone called is told when it is saved."""
    problems = list(refused.problems) if refused else []
    v = AddValues({**move_values(meeting), **(values or {})})
    when, clock = format_when(meeting.start, meeting.end, locale)
    body: list[Json] = [
        heading(t("meeting.move.title", locale)),
        text_block(meeting_heading(meeting, locale), weight="Bolder"),
        text_block(t("meeting.move.now", locale, date=when, time=clock), is_subtle=True),
    ]
    body += _top_errors(problems, _FORM_FIELDS, locale)
    body += _time_fields(locale, v, problems)
    body.append(text_block(t("meeting.move.notice", locale), is_subtle=True, size="Small"))
    return card(
        body,
        actions=[
            execute_action(
                t("meeting.move.submit", locale),
                VERB_MOVE,
                {"meeting_id": meeting.id, "step": STEP_SUBMIT},
                style="positive",
            )
        ],
    )


def cancel_meeting_card(
    locale: str,
    meeting: MeetingView,
    *,
    reason: str = "",
    refused: Refused | None = None,
) -> Json:
    """Cancel ``meeting``: the reason (required) goes to every attendee's calendar."""
    problems = list(refused.problems) if refused else []
    when, clock = format_when(meeting.start, meeting.end, locale)
    body: list[Json] = [
        heading(t("meeting.cancel.title", locale)),
        text_block(meeting_heading(meeting, locale), weight="Bolder"),
        text_block(f"{when}, {clock}", is_subtle=True),
    ]
    body += _top_errors(problems, {"reason"}, locale)
    body += _with_errors(
        _text_input(
            "reason",
            t("meeting.label.reason", locale),
            reason,
            max_length=1000,
            multiline=True,
            required=True,
            error_message=t("meeting.problem.reason_missing", locale),
        ),
        problems,
        locale,
    )
    return card(
        body,
        actions=[
            execute_action(
                t("meeting.cancel.submit", locale),
                VERB_CANCEL,
                {"meeting_id": meeting.id, "step": STEP_SUBMIT},
                style="destructive",
            )
        ],
    )


def meeting_changed_card(locale: str, change: MeetingChanged, kind: str) -> Json:
    """After add/move/cancel: what happened and who will hear about it."""
    meeting = change.meeting
    when, clock = format_when(meeting.start, meeting.end, locale)
    body: list[Json] = [heading(t(f"meeting.{kind}.done_title", locale))]
    body.append(text_block(meeting_heading(meeting, locale), weight="Bolder"))
    if kind == "move" and change.previous is not None:
        was_date, was_clock = format_when(change.previous.start, change.previous.end, locale)
        body.append(
            text_block(t("meeting.move.was", locale, date=was_date, time=was_clock), is_subtle=True)
        )
    body.append(
        fact_set(
            [
                (t("meeting.label.date", locale), when),
                (t("meeting.label.time", locale), clock),
                (t("meeting.label.place", locale), _place(meeting, None, locale)),
                (t("meeting.label.form", locale), _form(meeting.form, locale)),
            ]
        )
    )
    if kind == "cancel":
        body.append(
            text_block(
                t("meeting.cancel.reason_was", locale, reason=plain(meeting.cancel_reason or ""))
            )
        )
    body.append(
        text_block(
            t(f"meeting.{kind}.done", locale, count=len(change.notify_person_ids)), color="Good"
        )
    )
    return card(
        body,
        actions=[
            execute_action(
                t("meeting.action.list", locale, year=meeting.start.year),
                VERB_LIST,
                {"year": meeting.start.year},
            )
        ],
    )


def refused_card(locale: str, refused: Refused) -> Json:
    """A refusal that no form can fix: not allowed, unknown meeting, wrong state."""
    if refused.reason is RefusalReason.NOT_ALLOWED:
        messages = [t("error.not_allowed", locale)]
    else:
        messages = [_problem_text(p, locale) for p in refused.problems] or [
            t("error.not_allowed", locale)
        ]
    return card([heading(t("meeting.refused.title", locale)), error_banner(messages)])
