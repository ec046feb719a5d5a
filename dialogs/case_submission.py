"""`meld inn sak`: the case template as a ComponentDialog — form → validation → confirmation →
receipt with the case number.

Why a dialog although the form is a card: the flow has steps (the form may come back with errors
several times, then a confirmation, then the receipt), and its state — the draft id and what was
typed so far — must survive leaving the chat, a restart and a second replica. Dialog state is
PrivateConversationState on the database, so it does.

How a card click reaches this dialog: the `case.submit` verb handler (bot/teams/cases.py)
continues the dialog when it is active and otherwise begins it with :func:`options_from_invoke`.
A step answers an invoke by leaving its card in the turn state (:func:`take_card` gets it for the
invoke response); on a message turn (`meld inn sak`) the same card is sent as a message.

Why the cards carry the draft id: it is the idempotency key of the submission (a double click or
a redelivered invoke finds the case the first click made), and it lets a card clicked after the
dialog was cancelled (another command came in between) start the flow again from that card.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    Dialog,
    DialogContext,
    DialogInstance,
    DialogReason,
    DialogTurnResult,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import ActivityTypes, Attachment
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.cases import FORM_FIELDS
from bot.i18n import t
from bot.services import cases as service
from bot.services import outbox
from cards.base import CARD_CONTENT_TYPE, Json
from cards.cases import (
    VERB_NEW,
    VERB_SUBMIT,
    CaseForm,
    case_cancelled_card,
    case_confirm_card,
    case_form_card,
    case_receipt_card,
    case_refused_card,
    case_stale_card,
    render_notice,
)
from dialogs.context import services_of
from storage.db import transaction

__all__ = [
    "CASE_DIALOG",
    "NOTIFY",
    "CaseSubmissionDialog",
    "Intent",
    "options_from_invoke",
    "outbox_notices",
    "stashed_draft",
    "take_card",
]

log = logging.getLogger(__name__)

CASE_DIALOG: Final = "case_submission"
_STEPS: Final = "case_submission.steps"
_FORM: Final = "case_submission.form"
_CONFIRM: Final = "case_submission.confirm"
_CARD_KEY: Final = "ssu.case_submission.card"
_STASH_KEY: Final = "ssu.case_submission.stash"
_DRAFT: Final = "draft"
_INVOKE_NAME: Final = "adaptiveCard/action"


class Intent(StrEnum):
    """What a button on a case card asks for (the ``intent`` in its data)."""

    OPEN = "open"
    SUBMIT = "submit"
    CONFIRM = "confirm"
    EDIT = "edit"
    CANCEL = "cancel"


# --------------------------------------------------------------------------------------------------
# The turn: what came in, what goes out
# --------------------------------------------------------------------------------------------------


def _action(context: TurnContext) -> Mapping[str, Any] | None:
    """The data of a `case.submit` invoke (inputs merged in), or None for any other activity."""
    activity = context.activity
    if activity.type != ActivityTypes.invoke or activity.name != _INVOKE_NAME:
        return None
    value = activity.value if isinstance(activity.value, Mapping) else {}
    action = value.get("action")
    if not isinstance(action, Mapping) or action.get("verb") not in (VERB_SUBMIT, VERB_NEW):
        return None
    data = action.get("data")
    data = data if isinstance(data, Mapping) else {}
    if action.get("verb") == VERB_NEW:
        return {**data, "intent": Intent.OPEN.value}
    return data


def _intent_of(data: Mapping[str, Any]) -> Intent:
    raw = data.get("intent")
    if isinstance(raw, str) and raw in tuple(Intent):
        return Intent(raw)
    return Intent.SUBMIT


def _draft_id_of(data: Mapping[str, Any]) -> str | None:
    raw = data.get("draft_id")
    return raw if isinstance(raw, str) and service.is_submission_key(raw) else None


def options_from_invoke(
    values: Mapping[str, Any], *, intent: Intent | None = None
) -> dict[str, Any]:
    """Begin options for a `case.submit` (or `case.new`) invoke that found no active dialog.

    Only the intent and the draft id: the typed values are read from the activity by the form
    step, so the dialog state never holds anything the rules have not cut to size.
    """
    return {"intent": (intent or _intent_of(values)).value, "draft_id": _draft_id_of(values)}


def _form_values(context: TurnContext) -> Mapping[str, Any] | None:
    """The form inputs of this turn's invoke, when it is a form being sent."""
    data = _action(context)
    if data is None or _intent_of(data) is not Intent.SUBMIT:
        return None
    if not any(name in data for name in FORM_FIELDS):
        return None
    return {name: data.get(name) for name in FORM_FIELDS}


