"""Validation of the roster CSV (CONTRACT.md): pure, so every error is found before writing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

ROSTER_COLUMNS = (
    "name",
    "email",
    "aad_object_id",
    "body",
    "role",
    "category",
    "organisation",
    "region",
    "deputy_for",
)
MAX_NAME = 200
MAX_ORGANISATION = 200
_EMAIL = re.compile(
    r"^[^@\s,;<>\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_E = TypeVar("_E", bound=StrEnum)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class RosterBody(StrEnum):
    SSU = "SSU"
    PA = "PA"
    AU = "AU"
    SEK = "SEK"


class RosterRole(StrEnum):
    LEADER = "leader"
    DEPUTY_LEADER = "deputy_leader"
    MEMBER = "member"
    PERSONAL_DEPUTY = "personal_deputy"
    OBSERVER = "observer"
    SECRETARIAT = "secretariat"


class RosterCategory(StrEnum):
    ADMINISTRATIVE = "administrative"
    USER_REP = "user_rep"
    UNION_REP = "union_rep"
    GP_REP = "gp_rep"
    OBSERVER = "observer"
    SECRETARIAT = "secretariat"


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    name: str
    email: str
    aad_object_id: str | None
    body: RosterBody
    role: RosterRole
    category: RosterCategory
    organisation: str
    region: str | None
    deputy_for: str | None


@dataclass(frozen=True, slots=True)
class RosterError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class RosterParse:
    rows: tuple[RosterRow, ...]
    errors: tuple[RosterError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise_email(value: str) -> str:
    return value.strip().lower()


def is_valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 320


def parse_roster(
    text: str, *, regions: Iterable[str], known_emails: Iterable[str] = ()
) -> RosterParse:
    """Check every line; `known_emails` are people already stored, valid targets of deputy_for."""
    region_set = set(regions)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple(name.strip() for name in (reader.fieldnames or ()))
    if header != ROSTER_COLUMNS:
        return RosterParse(
            (), (RosterError(1, f"header must be exactly: {','.join(ROSTER_COLUMNS)}"),)
        )
    rows: list[RosterRow] = []
    errors: list[RosterError] = []
    for record in reader:
        line = reader.line_num
        if None in record or any(value is None for value in record.values()):
            errors.append(RosterError(line, f"expected {len(ROSTER_COLUMNS)} columns"))
            continue
        row, row_errors = _parse_row(line, {k: v.strip() for k, v in record.items()}, region_set)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append(RosterError(1, "the file has no rows"))
    errors.extend(_cross_check(rows, {normalise_email(e) for e in known_emails}))
    return RosterParse(tuple(rows), tuple(sorted(errors, key=lambda e: e.line)))


def _parse_row(
    line: int, record: dict[str, str], regions: set[str]
) -> tuple[RosterRow | None, list[RosterError]]:
    errors: list[RosterError] = []

    def fail(message: str) -> None:
        errors.append(RosterError(line, message))

    name = record["name"]
    if not name:
        fail("name is empty")
    elif len(name) > MAX_NAME:
        fail(f"name is longer than {MAX_NAME} characters")
    email = normalise_email(record["email"])
    if not is_valid_email(email):
        fail(f"bad email {record['email']!r}")
    aad = record["aad_object_id"] or None
    if aad is not None and not _GUID.match(aad):
        fail(f"aad_object_id {aad!r} is not a GUID")
    body = _enum(RosterBody, record["body"], "body", fail)
    role = _enum(RosterRole, record["role"], "role", fail)
    category = _enum(RosterCategory, record["category"], "category", fail)
    organisation = record["organisation"]
    if len(organisation) > MAX_ORGANISATION:
        fail(f"organisation is longer than {MAX_ORGANISATION} characters")
    region = record["region"] or None
    if region is not None and region not in regions:
        fail(f"unknown region {region!r}")
    deputy_for = normalise_email(record["deputy_for"]) or None
    if role is RosterRole.PERSONAL_DEPUTY and deputy_for is None:
        fail("a personal_deputy row needs deputy_for")
    if role is not None and role is not RosterRole.PERSONAL_DEPUTY and deputy_for is not None:
        fail("deputy_for is only for personal_deputy rows")
    if deputy_for is not None and deputy_for == email:
        fail("a person cannot be their own deputy")
    if errors or body is None or role is None or category is None:
        return None, errors
    row = RosterRow(line, name, email, aad, body, role, category, organisation, region, deputy_for)
    return row, errors


def _enum(kind: type[_E], value: str, field: str, fail: Callable[[str], None]) -> _E | None:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        fail(f"unknown {field} {value!r} (allowed: {allowed})")
        return None


def _cross_check(rows: list[RosterRow], known_emails: set[str]) -> list[RosterError]:
    errors: list[RosterError] = []
    seen_seat: dict[tuple[str, RosterBody], int] = {}
    identity: dict[str, RosterRow] = {}
    aad_owner: dict[str, str] = {}
    emails_in_file = {row.email for row in rows}
    for row in rows:
        seat = (row.email, row.body)
        if seat in seen_seat:
            errors.append(
                RosterError(
                    row.line, f"{row.email} is already in {row.body} (line {seen_seat[seat]})"
                )
            )
        else:
            seen_seat[seat] = row.line
        first = identity.setdefault(row.email, row)
        if first is not row and (first.name, first.aad_object_id) != (row.name, row.aad_object_id):
            errors.append(
                RosterError(
                    row.line,
                    f"{row.email} has a different name or aad_object_id than on line {first.line}",
                )
            )
        if row.aad_object_id:
            owner = aad_owner.setdefault(row.aad_object_id.lower(), row.email)
            if owner != row.email:
                errors.append(RosterError(row.line, f"aad_object_id is already used by {owner}"))
        if row.deputy_for and row.deputy_for not in emails_in_file | known_emails:
            errors.append(RosterError(row.line, f"deputy_for {row.deputy_for} names nobody"))
    return errors
