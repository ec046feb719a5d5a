"""`ssu-bot reminders --on DATE [--json]`: CONTRACT's JSON shape from the data, `sent` from the
outbox, a Norwegian table, nothing sent, and exit 2 with a one-line reason on a bad date."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, func, select, update

from bot.cli import DEMO_ROSTER, main
from bot.domain.calendar import OSLO
from bot.services.reminders import plan_reminders
from storage.db import create_engine, session_factory, transaction
from storage.outbox_tables import OutboxMessage

KEYS = {"kind", "due", "deadline", "subject", "recipients", "sent"}


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`main()` points the root logger at this test's captured stderr; put the handlers back so
    no later test logs into a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return url


@pytest.fixture
def demo(database: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The demo roster and `ssu-bot plan 2026 --apply`."""
    assert main(["import-members", str(DEMO_ROSTER)]) == 0
    assert main(["plan", "2026", "--apply"]) == 0
    capsys.readouterr()
    return database


async def _outbox(url: str, *, plan_at: datetime | None = None, mark_sent: bool = False) -> int:
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        if plan_at is not None:
            async with transaction(sessions) as session:
                await plan_reminders(session, plan_at)
        if mark_sent:
            async with transaction(sessions) as session:
                await session.exec(update(OutboxMessage).values(state="sent"))  # type: ignore[call-overload]
        async with sessions() as session:
            return int((await session.exec(select(func.count(col(OutboxMessage.id))))).one())
    finally:
        await engine.dispose()


def test_the_notice_day_as_json(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, _ = run(capsys, "reminders", "--on", "2026-11-12", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "kind": "notice",
            "due": "2026-11-12T09:00:00+01:00",
            "deadline": "2026-11-12T09:30:00+01:00",
            "subject": "SSU 2026-11-19",
            "recipients": [
                "eva.lindqvist@demo.ssu.example",
                "hilde.vang@demo.ssu.example",
                "martin.sorli@demo.ssu.example",
            ],
            "sent": False,
        }
    ]
    assert out.count("\n") == 1  # one JSON document, nothing else on stdout
    assert asyncio.run(_outbox(demo)) == 0  # sends (and enqueues) nothing


@pytest.mark.parametrize(
    ("day", "kinds"),
    [
        ("2026-10-22", ["case_submission"]),
        ("2026-10-28", ["case_submission"]),
        ("2026-11-09", ["notice"]),
        ("2026-11-18", ["meeting"]),
        ("2026-11-24", ["protocol"]),
        ("2026-04-17", ["notice", "notice", "budget"]),  # two dialogue meetings' notices
        ("2026-11-14", []),  # a Saturday
    ],
)
def test_every_item_has_the_contract_shape(
    capsys: pytest.CaptureFixture[str], demo: str, day: str, kinds: list[str]
) -> None:
    code, out, _ = run(capsys, "reminders", "--on", day, "--json")
    assert code == 0
    items = json.loads(out)
    assert [item["kind"] for item in items] == kinds
    for item in items:
        assert set(item) == KEYS
        due = datetime.fromisoformat(item["due"])
        assert due.date() == date.fromisoformat(day) and (due.hour, due.minute) == (9, 0)
        assert due.utcoffset() == due.astimezone(OSLO).utcoffset()
        if item["deadline"] is not None:
            assert datetime.fromisoformat(item["deadline"]) > due
        assert (
            item["subject"].startswith(("SSU ", "DIALOG ", "budget "))
            and day[:4] in item["subject"]
        )
        assert item["recipients"] == sorted(item["recipients"]) and item["recipients"]
        assert item["sent"] is False


def test_sent_comes_from_the_outbox(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    assert asyncio.run(_outbox(demo, plan_at=datetime(2026, 11, 12, 6, tzinfo=OSLO))) == 3
    [item] = json.loads(run(capsys, "reminders", "--on", "2026-11-12", "--json")[1])
    assert item["sent"] is False  # enqueued, not yet delivered
    asyncio.run(_outbox(demo, mark_sent=True))
    [item] = json.loads(run(capsys, "reminders", "--on", "2026-11-12", "--json")[1])
    assert item["sent"] is True


def test_the_human_table(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, _ = run(capsys, "reminders", "--on", "2026-11-12")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Påminnelser 12. november 2026 – 1 (tider i Europe/Oslo)"
    assert lines[2].split() == ["Kl.", "Type", "Gjelder", "Frist", "Mottakere", "Sendt"]
    assert lines[4].split() == [
        "09:00",
        "innkalling",
        "SSU",
        "2026-11-19",
        "12.11.2026",
        "09:30",
        "3",
        "nei",
    ]
    assert "eva.lindqvist@demo.ssu.example" in lines[5]
    code, out, _ = run(capsys, "reminders", "--on", "2026-11-14")
    assert code == 0 and "Ingen påminnelser denne dagen." in out


def test_an_empty_database_has_only_nothing(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(capsys, "reminders", "--on", "2026-11-12", "--json")
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.parametrize("bad", ["2026-13-01", "12.11.2026", "tomorrow", "", "2026-02-30"])
def test_a_bad_date_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], database: str, bad: str
) -> None:
    code, out, err = run(capsys, "reminders", "--on", bad, "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--on" in err and "YYYY-MM-DD" in err


def test_on_is_required(capsys: pytest.CaptureFixture[str], database: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["reminders", "--json"])
    assert exit_.value.code == 2
    assert "--on" in capsys.readouterr().err
