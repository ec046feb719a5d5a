"""The notice (innkalling) as a Word document (python-docx), in the layout of seed 001.

Why DOCX: the committee's own notices are Word documents, the portal is a SharePoint library that
previews them, and the secretariat can still open and annotate one. Norwegian letters need nothing
special in DOCX (the text is Unicode XML).

The body holds exactly the paragraphs of :func:`bot.domain.notice.notice_lines`, in order (a
bulleted attachment is one "List Bullet" paragraph, its "- " given by the bullet), so the golden
text test can read the document back and compare it line by line.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Final

from bot.domain.calendar import to_oslo
from bot.domain.notice import (
    ATTACHMENTS_HEADING,
    BASIS_HEADING,
    NO_ATTACHMENTS,
    PROPOSAL_LABEL,
    BreakLine,
    CaseBasis,
    NoticeContent,
    PublicationMeta,
    meta_lines,
)

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.text.paragraph import Paragraph

__all__ = ["CONTENT_TYPE", "EXTENSION", "render_notice_docx"]

log = logging.getLogger(__name__)

CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION: Final = "docx"
AUTHOR: Final = "SSU-assistenten, Helsefellesskap Innlandet"
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold; python-docx refuses them. Case texts are cleaned at submission,
this is the last line of defence."""
_LINK_BLUE: Final = "0563C1"
"""The hyperlink colour (w:color's hex RGB, as ``str(RGBColor(0x05, 0x63, 0xC1))`` gives)."""


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _labelled(document: WordDocument, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(_clean(value))


def _hyperlink(paragraph: Paragraph, url: str) -> None:
    """A clickable external link (python-docx has no API for it: built from the OOXML)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    target = _clean(url)
    relation = paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), _LINK_BLUE)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(color)
    properties.append(underline)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = target
    text.set(qn("xml:space"), "preserve")
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


def _paragraphs(document: WordDocument, text: str) -> None:
    for line in (part.strip() for part in text.split("\n")):
        if line:
            document.add_paragraph(_clean(line))


def _bold(document: WordDocument, text: str) -> None:
    document.add_paragraph().add_run(text).bold = True


def _case(document: WordDocument, case: CaseBasis) -> None:
    document.add_heading(_clean(f"Sak {case.label} {case.title}"), level=3)
    if case.submitter:
        _labelled(document, "Innmeldt av", case.submitter)
    if case.background:
        _bold(document, "Bakgrunn:")
        _paragraphs(document, case.background)
    if case.assessment:
        _bold(document, "Vurdering:")
        _paragraphs(document, case.assessment)
    if case.proposal:
        _bold(document, PROPOSAL_LABEL)
        _paragraphs(document, case.proposal)


def render_notice_docx(
    content: NoticeContent, meta: PublicationMeta | None = None, *, created: datetime | None = None
) -> bytes:
    """The notice as DOCX bytes. ``meta`` adds the version line and a short notice's reason."""
    from docx import Document  # on the first notice: python-docx and lxml take ~0.2 s to import
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    properties = document.core_properties
    properties.title = _clean(content.title)
    properties.author = AUTHOR
    properties.language = "nb-NO"
    properties.subject = "Innkalling"
    if meta is not None:
        properties.revision = meta.version
        properties.created = to_oslo(meta.published).replace(tzinfo=None)
    elif created is not None:
        properties.created = to_oslo(created).replace(tzinfo=None)

    document.add_heading(_clean(content.title), level=1)
    for name, value in content.facts:
        _labelled(document, name, value)
    for line in meta_lines(meta):
        document.add_paragraph().add_run(_clean(line)).italic = True
    for part in content.listing:
        if isinstance(part, BreakLine):
            document.add_paragraph().add_run(_clean(part.text)).bold = True
            continue
        if part.heading:
            document.add_heading(_clean(part.heading), level=2)
        for item in part.items:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"Sak {item.label} ").bold = True
            paragraph.add_run(_clean(f"{item.title} ({item.minutes} min)"))
    document.add_heading(ATTACHMENTS_HEADING, level=2)
    if not content.attachments:
        document.add_paragraph(NO_ATTACHMENTS)
    for attachment in content.attachments:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(_clean(f"{attachment.name} (sak {attachment.label}): "))
        _hyperlink(paragraph, attachment.url)
    heading = document.add_heading(BASIS_HEADING, level=1)
    heading.paragraph_format.page_break_before = True
    for section in content.basis:
        if section.heading:
            document.add_heading(_clean(section.heading), level=2)
        for case in section.cases:
            _case(document, case)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = _clean(
        f"{content.title}" + (f" – versjon {meta.version}" if meta is not None else "")
    )
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    log.debug(
        "notice document rendered",
        extra={"meeting_id": content.meeting_id, "size": len(data)},
    )
    return data
