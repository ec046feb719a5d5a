"""Shared machinery for the loopback fakes: request recording, fault injection, the server base.

Every fake is a real aiohttp server bound to 127.0.0.1 on an ephemeral port. One catch-all handler
reads the raw (still percent-encoded) path, splits it into segments and decodes each one, so ids
holding ``/ : @ ; | =`` survive intact; it records the request, applies the faults that are due,
then hands over to the subclass's ``_dispatch``.

Fault precedence for each request: outage, then ``hang_next``, then ``fail_next``, then
``delay_next``, then the probabilistic rules (``fail_rate``), then whatever the subclass adds
(unreachable conversations, rate limits, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, unquote

from aiohttp import web
from multidict import CIMultiDict

LOOPBACK_HOST = "127.0.0.1"

RequestMatcher = Callable[["RecordedRequest"], bool]
_T = TypeVar("_T")

#: Error codes used when a fault does not name one.
DEFAULT_ERROR_CODES: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


@dataclass
class RecordedRequest:
    """One request as the fake saw it, and what it answered."""

    method: str
    path: str
    """Decoded path, below the fake's base path (``/v3/conversations/a:1/activities``)."""
    raw_path: str
    """The path exactly as sent, percent-encoding included, without the query string."""
    segments: list[str]
    """Decoded path segments below the base path."""
    query: dict[str, str]
    headers: CIMultiDict[str]
    """Request headers; lookups ignore case."""
    body: Any
    """Parsed JSON body, or None when the body is empty or not JSON."""
    raw_body: bytes
    time: float
    """``time.monotonic()`` (or the fake's clock) when the request arrived."""
    operation: str = "unknown"
    """Name of the operation the fake recognised (``send_to_conversation``, ``create_event``, …)."""
    params: dict[str, str] = field(default_factory=dict)
    """Decoded path parameters: ``conversation_id``, ``activity_id``, ``user_id``, ``event_id``…"""
    status: int | None = None
    """Status answered; None while the request is in flight (or hung)."""
    fault: str | None = None
    """The injected fault that answered, e.g. ``fail_next:429``, ``hang``, ``rate_limit:7/1s``."""
    response: Any = None
    """The JSON document answered, if any."""
    finished: float | None = None

    @property
    def conversation_id(self) -> str | None:
        return self.params.get("conversation_id")

    @property
    def activity_id(self) -> str | None:
        return self.params.get("activity_id")

    @property
    def user_id(self) -> str | None:
        return self.params.get("user_id")

    @property
    def event_id(self) -> str | None:
        return self.params.get("event_id")

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Fault:
    """What to do with one request instead of (or around) answering it normally."""

    kind: str
    """``fail``, ``hang`` or ``delay``."""
    status: int = 503
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None
    seconds: float | None = None
    label: str = ""


@dataclass
class FaultRule:
    """A standing rule: fail a fraction of the matching requests (seeded, so runs repeat)."""

    status: int
    fraction: float
    retry_after: float | None = None
    match: RequestMatcher | None = None
    code: str | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    hits: int = 0
    """How many requests this rule has failed."""
    seen: int = 0
    """How many requests this rule has been asked about."""


@dataclass
class _Countdown:
    remaining: int
    fault: Fault
    match: RequestMatcher | None