async def _show(context: TurnContext, document: Json) -> None:
    """Answer the invoke with ``document``, or send it when this turn is a message."""
    if context.activity.type == ActivityTypes.invoke:
        context.turn_state[_CARD_KEY] = document
        return
    attachment = Attachment(content_type=CARD_CONTENT_TYPE, content=document)
    await context.send_activity(MessageFactory.attachment(attachment))


def take_card(context: TurnContext) -> Json | None:
    """The card a step left for this turn's invoke response (once)."""
    document = context.turn_state.pop(_CARD_KEY, None)
    return document if isinstance(document, dict) else None


def stashed_draft(context: TurnContext) -> dict[str, Any] | None:
    """The draft of a case dialog a command cancelled in this turn, so `meld inn sak` can resume."""
    draft = context.turn_state.get(_STASH_KEY)
    return dict(draft) if isinstance(draft, dict) else None


def _draft(dc: DialogContext) -> dict[str, Any]:
    """The draft, kept in the component's own instance state (the outer dialog context)."""
    owner = dc.parent if dc.parent is not None else dc
    draft: dict[str, Any] = owner.active_dialog.state[_DRAFT]
    return draft


NOTICE_LIFETIME: Final = timedelta(days=30)
"""A triage card or status note not delivered in a month is dropped (the case list still shows
where the case stands)."""


async def outbox_notices(
    session: AsyncSession, notices: Sequence[service.Notice], *, now: datetime
) -> None:
    """The :class:`~bot.services.cases.NoticeSink` of the app: every notice rendered and put in
    the outbox in the transaction of the change, delivered by the outbox sender afterwards.

    Mandatory: a triage card or news of one's own case is not a reminder, so "reminders off" does
    not stop it. The notice's key makes a repeated enqueue (a redelivered invoke) a no-op.
    """
    for notice in notices:
        text, document = render_notice(notice)
        await outbox.enqueue(
            session,
            kind=notice.kind,
            subject=f"case:{notice.case.id}",
            payload=outbox.payload(text=text, card=document, summary=text),
            not_before=now,
            expires_at=now + NOTICE_LIFETIME,
            deadline_key=notice.key,
            recipient_person_id=notice.recipient_person_id,
            conversation_id=None if notice.recipient_person_id else notice.conversation_id,
            mandatory=True,
            now=now,
        )


NOTIFY: service.NoticeSink | None = outbox_notices
"""Where case notices go (the triage handler in bot/teams/cases.py uses the same sink)."""


def _locale(context: TurnContext) -> str:
    return services_of(context).actor.locale


async def _hint(context: TurnContext) -> DialogTurnResult:
    """Someone typed while a case card waits: point them to the card, keep waiting."""
    await context.send_activity(t("case.hint", _locale(context)))
    return Dialog.end_of_turn


# --------------------------------------------------------------------------------------------------
# The inner dialogs
# --------------------------------------------------------------------------------------------------


