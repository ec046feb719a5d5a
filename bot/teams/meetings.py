"""Meetings in Teams: ``neste møte``/``next meeting``, ``møteplan``/``meeting plan`` and the card
verbs ``meeting.plan.show``, ``meeting.plan.approve``, ``meeting.list``, ``meeting.next``,
``meeting.add``, ``meeting.move`` and ``meeting.cancel``.

Why this layer parses the card inputs: Teams sends every input as text; turning it into dates and
times (and saying which field could not be read) is transport work. Whether the values make a
valid meeting is the service's decision, and it audits every refusal — including input this layer
could not read, via :func:`bot.services.meetings.record_refused_input`.

Free/busy is asked after the database transaction is closed: a slow calendar must never hold the
database (on SQLite every transaction takes the write lock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, cast

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from bot.domain.calendar import MeetingForm, to_oslo
from bot.domain.meeting_rules import (
    MeetingDraft,
    PlanEdit,
    Problem,
    draft_from_proposal,
    local_datetime,
)
from bot.graph.factory import CALENDAR
from bot.graph.port import CalendarPort
from bot.i18n import t
from bot.services import meetings as service
from bot.services.meetings import MeetingView, ProposalView, RefusalReason, Refused
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.commands import Command
from bot.teams.handler import CommandHandler, card_activity
from cards import meetings as cards
from cards.base import Json
from dialogs.context import TurnServices, services_of
from storage.db import transaction

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CalendarSource = Callable[[], CalendarPort | None]
"""Where the calendar port comes from at the time of a turn (the app builds it after us)."""
_FORM_FIELDS = ("date", "end_date", "start", "end", "location", "form")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MeetingHandlers:
    """The meeting commands and verbs, with the calendar port (None: free/busy unavailable)."""

    def __init__(
        self, *, calendar: CalendarPort | CalendarSource | None = None, clock: Clock = _utcnow
    ) -> None:
        self._calendar_source: CalendarSource = _as_source(calendar)
        self._clock = clock

    # ---------------------------------------------------------------------------------------------
    # Chat commands
    # ---------------------------------------------------------------------------------------------

    async def next_meeting_command(
        self, turn_context: TurnContext, _dialogs: DialogContext
    ) -> None:
        services = services_of(turn_context)
        if not services.actor.known:
            await turn_context.send_activity(t("error.unknown_person", services.actor.locale))
            return
        await turn_context.send_activity(card_activity(await self._next_card(services)))

    async def meeting_plan_command(
        self, turn_context: TurnContext, _dialogs: DialogContext
    ) -> None:
        """The secretariat gets next year's plan card while it has meetings left to create;
        everyone else (and the secretariat once it is applied) the current year's meetings."""
        services = services_of(turn_context)
        actor = services.actor
        if not actor.known:
            await turn_context.send_activity(t("error.unknown_person", actor.locale))
            return
        this_year = to_oslo(self._clock()).year
        if service.can_plan(actor):
            document = await self._plan_card(services, this_year + 1, only_if_pending=True)
            if document is not None:
                await turn_context.send_activity(card_activity(document))
                return
        await turn_context.send_activity(card_activity(await self._year_card(services, this_year)))

    # ---------------------------------------------------------------------------------------------
    # Card verbs
    # ---------------------------------------------------------------------------------------------

    async def plan_show(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        year = _int(request.values.get("year")) or to_oslo(self._clock()).year + 1
        document = await self._plan_card(services, year, only_if_pending=False)
        assert document is not None
        return document

    async def plan_approve(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        year = _int(request.values.get("year"))
        values = _text_values(request.values)
        edits, problems = parse_plan_edits(values)
        async with transaction(services.sessions) as session:
            if year is None:
                problems.append(Problem("year", "year_out_of_range", _year_bounds()))
            if problems:
                result: service.PlanApplied | Refused = await service.record_refused_input(
                    session,
                    actor=actor,
                    action="meeting.plan.apply",
                    problems=problems,
                    subject_id=year or "",
                )
            else:
                assert year is not None
                result = await service.apply_plan(
                    session, actor=actor, year=year, edits=edits, now=self._clock()
                )
        if isinstance(result, service.PlanApplied):
            return cards.plan_applied_card(locale, result)
        if result.reason is not RefusalReason.INVALID or year is None:
            return cards.refused_card(locale, result)
        document = await self._plan_card(
            services, year, only_if_pending=False, refused=result, values=values
        )
        assert document is not None
        return document

    async def list_year(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        year = _int(request.values.get("year")) or to_oslo(self._clock()).year
        return await self._year_card(services, year)

    async def next_action(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        if not services.actor.known:
            return cards.refused_card(services.actor.locale, Refused(RefusalReason.NOT_ALLOWED))
        return await self._next_card(services)

    async def add(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        if request.values.get("step") != cards.STEP_SUBMIT:
            if not service.can_plan(actor):
                return cards.refused_card(locale, Refused(RefusalReason.NOT_ALLOWED))
            return cards.add_meeting_card(locale, values=_ADD_DEFAULTS)
        values = _text_values(request.values)
        draft, problems = parse_draft(values, body=values.get("body", ""))
        async with transaction(services.sessions) as session:
            if draft is None:
                result: service.MeetingChanged | Refused = await service.record_refused_input(
                    session, actor=actor, action="meeting.add", problems=problems
                )
            else:
                result = await service.add_meeting(
                    session, actor=actor, draft=draft, now=self._clock()
                )
        if isinstance(result, service.MeetingChanged):
            return cards.meeting_changed_card(locale, result, "add")
        if result.reason is RefusalReason.INVALID:
            return cards.add_meeting_card(locale, values=values, refused=result)
        return cards.refused_card(locale, result)

    async def move(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        meeting_id = _int(request.values.get("meeting_id"))
        if meeting_id is None:
            return cards.refused_card(locale, _not_found())
        if request.values.get("step") != cards.STEP_SUBMIT:
            return await self._form(services, meeting_id, "move")
        values = _text_values(request.values)
        async with transaction(services.sessions) as session:
            current = await service.get_meeting(session, actor=actor, meeting_id=meeting_id)
            if isinstance(current, Refused):
                return cards.refused_card(locale, current)
            draft, problems = parse_draft(
                {**cards.move_values(current), **values}, body=current.body.value
            )
            if draft is None:
                result: service.MeetingChanged | Refused = await service.record_refused_input(
                    session,
                    actor=actor,
                    action="meeting.move",
                    problems=problems,
                    subject_id=meeting_id,
                )
            else:
                result = await service.move_meeting(
                    session,
                    actor=actor,
                    meeting_id=meeting_id,
                    start=draft.start,
                    end=draft.end,
                    location=draft.location,
                    form=draft.form,
                    now=self._clock(),
                )
        if isinstance(result, service.MeetingChanged):
            return cards.meeting_changed_card(locale, result, "move")
        if result.reason is RefusalReason.INVALID:
            return cards.move_meeting_card(locale, current, values=values, refused=result)
        return cards.refused_card(locale, result)

    async def cancel(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        meeting_id = _int(request.values.get("meeting_id"))
        if meeting_id is None:
            return cards.refused_card(locale, _not_found())
        if request.values.get("step") != cards.STEP_SUBMIT:
            return await self._form(services, meeting_id, "cancel")
        reason = request.text("reason")
        async with transaction(services.sessions) as session:
            result = await service.cancel_meeting(
                session, actor=actor, meeting_id=meeting_id, reason=reason
            )
            current = (
                await service.get_meeting(session, actor=actor, meeting_id=meeting_id)
                if isinstance(result, Refused) and result.reason is RefusalReason.INVALID
                else None
            )
        if isinstance(result, service.MeetingChanged):
            return cards.meeting_changed_card(locale, result, "cancel")
        if isinstance(current, MeetingView):
            return cards.cancel_meeting_card(locale, current, reason=reason, refused=result)
        return cards.refused_card(locale, result)

    # ---------------------------------------------------------------------------------------------
    # Building cards
    # ---------------------------------------------------------------------------------------------

    async def _form(self, services: TurnServices, meeting_id: int, kind: str) -> Json:
        actor, locale = services.actor, services.actor.locale
        if not service.can_plan(actor):
            return cards.refused_card(locale, Refused(RefusalReason.NOT_ALLOWED))
        async with transaction(services.sessions) as session:
            meeting = await service.get_meeting(session, actor=actor, meeting_id=meeting_id)
        if isinstance(meeting, Refused):
            return cards.refused_card(locale, meeting)
        if kind == "move":
            return cards.move_meeting_card(locale, meeting)
        return cards.cancel_meeting_card(locale, meeting)

    async def _next_card(self, services: TurnServices) -> Json:
        actor = services.actor
        now = self._clock()
        async with transaction(services.sessions) as session:
            meeting = await service.next_meeting(session, actor=actor, now=now)
            if isinstance(meeting, Refused):
                return cards.refused_card(actor.locale, meeting)
            info = (
                await service.calendar_info(session, meeting_id=meeting.id)
                if meeting is not None
                else None
            )
        return cards.next_meeting_card(
            actor.locale, meeting, info, now=now, can_manage=service.can_plan(actor)
        )

    async def _year_card(self, services: TurnServices, year: int) -> Json:
        actor = services.actor
        async with transaction(services.sessions) as session:
            meetings = await service.meetings_in_year(session, actor=actor, year=year)
        if isinstance(meetings, Refused):
            return cards.refused_card(actor.locale, meetings)
        return cards.year_card(actor.locale, year, meetings, can_manage=service.can_plan(actor))

    async def _plan_card(
        self,
        services: TurnServices,
        year: int,
        *,
        only_if_pending: bool,
        refused: Refused | None = None,
        values: Mapping[str, str] | None = None,
    ) -> Json | None:
        actor = services.actor
        async with transaction(services.sessions) as session:
            items = await service.proposed_plan(session, actor=actor, year=year)
            leaders = await service.leadership(session) if not isinstance(items, Refused) else {}
        if isinstance(items, Refused):
            return cards.refused_card(actor.locale, items)
        pending = [item for item in items if item.existing is None]
        if only_if_pending and not pending:
            return None
        busy = await service.busy_flags(
            calendar=self._calendar_source(), leaders=leaders, drafts=_drafts(pending)
        )
        return cards.plan_card(actor.locale, year, items, busy, refused=refused, values=values)


def _as_source(calendar: CalendarPort | CalendarSource | None) -> CalendarSource:
    if calendar is None:
        return lambda: None
    if hasattr(calendar, "free_busy"):
        port = cast(CalendarPort, calendar)
        return lambda: port
    return calendar


def app_calendar(app: web.Application) -> CalendarSource:
    """The app's calendar port once ``bot.graph.factory.calendar_context`` has built it; None
    before that (or when it is not wired), and the plan card then says free/busy is unavailable.
    """

    def current() -> CalendarPort | None:
        services = app.get(CALENDAR)
        return services.calendar if services is not None else None

    return current


def _drafts(items: list[ProposalView]) -> dict[str, MeetingDraft]:
    return {item.proposal.slot: draft_from_proposal(item.proposal) for item in items}


_ADD_DEFAULTS: Mapping[str, str] = {
    "body": "SSU",
    "start": "09:30",
    "end": "14:30",
    "form": MeetingForm.physical.value,
}


def _not_found() -> Refused:
    return Refused(RefusalReason.NOT_FOUND, (Problem("meeting", "meeting_not_found"),))


def _year_bounds() -> dict[str, str]:
    return {"min": str(service.MIN_PLAN_YEAR), "max": str(service.MAX_PLAN_YEAR)}


# --------------------------------------------------------------------------------------------------
# Parsing card input (pure; Teams sends every input as text)
# --------------------------------------------------------------------------------------------------


_MAX_INT = 2**31 - 1
"""Larger numbers fit no id column (PostgreSQL ``integer``) and no year: such input is forged."""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) <= _MAX_INT else None
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 10:  # "²".isdigit(), yet no int
        return int(text) if int(text) <= _MAX_INT else None
    return None


def _text_values(values: Mapping[str, Any]) -> dict[str, str]:
    """The string inputs of an action (data keys like ``meeting_id`` may be numbers: skipped)."""
    return {k: v for k, v in values.items() if isinstance(k, str) and isinstance(v, str)}


def parse_day(raw: str, field: str) -> tuple[date | None, list[Problem]]:
    """``YYYY-MM-DD`` as Input.Date sends it."""
    try:
        return date.fromisoformat(raw.strip()), []
    except ValueError:
        return None, [Problem(field, "date_invalid")]


def parse_clock(raw: str, field: str) -> tuple[time | None, list[Problem]]:
    """``HH:MM`` (or ``HH:MM:SS``) as Input.Time sends it; no time zone."""
    text = raw.strip()
    try:
        clock = time.fromisoformat(text)
    except ValueError:
        return None, [Problem(field, "time_invalid")]
    if clock.tzinfo is not None or len(text) < 4:
        return None, [Problem(field, "time_invalid")]
    return clock.replace(second=0, microsecond=0), []


def parse_plan_edits(values: Mapping[str, str]) -> tuple[dict[str, PlanEdit], list[Problem]]:
    """The plan card's inputs (``<slot>.date``, ``.start``, ``.location``, ``.form``) by slot.

    Unknown slots are left for the service to refuse; unreadable values become problems here.
    """
    raw: dict[str, dict[str, str]] = {}
    for key, value in values.items():
        slot, dot, name = key.rpartition(".")
        if dot and slot and name in {"date", "start", "location", "form"}:
            raw.setdefault(slot, {})[name] = value
    edits: dict[str, PlanEdit] = {}
    problems: list[Problem] = []
    for slot, fields in raw.items():
        day = clock = None
        form: MeetingForm | None = None
        if "date" in fields:
            day, found = parse_day(fields["date"], f"{slot}.date")
            problems += found
        if "start" in fields:
            clock, found = parse_clock(fields["start"], f"{slot}.start")
            problems += found
        if "form" in fields:
            try:
                form = MeetingForm(fields["form"].strip())
            except ValueError:
                problems.append(Problem(f"{slot}.form", "form_unknown"))
        edits[slot] = PlanEdit(
            day=day, start_time=clock, location=fields.get("location"), form=form
        )
    return edits, problems


def parse_draft(
    values: Mapping[str, str], *, body: str
) -> tuple[MeetingDraft | None, list[Problem]]:
    """The add/move form as a draft: day, optional end day, start and end time, place, form,
    region. None with the problems when a date or time cannot be read."""
    problems: list[Problem] = []
    day, found = parse_day(values.get("date", ""), "date")
    problems += found
    end_day: date | None = day
    if values.get("end_date", "").strip():
        end_day, found = parse_day(values["end_date"], "end_date")
        problems += found
    start, found = parse_clock(values.get("start", ""), "start")
    problems += found
    end, found = parse_clock(values.get("end", ""), "end")
    problems += found
    if problems or day is None or end_day is None or start is None or end is None:
        return None, problems
    return (
        MeetingDraft(
            body=body.strip(),
            start=local_datetime(day, start),
            end=local_datetime(end_day, end),
            form=values.get("form", "").strip(),
            location=values.get("location"),
            region=values.get("region") or None,
        ),
        [],
    )


def register(
    actions: ActionRegistry,
    commands: dict[Command, CommandHandler],
    *,
    calendar: CalendarPort | CalendarSource | None = None,
    clock: Clock = _utcnow,
) -> MeetingHandlers:
    """Wire the meeting commands and verbs; returns the handlers (tests drive them directly)."""
    handlers = MeetingHandlers(calendar=calendar, clock=clock)
    commands[Command.NEXT_MEETING] = handlers.next_meeting_command
    commands[Command.MEETING_PLAN] = handlers.meeting_plan_command
    actions.register(cards.VERB_PLAN_SHOW, handlers.plan_show)
    actions.register(cards.VERB_PLAN_APPROVE, handlers.plan_approve)
    actions.register(cards.VERB_LIST, handlers.list_year)
    actions.register(cards.VERB_NEXT, handlers.next_action)
    actions.register(cards.VERB_ADD, handlers.add)
    actions.register(cards.VERB_MOVE, handlers.move)
    actions.register(cards.VERB_CANCEL, handlers.cancel)
    log.debug("meeting handlers registered", extra={"calendar_wired": calendar is not None})
    return handlers
