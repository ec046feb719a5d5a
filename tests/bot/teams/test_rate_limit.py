"""The client-side Teams limiter, in virtual time: every window stays within Teams' limits."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.teams.rate_limit import (
    TEAMS_APP_LIMITS,
    TEAMS_CONVERSATION_LIMITS,
    Limits,
    SlidingWindows,
    TeamsRateLimiter,
)


class VirtualTime:
    """A discrete-event clock: sleepers wake in time order once every task is blocked."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def run(self, coroutines: Iterable[Awaitable[object]]) -> None:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(task.done() for task in tasks):
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers:
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
        for task in tasks:
            task.result()


def violations(times: list[float], limits: Limits) -> list[tuple[int, float, float]]:
    """Every grant that Teams would refuse: more than `limit` in `(t - window, t]`."""
    found = []
    ordered = sorted(times)
    for index, t in enumerate(ordered):
        for limit, window in limits:
            start = bisect.bisect_right(ordered, t - window)
            if index + 1 - start > limit:
                found.append((limit, window, t))
    return found


async def _run(
    arrivals: list[tuple[float, str]], *, margin: float = 0.0
) -> tuple[VirtualTime, dict[str, list[float]], list[float]]:
    vt = VirtualTime()
    limiter = TeamsRateLimiter(margin=margin, clock=vt.clock, sleep=vt.sleep)
    grants: dict[str, list[float]] = defaultdict(list)
    order: list[float] = []

    async def one(at: float, conversation: str) -> None:
        await vt.sleep(at)
        granted = await limiter.acquire(conversation)
        assert granted >= at
        grants[conversation].append(granted)
        order.append(granted)

    await vt.run(one(at, conversation) for at, conversation in arrivals)
    return vt, grants, order


async def test_one_conversation_keeps_every_window() -> None:
    _vt, grants, _ = await _run([(0.0, "a:1")] * 200)
    times = grants["a:1"]
    assert len(times) == 200
    assert violations(times, TEAMS_CONVERSATION_LIMITS) == []
    # 60 per 30 s binds: sends 1–60 go in the first 30 s (8 per 2 s pace), 61–120 from
    # 30 s on, and so on; no capacity is left unused.
    ordered = sorted(times)
    assert [round(ordered[n], 2) for n in (60, 120, 180)] == [30.0, 60.0, 90.0]
    assert max(times) < 96.0


async def test_many_conversations_share_the_app_limit_at_full_speed() -> None:
    _vt, grants, order = await _run([(0.0, f"a:{n}") for n in range(1000)])
    assert violations(order, TEAMS_APP_LIMITS) == []
    # 1,000 ÷ 50/s: the last grant is at 19.x s — the limiter wastes no capacity.
    assert 19.0 <= max(order) < 20.0
    assert all(len(times) == 1 for times in grants.values())


async def test_a_busy_conversation_does_not_hold_up_the_others() -> None:
    arrivals = [(0.0, "busy")] * 100 + [(0.5, f"a:{n}") for n in range(20)]
    _vt, grants, order = await _run(arrivals)
    others = [grants[f"a:{n}"][0] for n in range(20)]
    # The busy chat waits for its 60-per-30-s window; the others go within about a second.
    assert max(others) < 2.0
    assert max(grants["busy"]) > 30.0
    assert violations(grants["busy"], TEAMS_CONVERSATION_LIMITS) == []
    assert violations(order, TEAMS_APP_LIMITS) == []


async def test_grants_are_first_come_first_served() -> None:
    arrivals = [(n * 0.001, f"a:{n}") for n in range(150)]
    _vt, grants, _ = await _run(arrivals)
    granted = [grants[f"a:{n}"][0] for n in range(150)]
    assert granted == sorted(granted)


async def test_margin_widens_every_window() -> None:
    _vt, _grants, order = await _run([(0.0, f"a:{n}") for n in range(200)], margin=0.05)
    widened = tuple((limit, window + 0.05) for limit, window in TEAMS_APP_LIMITS)
    assert violations(order, widened) == []


async def test_a_penalty_holds_back_only_that_conversation() -> None:
    vt = VirtualTime()
    limiter = TeamsRateLimiter(clock=vt.clock, sleep=vt.sleep)
    limiter.penalize("a:slow", 7.0)
    got: dict[str, float] = {}

    async def one(conversation: str) -> None:
        got[conversation] = await limiter.acquire(conversation)

    await vt.run([one("a:slow"), one("a:fast")])
    assert got["a:fast"] == 0.0
    assert got["a:slow"] >= 7.0


async def test_no_busy_wait_each_waiter_sleeps_at_most_twice() -> None:
    vt = VirtualTime()
    sleeps = 0

    async def counting_sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await vt.sleep(seconds)

    limiter = TeamsRateLimiter(clock=vt.clock, sleep=counting_sleep)
    await vt.run(limiter.acquire(f"a:{n}") for n in range(300))
    assert sleeps <= 2 * 300


def test_sliding_windows_earliest_follows_the_service_rule() -> None:
    windows = SlidingWindows(((2, 1.0),))
    windows.record(0.0)
    windows.record(0.25)
    # the grant at 0.0 leaves the window (t - 1, t] at t = 1.0
    assert windows.earliest(0.3) == pytest.approx(1.0, abs=1e-5)
    windows.record(1.0)
    assert windows.earliest(1.0) == pytest.approx(1.25, abs=1e-5)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SlidingWindows(((0, 1.0),))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=40.0, allow_nan=False),
            st.sampled_from(["a:1", "a:2", "a:3", "19:channel"]),
        ),
        min_size=1,
        max_size=150,
    )
)
def test_any_arrival_pattern_stays_within_every_limit(arrivals: list[tuple[float, str]]) -> None:
    _vt, grants, order = asyncio.run(_run(arrivals))
    assert violations(order, TEAMS_APP_LIMITS) == []
    for times in grants.values():
        assert violations(times, TEAMS_CONVERSATION_LIMITS) == []
    assert sum(len(times) for times in grants.values()) == len(arrivals)
