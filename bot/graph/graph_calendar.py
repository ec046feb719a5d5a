"""The calendar port on Microsoft Graph (msgraph-sdk, app-only): the organizer's mailbox holds the
meetings; attendees get Outlook invitations, and online meetings get a Teams link.

Retries: msgraph-sdk's default middleware has a RetryHandler that retries 429/503/504 up to three
times inside the call, sleeping for ``Retry-After`` (uncapped, up to 180 s) — for POST as well.
That would hold a worker for minutes and hide throttling from the queue. So the client is built
with that handler switched off, every call is bounded by a timeout, and each failure surfaces at
once as ``TransientCalendarError`` (with ``Retry-After`` when Graph sent it) or
``PermanentCalendarError``. The durable queue (bot.services.calendar_sync) owns the retries.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Final, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from azure.core.exceptions import AzureError, ClientAuthenticationError
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.default_query_parameters import QueryParameters
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.attendee import Attendee as GraphAttendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.location import Location
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import (
    CancelPostRequestBody,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]

from bot.config import DEFAULT_GRAPH_BASE_URL
from bot.domain.calendar import OSLO
from bot.graph.port import (
    BusyBlock,
    CalendarEvent,
    EventRef,
    PermanentCalendarError,
    TransientCalendarError,
)

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

log = logging.getLogger(__name__)

_T = TypeVar("_T")

OSLO_ZONE: Final = "Europe/Oslo"
DEFAULT_SCOPE: Final = "https://graph.microsoft.com/.default"
DEFAULT_TIMEOUT_SECONDS: Final = 60.0
TRANSIENT_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth retrying; any other 4xx means the request itself is wrong or not allowed."""
MAX_SCHEDULE_WINDOW: Final = timedelta(days=41)
"""getSchedule answers windows under 42 days; longer ones are asked for in chunks."""
MAX_SCHEDULES_PER_REQUEST: Final = 100
SCHEDULE_INTERVAL_MINUTES: Final = 30
"""availabilityViewInterval (5–1440); we read scheduleItems, so it only has to be valid."""
_WINDOWS_UTC_NAMES: Final = frozenset(
    {"UTC", "Coordinated Universal Time", "tzone://Microsoft/Utc"}
)


def mailbox_fingerprint(email: str) -> str:
    """What the log says of a mailbox: no address (personal data), yet an operator who suspects
    one can compute its fingerprint and compare."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:12]


def graph_scope(base_url: str) -> str:
    """The app-only scope for the Graph root: national clouds use their own host, and a loopback
    test root keeps the public one (Entra ID has no scope for it)."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return f"https://{parts.hostname}/.default"
    return DEFAULT_SCOPE


def build_graph_client(
    credential: AsyncTokenCredential,
    *,
    base_url: str = DEFAULT_GRAPH_BASE_URL,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> GraphServiceClient:
    """A GraphServiceClient whose middleware does not retry (the durable queue does)."""
    http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))
    no_retries = RetryHandlerOption(delay=0.0, max_retries=0, should_retry=False)
    http = GraphClientFactory.create_with_default_middleware(
        client=http, options={RetryHandlerOption.get_key(): no_retries}
    )
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[graph_scope(base_url)])
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = base_url.rstrip("/")
    return GraphServiceClient(request_adapter=adapter)


async def close_graph_client(client: GraphServiceClient) -> None:
    """Close the HTTP connections of a client built by ``build_graph_client``."""
    http = getattr(client.request_adapter, "_http_client", None)
    if isinstance(http, httpx.AsyncClient):
        await http.aclose()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or garbled."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_api_error(exc: APIError, what: str) -> TransientCalendarError | PermanentCalendarError:
    """Turn Graph's answer into the port's two kinds of failure."""
    status = exc.response_status_code
    headers = exc.response_headers or {}
    retry_after = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
    message = f"{what}: Graph answered {status}: {_api_error_text(exc)}"
    if status is None or status in TRANSIENT_STATUSES:
        return TransientCalendarError(message, retry_after=retry_after)
    return PermanentCalendarError(message)


def _api_error_text(exc: APIError) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    detail = getattr(error, "message", None) or exc.message or type(exc).__name__
    return f"{code}: {detail}" if code else str(detail)


