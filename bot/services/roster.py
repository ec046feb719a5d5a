"""Importing the roster: all rows are checked before any is written, then one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.calendar import HEALTH_REGIONS
from bot.domain.roster import RosterError, RosterRow, parse_roster
from storage import audit, people
from storage.models import Membership, Person


class RosterRejected(Exception):
    """The file had errors; nothing was imported."""

    def __init__(self, errors: tuple[RosterError, ...]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportSummary:
    people_created: int
    people_updated: int
    seats_created: int
    seats_updated: int

    def as_dict(self) -> dict[str, int]:
        return {
            "people_created": self.people_created,
            "people_updated": self.people_updated,
            "seats_created": self.seats_created,
            "seats_updated": self.seats_updated,
        }


async def import_roster(
    session: AsyncSession, *, text: str, source: str = "import-members"
) -> ImportSummary:
    """Upsert people by e-mail and seats by (person, body); idempotent."""
    parsed = parse_roster(
        text, regions=HEALTH_REGIONS, known_emails=await people.all_emails(session)
    )
    if not parsed.ok:
        raise RosterRejected(parsed.errors)
    existing = await people.people_by_email(session, emails=sorted({r.email for r in parsed.rows}))
    created = updated = 0
    by_email: dict[str, Person] = {}
    for row in parsed.rows:
        if row.email in by_email:
            continue
        person = existing.get(row.email)
        if person is None:
            person = Person(name=row.name, email=row.email, aad_object_id=row.aad_object_id)
            created += 1
        elif (person.name, person.aad_object_id) != (row.name, row.aad_object_id):
            person.name = row.name
            person.aad_object_id = row.aad_object_id
            updated += 1
        session.add(person)
        by_email[row.email] = person
    await session.flush()
    deputies_of = await people.people_by_email(
        session, emails=sorted({r.deputy_for for r in parsed.rows if r.deputy_for})
    )
    seats_created = seats_updated = 0
    for row in parsed.rows:
        person = by_email[row.email]
        assert person.id is not None
        deputy_for = deputies_of[row.deputy_for].id if row.deputy_for else None
        seat = await people.membership(session, person_id=person.id, body_code=row.body.value)
        if seat is None:
            session.add(_new_seat(row, person.id, deputy_for))
            seats_created += 1
        elif _apply(seat, row, deputy_for):
            session.add(seat)
            seats_updated += 1
    summary = ImportSummary(created, updated, seats_created, seats_updated)
    await audit.append(
        session,
        action="roster.import",
        subject_type="roster",
        subject_id=source[:64],
        detail=summary.as_dict() | {"rows": len(parsed.rows)},
    )
    return summary


def _new_seat(row: RosterRow, person_id: int, deputy_for: int | None) -> Membership:
    return Membership(
        person_id=person_id,
        body_code=row.body.value,
        role=row.role.value,
        category=row.category.value,
        organisation=row.organisation,
        region=row.region,
        deputy_for_person_id=deputy_for,
    )


def _apply(seat: Membership, row: RosterRow, deputy_for: int | None) -> bool:
    wanted = (row.role.value, row.category.value, row.organisation, row.region, deputy_for)
    current = (seat.role, seat.category, seat.organisation, seat.region, seat.deputy_for_person_id)
    if wanted == current:
        return False
    seat.role, seat.category, seat.organisation, seat.region, seat.deputy_for_person_id = wanted
    return True
