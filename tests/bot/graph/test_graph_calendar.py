"""GraphCalendar against a fake Microsoft Graph on loopback: request bodies, error mapping,
getSchedule chunking, and the real client-secret credential."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.graph.factory import build_calendar_services, build_credential
from bot.graph.graph_calendar import (
    GraphCalendar,
    build_graph_client,
    close_graph_client,
    graph_scope,
    parse_retry_after,
    schedule_windows,
)
from bot.graph.port import BusyBlock, PermanentCalendarError, TransientCalendarError
from tests.bot.graph.support import (
    ORGANIZER,
    StoreThenFailGraph,
    graph_calendar_for,
    oslo,
    pa_meeting,
    ssu_meeting,
)
from tests.fakes.graph import FakeGraph, StaticTokenCredential

ATTENDEES_JSON: list[dict[str, Any]] = [
    {
        "@odata.type": "#microsoft.graph.attendee",
        "emailAddress": {"address": "kari.nordmann@elverum.kommune.no", "name": "Kari Nordmann"},
        "type": "required",
    },
    {
        "@odata.type": "#microsoft.graph.attendee",
        "emailAddress": {"address": "ola@statsforvalteren.no", "name": "Ola Observatør"},
        "type": "optional",
    },
]


async def test_create_physical_meeting_posts_oslo_wall_clock_times_and_no_teams_link(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    ref = await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-physical")

    (request,) = fake_graph.requests_for("create_event")
    assert request.method == "POST"
    assert request.path == f"/v1.0/users/{ORGANIZER}/events"
    assert request.headers["Authorization"] == "Bearer fake-graph-token"
    assert request.body == {
        "@odata.type": "#microsoft.graph.event",
        "subject": "SSU-møte 12. februar 2026",
        "body": {"contentType": "html", "content": "<p>Innkalling følger.</p>"},
        "start": {"dateTime": "2026-02-12T09:30:00", "timeZone": "Europe/Oslo"},
        "end": {"dateTime": "2026-02-12T14:30:00", "timeZone": "Europe/Oslo"},
        "location": {"displayName": "Scandic Hamar, møterom Mjøsa"},
        "attendees": ATTENDEES_JSON,
        "transactionId": "tx-physical",
        "isOnlineMeeting": False,
    }
    stored = fake_graph.events[ref.event_id]
    assert ref.ical_uid == stored["iCalUId"]
    assert ref.web_link == stored["webLink"]
    assert ref.join_url is None


async def test_create_online_meeting_asks_for_teams_and_returns_the_join_url(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    ref = await graph_calendar.create_event(pa_meeting(), transaction_id="tx-online")

    (request,) = fake_graph.requests_for("create_event")
    assert request.body == {
        "@odata.type": "#microsoft.graph.event",
        "subject": "Partnerskapsmøtet 11. juni 2026",
        "body": {"contentType": "html", "content": "<p>Teams-møte</p>"},
        "start": {"dateTime": "2026-06-11T09:00:00", "timeZone": "Europe/Oslo"},
        "end": {"dateTime": "2026-06-11T10:00:00", "timeZone": "Europe/Oslo"},
        "attendees": [ATTENDEES_JSON[0]],
        "transactionId": "tx-online",
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    assert ref.join_url is not None
    assert ref.join_url == fake_graph.events[ref.event_id]["onlineMeeting"]["joinUrl"]
    assert ref.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")


async def test_times_given_in_utc_are_sent_as_oslo_local_time(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    event = ssu_meeting(start=datetime(2026, 6, 11, 7, 0, tzinfo=UTC), end=oslo("2026-06-11T10:00"))
    await graph_calendar.create_event(event, transaction_id="tx-utc")

    (request,) = fake_graph.requests_for("create_event")
    assert request.body["start"] == {"dateTime": "2026-06-11T09:00:00", "timeZone": "Europe/Oslo"}


async def test_create_repeated_with_the_same_transaction_id_returns_the_same_event(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    first = await graph_calendar.create_event(pa_meeting(), transaction_id="tx-same")
    second = await graph_calendar.create_event(pa_meeting(), transaction_id="tx-same")

    assert second == first
    assert len(fake_graph.events_for(ORGANIZER)) == 1


async def test_update_patches_the_event_without_a_transaction_id(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    ref = await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-1")
    moved = ssu_meeting(
        subject="SSU-møte 19. februar 2026",
        start=oslo("2026-02-19T09:30"),
        end=oslo("2026-02-19T14:30"),
        location=None,
    )

    updated = await graph_calendar.update_event(ref.event_id, moved)

    (request,) = fake_graph.requests_for("update_event")
    assert request.method == "PATCH"
    assert request.path == f"/v1.0/users/{ORGANIZER}/events/{ref.event_id}"
    assert request.body == {
        "@odata.type": "#microsoft.graph.event",
        "subject": "SSU-møte 19. februar 2026",
        "body": {"contentType": "html", "content": "<p>Innkalling følger.</p>"},
        "start": {"dateTime": "2026-02-19T09:30:00", "timeZone": "Europe/Oslo"},
        "end": {"dateTime": "2026-02-19T14:30:00", "timeZone": "Europe/Oslo"},
        "location": {"displayName": ""},
        "attendees": ATTENDEES_JSON,
    }
    assert updated.event_id == ref.event_id
    assert fake_graph.events[ref.event_id]["subject"] == "SSU-møte 19. februar 2026"


async def test_update_to_online_turns_the_teams_meeting_on(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    ref = await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-1")

    updated = await graph_calendar.update_event(ref.event_id, ssu_meeting(online=True))

    (request,) = fake_graph.requests_for("update_event")
    assert request.body["isOnlineMeeting"] is True
    assert request.body["onlineMeetingProvider"] == "teamsForBusiness"
    assert updated.join_url is not None


async def test_cancel_posts_the_comment_to_the_cancel_action(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    ref = await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-1")

    await graph_calendar.cancel_event(ref.event_id, comment="Møtet utgår: for få saker.")

    (request,) = fake_graph.requests_for("cancel_event")
    assert request.method == "POST"
    assert request.path == f"/v1.0/users/{ORGANIZER}/events/{ref.event_id}/cancel"
    assert request.body == {"Comment": "Møtet utgår: for få saker."}
    assert fake_graph.events[ref.event_id]["isCancelled"] is True
    assert fake_graph.cancellations[0].comment == "Møtet utgår: for få saker."


# -- errors ----------------------------------------------------------------------------------------


async def test_429_is_transient_with_retry_after_and_is_not_retried_by_the_sdk(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    fake_graph.fail_next(1, 429, retry_after=7)

    with pytest.raises(TransientCalendarError) as caught:
        await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-1")

    assert caught.value.retry_after == 7
    assert len(fake_graph.requests_for("create_event")) == 1  # our queue owns the retries


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_transient_and_tried_once(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar, status: int
) -> None:
    fake_graph.fail_next(1, status)

    with pytest.raises(TransientCalendarError) as caught:
        await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-1")

    assert caught.value.retry_after is None
    assert str(status) in str(caught.value)
    assert len(fake_graph.requests_for("create_event")) == 1


async def test_outage_with_retry_after_reports_it(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    fake_graph.outage(503, retry_after=120)

    with pytest.raises(TransientCalendarError) as caught:
        await graph_calendar.cancel_event("AAMk-1", comment="")

    assert caught.value.retry_after == 120


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "ErrorInvalidRequest"), (401, "InvalidAuthenticationToken"), (403, "ErrorAccessDenied")],
)
async def test_other_client_errors_are_permanent(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar, status: int, code: str
) -> None:
    fake_graph.fail_next(1, status, code=code, message="nope")

    with pytest.raises(PermanentCalendarError, match=f"{status}: {code}: nope"):
        await graph_calendar.create_event(ssu_meeting(), transaction_id="tx-1")


async def test_unknown_event_is_permanent(graph_calendar: GraphCalendar) -> None:
    with pytest.raises(PermanentCalendarError, match="404: ErrorItemNotFound"):
        await graph_calendar.update_event("AAMk-missing", ssu_meeting())


async def test_a_reply_that_never_comes_is_a_transient_timeout(
    fake_graph: StoreThenFailGraph,
) -> None:
    calendar = graph_calendar_for(fake_graph, timeout=0.3)
    fake_graph.hang_next(1)
    try:
        with pytest.raises(TransientCalendarError, match="Timeout"):
            await calendar.create_event(ssu_meeting(), transaction_id="tx-1")
    finally:
        fake_graph.release_hangs()
        await close_graph_client(calendar.client)


async def test_a_refused_connection_is_transient() -> None:
    async with FakeGraph() as fake:
        url = fake.url
    calendar = GraphCalendar(
        build_graph_client(StaticTokenCredential(), base_url=url, timeout=2.0),
        organizer=ORGANIZER,
        timeout=2.0,
    )
    try:
        with pytest.raises(TransientCalendarError, match="ConnectError"):
            await calendar.create_event(ssu_meeting(), transaction_id="tx-1")
    finally:
        await close_graph_client(calendar.client)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Sun, 01 Feb 2026 12:01:30 GMT", now=now) == 90
    assert parse_retry_after("Sun, 01 Feb 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_scope_follows_national_clouds_and_keeps_the_public_one_on_loopback() -> None:
    assert graph_scope("https://graph.microsoft.com/v1.0") == "https://graph.microsoft.com/.default"
    assert graph_scope("https://graph.microsoft.us/v1.0") == "https://graph.microsoft.us/.default"
    assert graph_scope("http://127.0.0.1:1234/v1.0") == "https://graph.microsoft.com/.default"


# -- free/busy -------------------------------------------------------------------------------------


def test_schedule_windows_are_under_42_days_and_cover_the_range() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=100)

    windows = schedule_windows(start, end)

    assert [w[1] - w[0] for w in windows] == [
        timedelta(days=41),
        timedelta(days=41),
        timedelta(days=18),
    ]
    assert windows[0][0] == start and windows[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))


async def test_free_busy_maps_schedule_items_and_skips_free_time(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    fake_graph.add_busy(
        "Kari@Elverum.kommune.no", oslo("2026-02-12T08:00"), oslo("2026-02-12T10:00")
    )
    fake_graph.add_busy(
        "kari@elverum.kommune.no", oslo("2026-02-12T12:00"), oslo("2026-02-12T13:00"), status="oof"
    )
    fake_graph.add_busy(
        "kari@elverum.kommune.no", oslo("2026-02-12T13:00"), oslo("2026-02-12T14:00"), status="free"
    )

    found = await graph_calendar.free_busy(
        ["Kari@Elverum.kommune.no", "per@gjovik.kommune.no"],
        oslo("2026-02-12T00:00"),
        oslo("2026-02-13T00:00"),
    )

    assert found == {
        "Kari@Elverum.kommune.no": [
            BusyBlock(datetime(2026, 2, 12, 7, tzinfo=UTC), datetime(2026, 2, 12, 9, tzinfo=UTC)),
            BusyBlock(
                datetime(2026, 2, 12, 11, tzinfo=UTC), datetime(2026, 2, 12, 12, tzinfo=UTC), "oof"
            ),
        ],
        "per@gjovik.kommune.no": [],
    }
    (request,) = fake_graph.requests_for("get_schedule")
    assert request.path == f"/v1.0/users/{ORGANIZER}/calendar/getSchedule"
    assert request.headers["Prefer"] == 'outlook.timezone="UTC"'
    body = request.body
    assert body["Schedules"] == ["Kari@Elverum.kommune.no", "per@gjovik.kommune.no"]
    assert body["StartTime"] == {"dateTime": "2026-02-11T23:00:00", "timeZone": "UTC"}
    assert body["EndTime"] == {"dateTime": "2026-02-12T23:00:00", "timeZone": "UTC"}
    assert 5 <= body["AvailabilityViewInterval"] <= 1440


async def test_free_busy_over_a_long_window_asks_in_chunks_and_merges_them(
    fake_graph: StoreThenFailGraph, graph_calendar: GraphCalendar
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=90)
    # One block in each chunk, and one that straddles the first boundary (answered twice).
    straddling = (start + timedelta(days=40, hours=20), start + timedelta(days=41, hours=4))
    fake_graph.add_busy(
        "leder@si.no", start + timedelta(days=2), start + timedelta(days=2, hours=2)
    )
    fake_graph.add_busy("leder@si.no", *straddling)
    fake_graph.add_busy("leder@si.no", start + timedelta(days=85), start + timedelta(days=86))

    found = await graph_calendar.free_busy(["leder@si.no"], start, end)

    requests = fake_graph.requests_for("get_schedule")
    assert len(requests) == 3
    assert all(r.status == 200 for r in requests)
    assert [b.start for b in found["leder@si.no"]] == [
        start + timedelta(days=2),
        straddling[0],
        start + timedelta(days=85),
    ]


async def test_free_busy_leaves_out_mailboxes_graph_cannot_answer_for() -> None:
    async with FakeGraph(users=[ORGANIZER, "leder@si.no"]) as fake:
        calendar = graph_calendar_for(fake)
        try:
            found = await calendar.free_busy(
                ["leder@si.no", "ukjent@example.org"],
                oslo("2026-02-12T00:00"),
                oslo("2026-02-13T00:00"),
            )
        finally:
            await close_graph_client(calendar.client)
    assert found == {"leder@si.no": []}


# -- credentials -----------------------------------------------------------------------------------


async def test_production_client_secret_credential_gets_its_token_from_the_loopback_fake() -> None:
    """The real azure-identity ClientSecretCredential, as production builds it; only its
    transport is redirected (azure-identity refuses an http:// authority)."""
    async with FakeGraph(require_token=True, client_secrets={"app-id": "s3cret"}) as fake:
        settings = Settings(
            _env_file=None,
            GRAPH_TENANT_ID="tenant-1",
            GRAPH_CLIENT_ID="app-id",
            GRAPH_CLIENT_SECRET="s3cret",
            GRAPH_ORGANIZER=ORGANIZER,
            GRAPH_BASE_URL=fake.url,
        )
        transport = fake.token_transport()
        credential = build_credential(settings, transport=transport)
        services = build_calendar_services(settings, sessions=None, credential=credential)  # type: ignore[arg-type]
        try:
            ref = await services.calendar.create_event(pa_meeting(), transaction_id="tx-cred")
        finally:
            await services.aclose()
            await credential.close()

        assert ref.join_url
        (token_request,) = fake.token_requests
        assert token_request["client_id"] == "app-id"
        assert token_request["grant_type"] == "client_credentials"
        assert token_request["scope"] == "https://graph.microsoft.com/.default"
        assert transport.redirected == [
            "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
        ]
        (create,) = fake.requests_for("create_event")
        assert create.headers["Authorization"] == f"Bearer {fake.issued_tokens[0]}"


async def test_a_wrong_client_secret_is_transient_so_the_change_is_kept() -> None:
    async with FakeGraph(require_token=True, client_secrets={"app-id": "right"}) as fake:
        settings = Settings(
            _env_file=None,
            GRAPH_TENANT_ID="tenant-1",
            GRAPH_CLIENT_ID="app-id",
            GRAPH_CLIENT_SECRET="wrong",
            GRAPH_ORGANIZER=ORGANIZER,
            GRAPH_BASE_URL=fake.url,
        )
        credential = build_credential(settings, transport=fake.token_transport())
        services = build_calendar_services(settings, sessions=None, credential=credential)  # type: ignore[arg-type]
        try:
            with pytest.raises(TransientCalendarError, match="token request refused"):
                await services.calendar.create_event(pa_meeting(), transaction_id="tx-cred")
        finally:
            await services.aclose()
            await credential.close()
        assert fake.requests_for("create_event") == []