async def call_graph(what: str, call: Awaitable[_T], *, within_s: float) -> _T:
    """Await one Graph call for at most ``within_s`` seconds; map failures to the port's errors."""
    try:
        async with asyncio.timeout(within_s):
            return await call
    except APIError as exc:
        mapped = classify_api_error(exc, what)
        log.warning(
            "graph call failed",
            extra={
                "operation": what,
                "status": exc.response_status_code,
                "transient": isinstance(mapped, TransientCalendarError),
                "retry_after": getattr(mapped, "retry_after", None),
            },
        )
        raise mapped from exc
    except (TimeoutError, httpx.TransportError) as exc:
        log.warning("graph call did not complete", extra={"operation": what, "error": repr(exc)})
        raise TransientCalendarError(f"{what}: {type(exc).__name__}: {exc}") from exc
    except ClientAuthenticationError as exc:
        # A wrong secret is a configuration error, but retrying keeps the change: once the
        # secret is fixed the queue catches up by itself instead of dropping meetings.
        log.error("graph token request refused", extra={"operation": what, "error": str(exc)})
        raise TransientCalendarError(f"{what}: token request refused: {exc}") from exc
    except AzureError as exc:
        log.warning("graph token request failed", extra={"operation": what, "error": repr(exc)})
        raise TransientCalendarError(f"{what}: token request failed: {exc}") from exc


def oslo_wall_clock(moment: datetime) -> DateTimeTimeZone:
    """Graph's dateTimeTimeZone in Oslo local time, so Outlook shows the meeting as planned."""
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    local = moment.astimezone(OSLO)
    return DateTimeTimeZone(date_time=local.strftime("%Y-%m-%dT%H:%M:%S"), time_zone=OSLO_ZONE)


def _utc_date_time(moment: datetime) -> DateTimeTimeZone:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    utc = moment.astimezone(UTC)
    return DateTimeTimeZone(date_time=utc.strftime("%Y-%m-%dT%H:%M:%S"), time_zone="UTC")


