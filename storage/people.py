"""People and their seats in the bodies."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Membership, Person


async def find_person(
    session: AsyncSession,
    *,
    aad_object_id: str | None = None,
    teams_user_id: str | None = None,
    email: str | None = None,
) -> Person | None:
    """Look up by the strongest identifier given first: AAD object id, Teams id, then e-mail."""
    if aad_object_id:
        query = select(Person).where(func.lower(col(Person.aad_object_id)) == aad_object_id.lower())
        if person := (await session.exec(query)).first():
            return person
    if teams_user_id:
        query = select(Person).where(Person.teams_user_id == teams_user_id)
        if person := (await session.exec(query)).first():
            return person
    if email:
        query = select(Person).where(Person.email == email.strip().lower())
        if person := (await session.exec(query)).first():
            return person
    return None


async def person_by_id(session: AsyncSession, *, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def people_by_email(session: AsyncSession, *, emails: Sequence[str]) -> dict[str, Person]:
    if not emails:
        return {}
    rows = (await session.exec(select(Person).where(col(Person.email).in_(list(emails))))).all()
    return {person.email: person for person in rows}


async def all_emails(session: AsyncSession) -> list[str]:
    return list((await session.exec(select(Person.email))).all())


async def memberships_of(session: AsyncSession, *, person_id: int) -> list[Membership]:
    query = select(Membership).where(Membership.person_id == person_id)
    return list((await session.exec(query)).all())


async def members_of_body(
    session: AsyncSession, *, body_code: str
) -> list[tuple[Membership, Person]]:
    query = (
        select(Membership, Person)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .where(Membership.body_code == body_code)
        .order_by(col(Person.name))
    )
    return [(m, p) for m, p in (await session.exec(query)).all()]


async def membership(session: AsyncSession, *, person_id: int, body_code: str) -> Membership | None:
    query = select(Membership).where(
        Membership.person_id == person_id, Membership.body_code == body_code
    )
    return (await session.exec(query)).first()
