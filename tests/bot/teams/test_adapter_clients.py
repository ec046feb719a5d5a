"""The adapter reuses the outgoing clients of incoming turns instead of building them per turn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)
from msrest.configuration import Configuration

from bot.teams.adapter import ReusingAuthentication
from tests.support.harness import BotHarness, demo_users

SECRETARY = demo_users()["eva.lindqvist@demo.ssu.example"]
MEMBER = demo_users()["per.haugen@demo.ssu.example"]


class _CountingFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, built: list[tuple[str, str, str | None]], app_id: str) -> None:
        self._built = built
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> object:
        self._built.append((self._app_id, service_url, audience))
        return object()


class _FakeAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Stands in for botbuilder's: the app id comes from the activity's recipient."""

    def __init__(self) -> None:
        self.built: list[tuple[str, str, str | None]] = []
        self.user_token_clients = 0

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        app_id = activity.recipient.id
        result = AuthenticateRequestResult()
        result.claims_identity = ClaimsIdentity(
            {AuthenticationConstants.AUDIENCE_CLAIM: app_id}, True
        )
        result.audience = auth_header or None
        result.connector_factory = _CountingFactory(self.built, app_id)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id: str) -> Any:
        raise NotImplementedError

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CountingFactory(
            self.built, claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> object:
        self.user_token_clients += 1
        return object()


class _Activity:
    def __init__(self, app_id: str) -> None:
        self.recipient = type("Account", (), {"id": app_id})()


async def _client(auth: ReusingAuthentication, app_id: str, url: str, audience: str = "") -> object:
    result = await auth.authenticate_request(_Activity(app_id), audience)
    return await result.connector_factory.create(url, result.audience)


async def test_turns_to_the_same_service_url_share_one_connector_client() -> None:
    inner = _FakeAuthentication()
    auth = ReusingAuthentication(inner)
    first = await _client(auth, "bot", "https://smba.example/emea/")
    second = await _client(auth, "bot", "https://smba.example/emea/")
    assert first is second
    assert inner.built == [("bot", "https://smba.example/emea/", None)]


async def test_another_service_url_app_or_audience_gets_its_own_client() -> None:
    inner = _FakeAuthentication()
    auth = ReusingAuthentication(inner)
    clients = {
        id(await _client(auth, "bot", "https://smba.example/emea/")),
        id(await _client(auth, "bot", "https://smba.example/amer/")),
        id(await _client(auth, "other-bot", "https://smba.example/emea/")),
        id(await _client(auth, "bot", "https://smba.example/emea/", audience="skill")),
    }
    assert len(clients) == 4
    assert len(inner.built) == 4


async def test_the_cache_keeps_only_the_most_recently_used_clients() -> None:
    inner = _FakeAuthentication()
    auth = ReusingAuthentication(inner, max_clients=2)
    for region in ("a", "b", "a", "c", "a"):
        await _client(auth, "bot", f"https://smba.example/{region}/")
    assert auth.reused_clients == 2
    assert [url for _, url, _ in inner.built] == [
        "https://smba.example/a/",
        "https://smba.example/b/",
        "https://smba.example/c/",
    ]
    await _client(auth, "bot", "https://smba.example/b/")  # dropped: built again
    assert len(inner.built) == 4


async def test_proactive_connector_factories_still_build_a_client_each_time() -> None:
    inner = _FakeAuthentication()
    auth = ReusingAuthentication(inner)
    claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: "bot"}, True)
    factory = auth.create_connector_factory(claims)
    assert await factory.create("https://smba.example/", None) is not await factory.create(
        "https://smba.example/", None
    )


async def test_the_user_token_client_is_built_once_per_app() -> None:
    inner = _FakeAuthentication()
    auth = ReusingAuthentication(inner)
    claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: "bot"}, True)
    first = await auth.create_user_token_client(claims)
    assert await auth.create_user_token_client(claims) is first
    other = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: "other-bot"}, True)
    assert await auth.create_user_token_client(other) is not first
    assert inner.user_token_clients == 2


@pytest.fixture
def msrest_configurations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every msrest Configuration built (a connector or user-token client, with its ~3 ms retry
    policy), by its base URL."""
    built: list[str] = []
    real = Configuration.__init__

    def counting(self: Configuration, base_url: str, *args: Any, **kwargs: Any) -> None:
        built.append(base_url)
        real(self, base_url, *args, **kwargs)

    monkeypatch.setattr(Configuration, "__init__", counting)
    yield built


async def test_turns_in_the_running_app_do_not_build_clients_after_the_first(
    bot: BotHarness, msrest_configurations: list[str]
) -> None:
    for user in (SECRETARY, MEMBER, SECRETARY, MEMBER):
        status, _ = await bot.say(user, "hjelp")
        assert status == 201
    await bot.replies_to(SECRETARY, count=2)
    await bot.replies_to(MEMBER, count=2)
    assert len(msrest_configurations) == 2  # the connector and the user-token client, once
    assert bot.connector.url.rstrip("/") in {url.rstrip("/") for url in msrest_configurations}
