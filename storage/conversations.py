"""Stored conversation references: how the bot reaches people, chats and channels proactively."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationRef, utcnow


async def upsert_reference(
    session: AsyncSession,
    *,
    conversation_id: str,
    conversation_type: str,
    service_url: str,
    reference_json: str,
    person_id: int | None,
    team_id: str | None,
    tenant_id: str | None,
) -> ConversationRef:
    existing = (
        await session.exec(
            select(ConversationRef).where(ConversationRef.conversation_id == conversation_id)
        )
    ).first()
    if (
        existing is not None
        and existing.installed
        and existing.reference_json == reference_json
        and existing.service_url == service_url
        and (person_id is None or existing.person_id == person_id)
    ):
        return existing
    row = existing or ConversationRef(
        conversation_id=conversation_id, service_url=service_url, reference_json=reference_json
    )
    row.conversation_type = conversation_type
    row.service_url = service_url
    row.reference_json = reference_json
    row.team_id = team_id or row.team_id
    row.tenant_id = tenant_id or row.tenant_id
    if person_id is not None:
        row.person_id = person_id
    row.installed = True
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    return row


async def mark_uninstalled(session: AsyncSession, *, conversation_id: str) -> None:
    row = (
        await session.exec(
            select(ConversationRef).where(ConversationRef.conversation_id == conversation_id)
        )
    ).first()
    if row is not None:
        row.installed = False
        row.updated_at = utcnow()
        session.add(row)


async def personal_reference(session: AsyncSession, *, person_id: int) -> ConversationRef | None:
    """The person's one-to-one chat with the bot, newest first."""
    query = (
        select(ConversationRef)
        .where(
            ConversationRef.person_id == person_id,
            ConversationRef.conversation_type == "personal",
            col(ConversationRef.installed),
        )
        .order_by(col(ConversationRef.updated_at).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def reference_by_conversation(
    session: AsyncSession, *, conversation_id: str
) -> ConversationRef | None:
    query = select(ConversationRef).where(ConversationRef.conversation_id == conversation_id)
    return (await session.exec(query)).first()


async def channel_references(session: AsyncSession) -> list[ConversationRef]:
    query = select(ConversationRef).where(
        ConversationRef.conversation_type == "channel", col(ConversationRef.installed)
    )
    return list((await session.exec(query)).all())
