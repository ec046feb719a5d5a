"""End to end: the real bot process behind the Agents Playground (an offline Teams client).

Starts ``.venv/bin/ssu-bot serve --port <free port>`` with a SQLite database and demo
data, opens the personal chat in the Playground (which sends installationUpdate and
conversationUpdate), writes ``hjelp`` and expects the help Adaptive Card back.

Runs only inside the loopback-only network namespace that scripts/test creates.
``SSU_E2E_BOT_COMMAND`` (a shell-quoted command with ``{port}``) replaces the bot
command, e.g. to check the harness against another bot; ``SSU_E2E_PLAYGROUND_CONFIG``
(a path, or ``builtin``) replaces the repository's ``.m365agentsplayground.yml``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from .playground import (
    ADAPTIVE_CARD,
    BotMessage,
    Playground,
    free_port,
    loopback_only_reason,
    playground_missing_reason,
)

REPO = Path(__file__).resolve().parents[2]
# Mock users mapped to the demo roster (the current user is the secretariat); without
# it the Playground's built-in tenant (user-id-0 "Alex Wilber", unknown to the roster).
PLAYGROUND_CONFIG = REPO / ".m365agentsplayground.yml"
SSU_BOT = Path(sys.executable).parent / "ssu-bot"
BOT_START_TIMEOUT = 90.0  # importing the whole stack on a cold 2-core machine


def _skip_reason() -> str | None:
    return playground_missing_reason() or loopback_only_reason()


pytestmark = [
    pytest.mark.playground,
    pytest.mark.skipif(_skip_reason() is not None, reason=f"Agents Playground: {_skip_reason()}"),
]


class BotProcess:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def start(self) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=f"sqlite+aiosqlite:///{self.workdir / 'bot.db'}",
            SSU_DEMO="1",
            PYTHONUNBUFFERED="1",
        )
        override = os.environ.get("SSU_E2E_BOT_COMMAND")
        if override:
            argv = [a.replace("{port}", str(self.port)) for a in shlex.split(override)]
        else:
            argv = [str(SSU_BOT), "serve", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=self.workdir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + BOT_START_TIMEOUT
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while True:
                if self.proc.returncode is not None:
                    raise AssertionError(
                        f"{argv[0]} exited with {self.proc.returncode} before /healthz "
                        f"answered:\n{self.log_tail()}"
                    )
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                        if r.status == 200:
                            return
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{argv[0]} gave no 200 on /healthz in {BOT_START_TIMEOUT}s:\n"
                        f"{self.log_tail()}"
                    )
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()


@pytest.fixture
def bot_workdir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "bot"
    d.mkdir()
    yield d


@pytest.fixture
async def bot(bot_workdir: Path) -> AsyncIterator[BotProcess]:
    if not SSU_BOT.exists() and not os.environ.get("SSU_E2E_BOT_COMMAND"):
        pytest.fail(f"{SSU_BOT} is missing: run scripts/setup (pip install -e '.[dev]')")
    process = BotProcess(free_port(), bot_workdir)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()


def _help_card(*words: str) -> Callable[[BotMessage], bool]:
    def match(message: BotMessage) -> bool:
        return any(
            any(w in json.dumps(card, ensure_ascii=False) for w in words)
            for card in message.adaptive_cards
        )

    return match


def _playground_config() -> Path | None:
    override = os.environ.get("SSU_E2E_PLAYGROUND_CONFIG")
    if override:
        return None if override == "builtin" else Path(override)
    return PLAYGROUND_CONFIG if PLAYGROUND_CONFIG.exists() else None


async def test_hjelp_in_personal_chat_answers_with_the_help_card(bot: BotProcess) -> None:
    async with Playground(bot.endpoint, config_file=_playground_config()) as pg:
        chat, me = pg.personal_chat_id, pg.current_user_id
        # What the Teams client does when the user opens the bot's chat the first time
        # (the bot gets installationUpdate + conversationUpdate):
        await pg.open_conversation(chat)

        # 1. Typed in the Playground.  It says locale "en-US" in every activity, so a
        #    bot that follows the Teams locale answers in English here.
        mark = pg.mark()
        sent = await pg.send_message(chat, me, "hjelp")
        assert sent.get("messageId")
        typed = await _wait(pg, bot, _help_card("Hjelp", "Help"), mark)

        # 2. The same from a Teams client in Norwegian bokmål.
        mark = pg.mark()
        await pg.send_message_activity(chat, me, "hjelp", locale="nb-NO")
        norwegian = await _wait(pg, bot, _help_card("Hjelp"), mark)

    for reply in (typed, norwegian):
        assert reply.conversation_id == chat
        assert any(a.get("contentType") == ADAPTIVE_CARD for a in reply.attachments)
        assert all(card.get("type") == "AdaptiveCard" for card in reply.adaptive_cards)
    assert "Hjelp" in json.dumps(norwegian.adaptive_cards, ensure_ascii=False)


async def _wait(
    pg: Playground, bot: BotProcess, predicate: Callable[[BotMessage], bool], mark: int
) -> BotMessage:
    try:
        return await pg.wait_for_reply(predicate, timeout=30, since=mark)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n--- bot log ---\n{bot.log_tail()}") from None
