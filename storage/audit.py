"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry, AuditOutcome, utcnow

GENESIS_HASH = "0" * 64
_POSTGRES_AUDIT_LOCK = 0x55_53_55_41  # "SSUA": serialises appends so the chain never forks


def _utc_text(moment: datetime) -> str:
    """SQLite hands datetimes back naive; the hash must not depend on the backend."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "at": _utc_text(entry.at),
            "actor_person_id": entry.actor_person_id,
            "actor_aad_id": entry.actor_aad_id,
            "action": entry.action,
            "outcome": entry.outcome,
            "subject_type": entry.subject_type,
            "subject_id": entry.subject_id,
            "detail": entry.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode("utf-8")).hexdigest()


async def append(
    session: AsyncSession,
    *,
    action: str,
    outcome: AuditOutcome = AuditOutcome.OK,
    actor_person_id: int | None = None,
    actor_aad_id: str | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one entry chained to the latest; commits with the caller's transaction."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        connection = await session.connection()
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_AUDIT_LOCK}
        )
    last = (
        await session.exec(select(AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1))
    ).first()
    prev_hash = last or GENESIS_HASH
    entry = AuditEntry(
        at=at or utcnow(),
        actor_person_id=actor_person_id,
        actor_aad_id=actor_aad_id,
        action=action,
        outcome=outcome.value,
        subject_type=subject_type,
        subject_id=str(subject_id),
        detail=json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = entry_hash(entry, prev_hash)
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(entries: Sequence[AuditEntry]) -> ChainReport:
    """Recompute every hash in id order; any edit, insertion or deletion breaks it."""
    prev = GENESIS_HASH
    for checked, entry in enumerate(entries):
        if entry.prev_hash != prev:
            return ChainReport(False, checked, entry.id, "prev_hash does not match")
        if entry_hash(entry, prev) != entry.hash:
            return ChainReport(False, checked, entry.id, "content does not match its hash")
        prev = entry.hash
    return ChainReport(True, len(entries))


async def all_entries(session: AsyncSession) -> list[AuditEntry]:
    return list((await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all())


async def entries_for(
    session: AsyncSession, *, subject_type: str, subject_id: str | int
) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == str(subject_id))
        .order_by(col(AuditEntry.id))
    )
    return list((await session.exec(query)).all())
