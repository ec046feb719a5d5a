"""Drive a web page in headless Chromium from an async test (the Agents Playground's page).

The browser is Debian's ``/usr/bin/chromium`` driven by the npm ``playwright-core`` pinned in
``tests/e2e/package.json`` — the same pair tests/cards/render uses — through a small Node
process, ``tests/e2e/browser.cjs``, that takes one JSON command a line.  No Python Playwright
(it would download a second browser and a Node driver of its own).

    async with Browser(allow=[pg.base_url], artifacts=ARTIFACTS) as browser:
        await browser.goto(pg.base_url)
        await browser.type(COMPOSER, "hjelp", enter=True)
        await browser.wait(BOT_MESSAGES.last().has_text("Hjelp"))
        await browser.screenshot("01-help")

A :class:`Loc` is a chain of Playwright locator steps (css, role, text, label, filter, nth).
Every wait is bounded (``timeout``, generous for a loaded 2-core machine) and waits for a
specific element or text; nothing sleeps.  Requests to anything but the ``allow`` origins are
aborted in the browser, so the page's CDN fonts and telemetry are never attempted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

E2E_DIR = Path(__file__).resolve().parent
DRIVER = E2E_DIR / "browser.cjs"
NODE_MODULES = E2E_DIR / "node_modules"
CHROMIUM = Path(os.environ.get("SSU_CHROMIUM", "/usr/bin/chromium"))
DEFAULT_TIMEOUT = 60.0  # seconds, for one wait or action on a loaded 2-core machine


def browser_missing_reason() -> str | None:
    """None when node, playwright-core and Chromium are there, else why not."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "playwright-core" / "package.json").is_file():
        return "playwright-core is not in tests/e2e/node_modules (run scripts/setup)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


class BrowserError(AssertionError):
    """A browser command failed (an element did not appear in time, a click missed, ...)."""


@dataclass(frozen=True)
class Loc:
    """A Playwright locator as a chain of steps, applied from the page (``Loc()`` = the page)."""

    steps: tuple[dict[str, Any], ...] = ()

    def _add(self, **step: Any) -> Loc:
        return Loc((*self.steps, step))

    def css(self, selector: str) -> Loc:
        return self._add(css=selector)

    def role(self, role: str, name: str | None = None, *, exact: bool = False) -> Loc:
        if name is None:
            return self._add(role=role)
        return self._add(role=role, name=name, exact=exact)

    def text(self, text: str, *, exact: bool = False) -> Loc:
        return self._add(text=text, exact=exact)

    def label(self, label: str, *, exact: bool = False) -> Loc:
        return self._add(label=label, exact=exact)

    def has_text(self, text: str, *, match_case: bool = False) -> Loc:
        """Only the elements containing ``text`` (Playwright ignores case unless ``match_case``)."""
        return self._add(has_text=text, case=match_case)

    def nth(self, index: int) -> Loc:
        return self._add(nth=index)

    def last(self) -> Loc:
        return self.nth(-1)

    def __str__(self) -> str:
        return " >> ".join(json.dumps(s, ensure_ascii=False) for s in self.steps) or "(page)"


# ------------------------------------------------------------------ the Agents Playground's page
# (@microsoft/m365agentsplayground 0.2.28, a React app; its CSS classes are generated, so these
# go by ARIA: every message has a "Message header"; the bot's carry a "Message author").
COMPOSER = Loc().role("textbox")  # the rich-text "Type a message..." box (one per page)
MESSAGES = Loc().css('div:has(> [aria-label="Message header"])')
BOT_MESSAGES = Loc().css('div:has(> [aria-label="Message header"] [aria-label="Message author"])')


