"""CloudAdapter with request validation and fixes for two botbuilder 4.17.1 bugs.

1. An invoke whose handler returns a body (Action.Execute, task/fetch) came back as HTTP 500,
   because the body was already a dict and was serialized a second time.
2. A malformed Bearer token raised `jwt.DecodeError` out of the adapter: 500 instead of 401.
Both are fixed here, in `handle`, and nowhere else.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult

from bot.config import Settings
from bot.i18n import t

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
        except (PermissionError, jwt.PyJWTError, ValueError, KeyError) as error:
            log.warning(
                "refused unauthenticated activity",
                extra={"activity_type": activity.type, "reason": type(error).__name__},
            )
            raise web.HTTPUnauthorized(text="unauthorized") from None
        invoke_response = await self.process_activity(authenticated, activity, bot.on_turn)
        if invoke_response is None:
            return web.Response(status=201)
        return _invoke_http_response(invoke_response)


def _invoke_http_response(invoke_response: InvokeResponse) -> web.Response:
    body = invoke_response.body
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
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.warning("refused request", extra={"reason": "malformed json"})
        raise web.HTTPBadRequest(text="malformed JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="an activity must be a JSON object")
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
        return
    try:
        await turn_context.send_activity(t("error.apology", activity.locale, ref=reference))
    except Exception:
        log.warning("could not send apology", extra={"ref": reference})


TurnLogic = Callable[[TurnContext], Awaitable[None]]
