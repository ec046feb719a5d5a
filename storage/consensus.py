"""Queries on the consensus tables. No rules here: the service decides, this reads and writes."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.case_tables import Case
from storage.consensus_tables import ConsensusAnswer, ConsensusInput, ConsensusRound


async def get_round(
    session: AsyncSession, round_id: int, *, for_update: bool = False
) -> ConsensusRound | None:
    """The round, row-locked on PostgreSQL when it is about to change (an answer and the close
    take the same lock, so no answer slips in after the close was decided)."""
    query = select(ConsensusRound).where(ConsensusRound.id == round_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def open_round_for_case(session: AsyncSession, *, case_id: int) -> ConsensusRound | None:
    query = select(ConsensusRound).where(
        ConsensusRound.case_id == case_id, ConsensusRound.status == "open"
    )
    return (await session.exec(query)).first()


async def rounds_for_meeting(session: AsyncSession, *, meeting_id: int) -> list[ConsensusRound]:
    """Every round of a meeting, in the order they were started."""
    query = (
        select(ConsensusRound)
        .where(ConsensusRound.meeting_id == meeting_id)
        .order_by(col(ConsensusRound.started_at), col(ConsensusRound.id))
    )
    return list((await session.exec(query)).all())


async def rounds_for_cases(
    session: AsyncSession, *, case_ids: list[int]
) -> dict[int, list[ConsensusRound]]:
    """The rounds of some cases, by case, oldest first."""
    if not case_ids:
        return {}
    query = (
        select(ConsensusRound)
        .where(col(ConsensusRound.case_id).in_(case_ids))
        .order_by(col(ConsensusRound.started_at), col(ConsensusRound.id))
    )
    result: dict[int, list[ConsensusRound]] = {}
    for row in (await session.exec(query)).all():
        result.setdefault(row.case_id, []).append(row)
    return result


async def cases_of_meeting(session: AsyncSession, *, meeting_id: int) -> list[Case]:
    """The cases placed in a meeting, by year and number (the service picks the decision ones)."""
    query = (
        select(Case)
        .where(Case.meeting_id == meeting_id)
        .order_by(col(Case.year), col(Case.number), col(Case.id))
    )
    return list((await session.exec(query)).all())


async def add_round(session: AsyncSession, row: ConsensusRound) -> ConsensusRound:
    session.add(row)
    await session.flush()
    return row


async def save(
    session: AsyncSession, row: ConsensusRound | ConsensusAnswer | ConsensusInput
) -> None:
    session.add(row)
    await session.flush()


async def answers(session: AsyncSession, *, round_id: int) -> list[ConsensusAnswer]:
    query = (
        select(ConsensusAnswer)
        .where(ConsensusAnswer.round_id == round_id)
        .order_by(col(ConsensusAnswer.person_name), col(ConsensusAnswer.id))
    )
    return list((await session.exec(query)).all())


async def answer_of(
    session: AsyncSession, *, round_id: int, person_id: int, for_update: bool = False
) -> ConsensusAnswer | None:
    query = select(ConsensusAnswer).where(
        ConsensusAnswer.round_id == round_id, ConsensusAnswer.person_id == person_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def inputs(session: AsyncSession, *, round_id: int) -> list[ConsensusInput]:
    query = (
        select(ConsensusInput)
        .where(ConsensusInput.round_id == round_id)
        .order_by(col(ConsensusInput.created_at), col(ConsensusInput.id))
    )
    return list((await session.exec(query)).all())


async def input_of(
    session: AsyncSession, *, round_id: int, person_id: int, for_update: bool = False
) -> ConsensusInput | None:
    query = select(ConsensusInput).where(
        ConsensusInput.round_id == round_id, ConsensusInput.person_id == person_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()
