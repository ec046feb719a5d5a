"""`ssu-bot verify-protocol ID`: exit 0 when the audit chain, the version hashes, the signatures
and the archived signed PDF hold; exit 2 with a one-line reason when a row or the file was edited.
On both backends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli import main
from bot.graph.documents import LocalDocuments
from bot.services.protocol import Signed
from storage.db import transaction
from tests.bot.services.test_protocol import (
    DEPUTY_LEADER,
    LEADER,
    FakeStore,
    published,
    sign,
)
from tests.conftest import load_demo_roster

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def demo(
    sessions: Sessions, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Sessions:
    await load_demo_roster(sessions)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SSU_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GRAPH_TENANT_ID", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    # main() configures logging on the stream of the moment; pytest closes it after the test
    monkeypatch.setattr("bot.cli.configure_logging", lambda _level: None)
    return sessions


async def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def signed_protocol(sessions: Sessions, tmp_path: Path) -> tuple[int, Path]:
    portal = LocalDocuments(tmp_path / "var" / "portal")
    protocol = await published(sessions, FakeStore())
    for who in (LEADER, DEPUTY_LEADER):
        result = await sign(sessions, who, protocol, store=portal)  # type: ignore[arg-type]
        assert isinstance(result, Signed)
    pdf = tmp_path / "var" / "portal" / "protokoller/2026/2026-05-21-SSU-protokoll-v1-signert.pdf"
    assert pdf.is_file()
    return protocol.id, pdf


async def test_an_intact_protocol_verifies(
    demo: Sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protocol_id, _pdf = await signed_protocol(demo, tmp_path)
    code, out, err = await run(capsys, "verify-protocol", str(protocol_id))
    assert (code, err) == (0, "")
    assert out.startswith(f"OK protocol {protocol_id}: 1 version(s), 2 signature(s) in force")


async def test_an_edited_version_row_is_detected(
    demo: Sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protocol_id, _pdf = await signed_protocol(demo, tmp_path)
    async with transaction(demo) as session:
        await session.exec(  # type: ignore[call-overload]
            text("UPDATE protocol_version SET text = replace(text, 'Hilde', 'Hilda')")
        )
    code, out, err = await run(capsys, "verify-protocol", str(protocol_id))
    assert (code, out) == (2, "")
    assert err == (f"ssu-bot: protocol {protocol_id}: version 1: text does not match its hash\n")


async def test_an_edited_signature_row_is_detected(
    demo: Sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protocol_id, _pdf = await signed_protocol(demo, tmp_path)
    async with transaction(demo) as session:
        await session.exec(  # type: ignore[call-overload]
            text("UPDATE protocol_signature SET person_id = person_id + 1 WHERE slot = 'leader'")
        )
    code, _out, err = await run(capsys, "verify-protocol", str(protocol_id))
    assert code == 2 and "not as in the audit log" in err and err.count("\n") == 1


async def test_a_changed_signed_pdf_is_detected(
    demo: Sessions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protocol_id, pdf = await signed_protocol(demo, tmp_path)
    pdf.write_bytes(pdf.read_bytes() + b"%")
    code, _out, err = await run(capsys, "verify-protocol", str(protocol_id))
    assert code == 2
    assert err == f"ssu-bot: protocol {protocol_id}: the archived signed PDF was changed\n"


async def test_an_unknown_protocol(demo: Sessions, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = await run(capsys, "verify-protocol", "777")
    assert code == 2 and err == "ssu-bot: protocol 777: no protocol 777\n"
