"""Case cards: the template form, its confirmation and receipt, the triage card, `mine saker`.

Data in, card JSON out. Every text a person typed goes through :func:`cards.base.plain` wherever
it is *shown* (TextBlocks, facts); input ``value`` attributes are not rendered as markdown and keep
what the person typed, so a refused form can be corrected without starting over. Field problems
are shown right under their input (Teams shows ``errorMessage`` only for its own client-side
checks, so the server's verdict needs a visible line of its own) and summed up in a banner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bot.domain.calendar import format_date_nb, to_oslo
from bot.domain.cases import (
    ATTACHMENTS_MAX,
    LONG_MAX,
    MINUTES_MAX,
    SHORT_MAX,
    TITLE_MAX,
    CaseType,
    EconomicImpact,
    MeetingSlot,
    Placement,
    Problem,
    Section,
    Submission,
    allowed_routes,
    default_section,
    suggested_route,
)
from bot.i18n import language_of, t
from bot.services.cases import (
    CHANGE_STATUS,
    CHANGE_UPDATED,
    KIND_TRIAGE,
    CaseView,
    Notice,
    RefusalReason,
    TriageView,
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
    "VERB_NEW",
    "VERB_SUBMIT",
    "VERB_TRIAGE",
    "VERB_TRIAGE_SHOW",
    "CaseForm",
    "case_cancelled_card",
    "case_confirm_card",
    "case_form_card",
    "case_receipt_card",
    "case_refused_card",
    "case_stale_card",
    "meeting_label",
    "my_cases_card",
    "render_notice",
    "status_text",
    "triage_card",
    "triaged_card",
]

VERB_SUBMIT: Final = "case.submit"
VERB_NEW: Final = "case.new"
VERB_TRIAGE: Final = "case.triage"
VERB_TRIAGE_SHOW: Final = "case.triage.show"
"""The triage card's refresh: a card read later shows the case as it is now."""
_SHOWN_SHORT: Final = 1_000
"""Long texts on the triage card and in `mine saker`: enough to judge, small enough to fit."""


def _error_lines(problems: Sequence[Problem], locale: str) -> list[str]:
    return [t(f"case.error.{p.code}", locale, **p.params()) for p in problems]


def _field_errors(problems: Sequence[Problem], name: str, locale: str) -> list[Json]:
    return [
        text_block(line, color="Attention", spacing="None", size="Small")
        for line in _error_lines([p for p in problems if p.field == name], locale)
    ]


def _help(text: str) -> Json:
    return text_block(text, is_subtle=True, size="Small", spacing="None")


def _text_input(
    input_id: str,
    label: str,
    value: str,
    *,
    required: bool,
    max_length: int,
    multiline: bool = False,
    error_message: str | None = None,
) -> Json:
    element: Json = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isRequired": required,
        "maxLength": max_length,
        "isMultiline": multiline,
        "value": value,
    }
    if error_message:
        element["errorMessage"] = error_message
    return element


def _date(moment: datetime, locale: str) -> str:
    day = to_oslo(moment).date()
    if language_of(locale) == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return format_date_nb(day)


def meeting_label(meeting: MeetingSlot | None, locale: str) -> str:
    """``SSU-møte 12. februar 2026`` — built from body and date, the same in both languages."""
    if meeting is None:
        return t("case.meeting.unplanned", locale)
    body_key = f"case.meeting.body.{meeting.body}"
    body = t(body_key, locale) if body_key in _KNOWN_BODIES else meeting.body
    return t("case.meeting.label", locale, body=body, date=_date(meeting.start, locale))


_KNOWN_BODIES: Final = frozenset({"case.meeting.body.SSU", "case.meeting.body.AU"})


def _meeting_option(meeting: MeetingSlot, locale: str) -> str:
    return t(
        "case.meeting.option",
        locale,
        meeting=meeting_label(meeting, locale),
        deadline=_date(meeting.case_deadline, locale),
    )


# --------------------------------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseForm:
    """What the form card shows: the draft, the open meetings and what was wrong last time."""

    locale: str
    draft_id: str
    values: Mapping[str, str] = field(default_factory=dict)
    meetings: Sequence[MeetingSlot] = ()
    problems: Sequence[Problem] = ()
    note: str | None = None