class _FormDialog(Dialog):  # type: ignore[misc]
    """Shows the form and waits until a sent form passes the rules."""

    def __init__(self, meetings: service.MeetingDirectory) -> None:
        super().__init__(_FORM)
        self._meetings = meetings

    async def begin_dialog(
        self, dialog_context: DialogContext, options: object = None
    ) -> DialogTurnResult:
        opts = options if isinstance(options, Mapping) else {}
        if opts.get("intent") == Intent.SUBMIT:
            return await self._check(dialog_context)
        context = dialog_context.context
        note = t("case.form.resumed", _locale(context)) if opts.get("resumed") else None
        await self._render(dialog_context, note=note)
        return Dialog.end_of_turn

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        data = _action(dialog_context.context)
        if data is None:
            return await _hint(dialog_context.context)
        if _intent_of(data) is Intent.SUBMIT:
            return await self._check(dialog_context)
        await self._render(dialog_context)
        return Dialog.end_of_turn

    async def _check(self, dc: DialogContext) -> DialogTurnResult:
        context = dc.context
        services = services_of(context)
        draft = _draft(dc)
        values = _form_values(context)
        async with transaction(services.sessions) as session:
            review = await service.review_form(
                session,
                values if values is not None else draft["values"],
                meetings=self._meetings,
                actor=services.actor,
            )
            meetings = await service.open_meetings(session, meetings=self._meetings)
        draft["values"] = dict(review.values)
        if review.ok:
            return await dc.end_dialog()
        problems = review.check.problems + review.problems
        log.info(
            "case form refused",
            extra={"draft_id": draft["draft_id"], "problems": len(problems)},
        )
        form = CaseForm(services.actor.locale, draft["draft_id"], review.values, meetings, problems)
        await _show(context, case_form_card(form))
        return Dialog.end_of_turn

    async def _render(self, dc: DialogContext, *, note: str | None = None) -> None:
        services = services_of(dc.context)
        draft = _draft(dc)
        async with transaction(services.sessions) as session:
            meetings = await service.open_meetings(session, meetings=self._meetings)
        form = CaseForm(
            services.actor.locale, draft["draft_id"], draft["values"], meetings, note=note
        )
        await _show(dc.context, case_form_card(form))


class _ConfirmDialog(Dialog):  # type: ignore[misc]
    """Shows what will be sent; ends with the intent of the button pressed."""

    def __init__(self, meetings: service.MeetingDirectory) -> None:
        super().__init__(_CONFIRM)
        self._meetings = meetings

    async def begin_dialog(
        self, dialog_context: DialogContext, options: object = None
    ) -> DialogTurnResult:
        context = dialog_context.context
        services = services_of(context)
        draft = _draft(dialog_context)
        async with transaction(services.sessions) as session:
            review = await service.review_form(session, draft["values"], meetings=self._meetings)
        submission = review.check.submission
        if submission is None or not review.ok:
            return await dialog_context.end_dialog(Intent.SUBMIT.value)
        document = case_confirm_card(
            services.actor.locale, draft["draft_id"], submission, review.placement
        )
        await _show(context, document)
        return Dialog.end_of_turn

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        data = _action(dialog_context.context)
        if data is None:
            return await _hint(dialog_context.context)
        intent = _intent_of(data)
        if intent not in (Intent.CONFIRM, Intent.SUBMIT):
            intent = Intent.EDIT
        return await dialog_context.end_dialog(intent.value)


# --------------------------------------------------------------------------------------------------
# The component
# --------------------------------------------------------------------------------------------------


