"""``GET /documents/{token}`` through the running app on SQLite and PostgreSQL: a published notice
links its document at the bot's own public URL, the link opens it (content type, Norwegian file
name), every card and calendar entry carries the same kind of link, and anything not signed by
this install — altered, foreign, expired, traversing, a bare path — is the same 404."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from bot.app import create_app
from bot.documents.links import KEY_FILE, DocumentLinks
from bot.scheduler import sweep_once
from storage.calendar_tables import CalendarJob
from tests.bot.teams.test_notice_chat import actions_of, add_case, insert_meeting
from tests.conftest import load_demo_roster
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, cards_in, demo_users, settings_for

USERS = demo_users()
SECRETARY = USERS["eva.lindqvist@demo.ssu.example"]
MEMBER = USERS["per.haugen@demo.ssu.example"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServedHarness(BotHarness):
    """The harness on a port chosen beforehand, so the links the bot makes point at it."""

    port: int = 0

    async def start(self) -> None:
        self.server = TestServer(create_app(self.settings), host="127.0.0.1", port=self.port)
        await self.server.start_server()
        self.http = aiohttp.ClientSession()


@pytest.fixture
async def served(
    database_url: str, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[ServedHarness]:
    port = free_port()
    settings = settings_for(
        database_url, tmp_path / "var", SSU_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}"
    )
    harness = ServedHarness(settings, connector)
    harness.port = port
    await harness.start()
    await load_demo_roster(harness.sessions)
    yield harness
    await harness.stop()


async def fetch(
    bot: BotHarness, url: str, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    assert bot.http is not None
    async with bot.http.request(method, url) as response:
        return response.status, dict(response.headers), await response.read()


async def publish(bot: BotHarness) -> str:
    """Publish a notice through the app; the document link on the secretary's card."""
    meeting_id = await insert_meeting(bot, days=20)
    await add_case(bot, meeting_id, title="Felles rutine for utskrivning")
    status, body = await bot.act(SECRETARY, "notice.publish", {"meeting_id": meeting_id})
    assert status == 200, body
    [link] = [a for a in actions_of(body["value"]) if a["type"] == "Action.OpenUrl"]
    return str(link["url"])


async def test_a_published_notice_links_a_document_the_reader_can_open(
    served: ServedHarness,
) -> None:
    bot = served
    url = await publish(bot)
    assert url.startswith(f"http://127.0.0.1:{bot.port}/documents/")

    status, headers, body = await fetch(bot, url)
    assert status == 200
    assert headers["Content-Type"] == DOCX
    assert headers["X-Content-Type-Options"] == "nosniff"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Innkalling SSU-mote ')
    assert "filename*=UTF-8''Innkalling%20SSU-m%C3%B8te%20" in disposition
    [stored] = list((bot.settings.var_dir / "portal").rglob("*-innkalling-v1.docx"))
    assert body == stored.read_bytes() and body.startswith(b"PK")
    head_status, head_headers, head_body = await fetch(bot, url, "HEAD")
    assert head_status == 200 and head_body == b"" and head_headers["Content-Type"] == DOCX

    # The member's own notice and the calendar entry carry the same kind of link.
    await bot.say(MEMBER, "hjelp")
    await bot.replies_to(MEMBER)
    await sweep_once(bot.app)
    member_cards = [
        card
        for activity in bot.connector.activities(MEMBER.personal_conversation)
        for card in cards_in(activity)
    ]
    opened = [
        a["url"] for c in member_cards for a in actions_of(c) if a["type"] == "Action.OpenUrl"
    ]
    assert opened
    for link in opened:
        assert (await fetch(bot, link))[0] == 200
    async with bot.sessions() as session:
        jobs = (await session.exec(select(CalendarJob))).all()
    bodies = [json.loads(j.payload or "{}").get("body_html", "") for j in jobs]
    assert any(f"http://127.0.0.1:{bot.port}/documents/" in b for b in bodies)


async def test_anything_not_signed_by_this_install_is_the_same_404(
    served: ServedHarness, tmp_path: Path
) -> None:
    bot = served
    url = await publish(bot)
    base = f"http://127.0.0.1:{bot.port}/documents/"
    token = url.removeprefix(base)
    payload, signature = token.split(".")
    key = (bot.settings.var_dir / KEY_FILE).read_text().strip().encode()
    ours = DocumentLinks(key, base)
    past = DocumentLinks(key, base, clock=lambda: datetime.now(UTC) - timedelta(days=400))
    (bot.settings.var_dir / "secret.txt").write_text("not a document")
    outside = bot.settings.var_dir / "portal" / "lenke.pdf"
    outside.symlink_to(bot.settings.var_dir / "secret.txt")
    [stored] = list((bot.settings.var_dir / "portal").rglob("*-innkalling-v1.docx"))
    relative = stored.relative_to(bot.settings.var_dir / "portal").as_posix()
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    attempts: list[Any] = [
        f"{payload}.{flipped}",
        f"{payload[:-2]}xx.{signature}",
        DocumentLinks(b"o" * 64, base).token_for(relative),
        past.token_for(relative),
        ours.token_for("lenke.pdf"),  # a symbolic link out of the portal
        ours.token_for("innkallinger/finnes-ikke.docx"),
        relative.replace("/", "%2F"),
        "..%2Fssu.db",
        "..%2F..%2Fetc%2Fpasswd",
        "x" * 2000,
    ]
    answers = set()
    for attempt in attempts:
        status, _headers, body = await fetch(bot, base + attempt)
        assert status == 404, attempt
        answers.add(body)
    assert len(answers) == 1 and b"secret" not in next(iter(answers))
    assert (await fetch(bot, f"http://127.0.0.1:{bot.port}/documents/"))[0] == 404
    assert (await fetch(bot, url))[0] == 200  # the real link still works


async def test_links_survive_a_restart_of_a_local_install(served: ServedHarness) -> None:
    bot = served
    url = await publish(bot)
    key = (bot.settings.var_dir / KEY_FILE).read_bytes()
    await bot.restart()
    assert (bot.settings.var_dir / KEY_FILE).read_bytes() == key
    assert (await fetch(bot, url))[0] == 200


async def test_production_without_the_document_key_does_not_start(
    sqlite_url: str, tmp_path: Path, connector: FakeConnector
) -> None:
    settings = settings_for(
        sqlite_url,
        tmp_path / "var",
        MicrosoftAppId="11111111-2222-3333-4444-555555555555",
        MicrosoftAppPassword="not-a-secret",
        SSU_PUBLIC_BASE_URL="https://ssu-bot.example",
    )
    server = TestServer(create_app(settings), host="127.0.0.1")
    with pytest.raises(ValueError, match="SSU_DOCUMENT_KEY"):
        await server.start_server()
    await server.close()
    assert not (tmp_path / "var" / KEY_FILE).exists()
