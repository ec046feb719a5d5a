"""The protocol in Teams: the phrases ``protokoll``/``protocol`` (secretariat: the held meetings
to draft or open) and ``protokoller til signering``/``protocols to sign`` (leaders: what waits for
their signature), and the card verbs ``protocol.draft``, ``protocol.edit``, ``protocol.publish``,
``protocol.sign`` and ``protocol.return``.

Why the signing identity comes from the turn: ``services.actor`` is resolved from the activity's
``from.aadObjectId``, which the Bot Framework authenticated; nothing a card sends can choose who
signs. Publishing, editing a published protocol and the final signature store documents between
two transactions (see :mod:`bot.services.protocol`), so this layer hands the service the session
factory and the app's DocumentStore. ``after_commit`` wakes the outbox once messages are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from bot.domain.protocol import EDITABLE_FIELDS
from bot.graph.factory import CALENDAR
from bot.graph.port import DocumentStore
from bot.i18n import t
from bot.services import protocol as service
from bot.teams.actions import ActionRegistry, ActionRequest
from bot.teams.handler import CommandHandler, card_activity
from cards import protocol as cards
from cards.base import Json, card, execute_action, heading, text_block
from dialogs.context import services_of
from storage.db import transaction

__all__ = ["DRAFT_PHRASES", "SIGN_PHRASES", "ProtocolHandlers", "app_documents", "register"]

log = logging.getLogger(__name__)

DRAFT_PHRASES: Final = ("protokoll", "protocol")
SIGN_PHRASES: Final = ("protokoller til signering", "protocols to sign")
Clock = Callable[[], datetime]
DocumentSource = Callable[[], DocumentStore | None]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


def app_documents(app: web.Application) -> DocumentSource:
    """The app's DocumentStore once ``bot.graph.factory.calendar_context`` has built it (it is
    built after the handlers are registered, so it is looked up at the time of a turn)."""

    def current() -> DocumentStore | None:
        services = app.get(CALENDAR)
        return services.documents if services is not None else None

    return current


class ProtocolHandlers:
    """The phrases and verbs, with where documents go and the clock."""

    def __init__(
        self,
        *,
        documents: DocumentSource,
        clock: Clock = _utcnow,
        after_commit: Callable[[], None] = _nothing,
    ) -> None:
        self._documents = documents
        self._clock = clock
        self._after_commit = after_commit

    async def draft_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``protokoll``: the held meetings with a button to draft (or open) each protocol."""
        services = services_of(turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            meetings = await service.draft_candidates(session, actor=actor)
        if isinstance(meetings, service.Refused):
            document = cards.protocol_refused_card(locale, meetings)
        else:
            body: list[Json] = [heading(t("protocol.candidates.title", locale))]
            if not meetings:
                body.append(text_block(t("protocol.candidates.none", locale)))
            actions = [
                execute_action(
                    f"{m.start:%d.%m.%Y} {m.body.value}",
                    cards.VERB_DRAFT,
                    {"meeting_id": m.id},
                    associated_inputs="none",
                )
                for m in meetings
            ]
            document = card(body, actions=actions)
        await turn_context.send_activity(card_activity(document))

    async def sign_command(self, turn_context: TurnContext, _dialogs: DialogContext) -> None:
        """``protokoller til signering``: the published protocols waiting for this signer."""
        services = services_of(turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            views = await service.protocols_to_sign(session, actor=actor)
        await turn_context.send_activity(card_activity(cards.protocols_to_sign_card(locale, views)))

    async def draft(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            view = await service.draft_protocol(
                session, actor=actor, meeting_id=request.values.get("meeting_id"), now=self._clock()
            )
        if isinstance(view, service.Refused):
            return cards.protocol_refused_card(locale, view)
        return cards.protocol_draft_card(locale, view)

    async def edit(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        case_id = service.parse_id(request.values.get("case_id"))
        values = {
            name: request.values.get(f"{name}_{case_id}")
            for name in EDITABLE_FIELDS
            if isinstance(request.values.get(f"{name}_{case_id}"), str)
        }
        result = await service.edit_case(
            services.sessions,
            actor=actor,
            protocol_id=request.values.get("protocol_id"),
            case_id=case_id,
            values=values,
            documents=self._documents(),
            render=cards.render_protocol_message,
            base_sha=request.values.get("version"),
            now=self._clock(),
        )
        if isinstance(result, service.Refused):
            if result.reason is service.Refusal.INVALID and result.protocol_id is not None:
                async with transaction(services.sessions) as session:
                    view = await service.get_protocol(
                        session, actor=actor, protocol_id=result.protocol_id
                    )
                if isinstance(view, service.ProtocolView):
                    problems = [t(f"protocol.problem.{p.code}", locale) for p in result.problems]
                    return cards.protocol_draft_card(locale, view, problems=problems)
            return cards.protocol_refused_card(locale, result)
        self._after_commit()
        return cards.protocol_draft_card(locale, result, saved=True)

    async def publish(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        documents = self._documents()
        if documents is None:
            log.error(
                "protocol publishing without a document store", extra={"person": actor.person_id}
            )
            return cards.protocol_refused_card(
                locale, service.Refused(service.Refusal.STORAGE_FAILED)
            )
        result = await service.publish_protocol(
            services.sessions,
            actor=actor,
            protocol_id=request.values.get("protocol_id"),
            documents=documents,
            render=cards.render_protocol_message,
            now=self._clock(),
        )
        if isinstance(result, service.Refused):
            return cards.protocol_refused_card(locale, result)
        self._after_commit()
        return cards.protocol_card(locale, result, notice=t("protocol.published.notice", locale))

    async def sign(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        documents = self._documents()
        if documents is None:
            return cards.protocol_refused_card(
                locale, service.Refused(service.Refusal.STORAGE_FAILED)
            )
        result = await service.sign_protocol(
            services.sessions,
            actor=actor,
            protocol_id=request.values.get("protocol_id"),
            version=request.values.get("version"),
            documents=documents,
            render=cards.render_protocol_message,
            now=self._clock(),
        )
        if isinstance(result, service.Refused):
            return cards.protocol_refused_card(locale, result)
        self._after_commit()
        key = "protocol.sign.final" if result.final else "protocol.sign.done"
        return cards.protocol_card(locale, result.protocol, notice=t(key, locale))

    async def send_back(self, request: ActionRequest) -> Json:
        services = services_of(request.turn_context)
        actor, locale = services.actor, services.actor.locale
        async with transaction(services.sessions) as session:
            result = await service.return_protocol(
                session,
                actor=actor,
                protocol_id=request.values.get("protocol_id"),
                version=request.values.get("version"),
                comment=request.values.get(cards.COMMENT_INPUT),
                render=cards.render_protocol_message,
                now=self._clock(),
            )
            again = (
                await service.get_protocol(session, actor=actor, protocol_id=result.protocol_id)
                if isinstance(result, service.Refused)
                and result.reason is service.Refusal.INVALID
                and result.protocol_id is not None
                else None
            )
        if isinstance(result, service.Refused):
            if isinstance(again, service.ProtocolView):
                problems = [t(f"protocol.problem.{p.code}", locale) for p in result.problems]
                return cards.protocol_sign_card(locale, again, problems=problems)
            return cards.protocol_refused_card(locale, result)
        self._after_commit()
        return cards.protocol_sign_card(
            locale, result.protocol, notice=t("protocol.return.done", locale)
        )


def register(
    actions: ActionRegistry,
    phrases: dict[str, CommandHandler],
    *,
    documents: DocumentSource,
    clock: Clock = _utcnow,
    after_commit: Callable[[], None] = _nothing,
) -> ProtocolHandlers:
    """Wire the protocol phrases and verbs; returns the handlers (tests drive them directly).

    Phrases, not entries of the ``Command`` enum: that enum is the personal command list of the
    Teams manifest (at most ten commands), and these are for the secretariat and the leaders.
    """
    handlers = ProtocolHandlers(documents=documents, clock=clock, after_commit=after_commit)
    for phrase in DRAFT_PHRASES:
        phrases[phrase] = handlers.draft_command
    for phrase in SIGN_PHRASES:
        phrases[phrase] = handlers.sign_command
    actions.register(cards.VERB_DRAFT, handlers.draft)
    actions.register(cards.VERB_EDIT, handlers.edit)
    actions.register(cards.VERB_PUBLISH, handlers.publish)
    actions.register(cards.VERB_SIGN, handlers.sign)
    actions.register(cards.VERB_RETURN, handlers.send_back)
    return handlers
