"""Card actions: one handler per `Action.Execute` verb, registered by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext

from cards.base import Json

ActionHandler = Callable[["ActionRequest"], Awaitable[Json]]


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """An Action.Execute: its verb and its values (Teams merges the inputs into the data).

    ``dialogs`` is the turn's DialogContext, so a verb can hand the invoke to a dialog (continue
    the active one, or begin one); a dialog then answers with the card for the invoke response.
    """

    turn_context: TurnContext
    verb: str
    values: Mapping[str, Any]
    dialogs: DialogContext | None = None

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return value if isinstance(value, str) else ""


@dataclass(slots=True)
class ActionRegistry:
    handlers: dict[str, ActionHandler] = field(default_factory=dict)

    def register(self, verb: str, handler: ActionHandler) -> None:
        if verb in self.handlers:
            raise ValueError(f"verb {verb!r} is already registered")
        self.handlers[verb] = handler

    def get(self, verb: str) -> ActionHandler | None:
        return self.handlers.get(verb)


def split_action(action: Any) -> tuple[str, dict[str, Any]]:
    """The verb and values of an invoke's `action`, or ("", {}) when it is malformed."""
    if not isinstance(action, Mapping):
        return "", {}
    verb = action.get("verb")
    data = action.get("data")
    if not isinstance(verb, str) or not verb or len(verb) > 64:
        return "", {}
    return verb, dict(data) if isinstance(data, Mapping) else {}
