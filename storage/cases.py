"""Queries on the case tables. No rules here: the service decides, this reads and writes."""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.case_tables import Case, CaseCounter


async def next_number(session: AsyncSession, *, year: int) -> int:
    """Hand out the year's next case number inside the caller's transaction.

    The counter row is created on the year's first case (``ON CONFLICT DO NOTHING``: a concurrent
    first submitter waits for the other's row instead of failing), then incremented with
    ``UPDATE … RETURNING``, which holds the row lock on PostgreSQL until the transaction ends
    (SQLite already runs the whole transaction under ``BEGIN IMMEDIATE``). If the transaction
    rolls back, so does the number: no gaps.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    connection = await session.connection()
    await connection.execute(
        insert(CaseCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    result = await connection.execute(
        update(CaseCounter)
        .where(col(CaseCounter.year) == year)
        .values(last_number=col(CaseCounter.last_number) + 1)
        .returning(col(CaseCounter.last_number))
    )
    return int(result.scalar_one())


async def add(session: AsyncSession, case: Case) -> Case:
    session.add(case)
    await session.flush()
    return case


async def get(session: AsyncSession, case_id: int, *, for_update: bool = False) -> Case | None:
    """The case, row-locked on PostgreSQL when it is about to change."""
    query = select(Case).where(Case.id == case_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def by_key(session: AsyncSession, key: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.submission_key == key))).first()


async def of_submitter(
    session: AsyncSession, *, person_id: int | None, aad_object_id: str | None, limit: int = 50
) -> list[Case]:
    """A person's cases, newest first: by roster person, or by AAD id for people not in it."""
    matches = []
    if person_id is not None:
        matches.append(col(Case.submitter_person_id) == person_id)
    if aad_object_id:
        matches.append(col(Case.submitter_aad_id) == aad_object_id)
    if not matches:
        return []
    query = (
        select(Case)
        .where(or_(*matches))
        .order_by(col(Case.year).desc(), col(Case.number).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def in_year(session: AsyncSession, *, year: int) -> list[Case]:
    query = select(Case).where(Case.year == year).order_by(col(Case.number))
    return list((await session.exec(query)).all())
