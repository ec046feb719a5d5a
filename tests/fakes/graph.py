"""A fake Microsoft Graph v1.0 (calendar, schedules, drive uploads) and token endpoint, on loopback.

Point msgraph-sdk at it with ``client.request_adapter.base_url = fg.url``
(``http://127.0.0.1:PORT/v1.0``). Errors use Graph's OData error document, so msgraph-sdk raises
``ODataError`` with ``response_status_code``.

Authentication in tests, two ways:

* ``StaticTokenCredential()`` — an ``AsyncTokenCredential`` returning a fixed token; no network.
* the real ``azure.identity.aio.ClientSecretCredential`` against this fake's token endpoint:
  azure-identity refuses an ``http://`` authority (``authority=`` and ``AZURE_AUTHORITY_HOST``
  alike), so keep the https authority and pass ``transport=fg.token_transport()``, which sends the
  token request to the fake instead of the authority host.

Times: events are stored in UTC; answers use the zone of a ``Prefer: outlook.timezone="…"`` header,
else UTC, like Graph. ``originalStartTimeZone`` keeps the zone the event was created in.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions
from azure.core.pipeline.transport import AioHttpTransport

from .faults import LOOPBACK_HOST, FakeHttpServer, RecordedRequest, Route, match_routes

API = "v1.0"

_EVENT_COLLECTIONS = ("users/{user_id}/events", "users/{user_id}/calendar/events")

GRAPH_ROUTES: list[Route] = [
    *(Route.of("POST", f"{API}/{c}", "create_event") for c in _EVENT_COLLECTIONS),
    *(Route.of("GET", f"{API}/{c}", "list_events") for c in _EVENT_COLLECTIONS),
    *(Route.of("GET", f"{API}/{c}/{{event_id}}", "get_event") for c in _EVENT_COLLECTIONS),
    *(Route.of("PATCH", f"{API}/{c}/{{event_id}}", "update_event") for c in _EVENT_COLLECTIONS),
    *(Route.of("DELETE", f"{API}/{c}/{{event_id}}", "delete_event") for c in _EVENT_COLLECTIONS),
    *(
        Route.of("POST", f"{API}/{c}/{{event_id}}/cancel", "cancel_event")
        for c in _EVENT_COLLECTIONS
    ),
    Route.of("GET", f"{API}/users/{{user_id}}/calendarView", "calendar_view"),
    Route.of("GET", f"{API}/users/{{user_id}}/calendar/calendarView", "calendar_view"),
    Route.of("POST", f"{API}/users/{{user_id}}/calendar/getSchedule", "get_schedule"),
    Route.of("GET", f"{API}/sites/{{site_id}}", "get_site"),
    Route.of("GET", f"{API}/sites/{{site_id}}/drive", "get_site_drive"),
    Route.of("GET", f"{API}/drives/{{drive_id}}/items/{{item_id}}", "get_drive_item"),
    Route.of("GET", f"{API}/drives/{{drive_id}}/items/{{item_id}}/content", "download_content"),
    Route.of("POST", "{tenant}/oauth2/v2.0/token", "token"),
]

# Path-based drive addressing, matched on the decoded path below /v1.0/. Serves
#   sites/{site}/drive/root:/{path}:/content      drives/{drive}/root:/{path}:/content
#   drives/{drive}/items/root:/{path}:/content     drives/{drive}/items/{folder id}:/{name}:/content
# and, with GET, the same without /content (metadata) or with it (download).
_DRIVE_PATH = re.compile(
    r"^(?:sites/(?P<site>[^/]+)/drive|drives/(?P<drive>[^/]+))(?:/items)?"
    r"/(?P<anchor>[^/:]+):/(?P<path>[^:]+?)(?::(?P<content>/content)?)?$"
)

WINDOWS_ZONES: dict[str, str] = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "GMT Standard Time": "Europe/London",
    "FLE Standard Time": "Europe/Helsinki",
    "Eastern Standard Time": "America/New_York",
    "Pacific Standard Time": "America/Los_Angeles",
}

_FREE_BUSY_CODE = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
_FREE_BUSY_RANK = {"0": 0, "4": 1, "1": 2, "2": 3, "3": 4}
_PREFER_TZ = re.compile(r'outlook\.timezone\s*=\s*"?([^",;]+)"?', re.IGNORECASE)


class GraphInputError(ValueError):
    """A request the fake rejects with 400 (Graph-style code and message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def zone(name: str) -> tzinfo:
    """A Graph time zone name (IANA or Windows) as a tzinfo."""
    iana = WINDOWS_ZONES.get(name, name)
    if iana == "UTC":
        return UTC
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GraphInputError(
            "TimeZoneNotSupportedException", f"A valid TimeZone value must be specified: {name}"
        ) from exc


def parse_date_time(value: str, zone_name: str = "UTC") -> datetime:
    """Graph ``dateTime`` text (up to 7 fraction digits, offset optional) as an aware datetime."""
    text = value.strip().replace("Z", "+00:00")
    match = re.match(r"^(.*T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(.*)$", text)
    if match is None:
        raise GraphInputError("ErrorInvalidRequest", f"Cannot parse dateTime {value!r}")
    head, fraction, rest = match.groups()
    if fraction:
        head += fraction[:7]  # "." and at most 6 digits
    try:
        parsed = datetime.fromisoformat(head + rest)
    except ValueError as exc:
        raise GraphInputError("ErrorInvalidRequest", f"Cannot parse dateTime {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(zone_name))
    return parsed


def parse_date_time_time_zone(value: Any, field_name: str) -> datetime:
    """A Graph ``dateTimeTimeZone`` object as an aware datetime."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        raise GraphInputError(
            "ErrorInvalidRequest", f"{field_name} must be a dateTimeTimeZone object."
        )
    return parse_date_time(str(value["dateTime"]), str(value.get("timeZone") or "UTC"))


def render_date_time(moment: datetime, zone_name: str) -> dict[str, str]:
    local = moment.astimezone(zone(zone_name))
    return {
        "dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0",
        "timeZone": zone_name,
    }


def action_parameter(body: dict[str, Any], name: str) -> Any:
    """An action parameter, matched case-insensitively like Graph does (msgraph-sdk sends
    ``Comment``, ``Schedules``, ``StartTime``… with a capital letter)."""
    if name in body:
        return body[name]
    lowered = name.lower()
    for key, value in body.items():
        if key.lower() == lowered:
            return value
    return None


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class BusyBlock:
    """A block seeded with ``add_busy`` (shows in getSchedule, not as an event)."""

    email: str
    start: datetime
    end: datetime
    status: str = "busy"
    subject: str | None = None
    location: str | None = None


@dataclass
class Cancellation:
    user_id: str
    event_id: str
    comment: str | None
    time: float


@dataclass
class StoredFile:
    """A file uploaded with ``PUT …:/content``."""

    item_id: str
    drive_id: str
    path: str
    """Path below the drive root, without leading slash (``SSU/2026/protokoll.pdf``)."""
    content: bytes
    item: dict[str, Any]
    """The driveItem as last answered."""
    content_type: str | None = None
    versions: int = 1


@dataclass
class _Slot:
    start: datetime
    end: datetime
    status: str
    subject: str | None
    location: str | None
    is_meeting: bool


class StaticTokenCredential:
    """An ``azure.core.credentials_async.AsyncTokenCredential`` that hands out a fixed token.

    Records the scopes asked for in ``scopes_requested``.
    """

    def __init__(self, token: str = "fake-graph-token", lifetime: int = 3600) -> None:
        self.token = token
        self.lifetime = lifetime
        self.scopes_requested: list[tuple[str, ...]] = []

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        self.scopes_requested.append(scopes)
        return AccessToken(self.token, int(time.time()) + self.lifetime)

    async def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        self.scopes_requested.append(scopes)
        return AccessTokenInfo(self.token, int(time.time()) + self.lifetime)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> StaticTokenCredential:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class LoopbackTransport(AioHttpTransport):  # type: ignore[misc]
    """azure-core transport that sends every non-loopback request to ``target`` instead (same path
    and query). Give it to azure-identity credentials as ``transport=`` so their https authority
    (login.microsoftonline.com) is never contacted."""

    def __init__(self, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(target)
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self.redirected: list[str] = []
        """Original URLs of the requests redirected."""

    async def send(self, request: Any, **config: Any) -> Any:
        parts = urlsplit(request.url)
        if parts.hostname not in (LOOPBACK_HOST, "localhost", "::1"):
            self.redirected.append(request.url)
            request.url = urlunsplit(
                (self._scheme, self._netloc, parts.path, parts.query, parts.fragment)
            )
        return await super().send(request, **config)


class FakeGraph(FakeHttpServer):
    """Fake Microsoft Graph on ``http://127.0.0.1:PORT/v1.0`` (``fg.url``).

    Args:
        users: mailboxes that exist (case-insensitive); None = every user id is accepted.
        mailbox_concurrency_limit: answer 429 (``ApplicationThrottled``, Retry-After 1) when more
            requests than this are in flight for one mailbox (Outlook allows 4); None = no limit.
            ``max_concurrency`` records the peak per mailbox either way.
        require_token: Graph calls need ``Authorization: Bearer <token>`` with a token this fake
            issued or listed in ``accepted_tokens`` (else 401 ``InvalidAuthenticationToken``).
        client_secrets: client id → secret checked by the token endpoint; empty = accept any.
        tenant_id: tenant put in join URLs.
        sharepoint_url: root of webUrl for uploaded files.
    """

    def __init__(
        self,
        *,
        users: Iterable[str] | None = None,
        mailbox_concurrency_limit: int | None = None,
        require_token: bool = False,
        client_secrets: dict[str, str] | None = None,
        tenant_id: str = "00000000-0000-0000-0000-000000000001",
        sharepoint_url: str = "https://contoso.sharepoint.com/sites/ssu",
        seed: int = 0,
        hang_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(seed=seed, hang_seconds=hang_seconds, clock=clock)
        self.users: set[str] | None = None if users is None else {u.lower() for u in users}
        self.mailbox_concurrency_limit = mailbox_concurrency_limit
        self.require_token = require_token
        self.client_secrets: dict[str, str] = dict(client_secrets or {})
        self.tenant_id = tenant_id
        self.sharepoint_url = sharepoint_url.rstrip("/")
        self.events: dict[str, dict[str, Any]] = {}
        """event id → the event as Graph JSON (times in UTC); cancelled ones stay, isCancelled."""
        self.event_mailbox: dict[str, str] = {}
        """event id → mailbox (lower-case user id from the URL) that holds it."""
        self.deleted_events: dict[str, dict[str, Any]] = {}
        self.cancellations: list[Cancellation] = []
        self.busy: list[BusyBlock] = []
        self.files: dict[str, StoredFile] = {}
        """item id → uploaded file."""
        self.issued_tokens: list[str] = []
        self.accepted_tokens: set[str] = set()
        self.token_requests: list[dict[str, str]] = []
        self.max_concurrency: Counter[str] = Counter()
        self.concurrency_rejections = 0
        self.default_online_meeting_provider = "teamsForBusiness"
        self._transactions: dict[tuple[str, str], str] = {}
        self._in_flight_by_mailbox: Counter[str] = Counter()
        self._folders: dict[tuple[str, str], str] = {}

    # -- addresses -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Graph base URL for msgraph-sdk: ``http://127.0.0.1:PORT/v1.0``."""
        return self.root_url + API

    @property
    def authority_url(self) -> str:
        """``http://127.0.0.1:PORT``; the token endpoint is ``/{tenant}/oauth2/v2.0/token``."""
        return self.root_url.rstrip("/")

    def token_transport(self) -> LoopbackTransport:
        """A transport for ``azure.identity.aio`` credentials that sends token requests here."""
        return LoopbackTransport(self.root_url)

    # -- set-up and inspection -----------------------------------------------------------------

    def add_busy(
        self,
        email: str,
        start: datetime,
        end: datetime,
        *,
        status: str = "busy",
        subject: str | None = None,
        location: str | None = None,
    ) -> BusyBlock:
        """Seed a busy block for getSchedule (aware datetimes; status free/tentative/busy/oof/
        workingElsewhere)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("add_busy needs timezone-aware datetimes")
        if status not in _FREE_BUSY_CODE:
            raise ValueError(f"unknown status {status!r}")
        block = BusyBlock(email.lower(), start, end, status, subject, location)
        self.busy.append(block)
        return block

    def events_for(self, user_id: str, *, include_cancelled: bool = False) -> list[dict[str, Any]]:
        """Events held in this mailbox, ordered by start."""
        mailbox = user_id.lower()
        found = [
            event
            for event_id, event in self.events.items()
            if self.event_mailbox[event_id] == mailbox
            and (include_cancelled or not event.get("isCancelled"))
        ]
        return sorted(found, key=lambda e: str(e["start"]["dateTime"]))

    def file_at(self, path: str, *, drive_id: str | None = None) -> StoredFile | None:
        """The uploaded file at ``path`` (below the drive root), in ``drive_id`` or any drive."""
        wanted = path.strip("/").lower()
        for stored in self.files.values():
            if stored.path.lower() == wanted and (drive_id is None or stored.drive_id == drive_id):
                return stored
        return None

    @staticmethod
    def drive_id_for_site(site_id: str) -> str:
        """The id of a site's default document library, as this fake answers it."""
        digest = hashlib.sha256(site_id.lower().encode()).digest()[:24]
        return "b!" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    # -- responses -----------------------------------------------------------------------------

    def _error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        return {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": str(uuid.uuid4()),
                },
            }
        }

    def json(
        self,
        record: RecordedRequest,
        document: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        merged = {"request-id": str(uuid.uuid4())}
        client_request_id = record.headers.get("client-request-id")
        if client_request_id:
            merged["client-request-id"] = client_request_id
        merged.update(headers or {})
        return super().json(record, document, status, merged)

    def _fault_exempt(self, record: RecordedRequest) -> bool:
        return record.operation == "token"

    def _context(self, suffix: str) -> str:
        return f"{self.url}/$metadata#{suffix}"

    # -- classification and dispatch -----------------------------------------------------------

    def _classify(self, record: RecordedRequest) -> None:
        found = match_routes(GRAPH_ROUTES, record.method, record.segments)
        if found is not None:
            route, params = found
            record.operation = route.operation
            record.params = params
            return
        if record.segments[:1] != [API]:
            return
        match = _DRIVE_PATH.match("/".join(record.segments[1:]))
        if match is None:
            return
        params = {k: v for k, v in match.groupdict().items() if v is not None and k != "content"}
        record.params = params
        if record.method == "PUT" and match.group("content"):
            record.operation = "upload_content"
        elif record.method == "GET":
            record.operation = "download_content" if match.group("content") else "get_drive_item"

    async def _answer(
        self, record: RecordedRequest, request: web.Request, segments: list[str] | None
    ) -> web.StreamResponse:
        mailbox = (record.user_id or "").lower()
        if not mailbox:
            return await super()._answer(record, request, segments)
        self._in_flight_by_mailbox[mailbox] += 1
        try:
            in_flight = self._in_flight_by_mailbox[mailbox]
            self.max_concurrency[mailbox] = max(self.max_concurrency[mailbox], in_flight)
            limit = self.mailbox_concurrency_limit
            if limit is not None and in_flight > limit:
                self.concurrency_rejections += 1
                return self.error(
                    record,
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    retry_after=1,
                    fault="mailbox_concurrency",
                )
            return await super()._answer(record, request, segments)
        finally:
            self._in_flight_by_mailbox[mailbox] -= 1

    async def _dispatch(self, record: RecordedRequest, request: web.Request) -> web.StreamResponse:
        if record.operation == "unknown":
            return self.error(
                record,
                400,
                "BadRequest",
                f"Resource not found for the segment '{record.path}' (not served by FakeGraph).",
            )
        if record.operation == "token":
            return self._op_token(record)
        if self.require_token:
            header = record.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            if not token:
                return self.error(
                    record, 401, "InvalidAuthenticationToken", "Access token is empty."
                )
            if token not in self.issued_tokens and token not in self.accepted_tokens:
                return self.error(
                    record, 401, "InvalidAuthenticationToken", "Access token validation failure."
                )
        user_id = record.user_id
        if user_id is not None and self.users is not None and user_id.lower() not in self.users:
            return self.error(
                record, 404, "ErrorInvalidUser", f"The requested user '{user_id}' is invalid."
            )
        handler = getattr(self, f"_op_{record.operation}")
        try:
            response: web.StreamResponse = handler(record)
        except GraphInputError as exc:
            return self.error(record, 400, exc.code, exc.message)
        return response

    # -- token endpoint ------------------------------------------------------------------------

    def _op_token(self, record: RecordedRequest) -> web.Response:
        form = dict(parse_qsl(record.raw_body.decode("utf-8", "replace")))
        self.token_requests.append(form)
        client_id = form.get("client_id", "")
        if self.client_secrets and self.client_secrets.get(client_id) != form.get("client_secret"):
            refusal: dict[str, Any] = {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
                "error_codes": [7000215],
            }
            record.response = refusal
            return web.json_response(refusal, status=401)
        token = "fake-graph-token-" + secrets.token_urlsafe(16)
        self.issued_tokens.append(token)
        document: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }
        record.response = document
        return web.json_response(document)

    # -- events --------------------------------------------------------------------------------

    def _prefer_zone(self, record: RecordedRequest) -> str:
        match = _PREFER_TZ.search(record.headers.get("Prefer", ""))
        if match is None:
            return "UTC"
        name = match.group(1).strip()
        zone(name)  # validates
        return name

    def _render(self, event: dict[str, Any], zone_name: str) -> dict[str, Any]:
        rendered = copy.deepcopy(event)
        for key in ("start", "end"):
            moment = parse_date_time_time_zone(event[key], key)
            rendered[key] = render_date_time(moment, zone_name)
        return rendered

    def _event_or_404(self, record: RecordedRequest) -> dict[str, Any] | web.Response:
        event_id = record.params["event_id"]
        event = self.events.get(event_id)
        if event is None or self.event_mailbox[event_id] != record.params["user_id"].lower():
            return self.error(
                record,
                404,
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            )
        return event

    def _join_url(self) -> str:
        thread = "19%3ameeting_" + secrets.token_urlsafe(36).replace("-", "A").replace("_", "B")
        context = quote(f'{{"Tid":"{self.tenant_id}","Oid":"{uuid.uuid4()}"}}', safe="").lower()
        return f"https://teams.microsoft.com/l/meetup-join/{thread}%40thread.v2/0?context={context}"

    def _apply_times(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("start", "end"):
            if key in body:
                moment = parse_date_time_time_zone(body[key], key)
                event[key] = render_date_time(moment, "UTC")
        start = parse_date_time_time_zone(event["start"], "start")
        end = parse_date_time_time_zone(event["end"], "end")
        if end < start:
            raise GraphInputError(
                "ErrorInvalidRequest", "The end time of the event must be after its start time."
            )

    def _apply_online_meeting(self, event: dict[str, Any]) -> None:
        if not event.get("isOnlineMeeting"):
            return
        provider = event.get("onlineMeetingProvider") or "unknown"
        if provider == "unknown":
            provider = self.default_online_meeting_provider
            event["onlineMeetingProvider"] = provider
        if not event.get("onlineMeeting"):
            event["onlineMeeting"] = {
                "joinUrl": self._join_url(),
                "conferenceId": str(secrets.randbelow(10**9)),
                "tollNumber": "+47 21 00 00 00",
            }

    def _touch(self, event: dict[str, Any]) -> None:
        change_key = base64.b64encode(secrets.token_bytes(12)).decode()
        event["changeKey"] = change_key
        event["@odata.etag"] = f'W/"{change_key}"'
        event["lastModifiedDateTime"] = _now_iso()

    def _op_create_event(self, record: RecordedRequest) -> web.Response:
        body = record.body
        if not isinstance(body, dict):
            raise GraphInputError("BadRequest", "Empty Payload. JSON content expected.")
        mailbox = record.params["user_id"].lower()
        zone_name = self._prefer_zone(record)
        transaction_id = body.get("transactionId")
        if transaction_id:
            existing = self._transactions.get((mailbox, str(transaction_id)))
            if existing is not None and existing in self.events:
                return self.json(record, self._render(self.events[existing], zone_name), 201)
        if "start" not in body or "end" not in body:
            raise GraphInputError("ErrorInvalidRequest", "An event needs a start and an end.")
        event_id = "AAMkAD" + secrets.token_urlsafe(96) + "AAA="
        user_id = record.params["user_id"]
        now = _now_iso()
        event: dict[str, Any] = {
            "@odata.etag": "",
            "id": event_id,
            "createdDateTime": now,
            "lastModifiedDateTime": now,
            "changeKey": "",
            "categories": [],
            "transactionId": transaction_id,
            "originalStartTimeZone": (body.get("start") or {}).get("timeZone"),
            "originalEndTimeZone": (body.get("end") or {}).get("timeZone"),
            "iCalUId": "040000008200E00074C5B7101A82E00800000000" + secrets.token_hex(28).upper(),
            "uid": "040000008200E00074C5B7101A82E00800000000" + secrets.token_hex(28).upper(),
            "reminderMinutesBeforeStart": 15,
            "isReminderOn": True,
            "hasAttachments": False,
            "subject": "",
            "bodyPreview": "",
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": False,
            "isCancelled": False,
            "isOrganizer": True,
            "responseRequested": True,
            "seriesMasterId": None,
            "showAs": "busy",
            "type": "singleInstance",
            "webLink": "https://outlook.office365.com/owa/?itemid="
            + quote(event_id, safe="")
            + "&exvsurl=1&path=/calendar/item",
            "onlineMeetingUrl": None,
            "isOnlineMeeting": False,
            "onlineMeetingProvider": "unknown",
            "allowNewTimeProposals": True,
            "isDraft": False,
            "hideAttendees": False,
            "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
            "body": {"contentType": "html", "content": ""},
            "location": {
                "displayName": "",
                "locationType": "default",
                "uniqueIdType": "unknown",
                "address": {},
                "coordinates": {},
            },
            "locations": [],
            "recurrence": None,
            "attendees": [],
            "organizer": {"emailAddress": {"name": user_id, "address": user_id}},
            "onlineMeeting": None,
        }
        event.update({k: v for k, v in body.items() if not k.startswith("@odata")})
        self._normalise(event)
        self._apply_times(event, body)
        self._apply_online_meeting(event)
        self._touch(event)
        self.events[event_id] = event
        self.event_mailbox[event_id] = mailbox
        if transaction_id:
            self._transactions[(mailbox, str(transaction_id))] = event_id
        return self.json(record, self._render(event, zone_name), 201)

    @staticmethod
    def _normalise(event: dict[str, Any]) -> None:
        content = (event.get("body") or {}).get("content") or ""
        event["bodyPreview"] = re.sub(r"<[^>]+>", "", str(content))[:255]
        attendees = []
        for attendee in event.get("attendees") or []:
            if isinstance(attendee, dict):
                attendee = {"type": "required", **attendee}
                attendee.setdefault("status", {"response": "none", "time": "0001-01-01T00:00:00Z"})
                attendees.append(attendee)
        event["attendees"] = attendees
        location = event.get("location")
        if (
            isinstance(location, dict)
            and location.get("displayName")
            and not event.get("locations")
        ):
            event["locations"] = [location]

    def _op_list_events(self, record: RecordedRequest) -> web.Response:
        zone_name = self._prefer_zone(record)
        user_id = record.params["user_id"]
        value = [self._render(e, zone_name) for e in self.events_for(user_id)]
        context = self._context(f"users('{user_id}')/events")
        return self.json(record, {"@odata.context": context, "value": value})

    def _op_calendar_view(self, record: RecordedRequest) -> web.Response:
        try:
            window_start = parse_date_time(record.query["startDateTime"])
            window_end = parse_date_time(record.query["endDateTime"])
        except KeyError as exc:
            raise GraphInputError(
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters "
                "StartDateTime and EndDateTime.",
            ) from exc
        zone_name = self._prefer_zone(record)
        value = []
        for event in self.events_for(record.params["user_id"]):
            start = parse_date_time_time_zone(event["start"], "start")
            end = parse_date_time_time_zone(event["end"], "end")
            if start < window_end and end > window_start:
                value.append(self._render(event, zone_name))
        context = self._context(f"users('{record.params['user_id']}')/calendarView")
        return self.json(record, {"@odata.context": context, "value": value})

    def _op_get_event(self, record: RecordedRequest) -> web.Response:
        event = self._event_or_404(record)
        if isinstance(event, web.Response):
            return event
        return self.json(record, self._render(event, self._prefer_zone(record)))

    def _op_update_event(self, record: RecordedRequest) -> web.Response:
        event = self._event_or_404(record)
        if isinstance(event, web.Response):
            return event
        body = record.body
        if not isinstance(body, dict):
            raise GraphInputError("BadRequest", "Empty Payload. JSON content expected.")
        updated = copy.deepcopy(event)
        updated.update(
            {
                k: v
                for k, v in body.items()
                if not k.startswith("@odata") and k not in ("start", "end", "id")
            }
        )
        self._normalise(updated)
        self._apply_times(updated, body)
        self._apply_online_meeting(updated)
        self._touch(updated)
        self.events[record.params["event_id"]] = updated
        return self.json(record, self._render(updated, self._prefer_zone(record)))

    def _op_delete_event(self, record: RecordedRequest) -> web.Response:
        event = self._event_or_404(record)
        if isinstance(event, web.Response):
            return event
        event_id = record.params["event_id"]
        self.deleted_events[event_id] = self.events.pop(event_id)
        return self.empty(record, 204)

    def _op_cancel_event(self, record: RecordedRequest) -> web.Response:
        event = self._event_or_404(record)
        if isinstance(event, web.Response):
            return event
        body = record.body if isinstance(record.body, dict) else {}
        comment = action_parameter(body, "comment")
        event["isCancelled"] = True
        self._touch(event)
        self.cancellations.append(
            Cancellation(
                record.params["user_id"],
                record.params["event_id"],
                None if comment is None else str(comment),
                record.time,
            )
        )
        return self.empty(record, 202)

    # -- getSchedule ---------------------------------------------------------------------------

    def _slots_for(self, email: str) -> list[_Slot]:
        slots: list[_Slot] = []
        for event_id, event in self.events.items():
            if event.get("isCancelled"):
                continue
            start = parse_date_time_time_zone(event["start"], "start")
            end = parse_date_time_time_zone(event["end"], "end")
            location = (event.get("location") or {}).get("displayName") or None
            subject = event.get("subject") or None
            if self.event_mailbox[event_id] == email:
                status = str(event.get("showAs") or "busy")
                slots.append(_Slot(start, end, status, subject, location, True))
                continue
            addresses = {
                str((a.get("emailAddress") or {}).get("address") or "").lower()
                for a in event.get("attendees") or []
            }
            if email in addresses:
                # An invitation sits in the attendee's calendar as tentative until answered.
                slots.append(_Slot(start, end, "tentative", subject, location, True))
        for block in self.busy:
            if block.email == email:
                slots.append(
                    _Slot(
                        block.start, block.end, block.status, block.subject, block.location, False
                    )
                )
        return sorted(slots, key=lambda s: s.start)

    def _op_get_schedule(self, record: RecordedRequest) -> web.Response:
        body = record.body
        if not isinstance(body, dict):
            raise GraphInputError("BadRequest", "Empty Payload. JSON content expected.")
        schedules = action_parameter(body, "schedules")
        if not isinstance(schedules, list) or not schedules:
            raise GraphInputError("ErrorInvalidParameter", "schedules must be a non-empty list.")
        if len(schedules) > 100:
            raise GraphInputError("ErrorInvalidParameter", "At most 100 schedules per request.")
        window_start = parse_date_time_time_zone(action_parameter(body, "startTime"), "startTime")
        window_end = parse_date_time_time_zone(action_parameter(body, "endTime"), "endTime")
        interval = int(action_parameter(body, "availabilityViewInterval") or 30)
        if not 5 <= interval <= 1440:
            raise GraphInputError(
                "ErrorInvalidParameter", "availabilityViewInterval must be between 5 and 1440."
            )
        if window_end <= window_start or window_end - window_start > timedelta(days=42):
            raise GraphInputError(
                "ErrorInvalidTimeInterval",
                "The requested time duration must be positive and at most 42 days.",
            )
        zone_name = self._prefer_zone(record)
        value: list[dict[str, Any]] = []
        for schedule in schedules:
            email = str(schedule)
            if self.users is not None and email.lower() not in self.users:
                value.append(
                    {
                        "scheduleId": email,
                        "availabilityView": "",
                        "scheduleItems": [],
                        "error": {
                            "message": "The requested user is not found.",
                            "responseCode": "ErrorMailboxNotEnabledForRESTAPI",
                        },
                    }
                )
                continue
            slots = [
                s
                for s in self._slots_for(email.lower())
                if s.start < window_end and s.end > window_start
            ]
            view = []
            step = timedelta(minutes=interval)
            cursor = window_start
            while cursor < window_end:
                code = "0"
                for slot in slots:
                    if slot.start < cursor + step and slot.end > cursor:
                        candidate = _FREE_BUSY_CODE.get(slot.status, "0")
                        if _FREE_BUSY_RANK[candidate] > _FREE_BUSY_RANK[code]:
                            code = candidate
                view.append(code)
                cursor += step
            items = [
                {
                    "isPrivate": False,
                    "status": slot.status,
                    "subject": slot.subject,
                    "location": slot.location,
                    "isMeeting": slot.is_meeting,
                    "isRecurring": False,
                    "isException": False,
                    "isReminderSet": slot.is_meeting,
                    "start": render_date_time(slot.start, zone_name),
                    "end": render_date_time(slot.end, zone_name),
                }
                for slot in slots
            ]
            value.append(
                {
                    "scheduleId": email,
                    "availabilityView": "".join(view),
                    "scheduleItems": items,
                    "workingHours": {
                        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                        "startTime": "08:00:00.0000000",
                        "endTime": "16:00:00.0000000",
                        "timeZone": {"name": "W. Europe Standard Time"},
                    },
                }
            )
        context = self._context("Collection(microsoft.graph.scheduleInformation)")
        return self.json(record, {"@odata.context": context, "value": value})

    # -- sites and drives ----------------------------------------------------------------------

    def _op_get_site(self, record: RecordedRequest) -> web.Response:
        site_id = record.params["site_id"]
        site = {"id": site_id, "name": site_id, "webUrl": self.sharepoint_url}
        return self.json(record, site)

    def _op_get_site_drive(self, record: RecordedRequest) -> web.Response:
        drive = {
            "id": self.drive_id_for_site(record.params["site_id"]),
            "driveType": "documentLibrary",
            "name": "Documents",
            "webUrl": f"{self.sharepoint_url}/Shared%20Documents",
        }
        return self.json(record, drive)

    def _drive_and_path(self, record: RecordedRequest) -> tuple[str, str] | web.Response:
        params = record.params
        drive_id = params.get("drive") or self.drive_id_for_site(params.get("site", ""))
        path = params.get("path", "").strip("/")
        anchor = params.get("anchor", "root")
        if anchor != "root":
            folder = next(
                (p for (d, p), i in self._folders.items() if d == drive_id and i == anchor), None
            )
            if folder is None:
                return self.error(record, 404, "itemNotFound", "The resource could not be found.")
            path = f"{folder}/{path}" if folder else path
        if not path or any(part in ("", ".", "..") for part in path.split("/")):
            raise GraphInputError("invalidRequest", f"Invalid path {path!r}.")
        return drive_id, path

    def _item_id(self) -> str:
        return "01" + base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")

    def _folder_id(self, drive_id: str, folder: str) -> str:
        if folder not in ("", "/"):
            parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
            self._folder_id(drive_id, parent)
        return self._folders.setdefault((drive_id, folder), self._item_id())

    def _op_upload_content(self, record: RecordedRequest) -> web.Response:
        located = self._drive_and_path(record)
        if isinstance(located, web.Response):
            return located
        drive_id, path = located
        behaviour = record.query.get("@microsoft.graph.conflictBehavior", "replace")
        existing = self.file_at(path, drive_id=drive_id)
        if existing is not None and behaviour == "fail":
            return self.error(
                record, 409, "nameAlreadyExists", "The specified item name already exists."
            )
        if existing is not None and behaviour == "rename":
            stem, dot, suffix = path.rpartition(".")
            if not dot:
                stem, suffix = path, ""
            number = 1
            while self.file_at(f"{stem} {number}{dot}{suffix}", drive_id=drive_id) is not None:
                number += 1
            path = f"{stem} {number}{dot}{suffix}"
            existing = None
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        name = path.rsplit("/", 1)[-1]
        parent_id = self._folder_id(drive_id, folder)
        now = _now_iso()
        content = record.raw_body
        item_id = existing.item_id if existing is not None else self._item_id()
        item = {
            "@odata.context": self._context(f"drives('{drive_id}')/items/$entity"),
            "id": item_id,
            "name": name,
            "size": len(content),
            "webUrl": f"{self.sharepoint_url}/Shared%20Documents/{quote(path)}",
            "createdDateTime": existing.item["createdDateTime"] if existing else now,
            "lastModifiedDateTime": now,
            "eTag": f'"{{{uuid.uuid4()}}},1"',
            "cTag": f'"c:{{{uuid.uuid4()}}},1"',
            "file": {
                "mimeType": record.headers.get("Content-Type", "application/octet-stream"),
                "hashes": {"sha256Hash": hashlib.sha256(content).hexdigest().upper()},
            },
            "parentReference": {
                "driveId": drive_id,
                "driveType": "documentLibrary",
                "id": parent_id,
                "path": "/drive/root:" + (f"/{folder}" if folder else ""),
            },
        }
        if existing is not None:
            existing.content = content
            existing.item = item
            existing.versions += 1
            existing.content_type = record.headers.get("Content-Type")
            return self.json(record, item, 200)
        self.files[item_id] = StoredFile(
            item_id, drive_id, path, content, item, record.headers.get("Content-Type")
        )
        return self.json(record, item, 201)

    def _find_item(self, record: RecordedRequest) -> StoredFile | web.Response:
        params = record.params
        if "item_id" in params:
            stored = self.files.get(params["item_id"])
        else:
            located = self._drive_and_path(record)
            if isinstance(located, web.Response):
                return located
            stored = self.file_at(located[1], drive_id=located[0])
        if stored is None:
            return self.error(record, 404, "itemNotFound", "The resource could not be found.")
        return stored

    def _op_get_drive_item(self, record: RecordedRequest) -> web.Response:
        stored = self._find_item(record)
        if isinstance(stored, web.Response):
            return stored
        return self.json(record, stored.item)

    def _op_download_content(self, record: RecordedRequest) -> web.Response:
        stored = self._find_item(record)
        if isinstance(stored, web.Response):
            return stored
        return web.Response(
            body=stored.content, content_type=stored.content_type or "application/octet-stream"
        )


__all__ = [
    "API",
    "GRAPH_ROUTES",
    "BusyBlock",
    "Cancellation",
    "FakeGraph",
    "GraphInputError",
    "LoopbackTransport",
    "StaticTokenCredential",
    "StoredFile",
    "parse_date_time",
    "render_date_time",
]
