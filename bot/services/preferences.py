"""A person's own settings: language and reminders."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.roles import Actor
from storage import audit
from storage.models import Person

SUPPORTED_LANGUAGES = ("nb", "en")


class PreferenceRefused(Exception):
    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


async def set_language(session: AsyncSession, *, actor: Actor, language: str) -> str:
    """Store the preferred language; unknown people have nowhere to store it."""
    if language not in SUPPORTED_LANGUAGES:
        raise PreferenceRefused("language.invalid")
    if actor.person_id is None:
        raise PreferenceRefused("error.unknown_person")
    person = await session.get(Person, actor.person_id)
    if person is None:
        raise PreferenceRefused("error.unknown_person")
    person.locale = language
    session.add(person)
    await audit.append(
        session,
        action="preferences.language",
        actor_person_id=actor.person_id,
        subject_type="person",
        subject_id=actor.person_id,
        detail={"language": language},
    )
    return language
