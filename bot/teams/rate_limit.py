"""Client-side limiter for Teams' bot send limits, so the bot is throttled by itself, not by Teams.

Limits (Teams platform docs, TOOLS.md): per bot per conversation 7 sends per second, 8 per 2 s,
60 per 30 s and 1,800 per hour; per app per tenant 50 requests per second.

How it works, and why:
- Sliding windows of grant times, checked the way the service checks them: a send at `t` is
  allowed when fewer than `limit` grants lie in `(t - window, t]`. Each window gets a small
  `margin` on top, because the service measures arrival, not our grant: thread hand-off and the
  network move a request by a few milliseconds, and a window filled to the brim would then see
  one request too many.
- Per conversation a FIFO `asyncio.Lock`: one waiter per conversation at a time, in arrival
  order. A conversation waiting for its own 30-s or 1-h window therefore holds nothing that
  other conversations need (no head-of-line blocking), and its grants stay in order.
- Per app the grants are *paced* (50/s means one every 20 ms), not bursts of 50 at each
  window edge: a burst arriving with a spread of delays lands partly in the next window of the
  service and is refused, while evenly spaced requests keep it below the limit.
- Per app a *reservation*: a waiter whose conversation slot has come takes the earliest free app
  slot at once (recorded before it sleeps), so app slots go first come, first served, and every
  waiter sleeps exactly until its slot — no polling, no busy-wait.
- `penalize` makes a conversation (or the app) wait after a 429 (Retry-After), because Teams'
  own accounting — other replicas, other bots in the thread — can be stricter than ours.

Clock and sleep are injectable so tests run in virtual time.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Limits = tuple[tuple[int, float], ...]

TEAMS_CONVERSATION_LIMITS: Limits = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TEAMS_APP_LIMITS: Limits = ((50, 1.0),)
DEFAULT_MARGIN_SECONDS = 0.0
_EPSILON = 1e-6
"""Keeps a grant strictly outside a window despite float rounding (`t - window` at the edge)."""


class SlidingWindows:
    """Grant times of one scope (a conversation, or the app), in non-decreasing order."""

    def __init__(self, limits: Limits, *, margin: float = 0.0, paced: bool = False) -> None:
        if not limits or any(limit < 1 or window <= 0 for limit, window in limits):
            raise ValueError("limits must be (positive count, positive seconds) pairs")
        self.limits = limits
        self.margin = margin
        self.spacing = min((window + margin) / limit for limit, window in limits) if paced else 0.0
        """Paced: grants at least this far apart, the limit spread evenly over the window."""
        self.horizon = max(window for _, window in limits) + margin
        self.longest = max(limit for limit, _ in limits)
        self.times: deque[float] = deque()
        self.blocked_until = float("-inf")

    def earliest(self, at: float) -> float:
        """The first instant ≥ `at` at which one more grant keeps every window in its limit."""
        start = max(at, self.blocked_until)
        if self.times:
            start = max(start, self.times[-1] + self.spacing)
        for limit, window in self.limits:
            if len(self.times) >= limit:
                start = max(start, self.times[-limit] + window + self.margin + _EPSILON)
        return start

    def record(self, at: float) -> None:
        if self.times and at < self.times[-1]:
            raise ValueError("grants must be recorded in time order")
        self.times.append(at)
        while len(self.times) > self.longest or (self.times and self.times[0] <= at - self.horizon):
            self.times.popleft()

    def block(self, until: float) -> None:
        self.blocked_until = max(self.blocked_until, until)

    def idle(self, now: float) -> bool:
        return (not self.times or self.times[-1] <= now - self.horizon) and (
            self.blocked_until <= now
        )


class TeamsRateLimiter:
    """`await limiter.acquire(conversation_id)` before every request to that conversation."""

    def __init__(
        self,
        *,
        conversation_limits: Limits = TEAMS_CONVERSATION_LIMITS,
        app_limits: Limits = TEAMS_APP_LIMITS,
        margin: float = DEFAULT_MARGIN_SECONDS,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._conversation_limits = conversation_limits
        self._margin = margin
        self._clock = clock
        self._sleep = sleep
        self._app = SlidingWindows(app_limits, margin=margin, paced=True)
        self._conversations: dict[str, SlidingWindows] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._grants = 0

    def _windows(self, conversation_id: str) -> SlidingWindows:
        windows = self._conversations.get(conversation_id)
        if windows is None:
            windows = SlidingWindows(self._conversation_limits, margin=self._margin)
            self._conversations[conversation_id] = windows
        return windows

    async def _sleep_until(self, instant: float) -> None:
        delay = instant - self._clock()
        if delay > 0:
            await self._sleep(delay)

    async def acquire(self, conversation_id: str, *, lead: float = 0.0) -> float:
        """Wait for a slot that keeps this conversation and the app within the limits; return
        the slot (on the limiter's clock).

        With `lead`, return `lead` seconds *before* the slot: the caller does its last
        bookkeeping (the outbox's `sending` commit) in that time and then `wait_until(slot)`, so
        requests leave on the slots' own rhythm, not on the rhythm of the bookkeeping.
        """
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            windows = self._windows(conversation_id)
            while True:
                await self._sleep_until(windows.earliest(self._clock() + lead) - lead)
                slot = self._app.earliest(self._clock() + lead)
                self._app.record(slot)
                await self._sleep_until(slot - lead)
                if windows.earliest(slot) <= slot:
                    # Else a penalty arrived while we slept for the app slot: that app slot is
                    # simply wasted (conservative) and we wait again.
                    windows.record(slot)
                    break
        self._grants += 1
        if self._grants % 1000 == 0:
            self._prune()
        return slot

    async def wait_until(self, slot: float) -> None:
        """Sleep until a slot returned by `acquire(…, lead=…)`."""
        await self._sleep_until(slot)

    def penalize(self, conversation_id: str | None, seconds: float) -> None:
        """After a 429: no grant for this conversation (None: the whole app) for `seconds`."""
        until = self._clock() + max(0.0, seconds)
        if conversation_id is None:
            self._app.block(until)
        else:
            self._windows(conversation_id).block(until)

    def _prune(self) -> None:
        """Forget conversations idle for longer than the longest window (bounded memory)."""
        now = self._clock()
        for conversation_id in [
            cid
            for cid, windows in self._conversations.items()
            if windows.idle(now) and not self._locks.get(cid, asyncio.Lock()).locked()
        ]:
            del self._conversations[conversation_id]
            self._locks.pop(conversation_id, None)

    @property
    def conversations_tracked(self) -> int:
        return len(self._conversations)
