"""Issue 6 under faults: the second signature arrives while SharePoint (Graph) is down, so the
signed PDF cannot be archived. The signatures stand; the scheduler's archive job keeps trying
with backoff, by itself, and once Graph is back the signed PDF is stored exactly once and posted
to the team exactly once — on SQLite and PostgreSQL, through the running app."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

import bot.app as app_module
from bot.app import PROTOCOL_ARCHIVE_JOB_ID, SCHEDULER, archive_signed_protocols
from bot.services import protocol as protocol_service
from storage.models import AuditEntry
from storage.outbox_tables import OutboxMessage
from storage.protocol_tables import Protocol
from tests.bot.services.test_protocol import (
    DEPUTY_LEADER,
    LEADER,
    SECRETARY,
    add_case,
    held_meeting,
)
from tests.conftest import load_demo_roster
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import FakeGraph, StaticTokenCredential
from tests.support.activities import TeamsUser
from tests.support.harness import BotHarness, card_text, demo_users, settings_for
from tests.support.processes import until

SITE = "contoso.sharepoint.com,2c1b7a1e-0000-4000-8000-000000000001,7f9c0000-0000-4000-8000-2"
CHANNEL = "19:general-ssu@thread.tacv2"
TEAM = {"team": {"id": CHANNEL, "name": "SSU"}, "channel": {"id": CHANNEL, "name": "Generelt"}}


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        yield fake


@pytest.fixture
async def bot_with_sharepoint(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    graph: FakeGraph,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotHarness]:
    """The app with the scheduler on, documents in SharePoint on the fake Graph, and the archive
    job (and its backoff) sped up from minutes to fractions of a second."""
    monkeypatch.setattr(
        "bot.graph.factory.build_credential", lambda *_a, **_k: StaticTokenCredential()
    )
    monkeypatch.setattr(app_module, "PROTOCOL_ARCHIVE_SECONDS", 0.3)
    monkeypatch.setattr(protocol_service, "ARCHIVE_RETRY_FIRST", timedelta(seconds=0.3))
    settings = settings_for(
        database_url,
        tmp_path / "var",
        SSU_SCHEDULER=True,
        GRAPH_TENANT_ID="tenant-1",
        GRAPH_CLIENT_ID="app-id",
        GRAPH_CLIENT_SECRET="secret",
        GRAPH_BASE_URL=graph.url,
        GRAPH_ORGANIZER="ssu@demo.ssu.example",
        GRAPH_SITE_ID=SITE,
    )
    harness = BotHarness(settings, connector)
    await harness.start()
    await load_demo_roster(harness.sessions)
    yield harness
    await harness.stop()


async def act(bot: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any]) -> str:
    status, body = await bot.act(user, verb, data)
    assert status == 200, body
    return card_text(body["value"])


def _data_of(bot: BotHarness, verb: str, document: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert found, verb
    return found[0]


async def _protocol(bot: BotHarness) -> Protocol:
    async with bot.sessions() as session:
        return (await session.exec(select(Protocol))).one()


async def _archive_failures(bot: BotHarness) -> int:
    async with bot.sessions() as session:
        rows = await session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "protocol.final", AuditEntry.outcome == "refused"
            )
        )
        return len(rows.all())


def _signed_uploads(graph: FakeGraph) -> list[Any]:
    return [r for r in graph.requests_for("upload_content") if "signert" in r.path]


async def test_a_failed_final_archive_is_retried_until_it_succeeds_and_posted_once(
    bot_with_sharepoint: BotHarness, graph: FakeGraph
) -> None:
    bot = bot_with_sharepoint
    users = demo_users()
    secretary, leader, deputy = users[SECRETARY], users[LEADER], users[DEPUTY_LEADER]
    assert bot.app[SCHEDULER].get_job(PROTOCOL_ARCHIVE_JOB_ID) is not None
    # The bot is in the team's channel (a message there stores the channel's reference).
    status, _ = await bot.say(
        secretary,
        "<at>SSU-assistenten</at> hjelp",
        conversation_id=CHANNEL,
        conversation_type="channel",
        channelData={"tenant": {"id": "t"}, **TEAM},
    )
    assert status in (200, 201)

    meeting_id = await held_meeting(bot.sessions)
    await add_case(bot.sessions, meeting_id, 3)
    status, drafted = await bot.act(secretary, "protocol.draft", {"meeting_id": meeting_id})
    assert status == 200
    publish = _data_of(bot, "protocol.publish", drafted["value"])
    assert "Protokollen er publisert" in await act(bot, secretary, "protocol.publish", publish)
    row = await _protocol(bot)
    sign = {"protocol_id": row.id, "version": row.current_sha}
    assert "Signaturen er registrert." in await act(bot, leader, "protocol.sign", sign)

    graph.outage(503)
    await act(bot, deputy, "protocol.sign", sign)  # accepted; the archive fails behind it
    row = await _protocol(bot)
    assert row.state == "published" and row.signed_document_path is None

    async def retried_twice() -> bool:
        return await _archive_failures(bot) >= 3  # the signer's attempt and two by the job

    await until(retried_twice, 15, "the archive job did not retry on its own")
    assert (await _protocol(bot)).state == "published"
    assert all(not r.ok for r in _signed_uploads(graph))

    graph.restore()

    async def archived() -> bool:
        return (await _protocol(bot)).state == "signed"

    await until(archived, 15, "the signed protocol was never archived after Graph came back")
    row = await _protocol(bot)
    assert row.signed_document_path is not None
    stored = graph.file_at(row.signed_document_path)
    assert stored is not None
    assert hashlib.sha256(stored.content).hexdigest() == row.signed_document_sha
    assert len([r for r in _signed_uploads(graph) if r.ok]) == 1

    async def posted() -> list[OutboxMessage]:
        async with bot.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.kind == protocol_service.KIND_SIGNED)
            return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())

    async def team_post_sent() -> bool:
        return [m.state for m in await posted()] == ["sent"]

    await until(team_post_sent, 15, "the team was never told")
    [message] = await posted()
    assert message.conversation_id == CHANNEL
    in_channel = [
        p
        for p in bot.connector.posted
        if p.conversation_id == CHANNEL and p.operation == "send_to_conversation"
    ]
    assert [p.activity_id for p in in_channel].count(message.activity_id) == 1
    async with bot.sessions() as session:
        channel_rows = (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.conversation_id == CHANNEL)
            )
        ).all()
    assert len(in_channel) == len(channel_rows)  # published + signed, each once

    # Nothing is left to do: another run archives and posts nothing more.
    assert await archive_signed_protocols(bot.app) == 0
    assert len([r for r in _signed_uploads(graph) if r.ok]) == 1