def case_form_card(form: CaseForm) -> Json:
    """The template (CONTRACT `case.submit` inputs), every input labelled, with short help."""
    loc = form.locale
    values = form.values
    problems = form.problems
    required = t("case.error.required", loc)
    body: list[Json] = [heading(t("case.form.title", loc)), text_block(t("case.form.intro", loc))]
    if form.note:
        body.append(text_block(form.note, color="Good"))
    if problems:
        body.append(error_banner([t("case.errors.banner", loc)]))

    def add(element: Json, name: str, help_text: str | None = None) -> None:
        body.append(element)
        body.extend(_field_errors(problems, name, loc))
        if help_text:
            body.append(_help(help_text))

    add(
        _text_input(
            "title",
            t("case.field.title", loc),
            values.get("title", ""),
            required=True,
            max_length=TITLE_MAX,
            error_message=required,
        ),
        "title",
        t("case.field.title.help", loc, limit=TITLE_MAX),
    )
    add(
        _text_input(
            "submitter_org",
            t("case.field.submitter_org", loc),
            values.get("submitter_org", ""),
            required=True,
            max_length=SHORT_MAX,
            error_message=required,
        ),
        "submitter_org",
        t("case.field.submitter_org.help", loc),
    )
    add(
        {
            "type": "Input.Toggle",
            "id": "anchored",
            "label": t("case.field.anchored", loc),
            "title": t("case.field.anchored.toggle", loc),
            "value": "true" if values.get("anchored") == "true" else "false",
            "valueOn": "true",
            "valueOff": "false",
            "isRequired": True,
            "errorMessage": t("case.error.anchored_required", loc),
        },
        "anchored",
        t("case.field.anchored.help", loc),
    )
    add(
        _text_input(
            "anchored_with",
            t("case.field.anchored_with", loc),
            values.get("anchored_with", ""),
            required=True,
            max_length=SHORT_MAX,
            error_message=required,
        ),
        "anchored_with",
        t("case.field.anchored_with.help", loc),
    )
    add(
        choice_set(
            "case_type",
            t("case.field.case_type", loc),
            [(kind.value, t(f"case.type.{kind.value}", loc)) for kind in CaseType],
            value=values.get("case_type") or None,
            required=True,
            error_message=t("case.error.unknown_value", loc),
        ),
        "case_type",
        t("case.field.case_type.help", loc),
    )
    for name, is_required in (("background", True), ("assessment", True), ("proposal", False)):
        add(
            _text_input(
                name,
                t(f"case.field.{name}", loc),
                values.get(name, ""),
                required=is_required,
                max_length=LONG_MAX,
                multiline=True,
                error_message=required if is_required else None,
            ),
            name,
            t(f"case.field.{name}.help", loc, limit=LONG_MAX),
        )
    add(
        choice_set(
            "economic_impact",
            t("case.field.economic_impact", loc),
            [(level.value, t(f"case.impact.{level.value}", loc)) for level in EconomicImpact],
            value=values.get("economic_impact") or None,
            required=True,
            error_message=t("case.error.unknown_value", loc),
        ),
        "economic_impact",
        t("case.field.economic_impact.help", loc),
    )
    meeting_choices = [("", t("case.meeting.none", loc))] + [
        (str(m.id), _meeting_option(m, loc)) for m in form.meetings
    ]
    offered = {value for value, _ in meeting_choices}
    chosen = values.get("meeting", "")
    add(
        choice_set(
            "meeting",
            t("case.field.meeting", loc),
            meeting_choices,
            value=chosen if chosen in offered else "",
        ),
        "meeting",
        t("case.field.meeting.help", loc),
    )
    add(
        _text_input(
            "attachments",
            t("case.field.attachments", loc),
            values.get("attachments", ""),
            required=False,
            max_length=ATTACHMENTS_MAX * 510,
            multiline=True,
        ),
        "attachments",
        t("case.field.attachments.help", loc, limit=ATTACHMENTS_MAX),
    )
    return card(
        body,
        actions=[
            execute_action(
                t("case.action.review", loc),
                VERB_SUBMIT,
                {"draft_id": form.draft_id, "intent": "submit"},
                style="positive",
            ),
            execute_action(
                t("case.action.cancel", loc),
                VERB_SUBMIT,
                {"draft_id": form.draft_id, "intent": "cancel"},
                associated_inputs="none",
            ),
        ],
    )


