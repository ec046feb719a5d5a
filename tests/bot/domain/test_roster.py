"""Roster validation finds every bad row, with its line number, before anything is written."""

from __future__ import annotations

from bot.cli import DEMO_ROSTER
from bot.domain.calendar import HEALTH_REGIONS
from bot.domain.roster import ROSTER_COLUMNS, parse_roster

HEADER = ",".join(ROSTER_COLUMNS)
GOOD = "Kari Nordmann,kari@example.no,,SSU,member,administrative,Hamar kommune,Hamar,"


def _errors(*lines: str) -> list[str]:
    parsed = parse_roster("\n".join([HEADER, *lines]) + "\n", regions=HEALTH_REGIONS)
    return [str(error) for error in parsed.errors]


def test_a_good_row_parses() -> None:
    parsed = parse_roster(f"{HEADER}\n{GOOD}\n", regions=HEALTH_REGIONS)
    assert parsed.ok
    [row] = parsed.rows
    assert (row.email, row.body, row.role, row.region) == (
        "kari@example.no",
        "SSU",
        "member",
        "Hamar",
    )


def test_the_demo_roster_is_valid_and_shaped_like_the_committee() -> None:
    parsed = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"), regions=HEALTH_REGIONS)
    assert parsed.ok, parsed.errors
    ssu = [r for r in parsed.rows if r.body == "SSU"]
    voting = [r for r in ssu if r.role in {"leader", "deputy_leader", "member"}]
    assert len(voting) == 19
    assert sum(1 for r in voting if r.organisation.startswith("Sykehuset Innlandet")) == 8
    assert sum(1 for r in voting if r.role == "leader") == 1
    assert sum(1 for r in voting if r.role == "deputy_leader") == 1
    deputies = {r.deputy_for for r in ssu if r.role == "personal_deputy"}
    assert deputies == {r.email for r in voting}
    assert sum(1 for r in ssu if r.role == "observer") == 6
    assert sum(1 for r in parsed.rows if r.body == "SEK") == 2
    regions = {r.region for r in voting if r.category == "administrative" and r.region}
    assert regions == set(HEALTH_REGIONS)


def test_unknown_role_is_reported_with_its_line() -> None:
    assert _errors(GOOD, GOOD.replace("member", "king").replace("kari@", "ola@")) == [
        "line 3: unknown role 'king' (allowed: leader, deputy_leader, member, personal_deputy, "
        "observer, secretariat)"
    ]


def test_bad_email_is_reported() -> None:
    assert _errors(GOOD.replace("kari@example.no", "kari(at)example")) == [
        "line 2: bad email 'kari(at)example'"
    ]


def test_deputy_for_naming_nobody_is_reported() -> None:
    row = "Ola Vara,ola@example.no,,SSU,personal_deputy,administrative,X,Hamar,nobody@example.no"
    assert _errors(GOOD, row) == ["line 3: deputy_for nobody@example.no names nobody"]


def test_deputy_for_may_name_someone_already_stored() -> None:
    row = "Ola Vara,ola@example.no,,SSU,personal_deputy,administrative,X,Hamar,kari@example.no"
    parsed = parse_roster(
        f"{HEADER}\n{row}\n", regions=HEALTH_REGIONS, known_emails=["kari@example.no"]
    )
    assert parsed.ok


def test_duplicate_person_in_a_body_is_reported() -> None:
    assert _errors(GOOD, GOOD.replace("KARI", "kari").replace("Kari@", "kari@")) == [
        "line 3: kari@example.no is already in SSU (line 2)"
    ]


def test_the_same_person_may_sit_in_several_bodies() -> None:
    assert _errors(GOOD, GOOD.replace(",SSU,", ",AU,")) == []


def test_unknown_region_body_and_category_are_all_reported() -> None:
    row = "Kari Nordmann,kari@example.no,,XYZ,member,boss,Hamar kommune,Oslo,"
    errors = _errors(row)
    assert any("unknown body 'XYZ'" in e for e in errors)
    assert any("unknown category 'boss'" in e for e in errors)
    assert any("unknown region 'Oslo'" in e for e in errors)


def test_wrong_header_is_refused() -> None:
    parsed = parse_roster("navn,epost\nKari,kari@example.no\n", regions=HEALTH_REGIONS)
    assert [str(e) for e in parsed.errors] == ["line 1: header must be exactly: " + HEADER]


def test_a_row_with_missing_columns_is_reported() -> None:
    assert _errors("Kari,kari@example.no,,SSU") == ["line 2: expected 9 columns"]


def test_personal_deputy_needs_deputy_for_and_others_must_not_have_it() -> None:
    no_target = GOOD.replace("member", "personal_deputy")
    stray = GOOD.rstrip(",") + ",someone@example.no"
    assert _errors(no_target) == ["line 2: a personal_deputy row needs deputy_for"]
    assert "line 2: deputy_for is only for personal_deputy rows" in _errors(stray)


def test_conflicting_aad_object_ids_are_reported() -> None:
    guid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    first = GOOD.replace(",,SSU", f",{guid},SSU")
    second = first.replace("kari@", "ola@")
    assert _errors(first, second) == ["line 3: aad_object_id is already used by kari@example.no"]