class CaseSubmissionDialog(ComponentDialog):  # type: ignore[misc]
    """Begin options: ``intent`` (:class:`Intent`), ``draft_id`` (a card's), ``values`` (a
    resumed draft's, already cut to size) and ``resumed``."""

    def __init__(
        self,
        *,
        meetings: service.MeetingDirectory = service.STORED_MEETINGS,
        notify: service.NoticeSink | None = None,
    ) -> None:
        super().__init__(CASE_DIALOG)
        self._meetings = meetings
        self._notify = notify if notify is not None else NOTIFY
        self.add_dialog(WaterfallDialog(_STEPS, [self._fill, self._confirm, self._finish]))
        self.add_dialog(_FormDialog(meetings))
        self.add_dialog(_ConfirmDialog(meetings))
        self.initial_dialog_id = _STEPS

    async def begin_dialog(
        self, dialog_context: DialogContext, options: object = None
    ) -> DialogTurnResult:
        opts = options if isinstance(options, Mapping) else {}
        draft_id = opts.get("draft_id")
        values = opts.get("values")
        dialog_context.active_dialog.state[_DRAFT] = {
            "draft_id": draft_id if service.is_submission_key(draft_id) else uuid.uuid4().hex,
            "values": {k: str(v) for k, v in values.items() if k in FORM_FIELDS}
            if isinstance(values, Mapping)
            else {},
        }
        inner = {
            "intent": opts.get("intent") or Intent.OPEN.value,
            "resumed": bool(opts.get("resumed")),
        }
        return await super().begin_dialog(dialog_context, inner)

    async def on_begin_dialog(self, inner_dc: DialogContext, options: object) -> DialogTurnResult:
        opts = options if isinstance(options, Mapping) else {}
        intent = opts.get("intent")
        context = inner_dc.context
        if intent == Intent.CANCEL:
            await _show(context, case_cancelled_card(_locale(context)))
            return DialogTurnResult(DialogTurnStatus.Complete)
        if intent in (Intent.CONFIRM, Intent.EDIT):
            await self._replay(inner_dc)
            return DialogTurnResult(DialogTurnStatus.Complete)
        return await inner_dc.begin_dialog(_STEPS, opts)

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        data = _action(dialog_context.context)
        if data is not None:
            draft = dialog_context.active_dialog.state[_DRAFT]
            intent = _intent_of(data)
            other = _draft_id_of(data)
            if other is not None and other != draft["draft_id"]:
                # Another case card of this person's: the card clicked wins.
                restart = {"intent": intent.value, "draft_id": other}
                return await dialog_context.replace_dialog(self.id, restart)
            if intent is Intent.CANCEL:
                await _show(
                    dialog_context.context, case_cancelled_card(_locale(dialog_context.context))
                )
                return await dialog_context.end_dialog()
            if intent is Intent.OPEN:
                resume = {**draft, "intent": Intent.OPEN.value, "resumed": True}
                return await dialog_context.replace_dialog(self.id, resume)
        return await super().continue_dialog(dialog_context)

    async def end_dialog(
        self, context: TurnContext, instance: DialogInstance, reason: DialogReason
    ) -> None:
        if reason == DialogReason.CancelCalled and isinstance(instance.state.get(_DRAFT), dict):
            context.turn_state[_STASH_KEY] = dict(instance.state[_DRAFT])
        await super().end_dialog(context, instance, reason)

    async def _replay(self, dc: DialogContext) -> None:
        """A confirmation card whose dialog is gone: show its case if it was made, else say so."""
        context = dc.context
        services = services_of(context)
        draft = _draft(dc)
        async with transaction(services.sessions) as session:
            case = await service.find_submission(
                session, actor=services.actor, key=draft["draft_id"], meetings=self._meetings
            )
        if case is None:
            await _show(context, case_stale_card(services.actor.locale))
        else:
            await _show(context, case_receipt_card(services.actor.locale, case, again=True))

    # The waterfall ------------------------------------------------------------------------------

    async def _fill(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(_FORM, step.options)

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog(_CONFIRM)

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        intent = step.result
        if intent == Intent.EDIT:
            return await step.replace_dialog(_STEPS, {"intent": Intent.OPEN.value})
        if intent != Intent.CONFIRM:
            return await step.replace_dialog(_STEPS, {"intent": Intent.SUBMIT.value})
        context = step.context
        services = services_of(context)
        draft = _draft(step)
        conversation = context.activity.conversation
        personal = conversation is not None and conversation.conversation_type == "personal"
        async with transaction(services.sessions) as session:
            result = await service.submit_case(
                session,
                actor=services.actor,
                values=draft["values"],
                key=draft["draft_id"],
                # Status notes go to this chat only when it is a one-to-one chat: never to a
                # channel where others would read about someone's case.
                conversation_id=conversation.id if personal else None,
                meetings=self._meetings,
                notify=self._notify,
            )
        if isinstance(result, service.Refused):
            if result.reason is service.RefusalReason.INVALID:
                return await step.replace_dialog(_STEPS, {"intent": Intent.SUBMIT.value})
            await _show(context, case_refused_card(services.actor.locale, result.reason))
            return await step.end_dialog()
        await _show(
            context, case_receipt_card(services.actor.locale, result.case, again=not result.created)
        )
        return await step.end_dialog(result.case.id)
