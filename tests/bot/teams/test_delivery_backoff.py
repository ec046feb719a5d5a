"""The sender's retry policy without Retry-After: exponential backoff with equal jitter, capped so
that messages go out soon after a connector outage ends, and enough attempts that an outage of
several minutes loses nothing (tests/faults/test_connector_outage.py runs the one-minute case)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.teams.delivery import OutboxConfig, OutboxSender
from tests.bot.outbox_support import make_sender


class Extreme(random.Random):
    """Jitter always at one end of its range."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


def _sender(high: bool | None = None, **config: float) -> OutboxSender:
    unbound = async_sessionmaker(class_=AsyncSession)  # backoff never touches the database
    sender = make_sender(unbound, config=OutboxConfig(_env_file=None, **config))
    if high is not None:
        sender.rng = Extreme(high)
    return sender


def test_backoff_doubles_from_the_base_and_never_exceeds_the_cap() -> None:
    sender = _sender(backoff_base_seconds=1.0, backoff_cap_seconds=20.0)
    for attempt in range(1, 80):
        ceiling = min(20.0, 2.0 ** (attempt - 1))
        for _ in range(20):
            delay = sender.backoff(attempt)
            assert ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize("high", [False, True])
def test_the_defaults_recover_within_twenty_seconds_and_ride_out_nine_minutes(high: bool) -> None:
    sender = _sender(high)
    config = OutboxConfig(_env_file=None)
    delays = [sender.backoff(n) for n in range(1, config.max_attempts)]
    # After an outage every message is tried again within the cap …
    assert max(delays) <= 20.0
    assert config.backoff_cap_seconds <= 20.0
    # … and none is given up (failed) before at least nine minutes of failures.
    assert sum(delays) >= 9 * 60
