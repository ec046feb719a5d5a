"""Rows behind botbuilder's Storage: opaque JSON documents with an e-tag each."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import BotState, utcnow


class ETagConflict(Exception):
    """Someone else wrote the same state since it was read."""


def new_etag() -> str:
    return uuid.uuid4().hex


async def read_many(session: AsyncSession, *, keys: Iterable[str]) -> dict[str, BotState]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = (await session.exec(select(BotState).where(col(BotState.key).in_(wanted)))).all()
    return {row.key: row for row in rows}


async def write_one(
    session: AsyncSession, *, key: str, data: str, expected_etag: str | None
) -> str:
    """Write with optimistic concurrency; `expected_etag` None or "*" means last writer wins."""
    etag = new_etag()
    now = utcnow()
    if expected_etag not in (None, "*"):
        result = await (await session.connection()).execute(
            update(BotState)
            .where(col(BotState.key) == key, col(BotState.etag) == expected_etag)
            .values(data=data, etag=etag, updated_at=now)
        )
        if result.rowcount == 1:
            return etag
        if await session.get(BotState, key) is not None:
            raise ETagConflict(key)
    else:
        result = await (await session.connection()).execute(
            update(BotState)
            .where(col(BotState.key) == key)
            .values(data=data, etag=etag, updated_at=now)
        )
        if result.rowcount == 1:
            return etag
    try:
        async with session.begin_nested():
            session.add(BotState(key=key, data=data, etag=etag, updated_at=now))
    except IntegrityError as error:
        raise ETagConflict(key) from error
    return etag


async def delete_many(session: AsyncSession, *, keys: Iterable[str]) -> None:
    wanted = list(keys)
    if wanted:
        await (await session.connection()).execute(
            delete(BotState).where(col(BotState.key).in_(wanted))
        )
