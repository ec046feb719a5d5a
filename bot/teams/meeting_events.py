"""Teams meeting start/end events, parsed and handed to whichever features listen.

Why a registry: the handler must stay generic (it routes, features decide). Teams sends
``event`` activities named ``application/vnd.microsoft.meetingStart``/``meetingEnd`` to the
meeting's chat — only with the RSC permission ``OnlineMeeting.ReadBasic.Chat`` and only when the
meeting really starts or ends. ``TeamsActivityHandler`` hands the raw ``activity.value`` to its
``on_teams_meeting_start_event``/``on_teams_meeting_end_event`` hooks (a dict with PascalCase keys
in practice, despite the type hint); this module turns it into a :class:`MeetingSignal` and calls
every registered listener in order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from botbuilder.core import TurnContext

log = logging.getLogger(__name__)

MeetingEventKind = Literal["start", "end"]


@dataclass(frozen=True, slots=True)
class MeetingSignal:
    """One Teams meeting event: which chat, which Teams meeting, when (UTC)."""

    kind: MeetingEventKind
    conversation_id: str | None
    teams_meeting_id: str | None
    join_url: str | None
    title: str | None
    at: datetime


MeetingListener = Callable[[TurnContext, MeetingSignal], Awaitable[None]]


@dataclass(slots=True)
class MeetingEventRegistry:
    listeners: list[MeetingListener] = field(default_factory=list)

    def register(self, listener: MeetingListener) -> None:
        self.listeners.append(listener)

    async def dispatch(self, turn_context: TurnContext, signal: MeetingSignal) -> None:
        for listener in self.listeners:
            await listener(turn_context, signal)


def _field(value: Any, *names: str) -> Any:
    """A field of the event value by any of its spellings (Teams sends PascalCase; the SDK's
    models use snake_case)."""
    if isinstance(value, Mapping):
        for name in names:
            for key in (name, name[:1].lower() + name[1:]):
                if key in value and value[key] not in (None, ""):
                    return value[key]
        return None
    for name in names:
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
        found = getattr(value, snake, None)
        if found not in (None, ""):
            return found
    return None


def _moment(raw: Any, fallback: datetime | None) -> datetime:
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            moment = fallback or datetime.now(UTC)
    else:
        moment = fallback or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text(raw: Any, limit: int) -> str | None:
    return raw[:limit] if isinstance(raw, str) and raw.strip() else None


def parse_signal(kind: MeetingEventKind, turn_context: TurnContext, value: Any) -> MeetingSignal:
    """The event as a signal; the time from ``StartTime``/``EndTime``, else the activity's."""
    activity = turn_context.activity
    stamp = activity.timestamp if isinstance(activity.timestamp, datetime) else None
    raw_time = _field(value, "StartTime" if kind == "start" else "EndTime")
    conversation = activity.conversation.id if activity.conversation is not None else None
    return MeetingSignal(
        kind=kind,
        conversation_id=_text(conversation, 400),
        teams_meeting_id=_text(_field(value, "Id", "UniqueId"), 1000),
        join_url=_text(_field(value, "JoinUrl"), 2000),
        title=_text(_field(value, "Title"), 300),
        at=_moment(raw_time, stamp),
    )
