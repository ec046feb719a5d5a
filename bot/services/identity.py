"""Who is acting: the activity's AAD object id, else the Teams user id, else the e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.roles import Actor, Seat
from storage import people


@dataclass(frozen=True, slots=True)
class Caller:
    """What the transport layer knows about the sender, free of botbuilder types."""

    aad_object_id: str | None
    teams_user_id: str | None
    name: str
    locale: str
    email: str | None = None


async def resolve_actor(session: AsyncSession, *, caller: Caller) -> Actor:
    person = await people.find_person(
        session,
        aad_object_id=caller.aad_object_id,
        teams_user_id=caller.teams_user_id,
        email=caller.email,
    )
    if person is None or person.id is None:
        return Actor(None, caller.name, caller.aad_object_id, caller.locale)
    if caller.teams_user_id and person.teams_user_id != caller.teams_user_id:
        person.teams_user_id = caller.teams_user_id
        session.add(person)
    seats = tuple(
        Seat(m.body_code, m.role, m.category, m.deputy_for_person_id)
        for m in await people.memberships_of(session, person_id=person.id)
    )
    locale = person.locale or caller.locale
    return Actor(
        person.id, person.name, person.aad_object_id or caller.aad_object_id, locale, seats
    )