# --------------------------------------------------------------------------------------------------
# Confirmation and receipt
# --------------------------------------------------------------------------------------------------


def _long_text(title: str, text: str, limit: int) -> list[Json]:
    if not text:
        return []
    return [
        text_block(title, weight="Bolder", spacing="Medium"),
        text_block(plain(text, limit=limit), spacing="Small"),
    ]


def _placement_note(placement: Placement, locale: str, prefix: str) -> str | None:
    if not placement.moved or placement.requested is None:
        return None
    requested = meeting_label(placement.requested, locale)
    deadline = _date(placement.requested.case_deadline, locale)
    if placement.meeting is None:
        return t(f"{prefix}.moved_none", locale, requested=requested, deadline=deadline)
    meeting = meeting_label(placement.meeting, locale)
    return t(f"{prefix}.moved", locale, requested=requested, deadline=deadline, meeting=meeting)


def _fit(build: Callable[[int], Json]) -> Json:
    """Show the texts in full when the card fits Teams' limit, else shortened."""
    for limit in (LONG_MAX, 2_000, _SHOWN_SHORT, 300):
        document: Json = build(limit)
        if len(json.dumps(document, ensure_ascii=False).encode("utf-8")) <= MAX_CARD_BYTES:
            return document
    return document


def case_confirm_card(
    locale: str, draft_id: str, submission: Submission, placement: Placement
) -> Json:
    """Everything the secretariat will get, with «Send inn saken» and «Endre»."""
    loc = locale

    def build(limit: int) -> Json:
        facts = [
            (t("case.fact.title", loc), plain(submission.title)),
            (t("case.fact.org", loc), plain(submission.submitter_org)),
            (t("case.fact.anchored_with", loc), plain(submission.anchored_with)),
            (t("case.fact.type", loc), t(f"case.type.{submission.case_type.value}", loc)),
            (
                t("case.fact.impact", loc),
                t(f"case.impact.{submission.economic_impact.value}", loc),
            ),
            (t("case.fact.meeting", loc), meeting_label(placement.meeting, loc)),
        ]
        body: list[Json] = [
            heading(t("case.confirm.title", loc)),
            text_block(t("case.confirm.intro", loc)),
            fact_set(facts),
        ]
        note = _placement_note(placement, loc, "case.confirm")
        if note:
            body.append(text_block(note, color="Warning", weight="Bolder"))
        if submission.needs_ssu:
            body.append(text_block(t("case.confirm.major", loc), color="Warning", weight="Bolder"))
        body += _long_text(t("case.field.background", loc), submission.background, limit)
        body += _long_text(t("case.field.assessment", loc), submission.assessment, limit)
        body += _long_text(t("case.field.proposal", loc), submission.proposal, limit)
        if submission.attachments:
            body += _long_text(
                t("case.fact.attachments", loc), "\n".join(submission.attachments), limit
            )
        return card(
            body,
            actions=[
                execute_action(
                    t("case.action.confirm", loc),
                    VERB_SUBMIT,
                    {"draft_id": draft_id, "intent": "confirm"},
                    style="positive",
                ),
                execute_action(
                    t("case.action.edit", loc),
                    VERB_SUBMIT,
                    {"draft_id": draft_id, "intent": "edit"},
                ),
            ],
        )

    return _fit(build)


def case_receipt_card(locale: str, case: CaseView, *, again: bool = False) -> Json:
    """The case number, where it goes, and how to follow it."""
    loc = locale
    body: list[Json] = [
        heading(t("case.receipt.title", loc, number=case.label)),
        text_block(t("case.receipt.body", loc, number=case.label)),
        fact_set(
            [
                (t("case.fact.number", loc), case.label),
                (t("case.fact.title", loc), plain(case.title)),
                (t("case.fact.meeting", loc), meeting_label(case.meeting, loc)),
                (t("case.fact.status", loc), t(f"case.status.{case.status.value}", loc)),
            ]
        ),
    ]
    placement = Placement(case.meeting, case.requested_meeting, moved=case.moved)
    note = _placement_note(placement, loc, "case.receipt")
    if note:
        body.append(text_block(note, color="Warning", weight="Bolder"))
    if case.needs_ssu:
        body.append(text_block(t("case.confirm.major", loc), color="Warning"))
    if again:
        body.append(text_block(t("case.receipt.again", loc), is_subtle=True))
    body.append(text_block(t("case.receipt.follow", loc), is_subtle=True))
    return card(body)


