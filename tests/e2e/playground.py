"""Drive the Microsoft 365 Agents Playground (an offline Teams client) from tests.

The Playground is the npm package ``@microsoft/m365agentsplayground`` pinned in
``tests/e2e/package.json`` (``scripts/setup`` runs ``npm ci`` there).  It plays the
Teams service for a bot: it POSTs activities to the bot's ``/api/messages`` and
serves the Bot Connector API the bot replies to (``http://localhost:<port>/_connector``).

It binds every interface and knows telemetry hosts, so this harness refuses to
start unless the process sits in a loopback-only network namespace (``scripts/test``
runs the whole suite in one).  Use it as an async context manager::

    async with Playground("http://127.0.0.1:3978/api/messages") as pg:
        await pg.open_conversation(pg.personal_chat_id)  # installationUpdate + conversationUpdate
        mark = pg.mark()
        await pg.send_message(pg.personal_chat_id, pg.current_user_id, "hjelp")
        reply = await pg.wait_for_reply(lambda m: bool(m.adaptive_cards), since=mark)

The bot must already answer on its endpoint: ``GET /_internal/v1/config`` (read on
start) waits up to 15 s for it.  :class:`BotProcess` runs ``ssu-bot serve`` for that.

Protocol (read from the package's ``dist/index.js`` 0.2.28 and checked against a bot):

* ``GET /_debug/ping`` -> ``200 "pong"``.
* ``GET /_internal/v1/config`` -> ``{"config": {"tenantId", "bot": {id, name},
  "currentUser": {id: "user-id-0", name: "Alex Wilber", aadObjectId, ...},
  "users": [user-id-1 .. user-id-5], "personalChat": {id: <uuid>, name},
  "groupChats": [{id, name, members: [...]}], "teams": [{id: "team-id", name,
  aadGroupId, channels: [{id: "team-id", name: "General"}, {id:
  "channel-announcements-id", ...}], members}]}, "internalConfig": {locale,
  localTimezone, channelId, debugConfig}}``.
* ``POST /_debug/conversation/{id}/installation`` ``{}`` -> 200 at once; then (msteams)
  an ``installationUpdate`` (action "add") and a ``conversationUpdate`` with
  ``membersAdded`` ([user, bot] in the personal chat, [bot] elsewhere) go to the bot.
  This is what the browser client does the first time a conversation is opened.
* ``POST /_conversation/v1/conversations/{id}/messages``
  ``{"from": {"id"}, "text", "textFormat": "plain"|"markdown"|"xml", "mentions"?:
  [{"mentioned": {"id"}, "text": "<at>Name</at>"}]}`` -> ``{"messageId",
  "timestamp", "postConversationId"?}``; only a personal chat message or one that
  mentions the bot is forwarded to the bot, and always as from the signed-in user
  (``currentUser``): ``from`` only has to be a member of the chat.  Another user's
  message is a custom activity (``send_message_activity``).
* ``POST /_conversation/v1/invoke`` ``{"name": "adaptiveCard/action", "conversation":
  {"id"}, "from": {"id"}, "replyToId": <card message id>, "value": {"action":
  {"type": "Action.Execute", "title"?, "verb", "data"}}}`` -> the bot's invoke
  response reduced to ``{"type", "value"}``; the Playground then replaces the card
  of that message with ``value``.  Errors come back as ``{"code", "message",
  "innerHttpError"?}`` with 4xx/5xx (502 when the bot failed).
* ``POST /_conversation/v1/submit`` ``{"conversation": {"id"}, "from": {"id"},
  "replyToId", "value": {...}}`` -> 200 (Action.Submit: a message activity with value).
* ``POST /_internal/v1/customActivities`` <activity JSON> -> 200 at once; the JSON
  goes to the bot as it is (fill in serviceUrl/channelId/conversation/from/recipient
  yourself, or start from ``GET /_internal/v1/customActivities/template
  ?conversationId=..&type=..``).
* Every activity the Playground makes says ``"locale": "en-US"`` (hard-coded;
  LANG/LC_ALL only change the page and ``internalConfig.locale``);
  ``send_message_activity`` plays a user with another locale.
* The config file (``.m365agentsplayground.yml``) is checked against a schema: at
  most 5 ``users`` besides ``currentUser``; on an invalid file the process exits after
  printing "Listening on" and writes the reason to its log only.
* Websocket ``/_ws_conversation/v1/conversations/stream`` sends JSON frames
  ``{"action": "createMessage"|"updateMessage"|"typing", "actionConversationId",
  "message": {"messageId", "timestamp", "from": {"id"}, "text", "textFormat",
  "attachments": [{"contentType", "content"}], "attachmentLayout", "mentions", ...}}``
  for the bot's messages; frames are buffered while no client is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import shlex
import signal
import socket
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parents[1]
SSU_BOT = Path(sys.executable).parent / "ssu-bot"
BOT_START_TIMEOUT = 90.0  # importing the whole stack on a cold 2-core machine
NODE_MODULES = E2E_DIR / "node_modules"
PLAYGROUND_BIN = NODE_MODULES / ".bin" / "agentsplayground"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

_SIOCGIFFLAGS = 0x8913
_IFF_UP = 0x1
_IFF_LOOPBACK = 0x8


class NotLoopbackOnly(RuntimeError):
    """Raised when the Playground would be started with a route off this machine."""


class PlaygroundError(RuntimeError):
    """The Playground failed to start or answered an API call with an error."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _interface_flags(name: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", name.encode()[:15], 0)
        res = fcntl.ioctl(s.fileno(), _SIOCGIFFLAGS, req)
    return int(struct.unpack("16sH14x", res)[1])


