"""Who sits in which seat at a meeting, whether the meeting has a quorum, and who may take part
in a decision (consensus) — pure rules from the cooperation agreement §4.1.

Why pure and in one place: the attendance card shows the quorum live, the consensus round asks
who may respond, and the protocol lists participants; all three must agree on exactly the same
rule, so it is decided here once, with no I/O, and tested at its boundaries.

The rules (agreement §4.1, "Behandling av saker"):

- A seat belongs to a voting member: the leader, the deputy leader or a member. Observers and the
  secretariat hold no seat and are never counted.
- A personal deputy (personlig vararepresentant) takes the seat of their member when the member is
  absent. A deputy present while the member is present too does not add a second vote.
- Quorum: *more than half* of the seats are filled (exactly half is not enough), and every member
  was given the chance to take part — the notice (innkalling) reached all of them.
- In cases with significant economic consequences only the administrative representatives (health
  regions/municipalities and SI/divisions) have a say: the seat's category must be
  ``administrative``; user, union and GP representatives are not eligible in such cases.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ADMINISTRATIVE",
    "VOTING_ROLES",
    "Quorum",
    "RosterSeat",
    "SeatHolder",
    "Sitting",
    "eligible_voters",
    "quorum",
    "required_for_quorum",
    "seats_from",
    "sittings",
]

VOTING_ROLES: Final = frozenset({"leader", "deputy_leader", "member"})
"""Roles that hold a seat ("møte, tale og stemmerett")."""
PERSONAL_DEPUTY: Final = "personal_deputy"
ADMINISTRATIVE: Final = "administrative"
"""The only category with a say in cases with significant economic consequences."""


@dataclass(frozen=True, slots=True)
class RosterSeat:
    """One roster row of the body that meets: as stored, free of storage types."""

    person_id: int
    role: str
    category: str
    deputy_for_person_id: int | None = None


@dataclass(frozen=True, slots=True)
class SeatHolder:
    """A voting seat: the member who holds it, the seat's category and its personal deputy."""

    member_id: int
    role: str
    category: str
    deputy_id: int | None = None


@dataclass(frozen=True, slots=True)
class Sitting:
    """Who sits in a seat at the meeting: the member, their deputy in their place, or nobody."""

    seat: SeatHolder
    person_id: int | None

    @property
    def filled(self) -> bool:
        return self.person_id is not None

    @property
    def by_deputy(self) -> bool:
        """True when the personal deputy sits in the absent member's place."""
        return self.person_id is not None and self.person_id != self.seat.member_id


@dataclass(frozen=True, slots=True)
class Quorum:
    """The quorum of a meeting at one moment.

    ``present`` counts filled seats (a deputy in place of their member counts once); ``required``
    is the smallest number that is more than half of ``total``. ``missing_notice`` are members
    the notice did not reach: while there are any, there is no quorum however many are present.
    """

    total: int
    present: int
    required: int
    missing_notice: tuple[int, ...] = ()

    @property
    def majority(self) -> bool:
        """More than half of the seats are filled."""
        return self.total > 0 and self.present >= self.required

    @property
    def notice_complete(self) -> bool:
        return not self.missing_notice

    @property
    def reached(self) -> bool:
        return self.majority and self.notice_complete


def required_for_quorum(total: int) -> int:
    """The smallest count that is *more than* half of ``total`` (19 → 10, 18 → 10, 2 → 2)."""
    return total // 2 + 1


def seats_from(roster: Iterable[RosterSeat]) -> tuple[SeatHolder, ...]:
    """The seats of one body from its roster rows, ordered by member id.

    Every leader, deputy leader and member holds a seat; a personal deputy is attached to the seat
    of the person they stand in for (a deputy for someone without a seat is ignored: they have no
    seat to take). Observers and the secretariat hold none.
    """
    rows = list(roster)
    holders: dict[int, RosterSeat] = {r.person_id: r for r in rows if r.role in VOTING_ROLES}
    deputies: dict[int, int] = {}
    for row in rows:
        if row.role == PERSONAL_DEPUTY and row.deputy_for_person_id in holders:
            assert row.deputy_for_person_id is not None
            deputies.setdefault(row.deputy_for_person_id, row.person_id)
    return tuple(
        SeatHolder(member_id, holder.role, holder.category, deputies.get(member_id))
        for member_id, holder in sorted(holders.items())
    )


def sittings(seats: Iterable[SeatHolder], present: Collection[int]) -> tuple[Sitting, ...]:
    """Who fills each seat: the member when present, else their personal deputy when present."""
    result = []
    for seat in seats:
        if seat.member_id in present:
            result.append(Sitting(seat, seat.member_id))
        elif seat.deputy_id is not None and seat.deputy_id in present:
            result.append(Sitting(seat, seat.deputy_id))
        else:
            result.append(Sitting(seat, None))
    return tuple(result)


def quorum(
    seats: Iterable[SeatHolder],
    present: Collection[int],
    *,
    noticed: Collection[int],
) -> Quorum:
    """The quorum given who is present (person ids) and whom the notice reached (member ids).

    A present personal deputy counts in place of their absent member; observers, the secretariat
    and anyone else without a seat never count. A meeting with no seats has no quorum.
    """
    seated = sittings(seats, present)
    total = len(seated)
    filled = sum(1 for s in seated if s.filled)
    missing = tuple(sorted(s.seat.member_id for s in seated if s.seat.member_id not in noticed))
    return Quorum(
        total=total,
        present=filled,
        required=required_for_quorum(total),
        missing_notice=missing,
    )


def eligible_voters(
    seats: Iterable[SeatHolder],
    present: Collection[int],
    *,
    major_economic: bool = False,
) -> tuple[Sitting, ...]:
    """Who may respond in a consensus round: the person sitting in each filled seat.

    That is the present member, or their personal deputy in their place; with
    ``major_economic`` only seats of the ``administrative`` category. Observers are never eligible.
    """
    return tuple(
        s
        for s in sittings(seats, present)
        if s.filled and (not major_economic or s.seat.category == ADMINISTRATIVE)
    )
