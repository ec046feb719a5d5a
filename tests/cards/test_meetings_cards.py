"""Meeting cards: schema 1.5, Action.Execute only with the right verbs, every input labelled,
errors next to their fields, untrusted text escaped, payloads under Teams' 28 KB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.domain.calendar import OSLO, Body, Deadlines, MeetingForm, deadlines_for
from bot.domain.meeting_rules import Problem, propose_year
from bot.domain.meeting_state import MeetingState
from bot.services.meetings import (
    BusyFlag,
    BusyReport,
    CalendarInfo,
    MeetingChanged,
    MeetingView,
    PlanApplied,
    ProposalView,
    RefusalReason,
    Refused,
)
from cards import meetings as cards
from cards.base import CARD_VERSION, MAX_CARD_BYTES

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
INPUT_TYPES = {"Input.Text", "Input.Date", "Input.Time", "Input.ChoiceSet", "Input.Number"}


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def inputs(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(document) if n.get("type") in INPUT_TYPES]


def actions(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(document) if str(n.get("type", "")).startswith("Action.")]


def texts(document: dict[str, Any]) -> str:
    return "\n".join(
        str(n[k]) for n in walk(document) for k in ("text", "title", "value") if k in n
    )


def assert_well_formed(document: dict[str, Any]) -> None:
    assert document["type"] == "AdaptiveCard" and document["version"] == CARD_VERSION == "1.5"
    for element in inputs(document):
        assert element.get("label"), f"input {element.get('id')} has no label"
        assert element.get("id")
    ids = [element["id"] for element in inputs(document)]
    assert len(ids) == len(set(ids)), "input ids must be unique"
    for action in actions(document):
        assert action["type"] == "Action.Execute", action
        assert action["verb"].startswith(("meeting.", "help.")), action
    assert len(json.dumps(document, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES


def view(
    meeting_id: int = 7,
    *,
    body: Body = Body.SSU,
    start: datetime = datetime(2027, 2, 11, 9, 30, tzinfo=OSLO),
    hours: int = 5,
    form: MeetingForm = MeetingForm.physical,
    location: str | None = "Fylkeshuset Lillehammer",
    state: MeetingState = MeetingState.PLANNED,
    cancel_reason: str | None = None,
    region: str | None = None,
) -> MeetingView:
    end = start + timedelta(hours=hours)
    deadlines: Deadlines = deadlines_for(body, start, end)
    return MeetingView(
        id=meeting_id,
        body=body,
        title="SSU-møte torsdag 11. februar 2027",
        start=start,
        end=end,
        form=form,
        online=form is not MeetingForm.physical,
        location=location,
        region=region,
        moved_from=None,
        state=state,
        cancel_reason=cancel_reason,
        pattern_key=None,
        deadlines=deadlines,
    )


def plan_items(created: int = 0) -> list[ProposalView]:
    proposals = propose_year(2027)
    return [ProposalView(p, view(i + 1) if i < created else None) for i, p in enumerate(proposals)]


def busy_everywhere() -> BusyReport:
    flags = {
        item.proposal.slot: BusyFlag(("Hilde Vang", "Ingrid Solberg")) for item in plan_items()
    }
    return BusyReport(available=True, flags=flags)


# --------------------------------------------------------------------------------------------------
# The plan card
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["nb", "en"])
def test_the_plan_card_has_four_labelled_inputs_per_meeting_and_approves_with_its_verb(
    locale: str,
) -> None:
    document = cards.plan_card(locale, 2027, plan_items(), busy_everywhere())
    assert_well_formed(document)
    ids = {element["id"] for element in inputs(document)}
    assert len(ids) == 13 * 4
    assert {"ssu-m02-thu-2.date", "ssu-m02-thu-2.start"} <= ids
    assert {"ssu-m02-thu-2.location", "ssu-m02-thu-2.form"} <= ids
    types = {e["id"]: e["type"] for e in inputs(document)}
    assert types["ssu-m02-thu-2.date"] == "Input.Date"
    assert types["ssu-m02-thu-2.start"] == "Input.Time"
    approve = [a for a in actions(document) if a["verb"] == "meeting.plan.approve"]
    assert len(approve) == 1 and approve[0]["data"] == {"year": 2027}


def test_the_plan_card_prefills_the_proposal_and_flags_a_busy_leader() -> None:
    document = cards.plan_card("nb", 2027, plan_items(), busy_everywhere())
    values = {e["id"]: e.get("value") for e in inputs(document)}
    assert values["ssu-m02-thu-2.date"] == "2027-02-11"
    assert values["ssu-m02-thu-2.start"] == "09:30"
    assert values["ssu-m02-thu-2.form"] == "physical"
    assert values["pa-m06-thu-2.form"] == "digital"
    assert "Opptatt i kalenderen: Hilde Vang og Ingrid Solberg" in texts(document)


def test_the_plan_card_says_when_free_busy_is_unavailable() -> None:
    document = cards.plan_card("nb", 2027, plan_items(), BusyReport(available=False))
    assert "fikk ikke sjekket om leder og nestleder er ledige" in texts(document)
    english = cards.plan_card("en", 2027, plan_items(), BusyReport(available=False))
    assert "could not check whether the leader and deputy leader are free" in texts(english)


def test_plan_errors_appear_right_under_their_field_with_the_submitted_values_kept() -> None:
    refused = Refused(
        RefusalReason.INVALID,
        (
            Problem(
                "ssu-m05-thu-3.date",
                "holiday",
                {"date": "06.05.2027", "holiday": "Kristi himmelfartsdag"},
            ),
        ),
    )
    values = {"ssu-m05-thu-3.date": "2027-05-06"}
    document = cards.plan_card(
        "nb", 2027, plan_items(), BusyReport(False), refused=refused, values=values
    )
    assert_well_formed(document)
    column = next(
        n
        for n in walk(document)
        if n.get("type") == "Column"
        and any(i.get("id") == "ssu-m05-thu-3.date" for i in n.get("items", []))
    )
    date_input, error = column["items"]
    assert date_input["value"] == "2027-05-06"
    assert error["color"] == "Attention"
    assert "06.05.2027 er en helligdag (Kristi himmelfartsdag)" in error["text"]
    assert "Ingenting ble lagret" in texts(document)


@pytest.mark.parametrize("fields", [("date",), ("date", "start", "location", "form")])
def test_the_full_plan_card_with_every_flag_and_errors_stays_under_28_kb(
    fields: tuple[str, ...],
) -> None:
    problems = tuple(
        Problem(f"{item.proposal.slot}.{name}", "in_past", {"date": "01.01.2027"})
        for item in plan_items()
        for name in fields
    )
    document = cards.plan_card(
        "nb",
        2027,
        plan_items(),
        busy_everywhere(),
        refused=Refused(RefusalReason.INVALID, problems),
    )
    assert_well_formed(document)


def test_created_meetings_show_without_inputs_and_an_applied_plan_has_no_approve_button() -> None:
    document = cards.plan_card("nb", 2027, plan_items(created=13), BusyReport(False))
    assert_well_formed(document)
    assert inputs(document) == []
    assert [a["verb"] for a in actions(document)] == ["meeting.list"]
    assert "Alle møtene for 2027 er opprettet." in texts(document)


def test_the_confirmation_lists_what_was_created() -> None:
    applied = PlanApplied(2027, (view(1), view(2, body=Body.PA, hours=1)), (view(3),), (2,))
    document = cards.plan_applied_card("nb", applied)
    assert_well_formed(document)
    text = texts(document)
    assert "Møteplanen for 2027 er godkjent" in text
    assert "2 møter er opprettet" in text and "1 møter fantes fra før" in text
    assert "SSU-møte torsdag 11. februar 2027" in text


# --------------------------------------------------------------------------------------------------
# Add, move, cancel
# --------------------------------------------------------------------------------------------------


def test_the_add_card_labels_every_input_and_submits_with_meeting_add() -> None:
    document = cards.add_meeting_card("nb")
    assert_well_formed(document)
    ids = {e["id"] for e in inputs(document)}
    assert ids == {"body", "date", "end_date", "start", "end", "location", "form", "region"}
    [submit] = actions(document)
    assert submit["verb"] == "meeting.add" and submit["data"] == {"step": "submit"}


def test_the_move_card_carries_the_meeting_id_and_the_current_values() -> None:
    document = cards.move_meeting_card("en", view(42))
    assert_well_formed(document)
    [submit] = actions(document)
    assert submit["verb"] == "meeting.move"
    assert submit["data"] == {"meeting_id": 42, "step": "submit"}
    values = {e["id"]: e.get("value") for e in inputs(document)}
    assert values["date"] == "2027-02-11" and values["start"] == "09:30"
    assert values["end"] == "14:30" and values["location"] == "Fylkeshuset Lillehammer"


def test_the_cancel_card_requires_a_labelled_reason_and_is_destructive() -> None:
    document = cards.cancel_meeting_card("nb", view(42))
    assert_well_formed(document)
    [reason] = inputs(document)
    assert reason["id"] == "reason" and reason["isRequired"] and reason["isMultiline"]
    [submit] = actions(document)
    assert submit["verb"] == "meeting.cancel" and submit["style"] == "destructive"
    assert submit["data"] == {"meeting_id": 42, "step": "submit"}


def test_a_refused_cancel_shows_the_reason_error_under_the_field() -> None:
    refused = Refused(RefusalReason.INVALID, (Problem("reason", "reason_missing"),))
    document = cards.cancel_meeting_card("en", view(42), reason=" ", refused=refused)
    text = texts(document)
    assert "Give a reason for the cancellation." in text
    assert "Nothing was saved" in text


def test_untrusted_text_is_escaped() -> None:
    meeting = view(
        location="[klikk her](https://evil.example) **fet**",
        state=MeetingState.CANCELLED,
        cancel_reason="<at>alle</at> _viktig_",
    )
    document = cards.year_card("nb", 2027, [meeting])
    text = texts(document)
    assert "\\[klikk her\\]\\(https://evil\\.example\\)" in text
    assert "\\*\\*fet\\*\\*" in text
    assert "\\<at\\>alle\\</at\\> \\_viktig\\_" in text


@pytest.mark.parametrize("kind", ["add", "move", "cancel"])
def test_the_change_confirmation_says_how_many_will_be_told(kind: str) -> None:
    change = MeetingChanged(
        view(5, state=MeetingState.CANCELLED, cancel_reason="For få saker"),
        view(5, start=datetime(2027, 2, 4, 9, 30, tzinfo=OSLO)),
        tuple(range(27)),
    )
    document = cards.meeting_changed_card("nb", change, kind)
    assert_well_formed(document)
    assert "27 deltakere" in texts(document)


# --------------------------------------------------------------------------------------------------
# Everyone: the year and the next meeting
# --------------------------------------------------------------------------------------------------


def test_the_year_card_gives_move_and_cancel_buttons_only_to_the_secretariat() -> None:
    meetings = [view(1), view(2, state=MeetingState.HELD), view(3, state=MeetingState.CANCELLED)]
    member = cards.year_card("nb", 2027, meetings)
    secretary = cards.year_card("nb", 2027, meetings, can_manage=True)
    assert_well_formed(member)
    assert_well_formed(secretary)
    assert {a["verb"] for a in actions(member)} == {"meeting.list"}
    managed = [(a["verb"], a.get("data")) for a in actions(secretary)]
    assert ("meeting.move", {"meeting_id": 1}) in managed
    assert ("meeting.cancel", {"meeting_id": 1}) in managed
    assert ("meeting.move", {"meeting_id": 2}) not in managed
    assert ("meeting.cancel", {"meeting_id": 3}) not in managed
    assert ("meeting.add", None) in managed
    assert ("meeting.plan.show", {"year": 2028}) in managed


def test_next_meeting_shows_date_time_place_form_and_the_deadlines_ahead() -> None:
    document = cards.next_meeting_card("nb", view(), None, now=NOW)
    assert_well_formed(document)
    text = texts(document)
    assert "torsdag 11. februar 2027" in text and "09:30–14:30" in text
    assert "Fylkeshuset Lillehammer" in text and "Fysisk møte" in text
    assert "Frist for å melde inn saker" in text and "torsdag 21. januar 2027 kl. 09:30" in text
    later = cards.next_meeting_card("nb", view(), None, now=datetime(2027, 2, 5, tzinfo=UTC))
    assert "Frist for å melde inn saker" not in texts(later)
    assert "Protokoll klar" in texts(later)


def test_next_meeting_shows_the_teams_link_or_that_the_calendar_is_pending() -> None:
    digital = view(form=MeetingForm.digital, location=None)
    pending = cards.next_meeting_card("nb", digital, CalendarInfo(pending=True), now=NOW)
    assert "venter på kalender" in texts(pending)
    url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc"
    synced = cards.next_meeting_card(
        "en", digital, CalendarInfo(pending=False, join_url=url), now=NOW
    )
    assert f"[Join the Teams meeting]({url})" in texts(synced)
    unsafe = cards.next_meeting_card(
        "nb", digital, CalendarInfo(pending=False, join_url="javascript:alert(1)"), now=NOW
    )
    assert "javascript" not in texts(unsafe)


def test_next_meeting_without_meetings_says_so_in_both_languages() -> None:
    assert "ingen kommende møter" in texts(cards.next_meeting_card("nb", None, None, now=NOW))
    assert "no upcoming meetings" in texts(cards.next_meeting_card("en", None, None, now=NOW))


def test_a_two_day_meeting_shows_both_days() -> None:
    gathering = view(body=Body.STRATEGY, start=datetime(2027, 3, 10, 12, 0, tzinfo=OSLO), hours=24)
    text = texts(cards.next_meeting_card("en", gathering, None, now=NOW))
    assert "Wednesday 10 March 2027 – Thursday 11 March 2027" in text
    assert "12:00 – 12:00" in text


def test_refusals_say_nothing_was_changed() -> None:
    document = cards.refused_card("nb", Refused(RefusalReason.NOT_ALLOWED))
    assert "Du har ikke tilgang til dette" in texts(document)
    assert date(2027, 1, 1)  # keep the import honest for readers skimming the helpers