def loopback_only_reason() -> str | None:
    """None when this process's network namespace has only loopback up, else why not.

    Reads the interfaces of the *current* network namespace through the kernel
    (``if_nameindex`` + SIOCGIFFLAGS); /sys/class/net is not used because it shows
    the host's interfaces inside ``unshare -n`` unless sysfs is remounted.
    """
    try:
        interfaces = socket.if_nameindex()
    except OSError as exc:  # pragma: no cover - no netlink at all
        return f"cannot list network interfaces: {exc}"
    lo_up = False
    up_other = []
    for _index, name in interfaces:
        try:
            flags = _interface_flags(name)
        except OSError as exc:
            return f"cannot read flags of interface {name}: {exc}"
        if not flags & _IFF_UP:
            continue
        if flags & _IFF_LOOPBACK:
            lo_up = True
        else:
            up_other.append(name)
    if up_other:
        return (
            "not in a loopback-only network namespace (interfaces up: "
            + ", ".join(sorted(up_other))
            + "); run the tests through scripts/test"
        )
    if not lo_up:
        return "the loopback interface is down (run `ip link set lo up` in the namespace)"
    return None


def assert_loopback_only() -> None:
    reason = loopback_only_reason()
    if reason is not None:
        raise NotLoopbackOnly(reason)


def playground_missing_reason() -> str | None:
    """None when the Playground is installed, else why it can't be used."""
    if not PLAYGROUND_BIN.exists():
        return f"{PLAYGROUND_BIN} is missing: run scripts/setup (npm ci in tests/e2e)"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BotProcess:
    """``ssu-bot serve --port <port>`` as a process on a SQLite file in ``workdir``.

    ``demo`` sets ``SSU_DEMO=1`` (the demo roster and this year's and next year's meeting
    plans); ``roster`` imports a roster CSV with ``ssu-bot import-members`` before serving (the
    people only: the secretariat still has the year to plan).  ``SSU_E2E_BOT_COMMAND`` (a
    shell-quoted command with ``{port}``) replaces the serve command.
    """

    def __init__(
        self,
        port: int,
        workdir: Path,
        *,
        demo: bool = True,
        roster: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.workdir = workdir
        self.demo = demo
        self.roster = roster
        self.extra_env = dict(env or {})
        self.log_path = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / 'bot.db'}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("SSU_DEMO", None)
        env.update(DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1")
        if self.demo:
            env["SSU_DEMO"] = "1"
        env.update(self.extra_env)
        return env

    async def _import_roster(self, env: dict[str, str]) -> None:
        assert self.roster is not None
        proc = await asyncio.create_subprocess_exec(
            str(SSU_BOT),
            "import-members",
            str(self.roster),
            cwd=self.workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), BOT_START_TIMEOUT)
        if proc.returncode != 0:
            raise AssertionError(
                f"ssu-bot import-members {self.roster} exited with {proc.returncode}:\n"
                + out.decode(errors="replace")
            )

    async def start(self) -> None:
        env = self._env()
        if self.roster is not None:
            await self._import_roster(env)
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


# ---------------------------------------------------------------------------------- card helpers
_SHOWN_KEYS = frozenset({"text", "title", "value", "label", "placeholder"})
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()<>#+\-.!|~&=])")


