"""Schema changes only through Alembic; `ssu-bot migrate` and `serve` call `upgrade`.

A start on a database that is already at the scripts' heads (every restart) skips Alembic: the
heads are read from the migration files' ``revision``/``down_revision`` assignments (``ast``, no
import) and compared with the database's ``alembic_version`` rows. Only when they differ (or
anything is unclear) does Alembic run, with the PostgreSQL advisory lock in env.py, and it
re-checks under the lock: replicas starting together still migrate once. Alembic itself is
imported only then — importing it and running env.py costs ~0.15 s of a start.
"""

from __future__ import annotations

import ast
import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Blocking: call from a thread when an event loop is running (Alembic starts its own)."""
    if revision in ("head", "heads") and _at_heads(url):
        log.info("database already at the migrations' heads", extra={"revision": revision})
        return
    from alembic import command

    log.info("migrating database", extra={"revision": revision})
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)


def script_heads(versions: Path = MIGRATIONS_DIR / "versions") -> frozenset[str] | None:
    """What ``alembic_version`` holds after a full upgrade: the revisions that no other revision
    names as its ``down_revision`` or in its ``depends_on`` (Alembic's ``get_heads`` with
    ``consider_depends_on``). Read without importing the scripts; None when a script is not in
    the plain form (then only Alembic can tell)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted(versions.glob("*.py")):
        values = _literal_assignments(script)
        if values is None:
            return None
        own = values.get("revision")
        if not isinstance(own, str) or own in revisions or values.get("branch_labels"):
            return None
        for name in ("down_revision", "depends_on"):
            if name not in values and name == "depends_on":
                continue
            named = _revision_names(values.get(name, _UNREADABLE))
            if named is None:
                return None
            parents.update(named)
        revisions.add(own)
    if not revisions or not parents <= revisions:
        return None
    return frozenset(revisions - parents)


_UNREADABLE = object()


def _literal_assignments(script: Path) -> dict[str, object] | None:
    """The module-level ``name = literal`` assignments of a script (others map to _UNREADABLE)."""
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    except (OSError, SyntaxError, ValueError):
        return None
    values: dict[str, object] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                values[target.id] = _UNREADABLE
    return values


def _revision_names(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


async def database_revisions(url: str) -> frozenset[str] | None:
    """The rows of ``alembic_version``; None when there is no such table (an empty database)
    or the database cannot be read."""
    from storage.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)
    except Exception as error:  # no table yet, or any doubt: Alembic decides
        log.debug("no migration state read", extra={"error": type(error).__name__})
        return None
    finally:
        await engine.dispose()


def _at_heads(url: str) -> bool:
    heads = script_heads()
    if heads is None:
        return False
    current = asyncio.run(database_revisions(url))
    return current == heads