class FaultInjector:
    """Runtime-settable fault modes, shared by every fake."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._outage: Fault | None = None
        self._hangs: list[_Countdown] = []
        self._fails: list[_Countdown] = []
        self._delays: list[_Countdown] = []
        self.rules: list[FaultRule] = []
        self.injected: int = 0
        """Requests answered by an injected fault (hangs included)."""

    # -- setters -------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int,
        retry_after: float | None = None,
        *,
        code: str | None = None,
        message: str | None = None,
        match: RequestMatcher | None = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` (and ``Retry-After``)."""
        fault = Fault("fail", status, retry_after, code, message, label=f"fail_next:{status}")
        self._fails.append(_Countdown(n, fault, match))

    def fail_rate(
        self,
        fraction: float,
        status: int,
        retry_after: float | None = None,
        *,
        seed: int | None = None,
        code: str | None = None,
        match: RequestMatcher | None = None,
    ) -> FaultRule:
        """Answer ``fraction`` (0–1) of the matching requests with ``status``, seeded random."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        rng = random.Random(self._seed if seed is None else seed)
        rule = FaultRule(status, fraction, retry_after, match, code, rng)
        self.rules.append(rule)
        return rule

    def remove_rule(self, rule: FaultRule) -> None:
        self.rules.remove(rule)

    def hang_next(
        self, n: int = 1, *, seconds: float | None = None, match: RequestMatcher | None = None
    ) -> None:
        """Never answer the next ``n`` matching requests (until ``seconds`` pass or the fake
        closes or ``release_hangs`` is called; then 504). Nothing is done for them."""
        self._hangs.append(_Countdown(n, Fault("hang", 504, seconds=seconds, label="hang"), match))

    def delay_next(
        self, n: int, seconds: float, *, before: bool = False, match: RequestMatcher | None = None
    ) -> None:
        """Slow down the next ``n`` matching requests by ``seconds``. By default the request is
        carried out first and only the answer is late (a client that times out has still caused
        the side effect — the case ``transactionId`` exists for); ``before=True`` waits first."""
        kind = "delay_before" if before else "delay"
        self._delays.append(_Countdown(n, Fault(kind, seconds=seconds, label=kind), match))

    def outage(
        self, status: int = 503, retry_after: float | None = None, *, code: str | None = None
    ) -> None:
        """Answer every request with ``status`` until ``restore()``."""
        self._outage = Fault("fail", status, retry_after, code, label=f"outage:{status}")

    def restore(self) -> None:
        """End an outage (other fault modes stay)."""
        self._outage = None

    def clear(self) -> None:
        """Remove every fault mode."""
        self._outage = None
        self._hangs.clear()
        self._fails.clear()
        self._delays.clear()
        self.rules.clear()

    # -- decision ------------------------------------------------------------------------------

    @staticmethod
    def _take(queue: list[_Countdown], record: RecordedRequest) -> Fault | None:
        for item in queue:
            if item.remaining > 0 and (item.match is None or item.match(record)):
                item.remaining -= 1
                fault = item.fault
                if item.remaining == 0:
                    queue.remove(item)
                return fault
        return None

    def decide(self, record: RecordedRequest) -> Fault | None:
        """The fault for this request, if any (consumes one-shot faults)."""
        if self._outage is not None:
            return self._outage
        for queue in (self._hangs, self._fails, self._delays):
            fault = self._take(queue, record)
            if fault is not None:
                return fault
        for rule in self.rules:
            if rule.match is not None and not rule.match(record):
                continue
            rule.seen += 1
            if rule.rng.random() < rule.fraction:
                rule.hits += 1
                return Fault(
                    "fail",
                    rule.status,
                    rule.retry_after,
                    rule.code,
                    label=f"fail_rate:{rule.status}",
                )
        return None


def format_retry_after(seconds: float) -> str:
    """Retry-After as whole seconds (HTTP delta-seconds), never below 0."""
    whole = int(seconds)
    if whole < seconds:
        whole += 1
    return str(max(0, whole))


class FakeHttpServer:
    """Base of the fakes: an aiohttp server on 127.0.0.1:0 with recording and fault injection.

    Subclasses implement ``_dispatch(record, request)`` returning a response, and
    ``_error_body(status, code, message)``.
    """

    base_path: str = "/"

    def __init__(
        self,
        *,
        seed: int = 0,
        hang_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        client_max_size: int = 300 * 1024 * 1024,
    ) -> None:
        self.requests: list[RecordedRequest] = []
        self.errors: list[Exception] = []
        """Exceptions raised inside the fake's own handlers (answered 500)."""
        self.faults = FaultInjector(seed)
        self.hang_seconds = hang_seconds
        self.clock = clock
        self._client_max_size = client_max_size
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._release = asyncio.Event()
        self._changed = asyncio.Event()
        self._in_flight = 0

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._release = asyncio.Event()
        self._changed = asyncio.Event()
        app = web.Application(client_max_size=self._client_max_size)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK_HOST, 0)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the fake is not started; use `async with` or await start()")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://{LOOPBACK_HOST}:{self.port}/"

    # -- fault shortcuts -----------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int,
        retry_after: float | None = None,
        *,
        code: str | None = None,
        message: str | None = None,
        match: RequestMatcher | None = None,
    ) -> None:
        """Answer the next ``n`` (matching) requests with ``status``; see FaultInjector."""
        self.faults.fail_next(n, status, retry_after, code=code, message=message, match=match)

    def fail_rate(
        self,
        fraction: float,
        status: int,
        retry_after: float | None = None,
        *,
        seed: int | None = None,
        code: str | None = None,
        match: RequestMatcher | None = None,
    ) -> FaultRule:
        """Fail ``fraction`` of the (matching) requests with ``status``, seeded."""
        return self.faults.fail_rate(
            fraction, status, retry_after, seed=seed, code=code, match=match
        )

    def hang_next(
        self, n: int = 1, *, seconds: float | None = None, match: RequestMatcher | None = None
    ) -> None:
        """Never answer the next ``n`` (matching) requests."""
        self.faults.hang_next(n, seconds=seconds, match=match)

    def delay_next(
        self, n: int, seconds: float, *, before: bool = False, match: RequestMatcher | None = None
    ) -> None:
        """Answer the next ``n`` (matching) requests ``seconds`` late."""
        self.faults.delay_next(n, seconds, before=before, match=match)

    def outage(
        self, status: int = 503, retry_after: float | None = None, *, code: str | None = None
    ) -> None:
        """Answer everything with ``status`` until ``restore()``."""
        self.faults.outage(status, retry_after, code=code)

    def restore(self) -> None:
        """End an outage."""
        self.faults.restore()

    def clear_faults(self) -> None:
        self.faults.clear()

    def release_hangs(self) -> None:
        """Let every hung request finish now (with 504)."""
        self._release.set()
        self._release = asyncio.Event()

    # -- recording helpers ---------------------------------------------------------------------

    def clear_requests(self) -> None:
        self.requests.clear()

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.operation == operation]

    @property
    def unmatched(self) -> list[RecordedRequest]:
        """Requests to paths the fake does not serve (answered 404)."""
        return [r for r in self.requests if r.operation == "unknown"]

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def wait_for_request(
        self,
        predicate: RequestMatcher | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """Wait until a finished request matching ``predicate`` has been recorded."""

        def find() -> RecordedRequest | None:
            for record in self.requests:
                if record.status is not None and (predicate is None or predicate(record)):
                    return record
            return None

        return await self._wait(find, timeout, "request")

    async def _wait(self, find: Callable[[], _T | None], timeout: float, what: str) -> _T:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-10:])
                raise TimeoutError(f"no matching {what} within {timeout}s; last seen: [{seen}]")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- request handling ----------------------------------------------------------------------

    def _error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        return {"error": {"code": code, "message": message}}

    def _fault_exempt(self, record: RecordedRequest) -> bool:
        """Requests that injected faults never touch (e.g. a token endpoint)."""
        return False

    def error(
        self,
        record: RecordedRequest,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        fault: str | None = None,
    ) -> web.Response:
        code = code or DEFAULT_ERROR_CODES.get(status, f"Http{status}")
        message = message or f"{code} (injected by {type(self).__name__})"
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["Retry-After"] = format_retry_after(retry_after)
        if fault is not None:
            record.fault = fault
        return self.json(record, self._error_body(status, code, message), status, headers)

    def json(
        self,
        record: RecordedRequest,
        document: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        record.response = document
        return web.json_response(document, status=status, headers=headers)

    def empty(self, record: RecordedRequest, status: int = 204) -> web.Response:
        return web.Response(status=status)

    def _split(self, raw_path: str) -> list[str] | None:
        base = [s for s in self.base_path.split("/") if s]
        raw_segments = [s for s in raw_path.split("/") if s]
        if raw_segments[: len(base)] != base:
            return None
        return [unquote(s) for s in raw_segments[len(base) :]]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.rel_url.raw_path
        raw_body = await request.read()
        body: Any = None
        if raw_body:
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                body = json.loads(raw_body)
        segments = self._split(raw_path)
        record = RecordedRequest(
            method=request.method,
            path="/" + "/".join(segments or []),
            raw_path=raw_path,
            segments=segments or [],
            query=dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)),
            headers=CIMultiDict(request.headers),
            body=body,
            raw_body=raw_body,
            time=self.clock(),
        )
        if segments is not None:
            self._classify(record)
        self.requests.append(record)
        self._in_flight += 1
        try:
            try:
                response = await self._answer(record, request, segments)
            except Exception as exc:  # a bug in the fake: answer 500, keep it for the test
                self.errors.append(exc)
                response = self.error(record, 500, "InternalServerError", f"fake failed: {exc!r}")
            record.status = response.status
            return response
        finally:
            self._in_flight -= 1
            record.finished = self.clock()
            if record.status is None:
                record.status = 0
            self._notify()

    async def _answer(
        self, record: RecordedRequest, request: web.Request, segments: list[str] | None
    ) -> web.StreamResponse:
        if segments is None:
            return self.error(record, 404, "NotFound", f"{record.raw_path} is outside the fake")
        fault = None if self._fault_exempt(record) else self.faults.decide(record)
        if fault is not None:
            self.faults.injected += 1
            if fault.kind == "fail":
                return self.error(
                    record,
                    fault.status,
                    fault.code,
                    fault.message,
                    retry_after=fault.retry_after,
                    fault=fault.label,
                )
            if fault.kind == "hang":
                record.fault = "hang"
                release = self._release
                seconds = self.hang_seconds if fault.seconds is None else fault.seconds
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(release.wait(), seconds)
                return self.error(record, 504, "GatewayTimeout", "hung request released")
            record.fault = f"{fault.kind}:{fault.seconds}"
            if fault.kind == "delay_before":
                await asyncio.sleep(fault.seconds or 0.0)
                return await self._dispatch(record, request)
            response = await self._dispatch(record, request)
            await asyncio.sleep(fault.seconds or 0.0)
            return response
        return await self._dispatch(record, request)

    def _classify(self, record: RecordedRequest) -> None:
        """Fill ``record.operation`` and ``record.params`` before faults are decided."""

    async def _dispatch(self, record: RecordedRequest, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError


Handler = Callable[[RecordedRequest, web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """A route over decoded segments: literals, ``{name}`` captures, ``{name*}`` = the rest."""

    method: str
    pattern: tuple[str, ...]
    operation: str

    @classmethod
    def of(cls, method: str, pattern: str, operation: str) -> Route:
        return cls(method, tuple(s for s in pattern.split("/") if s), operation)

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        if method != self.method:
            return None
        params: dict[str, str] = {}
        for index, part in enumerate(self.pattern):
            if part.startswith("{") and part.endswith("*}"):
                if index >= len(segments):
                    return None
                params[part[1:-2]] = "/".join(segments[index:])
                return params
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = segments[index]
            elif part.lower() != segments[index].lower():
                return None
        return params if len(segments) == len(self.pattern) else None


def match_routes(
    routes: list[Route], method: str, segments: list[str]
) -> tuple[Route, dict[str, str]] | None:
    for route in routes:
        params = route.match(method, segments)
        if params is not None:
            return route, params
    return None
