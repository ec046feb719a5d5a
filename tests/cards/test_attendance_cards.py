"""Attendance cards: each person's own buttons, the live quorum, the refresh users (at most 60,
the secretariat first), escaped names, and the absence messages."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot.domain.calendar import Body
from bot.services.attendance import (
    KIND_ABSENCE,
    KIND_DEPUTY,
    AbsenceNotice,
    Participant,
    Reason,
    Viewer,
)
from cards import attendance as cards
from cards.base import MAX_CARD_BYTES
from cards.registry import sample_absence, sample_attendance, sample_meeting
from tests.support.harness import card_text


def _verbs(document: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node["verb"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document.get("body", []))
    walk(document.get("actions", []))
    return found


def test_a_member_sees_check_in_and_the_quorum_but_no_corrections() -> None:
    document = cards.attendance_card("nb", sample_attendance(), Viewer(4, can_check_in=True))
    assert _verbs(document) == [cards.VERB_CHECK_IN, cards.VERB_REFRESH]
    text = card_text(document)
    assert "Vedtaksført" in text and "11 av 19 medlemmer er til stede" in text
    assert "vararepresentant Vara 103 møter i stedet" in text
    assert "Rett oppmøtet" not in text


def test_a_checked_in_member_gets_no_second_button() -> None:
    viewer = Viewer(4, can_check_in=True, checked_in=True)
    document = cards.attendance_card("nb", sample_attendance(), viewer)
    assert cards.VERB_CHECK_IN not in _verbs(document)
    assert "Du er sjekket inn." in card_text(document)


def test_the_secretariat_gets_the_correction_form_and_close() -> None:
    viewer = Viewer(40, can_correct=True, can_close=True)
    document = cards.attendance_card("nb", sample_attendance(), viewer)
    assert _verbs(document) == [cards.VERB_SET, cards.VERB_REFRESH, cards.VERB_CLOSE]
    people = next(e for e in document["body"] if e.get("id") == "person_id")
    values = [c["value"] for c in people["choices"]]
    assert len(values) == 19 + 19 + 6 and "103" in values
    assert {"title": "Vara 103 (vara for Medlem 3)", "value": "103"} in people["choices"]


def test_no_quorum_when_too_few_or_the_notice_is_missing() -> None:
    text = card_text(cards.attendance_card("en", sample_attendance(present_count=9), Viewer(4)))
    assert "No quorum" in text and "9 of 19 members are present" in text
    text = card_text(cards.attendance_card("en", sample_attendance(notice=False), Viewer(4)))
    assert "No quorum" in text and "17 missing" in text
    text = card_text(cards.attendance_card("en", sample_attendance(body=Body.DIALOG), Viewer(4)))
    assert "quorum does not apply" in text


def test_the_card_refreshes_for_at_most_sixty_users_secretariat_first() -> None:
    view = sample_attendance()
    document = cards.attendance_card("nb", view, Viewer(None))
    refresh = document["refresh"]
    assert refresh["action"] == {
        "type": "Action.Execute",
        "verb": cards.VERB_REFRESH,
        "data": {"meeting_id": view.meeting.id},
    }
    users = refresh["userIds"]
    assert users[:2] == ["29:sek1", "29:sek2"]
    assert len(users) == len(set(users)) <= cards.MAX_REFRESH_USERS
    # 2 + 19 members + 2 deputies with a status + 17 others + 6 observers = 46: all fit.
    assert len(users) == 46
    many = tuple(
        Participant(1000 + i, f"Gjest {i}", "member", "", teams_user_id=f"29:g{i}")
        for i in range(80)
    )
    crowded = replace(view, guests=many)
    users = cards.attendance_card("nb", crowded, Viewer(None))["refresh"]["userIds"]
    assert len(users) == 60 and users[:2] == ["29:sek1", "29:sek2"]


def test_names_are_escaped_and_the_card_stays_under_the_teams_limit() -> None:
    view = sample_attendance()
    document = cards.attendance_card("nb", view, Viewer(40, can_correct=True, can_close=True))
    assert "Medlem 2 \\*Nordmann\\*" in card_text(document)
    assert len(json.dumps(document).encode("utf-8")) < MAX_CARD_BYTES


def test_the_absence_confirmation_names_the_deputy_and_the_calendar() -> None:
    text = card_text(cards.absence_reported_card("nb", sample_absence()))
    assert "Forfall er registrert" in text
    assert "Geir Lie er kalt inn" in text and "lagt til i kalenderinvitasjonen" in text
    text = card_text(
        cards.absence_reported_card("en", sample_absence(deputy=False, calendar=False))
    )
    assert "no personal deputy registered" in text


def test_the_deputy_and_secretariat_messages() -> None:
    meeting = sample_meeting()
    deputy = AbsenceNotice(KIND_DEPUTY, 9, "nb", meeting, "Per Haugen", "Geir Lie", None)
    text, document = cards.render_absence_notice(deputy)
    assert text.startswith("Per Haugen kan ikke stille på SSU-møte torsdag 11. februar 2027")
    assert document is not None and "Du er kalt inn som vararepresentant" in card_text(document)
    secretary = replace(deputy, kind=KIND_ABSENCE, view=sample_attendance())
    text, document = cards.render_absence_notice(secretary)
    assert "Personlig vararepresentant Geir Lie er kalt inn" in text
    assert document is not None and cards.VERB_SET in _verbs(document)


def test_refusals_say_nothing_changed() -> None:
    for reason in Reason:
        text = card_text(cards.refused_card("nb", reason))
        assert "Ingenting ble endret" in text
