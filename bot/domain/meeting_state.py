"""A meeting's lifecycle as explicit, guarded transitions.

Why a module of its own: notices, the meeting itself, the protocol and its signatures are built by
different features; each must move the meeting forward only along the agreed path
(planned → notice published → held → protocol published → protocol signed, or cancelled before it
is held). Keeping the rule pure means every feature asks the same question and it is tested once.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "TRANSITIONS",
    "MeetingState",
    "TransitionRefused",
    "can_reschedule",
    "can_transition",
    "cancel",
    "is_active",
    "mark_held",
    "publish_notice",
    "publish_protocol",
    "sign_protocol",
    "transition",
]


class MeetingState(StrEnum):
    """Stored verbatim in ``meeting.state``."""

    PLANNED = "planned"
    NOTICE_PUBLISHED = "notice_published"
    HELD = "held"
    PROTOCOL_PUBLISHED = "protocol_published"
    PROTOCOL_SIGNED = "protocol_signed"
    CANCELLED = "cancelled"


TRANSITIONS: Final[Mapping[MeetingState, frozenset[MeetingState]]] = MappingProxyType(
    {
        MeetingState.PLANNED: frozenset({MeetingState.NOTICE_PUBLISHED, MeetingState.CANCELLED}),
        MeetingState.NOTICE_PUBLISHED: frozenset({MeetingState.HELD, MeetingState.CANCELLED}),
        MeetingState.HELD: frozenset({MeetingState.PROTOCOL_PUBLISHED}),
        MeetingState.PROTOCOL_PUBLISHED: frozenset({MeetingState.PROTOCOL_SIGNED}),
        MeetingState.PROTOCOL_SIGNED: frozenset(),
        MeetingState.CANCELLED: frozenset(),
    }
)
"""Where each state may go. A held meeting cannot be cancelled: it has a protocol to write."""


class TransitionRefused(ValueError):
    """The meeting is not in a state from which ``target`` can be reached."""

    def __init__(self, current: MeetingState, target: MeetingState) -> None:
        super().__init__(f"a meeting cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: MeetingState | str, target: MeetingState | str) -> bool:
    """True when ``target`` is one step on from ``current``."""
    return MeetingState(target) in TRANSITIONS[MeetingState(current)]


def transition(current: MeetingState | str, target: MeetingState | str) -> MeetingState:
    """``target`` if allowed from ``current``, else :class:`TransitionRefused`."""
    here, there = MeetingState(current), MeetingState(target)
    if there not in TRANSITIONS[here]:
        raise TransitionRefused(here, there)
    return there


def publish_notice(current: MeetingState | str) -> MeetingState:
    """The notice (innkalling) went out: only from planned."""
    return transition(current, MeetingState.NOTICE_PUBLISHED)


def mark_held(current: MeetingState | str) -> MeetingState:
    """The meeting took place: only after its notice was published (quorum needs the notice)."""
    return transition(current, MeetingState.HELD)


def publish_protocol(current: MeetingState | str) -> MeetingState:
    """The protocol was made available to the members: only for a held meeting."""
    return transition(current, MeetingState.PROTOCOL_PUBLISHED)


def sign_protocol(current: MeetingState | str) -> MeetingState:
    """Leader and deputy leader (or their deputies) signed: only a published protocol."""
    return transition(current, MeetingState.PROTOCOL_SIGNED)


def cancel(current: MeetingState | str) -> MeetingState:
    """Cancelled: possible until the meeting is held."""
    return transition(current, MeetingState.CANCELLED)


def can_reschedule(current: MeetingState | str) -> bool:
    """Time, place and form may change until the meeting is held (and not after cancelling)."""
    return MeetingState(current) in {MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED}


def is_active(current: MeetingState | str) -> bool:
    """Everything but cancelled: a meeting that happens or happened."""
    return MeetingState(current) is not MeetingState.CANCELLED
