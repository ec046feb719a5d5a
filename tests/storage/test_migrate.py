"""A start on a database already at the heads skips Alembic; anything else still runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import migrate
from storage.db import create_engine


def _alembic_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = command.upgrade

    def recording(config: object, revision: str, **kwargs: object) -> None:
        calls.append(revision)
        real(config, revision, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(command, "upgrade", recording)
    return calls


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.script_heads() == frozenset(script.get_heads(consider_depends_on=True))


async def test_a_database_at_the_heads_is_not_migrated_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _alembic_calls(monkeypatch)
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert calls == []
    assert await migrate.database_revisions(database_url) == migrate.script_heads()


async def test_a_database_behind_the_heads_is_migrated_by_alembic(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    heads = migrate.script_heads()
    assert heads is not None
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # pretend one branch's last step is missing
            await connection.execute(
                text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": min(heads)}
            )
    finally:
        await engine.dispose()
    calls = _alembic_calls(monkeypatch)
    with pytest.raises(DBAPIError):  # its tables exist already: Alembic did try to create them
        await asyncio.to_thread(migrate.upgrade, database_url)
    assert calls == ["heads"]


async def test_an_empty_database_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    calls = _alembic_calls(monkeypatch)
    await asyncio.to_thread(migrate.upgrade, url)
    assert calls == ["heads"]
    assert await migrate.database_revisions(url) == migrate.script_heads()


def test_an_explicit_revision_always_goes_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ssu.db'}"
    migrate.upgrade(url)
    calls = _alembic_calls(monkeypatch)
    migrate.upgrade(url, "0001")
    assert calls == ["0001"]


def _script(directory: Path, name: str, body: str) -> None:
    (directory / f"{name}.py").write_text(f'"""{name}"""\n{body}\n', encoding="utf-8")


def test_heads_of_a_branched_and_merged_history(tmp_path: Path) -> None:
    _script(tmp_path, "a", 'revision: str = "a"\ndown_revision = None')
    _script(tmp_path, "b", 'revision = "b"\ndown_revision: str | None = "a"')
    _script(tmp_path, "c", 'revision = "c"\ndown_revision = "a"')
    assert migrate.script_heads(tmp_path) == {"b", "c"}
    _script(tmp_path, "d", 'revision = "d"\ndown_revision = "b"\ndepends_on = ("c",)')
    assert migrate.script_heads(tmp_path) == {"d"}  # what alembic_version holds after it
    _script(tmp_path, "e", 'revision = "e"\ndown_revision = ("d", "c")')
    assert migrate.script_heads(tmp_path) == {"e"}


@pytest.mark.parametrize(
    "body",
    [
        'revision = "b"\ndown_revision = "a"\ndepends_on = "label@x"',
        'revision = "b"\ndown_revision = "a"\nbranch_labels = ("x",)',
        'revision = "b"\ndown_revision = OTHER',
        'revision = "b"',
        'revision = "b"\ndown_revision = "missing"',
        'revision = "a"\ndown_revision = None',
        "this is not python",
    ],
    ids=[
        "depends_on-unknown",
        "branch_labels",
        "computed",
        "no-down-revision",
        "unknown-parent",
        "duplicate",
        "syntax",
    ],
)
def test_scripts_not_in_the_plain_form_leave_the_decision_to_alembic(
    tmp_path: Path, body: str
) -> None:
    _script(tmp_path, "a", 'revision = "a"\ndown_revision = None')
    _script(tmp_path, "b", body)
    assert migrate.script_heads(tmp_path) is None
