"""Alembic environment: runs migrations over the async engine for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.registry  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.db import create_engine

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_POSTGRES_MIGRATION_LOCK = 0x55_53_55_4D  # "SSUM": one replica migrates, the others wait


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                await connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": _POSTGRES_MIGRATION_LOCK}
                )
                await connection.commit()
            try:
                await connection.run_sync(_run)
                await connection.commit()
            finally:
                if postgres:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": _POSTGRES_MIGRATION_LOCK}
                    )
                    await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_async(config.get_main_option("sqlalchemy.url") or ""))