class Browser:
    """Headless Chromium behind ``browser.cjs``; every method is one command, awaited in turn.

    ``artifacts``: where :meth:`screenshot` writes ``<name>.png``.  ``allow``: the origins the
    page may load from (e.g. ``http://127.0.0.1:<port>``).
    """

    def __init__(
        self,
        *,
        allow: list[str],
        artifacts: Path,
        viewport: tuple[int, int] = (1280, 1000),
        locale: str = "nb-NO",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.allow = list(allow)
        self.artifacts = artifacts
        self.viewport = viewport
        self.locale = locale
        self.timeout = timeout
        self.screenshots: list[Path] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._next_id = 0
        self._stderr: list[str] = []
        self._stderr_task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Browser:
        missing = browser_missing_reason()
        if missing:
            raise BrowserError(missing)
        options = {
            "allow": self.allow,
            "viewport": list(self.viewport),
            "locale": self.locale,
            "chromium": str(CHROMIUM),
            "launchTimeout": int(self.timeout * 1000),
        }
        self._proc = await asyncio.create_subprocess_exec(
            "node",
            str(DRIVER),
            json.dumps(options),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            limit=16 * 1024 * 1024,
        )
        self._stderr_task = asyncio.create_task(self._read_stderr())
        try:
            ready = await self._read(self.timeout + 30)
            if not ready.get("ready"):
                raise BrowserError(f"browser.cjs did not start: {ready}")
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        async for raw in self._proc.stderr:
            self._stderr.append(raw.decode(errors="replace").rstrip())

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        try:
            raw = await asyncio.wait_for(self._proc.stdout.readline(), timeout)
        except TimeoutError:
            raise BrowserError(f"browser.cjs gave no answer in {timeout}s") from None
        if not raw:
            await asyncio.sleep(0)  # let the stderr reader catch up
            tail = "\n".join(self._stderr[-30:])
            raise BrowserError(f"browser.cjs exited:\n{tail}")
        message: dict[str, Any] = json.loads(raw)
        return message

    async def _call(self, op: str, timeout: float | None = None, **args: Any) -> Any:
        assert self._proc is not None and self._proc.stdin is not None, "browser not started"
        timeout = self.timeout if timeout is None else timeout
        self._next_id += 1
        command = {"id": self._next_id, "op": op, "timeout": int(timeout * 1000), **args}
        self._proc.stdin.write((json.dumps(command, ensure_ascii=False) + "\n").encode())
        await self._proc.stdin.drain()
        # Playwright enforces the timeout; ours only guards against a hung driver.
        answer = await self._read(timeout + 30)
        if answer.get("id") != command["id"]:
            raise BrowserError(f"browser.cjs answered {answer} to {command}")
        if not answer.get("ok"):
            described = {k: (str(Loc(tuple(v))) if k == "loc" else v) for k, v in args.items()}
            raise BrowserError(f"{op} {described} failed: {answer.get('error')}")
        return answer.get("value")

    # ------------------------------------------------------------------ commands
    async def goto(self, url: str, *, timeout: float | None = None) -> None:
        await self._call("goto", timeout, url=url)

    async def wait(self, loc: Loc, *, state: str = "visible", timeout: float | None = None) -> None:
        """Until ``loc`` is in ``state`` (visible, hidden, attached, detached)."""
        await self._call("wait", timeout, loc=list(loc.steps), state=state)

    async def click(self, loc: Loc, *, timeout: float | None = None) -> None:
        await self._call("click", timeout, loc=list(loc.steps))

    async def fill(self, loc: Loc, value: str, *, timeout: float | None = None) -> None:
        await self._call("fill", timeout, loc=list(loc.steps), value=value)

    async def check(self, loc: Loc, *, timeout: float | None = None) -> None:
        await self._call("check", timeout, loc=list(loc.steps))

    async def type(
        self, loc: Loc, text: str, *, enter: bool = False, timeout: float | None = None
    ) -> None:
        """Click ``loc`` and type ``text`` key by key (as into a rich-text editor)."""
        await self._call("type", timeout, loc=list(loc.steps), text=text, enter=enter)

    async def text(self, loc: Loc, *, timeout: float | None = None) -> str:
        """The rendered text (``innerText``) of ``loc``."""
        return str(await self._call("text", timeout, loc=list(loc.steps)))

    async def count(self, loc: Loc) -> int:
        return int(await self._call("count", None, loc=list(loc.steps)))

    async def screenshot(
        self, name: str, loc: Loc | None = None, *, timeout: float | None = None
    ) -> Path:
        """The viewport (or ``loc``) as ``<artifacts>/<name>.png``."""
        path = self.artifacts / f"{name}.png"
        args: dict[str, Any] = {"path": str(path)}
        if loc is not None:
            args["loc"] = list(loc.steps)
        await self._call("screenshot", timeout, **args)
        self.screenshots.append(path)
        return path

    async def errors(self) -> dict[str, list[str]]:
        """``{"pageErrors": [...], "blocked": [urls]}`` so far."""
        value: dict[str, list[str]] = await self._call("errors")
        return value

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None and proc.stdin is not None:
            with contextlib.suppress(Exception):
                proc.stdin.write(b'{"id": 0, "op": "close"}\n')
                await proc.stdin.drain()
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        if self._stderr_task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._stderr_task, 5)
            self._stderr_task = None
