"""What the transport layer hands a dialog for one turn, kept in the turn state."""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.core import TurnContext
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.roles import Actor

_KEY = "ssu.turn"


@dataclass(slots=True)
class TurnServices:
    actor: Actor
    sessions: async_sessionmaker[AsyncSession]
    commands: frozenset[str] = frozenset()
    phrases: frozenset[str] = frozenset()
    """The wired in-meeting and role phrases (``åpne møte``, ``protokoll`` …), normalised."""


def attach(turn_context: TurnContext, services: TurnServices) -> None:
    turn_context.turn_state[_KEY] = services


def services_of(turn_context: TurnContext) -> TurnServices:
    services = turn_context.turn_state.get(_KEY)
    if not isinstance(services, TurnServices):
        raise RuntimeError("turn services were not attached by the transport layer")
    return services
