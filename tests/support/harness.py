"""The real aiohttp app on a loopback port, talking to a fake Bot Connector."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import SESSIONS, create_app
from bot.cli import DEMO_ROSTER
from bot.config import Settings
from tests.fakes.connector import FakeConnector
from tests.support import activities
from tests.support.activities import TeamsUser


def demo_users() -> dict[str, TeamsUser]:
    """Everyone in the demo roster, by e-mail, as a Teams user with their AAD object id."""
    users: dict[str, TeamsUser] = {}
    with DEMO_ROSTER.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            users.setdefault(
                row["email"],
                TeamsUser(f"29:{row['email']}", row["aad_object_id"], row["name"]),
            )
    return users


def settings_for(database_url: str, var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SSU_VAR_DIR": str(var_dir),
        "SSU_SCHEDULER": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class BotHarness:
    """Sends activities over real HTTP to the running app; the replies land in the connector."""

    settings: Settings
    connector: FakeConnector
    server: TestServer | None = None
    http: aiohttp.ClientSession | None = None
    responses: list[aiohttp.ClientResponse] = field(default_factory=list)

    async def start(self) -> None:
        app = create_app(self.settings)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
            self.http = None
        if self.server is not None:
            await self.server.close()
            self.server = None

    async def restart(self) -> None:
        """A new process in all but name: a fresh app object on the same database."""
        await self.stop()
        await self.start()

    @property
    def app(self) -> web.Application:
        assert self.server is not None
        return self.server.app

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.app[SESSIONS]

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/messages"))

    async def post(
        self,
        body: Any,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        assert self.http is not None
        request_headers = {"Content-Type": "application/json"}
        request_headers.update(headers or {})
        async with self.http.post(
            self.url, json=None if raw is not None else body, data=raw, headers=request_headers
        ) as response:
            text = await response.text()
            try:
                payload: Any = await response.json(content_type=None) if text else None
            except ValueError:
                payload = text
            return response.status, payload

    async def say(self, user: TeamsUser, text: str, **fields: Any) -> tuple[int, Any]:
        return await self.post(
            activities.message(text, service_url=self.connector.url, user=user, **fields)
        )

    async def act(
        self, user: TeamsUser, verb: str, data: dict[str, Any] | None = None, **fields: Any
    ) -> tuple[int, Any]:
        return await self.post(
            activities.card_action(verb, data, service_url=self.connector.url, user=user, **fields)
        )

    async def replies_to(
        self, user: TeamsUser, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        return await self.connector.wait_for_activities(
            count, timeout, conversation_id=user.personal_conversation
        )


def cards_in(activity: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            yield attachment["content"]


def card_text(document: Any) -> str:
    """All visible text of a card, for assertions."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "label", "value", "placeholder"):
                if isinstance(node.get(key), str):
                    parts.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return "\n".join(parts)


async def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)