def parse_graph_date_time(value: DateTimeTimeZone | None) -> datetime | None:
    """A Graph dateTimeTimeZone (7 fraction digits, IANA or UTC zone) as an aware datetime."""
    if value is None or not value.date_time:
        return None
    text = value.date_time.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        tail = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        return parsed
    zone_name = (value.time_zone or "UTC").strip()
    if zone_name in _WINDOWS_UTC_NAMES:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.replace(tzinfo=ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone from graph; reading as UTC", extra={"zone": zone_name})
        return parsed.replace(tzinfo=UTC)


def event_resource(event: CalendarEvent, *, transaction_id: str | None) -> Event:
    """The Graph event for a create (with ``transaction_id``) or an update (without).

    A create states ``isOnlineMeeting`` either way, so a tenant default cannot add a Teams link
    to a physical meeting. An update only ever turns it on: Graph cannot remove a Teams meeting
    from an event, so a meeting moved from online to physical keeps its (harmless) link.
    """
    resource = Event(
        subject=event.subject,
        body=ItemBody(content_type=BodyType.Html, content=event.body_html),
        start=oslo_wall_clock(event.start),
        end=oslo_wall_clock(event.end),
        attendees=[
            GraphAttendee(
                email_address=EmailAddress(address=a.email, name=a.name),
                type=AttendeeType.Required if a.required else AttendeeType.Optional,
            )
            for a in event.attendees
        ],
    )
    if event.location is not None:
        resource.location = Location(display_name=event.location)
    elif transaction_id is None:
        resource.location = Location(display_name="")
    if transaction_id is not None:
        resource.transaction_id = transaction_id
        resource.is_online_meeting = event.online
    if event.online:
        resource.is_online_meeting = True
        resource.online_meeting_provider = OnlineMeetingProviderType.TeamsForBusiness
    return resource


def event_ref(resource: Event | None, what: str) -> EventRef:
    if resource is None or not resource.id:
        raise TransientCalendarError(f"{what}: Graph answered without an event")
    join_url = resource.online_meeting.join_url if resource.online_meeting else None
    return EventRef(
        event_id=resource.id,
        ical_uid=resource.i_cal_u_id,
        join_url=join_url,
        web_link=resource.web_link,
    )


def schedule_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Split [start, end) into windows getSchedule accepts (each at most 41 days)."""
    windows: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end:
        stop = min(end, cursor + MAX_SCHEDULE_WINDOW)
        windows.append((cursor, stop))
        cursor = stop
    return windows


class GraphCalendar:
    """CalendarPort on the organizer's Exchange mailbox through Microsoft Graph."""

    def __init__(
        self,
        client: GraphServiceClient,
        *,
        organizer: str,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not organizer:
            raise ValueError("GraphCalendar needs the organizer mailbox (GRAPH_ORGANIZER)")
        self._client = client
        self._organizer = organizer
        self._timeout = timeout

    @property
    def client(self) -> GraphServiceClient:
        return self._client

    def _user(self) -> UserItemRequestBuilder:
        return self._client.users.by_user_id(self._organizer)

    async def create_event(self, event: CalendarEvent, *, transaction_id: str) -> EventRef:
        """POST /users/{organizer}/events; the transactionId makes a repeated POST return the
        event the first one created."""
        what = "create_event"
        resource = event_resource(event, transaction_id=transaction_id)
        created = await call_graph(what, self._user().events.post(resource), within_s=self._timeout)
        ref = event_ref(created, what)
        log.info(
            "calendar event created",
            extra={
                "meeting_id": event.meeting_id,
                "event_id": ref.event_id,
                "online": event.online,
            },
        )
        return ref

    async def update_event(self, event_id: str, event: CalendarEvent) -> EventRef:
        what = "update_event"
        resource = event_resource(event, transaction_id=None)
        updated = await call_graph(
            what,
            self._user().events.by_event_id(event_id).patch(resource),
            within_s=self._timeout,
        )
        ref = event_ref(updated, what)
        log.info(
            "calendar event updated", extra={"meeting_id": event.meeting_id, "event_id": event_id}
        )
        return ref

    async def cancel_event(self, event_id: str, *, comment: str) -> None:
        """POST …/events/{id}/cancel: attendees get a cancellation with the comment."""
        body = CancelPostRequestBody(comment=comment)
        await call_graph(
            "cancel_event",
            self._user().events.by_event_id(event_id).cancel.post(body),
            within_s=self._timeout,
        )
        log.info("calendar event cancelled", extra={"event_id": event_id})

    async def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyBlock]]:
        """Busy blocks per mailbox from getSchedule (times in UTC). Mailboxes Graph could not
        answer for are left out rather than reported free."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("free_busy needs timezone-aware datetimes")
        if not emails or end <= start:
            return {}
        by_key = {email.lower(): email for email in emails}
        found: dict[str, set[BusyBlock]] = {}
        failed: set[str] = set()
        config: RequestConfiguration[QueryParameters] = RequestConfiguration()
        config.headers.add("Prefer", 'outlook.timezone="UTC"')
        unique = list(by_key.values())
        for window_start, window_end in schedule_windows(start, end):
            for offset in range(0, len(unique), MAX_SCHEDULES_PER_REQUEST):
                batch = unique[offset : offset + MAX_SCHEDULES_PER_REQUEST]
                body = GetSchedulePostRequestBody(
                    schedules=batch,
                    start_time=_utc_date_time(window_start),
                    end_time=_utc_date_time(window_end),
                    availability_view_interval=SCHEDULE_INTERVAL_MINUTES,
                )
                answer = await call_graph(
                    "free_busy",
                    self._user().calendar.get_schedule.post(body, request_configuration=config),
                    within_s=self._timeout,
                )
                for info in (answer.value if answer else None) or []:
                    key = (info.schedule_id or "").lower()
                    email = by_key.get(key)
                    if email is None:
                        continue
                    if info.error is not None:
                        failed.add(email)
                        log.warning(
                            "no free/busy for mailbox",
                            extra={
                                "mailbox": mailbox_fingerprint(email),
                                "code": info.error.response_code,
                            },
                        )
                        continue
                    blocks = found.setdefault(email, set())
                    for item in info.schedule_items or []:
                        status = str(item.status.value) if item.status else "busy"
                        item_start = parse_graph_date_time(item.start)
                        item_end = parse_graph_date_time(item.end)
                        if status == "free" or item_start is None or item_end is None:
                            continue
                        blocks.add(
                            BusyBlock(item_start.astimezone(UTC), item_end.astimezone(UTC), status)
                        )
        return {
            email: sorted(blocks, key=lambda b: (b.start, b.end))
            for email, blocks in found.items()
            if email not in failed
        }
