"""The HTTP edge: bad requests get a 4xx, tokens are checked, invokes return their card."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from storage.models import AuditEntry, ConversationRef
from tests.fakes.connector import FakeConnector
from tests.support import activities
from tests.support.harness import BotHarness, card_text, demo_users, settings_for

SECRETARY = demo_users()["eva.lindqvist@demo.ssu.example"]


async def _count(bot: BotHarness, table: type) -> int:
    async with bot.sessions() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


async def test_malformed_json_is_refused_with_400_and_nothing_is_written(bot: BotHarness) -> None:
    status, _ = await bot.post(None, raw=b'{"type": "message", "text": ')
    assert status == 400
    assert await _count(bot, ConversationRef) == 0


async def test_wrong_content_type_is_refused_with_415(bot: BotHarness) -> None:
    status, _ = await bot.post(None, raw=b"type=message", headers={"Content-Type": "text/plain"})
    assert status == 415


async def test_body_over_256_kb_is_refused_with_413(bot: BotHarness) -> None:
    huge = activities.message("x" * 300_000, service_url=bot.connector.url, user=SECRETARY)
    status, _ = await bot.post(huge)
    assert status == 413
    assert await _count(bot, ConversationRef) == 0


async def test_json_that_is_not_an_object_is_refused_with_400(bot: BotHarness) -> None:
    status, _ = await bot.post([1, 2, 3])
    assert status == 400


async def test_unhandled_activity_type_is_refused_with_400(bot: BotHarness) -> None:
    body = activities.activity("handoff", service_url=bot.connector.url, user=SECRETARY)
    status, _ = await bot.post(body)
    assert status == 400
    assert await _count(bot, ConversationRef) == 0


async def test_activity_without_service_url_is_refused_with_400(bot: BotHarness) -> None:
    body = activities.message("hjelp", service_url="", user=SECRETARY)
    status, _ = await bot.post(body)
    assert status == 400


async def test_action_execute_is_answered_200_with_the_card(bot: BotHarness) -> None:
    status, body = await bot.act(SECRETARY, "help.show")
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"
    assert "Hjelp" in card_text(body["value"])


async def test_unknown_verb_gets_an_error_card_and_an_audited_refusal(bot: BotHarness) -> None:
    status, body = await bot.act(SECRETARY, "case.delete_everything", {"case_id": 1})
    assert status == 200
    assert "kjenner jeg ikke igjen" in card_text(body["value"])
    async with bot.sessions() as session:
        refused = (
            await session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused"))
        ).all()
    assert [entry.action for entry in refused] == ["case.delete_everything"]


@pytest.fixture
async def production_bot(sqlite_url: str, tmp_path: Path, connector: FakeConnector) -> BotHarness:
    settings = settings_for(
        sqlite_url,
        tmp_path / "var",
        MicrosoftAppId="11111111-2222-3333-4444-555555555555",
        MicrosoftAppPassword="not-a-real-secret",
        SSU_DOCUMENT_KEY="test-document-key-0123456789abcdef",
        SSU_PUBLIC_BASE_URL="https://ssu-bot.example",
    )
    harness = BotHarness(settings, connector)
    await harness.start()
    yield harness  # type: ignore[misc]
    await harness.stop()


async def test_production_mode_refuses_a_missing_token_with_401(production_bot: BotHarness) -> None:
    status, _ = await production_bot.say(SECRETARY, "hjelp")
    assert status == 401
    assert await _count(production_bot, ConversationRef) == 0


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer a.b.c", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000],
)
async def test_production_mode_refuses_a_malformed_token_with_401(
    production_bot: BotHarness, header: str
) -> None:
    body = activities.message("hjelp", service_url=production_bot.connector.url, user=SECRETARY)
    status, _ = await production_bot.post(body, headers={"Authorization": header})
    assert status == 401
    assert production_bot.connector.activities() == []


async def test_local_mode_accepts_activities_without_a_token(bot: BotHarness) -> None:
    status, _ = await bot.say(SECRETARY, "hjelp")
    assert status == 201


async def test_health_check_reports_ok_when_the_database_answers(bot: BotHarness) -> None:
    assert bot.server is not None and bot.http is not None
    async with bot.http.get(bot.server.make_url("/healthz")) as health:
        assert health.status == 200
        assert await health.json() == {"status": "ok"}


async def test_a_body_just_under_the_limit_is_read_whole(bot: BotHarness) -> None:
    text = "a" * 240_000  # under the 256 KB cap, but more than one read of the stream
    body = activities.message(text, service_url=bot.connector.url, user=SECRETARY)
    status, _ = await bot.post(body)
    assert status == 201
    [reply] = await bot.replies_to(SECRETARY)
    assert "for lang" in reply["text"]
