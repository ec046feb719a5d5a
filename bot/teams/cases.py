"""Cases in Teams: `meld inn sak`, `mine saker`, and the `case.*` card actions.

`case.submit` and `case.new` drive the case dialog (dialogs/case_submission.py) through the
DialogContext the handler gives every invoke; `case.triage` is a plain, stateless verb: the card
carries the case id and everything needed to decide, so it needs no dialog.
"""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.cases import triageable
from bot.i18n import t
from bot.services import cases as service
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.commands import Command
from bot.teams.handler import CommandHandler, card_activity, error_card
from cards.base import Json
from cards.cases import (
    VERB_NEW,
    VERB_SUBMIT,
    VERB_TRIAGE,
    VERB_TRIAGE_SHOW,
    case_refused_card,
    case_stale_card,
    my_cases_card,
    render_notice,
    triage_card,
    triaged_card,
)
from dialogs.case_submission import (
    CASE_DIALOG,
    NOTIFY,
    Intent,
    options_from_invoke,
    stashed_draft,
    take_card,
)
from dialogs.context import services_of
from storage.db import transaction
from storage.models import utcnow

__all__ = ["register", "triage_messages"]

log = logging.getLogger(__name__)


async def submit_case(turn_context: TurnContext, dialogs: DialogContext) -> None:
    """`meld inn sak`: the form; a draft a moment ago cancelled by this very command comes back."""
    draft = stashed_draft(turn_context)
    options: dict[str, object] = {"intent": Intent.OPEN.value}
    if draft is not None:
        options.update(draft_id=draft.get("draft_id"), values=draft.get("values"), resumed=True)
    await dialogs.begin_dialog(CASE_DIALOG, options)


async def my_cases(turn_context: TurnContext, _dialogs: DialogContext) -> None:
    services = services_of(turn_context)
    async with transaction(services.sessions) as session:
        cases = await service.cases_of(session, actor=services.actor)
    await turn_context.send_activity(card_activity(my_cases_card(services.actor.locale, cases)))


async def _drive_case_dialog(request: ActionRequest, *, intent: Intent | None = None) -> Json:
    """Hand the invoke to the case dialog: continue it when active, else begin it."""
    locale = services_of(request.turn_context).actor.locale
    dialogs = request.dialogs
    if dialogs is None:
        return error_card(t("error.unknown_action", locale))
    active = dialogs.active_dialog
    if active is not None and active.id == CASE_DIALOG:
        await dialogs.continue_dialog()
    else:
        await dialogs.cancel_all_dialogs()
        await dialogs.begin_dialog(CASE_DIALOG, options_from_invoke(request.values, intent=intent))
    return take_card(request.turn_context) or case_stale_card(locale)


async def submit_action(request: ActionRequest) -> Json:
    return await _drive_case_dialog(request)


async def new_action(request: ActionRequest) -> Json:
    """The help card's button: the form (an active draft comes back as it was)."""
    return await _drive_case_dialog(request, intent=Intent.OPEN)


async def triage_action(request: ActionRequest) -> Json:
    services = services_of(request.turn_context)
    locale = services.actor.locale
    case_id = request.values.get("case_id")
    async with transaction(services.sessions) as session:
        result = await service.triage_case(
            session,
            actor=services.actor,
            case_id=case_id,
            values=request.values,
            notify=NOTIFY,
        )
        if isinstance(result, service.Refused) and result.reason is service.RefusalReason.INVALID:
            view = await service.triage_view(session, actor=services.actor, case_id=case_id)
            if isinstance(view, service.TriageView):
                return triage_card(locale, view, problems=result.problems, values=result.values)
    if isinstance(result, service.Refused):
        return case_refused_card(locale, result.reason)
    return triaged_card(locale, result.case, changed=result.changed)


async def triage_show_action(request: ActionRequest) -> Json:
    """The triage card's refresh: the case as it is now (a triaged one read-only)."""
    services = services_of(request.turn_context)
    locale = services.actor.locale
    async with transaction(services.sessions) as session:
        view = await service.triage_view(
            session, actor=services.actor, case_id=request.values.get("case_id")
        )
    if isinstance(view, service.Refused):
        return case_refused_card(locale, view.reason)
    if not triageable(view.case.status):
        return triaged_card(locale, view.case)
    return triage_card(locale, view)


async def triage_messages(session: AsyncSession, *, case_id: int) -> list[tuple[int, Json]]:
    """The triage card for each secretariat member of a case: (person id, card).

    For senders other than the outbox (the outbox gets the same cards when a case is submitted).
    """
    result: list[tuple[int, Json]] = []
    case = await service.get_case(session, case_id=case_id)
    if case is None:
        return result
    upcoming = await service.STORED_MEETINGS.upcoming(session, now=utcnow())
    for notice in await service.triage_notices(session, case, meetings=upcoming):
        _text, document = render_notice(notice)
        if notice.recipient_person_id is not None and document is not None:
            result.append((notice.recipient_person_id, document))
    return result


def register(actions: ActionRegistry, commands: dict[Command, CommandHandler]) -> None:
    commands[Command.SUBMIT_CASE] = submit_case
    commands[Command.MY_CASES] = my_cases
    actions.register(VERB_SUBMIT, submit_action)
    actions.register(VERB_NEW, new_action)
    actions.register(VERB_TRIAGE, triage_action)
    actions.register(VERB_TRIAGE_SHOW, triage_show_action)
