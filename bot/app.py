"""Composition root: builds the aiohttp app and owns every lifecycle (`cleanup_ctx`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from botbuilder.core import ConversationState, PrivateConversationState
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import scheduler as outbox_jobs
from bot.config import Settings
from bot.domain.calendar import OSLO
from bot.graph.factory import CALENDAR, calendar_context
from bot.services import protocol as protocol_service
from bot.services import reminders as reminder_service
from bot.teams import agenda as agenda_commands
from bot.teams import attendance as attendance_commands
from bot.teams import basics
from bot.teams import cases as case_commands
from bot.teams import consensus as consensus_commands
from bot.teams import documents as documents_route
from bot.teams import evaluation as evaluation_commands
from bot.teams import meetings as meeting_commands
from bot.teams import protocol as protocol_commands
from bot.teams import reminders as reminder_commands
from bot.teams.actions import ActionRegistry
from bot.teams.adapter import SsuAdapter, build_adapter
from bot.teams.commands import Command
from bot.teams.handler import CommandHandler, SsuBot
from bot.teams.meeting_events import MeetingEventRegistry
from bot.teams.state_storage import DatabaseStorage
from cards.protocol import render_protocol_message
from cards.reminders import reminder_card
from dialogs.case_submission import CaseSubmissionDialog
from dialogs.language import LanguageDialog
from storage import migrate
from storage.db import create_engine, session_factory

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
ADAPTER = web.AppKey("adapter", SsuAdapter)
BOT = web.AppKey("bot", SsuBot)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
PROTOCOL_ARCHIVE_JOB_ID = "protocol.archive"
PROTOCOL_ARCHIVE_SECONDS = 60.0
"""How often the scheduler looks for signed protocols whose archive failed; each one is tried
again once its backoff has run out (bot/services/protocol.py, ``archive_signed``)."""


def create_app(
    settings: Settings | None = None, *, migrate_on_start: bool = True
) -> web.Application:
    settings = settings or Settings()
    app = web.Application(client_max_size=settings.max_request_bytes)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database(migrate_on_start))
    app.cleanup_ctx.append(calendar_context)
    app.cleanup_ctx.append(_bot)
    app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.append(outbox_jobs.outbox_lifecycle)
    app.cleanup_ctx.append(_protocol_archive)
    outbox_jobs.add_planner(app, reminder_service.planner(render=reminder_card))
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    documents_route.register(app)
    return app


def _database(migrate_on_start: bool):  # type: ignore[no-untyped-def]
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        if migrate_on_start:
            await asyncio.to_thread(migrate.upgrade, settings.sqlalchemy_url)
        engine = create_engine(settings.sqlalchemy_url)
        app[ENGINE] = engine
        app[SESSIONS] = session_factory(engine)
        log.info("database ready", extra={"backend": engine.dialect.name})
        yield
        await engine.dispose()

    return context


async def _bot(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    sessions = app[SESSIONS]
    storage = DatabaseStorage(sessions)
    actions = ActionRegistry()
    commands: dict[Command, CommandHandler] = {}
    basics.register(actions, commands)
    case_commands.register(actions, commands)
    meeting_commands.register(actions, commands, calendar=meeting_commands.app_calendar(app))
    reminder_commands.register(actions, commands)
    phrases: dict[str, CommandHandler] = {}
    meeting_events = MeetingEventRegistry()
    app[attendance_commands.HOOKS] = attendance_commands.register(
        actions, commands, phrases, meeting_events, after_commit=lambda: outbox_jobs.kick(app)
    ).hooks
    agenda_commands.register(
        actions,
        phrases,
        documents=agenda_commands.app_documents(app),
        deputies=agenda_commands.attendance_deputies,
        hooks=app[attendance_commands.HOOKS],
        after_commit=lambda: outbox_jobs.kick(app),
    )
    evaluation_commands.register(
        actions,
        phrases,
        hooks=app[attendance_commands.HOOKS],
        after_commit=lambda: outbox_jobs.kick(app),
    )
    consensus_commands.register(actions, phrases, hooks=app[attendance_commands.HOOKS])
    protocol_commands.register(
        actions,
        phrases,
        documents=protocol_commands.app_documents(app),
        after_commit=lambda: outbox_jobs.kick(app),
    )
    app[ADAPTER] = build_adapter(settings)
    app[BOT] = SsuBot(
        settings=settings,
        sessions=sessions,
        conversation_state=ConversationState(storage),
        private_state=PrivateConversationState(storage),
        dialogs=[LanguageDialog(), CaseSubmissionDialog()],
        actions=actions,
        commands=commands,
        phrases=phrases,
        meeting_events=meeting_events,
    )
    yield


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    """APScheduler runs on aiohttp's loop, in Oslo time; the jobs' truth is in the database."""
    scheduler = AsyncIOScheduler(timezone=OSLO)
    app[SCHEDULER] = scheduler
    if app[SETTINGS].scheduler_enabled:
        scheduler.start()
    yield
    if scheduler.running:
        scheduler.shutdown(wait=False)


async def _protocol_archive(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the job that archives and posts signed protocols whose archive failed."""
    if app[SETTINGS].scheduler_enabled:
        app[SCHEDULER].add_job(
            archive_signed_protocols,
            IntervalTrigger(seconds=PROTOCOL_ARCHIVE_SECONDS, timezone=OSLO),
            args=[app],
            id=PROTOCOL_ARCHIVE_JOB_ID,
            name="archive signed protocols",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
    yield


async def archive_signed_protocols(app: web.Application) -> int:
    """One run of the archive job; returns how many protocols it archived."""
    services = app.get(CALENDAR)
    if services is None:
        return 0
    try:
        results = await protocol_service.archive_signed(
            app[SESSIONS], documents=services.documents, render=render_protocol_message
        )
    except Exception:
        log.exception("archiving signed protocols failed")
        return 0
    archived = sum(isinstance(result, protocol_service.Finalised) for result in results)
    if archived:
        outbox_jobs.kick(app)
    return archived


async def messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    return await app[ADAPTER].handle(request, app[BOT], max_bytes=app[SETTINGS].max_request_bytes)


async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database does not answer")
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})
