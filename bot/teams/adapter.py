"""CloudAdapter with request validation and fixes for botbuilder 4.17.1 bugs, all in `handle`.

1. An invoke whose handler returns a body (Action.Execute, task/fetch) came back as HTTP 500,
   because the body was already a dict and was serialized a second time.
2. A forged or malformed Bearer token raised out of the adapter: 500 instead of 401
   (`jwt.DecodeError`, and from botframework-connector `IndexError`, `AttributeError`, bare
   `Exception`). Every failed check is 401; keys that cannot be fetched are 503.
3. Hostile input that reached a 5xx or failed a turn mid-way: JSON nested past the parser's
   recursion limit, an `adaptiveCard/action` without a `value.action` object (and botbuilder's own
   400 for a wrong action type, which could not be serialised), `channelData` the Teams handler
   cannot read, no `channelId`/`from.id`, and an invoke no handler answers (botbuilder's 501
   becomes a 400; a card action whose turn failed gets the apology card).

What the database cannot hold is settled here too, once for every feature: ids longer than their
columns or not printable ASCII are refused (400), NUL characters are dropped and unpaired UTF-16
surrogates (JSON escapes like ``"\\ud800"``) become U+FFFD in every string of the activity.
See docs/security.md.

Outgoing clients are reused (``ReusingAuthentication``): CloudAdapter builds a new
ConnectorClient and a new user-token client for every incoming activity, each with a fresh msrest
configuration (whose retry policy alone costs ~3 ms of CPU), a fresh ``requests`` session (a new
TCP/TLS connection to the connector for every reply) and fresh app credentials (a fresh MSAL
application, so a fresh token request to Entra ID for every reply in production). Here the turn's
connector client is kept per app id, service URL and audience, as botbuilder's older
BotFrameworkAdapter did, and the user-token client per app id.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
)
from botbuilder.schema.teams import TeamsChannelData
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.config import Settings
from bot.i18n import t
from cards.base import CARD_CONTENT_TYPE, card, error_banner

log = logging.getLogger(__name__)

HANDLED_ACTIVITY_TYPES = frozenset(
    {
        ActivityTypes.message,
        ActivityTypes.invoke,
        ActivityTypes.conversation_update,
        ActivityTypes.installation_update,
        ActivityTypes.event,
        ActivityTypes.message_reaction,
        ActivityTypes.typing,
        ActivityTypes.message_update,
        ActivityTypes.message_delete,
    }
)
CARD_ACTION_INVOKE = "adaptiveCard/action"
ID_LIMITS: tuple[tuple[str, int], ...] = (
    ("id", 400),
    ("serviceUrl", 500),
    ("conversation.id", 400),
    ("conversation.conversationType", 32),
    ("conversation.tenantId", 64),
    ("channelData.team.id", 400),
    ("from.id", 200),
    ("from.aadObjectId", 64),
)
"""The longest value the database keeps of each id (storage/models.py; the activity id only goes
into the reply's URL); longer ones are forged."""
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TEAMS_ID = re.compile("[\x21-\x7e]*")
"""Teams ids, ids of tenants and users, and service URLs are printable ASCII; the connector puts
them in URL paths, where anything else failed the reply mid-turn."""


@dataclass(frozen=True, slots=True)
class _BotConfiguration:
    """The attribute names botbuilder's configuration factories read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def build_adapter(settings: Settings) -> SsuAdapter:
    configuration = _BotConfiguration(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password.get_secret_value(),
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
    )
    authentication = ReusingAuthentication(ConfigurationBotFrameworkAuthentication(configuration))
    adapter = SsuAdapter(authentication)
    adapter.on_turn_error = _on_turn_error
    return adapter


_ClientKey = tuple[str | None, str, str | None]
MAX_REUSED_CLIENTS = 32
"""Connector clients kept (least recently used dropped): Teams answers from a few service URLs
(one per region), and a forged activity in local mode must not grow the cache without bound."""


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's authentication, with the clients of incoming turns reused across turns.

    Only the turn's connector client (``authenticate_request``'s connector factory) and the
    user-token client are kept. ``create_connector_factory`` — proactive sends, whose clients the
    outbox reconfigures (no transport retries) — still builds a new client every time. A client is
    shared by concurrent turns: msrest sends through one ``requests`` session, whose connection
    pool is thread-safe, and nothing in a turn changes the client's configuration."""

    def __init__(
        self, inner: BotFrameworkAuthentication, *, max_clients: int = MAX_REUSED_CLIENTS
    ) -> None:
        self._inner = inner
        self._max_clients = max_clients
        self._connectors: OrderedDict[_ClientKey, ConnectorClient] = OrderedDict()
        self._user_token_clients: OrderedDict[str | None, UserTokenClient] = OrderedDict()

    @property
    def reused_clients(self) -> int:
        return len(self._connectors)

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await self._inner.authenticate_request(
            activity, auth_header
        )
        if result.connector_factory is not None:
            result.connector_factory = _ReusedConnectors(
                self, result.connector_factory, _app_id(result.claims_identity)
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
            while len(self._user_token_clients) > self._max_clients:
                self._user_token_clients.popitem(last=False)
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def connector(
        self, key: _ClientKey, build: Callable[[], Awaitable[ConnectorClient]]
    ) -> ConnectorClient:
        client = self._connectors.get(key)
        if client is not None:
            self._connectors.move_to_end(key)
            return client
        client = await build()
        self._connectors[key] = client
        while len(self._connectors) > self._max_clients:
            self._connectors.popitem(last=False)
        return client


class _ReusedConnectors(ConnectorFactory):  # type: ignore[misc]
    """The turn's connector factory: one client per (app id, service URL, audience)."""

    def __init__(self, owner: ReusingAuthentication, inner: ConnectorFactory, app_id: str | None):
        self._owner = owner
        self._inner = inner
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        async def build() -> ConnectorClient:
            return await self._inner.create(service_url, audience)

        return await self._owner.connector((self._app_id, service_url, audience), build)


def _app_id(claims_identity: ClaimsIdentity | None) -> str | None:
    """The bot's app id as botbuilder reads it from the claims (audience, else appid)."""
    if claims_identity is None:
        return None
    value = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if value is None:
        value = claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return None if value is None else str(value)


class SsuAdapter(CloudAdapter):  # type: ignore[misc]
    async def handle(self, request: web.Request, bot: Bot, *, max_bytes: int) -> web.StreamResponse:
        """Validate the HTTP request, authenticate, run the turn and write the response."""
        activity = await _read_activity(request, max_bytes)
        auth_header = request.headers.get("Authorization", "")
        try:
            authenticated: AuthenticateRequestResult = (
                await self.bot_framework_authentication.authenticate_request(activity, auth_header)
            )
        except OSError as error:
            if not isinstance(error, PermissionError):  # "Unauthorized Access" is one too
                # The signing keys could not be fetched (botframework-connector uses `requests`,
                # whose errors are OSErrors): nobody can be authenticated now, nobody is refused.
                log.warning(
                    "cannot check tokens: signing keys unavailable",
                    extra={"activity_type": activity.type, "reason": type(error).__name__},
                )
                raise web.HTTPServiceUnavailable(text="cannot check tokens now") from None
            log.warning(
                "refused unauthenticated activity",
                extra={"activity_type": activity.type, "reason": type(error).__name__},
            )
            raise web.HTTPUnauthorized(text="unauthorized") from None
        except Exception as error:
            # Not only PyJWTError: botframework-connector raises PermissionError, bare Exception
            # (algorithm, endorsements), IndexError (unknown key id) and AttributeError (no key
            # id) for forged tokens. Whatever fails the check, the caller is not authenticated.
            log.warning(
                "refused unauthenticated activity",
                extra={"activity_type": activity.type, "reason": type(error).__name__},
            )
            raise web.HTTPUnauthorized(text="unauthorized") from None
        invoke_response = await self.process_activity(authenticated, activity, bot.on_turn)
        if invoke_response is None:
            return web.Response(status=201)
        if invoke_response.status == HTTPStatus.NOT_IMPLEMENTED:
            # No handler answered: an invoke nobody implements, or one from another tenant.
            log.info("invoke not answered", extra={"invoke": str(activity.name)[:64]})
            raise web.HTTPBadRequest(text="invoke not handled")
        return _invoke_http_response(invoke_response)


def _invoke_http_response(invoke_response: InvokeResponse) -> web.Response:
    body = invoke_response.body
    if isinstance(body, AdaptiveCardInvokeResponse) and isinstance(body.value, Exception):
        # botbuilder's answer to a malformed `value`: {code, message} as the protocol has it.
        code, message = ([*map(str, body.value.args), "", ""])[:2]
        body = {
            "statusCode": body.status_code,
            "type": body.type,
            "value": {"code": code, "message": message},
        }
    if body is not None and not isinstance(body, dict | list | str | int | float | bool):
        body = serializer_helper(body)
    if body is None:
        return web.Response(status=invoke_response.status or 200)
    return web.json_response(body, status=invoke_response.status or 200)


async def _read_activity(request: web.Request, max_bytes: int) -> Activity:
    if request.content_type != "application/json":
        log.warning(
            "refused request", extra={"reason": "content type", "type": request.content_type}
        )
        raise web.HTTPUnsupportedMediaType(text="expected application/json")
    if request.content_length is not None and request.content_length > max_bytes:
        log.warning(
            "refused request", extra={"reason": "too large", "bytes": request.content_length}
        )
        raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=request.content_length)
    raw = await _read_capped(request, max_bytes)
    if len(raw) > max_bytes:
        log.warning("refused request", extra={"reason": "too large", "bytes": len(raw)})
        raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=len(raw))
    try:
        body: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        log.warning("refused request", extra={"reason": "malformed json"})
        raise web.HTTPBadRequest(text="malformed JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="an activity must be a JSON object")
    _make_storable(body)
    bad_ids = [
        name
        for name, limit in ID_LIMITS
        if len(_text_at(body, name)) > limit or not _TEAMS_ID.fullmatch(_text_at(body, name))
    ]
    if bad_ids:
        log.warning("refused request", extra={"reason": "malformed id", "fields": bad_ids})
        raise web.HTTPBadRequest(text="an id is not a Teams id (too long, or not ASCII)")
    url = urlsplit(_text_at(body, "serviceUrl"))
    if url.scheme not in {"http", "https"} or not url.netloc:
        raise web.HTTPBadRequest(text="serviceUrl is not an http(s) URL")
    try:
        activity = Activity().deserialize(body)
    except Exception:
        log.warning("refused request", extra={"reason": "not an activity"})
        raise web.HTTPBadRequest(text="not a Bot Framework activity") from None
    if not activity.type or not isinstance(activity.type, str):
        raise web.HTTPBadRequest(text="activity has no type")
    if activity.type not in HANDLED_ACTIVITY_TYPES:
        log.info("ignored activity", extra={"activity_type": activity.type[:40]})
        raise web.HTTPBadRequest(text="unsupported activity type")
    if not activity.service_url or not activity.conversation or not activity.conversation.id:
        raise web.HTTPBadRequest(text="activity lacks serviceUrl or conversation")
    sender = activity.from_property
    if not activity.channel_id or not sender or not isinstance(sender.id, str) or not sender.id:
        raise web.HTTPBadRequest(text="activity lacks channelId or from.id")
    if body.get("channelData") is not None and not _teams_channel_data(body["channelData"]):
        raise web.HTTPBadRequest(text="channelData is not Teams channel data")
    if activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION_INVOKE:
        value = body.get("value")
        if not isinstance(value, dict) or not isinstance(value.get("action"), dict):
            raise web.HTTPBadRequest(text="a card action needs value.action")
    return activity


async def _read_capped(request: web.Request, max_bytes: int) -> bytes:
    """Read the body up to one byte past the cap: one `read(n)` may return only part of it."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = await request.content.read(max_bytes + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _teams_channel_data(channel_data: Any) -> bool:
    """Whether the Teams handler can read it (it raised mid-turn on e.g. `[]` or a string team)."""
    if not isinstance(channel_data, dict):
        return False
    try:
        TeamsChannelData().deserialize(channel_data)
    except Exception:
        return False
    return True


def _text_at(document: dict[str, Any], dotted: str) -> str:
    """The string at ``a.b.c``, or "" when there is none (a wrong type is the handler's worry)."""
    node: Any = document
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


def _storable(text: str) -> str:
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def _make_storable(document: dict[str, Any]) -> None:
    """Clean every key and string in place, without recursion (the JSON may be deeply nested)."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in items:
            if isinstance(value, str):
                value = _storable(value)
            elif isinstance(value, dict | list):
                stack.append(value)
            if isinstance(node, dict) and isinstance(key, str) and _storable(key) != key:
                del node[key]
                key = _storable(key)
            node[key] = value


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log with context; tell the user briefly; never leak a stack trace."""
    reference = uuid.uuid4().hex[:8]
    activity = turn_context.activity
    log.exception(
        "turn failed",
        exc_info=error,
        extra={
            "ref": reference,
            "activity_type": activity.type,
            "activity_id": activity.id,
            "conversation_id": activity.conversation.id if activity.conversation else None,
        },
    )
    if activity.type == ActivityTypes.invoke:
        if activity.name == CARD_ACTION_INVOKE:
            await _answer_with_apology(turn_context, reference)
        return
    try:
        await turn_context.send_activity(t("error.apology", activity.locale, ref=reference))
    except Exception:
        log.warning("could not send apology", extra={"ref": reference})


TurnLogic = Callable[[TurnContext], Awaitable[None]]


async def _answer_with_apology(turn_context: TurnContext, reference: str) -> None:
    """A card action whose turn failed gets the apology as its card (not Teams' bare 501)."""
    document = card(
        [error_banner([t("error.apology", turn_context.activity.locale, ref=reference)])]
    )
    response = AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=document)
    try:
        await turn_context.send_activity(
            Activity(
                type=ActivityTypes.invoke_response,
                value=InvokeResponse(status=200, body=response),
            )
        )
    except Exception:
        log.warning("could not answer the failed card action", extra={"ref": reference})
