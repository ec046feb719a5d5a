"""Queries on the protocol tables. No rules here: the service decides, this reads and writes."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.protocol_tables import Protocol, ProtocolComment, ProtocolSignature, ProtocolVersion


async def get(
    session: AsyncSession, protocol_id: int, *, for_update: bool = False
) -> Protocol | None:
    """The protocol, row-locked on PostgreSQL when it is about to change (two signatures or an
    edit and a signature arriving together are serialised on it)."""
    query = select(Protocol).where(Protocol.id == protocol_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def for_meeting(session: AsyncSession, *, meeting_id: int) -> Protocol | None:
    return (await session.exec(select(Protocol).where(Protocol.meeting_id == meeting_id))).first()


async def in_states(session: AsyncSession, *, states: tuple[str, ...]) -> list[Protocol]:
    query = select(Protocol).where(col(Protocol.state).in_(states)).order_by(col(Protocol.id))
    return list((await session.exec(query)).all())


async def add(session: AsyncSession, row: Protocol) -> Protocol:
    session.add(row)
    await session.flush()
    return row


async def add_version(session: AsyncSession, row: ProtocolVersion) -> ProtocolVersion:
    session.add(row)
    await session.flush()
    return row


async def versions(session: AsyncSession, *, protocol_id: int) -> list[ProtocolVersion]:
    query = (
        select(ProtocolVersion)
        .where(ProtocolVersion.protocol_id == protocol_id)
        .order_by(col(ProtocolVersion.number))
    )
    return list((await session.exec(query)).all())


async def current_version(session: AsyncSession, row: Protocol) -> ProtocolVersion | None:
    query = select(ProtocolVersion).where(
        ProtocolVersion.protocol_id == row.id, ProtocolVersion.number == row.version_number
    )
    return (await session.exec(query)).first()


async def signatures(session: AsyncSession, *, protocol_id: int) -> list[ProtocolSignature]:
    query = (
        select(ProtocolSignature)
        .where(ProtocolSignature.protocol_id == protocol_id)
        .order_by(col(ProtocolSignature.signed_at), col(ProtocolSignature.id))
    )
    return list((await session.exec(query)).all())


async def add_signature(session: AsyncSession, row: ProtocolSignature) -> ProtocolSignature:
    session.add(row)
    await session.flush()
    return row


async def add_comment(session: AsyncSession, row: ProtocolComment) -> ProtocolComment:
    session.add(row)
    await session.flush()
    return row


async def comments(session: AsyncSession, *, protocol_id: int) -> list[ProtocolComment]:
    query = (
        select(ProtocolComment)
        .where(ProtocolComment.protocol_id == protocol_id)
        .order_by(col(ProtocolComment.id))
    )
    return list((await session.exec(query)).all())
