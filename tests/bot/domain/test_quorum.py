"""Quorum and eligibility (agreement §4.1) at their boundaries: more than half (half is not
enough), personal deputies in place of absent members, observers never, the notice to every
member, and only administrative seats in cases with significant economic consequences."""

from __future__ import annotations

import pytest

from bot.domain.quorum import (
    RosterSeat,
    SeatHolder,
    eligible_voters,
    quorum,
    required_for_quorum,
    seats_from,
    sittings,
)

# A small body: leader 1, deputy leader 2, members 3–6 (5 user rep, 6 union rep), their deputies
# 11–16, an observer 20 and a secretary 30.
ROSTER = (
    RosterSeat(1, "leader", "administrative"),
    RosterSeat(2, "deputy_leader", "administrative"),
    RosterSeat(3, "member", "administrative"),
    RosterSeat(4, "member", "gp_rep"),
    RosterSeat(5, "member", "user_rep"),
    RosterSeat(6, "member", "union_rep"),
    RosterSeat(11, "personal_deputy", "administrative", 1),
    RosterSeat(12, "personal_deputy", "administrative", 2),
    RosterSeat(13, "personal_deputy", "administrative", 3),
    RosterSeat(14, "personal_deputy", "gp_rep", 4),
    RosterSeat(15, "personal_deputy", "user_rep", 5),
    RosterSeat(16, "personal_deputy", "union_rep", 6),
    RosterSeat(20, "observer", "observer"),
    RosterSeat(30, "secretariat", "secretariat"),
)
SEATS = seats_from(ROSTER)
MEMBERS = frozenset({1, 2, 3, 4, 5, 6})


def test_seats_are_the_voting_roles_with_their_personal_deputies() -> None:
    assert [(s.member_id, s.role, s.deputy_id) for s in SEATS] == [
        (1, "leader", 11),
        (2, "deputy_leader", 12),
        (3, "member", 13),
        (4, "member", 14),
        (5, "member", 15),
        (6, "member", 16),
    ]


def test_a_deputy_for_someone_without_a_seat_is_ignored() -> None:
    seats = seats_from(
        [RosterSeat(1, "member", "administrative"), RosterSeat(9, "personal_deputy", "x", 20)]
    )
    assert seats == (SeatHolder(1, "member", "administrative", None),)


@pytest.mark.parametrize(
    ("total", "required"), [(19, 10), (18, 10), (6, 4), (2, 2), (1, 1), (0, 1)]
)
def test_more_than_half_is_required(total: int, required: int) -> None:
    assert required_for_quorum(total) == required


def test_exactly_half_is_not_a_quorum() -> None:
    result = quorum(SEATS, {1, 2, 3}, noticed=MEMBERS)
    assert (result.present, result.total, result.required) == (3, 6, 4)
    assert not result.majority and not result.reached


def test_half_plus_one_is_a_quorum() -> None:
    result = quorum(SEATS, {1, 2, 3, 4}, noticed=MEMBERS)
    assert result.majority and result.reached


def test_nineteen_members_need_ten() -> None:
    roster = [RosterSeat(i, "member", "administrative") for i in range(1, 20)]
    seats = seats_from(roster)
    everyone = frozenset(range(1, 20))
    assert not quorum(seats, set(range(1, 10)), noticed=everyone).reached
    assert quorum(seats, set(range(1, 11)), noticed=everyone).reached


def test_a_personal_deputy_counts_in_place_of_an_absent_member() -> None:
    result = quorum(SEATS, {1, 2, 3, 14}, noticed=MEMBERS)
    assert result.present == 4 and result.reached
    seated = {s.seat.member_id: s for s in sittings(SEATS, {1, 2, 3, 14})}
    assert seated[4].by_deputy and seated[4].person_id == 14
    assert not seated[1].by_deputy


def test_member_and_deputy_both_present_count_once() -> None:
    result = quorum(SEATS, {1, 11, 2, 12}, noticed=MEMBERS)
    assert result.present == 2


def test_a_deputy_counts_only_for_their_own_member() -> None:
    # 13 is 3's deputy; 3 is present, so 13 fills nothing, and cannot fill 4's empty seat.
    result = quorum(SEATS, {1, 2, 3, 13}, noticed=MEMBERS)
    assert result.present == 3 and not result.reached


def test_observers_and_the_secretariat_never_count() -> None:
    result = quorum(SEATS, {1, 2, 3, 20, 30}, noticed=MEMBERS)
    assert result.present == 3 and not result.reached


def test_no_quorum_when_the_notice_did_not_reach_every_member() -> None:
    everyone_here = {1, 2, 3, 4, 5, 6}
    result = quorum(SEATS, everyone_here, noticed=MEMBERS - {5})
    assert result.majority and not result.notice_complete and not result.reached
    assert result.missing_notice == (5,)
    assert not quorum(SEATS, everyone_here, noticed=frozenset()).reached


def test_a_body_without_seats_has_no_quorum() -> None:
    assert not quorum((), {1}, noticed={1}).reached


def test_eligible_voters_are_whoever_sits_in_each_filled_seat() -> None:
    voters = eligible_voters(SEATS, {1, 12, 3, 15, 20})
    assert [(v.seat.member_id, v.person_id) for v in voters] == [(1, 1), (2, 12), (3, 3), (5, 15)]


def test_in_cases_with_major_economic_consequences_only_administrative_seats_count() -> None:
    present = {1, 2, 3, 4, 5, 6, 20}
    voters = eligible_voters(SEATS, present, major_economic=True)
    assert [v.person_id for v in voters] == [1, 2, 3]
    # A deputy sitting in an administrative seat is eligible; one in a user-rep seat is not.
    voters = eligible_voters(SEATS, {11, 15}, major_economic=True)
    assert [v.person_id for v in voters] == [11]


def test_observers_are_never_eligible() -> None:
    assert all(v.person_id != 20 for v in eligible_voters(SEATS, {20, 1}))
