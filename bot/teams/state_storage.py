"""botbuilder `Storage` on the bot's database: state survives restarts and is shared by replicas."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import jsonpickle
from botbuilder.core import Storage, StoreItem
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import bot_state
from storage.db import transaction

log = logging.getLogger(__name__)


class DatabaseStorage(Storage):  # type: ignore[misc]
    """E-tags give optimistic concurrency: a stale write raises instead of overwriting."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            raise ValueError("keys must not be empty")
        async with transaction(self._sessions) as session:
            rows = await bot_state.read_many(session, keys=keys)
        items: dict[str, Any] = {}
        for key, row in rows.items():
            value = jsonpickle.decode(row.data)
            if isinstance(value, dict):
                value["e_tag"] = row.etag
            elif isinstance(value, StoreItem):
                value.e_tag = row.etag
            items[key] = value
        return items

    async def write(self, changes: Mapping[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes must not be None")
        async with transaction(self._sessions) as session:
            for key, value in changes.items():
                expected = _etag_of(value)
                document = _without_etag(value)
                etag = await bot_state.write_one(
                    session,
                    key=key,
                    data=jsonpickle.encode(document, unpicklable=True),
                    expected_etag=expected,
                )
                _set_etag(value, etag)

    async def delete(self, keys: list[str]) -> None:
        async with transaction(self._sessions) as session:
            await bot_state.delete_many(session, keys=keys)


def _etag_of(value: Any) -> str | None:
    etag = value.get("e_tag") if isinstance(value, dict) else getattr(value, "e_tag", None)
    return str(etag) if etag else None


def _without_etag(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "e_tag"}
    return value


def _set_etag(value: Any, etag: str) -> None:
    if isinstance(value, dict):
        value["e_tag"] = etag
    elif hasattr(value, "__dict__"):
        value.e_tag = etag
