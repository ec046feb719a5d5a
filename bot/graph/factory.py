"""Builds the calendar and the document store from the settings: Microsoft Graph when its
credentials are set, else the embedded local ones; and the app lifecycle that runs the calendar
worker (``calendar_context``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.documents.links import links_from_settings
from bot.graph.documents import LocalDocuments
from bot.graph.local_calendar import LocalCalendar
from bot.graph.port import CalendarPort, DocumentStore
from bot.services.calendar_sync import run_worker

if TYPE_CHECKING:
    # msgraph-sdk, kiota and azure-identity are imported only when Graph is configured: they
    # take ~0.3 s to import, and the embedded mode (and the server's start) does without them.
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.core.pipeline.transport import AsyncHttpTransport
    from azure.identity.aio import ClientSecretCredential
    from msgraph.graph_service_client import GraphServiceClient

log = logging.getLogger(__name__)

WORKER_INTERVAL_SECONDS: Final = 5.0
WORKER_STOP_SECONDS: Final = 10.0


class GraphNotConfigured(ValueError):
    """Graph credentials are set but something it needs is missing."""


def build_credential(
    settings: Settings, *, transport: AsyncHttpTransport[Any, Any] | None = None
) -> ClientSecretCredential:
    """The app-only credential (client secret). ``transport`` only redirects the token request
    (tests point it at a loopback fake: azure-identity refuses an http:// authority)."""
    if not settings.graph_configured:
        raise GraphNotConfigured("GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET")
    from azure.identity.aio import ClientSecretCredential

    assert settings.graph_tenant_id and settings.graph_client_id and settings.graph_client_secret
    if transport is None:
        return ClientSecretCredential(
            settings.graph_tenant_id,
            settings.graph_client_id,
            settings.graph_client_secret.get_secret_value(),
        )
    return ClientSecretCredential(
        settings.graph_tenant_id,
        settings.graph_client_id,
        settings.graph_client_secret.get_secret_value(),
        transport=transport,
    )


@dataclass(slots=True)
class CalendarServices:
    """The calendar and the document store the services use, and what must be closed."""

    calendar: CalendarPort
    documents: DocumentStore
    graph: GraphServiceClient | None = None
    credential: AsyncTokenCredential | None = None
    owns_credential: bool = False

    @property
    def uses_graph(self) -> bool:
        return self.graph is not None

    async def aclose(self) -> None:
        if self.graph is not None:
            from bot.graph.graph_calendar import close_graph_client

            await close_graph_client(self.graph)
        if self.credential is not None and self.owns_credential:
            await self.credential.close()


def build_calendar_services(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    credential: AsyncTokenCredential | None = None,
) -> CalendarServices:
    """Graph when GRAPH_TENANT_ID/CLIENT_ID/CLIENT_SECRET are set (GRAPH_ORGANIZER required;
    documents go to GRAPH_SITE_ID when set, else stay local), else the embedded calendar.

    ``credential`` replaces the ClientSecretCredential built from the settings (tests only).
    """
    if not settings.graph_configured:
        log.info("calendar: embedded (Microsoft Graph not configured)")
        return CalendarServices(
            calendar=LocalCalendar(
                sessions, settings.var_dir / "calendar", organizer=settings.graph_organizer
            ),
            documents=LocalDocuments(
                settings.var_dir / "portal", links=links_from_settings(settings)
            ),
        )
    if not settings.graph_organizer:
        raise GraphNotConfigured("GRAPH_ORGANIZER must name the mailbox that owns the meetings")
    from bot.graph.documents import GraphDocuments
    from bot.graph.graph_calendar import GraphCalendar, build_graph_client

    owns = credential is None
    token_source = credential if credential is not None else build_credential(settings)
    client = build_graph_client(token_source, base_url=settings.graph_base_url)
    documents: DocumentStore
    if settings.graph_site_id:
        documents = GraphDocuments(client, site_id=settings.graph_site_id)
    else:
        documents = LocalDocuments(settings.var_dir / "portal", links=links_from_settings(settings))
    log.info(
        "calendar: Microsoft Graph",
        extra={
            "organizer": settings.graph_organizer,
            "base_url": settings.graph_base_url,
            "documents": "sharepoint" if settings.graph_site_id else "local",
        },
    )
    return CalendarServices(
        calendar=GraphCalendar(client, organizer=settings.graph_organizer),
        documents=documents,
        graph=client,
        credential=token_source,
        owns_credential=owns,
    )


CALENDAR = web.AppKey("calendar", CalendarServices)


async def calendar_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: builds the calendar services into ``app[CALENDAR]`` and, when the scheduler
    is enabled (SSU_SCHEDULER), runs the calendar worker until shutdown. Append it after the
    database context."""
    from bot.app import SESSIONS, SETTINGS  # the composition root imports this module

    settings = app[SETTINGS]
    services = build_calendar_services(settings, app[SESSIONS])
    app[CALENDAR] = services
    stop = asyncio.Event()
    worker: asyncio.Task[None] | None = None
    if settings.scheduler_enabled:
        worker = asyncio.create_task(
            run_worker(
                app[SESSIONS], services.calendar, interval=WORKER_INTERVAL_SECONDS, stop=stop
            ),
            name="calendar-worker",
        )
    try:
        yield
    finally:
        stop.set()
        if worker is not None:
            try:
                await asyncio.wait_for(worker, timeout=WORKER_STOP_SECONDS)
            except TimeoutError:
                log.warning("calendar worker did not stop in time; cancelled")
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await services.aclose()
