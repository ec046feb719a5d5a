"""The floor: a bare echo bot on the same adapter class (SsuAdapter, a CloudAdapter) and aiohttp,
run the same way as ``ssu-bot serve`` (one process, ``web.run_app``, no access log).

    python -m bench.echo_floor [--host 127.0.0.1] [--port 3979]

It does no work of its own: no database, no state, no dialogs. It answers each activity with
replies of the sizes the real bot gave the same activity, which the bench sends in the header
``X-Bench-Reply: <message reply bytes>,<…>|<invoke response bytes>`` (the JSON body is the very
body the real bot got). So the bot's latency ÷ the floor's is what the bot's own work costs, at
the same request and reply sizes, through the same fake connector.
"""

from __future__ import annotations

import argparse
import contextvars
import sys
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Attachment

from bot.config import LOOPBACK_HOSTS, Settings
from bot.logs import configure as configure_logging
from bot.teams.adapter import build_adapter

CARD = "application/vnd.microsoft.card.adaptive"
HEADER = "X-Bench-Reply"
#: Bytes a card reply adds around its text at the connector (ids, from/recipient, conversation,
#: serviceUrl, …), measured: the pad is the wanted size less this.
MESSAGE_OVERHEAD = 570
INVOKE_OVERHEAD = 160
_MAX_BYTES = 200_000


@dataclass(frozen=True)
class ReplyPlan:
    messages: tuple[int, ...] = ()
    invoke: int = 0


_PLAN: contextvars.ContextVar[ReplyPlan | None] = contextvars.ContextVar("reply_plan", default=None)
_NO_PLAN = ReplyPlan((1,))


def parse_plan(header: str | None) -> ReplyPlan:
    """``"1200,800|0"`` → two message replies of ~1,200 and ~800 bytes, no invoke body."""
    if not header:
        return _NO_PLAN
    messages, _, invoke = header.partition("|")

    def size(text: str) -> int:
        return min(_MAX_BYTES, max(0, int(text))) if text.strip().isdigit() else 0

    return ReplyPlan(
        tuple(size(s) for s in messages.split(",") if s.strip()), size(invoke) if invoke else 0
    )


def padded_card(size: int, overhead: int) -> dict[str, object]:
    pad = "x" * max(1, size - overhead)
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": pad, "wrap": True}],
    }


class EchoBot(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        for size in (_PLAN.get() or _NO_PLAN).messages:
            attachment = Attachment(content_type=CARD, content=padded_card(size, MESSAGE_OVERHEAD))
            await turn_context.send_activity(MessageFactory.attachment(attachment))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        size = (_PLAN.get() or _NO_PLAN).invoke
        body = {"statusCode": 200, "type": CARD, "value": padded_card(size, INVOKE_OVERHEAD)}
        return InvokeResponse(status=200, body=body)


def create_echo_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.max_request_bytes)
    adapter = build_adapter(settings)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        _PLAN.set(parse_plan(request.headers.get(HEADER)))
        return await adapter.handle(request, bot, max_bytes=settings.max_request_bytes)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.echo_floor", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3979)
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK_HOSTS:
        parser.error("the echo floor binds only to loopback")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    configure_logging(settings.log_level)
    web.run_app(
        create_echo_app(settings), host=args.host, port=args.port, print=None, access_log=None
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
