"""Self-tests of FakeGraph, driven by the real msgraph-sdk GraphServiceClient."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import httpx
import pytest
from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.headers_collection import HeadersCollection
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.location import Location
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import (
    CancelPostRequestBody,
)
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]

from .graph import FakeGraph, StaticTokenCredential

ORGANIZER = "ssu-sekretariat@helse.example"
OSLO = ZoneInfo("Europe/Oslo")
GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]

# msgraph-sdk's generated request builders warn about their own deprecated classes.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:msgraph.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kiota_abstractions.*"),
]


class Graph:
    """A GraphServiceClient on the fake, and the httpx client to close after."""

    def __init__(
        self,
        fake: FakeGraph,
        *,
        max_retries: int = 0,
        timeout: float = 10.0,
        credential: AsyncTokenCredential | None = None,
    ) -> None:
        self.credential = credential or StaticTokenCredential()
        auth = AzureIdentityAuthenticationProvider(self.credential, scopes=GRAPH_SCOPES)
        options = {
            **graph_default_options,
            RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=max_retries),
        }
        self.http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(timeout=timeout), options=options
        )
        adapter = GraphRequestAdapter(auth, client=self.http)
        adapter.base_url = fake.url
        self.client = GraphServiceClient(request_adapter=adapter)

    async def aclose(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def fg() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        yield fake


@pytest.fixture
async def graph(fg: FakeGraph) -> AsyncIterator[GraphServiceClient]:
    wrapper = Graph(fg)
    yield wrapper.client
    await wrapper.aclose()


def meeting(
    subject: str = "SSU-møte",
    *,
    start: str = "2026-02-12T09:30:00",
    end: str = "2026-02-12T14:30:00",
    transaction_id: str | None = None,
    online: bool = False,
    attendees: tuple[str, ...] = ("kari@helse.example",),
) -> Event:
    event = Event(
        subject=subject,
        body=ItemBody(content="<p>Saksliste kommer</p>"),
        start=DateTimeTimeZone(date_time=start, time_zone="Europe/Oslo"),
        end=DateTimeTimeZone(date_time=end, time_zone="Europe/Oslo"),
        location=Location(display_name="Hamar"),
        attendees=[Attendee(email_address=EmailAddress(address=a)) for a in attendees],
        transaction_id=transaction_id,
    )
    if online:
        event.is_online_meeting = True
        event.online_meeting_provider = OnlineMeetingProviderType.TeamsForBusiness
    return event


def oslo_time_header() -> RequestConfiguration[Any]:
    headers = HeadersCollection()
    headers.add("Prefer", 'outlook.timezone="Europe/Oslo"')
    return RequestConfiguration(headers=headers)


async def test_fake_graph_url_is_a_loopback_v1_base_url(fg: FakeGraph) -> None:
    assert fg.url == f"http://127.0.0.1:{fg.port}/v1.0"


async def test_post_event_twice_with_the_same_transaction_id_creates_one_event(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    events = graph.users.by_user_id(ORGANIZER).events

    first = await events.post(meeting(transaction_id="ssu-2026-02-12"))
    second = await events.post(meeting(transaction_id="ssu-2026-02-12"))
    other = await events.post(meeting(transaction_id="ssu-2026-05-21"))

    assert first is not None and second is not None and other is not None
    assert first.id == second.id != other.id
    assert len(fg.events) == 2
    assert [r.status for r in fg.requests_for("create_event")] == [201, 201, 201]
    assert fg.requests[0].user_id == ORGANIZER
    assert fg.requests[0].body["transactionId"] == "ssu-2026-02-12"


async def test_created_event_echoes_fields_with_id_ical_uid_and_web_link(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    created = await graph.users.by_user_id(ORGANIZER).events.post(meeting())

    assert created is not None and created.id
    assert created.i_cal_u_id and created.web_link
    assert created.subject == "SSU-møte"
    assert created.location is not None and created.location.display_name == "Hamar"
    assert created.attendees is not None
    assert created.attendees[0].email_address is not None
    assert created.attendees[0].email_address.address == "kari@helse.example"
    assert created.organizer is not None and created.organizer.email_address is not None
    assert created.organizer.email_address.address == ORGANIZER
    assert created.is_cancelled is False and created.online_meeting is None
    assert created.original_start_time_zone == "Europe/Oslo"
    assert created.id in fg.events and fg.event_mailbox[created.id] == ORGANIZER.lower()


async def test_online_teams_meeting_returns_a_join_url(graph: GraphServiceClient) -> None:
    created = await graph.users.by_user_id(ORGANIZER).events.post(meeting("PA-møte", online=True))

    assert created is not None and created.is_online_meeting
    assert created.online_meeting_provider == OnlineMeetingProviderType.TeamsForBusiness
    assert created.online_meeting is not None and created.online_meeting.join_url
    assert created.online_meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")


async def test_event_times_come_back_in_utc_unless_prefer_outlook_timezone(
    graph: GraphServiceClient,
) -> None:
    events = graph.users.by_user_id(ORGANIZER).events
    created = await events.post(meeting())
    assert created is not None and created.id and created.start is not None

    in_oslo = await events.by_event_id(created.id).get(request_configuration=oslo_time_header())

    assert (created.start.date_time, created.start.time_zone) == (
        "2026-02-12T08:30:00.0000000",
        "UTC",
    )
    assert in_oslo is not None and in_oslo.start is not None
    assert (in_oslo.start.date_time, in_oslo.start.time_zone) == (
        "2026-02-12T09:30:00.0000000",
        "Europe/Oslo",
    )


async def test_get_patch_and_delete_an_event(fg: FakeGraph, graph: GraphServiceClient) -> None:
    events = graph.users.by_user_id(ORGANIZER).events
    created = await events.post(meeting())
    assert created is not None and created.id

    patched = await events.by_event_id(created.id).patch(
        Event(
            subject="SSU-møte (flyttet)",
            start=DateTimeTimeZone(date_time="2026-02-19T09:30:00", time_zone="Europe/Oslo"),
            end=DateTimeTimeZone(date_time="2026-02-19T14:30:00", time_zone="Europe/Oslo"),
        )
    )
    fetched = await events.by_event_id(created.id).get()
    await events.by_event_id(created.id).delete()
    with pytest.raises(ODataError) as gone:
        await events.by_event_id(created.id).get()

    assert patched is not None and patched.subject == "SSU-møte (flyttet)"
    assert fetched is not None and fetched.start is not None
    assert fetched.start.date_time == "2026-02-19T08:30:00.0000000"
    assert gone.value.response_status_code == 404
    assert gone.value.error is not None and gone.value.error.code == "ErrorItemNotFound"
    assert created.id in fg.deleted_events and created.id not in fg.events


async def test_patch_with_the_end_before_the_start_is_a_400(graph: GraphServiceClient) -> None:
    events = graph.users.by_user_id(ORGANIZER).events
    created = await events.post(meeting())
    assert created is not None and created.id

    with pytest.raises(ODataError) as caught:
        await events.by_event_id(created.id).patch(
            Event(end=DateTimeTimeZone(date_time="2026-02-12T08:00:00", time_zone="Europe/Oslo"))
        )

    assert caught.value.response_status_code == 400


async def test_cancel_is_recorded_with_its_comment(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    events = graph.users.by_user_id(ORGANIZER).events
    created = await events.post(meeting(online=True))
    assert created is not None and created.id

    await events.by_event_id(created.id).cancel.post(
        CancelPostRequestBody(comment="Møtet er avlyst.")
    )

    cancel = fg.requests_for("cancel_event")[0]
    assert cancel.status == 202 and cancel.event_id == created.id
    assert [(c.event_id, c.comment) for c in fg.cancellations] == [(created.id, "Møtet er avlyst.")]
    assert fg.events[created.id]["isCancelled"] is True
    assert fg.events_for(ORGANIZER) == []


async def test_429_with_retry_after_surfaces_as_odata_error_when_retries_are_off(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    fg.fail_next(1, 429, retry_after=30)

    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(ORGANIZER).events.post(meeting(transaction_id="t"))

    error = caught.value
    assert error.response_status_code == 429
    assert error.response_headers is not None
    assert error.response_headers["retry-after"] == "30"
    assert error.error is not None and error.error.code == "TooManyRequests"
    assert len(fg.requests) == 1 and fg.events == {}


async def test_retry_can_be_turned_off_per_request_too(fg: FakeGraph) -> None:
    wrapper = Graph(fg, max_retries=3)
    fg.fail_next(1, 503, retry_after=30)
    config: RequestConfiguration[Any] = RequestConfiguration(
        options=[RetryHandlerOption(max_retries=0)]
    )
    try:
        with pytest.raises(ODataError) as caught:
            await wrapper.client.users.by_user_id(ORGANIZER).events.get(
                request_configuration=config
            )
    finally:
        await wrapper.aclose()

    assert caught.value.response_status_code == 503
    assert len(fg.requests) == 1


async def test_default_retry_handler_waits_retry_after_and_resends_the_post(
    fg: FakeGraph,
) -> None:
    wrapper = Graph(fg, max_retries=RetryHandlerOption.DEFAULT_MAX_RETRIES)
    fg.fail_next(1, 429, retry_after=1)
    started = time.monotonic()
    try:
        created = await wrapper.client.users.by_user_id(ORGANIZER).events.post(
            meeting(transaction_id="retry-me")
        )
    finally:
        await wrapper.aclose()

    assert created is not None and created.id in fg.events
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in fg.requests] == [429, 201]
    assert fg.requests[1].headers.get("Retry-Attempt") == "1"


async def test_get_schedule_returns_busy_blocks_and_events(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    fg.add_busy(
        "per@helse.example",
        datetime(2026, 2, 12, 8, 0, tzinfo=OSLO),
        datetime(2026, 2, 12, 10, 0, tzinfo=OSLO),
        subject="Legevakt",
    )
    await graph.users.by_user_id(ORGANIZER).events.post(
        meeting(start="2026-02-12T11:00:00", end="2026-02-12T12:00:00")
    )
    body = GetSchedulePostRequestBody(
        schedules=["per@helse.example", "kari@helse.example", ORGANIZER],
        start_time=DateTimeTimeZone(date_time="2026-02-12T07:00:00", time_zone="Europe/Oslo"),
        end_time=DateTimeTimeZone(date_time="2026-02-12T13:00:00", time_zone="Europe/Oslo"),
        availability_view_interval=60,
    )

    result = await graph.users.by_user_id(ORGANIZER).calendar.get_schedule.post(
        body, request_configuration=oslo_time_header()
    )

    assert result is not None and result.value is not None
    per, kari, organizer = result.value
    assert per.schedule_id == "per@helse.example"
    assert per.availability_view == "022000"
    assert per.schedule_items is not None and len(per.schedule_items) == 1
    item = per.schedule_items[0]
    assert item.status == FreeBusyStatus.Busy and item.subject == "Legevakt"
    assert item.start is not None and item.start.date_time == "2026-02-12T08:00:00.0000000"
    assert item.start.time_zone == "Europe/Oslo"
    assert kari.availability_view == "000010"  # invited: tentative
    assert organizer.availability_view == "000020"
    assert fg.requests[-1].operation == "get_schedule"


async def test_upload_to_a_drive_path_stores_the_bytes(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    drive_id = fg.drive_id_for_site("contoso.sharepoint.com,site-guid,web-guid")
    data = b"%PDF-1.7 protokoll"

    item = (
        await graph.drives.by_drive_id(drive_id)
        .items.by_drive_item_id("root:/SSU/2026/Protokoll 12. februar.pdf:")
        .content.put(data)
    )

    assert item is not None and item.id and item.name == "Protokoll 12. februar.pdf"
    assert item.size == len(data) and item.web_url
    stored = fg.file_at("SSU/2026/Protokoll 12. februar.pdf", drive_id=drive_id)
    assert stored is not None and stored.content == data and stored.item_id == item.id
    assert fg.requests[0].operation == "upload_content"


async def test_upload_to_a_site_drive_path_with_the_url_form(
    fg: FakeGraph, graph: GraphServiceClient
) -> None:
    # imported here: the module warns about deprecated classes while it is being defined
    from msgraph.generated.drives.item.items.item.content.content_request_builder import (
        ContentRequestBuilder,
    )

    site = "contoso.sharepoint.com,site-guid,web-guid"
    url = f"{fg.url}/sites/{quote(site, safe='')}/drive/root:/Saker/sak-1.docx:/content"
    builder = ContentRequestBuilder(graph.request_adapter, url)

    first = await builder.put(b"v1")
    second = await builder.put(b"version 2")

    assert first is not None and second is not None and first.id == second.id
    stored = fg.file_at("Saker/sak-1.docx", drive_id=fg.drive_id_for_site(site))
    assert stored is not None and stored.content == b"version 2" and stored.versions == 2
    assert [r.status for r in fg.requests] == [201, 200]


async def test_outage_answers_503_until_restore(fg: FakeGraph, graph: GraphServiceClient) -> None:
    fg.outage(503, retry_after=5)
    with pytest.raises(ODataError) as caught:
        await graph.users.by_user_id(ORGANIZER).events.get()
    fg.restore()
    listed = await graph.users.by_user_id(ORGANIZER).events.get()

    assert caught.value.response_status_code == 503
    assert listed is not None and listed.value == []


async def test_hang_next_times_out_a_client_with_a_short_timeout(fg: FakeGraph) -> None:
    wrapper = Graph(fg, timeout=0.3)
    fg.hang_next(1)
    started = time.monotonic()
    try:
        with pytest.raises(httpx.TimeoutException):
            await wrapper.client.users.by_user_id(ORGANIZER).events.post(meeting())
    finally:
        await wrapper.aclose()

    assert time.monotonic() - started < 3
    assert fg.requests[0].fault == "hang" and fg.events == {}


async def test_azure_identity_rejects_an_http_loopback_authority(
    fg: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="https"):
        ClientSecretCredential("tenant", "client", "secret", authority=fg.authority_url)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", fg.authority_url)
    with pytest.raises(ValueError, match="https"):
        ClientSecretCredential("tenant", "client", "secret")


async def test_client_secret_credential_gets_its_token_from_the_fake_via_loopback_transport() -> (
    None
):
    async with FakeGraph(require_token=True, client_secrets={"app-id": "s3cret"}) as fake:
        transport = fake.token_transport()
        credential = ClientSecretCredential("tenant-1", "app-id", "s3cret", transport=transport)
        wrapper = Graph(fake, credential=credential)
        try:
            listed = await wrapper.client.users.by_user_id(ORGANIZER).events.get()
        finally:
            await wrapper.aclose()
            await credential.close()

    assert listed is not None and listed.value == []
    assert transport.redirected == ["https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"]
    assert fake.token_requests[0]["grant_type"] == "client_credentials"
    assert fake.token_requests[0]["scope"] == GRAPH_SCOPES[0]
    token_call, graph_call = fake.requests
    assert token_call.operation == "token"
    assert graph_call.headers["Authorization"] == f"Bearer {fake.issued_tokens[0]}"


async def test_require_token_answers_401_without_a_valid_token() -> None:
    async with FakeGraph(require_token=True) as fake:
        wrapper = Graph(fake)  # StaticTokenCredential: a token the fake never issued
        try:
            with pytest.raises(ODataError) as caught:
                await wrapper.client.users.by_user_id(ORGANIZER).events.get()
            fake.accepted_tokens.add("fake-graph-token")
            listed = await wrapper.client.users.by_user_id(ORGANIZER).events.get()
        finally:
            await wrapper.aclose()

    assert caught.value.response_status_code == 401
    assert listed is not None


async def test_unknown_user_is_404_when_users_are_listed() -> None:
    async with FakeGraph(users=[ORGANIZER]) as fake:
        wrapper = Graph(fake)
        try:
            with pytest.raises(ODataError) as caught:
                await wrapper.client.users.by_user_id("nobody@helse.example").events.get()
            listed = await wrapper.client.users.by_user_id(ORGANIZER.upper()).events.get()
        finally:
            await wrapper.aclose()

    assert caught.value.response_status_code == 404
    assert caught.value.error is not None and caught.value.error.code == "ErrorInvalidUser"
    assert listed is not None


async def test_mailbox_concurrency_limit_answers_429_past_four_in_flight() -> None:
    async with FakeGraph(mailbox_concurrency_limit=4) as fake:
        fake.delay_next(5, 0.3, before=True)
        url = f"{fake.url}/users/{quote(ORGANIZER, safe='')}/events"
        async with aiohttp.ClientSession() as session:

            async def get() -> int:
                async with session.get(url) as response:
                    return response.status

            statuses = await asyncio.gather(*(get() for _ in range(5)))

    assert sorted(statuses) == [200, 200, 200, 200, 429]
    assert fake.max_concurrency[ORGANIZER.lower()] == 5
    assert fake.concurrency_rejections == 1
