"""Self-tests of FakeConnector, driven by botframework-connector's real ConnectorClient."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.teams.teams_connector_client import TeamsConnectorClient
from msrest.exceptions import ClientRequestError

from .connector import FakeConnector

# Teams-shaped ids with the characters that must survive percent-encoding.
CHANNEL_THREAD = "19:abc123/def@thread.tacv2;messageid=1700000000000|x %y"
PERSONAL = "a:1Tz9-_Q@x;y"


@pytest.fixture
async def fc() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


def client_for(fake: FakeConnector, timeout: float | None = None) -> ConnectorClient:
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=fake.url)
    if timeout is not None:
        client.config.connection.timeout = timeout
    return client


def message(text: str, conversation_id: str = CHANNEL_THREAD) -> Activity:
    return Activity(
        type="message",
        text=text,
        from_property=ChannelAccount(id="28:bot", name="SSU-bot"),
        conversation=ConversationAccount(id=conversation_id),
    )


async def post_raw(
    fake: FakeConnector, conversation_id: str, text: str = "x"
) -> tuple[int, dict[str, str]]:
    """A send through plain aiohttp, for tests that need many requests fast."""
    from urllib.parse import quote

    url = f"{fake.url}v3/conversations/{quote(conversation_id, safe='')}/activities"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": "message", "text": text}) as response,
    ):
        await response.read()
        return response.status, dict(response.headers)


async def test_fake_listens_on_loopback_with_an_ephemeral_port(fc: FakeConnector) -> None:
    assert fc.url == f"http://127.0.0.1:{fc.port}/"
    assert fc.port > 0


async def test_connector_client_send_and_reply_are_recorded_with_decoded_ids(
    fc: FakeConnector,
) -> None:
    client = client_for(fc)

    sent = await client.conversations.send_to_conversation(CHANNEL_THREAD, message("hei"))
    replied = await client.conversations.reply_to_activity(
        CHANNEL_THREAD, "1:incoming=", message("svar")
    )

    assert sent.id and replied.id and sent.id != replied.id
    send, reply = fc.requests
    assert (send.method, send.operation) == ("POST", "send_to_conversation")
    assert send.conversation_id == CHANNEL_THREAD
    assert "%2F" in send.raw_path and "%40" in send.raw_path
    assert send.body["text"] == "hei"
    assert send.headers["Content-Type"].startswith("application/json")
    assert "Authorization" not in send.headers  # anonymous: empty app id
    assert (reply.operation, reply.activity_id, reply.status) == (
        "reply_to_activity",
        "1:incoming=",
        201,
    )
    assert send.time <= reply.time
    assert [a["text"] for a in fc.activities(CHANNEL_THREAD)] == ["hei", "svar"]
    assert fc.activities()[0]["id"] == sent.id
    assert fc.posted[1].reply_to_id == "1:incoming="
    assert fc.activities("some other conversation") == []


async def test_update_and_delete_change_the_transcript(fc: FakeConnector) -> None:
    client = client_for(fc)
    first = await client.conversations.send_to_conversation(PERSONAL, message("kort", PERSONAL))
    second = await client.conversations.send_to_conversation(PERSONAL, message("to", PERSONAL))

    edited = message("kort (oppdatert)", PERSONAL)
    edited.id = first.id
    await client.conversations.update_activity(PERSONAL, first.id, edited)
    await client.conversations.delete_activity(PERSONAL, second.id)

    assert [a["text"] for a in fc.transcript(PERSONAL)] == ["kort (oppdatert)"]
    assert [u["text"] for u in fc.updates(PERSONAL)] == ["kort (oppdatert)"]
    assert fc.deleted(PERSONAL) == [second.id]
    assert len(fc.activities(PERSONAL)) == 2  # what was posted stays recorded


async def test_update_of_an_unknown_activity_is_404(fc: FakeConnector) -> None:
    client = client_for(fc)
    with pytest.raises(ErrorResponseException) as caught:
        await client.conversations.update_activity(PERSONAL, "nope", message("x", PERSONAL))
    assert caught.value.response.status_code == 404


async def test_create_conversation_returns_an_id_and_reuses_the_one_to_one_chat(
    fc: FakeConnector,
) -> None:
    client = client_for(fc)
    params = ConversationParameters(
        bot=ChannelAccount(id="28:bot"),
        members=[ChannelAccount(id="29:user-1")],
        tenant_id="tenant",
        is_group=False,
    )

    first = await client.conversations.create_conversation(params)
    again = await client.conversations.create_conversation(params)
    await client.conversations.send_to_conversation(first.id, message("proaktiv", first.id))

    assert first.id.startswith("a:") and again.id == first.id
    assert fc.activities(first.id)[0]["text"] == "proaktiv"
    assert fc.members[first.id] == [{"id": "29:user-1"}]


async def test_create_conversation_in_a_channel_starts_a_thread_with_the_activity(
    fc: FakeConnector,
) -> None:
    client = client_for(fc)
    params = ConversationParameters(
        is_group=True,
        bot=ChannelAccount(id="28:bot"),
        channel_data={"channel": {"id": "19:general@thread.tacv2"}},
        activity=message("Ny sak"),
    )

    created = await client.conversations.create_conversation(params)

    assert created.id == f"19:general@thread.tacv2;messageid={created.activity_id}"
    assert fc.activities(created.id)[0]["text"] == "Ny sak"
    assert fc.activities(created.id)[0]["id"] == created.activity_id


async def test_wait_for_returns_an_activity_that_arrives_later(fc: FakeConnector) -> None:
    client = client_for(fc)

    async def later() -> None:
        await asyncio.sleep(0.2)
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("første"))
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("andre"))

    task = asyncio.create_task(later())
    found = await fc.wait_for(lambda a: a.get("text") == "andre", timeout=5)
    await task

    assert found["text"] == "andre"
    assert len(await fc.wait_for_activities(2, conversation_id=CHANNEL_THREAD)) == 2
    assert (await fc.wait_for_request(lambda r: r.operation == "send_to_conversation")).ok


async def test_wait_for_raises_timeout_error_when_nothing_matches(fc: FakeConnector) -> None:
    with pytest.raises(TimeoutError):
        await fc.wait_for(lambda a: a.get("text") == "aldri", timeout=0.2)


async def test_fail_next_answers_429_with_retry_after_then_recovers(fc: FakeConnector) -> None:
    client = client_for(fc)
    fc.fail_next(1, 429, retry_after=3)

    with pytest.raises(ErrorResponseException) as caught:
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("for tidlig"))
    await client.conversations.send_to_conversation(CHANNEL_THREAD, message("etterpå"))

    response = caught.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error"]["code"] == "TooManyRequests"
    assert fc.requests[0].fault == "fail_next:429"
    assert [a["text"] for a in fc.activities()] == ["etterpå"]  # the rejected one was not kept


async def test_fail_next_can_target_matching_requests_only(fc: FakeConnector) -> None:
    fc.fail_next(2, 503, match=lambda r: r.conversation_id == PERSONAL)

    assert (await post_raw(fc, CHANNEL_THREAD))[0] == 201
    assert (await post_raw(fc, PERSONAL))[0] == 503
    assert (await post_raw(fc, PERSONAL))[0] == 503
    assert (await post_raw(fc, PERSONAL))[0] == 201


async def test_fail_rate_injects_a_seeded_fraction_of_429s() -> None:
    patterns = []
    for _ in range(2):
        async with FakeConnector(seed=7) as fake:
            rule = fake.fail_rate(0.05, 429, retry_after=1)
            statuses = [(await post_raw(fake, f"c{i % 10}"))[0] for i in range(300)]
            patterns.append(statuses)
            assert rule.hits == statuses.count(429)
            assert rule.seen == 300
    assert patterns[0] == patterns[1]  # same seed, same requests fail
    assert 3 <= patterns[0].count(429) <= 35
    assert set(patterns[0]) == {201, 429}


async def test_hang_next_makes_a_client_with_a_short_timeout_time_out(fc: FakeConnector) -> None:
    client = client_for(fc, timeout=0.3)
    fc.hang_next(1)

    started = time.monotonic()
    with pytest.raises(ClientRequestError, match="timed out"):
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("henger"))
    elapsed = time.monotonic() - started

    assert 0.25 <= elapsed < 3
    assert fc.requests[0].fault == "hang"
    assert fc.activities() == []  # a hung request has no effect
    await client.conversations.send_to_conversation(CHANNEL_THREAD, message("neste"))
    assert [a["text"] for a in fc.activities()] == ["neste"]


async def test_delay_next_answers_late_but_the_activity_was_delivered(fc: FakeConnector) -> None:
    client = client_for(fc, timeout=0.3)
    fc.delay_next(1, 1.0)

    with pytest.raises(ClientRequestError):
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("dobbel?"))

    assert [a["text"] for a in fc.activities()] == ["dobbel?"]


async def test_unreachable_conversation_answers_403_or_404(fc: FakeConnector) -> None:
    client = client_for(fc)
    fc.unreachable(PERSONAL, status=403)
    fc.unreachable(CHANNEL_THREAD, status=404)

    with pytest.raises(ErrorResponseException) as forbidden:
        await client.conversations.send_to_conversation(PERSONAL, message("x", PERSONAL))
    with pytest.raises(ErrorResponseException) as missing:
        await client.conversations.send_to_conversation(CHANNEL_THREAD, message("x"))
    fc.reachable(PERSONAL)
    await client.conversations.send_to_conversation(PERSONAL, message("igjen", PERSONAL))

    assert forbidden.value.response.status_code == 403
    assert forbidden.value.error.error.code == "BotNotInConversationRoster"
    assert missing.value.response.status_code == 404
    assert missing.value.error.error.code == "ConversationNotFound"
    assert [a["text"] for a in fc.activities()] == ["igjen"]


async def test_unreachable_member_makes_create_conversation_fail(fc: FakeConnector) -> None:
    client = client_for(fc)
    fc.unreachable_member("29:not-installed")
    params = ConversationParameters(
        bot=ChannelAccount(id="28:bot"), members=[ChannelAccount(id="29:not-installed")]
    )

    with pytest.raises(ErrorResponseException) as caught:
        await client.conversations.create_conversation(params)

    assert caught.value.response.status_code == 403


async def test_outage_fails_everything_until_restore(fc: FakeConnector) -> None:
    fc.outage(503, retry_after=2)
    status, headers = await post_raw(fc, PERSONAL)
    fc.restore()

    assert (status, headers["Retry-After"]) == (503, "2")
    assert (await post_raw(fc, PERSONAL))[0] == 201


async def test_rate_limits_are_off_by_default_but_violations_are_counted(
    fc: FakeConnector,
) -> None:
    statuses = [(await post_raw(fc, PERSONAL))[0] for _ in range(10)]

    assert statuses == [201] * 10
    assert fc.rate_limit_rejections == 0
    assert fc.rate_limit_violations  # 10 sends within a second break 7/s
    assert not fc.rate_limit_violations[0].rejected


async def test_rate_limits_enforce_7_per_second_and_8_per_2_seconds_per_conversation() -> None:
    now = [1000.0]
    async with FakeConnector(enforce_rate_limits=True, clock=lambda: now[0]) as fake:
        first_seven = [(await post_raw(fake, PERSONAL))[0] for _ in range(7)]
        eighth, headers = await post_raw(fake, PERSONAL)
        other_conversation = (await post_raw(fake, CHANNEL_THREAD))[0]
        now[0] += 1.01
        after_a_second = (await post_raw(fake, PERSONAL))[0]
        ninth_in_two_seconds, later_headers = await post_raw(fake, PERSONAL)

    assert first_seven == [201] * 7
    assert (eighth, headers["Retry-After"]) == (429, "1")
    assert other_conversation == 201
    assert after_a_second == 201
    assert (ninth_in_two_seconds, later_headers["Retry-After"]) == (429, "1")
    assert fake.rate_limit_rejections == 2
    assert fake.rate_limit_rejections_by_conversation[PERSONAL] == 2
    assert [v.limit for v in fake.rate_limit_violations] == [7, 8]


async def test_rate_limits_enforce_50_per_second_per_app() -> None:
    now = [0.0]
    async with FakeConnector(enforce_rate_limits=True, clock=lambda: now[0]) as fake:
        statuses = [(await post_raw(fake, f"conversation-{i}"))[0] for i in range(51)]

    assert statuses[:50] == [201] * 50
    assert statuses[50] == 429
    assert fake.rate_limit_violations[0].scope == "app"


async def test_members_and_paged_members_come_from_set_members(fc: FakeConnector) -> None:
    members: list[dict[str, Any]] = [
        {"id": f"29:{i}", "name": f"Person {i}", "aadObjectId": f"oid-{i}"} for i in range(3)
    ]
    fc.set_members(CHANNEL_THREAD, members)
    client = client_for(fc)

    everyone = await client.conversations.get_conversation_members(CHANNEL_THREAD)
    one = await client.conversations.get_conversation_member(CHANNEL_THREAD, "oid-1")
    page = await client.conversations.get_conversation_paged_members(CHANNEL_THREAD, page_size=2)
    rest = await client.conversations.get_conversation_paged_members(
        CHANNEL_THREAD, page_size=2, continuation_token=page.continuation_token
    )

    assert [m.id for m in everyone] == ["29:0", "29:1", "29:2"]
    assert one.name == "Person 1"
    assert [m.id for m in page.members] == ["29:0", "29:1"]
    assert [m.id for m in rest.members] == ["29:2"] and rest.continuation_token is None


async def test_teams_connector_client_reads_team_details(fc: FakeConnector) -> None:
    fc.teams["19:team@thread.tacv2"] = {"name": "SSU", "aadGroupId": "group-1"}
    teams = TeamsConnectorClient(MicrosoftAppCredentials("", ""), base_url=fc.url)

    details = await asyncio.to_thread(teams.teams.get_team_details, "19:team@thread.tacv2")

    assert (details.name, details.aad_group_id) == ("SSU", "group-1")
    assert fc.requests[0].operation == "get_team_details"


async def test_base_path_serves_a_service_url_with_a_prefix() -> None:
    async with FakeConnector(base_path="/_connector") as fake:
        client = client_for(fake)
        await client.conversations.send_to_conversation(PERSONAL, message("hei", PERSONAL))

    assert fake.url.endswith("/_connector/")
    assert fake.requests[0].path == f"/v3/conversations/{PERSONAL}/activities"


async def test_unknown_paths_answer_404_and_are_listed(fc: FakeConnector) -> None:
    async with aiohttp.ClientSession() as session, session.get(fc.url + "v3/nothing") as response:
        status = response.status

    assert status == 404
    assert [r.path for r in fc.unmatched] == ["/v3/nothing"]


async def test_a_regional_prefix_below_the_service_url_is_accepted(fc: FakeConnector) -> None:
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=fc.url + "emea/")

    await client.conversations.send_to_conversation(PERSONAL, message("hei", PERSONAL))

    assert fc.requests[0].operation == "send_to_conversation"
    assert fc.requests[0].params["service_path"] == "emea"
    assert fc.activities(PERSONAL)[0]["text"] == "hei"