def case_cancelled_card(locale: str) -> Json:
    return card([heading(t("case.form.title", locale)), text_block(t("case.cancelled", locale))])


def case_stale_card(locale: str) -> Json:
    return card([error_banner([t("case.stale", locale)])])


def case_refused_card(locale: str, reason: RefusalReason) -> Json:
    return card([error_banner([t(f"case.refused.{reason.value}", locale)])])


# --------------------------------------------------------------------------------------------------
# Triage
# --------------------------------------------------------------------------------------------------


def _case_facts(case: CaseView, loc: str) -> list[tuple[str, str]]:
    facts = [
        (t("case.fact.number", loc), case.label),
        (t("case.fact.submitter", loc), plain(case.submitter_name or "–")),
        (t("case.fact.org", loc), plain(case.submitter_org)),
        (t("case.fact.anchored_with", loc), plain(case.anchored_with)),
        (t("case.fact.type", loc), t(f"case.type.{case.case_type.value}", loc)),
        (t("case.fact.impact", loc), t(f"case.impact.{case.economic_impact.value}", loc)),
        (t("case.fact.status", loc), t(f"case.status.{case.status.value}", loc)),
    ]
    if case.requested_meeting is not None and case.moved:
        facts.append(
            (t("case.fact.requested_meeting", loc), meeting_label(case.requested_meeting, loc))
        )
    facts.append((t("case.fact.meeting", loc), meeting_label(case.meeting, loc)))
    return facts


def triage_card(
    locale: str,
    view: TriageView,
    *,
    problems: Sequence[Problem] = (),
    values: Mapping[str, str] | None = None,
) -> Json:
    """The three routes of seed 004 §1.3 plus meeting, section and minutes (verb `case.triage`)."""
    loc = locale
    case = view.case
    values = values or {}
    route = values.get("route") or (
        case.route.value if case.route else suggested_route(case.case_type, case.economic_impact)
    )
    if route not in {r.value for r in view.routes}:
        route = view.routes[0].value
    section = values.get("section") or (
        case.section.value if case.section else default_section(case.case_type, route).value
    )
    meeting_id = values.get("meeting") or (str(case.meeting.id) if case.meeting else "")
    minutes = values.get("minutes") or (str(case.minutes) if case.minutes else "")

    def build(limit: int) -> Json:
        body: list[Json] = [
            heading(t("case.triage.title", loc, number=case.label)),
            text_block(plain(case.title), weight="Bolder", size="Medium"),
            text_block(t("case.triage.intro", loc), is_subtle=True),
        ]
        if problems:
            body.append(error_banner([t("case.triage.errors", loc)]))
        body.append(fact_set(_case_facts(case, loc)))
        if case.needs_ssu:
            body.append(
                text_block(t("case.triage.forced_ssu", loc), color="Warning", weight="Bolder")
            )
        body += _long_text(t("case.field.background", loc), case.background, limit)
        body += _long_text(t("case.field.assessment", loc), case.assessment, limit)
        body += _long_text(t("case.field.proposal", loc), case.proposal, limit)
        if case.attachments:
            body += _long_text(t("case.fact.attachments", loc), "\n".join(case.attachments), limit)
        body.append(
            choice_set(
                "route",
                t("case.triage.field.route", loc),
                [(r.value, t(f"case.route.{r.value}", loc)) for r in view.routes],
                value=route,
                required=True,
                error_message=t("case.error.unknown_value", loc),
                style="expanded",
            )
        )
        body += _field_errors(problems, "route", loc)
        meetings = [("", t("case.meeting.unplanned", loc))] + [
            (str(m.id), meeting_label(m, loc)) for m in view.meetings
        ]
        offered = {value for value, _ in meetings}
        body.append(
            choice_set(
                "meeting",
                t("case.triage.field.meeting", loc),
                meetings,
                value=meeting_id if meeting_id in offered else "",
            )
        )
        body += _field_errors(problems, "meeting", loc)
        body.append(
            choice_set(
                "section",
                t("case.triage.field.section", loc),
                [(s.value, t(f"case.section.{s.value}", loc)) for s in Section],
                value=section,
                required=True,
                error_message=t("case.error.unknown_value", loc),
            )
        )
        body += _field_errors(problems, "section", loc)
        body.append(
            {
                "type": "Input.Number",
                "id": "minutes",
                "label": t("case.triage.field.minutes", loc),
                "min": 1,
                "max": MINUTES_MAX,
                **({"value": int(minutes)} if minutes.isascii() and minutes.isdigit() else {}),
            }
        )
        body += _field_errors(problems, "minutes", loc)
        body.append(_help(t("case.triage.field.minutes.help", loc, limit=MINUTES_MAX)))
        return card(
            body,
            actions=[
                execute_action(
                    t("case.triage.action", loc),
                    VERB_TRIAGE,
                    {"case_id": case.id},
                    style="positive",
                )
            ],
            refresh={
                "action": {
                    "type": "Action.Execute",
                    "verb": VERB_TRIAGE_SHOW,
                    "data": {"case_id": case.id},
                }
            },
        )

    return _fit(lambda limit: build(min(limit, _SHOWN_SHORT)))