def card_text(card: Any) -> str:
    """Every string of a card a user can read (texts, facts, labels, input values, the titles
    of choices and buttons), one per line, markdown escapes undone as a client renders them;
    for asserts on what is shown."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "choices" and isinstance(value, list):
                    parts.extend(str(c.get("title", "")) for c in value if isinstance(c, dict))
                elif key in _SHOWN_KEYS and isinstance(value, str):
                    parts.append(value)
                elif key != "data":  # an action's data is not shown
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return _MARKDOWN_ESCAPE.sub(r"\1", "\n".join(parts))


def card_actions(card: Any, verb: str | None = None) -> list[dict[str, Any]]:
    """Every Action.Execute in a card (buttons, select actions, show-card sub-cards, the
    refresh action), in document order; only those with ``verb`` when given."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and (verb is None or node.get("verb") == verb):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def card_inputs(card: Any) -> dict[str, str]:
    """The id and current value of every input of a card, as a client sends them (a toggle
    sends its valueOff when off; an input without a value sends "")."""
    values: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = str(node.get("type", ""))
            if kind.startswith("Input.") and isinstance(node.get("id"), str):
                value = node.get("value")
                if kind == "Input.Toggle" and value is None:
                    value = node.get("valueOff", "false")
                values[node["id"]] = "" if value is None else str(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return values


def card_choices(card: Any, input_id: str) -> list[tuple[str, str]]:
    """The (value, title) choices of the Input.ChoiceSet ``input_id``."""
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
                found.extend(
                    (str(c.get("value", "")), str(c.get("title", "")))
                    for c in node.get("choices") or []
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


@dataclass
class BotMessage:
    """One websocket frame about a message: what a Teams user would see."""

    action: str  # "createMessage" or "updateMessage"
    conversation_id: str  # actionConversationId
    message: dict[str, Any]
    seq: int = 0

    @property
    def message_id(self) -> str:
        return str(self.message.get("messageId", ""))

    @property
    def from_id(self) -> str:
        return str((self.message.get("from") or {}).get("id", ""))

    @property
    def text(self) -> str:
        return str(self.message.get("text") or "")

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.message.get("attachments") or [])

    @property
    def adaptive_cards(self) -> list[dict[str, Any]]:
        """The content of every Adaptive Card attachment."""
        return [
            a.get("content") or {}
            for a in self.attachments
            if a.get("contentType") == ADAPTIVE_CARD
        ]

    def all_text(self) -> str:
        """The message text plus every string inside its attachments (for loose asserts)."""
        parts = [self.text]

        def walk(node: Any) -> None:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(self.attachments)
        return "\n".join(p for p in parts if p)


@dataclass
class Playground:
    """The Agents Playground as a subprocess, with its HTTP and websocket APIs.

    ``bot_endpoint`` is the bot's messaging endpoint, e.g.
    ``http://127.0.0.1:3978/api/messages``.
    """

    bot_endpoint: str
    port: int | None = None
    channel_id: str = "msteams"
    conversation_id: str | None = None  # fixed personal chat id (--conversation-id)
    config_file: Path | None = None  # a .m365agentsplayground.yml; None = built-in config
    startup_timeout: float = 30.0
    workdir: Path | None = None

    config: dict[str, Any] = field(default_factory=dict, init=False)
    messages: list[BotMessage] = field(default_factory=list, init=False)
    frames: list[dict[str, Any]] = field(default_factory=list, init=False)
    output: list[str] = field(default_factory=list, init=False)

    _proc: asyncio.subprocess.Process | None = field(default=None, init=False, repr=False)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)
    _ws: aiohttp.ClientWebSocketResponse | None = field(default=None, init=False, repr=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False, repr=False)
    _changed: asyncio.Condition | None = field(default=None, init=False, repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ life cycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl the bot sees in every activity (and replies to)."""
        return f"http://localhost:{self.port}/_connector"

    async def __aenter__(self) -> Playground:
        assert_loopback_only()
        missing = playground_missing_reason()
        if missing:
            raise PlaygroundError(missing)
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _start(self) -> None:
        self._changed = asyncio.Condition()
        if self.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ssu-playground-")
            self.workdir = Path(self._tmp.name)
        if self.port is None:
            self.port = free_port()
        env = dict(os.environ)
        env.update(
            TEAMSAPPTESTER_BROWSER="none",
            APPLICATION_INSIGHTS_NO_STATSBEAT="true",
            M365_AGENTS_PLAYGROUND_LOGFILE=str(self.workdir / "playground.log"),
            # a path that does not exist = the built-in mock tenant (users, chats, team)
            M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(self.config_file or self.workdir / "none.yml"),
            TEAMS_APP_TEST_TOOL_CONFIG_PATH=str(self.workdir / "none-legacy.yml"),
            NO_COLOR="1",
        )
        args = [
            str(PLAYGROUND_BIN),
            "-e",
            self.bot_endpoint,
            "-c",
            self.channel_id,
            "-p",
            str(self.port),
            "--dt",  # --disable-telemetry
        ]
        if self.conversation_id:
            args += ["--conversation-id", self.conversation_id]
        self._proc = await asyncio.create_subprocess_exec(
            *args,
            cwd=self.workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._tasks.append(asyncio.create_task(self._read_output(listening)))
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        try:
            # It falls back to a random port when ours is taken: believe what it prints.
            self.port = await asyncio.wait_for(asyncio.shield(listening), self.startup_timeout)
        except TimeoutError as exc:
            raise PlaygroundError(self._failure("did not print 'Listening on'")) from exc
        await self._wait_ping()
        self._ws = await self._session.ws_connect(
            f"ws://127.0.0.1:{self.port}/_ws_conversation/v1/conversations/stream"
        )
        self._tasks.append(asyncio.create_task(self._listen()))
        self.config = await self._request("GET", "/_internal/v1/config")

    async def _read_output(self, listening: asyncio.Future[int]) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        async for raw in self._proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.output.append(line)
            m = re.search(r"Listening on (\d+)", line)
            if m and not listening.done():
                listening.set_result(int(m.group(1)))
        if not listening.done():
            listening.set_exception(PlaygroundError(self._failure("exited")))

    async def _wait_ping(self) -> None:
        assert self._session is not None
        deadline = asyncio.get_running_loop().time() + self.startup_timeout
        while True:
            try:
                async with self._session.get(f"{self.base_url}/_debug/ping") as r:
                    if r.status == 200 and (await r.text()) == "pong":
                        return
            except aiohttp.ClientError:
                pass
            if self._proc is not None and self._proc.returncode is not None:
                raise PlaygroundError(self._failure("exited"))
            if asyncio.get_running_loop().time() > deadline:
                raise PlaygroundError(self._failure("no answer on /_debug/ping"))
            await asyncio.sleep(0.1)

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.output[-30:])
        log = ""
        if self.workdir is not None:
            with contextlib.suppress(OSError):
                lines = (self.workdir / "playground.log").read_text(errors="replace").splitlines()
                # its own log has the reason (e.g. a config file that fails its schema)
                log = "\n".join(line for line in lines[-20:] if not line.startswith("debug "))
        return f"Agents Playground {what} (port {self.port}). Output:\n{tail}\nLog:\n{log}"

    async def _listen(self) -> None:
        assert self._ws is not None and self._changed is not None
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            async with self._changed:
                self.frames.append(frame)
                if frame.get("action") in ("createMessage", "updateMessage") and isinstance(
                    frame.get("message"), dict
                ):
                    self.messages.append(
                        BotMessage(
                            action=frame["action"],
                            conversation_id=str(frame.get("actionConversationId", "")),
                            message=frame["message"],
                            seq=len(self.messages),
                        )
                    )
                self._changed.notify_all()

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # ------------------------------------------------------------------ config
    @property
    def bot_id(self) -> str:
        return str(self.config["config"]["bot"]["id"])

    @property
    def current_user_id(self) -> str:
        """The signed-in mock user ("user-id-0", Alex Wilber in the built-in config)."""
        return str(self.config["config"]["currentUser"]["id"])

    @property
    def users(self) -> list[dict[str, Any]]:
        """Every mock user, the current user first."""
        cfg = self.config["config"]
        return [cfg["currentUser"], *cfg.get("users", [])]

    @property
    def personal_chat_id(self) -> str:
        return str(self.config["config"]["personalChat"]["id"])

    @property
    def group_chat_id(self) -> str:
        return str(self.config["config"]["groupChats"][0]["id"])

    @property
    def team(self) -> dict[str, Any]:
        return dict(self.config["config"]["teams"][0])

    # ------------------------------------------------------------------ HTTP API
    async def _request(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        assert self._session is not None, "Playground not started"
        async with self._session.request(method, self.base_url + path, json=body, **kw) as r:
            text = await r.text()
            try:
                data: Any = json.loads(text) if text else None
            except ValueError:
                data = text
            if r.status >= 400:
                raise PlaygroundError(f"{method} {path} -> {r.status}: {text}", r.status, data)
            return data

    async def open_conversation(self, conversation_id: str) -> None:
        """Open a conversation as the browser does the first time: the bot gets an
        installationUpdate and a conversationUpdate (membersAdded)."""
        await self._request("POST", f"/_debug/conversation/{conversation_id}/installation", {})

    async def send_message(
        self,
        conversation_id: str,
        user_id: str,
        text: str,
        *,
        mentions: list[dict[str, Any]] | None = None,
        text_format: str = "plain",
    ) -> dict[str, Any]:
        """Post a user message; returns ``{"messageId", "timestamp", ...}``.

        Outside the personal chat the bot only hears messages that mention it: pass
        ``mentions=[pg.bot_mention()]`` and put its ``text`` in ``text``.
        """
        body: dict[str, Any] = {"from": {"id": user_id}, "text": text, "textFormat": text_format}
        if mentions:
            body["mentions"] = mentions
        result = await self._request(
            "POST", f"/_conversation/v1/conversations/{conversation_id}/messages", body
        )
        return dict(result or {})

    def bot_mention(self) -> dict[str, Any]:
        name = self.config["config"]["bot"]["name"]
        return {"mentioned": {"id": self.bot_id}, "text": f"<at>{name}</at>"}

    async def invoke_card_action(
        self,
        conversation_id: str,
        user_id: str,
        reply_to_id: str,
        verb: str,
        data: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        *,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Press an Action.Execute on the card in message ``reply_to_id``.

        Like the Adaptive Cards renderer, the card's inputs are merged into ``data``.
        Returns the bot's invoke response as ``{"type", "value"}``.
        """
        action: dict[str, Any] = {
            "type": "Action.Execute",
            "verb": verb,
            "data": {**(data or {}), **(inputs or {})},
        }
        if title is not None:
            action["title"] = title
        body = {
            "name": "adaptiveCard/action",
            "conversation": {"id": conversation_id},
            "from": {"id": user_id},
            "replyToId": reply_to_id,
            "value": {"action": action},
        }
        return dict(await self._request("POST", "/_conversation/v1/invoke", body) or {})

    async def submit_card(
        self,
        conversation_id: str,
        user_id: str,
        reply_to_id: str,
        data: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        """Press an Action.Submit: the bot gets a message activity whose value is data+inputs."""
        body = {
            "conversation": {"id": conversation_id},
            "from": {"id": user_id},
            "replyToId": reply_to_id,
            "value": {**(data or {}), **(inputs or {})},
        }
        await self._request("POST", "/_conversation/v1/submit", body)

    async def custom_activity(self, activity: dict[str, Any]) -> None:
        """Send any activity JSON to the bot as it is (the call returns before the bot answers)."""
        await self._request("POST", "/_internal/v1/customActivities", activity)

    async def custom_activity_template(
        self, conversation_id: str, type_: str | None = None
    ) -> dict[str, Any]:
        """A filled-in activity to start a custom one from.  ``type_``: install,
        uninstall, botAdded, userAdded, botRemoved, userRemoved, channelCreated,
        channelRenamed, channelDeleted, teamRenamed, teamDeleted, sendEmail,
        mentionInWord; None gives a base activity with type "<custom-activity-type>"."""
        params = {"conversationId": conversation_id}
        if type_:
            params["type"] = type_
        return dict(
            await self._request("GET", "/_internal/v1/customActivities/template", params=params)
        )

    async def meeting_event(
        self,
        conversation_id: str,
        kind: str,
        user_id: str,
        *,
        meeting_id: str = "MCMxOTptZWV0aW5nX2UyZUB0aHJlYWQudjIjMA==",
        title: str = "",
        join_url: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Teams' ``meetingStart``/``meetingEnd`` (``kind`` "start" or "end") in a meeting's
        chat, as a custom activity: the Playground has no meetings.  The shape Teams sends
        (an ``event`` named ``application/vnd.microsoft.meetingStart``, PascalCase value,
        ``channelData.meeting.id``) with ``StartTime``/``EndTime`` ``at`` (default now).
        Returns the activity."""
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        name = {"start": "meetingStart", "end": "meetingEnd"}[kind]
        value: dict[str, Any] = {
            "Id": meeting_id,
            "MeetingType": "Scheduled",
            "Title": title,
            ("StartTime" if kind == "start" else "EndTime"): stamp,
        }
        if join_url:
            value["JoinUrl"] = join_url
        activity = await self.custom_activity_template(conversation_id)
        user = self.user(user_id)
        activity.update(
            type="event",
            name=f"application/vnd.microsoft.{name}",
            id=str(uuid.uuid4()),
            timestamp=stamp,
            value=value,
            channelData={
                "tenant": {"id": self.config["config"]["tenantId"]},
                "meeting": {"id": meeting_id},
            },
        )
        activity["from"] = {"id": user["id"], "aadObjectId": user.get("aadObjectId")}
        await self.custom_activity(activity)
        return activity

    def user(self, user_id: str) -> dict[str, Any]:
        for u in self.users:
            if u.get("id") == user_id:
                return dict(u)
        raise KeyError(f"no mock user {user_id!r} in the Playground config")

    async def send_message_activity(
        self,
        conversation_id: str,
        user_id: str,
        text: str,
        *,
        locale: str = "nb-NO",
        timezone: str = "Europe/Oslo",
        mention_bot: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Send a message activity as a Teams client with another locale would, or as a user
        other than the signed-in one (the message API always says the signed-in user).

        The Playground hard-codes ``locale: "en-US"`` in every activity it makes, so a
        Norwegian user can only be played through a custom activity.  Built from the
        Playground's own template (serviceUrl, conversation, recipient, tenant), so the
        bot's replies come back on the websocket like any other.  ``mention_bot`` starts the
        text with ``<at>bot</at>`` and adds the mention entity, as Teams does for a message
        to the bot in a group chat or channel.  Returns the activity.
        """
        entities: list[dict[str, Any]] = [
            {
                "type": "clientInfo",
                "locale": locale,
                "country": locale.rsplit("-", 1)[-1],
                "platform": "Web",
                "timezone": timezone,
            }
        ]
        if mention_bot:
            mention = self.bot_mention()
            text = f"{mention['text']} {text}"
            entities.append(
                {
                    "type": "mention",
                    "mentioned": {"id": self.bot_id, "name": self.config["config"]["bot"]["name"]},
                    "text": mention["text"],
                }
            )
        activity = await self.custom_activity_template(conversation_id)
        user = self.user(user_id)
        now = datetime.now(UTC)
        activity.update(
            type="message",
            id=str(uuid.uuid4()),
            timestamp=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            localTimestamp=now.astimezone(ZoneInfo(timezone)).isoformat(timespec="milliseconds"),
            localTimezone=timezone,
            text=text,
            textFormat="plain",
            locale=locale,
            entities=entities,
            **extra,
        )
        activity["from"] = {
            k: v
            for k, v in {
                "id": user["id"],
                "name": user.get("name"),
                "aadObjectId": user.get("aadObjectId"),
            }.items()
            if v
        }
        activity.setdefault("channelData", {"tenant": {"id": self.config["config"]["tenantId"]}})
        await self.custom_activity(activity)
        return activity

    # ------------------------------------------------------------------ replies
    def mark(self) -> int:
        """A cursor: pass it as ``since`` to wait only for what arrives after now."""
        return len(self.messages)

    async def wait_for_reply(
        self,
        predicate: Callable[[BotMessage], bool] = lambda m: True,
        timeout: float = 10.0,
        *,
        since: int = 0,
        from_bot: bool = True,
    ) -> BotMessage:
        """The first message (from ``since`` on) that satisfies ``predicate``.

        Only the bot's messages count unless ``from_bot=False``.  Raises TimeoutError
        with what did arrive when none matches in ``timeout`` seconds.
        """
        assert self._changed is not None, "Playground not started"

        def find() -> BotMessage | None:
            for m in self.messages[since:]:
                if from_bot and m.from_id != self.bot_id:
                    continue
                if predicate(m):
                    return m
            return None

        found: list[BotMessage] = []

        def ready() -> bool:
            m = find()
            if m is not None:
                found.append(m)
            return m is not None

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
                return found[-1]
            except TimeoutError:
                seen = [
                    (m.action, m.from_id, m.all_text().replace("\n", " | ")[:300])
                    for m in self.messages[since:]
                ]
                raise TimeoutError(
                    f"no matching reply in {timeout}s; messages since {since}: {seen}"
                ) from None
