"""Case cards: pure builders — inputs, errors next to their fields, escaping, size, notices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.cases import (
    FORM_FIELDS,
    CaseStatus,
    CaseType,
    EconomicImpact,
    MeetingSlot,
    Placement,
    Problem,
    Route,
    Section,
    Submission,
    allowed_routes,
)
from bot.services.cases import KIND_STATUS, KIND_TRIAGE, CaseView, Notice, TriageView
from cards.base import MAX_CARD_BYTES
from cards.cases import (
    CaseForm,
    case_confirm_card,
    case_form_card,
    case_receipt_card,
    meeting_label,
    my_cases_card,
    render_notice,
    status_text,
    triage_card,
    triaged_card,
)
from tests.support.harness import card_text

START = datetime(2026, 2, 12, 8, 30, tzinfo=UTC)
FEB = MeetingSlot(1, "SSU", "SSU-møte", START, START - timedelta(days=21))
MAY = MeetingSlot(2, "SSU", "SSU-møte", datetime(2026, 5, 21, 7, 30, tzinfo=UTC), START)
AU = MeetingSlot(3, "AU", "AU-møte", datetime(2026, 3, 5, 8, 0, tzinfo=UTC), START)
NASTY = "**fet** <b>html</b> [lenke](https://evil.example) _x_ # overskrift"


def body_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = document["body"]
    return body


def size(document: dict[str, Any]) -> int:
    return len(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def case(**changes: Any) -> CaseView:
    values: dict[str, Any] = {
        "id": 7,
        "year": 2026,
        "number": 4,
        "title": "Felles rutine",
        "submitter_org": "Hamar kommune",
        "anchored_with": "Kommunalsjef",
        "case_type": CaseType.DECISION,
        "background": "Bakgrunn.",
        "assessment": "Vurdering.",
        "proposal": "Forslag.",
        "economic_impact": EconomicImpact.NONE,
        "attachments": (),
        "status": CaseStatus.SUBMITTED,
        "route": None,
        "section": None,
        "minutes": None,
        "meeting": FEB,
        "requested_meeting": FEB,
        "submitter_name": "Per Haugen",
        "submitter_person_id": 2,
        "submitted_at": START - timedelta(days=30),
    }
    values.update(changes)
    return CaseView(**values)


def test_meeting_labels_in_both_languages() -> None:
    assert meeting_label(FEB, "nb") == "SSU-møte 12. februar 2026"
    assert meeting_label(FEB, "en") == "SSU meeting 12 February 2026"
    assert meeting_label(AU, "nb") == "AU-møte 5. mars 2026"
    assert meeting_label(None, "nb") == "Ikke satt opp på møte ennå"


def test_the_form_lists_inputs_in_template_order_with_help_under_each() -> None:
    document = case_form_card(CaseForm("nb", "d" * 32, meetings=[FEB, MAY]))
    ids = [e["id"] for e in body_of(document) if e.get("type", "").startswith("Input.")]
    assert ids == list(FORM_FIELDS)
    meeting = next(e for e in body_of(document) if e.get("id") == "meeting")
    assert [c["title"] for c in meeting["choices"]] == [
        "Ingen ønske – sekretariatet foreslår møte",
        "SSU-møte 12. februar 2026 (frist for saker 22. januar 2026)",
        "SSU-møte 21. mai 2026 (frist for saker 12. februar 2026)",
    ]
    assert document["actions"][0]["data"] == {"draft_id": "d" * 32, "intent": "submit"}
    assert document["actions"][1]["associatedInputs"] == "none"


def test_a_problem_is_shown_right_under_its_input_and_in_a_banner() -> None:
    problems = [Problem("title", "required"), Problem("attachments", "link_not_https", line=2)]
    document = case_form_card(CaseForm("nb", "d" * 32, {"title": ""}, problems=problems))
    body = body_of(document)
    assert body[2]["style"] == "attention"
    index = next(i for i, e in enumerate(body) if e.get("id") == "title")
    assert body[index + 1]["text"] == "Fyll ut dette feltet."
    assert body[index + 1]["color"] == "Attention"
    index = next(i for i, e in enumerate(body) if e.get("id") == "attachments")
    assert body[index + 1]["text"] == (
        "Lenke nr. 2 må være en nettadresse som begynner med https://"
    )


def test_the_form_keeps_what_was_typed_raw_in_the_inputs() -> None:
    values = {"title": NASTY, "anchored": "true", "meeting": "2", "case_type": "theme"}
    document = case_form_card(CaseForm("nb", "d" * 32, values, meetings=[FEB, MAY]))
    by_id = {e["id"]: e for e in body_of(document) if "id" in e}
    assert by_id["title"]["value"] == NASTY
    assert by_id["anchored"]["value"] == "true"
    assert by_id["meeting"]["value"] == "2"
    assert by_id["case_type"]["value"] == "theme"


def test_a_meeting_no_longer_offered_is_not_preselected() -> None:
    document = case_form_card(CaseForm("nb", "d" * 32, {"meeting": "1"}, meetings=[MAY]))
    by_id = {e["id"]: e for e in body_of(document) if "id" in e}
    assert by_id["meeting"]["value"] == ""


def test_a_form_filled_to_every_limit_fits_a_teams_card() -> None:
    paragraph = (
        "Pasienter i Innlandet skrives ut «for tidlig», og kommunen får ikke beskjed. "
        'Vi foreslår en "felles" rutine (se vedlegg).\n'
    )
    values = {name: (paragraph * 40)[:4000] for name in ("background", "assessment", "proposal")}
    values.update(title="Æ" * 200, submitter_org="ø" * 200, anchored_with="å" * 200)
    values["attachments"] = "\n".join("https://portal.example/" + "a" * 470 for _ in range(10))
    document = case_form_card(CaseForm("nb", "d" * 32, values, meetings=[FEB, MAY, AU]))
    assert size(document) < MAX_CARD_BYTES


def submission(**changes: Any) -> Submission:
    values: dict[str, Any] = {
        "title": NASTY,
        "submitter_org": "Hamar kommune",
        "anchored_with": "Kommunalsjef",
        "case_type": CaseType.DECISION,
        "background": "Bakgrunn.",
        "assessment": "Vurdering.",
        "proposal": "Forslag.",
        "economic_impact": EconomicImpact.NONE,
        "meeting_id": 1,
        "attachments": ("https://portal.example/a.pdf",),
    }
    values.update(changes)
    return Submission(**values)


def test_the_confirmation_escapes_what_was_typed_and_says_where_it_goes() -> None:
    document = case_confirm_card("nb", "d" * 32, submission(), Placement(MAY, FEB, moved=True))
    text = card_text(document)
    assert NASTY not in text
    assert "\\*\\*fet\\*\\* \\<b\\>html\\</b\\>" in text
    assert (
        "Fristen for å melde inn saker til SSU-møte 12. februar 2026 gikk ut 22. januar 2026. "
        "Saken meldes derfor inn til SSU-møte 21. mai 2026."
    ) in text
    assert [a["data"]["intent"] for a in document["actions"]] == ["confirm", "edit"]


def test_the_confirmation_flags_major_impact_for_ssu() -> None:
    document = case_confirm_card(
        "en", "d" * 32, submission(economic_impact=EconomicImpact.MAJOR), Placement(None)
    )
    assert "is decided by the Strategic Cooperation Committee (SSU)" in card_text(document)


def test_a_confirmation_of_adversarial_texts_still_fits() -> None:
    texts = {name: "*" * 4000 for name in ("background", "assessment", "proposal")}
    document = case_confirm_card("nb", "d" * 32, submission(**texts), Placement(FEB, FEB))
    assert size(document) <= MAX_CARD_BYTES


def test_the_receipt_names_the_number() -> None:
    text = card_text(case_receipt_card("nb", case(), again=True))
    assert "Saken er meldt inn – sak 04/26" in text
    assert "allerede sendt inn" in text


def test_the_triage_card_offers_the_three_routes_or_only_ssu_for_major_impact() -> None:
    view = TriageView(case(), (FEB, MAY), allowed_routes(EconomicImpact.NONE))
    document = triage_card("nb", view)
    by_id = {e["id"]: e for e in body_of(document) if "id" in e}
    assert [c["value"] for c in by_id["route"]["choices"]] == ["au", "au_line", "ssu"]
    assert by_id["route"]["value"] == "ssu"  # decision case: suggested SSU
    assert by_id["section"]["value"] == "decision"
    assert by_id["meeting"]["value"] == "1"
    assert by_id["route"]["choices"][0]["title"].startswith(
        "Ferdigbehandles i arbeidsutvalget (AU)"
    )
    assert document["actions"][0] == {
        "type": "Action.Execute",
        "title": "Lagre vurderingen",
        "verb": "case.triage",
        "data": {"case_id": 7},
        "style": "positive",
    }
    major = case(economic_impact=EconomicImpact.MAJOR, case_type=CaseType.REPORT)
    document = triage_card("nb", TriageView(major, (), allowed_routes(EconomicImpact.MAJOR)))
    by_id = {e["id"]: e for e in body_of(document) if "id" in e}
    assert [c["value"] for c in by_id["route"]["choices"]] == ["ssu"]
    assert "saken skal besluttes i SSU" in card_text(document)


def test_the_triage_card_escapes_the_submitters_texts() -> None:
    view = TriageView(case(title=NASTY, background=NASTY), (), tuple(Route))
    text = card_text(triage_card("nb", view))
    assert NASTY not in text and "\\[lenke\\]\\(https://evil\\.example\\)" in text


def test_the_triaged_card_spells_out_the_decision() -> None:
    done = case(status=CaseStatus.TRIAGED, route=Route.AU_LINE, section=Section.REPORT, minutes=5)
    text = card_text(triaged_card("nb", done))
    assert "Sak 04/26 er vurdert" in text
    assert "i samarbeid med etablerte styringslinjer" in text
    assert "Referatsaker" in text and "5 min" in text


def test_my_cases_lists_number_title_status_and_meeting() -> None:
    text = card_text(my_cases_card("nb", [case(title=NASTY), case(number=5, meeting=None)]))
    assert "Sak 04/26: \\*\\*fet\\*\\*" in text
    assert "Sak 05/26" in text
    assert "Innmeldt" in text and "SSU-møte 12. februar 2026" in text
    assert "Ikke satt opp på møte ennå" in text


def test_notices_render_a_triage_card_or_a_status_note() -> None:
    triage = Notice(KIND_TRIAGE, case(), "nb", "k", recipient_person_id=1, meetings=(FEB,))
    text, document = render_notice(triage)
    assert text == "Ny sak til vurdering: sak 04/26 «Felles rutine»."
    assert document is not None and document["actions"][0]["verb"] == "case.triage"
    status = Notice(
        KIND_STATUS,
        case(status=CaseStatus.TRIAGED, route=Route.SSU),
        "en",
        "k",
        recipient_person_id=2,
    )
    text, document = render_notice(status)
    assert document is None
    assert text == (
        "Case 04/26 «Felles rutine» has a new status: Triaged by the secretariat. "
        "Route: Decided by the Strategic Cooperation Committee (SSU). "
        "Meeting: SSU meeting 12 February 2026."
    )
    assert status_text("nb", case(title="*x*")).startswith("Sak 04/26 «\\*x\\*»")
