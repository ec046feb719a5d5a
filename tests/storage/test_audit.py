"""The audit log is append-only (enforced by the database) and hash-chained."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.db import transaction
from storage.models import AuditOutcome


async def _append(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    for i in range(n):
        async with transaction(sessions) as session:
            await audit.append(session, action="test.append", subject_id=i, detail={"i": i})


async def test_the_chain_verifies_after_appends(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _append(sessions, 5)
    async with sessions() as session:
        report = audit.verify_chain(await audit.all_entries(session))
    assert report.ok and report.checked == 5


async def test_the_database_refuses_to_update_an_audit_entry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _append(sessions, 1)
    with pytest.raises((DBAPIError, IntegrityError)):
        async with transaction(sessions) as session:
            await session.exec(text("UPDATE auditentry SET outcome = 'ok'"))  # type: ignore[call-overload]


async def test_the_database_refuses_to_delete_an_audit_entry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _append(sessions, 1)
    with pytest.raises((DBAPIError, IntegrityError)):
        async with transaction(sessions) as session:
            await session.exec(text("DELETE FROM auditentry"))  # type: ignore[call-overload]


async def test_an_edited_entry_breaks_the_chain(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _append(sessions, 3)
    async with sessions() as session:
        entries = await audit.all_entries(session)
    entries[1].detail = '{"i": 99}'
    report = audit.verify_chain(entries)
    assert not report.ok and report.first_bad_id == entries[1].id


async def test_concurrent_appends_never_fork_the_chain(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await asyncio.gather(*(_append(sessions, 5) for _ in range(4)))
    async with sessions() as session:
        entries = await audit.all_entries(session)
    assert len(entries) == 20
    assert audit.verify_chain(entries).ok


async def test_a_refusal_is_recorded_with_its_outcome(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await audit.append(
            session, action="case.triage", outcome=AuditOutcome.REFUSED, actor_person_id=7
        )
    async with sessions() as session:
        [entry] = await audit.all_entries(session)
    assert (entry.outcome, entry.actor_person_id) == ("refused", 7)
