"""The calendar and document interfaces the services depend on (implemented by Graph and local)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str
    name: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """What a meeting should look like in the organizer's calendar."""

    meeting_id: int
    subject: str
    start: datetime
    end: datetime
    location: str | None
    online: bool
    attendees: tuple[Attendee, ...] = ()
    body_html: str = ""


@dataclass(frozen=True, slots=True)
class EventRef:
    event_id: str
    ical_uid: str | None = None
    join_url: str | None = None
    web_link: str | None = None


@dataclass(frozen=True, slots=True)
class BusyBlock:
    start: datetime
    end: datetime
    status: str = "busy"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    path: str
    url: str
    size: int
    item_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class CalendarPort(Protocol):
    async def create_event(self, event: CalendarEvent, *, transaction_id: str) -> EventRef: ...

    async def update_event(self, event_id: str, event: CalendarEvent) -> EventRef: ...

    async def cancel_event(self, event_id: str, *, comment: str) -> None: ...

    async def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]: ...


class DocumentStore(Protocol):
    async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument: ...


class TransientCalendarError(Exception):
    """Retry later (429, 5xx, timeouts); `retry_after` seconds when the server said so."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentCalendarError(Exception):
    """Retrying will not help (400, 403, 404 …): the change is marked failed and reported."""
