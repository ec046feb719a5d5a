"""`ssu-bot plan` and `ssu-bot deadlines`: CONTRACT's JSON shapes, idempotent --apply as the
system, a Norwegian table, and exit 2 with a one-line reason on bad input."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.cli import main
from storage import audit
from storage.db import create_engine, session_factory
from storage.meeting_tables import Meeting

PLAN_KEYS = {"body", "title", "start", "end", "online", "location", "moved_from", "deadlines"}


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


def test_plan_2026_json_has_the_contract_shape_and_the_seed_ssu_dates(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, err = run(capsys, "plan", "2026", "--json")
    assert code == 0 and err == ""
    plan = json.loads(out)
    assert all(set(item) == PLAN_KEYS for item in plan)
    assert all(set(item["deadlines"]) == {"case_submission", "notice", "protocol"} for item in plan)
    starts = [datetime.fromisoformat(item["start"]) for item in plan]
    assert starts == sorted(starts)
    ssu = [item for item in plan if item["body"] == "SSU"]
    assert [item["start"] for item in ssu] == [
        "2026-02-12T09:30:00+01:00",
        "2026-05-21T09:30:00+02:00",
        "2026-09-17T09:30:00+02:00",
        "2026-11-19T09:30:00+01:00",
    ]
    assert ssu[0]["title"] == "SSU-møte torsdag 12. februar 2026"
    assert ssu[0]["deadlines"] == {
        "case_submission": "2026-01-22T09:30:00+01:00",
        "notice": "2026-02-05T09:30:00+01:00",
        "protocol": "2026-02-19T14:30:00+01:00",
    }
    strategy = next(item for item in plan if item["body"] == "STRATEGY")
    assert (strategy["start"], strategy["end"]) == (
        "2026-03-11T12:00:00+01:00",
        "2026-03-12T12:00:00+01:00",
    )
    pa = next(item for item in plan if item["body"] == "PA")
    assert pa["start"] == "2026-06-11T09:00:00+02:00" and pa["online"] is True
    assert sum(item["body"] == "DIALOG" for item in plan) == 7
    assert {item["body"] for item in plan} == {"SSU", "STRATEGY", "PA", "DIALOG"}


def test_a_holiday_move_is_reported_as_moved_from(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(capsys, "plan", "2038", "--json")
    moved = [item for item in json.loads(out) if item["moved_from"]]
    assert code == 0
    assert [(m["moved_from"], m["start"][:10]) for m in moved] == [("2038-04-22", "2038-04-29")]


def test_plan_without_json_prints_a_norwegian_table(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(capsys, "plan", "2038")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "Møteplan 2038 – 13 møter (tider i Europe/Oslo)"
    assert lines[2].split() == [
        "Dato",
        "Tid",
        "Møte",
        "Sted",
        "Saksfrist",
        "Innkalling",
        "Protokoll",
    ]
    assert any(line.split()[:3] == ["tor.", "11.02.2038", "09:30–14:30"] for line in lines)
    assert any(line.split()[:2] == ["tor.", "29.04.2038*"] for line in lines)
    assert "* Flyttet fra tor. 22.04.2038 (Skjærtorsdag)." in lines


async def _meetings_and_audit(url: str) -> tuple[int, list[tuple[str, int | None, str]]]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            count = (await session.exec(select(func.count()).select_from(Meeting))).one()
            entries = [
                (e.action, e.actor_person_id, e.detail) for e in await audit.all_entries(session)
            ]
    finally:
        await engine.dispose()
    return int(count), entries


def test_apply_twice_creates_nothing_new_and_is_audited_as_the_system(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(capsys, "plan", "2027", "--apply")
    assert code == 0 and "Opprettet 13 nye møter; 0 fantes fra før." in out
    code, out, _ = run(capsys, "plan", "2027", "--apply", "--json")
    assert code == 0 and len(json.loads(out)) == 13
    count, entries = asyncio.run(_meetings_and_audit(database))
    assert count == 13
    applies = [
        (actor, json.loads(detail))
        for action, actor, detail in entries
        if action == "meeting.plan.apply"
    ]
    assert applies == [
        (None, {"created": 13, "existing": 0, "source": "cli"}),
        (None, {"created": 0, "existing": 13, "source": "cli"}),
    ]


def test_deadlines_json_is_the_deadlines_object_alone(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(
        capsys, "deadlines", "--body", "PA", "--start", "2026-06-11T09:00:00+02:00", "--json"
    )
    assert code == 0
    assert json.loads(out) == {
        "case_submission": "2026-05-07T09:00:00+02:00",
        "notice": "2026-05-21T09:00:00+02:00",
        "protocol": "2026-06-18T10:00:00+02:00",
    }


def test_deadlines_use_the_given_end_and_read_a_time_without_offset_as_oslo(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(
        capsys,
        "deadlines",
        "--body",
        "strategy",
        "--start",
        "2026-03-11T12:00",
        "--end",
        "2026-03-12T12:00",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["protocol"] == "2026-03-19T12:00:00+01:00"


def test_deadlines_without_json_print_norwegian_lines(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out, _ = run(capsys, "deadlines", "--body", "SSU", "--start", "2026-02-12T09:30+01:00")
    assert code == 0
    assert "Frist for å melde inn saker  22. januar 2026 kl. 09:30" in out
    assert "Protokoll klar               19. februar 2026 kl. 14:30" in out


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["plan", "20x6"], "YEAR must be a year from 2000 to 2100, got '20x6'"),
        (["plan", "99999", "--json"], "YEAR must be a year from 2000 to 2100"),
        (["plan", "-1"], "YEAR must be a year"),
        (["deadlines", "--body", "BOARD", "--start", "2026-02-12T09:30"], "unknown body 'BOARD'"),
        (["deadlines", "--body", "SSU", "--start", "12/02/2026"], "--start is not an ISO 8601"),
        (
            ["deadlines", "--body", "SSU", "--start", "2026-02-12T09:30", "--end", "soon"],
            "--end is not an ISO 8601",
        ),
        (
            [
                "deadlines",
                "--body",
                "SSU",
                "--start",
                "2026-02-12T09:30",
                "--end",
                "2026-02-12T08:00",
            ],
            "before it starts",
        ),
        (["deadlines", "--start", "2026-02-12T09:30"], "required: --body"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], database: str, argv: list[str], reason: str
) -> None:
    try:
        code, out, err = run(capsys, *argv)
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
        out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and reason in err
    assert date.today()  # the CLI never depends on today's date for these
