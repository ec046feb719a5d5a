"""The embedded calendar, used when Microsoft Graph is not configured: events live in the database
and each meeting gets an iCalendar file (``var/calendar/meeting-{id}.ics``) that the secretariat
can send or import into Outlook.

It behaves like Graph where the queue relies on it: a create repeated with the same transaction id
returns the same event, an update bumps SEQUENCE, a cancel keeps the event as CANCELLED. It never
makes up a Teams link; an online meeting says in its description that the link comes with Graph.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from icalendar import Calendar, vCalAddress
from icalendar import Event as IcsEvent
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import OSLO
from bot.graph.documents import write_atomically
from bot.graph.port import (
    Attendee,
    BusyBlock,
    CalendarEvent,
    EventRef,
    PermanentCalendarError,
    TransientCalendarError,
)
from storage.calendar_sync import as_utc
from storage.calendar_tables import LocalCalendarEvent
from storage.db import transaction
from storage.models import utcnow

log = logging.getLogger(__name__)

PRODID: Final = "-//Helsefellesskap Innlandet//ssu-bot//NO"
UID_DOMAIN: Final = "ssu-bot.local"
NO_TEAMS_LINK_NOTE: Final = "Teams-lenke opprettes når Microsoft Graph er konfigurert."
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\s*/?\s*>", re.IGNORECASE)


def html_to_text(body_html: str) -> str:
    """Plain text for DESCRIPTION: line breaks kept, tags dropped, entities decoded."""
    text = _BREAK.sub("\n", body_html)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _attendees_json(attendees: Sequence[Attendee]) -> str:
    return json.dumps(
        [{"email": a.email, "name": a.name, "required": a.required} for a in attendees],
        ensure_ascii=False,
    )


def _attendees_from_json(text: str) -> list[Attendee]:
    return [
        Attendee(email=str(a["email"]), name=str(a.get("name") or ""), required=bool(a["required"]))
        for a in json.loads(text or "[]")
    ]


def render_ics(
    row: LocalCalendarEvent,
    *,
    organizer: str | None,
    comment: str = "",
    stamp: datetime | None = None,
) -> bytes:
    """One VCALENDAR with the meeting's VEVENT, times in Europe/Oslo with a VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if row.cancelled else "REQUEST")
    event = IcsEvent()
    event.add("uid", row.ical_uid)
    event.add("sequence", row.sequence)
    event.add("dtstamp", as_utc(stamp or utcnow()))
    event.add("created", as_utc(row.created_at))
    event.add("last-modified", as_utc(row.updated_at))
    event.add("dtstart", as_utc(row.start).astimezone(OSLO))
    event.add("dtend", as_utc(row.end).astimezone(OSLO))
    event.add("summary", row.subject)
    if row.location:
        event.add("location", row.location)
    description = html_to_text(row.body_html)
    if row.online:
        description = (
            f"{description}\n\n{NO_TEAMS_LINK_NOTE}" if description else NO_TEAMS_LINK_NOTE
        )
    if description:
        event.add("description", description)
    if comment:
        event.add("comment", comment)
    event.add("status", "CANCELLED" if row.cancelled else "CONFIRMED")
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    for attendee in _attendees_from_json(row.attendees):
        address = vCalAddress(f"mailto:{attendee.email}")
        if attendee.name:
            address.params["cn"] = attendee.name
        address.params["role"] = "REQ-PARTICIPANT" if attendee.required else "OPT-PARTICIPANT"
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["rsvp"] = "TRUE"
        event.add("attendee", address, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics


class LocalCalendar:
    """CalendarPort on the database plus one .ics file per meeting under ``directory``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Path,
        *,
        organizer: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._organizer = organizer
        self._clock = clock

    def path_for(self, meeting_id: int) -> Path:
        return self._directory / f"meeting-{meeting_id}.ics"

    def _ref(self, row: LocalCalendarEvent) -> EventRef:
        return EventRef(
            event_id=row.event_id,
            ical_uid=row.ical_uid,
            join_url=None,
            web_link=self.path_for(row.meeting_id).resolve().as_uri(),
        )

    async def _write(self, row: LocalCalendarEvent, *, comment: str = "") -> None:
        content = render_ics(row, organizer=self._organizer, comment=comment, stamp=self._clock())
        await asyncio.to_thread(write_atomically, self.path_for(row.meeting_id), content)

    @staticmethod
    async def _by_event_id(session: AsyncSession, event_id: str) -> LocalCalendarEvent:
        query = select(LocalCalendarEvent).where(LocalCalendarEvent.event_id == event_id)
        row = (await session.exec(query)).first()
        if row is None:
            raise PermanentCalendarError(f"no local calendar event {event_id!r}")
        return row

    @staticmethod
    def _apply(row: LocalCalendarEvent, event: CalendarEvent, now: datetime) -> None:
        row.meeting_id = event.meeting_id
        row.subject = event.subject
        row.start = as_utc(event.start)
        row.end = as_utc(event.end)
        row.location = event.location
        row.online = event.online
        row.attendees = _attendees_json(event.attendees)
        row.body_html = event.body_html
        row.updated_at = now

    async def create_event(self, event: CalendarEvent, *, transaction_id: str) -> EventRef:
        """Store the event and write its file; the same transaction id gives the same event
        (and rewrites the file, in case the first attempt stopped before it)."""
        now = as_utc(self._clock())
        try:
            async with transaction(self._sessions) as session:
                query = select(LocalCalendarEvent).where(
                    LocalCalendarEvent.transaction_id == transaction_id
                )
                row = (await session.exec(query)).first()
                if row is None:
                    event_id = uuid.uuid4().hex
                    row = LocalCalendarEvent(
                        event_id=event_id,
                        transaction_id=transaction_id,
                        meeting_id=event.meeting_id,
                        ical_uid=f"{event_id}@{UID_DOMAIN}",
                        subject=event.subject,
                        start=as_utc(event.start),
                        end=as_utc(event.end),
                        created_at=now,
                        updated_at=now,
                    )
                    self._apply(row, event, now)
                    session.add(row)
                    await session.flush()
                await self._write(row)
        except (OperationalError, InterfaceError, OSError) as exc:
            raise TransientCalendarError(f"create_event (local): {exc}") from exc
        log.info(
            "local calendar event created",
            extra={"meeting_id": event.meeting_id, "event_id": row.event_id},
        )
        return self._ref(row)

    async def update_event(self, event_id: str, event: CalendarEvent) -> EventRef:
        now = as_utc(self._clock())
        try:
            async with transaction(self._sessions) as session:
                row = await self._by_event_id(session, event_id)
                if row.cancelled:
                    raise PermanentCalendarError(f"event {event_id!r} is cancelled")
                self._apply(row, event, now)
                row.sequence += 1
                session.add(row)
                await session.flush()
                await self._write(row)
        except (OperationalError, InterfaceError, OSError) as exc:
            raise TransientCalendarError(f"update_event (local): {exc}") from exc
        log.info(
            "local calendar event updated",
            extra={"meeting_id": event.meeting_id, "event_id": event_id, "sequence": row.sequence},
        )
        return self._ref(row)

    async def cancel_event(self, event_id: str, *, comment: str) -> None:
        now = as_utc(self._clock())
        try:
            async with transaction(self._sessions) as session:
                row = await self._by_event_id(session, event_id)
                if not row.cancelled:
                    row.cancelled = True
                    row.sequence += 1
                    row.updated_at = now
                    session.add(row)
                    await session.flush()
                await self._write(row, comment=comment)
        except (OperationalError, InterfaceError, OSError) as exc:
            raise TransientCalendarError(f"cancel_event (local): {exc}") from exc
        log.info("local calendar event cancelled", extra={"event_id": event_id})

    async def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]:
        """Busy blocks from this calendar's own events: an attendee is busy during every
        meeting they are invited to; the organizer during all of them."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("free_busy needs timezone-aware datetimes")
        window_start, window_end = as_utc(start), as_utc(end)
        async with self._sessions() as session:
            query = (
                select(LocalCalendarEvent)
                .where(
                    col(LocalCalendarEvent.cancelled).is_(False),
                    col(LocalCalendarEvent.start) < window_end,
                    col(LocalCalendarEvent.end) > window_start,
                )
                .order_by(col(LocalCalendarEvent.start))
            )
            rows = list((await session.exec(query)).all())
        organizer = (self._organizer or "").lower()
        result: dict[str, list[BusyBlock]] = {}
        for email in emails:
            wanted = email.lower()
            blocks = [
                BusyBlock(as_utc(row.start), as_utc(row.end), "busy")
                for row in rows
                if wanted == organizer
                or any(a.email.lower() == wanted for a in _attendees_from_json(row.attendees))
            ]
            result[email] = blocks
        return result
