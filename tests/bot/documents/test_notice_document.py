"""The notice as a Word document: read back with python-docx, it says exactly the golden text
(seed 001's demo meeting), Norwegian letters intact, with real headings, bullets and links."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE

from bot.documents.notice_docx import CONTENT_TYPE, render_notice_docx
from bot.domain.calendar import OSLO
from bot.domain.notice import PublicationMeta, build_notice, notice_lines
from tests.bot.agenda_support import seed_agenda, seed_cases, seed_facts, seed_notice

GOLDEN = Path(__file__).with_name("golden") / "notice_seed_001.txt"
META = PublicationMeta(
    version=2,
    published=datetime(2025, 5, 19, 14, 30, tzinfo=OSLO),
    late_reason=(
        "Hastesak om rekrutterings- og samhandlingsmidler før sommeren; møtet må behandle "
        "fordelingen."
    ),
)


def document_lines(data: bytes) -> list[str]:
    """Every non-empty body paragraph; a bulleted one with the "- " its bullet shows."""
    document = docx.Document(io.BytesIO(data))
    lines = []
    for paragraph in document.paragraphs:
        if not paragraph.text.strip():
            continue
        bullet = paragraph.style is not None and paragraph.style.name == "List Bullet"
        lines.append(("- " if bullet else "") + paragraph.text)
    return lines


def test_the_document_says_the_golden_text() -> None:
    data = render_notice_docx(seed_notice(), META)
    lines = document_lines(data)
    if os.environ.get("SSU_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lines == GOLDEN.read_text(encoding="utf-8").splitlines()
    assert lines == notice_lines(seed_notice(), META)


def test_norwegian_letters_survive() -> None:
    text = "\n".join(document_lines(render_notice_docx(seed_notice(), META)))
    for word in ("Møteform", "Videreføre", "sårbehandling", "lærer", "Økt samhandling"):
        assert word in text
    assert {"æ", "ø", "å"} <= set(text)
    golden = GOLDEN.read_text(encoding="utf-8")
    assert {"æ", "ø", "å", "Ø"} <= set(golden)


def test_headings_bullets_links_and_properties() -> None:
    data = render_notice_docx(seed_notice(), META)
    document = docx.Document(io.BytesIO(data))
    styles = {p.text: p.style.name for p in document.paragraphs if p.style is not None}
    assert styles["Innkalling til møte i Strategisk samarbeidsutvalg"] == "Heading 1"
    assert styles["Saksgrunnlag"] == "Heading 1"
    assert styles["Beslutningssaker"] == "Heading 2"
    assert styles["Vedlegg til innkallingen:"] == "Heading 2"
    assert styles["Sak 13/25 Strategisamling SSU 11.-12. mars 2025 - oppfølging"] == "Heading 3"
    basis = next(p for p in document.paragraphs if p.text == "Saksgrunnlag")
    assert basis.paragraph_format.page_break_before
    links = [
        r.target_ref
        for r in document.part.rels.values()
        if r.reltype == RELATIONSHIP_TYPE.HYPERLINK
    ]
    assert sorted(links) == [
        "https://portal.example/ssu/%C3%98kt%20samhandling%20med%20fastleger.pdf",
        "https://portal.example/ssu/Oppsummering%20fra%20strategisamling%202025.pdf",
        "https://portal.example/ssu/Rapport%20gode%20pasientforløp.docx",
    ]
    properties = document.core_properties
    assert properties.title == "Innkalling til møte i Strategisk samarbeidsutvalg"
    assert properties.language == "nb-NO"
    assert properties.revision == 2
    assert "versjon 2" in document.sections[0].footer.paragraphs[0].text
    assert CONTENT_TYPE.endswith("wordprocessingml.document")


def test_a_first_version_has_no_version_line() -> None:
    meta = PublicationMeta(1, datetime(2025, 5, 12, 9, 0, tzinfo=OSLO))
    lines = document_lines(render_notice_docx(seed_notice(), meta))
    assert not any(line.startswith("Versjon") for line in lines)
    assert not any(line.startswith("Kortere innkallingsfrist") for line in lines)
    assert lines == notice_lines(seed_notice(), meta)


def test_characters_xml_cannot_hold_are_dropped() -> None:
    cases = seed_cases()
    cases[0] = replace(cases[0], title="Sak\x01 med\x0b kontrolltegn", proposal="Godkjennes.\x1f")
    content = build_notice(5, seed_facts(), seed_agenda(cases=cases))
    lines = document_lines(render_notice_docx(content))
    assert "Sak 13/25 Sak med kontrolltegn (60 min)" in lines
    assert "Godkjennes." in lines


def test_a_preview_without_meta_renders() -> None:
    data = render_notice_docx(seed_notice(), created=datetime(2025, 5, 10, 8, 0, tzinfo=OSLO))
    assert data[:2] == b"PK"
    assert document_lines(data) == notice_lines(seed_notice())
