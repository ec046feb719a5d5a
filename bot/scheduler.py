"""APScheduler jobs: sweep the outbox, plan reminders. The database is the truth, not the jobs.

The scheduler keeps its jobs in memory and forgets them on restart, on purpose: what must happen
is in the outbox (a row per message, with its deadline), so after downtime the first sweep sends
what is still due and drops, with a log line, what passed its deadline; and the daily planning
job runs once at start-up too, because enqueueing is idempotent and a missed 06:00 must not mean
a missed reminder.

Wiring (bot/app.py): `app.cleanup_ctx.append(scheduler.outbox_lifecycle)` after the scheduler's
own context; the reminder engine adds its planner with `scheduler.add_planner(app, plan)`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from aiohttp import web
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import OSLO
from bot.teams.delivery import BotFrameworkTransport, OutboxConfig, OutboxSender, SweepReport
from storage.db import transaction
from storage.models import utcnow

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "outbox.sweep"
PLAN_JOB_ID = "reminders.plan"
PLAN_HOUR = 6
"""06:00 Europe/Oslo: clear of the 02:00–03:00 daylight-saving change, before the 09:00 sends."""
PLAN_MINUTE = 0

Planner = Callable[[AsyncSession, datetime], Awaitable[int]]
"""Enqueues the reminders due from `now` on (idempotently); returns how many it enqueued."""

OUTBOX_SENDER = web.AppKey("outbox_sender", OutboxSender)
PLANNERS = web.AppKey("reminder_planners", list[Planner])


def add_planner(app: web.Application, planner: Planner) -> None:
    """Register a reminder planner; call while building the app (before it starts)."""
    app.setdefault(PLANNERS, []).append(planner)


def build_sender(app: web.Application, config: OutboxConfig | None = None) -> OutboxSender:
    from bot.app import ADAPTER, SESSIONS, SETTINGS  # bot.app imports this module

    config = config or OutboxConfig()
    transport = BotFrameworkTransport(
        app[ADAPTER],
        app_id=app[SETTINGS].microsoft_app_id,
        timeout=config.send_timeout_seconds,
    )
    return OutboxSender(sessions=app[SESSIONS], transport=transport, config=config)


def sweep_trigger(config: OutboxConfig) -> IntervalTrigger:
    return IntervalTrigger(seconds=config.sweep_interval_seconds, timezone=OSLO)


def plan_trigger() -> CronTrigger:
    """Daily in Oslo wall-clock time: one run per local day across DST changes."""
    return CronTrigger(hour=PLAN_HOUR, minute=PLAN_MINUTE, timezone=OSLO)


def install_jobs(scheduler: BaseScheduler, app: web.Application) -> None:
    sender = app[OUTBOX_SENDER]
    now = datetime.now(OSLO)
    scheduler.add_job(
        sweep_once,
        sweep_trigger(sender.config),
        args=[app],
        id=SWEEP_JOB_ID,
        name="sweep the outbox",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        next_run_time=now,
    )
    scheduler.add_job(
        plan_reminders,
        plan_trigger(),
        args=[app],
        id=PLAN_JOB_ID,
        name="plan reminders",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=6 * 3600,
        replace_existing=True,
        next_run_time=now,
    )


async def outbox_lifecycle(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: build the sender, add the jobs; on shutdown drain it before the DB closes."""
    from bot.app import SCHEDULER  # bot.app imports this module

    sender = build_sender(app)
    app[OUTBOX_SENDER] = sender
    install_jobs(app[SCHEDULER], app)
    log.info("outbox sender ready", extra={"owner": sender.owner})
    yield
    await sender.close()


def _sender(app_or_sender: web.Application | OutboxSender) -> OutboxSender:
    if isinstance(app_or_sender, OutboxSender):
        return app_or_sender
    return app_or_sender[OUTBOX_SENDER]


async def sweep_once(
    app_or_sender: web.Application | OutboxSender, now: datetime | None = None
) -> SweepReport:
    """One sweep: drop what expired, send what is due (tests pass a frozen `now`)."""
    try:
        return await _sender(app_or_sender).sweep(now)
    except Exception:
        log.exception("outbox sweep failed")
        return SweepReport()


async def plan_reminders(app: web.Application, now: datetime | None = None) -> int:
    """Run every registered planner, each in its own transaction, then kick the sweep."""
    from bot.app import SESSIONS  # bot.app imports this module

    now = now or utcnow()
    total = 0
    for planner in app.get(PLANNERS, []):
        name = getattr(planner, "__qualname__", repr(planner))
        try:
            async with transaction(app[SESSIONS]) as session:
                enqueued = await planner(session, now)
        except Exception:
            log.exception("reminder planner failed", extra={"planner": name})
            continue
        total += enqueued
        log.info("reminders planned", extra={"planner": name, "enqueued": enqueued})
    if total:
        kick(app)
    return total


def kick(app: web.Application) -> None:
    """Deliver soon after a commit: wake a running sweep, or run the sweep job now."""
    sender = app.get(OUTBOX_SENDER)
    if sender is None:
        return
    sender.kick()
    if sender.sweeping:
        return
    from bot.app import SCHEDULER  # bot.app imports this module

    scheduler = app.get(SCHEDULER)
    if scheduler is None or not scheduler.running:
        return
    job = scheduler.get_job(SWEEP_JOB_ID)
    if job is not None:
        job.modify(next_run_time=datetime.now(OSLO))
