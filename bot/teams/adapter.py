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
"""

from __future__ import annotations

import json
import logging
import re
import uuid
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
from botframework.connector.auth import AuthenticateRequestResult

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
    adapter = SsuAdapter(ConfigurationBotFrameworkAuthentication(configuration))
    adapter.on_turn_error = _on_turn_error
    return adapter


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
