"""``ssu-bot serve`` as a real process on a loopback port, for tests that kill or double it.

    async with FakeConnector() as connector:
        bot = BotProcess(bot_env(url, tmp_path / "var"), tmp_path / "serve-1.log")
        await bot.start()                       # returns once /healthz answers 200
        ...
        await bot.kill()                        # SIGKILL: no shutdown hooks run
        await bot.start()                       # the same environment, a new process

The process logs to its own file (``log``); ``lines(needle)`` reads it back. Every test that
starts one stops it in ``finally`` (``stop``), so no server outlives its test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import aiohttp

SERVE = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The parent's environment in local mode (no app id, no Graph) on ``database_url``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MicrosoftApp", "GRAPH_", "SSU_"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "SSU_VAR_DIR": str(var_dir),
            "SSU_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


async def until(
    predicate: Callable[[], Awaitable[bool]], timeout: float, what: str, step: float = 0.05
) -> None:
    """Poll ``predicate`` until it holds; TimeoutError naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(step)


class BotProcess:
    """One ``ssu-bot serve``; ``start`` may be called again after ``kill``/``stop``."""

    def __init__(self, env: Mapping[str, str], log: Path, *, port: int | None = None) -> None:
        self.env = dict(env)
        self.log = log
        self.port = port or free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def messages_url(self) -> str:
        return self.url + "/api/messages"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, *, healthy_within: float = 60.0) -> None:
        assert self.process is None or self.process.returncode is not None, "already running"
        self.starts += 1
        with self.log.open("ab") as handle:
            handle.write(f"----- start {self.starts} -----\n".encode())
            self.process = await asyncio.create_subprocess_exec(
                *SERVE, "--port", str(self.port), env=self.env, stdout=handle, stderr=handle
            )
        await self.wait_healthy(healthy_within)

    async def wait_healthy(self, timeout: float) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:

            async def healthy() -> bool:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise RuntimeError(
                        f"ssu-bot serve exited with {self.process.returncode}:\n{self.tail()}"
                    )
                try:
                    async with http.get(self.url + "/healthz") as response:
                        return response.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    return False

            await until(healthy, timeout, f"ssu-bot serve not healthy:\n{self.tail()}", 0.1)

    async def kill(self) -> None:
        """SIGKILL: what a crash or an OOM kill does (no shutdown hook, no lease handed back)."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self, grace: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            await self.kill()

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def lines(self, needle: str) -> list[str]:
        return [line for line in self.text().splitlines() if needle in line]