def triaged_card(locale: str, case: CaseView, *, changed: bool = True) -> Json:
    """What the secretariat sees after saving: the decision, in words."""
    loc = locale
    facts = _case_facts(case, loc)
    if case.route is not None:
        facts.append((t("case.fact.route", loc), t(f"case.route.{case.route.value}", loc)))
    if case.section is not None:
        facts.append((t("case.fact.section", loc), t(f"case.section.{case.section.value}", loc)))
    if case.minutes is not None:
        facts.append((t("case.fact.minutes", loc), t("case.minutes", loc, minutes=case.minutes)))
    body: list[Json] = [
        heading(t("case.triage.done", loc, number=case.label)),
        text_block(plain(case.title), weight="Bolder"),
        fact_set(facts),
    ]
    if not changed:
        body.append(text_block(t("case.triage.unchanged", loc), is_subtle=True))
    return card(body)


# --------------------------------------------------------------------------------------------------
# Following one's cases, and the notices
# --------------------------------------------------------------------------------------------------


def my_cases_card(locale: str, cases: Sequence[CaseView]) -> Json:
    """`mine saker`: number, title, status and meeting of each case, newest first."""
    loc = locale
    body: list[Json] = [heading(t("case.mine.title", loc))]
    if not cases:
        body.append(text_block(t("case.mine.empty", loc)))
        return card(body)
    for case in cases:
        body.append(
            {
                "type": "Container",
                "separator": True,
                "spacing": "Medium",
                "items": [
                    text_block(
                        t("case.mine.case", loc, number=case.label, title=plain(case.title)),
                        weight="Bolder",
                    ),
                    fact_set(
                        [
                            (
                                t("case.fact.status", loc),
                                t(f"case.status.{case.status.value}", loc),
                            ),
                            (t("case.fact.meeting", loc), meeting_label(case.meeting, loc)),
                        ]
                    ),
                ],
            }
        )
    return card(body)


def status_text(locale: str, case: CaseView, *, change: str = CHANGE_STATUS) -> str:
    """The note the submitter gets when their case changes status (``change="updated"``: the
    secretariat changed its route, section or meeting, the status stayed)."""
    loc = locale
    parts = [
        t(
            "case.notice.updated" if change == CHANGE_UPDATED else "case.notice.status",
            loc,
            number=case.label,
            title=plain(case.title),
            status=t(f"case.status.{case.status.value}", loc),
        )
    ]
    if case.route is not None:
        parts.append(t("case.notice.route", loc, route=t(f"case.route.{case.route.value}", loc)))
    if case.section is not None:
        section = t(f"case.section.{case.section.value}", loc)
        parts.append(t("case.notice.section", loc, section=section))
    if case.meeting is not None:
        parts.append(t("case.notice.meeting", loc, meeting=meeting_label(case.meeting, loc)))
    return " ".join(parts)


def render_notice(notice: Notice) -> tuple[str | None, dict[str, Any] | None]:
    """Outbox payload of a notice: the triage card for the secretariat, a note for submitters."""
    case = notice.case
    if notice.kind == KIND_TRIAGE:
        view = TriageView(case, tuple(notice.meetings), allowed_routes(case.economic_impact))
        summary = t("case.notice.triage", notice.locale, number=case.label, title=plain(case.title))
        return summary, triage_card(notice.locale, view)
    return status_text(notice.locale, case, change=notice.change), None
