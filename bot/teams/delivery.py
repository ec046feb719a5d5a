"""The outbox sender: delivers committed outbox rows to Teams, once, within Teams' limits.

Delivery guarantee (why the steps are in this order)
----------------------------------------------------
Per row:  claim (lease, commit) → wait for a rate-limit slot → `sending` (commit) → POST
          → `sent` + activity id (commit)

1. *Claim* leases a batch of due rows to this sender (`claimed_by`, `claimed_until`); on
   PostgreSQL with `FOR UPDATE SKIP LOCKED`, so replicas take disjoint rows. The lease is renewed
   while rows wait for the limiter and handed back on a clean shutdown, so a row that was only
   claimed when the process died is sent by the next sweep after its lease ends — exactly once.
2. *sending* is committed when the row's rate-limit slot is `send_lead_seconds` away and the
   POST leaves at the slot, with the lease stretched past the request timeout so nobody else
   can take the row while the request may be on the wire. Only rows in `sending` are ever in
   doubt.
3. *sent* is committed immediately after the connector answers 2xx — and retried until it
   commits when the database is away for a moment (a PostgreSQL restart), so a delivered row
   does not turn in doubt and go out twice.

The `sending` and `sent` marks of concurrent deliveries share commits (group commit): each
delivery still waits for *its* mark to be durable before it goes on, but marks that become
ready while a commit runs go together into the next one.

The Bot Framework Connector (and so Teams) has no idempotency key: a POST of the same activity
twice shows two messages, the id the client puts on an activity is ignored, and a bot cannot
read a chat back through the connector. So a crash between the POST and the `sent` commit cannot
be resolved after the fact. That window is one HTTP round trip plus one commit, for at most
`max_in_flight` rows and in practice only those whose request was on the wire at the moment of
the crash. A row found in `sending` with an expired lease is *in doubt*; with
`resend_in_doubt` (the default) it is sent again, logged as an in-doubt redelivery:

- rows never put on the wire (claimed, waiting, or retrying): exactly once;
- rows accepted and marked `sent`: exactly once (never sent again);
- rows on the wire when the process was killed: at least once (a duplicate only if the
  connector had already accepted the first POST), or at most once with `resend_in_doubt=False`
  (they become `failed` with "in doubt" instead).

The same holds for ambiguous HTTP outcomes: a timeout after the request was written, or a
500/502/504 from a gateway, may mean the activity was delivered. Teams' guidance is to retry
412, 429, 502, 503 and 504, so they are retried (and logged as possibly duplicating).

Nothing is ever sent at or after a row's `expires_at`: `sending` is refused past it, and the
sweep turns expired rows into `dropped` with a log line.

Transport: `adapter.continue_conversation(reference, callback, app_id)` builds the connector
client; the callback posts with `conversations.send_to_conversation` (a new message, not a reply
to the continuation activity's random id) and never raises — CloudAdapter would hand an
exception to `on_turn_error`, which answers users with an apology message. msrest's own urllib3
retry policy (3 connect/read retries, backoff 0.8 s, 5xx) is replaced by "no retries" on that
client: with urllib3 2 its POST whitelist is silently ignored anyway, but the connect retries
would still sleep in an executor thread behind the limiter's back. All retrying happens here.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import requests
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from urllib3 import Retry

from bot.services import outbox as outbox_service
from bot.teams.conversations import reference_from_json
from bot.teams.rate_limit import (
    DEFAULT_MARGIN_SECONDS,
    TEAMS_APP_LIMITS,
    TEAMS_CONVERSATION_LIMITS,
    TeamsRateLimiter,
)
from storage import outbox as repository
from storage.db import transaction
from storage.models import Person
from storage.outbox_tables import OutboxMessage, OutboxState

log = logging.getLogger(__name__)

# msrest builds a retry policy for every connector client, i.e. for every proactive send, and
# does it with `[i for i in range(999) if i not in <list of ~500 codes>]`: about 4 ms of pure
# CPU on the event loop per message, which alone capped a fan-out near 30 messages a second.
# A frozenset gives the same membership answers in O(1). (msrest 0.7.1 is final; if a later
# version changes the attribute this is a no-op.)
if isinstance(getattr(ClientRetryPolicy, "safe_codes", None), list):
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
RETRYABLE_STATUSES = frozenset({401, 408, 412, 429, 500, 502, 503, 504})
AMBIGUOUS_STATUSES = frozenset({408, 500, 502, 504})
UNREACHABLE_STATUSES = frozenset({403, 404})


class OutboxConfig(BaseSettings):
    """Sender knobs; environment `SSU_OUTBOX_<NAME>` (or `.env`) overrides each default."""

    model_config = SettingsConfigDict(
        env_prefix="SSU_OUTBOX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    lease_seconds: float = Field(default=30.0, gt=0)
    """How long a claim lasts unless renewed (renewed every third of it while waiting)."""
    send_timeout_seconds: float = Field(default=15.0, gt=0)
    """Read/connect timeout of one POST; the `sending` lease covers it plus `lease_seconds`."""
    max_in_flight: int = Field(default=100, ge=1)
    """Rows one sender holds at once (claimed, waiting for a slot, or on the wire)."""
    claim_batch: int = Field(default=25, ge=1)
    max_attempts: int = Field(default=60, ge=1)
    """A message still failing after this many attempts is `failed`. With the backoff below the
    attempts span 9–18 minutes, so a connector outage shorter than that loses nothing."""
    backoff_base_seconds: float = Field(default=1.0, gt=0)
    backoff_cap_seconds: float = Field(default=20.0, gt=0)
    """The longest wait between two attempts of a message (without Retry-After): after an outage
    every message goes out within this much of the recovery. (It was 300 s with 12 attempts —
    the same 9–18-minute span — but a one-minute outage then took another minute to recover
    from, and a long one five.)"""
    linger_seconds: float = Field(default=2.0, ge=0)
    """A sweep with nothing to do waits this long for retries coming due before it returns."""
    resend_in_doubt: bool = True
    app_rate_per_second: int = Field(default=TEAMS_APP_LIMITS[0][0], ge=1)
    """Lower it to 50 ÷ replicas when several replicas send for one bot registration."""
    rate_margin_seconds: float = Field(default=DEFAULT_MARGIN_SECONDS, ge=0)
    """Added to every rate window: covers the spread of grant-to-arrival delays."""
    send_lead_seconds: float = Field(default=0.05, ge=0)
    """A rate-limit slot is granted this early, so the `sending` commit fits before the slot."""
    sweep_interval_seconds: float = Field(default=5.0, gt=0)


# -- errors ---------------------------------------------------------------------------------------


class Outcome(StrEnum):
    RETRY = "retry"
    UNREACHABLE = "unreachable"
    PERMANENT = "permanent"


class DeliveryError(Exception):
    """A send that did not succeed, classified for the retry policy."""

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status
        self.retry_after = retry_after
        self.ambiguous = ambiguous
        """True when the connector may have accepted the activity anyway."""


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify(error: BaseException) -> DeliveryError:
    """Map what botframework-connector raises to a DeliveryError.

    The connector raises `ErrorResponseException` (an msrest `HttpOperationError`) with the
    `requests` response for any status but 200/201/202, and msrest `ClientRequestError` wrapping
    the `requests` exception when no response came.
    """
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, HttpOperationError):
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        text = f"HTTP {status}: {error}"[:500]
        if not isinstance(status, int):
            return DeliveryError(Outcome.RETRY, text, ambiguous=True)
        if status in UNREACHABLE_STATUSES:
            return DeliveryError(Outcome.UNREACHABLE, text, status=status)
        if status in RETRYABLE_STATUSES:
            return DeliveryError(
                Outcome.RETRY,
                text,
                status=status,
                retry_after=parse_retry_after(headers.get("Retry-After")),
                ambiguous=status in AMBIGUOUS_STATUSES,
            )
        return DeliveryError(Outcome.PERMANENT, text, status=status)
    if isinstance(error, ClientRequestError):
        # msrest raises it inside the `except` for the requests error: the cause is __context__.
        inner = error.inner_exception or error.__cause__ or error.__context__
        described = f"{error} {inner!r}"
        never_sent = isinstance(inner, requests.exceptions.ConnectTimeout) or (
            "NewConnectionError" in described or "ConnectTimeout" in described
        )
        return DeliveryError(
            Outcome.RETRY, f"no response: {inner or error}"[:500], ambiguous=not never_sent
        )
    return DeliveryError(Outcome.RETRY, f"{type(error).__name__}: {error}"[:500], ambiguous=True)


# -- transport ------------------------------------------------------------------------------------


class Transport(Protocol):
    async def send(self, reference_json: str, payload: dict[str, Any]) -> str | None:
        """Post one message; return the activity id Teams assigned. Raises DeliveryError."""


def build_activity(payload: dict[str, Any]) -> Activity:
    """Outbox payload → message activity; `notification.alert` puts it in the activity feed."""
    attachments = None
    card = payload.get("card")
    if card:
        attachments = [Attachment(content_type=CARD_CONTENT_TYPE, content=card)]
    return Activity(
        type=ActivityTypes.message,
        text=payload.get("text"),
        summary=payload.get("summary"),
        attachments=attachments,
        channel_data={"notification": {"alert": True}},
    )


_NO_RETRIES = Retry(
    total=0, read=False, redirect=0, raise_on_status=False, respect_retry_after_header=False
)


def _no_transport_retries(client: Any) -> None:
    """One retry policy, ours: none in urllib3 (it would sleep in an executor thread).

    msrest mounts its urllib3 `Retry` on the `requests.Session` its HTTP driver creates when the
    client is built, so the policy object must be changed on that session's adapters, not only
    in the configuration (which covers sessions created later, one per executor thread).
    """
    config = getattr(client, "config", None)
    policy = getattr(config, "retry_policy", None)
    if policy is not None:
        policy.policy = _NO_RETRIES
    sender = getattr(getattr(config, "pipeline", None), "_sender", None)
    session = getattr(getattr(sender, "driver", None), "session", None)
    adapters = getattr(session, "adapters", None)
    if not adapters:
        log.warning("could not switch off msrest's transport retries (unknown client layout)")
        return
    for adapter in adapters.values():
        adapter.max_retries = _NO_RETRIES


class BotFrameworkTransport:
    """Proactive sends through the CloudAdapter, with the stored conversation reference."""

    def __init__(self, adapter: BotAdapter, *, app_id: str, timeout: float) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._timeout = timeout

    async def send(self, reference_json: str, payload: dict[str, Any]) -> str | None:
        reference: ConversationReference = reference_from_json(reference_json)
        if reference.conversation is None or not reference.conversation.id:
            raise DeliveryError(Outcome.UNREACHABLE, "stored reference has no conversation")
        activity = build_activity(payload)
        outcome: dict[str, Any] = {}
        timeout = self._timeout

        async def callback(turn_context: TurnContext) -> None:
            # Must not raise: CloudAdapter would pass the error to on_turn_error (an apology
            # message to the user). Record it and re-raise outside the pipeline instead.
            try:
                client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
                if client is None:
                    raise DeliveryError(Outcome.RETRY, "adapter gave no connector client")
                _no_transport_retries(client)
                TurnContext.apply_conversation_reference(activity, reference)
                activity.reply_to_id = None
                response = await client.conversations.send_to_conversation(
                    reference.conversation.id, activity, timeout=timeout
                )
                outcome["id"] = getattr(response, "id", None)
            except Exception as error:
                outcome["error"] = error

        try:
            await self._adapter.continue_conversation(reference, callback, self._app_id)
        except Exception as error:  # credentials or connector set-up; nothing was posted
            raise DeliveryError(Outcome.RETRY, f"before sending: {error}"[:500]) from error
        if "error" in outcome:
            raise classify(outcome["error"]) from outcome["error"]
        activity_id = outcome.get("id")
        return str(activity_id) if activity_id else None


# -- the sender -----------------------------------------------------------------------------------


@dataclass(slots=True)
class SweepReport:
    sent: int = 0
    retried: int = 0
    dropped: int = 0
    unreachable: int = 0
    failed: int = 0
    in_doubt: int = 0
    """Rows found in `sending` with an expired lease (crash or stall mid-request)."""
    lost_lease: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class _Job:
    """What one delivery needs, read in the claim transaction."""

    row_id: int
    kind: str
    subject: str
    payload: dict[str, Any]
    attempts: int
    expires_at: datetime
    in_doubt: bool
    person_id: int | None
    conversation_id: str | None
    reference_json: str | None
    person_unreachable: bool = False
    skip: tuple[OutboxState, str] | None = None
    sending: bool = False


Now = Callable[[], datetime]
_T = TypeVar("_T")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class OutboxSender:
    """Sweeps the outbox: claims due rows and delivers them concurrently through the limiter."""

    sessions: async_sessionmaker[AsyncSession]
    transport: Transport
    config: OutboxConfig = field(default_factory=OutboxConfig)
    limiter: TeamsRateLimiter | None = None
    owner: str = field(default_factory=default_owner)
    rng: random.Random = field(default_factory=random.Random)
    clock: Now = _utcnow

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = TeamsRateLimiter(
                conversation_limits=TEAMS_CONVERSATION_LIMITS,
                app_limits=((self.config.app_rate_per_second, 1.0),),
                margin=self.config.rate_margin_seconds,
            )
        self._sweep_lock = asyncio.Lock()
        self._kicked = asyncio.Event()
        self._closing = False
        self._active: dict[asyncio.Task[None], _Job] = {}
        self._pending_writes: list[
            tuple[Callable[[AsyncSession], Awaitable[Any]], asyncio.Future[Any]]
        ] = []
        self._writer: asyncio.Task[None] | None = None
        bind = self.sessions.kw.get("bind")
        self._write_lock: asyncio.Lock | None = (
            asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        )

    async def _group_commit(self, operation: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
        """Run `operation` in the next shared transaction; return once that has committed.

        Why: the `sending` and `sent` marks must each be committed before the sender moves on
        (before the POST, and as soon as it succeeded), but they need not each have a commit of
        their own. Marks that arrive while a commit is running are committed together in the
        next one — group commit — so at 50 messages a second SQLite does a few commits a
        second instead of a hundred, and no mark waits behind a queue of single commits.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending_writes.append((operation, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        result: _T = await future
        return result

    async def _write_batches(self) -> None:
        while self._pending_writes:
            batch, self._pending_writes = self._pending_writes, []
            try:
                async with self._transaction() as session:
                    results = [await operation(session) for operation, _ in batch]
            except Exception:
                log.warning("outbox group commit failed; committing one by one", exc_info=True)
                for operation, future in batch:
                    try:
                        async with self._transaction() as session:
                            result = await operation(session)
                    except Exception as error:
                        if not future.done():
                            future.set_exception(error)
                    else:
                        if not future.done():
                            future.set_result(result)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work; on SQLite the sender's own transactions queue here, in-process.

        Why: SQLite allows one writer, and storage/db.py begins every transaction IMMEDIATE. A
        hundred delivery tasks would otherwise meet in SQLite's busy handler, which sleeps in
        steps of up to 100 ms — at 50 messages a second that, not Teams, set the pace.
        """
        if self._write_lock is None:
            async with transaction(self.sessions) as session:
                yield session
            return
        async with self._write_lock, transaction(self.sessions) as session:
            yield session

    @property
    def sweeping(self) -> bool:
        return self._sweep_lock.locked()

    def kick(self) -> None:
        """New rows were committed: a running sweep looks again instead of lingering."""
        self._kicked.set()

    # -- the sweep --------------------------------------------------------------------------------

    async def sweep(self, now: datetime | None = None) -> SweepReport:
        """Expire, then deliver everything due, until nothing is due (or soon due).

        With `now` given the sweep runs in that frozen instant (tests): it delivers what is due
        at `now`, schedules retries after it, and returns without lingering.
        """
        report = SweepReport()
        if self._closing:
            return report
        current: Now = (lambda: now) if now is not None else self.clock
        async with self._sweep_lock:
            self._kicked.clear()
            await self._expire(current(), report)
            last_renewal = time.monotonic()
            while not self._closing:
                free = self.config.max_in_flight - len(self._active)
                settled = False
                if free > 0 and (free >= self.config.claim_batch or not self._active):
                    jobs, settled = await self._claim(current(), free, report)
                    for job in jobs:
                        task = asyncio.create_task(self._deliver(job, current, report))
                        self._active[task] = job
                if not self._active:
                    if settled:  # rows finished at claim time may have enqueued notices
                        continue
                    if now is not None or not await self._linger(current()):
                        break
                    continue
                done, _ = await asyncio.wait(
                    self._active,
                    timeout=self.config.lease_seconds / 3,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in done:
                    job = self._active.pop(task)
                    if not task.cancelled() and task.exception() is not None:
                        log.error(
                            "outbox delivery crashed",
                            exc_info=task.exception(),
                            extra={"outbox_id": job.row_id, "kind": job.kind},
                        )
                if time.monotonic() - last_renewal >= self.config.lease_seconds / 3:
                    await self._renew(current())
                    last_renewal = time.monotonic()
        if any(report.as_dict().values()):
            log.info("outbox sweep done", extra=report.as_dict())
        return report

    async def _linger(self, now: datetime) -> bool:
        """Wait for a retry coming due soon, or a kick; False when there is nothing to wait for."""
        if self._kicked.is_set():
            self._kicked.clear()
            return True
        async with self._transaction() as session:
            due = await repository.next_due(session, now=now)
        if due is None:
            return False
        wait = (due - now).total_seconds()
        if wait > self.config.linger_seconds:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._kicked.wait(), max(0.0, wait) + 0.01)
        self._kicked.clear()
        return True

    async def _expire(self, now: datetime, report: SweepReport) -> None:
        async with self._transaction() as session:
            rows = await repository.expire(session, now=now)
        for row in rows:
            report.dropped += 1
            log.warning(
                "outbox message dropped: its deadline passed before it could be sent",
                extra={
                    "outbox_id": row.id,
                    "kind": row.kind,
                    "subject": row.subject,
                    "recipient_person_id": row.recipient_person_id,
                    "conversation_id": row.conversation_id,
                    "expires_at": row.expires_at.isoformat(),
                    "attempts": row.attempts,
                },
            )

    async def _claim(
        self, now: datetime, limit: int, report: SweepReport
    ) -> tuple[list[_Job], bool]:
        """Lease rows and read what their delivery needs, in one transaction.

        Returns the jobs to deliver, and whether some claimed rows were settled on the spot
        (dropped, unreachable, failed) — then the sweep claims again at once.
        """
        jobs: list[_Job] = []
        notified = False
        settled = False
        # A row whose delivery still runs here (its `sent` mark waiting for the database) can
        # look in doubt; claiming it renews our lease, and it is not delivered a second time.
        active = {job.row_id for job in self._active.values()}
        async with self._transaction() as session:
            rows = await repository.claim(
                session,
                owner=self.owner,
                now=now,
                lease_until=now + timedelta(seconds=self.config.lease_seconds),
                limit=limit,
            )
            targets = await repository.targets_for(session, rows)
            for row in rows:
                if row.id in active:
                    continue
                job = self._prepare(row, targets)
                if job.skip is None:
                    jobs.append(job)
                    continue
                state, reason = job.skip
                settled = True
                await repository.finish(
                    session, row_id=job.row_id, owner=self.owner, now=now, state=state, error=reason
                )
                if state == OutboxState.UNREACHABLE:
                    report.unreachable += 1
                    notified |= await self._mark_unreachable(session, job, reason, now)
                elif state == OutboxState.FAILED:
                    report.failed += 1
                else:
                    report.dropped += 1
                log.info(
                    "outbox message not sent",
                    extra={"outbox_id": job.row_id, "state": state.value, "reason": reason},
                )
        if notified:
            self.kick()
        for job in jobs:
            if job.in_doubt:
                report.in_doubt += 1
                log.warning(
                    "outbox message in doubt: its sender stopped mid-request; "
                    + ("sending again" if self.config.resend_in_doubt else "not resending"),
                    extra={"outbox_id": job.row_id, "kind": job.kind, "attempts": job.attempts},
                )
        return jobs, settled

    def _prepare(self, row: OutboxMessage, targets: repository.Targets) -> _Job:
        assert row.id is not None
        job = _Job(
            row_id=row.id,
            kind=row.kind,
            subject=row.subject,
            payload=dict(row.payload),
            attempts=row.attempts,
            expires_at=row.expires_at,
            in_doubt=row.state == OutboxState.SENDING.value,
            person_id=row.recipient_person_id,
            conversation_id=row.conversation_id,
            reference_json=None,
        )
        if job.in_doubt and not self.config.resend_in_doubt:
            job.skip = (OutboxState.FAILED, "in doubt: may have been delivered; not resent")
            return job
        if row.recipient_person_id is not None:
            person = targets.people.get(row.recipient_person_id)
            if person is None:
                job.skip = (OutboxState.FAILED, "recipient no longer exists")
                return job
            job.person_unreachable = person.unreachable
            if not row.mandatory and not person.reminders_enabled:
                job.skip = (OutboxState.DROPPED, "recipient turned reminders off")
                return job
            reference = targets.personal.get(row.recipient_person_id)
            if reference is None:
                job.skip = (
                    OutboxState.UNREACHABLE,
                    "no personal chat with the bot (app not installed)",
                )
                return job
            job.conversation_id = reference.conversation_id
            job.reference_json = reference.reference_json
        else:
            assert row.conversation_id is not None
            reference = targets.conversations.get(row.conversation_id)
            if reference is None or not reference.installed:
                job.skip = (OutboxState.UNREACHABLE, "the bot is not in that conversation")
                return job
            job.reference_json = reference.reference_json
        return job

    async def _renew(self, now: datetime) -> None:
        waiting = [job.row_id for job in self._active.values() if not job.sending]
        if not waiting:
            return
        async with self._transaction() as session:
            await repository.renew(
                session,
                owner=self.owner,
                ids=waiting,
                lease_until=now + timedelta(seconds=self.config.lease_seconds),
            )

    # -- one delivery -----------------------------------------------------------------------------

    async def _deliver(self, job: _Job, current: Now, report: SweepReport) -> None:
        assert self.limiter is not None and job.conversation_id is not None
        assert job.reference_json is not None
        slot = await self.limiter.acquire(job.conversation_id, lead=self.config.send_lead_seconds)
        job.sending = True
        now = current()
        lease_until = now + timedelta(
            seconds=self.config.send_timeout_seconds + self.config.lease_seconds
        )
        owned = await self._group_commit(
            lambda session: repository.mark_sending(
                session, row_id=job.row_id, owner=self.owner, now=now, lease_until=lease_until
            )
        )
        if not owned:
            report.lost_lease += 1
            log.warning(
                "outbox message not sent: lease lost or deadline passed while waiting",
                extra={"outbox_id": job.row_id, "kind": job.kind},
            )
            return
        await self.limiter.wait_until(slot)
        started = time.monotonic()
        try:
            activity_id = await self.transport.send(job.reference_json, job.payload)
        except DeliveryError as error:
            await self._failed(job, error, current(), report)
            return
        except Exception as error:
            await self._failed(job, classify(error), current(), report)
            return
        done = current()

        async def record_sent(session: AsyncSession) -> bool:
            kept = await repository.mark_sent(
                session, row_id=job.row_id, owner=self.owner, now=done, activity_id=activity_id
            )
            if job.person_unreachable and job.person_id is not None:
                person = await session.get(Person, job.person_id)
                if person is not None and person.unreachable:
                    person.unreachable = False  # reachable again: the next failure tells anew
                    session.add(person)
            return kept

        kept = await self._record_delivered(record_sent, job)
        report.sent += 1
        if not kept:
            log.error(
                "outbox message sent after its lease was taken over: it may be duplicated",
                extra={"outbox_id": job.row_id, "kind": job.kind},
            )
        log.debug(
            "outbox message sent",
            extra={
                "outbox_id": job.row_id,
                "kind": job.kind,
                "activity_id": activity_id,
                "attempt": job.attempts + 1,
                "ms": round((time.monotonic() - started) * 1000),
            },
        )

    async def _record_delivered(
        self, operation: Callable[[AsyncSession], Awaitable[bool]], job: _Job
    ) -> bool:
        """Commit the `sent` mark of a message Teams accepted, waiting out a database outage.

        Why: until it is committed the row stays `sending`, and once its lease runs out it is in
        doubt and sent again — a duplicate, since this POST did arrive. So the mark is retried
        (0.1 s, doubling to 5 s) for as long as the sender runs; this process's sweeps meanwhile
        leave the row alone (`_claim`). Only a shutdown ends the wait, leaving the row in doubt.
        """
        delay = 0.1
        while True:
            try:
                return await self._group_commit(operation)
            except Exception as error:
                if self._closing:
                    log.error(
                        "outbox message delivered but not recorded before shutdown: in doubt",
                        extra={"outbox_id": job.row_id, "kind": job.kind, "error": repr(error)},
                    )
                    raise
                log.warning(
                    "outbox message delivered; recording it failed, retrying",
                    extra={"outbox_id": job.row_id, "retry_in": delay, "error": repr(error)},
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, capped."""
        ceiling = min(
            self.config.backoff_cap_seconds,
            self.config.backoff_base_seconds * 2.0 ** max(0, attempt - 1),
        )
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    async def _failed(
        self, job: _Job, error: DeliveryError, now: datetime, report: SweepReport
    ) -> None:
        attempt = job.attempts + 1
        context = {
            "outbox_id": job.row_id,
            "kind": job.kind,
            "status": error.status,
            "attempt": attempt,
            "error": str(error)[:300],
        }
        final: OutboxState | None = None
        notified = False
        delay = 0.0
        if error.outcome == Outcome.UNREACHABLE:
            final = OutboxState.UNREACHABLE
        elif (
            (error.ambiguous and not self.config.resend_in_doubt)
            or error.outcome == Outcome.PERMANENT
            or attempt >= self.config.max_attempts
        ):
            final = OutboxState.FAILED
        else:
            delay = error.retry_after if error.retry_after is not None else self.backoff(attempt)
        async with self._transaction() as session:
            if final is None:
                await repository.release(
                    session,
                    row_id=job.row_id,
                    owner=self.owner,
                    now=now,
                    next_attempt_at=now + timedelta(seconds=delay),
                    error=str(error),
                )
            else:
                await repository.finish(
                    session,
                    row_id=job.row_id,
                    owner=self.owner,
                    now=now,
                    state=final,
                    error=str(error),
                )
                if final == OutboxState.UNREACHABLE:
                    notified = await self._mark_unreachable(session, job, str(error), now)
        if notified:
            self.kick()
        if final == OutboxState.UNREACHABLE:
            report.unreachable += 1
            log.warning("outbox recipient unreachable", extra=context)
            return
        if final == OutboxState.FAILED:
            report.failed += 1
            log.error("outbox message failed", extra=context)
            return
        if error.status == 429 and self.limiter is not None:
            self.limiter.penalize(job.conversation_id, delay)
        report.retried += 1
        level = logging.WARNING if error.ambiguous else logging.INFO
        message = "outbox send failed; retrying" + (
            " (the first attempt may have been delivered)" if error.ambiguous else ""
        )
        log.log(level, message, extra={**context, "retry_in": round(delay, 3)})

    async def _mark_unreachable(
        self, session: AsyncSession, job: _Job, reason: str, now: datetime
    ) -> bool:
        """Flag the person and tell the secretariat (not about the secretariat's own notices).

        Returns whether notices were enqueued (the caller kicks the sweep after committing).
        """
        person = None
        if job.person_id is not None:
            person = await session.get(Person, job.person_id)
            if person is not None and not person.unreachable:
                person.unreachable = True
                session.add(person)
        log.warning(
            "recipient could not be reached",
            extra={"outbox_id": job.row_id, "person": job.person_id, "reason": reason[:200]},
        )
        if job.kind == outbox_service.UNREACHABLE_NOTICE:
            return False
        notices = await outbox_service.notify_unreachable(
            session,
            person=person,
            conversation_id=job.conversation_id if person is None else None,
            what=f"{job.kind}: {job.subject}",
            now=now,
        )
        return notices > 0

    # -- shutdown ---------------------------------------------------------------------------------

    async def close(self, grace: float | None = None) -> None:
        """Stop claiming; let requests on the wire finish; hand back rows not yet sent."""
        self._closing = True
        self._kicked.set()
        waiting = [task for task, job in self._active.items() if not job.sending]
        for task in waiting:
            task.cancel()
        on_wire = [task for task, job in self._active.items() if job.sending]
        limit = grace if grace is not None else self.config.send_timeout_seconds + 5
        if on_wire:
            await asyncio.wait(on_wire, timeout=limit)
        if waiting:
            await asyncio.gather(*waiting, return_exceptions=True)
        with contextlib.suppress(Exception):
            async with self._transaction() as session:
                released = await repository.release_unsent(
                    session, owner=self.owner, now=self.clock()
                )
            if released:
                log.info("outbox rows handed back on shutdown", extra={"rows": released})
