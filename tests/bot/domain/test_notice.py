"""The notice's content model: seed 001's layout, the standing items, the proposals, the
attachments, the fingerprint and its JSON round trip, the calendar body."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.domain.agenda import AgendaCase, Standing
from bot.domain.calendar import OSLO, Body, MeetingForm
from bot.domain.cases import Route, Section
from bot.domain.notice import (
    Attachment,
    BreakLine,
    ListedSection,
    PublicationMeta,
    attachment_name,
    build_notice,
    calendar_html,
    content_from_json,
    content_to_json,
    fingerprint,
    meta_lines,
    notice_lines,
)
from tests.bot.agenda_support import seed_agenda, seed_cases, seed_facts, seed_notice


def test_the_notice_reads_like_seed_001() -> None:
    lines = notice_lines(seed_notice())
    assert lines[:19] == [
        "Innkalling til møte i Strategisk samarbeidsutvalg",
        "Dato: 22. mai 2025",
        "Tid: 09:00–14:00",
        "Sted: Fylkeshuset Lillehammer, Kirkegata 76",
        "Møteform: fysisk møte",
        "Sak 11/25 Godkjenning av innkalling og saksliste (2 min)",
        "Sak 12/25 Godkjenning av referat fra SSU-møtet 20.02.25 (3 min)",
        "Beslutningssaker",
        "Sak 13/25 Strategisamling SSU 11.-12. mars 2025 - oppfølging (60 min)",
        "Sak 14/25 Videreføre gode pasientforløp og etablere faglig samarbeidsutvalg (60 min)",
        "PAUSE og LUNCH fra ca 11:05 – 11:35",
        "Temasaker",
        "Sak 15/25 Beregning av gevinst og evt fordeling (30 min)",
        "Sak 16/25 Rekrutterings - og samhandlingsmidler 2025 (75 min)",
        "Sak 17/25 Strategiske prosesser hos partnerne (30 min)",
        "Referatsaker",
        "Sak 18/25 Handlingsdelen 2024 - 2025 - status (5 min)",
        "Eventuelt",
        "Vedlegg til innkallingen:",
    ]
    assert lines[19:21] == [
        "- Oppsummering fra strategisamling 2025.pdf (sak 13/25): "
        "https://portal.example/ssu/Oppsummering%20fra%20strategisamling%202025.pdf",
        "- Rapport gode pasientforløp.docx (sak 14/25): "
        "https://portal.example/ssu/Rapport%20gode%20pasientforløp.docx",
    ]
    assert lines[21] == (
        "- Økt samhandling med fastleger.pdf (sak 14/25): "
        "https://portal.example/ssu/%C3%98kt%20samhandling%20med%20fastleger.pdf"
    )
    assert lines[22] == "Saksgrunnlag"


def test_the_case_basis_carries_every_proposed_decision() -> None:
    lines = notice_lines(seed_notice())
    basis = lines[lines.index("Saksgrunnlag") :]
    start = basis.index("Sak 11/25 Godkjenning av innkalling og saksliste")
    assert basis[start : start + 3] == [
        "Sak 11/25 Godkjenning av innkalling og saksliste",
        "Forslag til vedtak:",
        "Innkalling og saksliste godkjennes.",
    ]
    start = basis.index("Sak 12/25 Godkjenning av referat fra SSU-møtet 20.02.25")
    assert basis[start + 2] == "Referat fra strategisk samarbeidsutvalg den 20.02.25 godkjennes."
    start = basis.index("Sak 13/25 Strategisamling SSU 11.-12. mars 2025 - oppfølging")
    assert basis[start : start + 9] == [
        "Sak 13/25 Strategisamling SSU 11.-12. mars 2025 - oppfølging",
        "Innmeldt av: Sekretariatet",
        "Bakgrunn:",
        "Kort oppsummering fra samlingen, og dialog om veien videre for å videreutvikle "
        "likeverdig partnerskap og styrke samsyn og samhandling.",
        "Vurdering:",
        "Sekretariatet anbefaler en fast egenevaluering, så utvalget lærer av hvert møte.",
        "Forslag til vedtak:",
        "1. Strategisk samarbeidsutvalg gjennomfører egenevaluering i forbindelse med hvert møte.",
        "2. Strategisk samarbeidsutvalg ber sekretariatet utarbeide handlingsplan og følge opp "
        "tiltakene jevnlig i strategisk samarbeidsutvalg.",
    ]
    # A report case without a proposal is taken "til orientering" (seed 001, sak 18.25).
    start = basis.index("Sak 18/25 Handlingsdelen 2024 - 2025 - status")
    assert basis[start + 1 : start + 3] == [
        "Forslag til vedtak:",
        "Strategisk samarbeidsutvalg tar referatsaken til orientering.",
    ]
    # A theme case without one gets none.
    start = basis.index("Sak 16/25 Rekrutterings - og samhandlingsmidler 2025")
    assert basis[start + 1] == "Sak 17/25 Strategiske prosesser hos partnerne"
    assert basis[-1] == "Eventuelt"


def test_section_headings_repeat_in_the_case_basis() -> None:
    lines = notice_lines(seed_notice())
    basis = lines[lines.index("Saksgrunnlag") :]
    headings = [line for line in basis if line in {"Beslutningssaker", "Temasaker", "Referatsaker"}]
    assert headings == ["Beslutningssaker", "Temasaker", "Referatsaker"]


def test_without_a_previous_meeting_the_minutes_are_the_previous_ones() -> None:
    content = build_notice(5, seed_facts(previous=None), seed_agenda())
    assert "Sak 12/25 Godkjenning av referat fra forrige møte (3 min)" in notice_lines(content)
    assert "Referat fra forrige møte godkjennes." in notice_lines(content)


def test_empty_sections_are_left_out_but_any_other_business_stays() -> None:
    agenda = seed_agenda(cases=[seed_cases()[0]])
    content = build_notice(5, seed_facts(), agenda)
    lines = notice_lines(content)
    assert "Temasaker" not in lines and "Referatsaker" not in lines
    assert "Eventuelt" in lines
    assert lines[lines.index("Vedlegg til innkallingen:") + 1].startswith("- Oppsummering")


def test_no_attachments_is_said() -> None:
    agenda = seed_agenda(cases=[replace(c, attachments=()) for c in seed_cases()])
    lines = notice_lines(build_notice(5, seed_facts(), agenda))
    assert lines[lines.index("Vedlegg til innkallingen:") + 1] == "Ingen vedlegg."


def test_other_cases_stand_under_any_other_business() -> None:
    other = AgendaCase(9, 2025, 19, "Orientering om ny lov", "other", Section.OTHER, Route.SSU, 10)
    content = build_notice(5, seed_facts(), seed_agenda(cases=[*seed_cases(), other]))
    [last] = [
        p for p in content.listing if isinstance(p, ListedSection) and p.heading == "Eventuelt"
    ]
    assert [i.line() for i in last.items] == ["Sak 19/25 Orientering om ny lov (10 min)"]


@pytest.mark.parametrize(
    ("form", "location", "place", "form_text"),
    [
        (MeetingForm.digital, None, "Teams", "digitalt møte (Teams)"),
        (MeetingForm.hybrid, "Scandic Hamar", "Scandic Hamar", "hybrid møte (fysisk og Teams)"),
        (MeetingForm.physical, "  ", "Kommer", "fysisk møte"),
    ],
)
def test_the_notice_says_how_the_meeting_is_held(
    form: MeetingForm, location: str | None, place: str, form_text: str
) -> None:
    content = build_notice(5, seed_facts(form=form, location=location), seed_agenda())
    assert dict(content.facts)["Sted"] == place
    assert dict(content.facts)["Møteform"] == form_text


def test_a_meeting_over_two_days() -> None:
    start = datetime(2026, 3, 11, 12, 0, tzinfo=OSLO)
    end = start + timedelta(days=1)
    facts = seed_facts(body=Body.STRATEGY, start=start, end=end)
    content = build_notice(5, facts, seed_agenda(start=start, end=end))
    assert content.title == "Innkalling til strategisamling i Strategisk samarbeidsutvalg"
    assert dict(content.facts)["Dato"] == "11.–12. mars 2026"
    assert dict(content.facts)["Tid"] == "11. mars 2026 kl. 12:00 – 12. mars 2026 kl. 12:00"


@pytest.mark.parametrize(
    ("body", "title", "minutes_title"),
    [
        (Body.AU, "Innkalling til møte i Arbeidsutvalget", "fra AU-møtet 20.02.25"),
        (Body.PA, "Innkalling til Partnerskapsmøtet i Helsefellesskap Innlandet", "møtet 20.02"),
    ],
)
def test_titles_per_body(body: Body, title: str, minutes_title: str) -> None:
    content = build_notice(5, seed_facts(body=body), seed_agenda(body=body))
    assert content.title == title
    assert minutes_title in content.items[1].title


def test_the_fingerprint_changes_with_the_content_only() -> None:
    first, second = seed_notice(), seed_notice()
    assert fingerprint(first) == fingerprint(second)
    cases = seed_cases()
    cases[1] = replace(cases[1], proposal="Et annet forslag.")
    changed = build_notice(5, seed_facts(), seed_agenda(cases=cases))
    assert fingerprint(changed) != fingerprint(first)
    cases = seed_cases()
    cases[4] = replace(cases[4], agenda_minutes=25)
    assert fingerprint(build_notice(5, seed_facts(), seed_agenda(cases=cases))) != fingerprint(
        first
    )
    moved = build_notice(5, seed_facts(location="Hamar"), seed_agenda())
    assert fingerprint(moved) != fingerprint(first)


def test_the_content_survives_its_json() -> None:
    content = seed_notice()
    assert content_from_json(content_to_json(content)) == content
    assert any(isinstance(p, BreakLine) for p in content.listing)


def test_version_and_late_reason_lines() -> None:
    published = datetime(2025, 5, 19, 10, 0, tzinfo=OSLO)
    assert meta_lines(None) == []
    assert meta_lines(PublicationMeta(1, published)) == []
    assert meta_lines(PublicationMeta(2, published, "Hastesak om budsjett")) == [
        "Versjon 2, publisert 19. mai 2025: erstatter tidligere versjon.",
        "Kortere innkallingsfrist enn normalt, begrunnet med: Hastesak om budsjett",
    ]
    lines = notice_lines(seed_notice(), PublicationMeta(2, published))
    assert lines[5] == "Versjon 2, publisert 19. mai 2025: erstatter tidligere versjon."


def test_attachment_names() -> None:
    assert (
        attachment_name("https://x.example/a/Rapport%20%C3%A6%C3%B8%C3%A5.pdf") == "Rapport æøå.pdf"
    )
    assert attachment_name("https://x.example/") == "x.example"
    assert Attachment("a.pdf", "https://x/a.pdf", "13/25").line() == (
        "- a.pdf (sak 13/25): https://x/a.pdf"
    )


def test_the_calendar_body_lists_the_agenda_escaped() -> None:
    cases = seed_cases()
    cases[0] = replace(cases[0], title="<script>alert(1)</script> & co")
    content = build_notice(5, seed_facts(), seed_agenda(cases=cases))
    body = calendar_html(content, document_url='https://portal.example/a"b.docx', version=2)
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body
    assert "(versjon 2)" in body
    assert 'href="https://portal.example/a&quot;b.docx"' in body
    assert "<li>Sak 11/25 Godkjenning av innkalling og saksliste (2 min)</li>" in body
    assert "PAUSE og LUNCH fra ca 11:05 – 11:35" in body


def test_standing_items_carry_the_agenda_numbers() -> None:
    standing = Standing(year=2026, approval_number=31, minutes_number=32)
    content = build_notice(
        5, seed_facts(previous=date(2026, 2, 12)), seed_agenda(standing=standing)
    )
    assert [i.label for i in content.items[:2]] == ["31/26", "32/26"]
    assert content.items[1].title == "Godkjenning av referat fra SSU-møtet 12.02.26"
