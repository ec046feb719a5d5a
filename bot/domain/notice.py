"""The notice (innkalling): what it says, built from the meeting and its agenda.

Why a content model apart from the document: the same notice is a DOCX in the portal, plain text
in a golden test, HTML in the calendar event and a fingerprint that tells whether anything changed
since it was last published. Each is a rendering of one :class:`NoticeContent`, so they cannot
drift apart, and "publishing twice without changes" is a comparison of two hashes.

The layout is the committee's own (seed 001)::

    Innkalling til møte i Strategisk samarbeidsutvalg
    Dato: 22. mai 2025 / Tid / Sted / Møteform
    Sak 11/25 Godkjenning av innkalling og saksliste (2 min)
    Sak 12/25 Godkjenning av referat fra SSU-møtet 20.02.25 (3 min)
    Beslutningssaker …  PAUSE og LUNCH fra ca 11:15 – 11:45  Temasaker …  Referatsaker …  Eventuelt
    Vedlegg til innkallingen: …
    Saksgrunnlag — per case: title, background, assessment, "Forslag til vedtak"

The notice must say how the meeting is held (seed 004 §4.1, "møteform"), so the form is always
printed. The document is Norwegian whatever the reader's Teams language: it is the committee's
record, published in its portal.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Final
from urllib.parse import unquote, urlsplit

from bot.domain.agenda import Agenda, AgendaItem, ItemKind, Part
from bot.domain.calendar import Body, MeetingForm, format_date_nb, format_span_nb, to_oslo

__all__ = [
    "BODY_NAMES",
    "FORM_TEXTS",
    "Attachment",
    "BasisSection",
    "BreakLine",
    "CaseBasis",
    "ListedItem",
    "ListedSection",
    "MeetingFacts",
    "NoticeContent",
    "PublicationMeta",
    "build_notice",
    "calendar_html",
    "case_basis_lines",
    "content_from_json",
    "content_to_json",
    "fingerprint",
    "meta_lines",
    "notice_lines",
]

BODY_NAMES: Final[dict[Body, str]] = {
    Body.SSU: "Strategisk samarbeidsutvalg",
    Body.STRATEGY: "Strategisk samarbeidsutvalg",
    Body.PA: "Partnerskapsmøtet",
    Body.DIALOG: "Dialogmøtet",
    Body.AU: "Arbeidsutvalget",
}
"""Who decides: the subject of "… tar referatsaken til orientering"."""
_TITLES: Final[dict[Body, str]] = {
    Body.SSU: "Innkalling til møte i Strategisk samarbeidsutvalg",
    Body.STRATEGY: "Innkalling til strategisamling i Strategisk samarbeidsutvalg",
    Body.PA: "Innkalling til Partnerskapsmøtet i Helsefellesskap Innlandet",
    Body.DIALOG: "Innkalling til dialogmøte i Helsefellesskap Innlandet",
    Body.AU: "Innkalling til møte i Arbeidsutvalget",
}
_SHORT: Final[dict[Body, str]] = {
    Body.SSU: "SSU-møtet",
    Body.STRATEGY: "strategisamlingen",
    Body.PA: "partnerskapsmøtet",
    Body.DIALOG: "dialogmøtet",
    Body.AU: "AU-møtet",
}
FORM_TEXTS: Final[dict[MeetingForm, str]] = {
    MeetingForm.physical: "fysisk møte",
    MeetingForm.digital: "digitalt møte (Teams)",
    MeetingForm.hybrid: "hybrid møte (fysisk og Teams)",
}
_HEADINGS: Final[dict[Part, str]] = {
    Part.DECISION: "Beslutningssaker",
    Part.THEME: "Temasaker",
    Part.REPORT: "Referatsaker",
    Part.OTHER: "Eventuelt",
}
APPROVAL_TITLE: Final = "Godkjenning av innkalling og saksliste"
APPROVAL_PROPOSAL: Final = "Innkalling og saksliste godkjennes."
ATTACHMENTS_HEADING: Final = "Vedlegg til innkallingen:"
BASIS_HEADING: Final = "Saksgrunnlag"
PROPOSAL_LABEL: Final = "Forslag til vedtak:"
NO_ATTACHMENTS: Final = "Ingen vedlegg."


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """What the notice says about the meeting itself."""

    body: Body
    start: datetime
    end: datetime
    form: MeetingForm
    location: str | None
    previous: date | None = None
    """The day of the body's previous meeting, whose minutes are to be approved."""


@dataclass(frozen=True, slots=True)
class ListedItem:
    """A line of the case list: ``Sak 13/25 Tittel (60 min)``."""

    label: str
    title: str
    minutes: int

    def line(self) -> str:
        return f"Sak {self.label} {self.title} ({self.minutes} min)"


@dataclass(frozen=True, slots=True)
class ListedSection:
    heading: str | None
    items: tuple[ListedItem, ...]


@dataclass(frozen=True, slots=True)
class BreakLine:
    text: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A case document: its file name as shown, the link, and the case it belongs to."""

    name: str
    url: str
    label: str

    def line(self) -> str:
        return f"- {self.name} (sak {self.label}): {self.url}"


@dataclass(frozen=True, slots=True)
class CaseBasis:
    """One case in the "Saksgrunnlag": what was submitted and the proposed decision."""

    label: str
    title: str
    submitter: str
    background: str
    assessment: str
    proposal: str


@dataclass(frozen=True, slots=True)
class BasisSection:
    heading: str | None
    cases: tuple[CaseBasis, ...]


@dataclass(frozen=True, slots=True)
class NoticeContent:
    """Everything the notice says. Equal content ⇔ equal :func:`fingerprint`."""

    meeting_id: int
    title: str
    facts: tuple[tuple[str, str], ...]
    listing: tuple[ListedSection | BreakLine, ...]
    attachments: tuple[Attachment, ...]
    basis: tuple[BasisSection, ...]

    @property
    def items(self) -> tuple[ListedItem, ...]:
        return tuple(
            item for part in self.listing if isinstance(part, ListedSection) for item in part.items
        )


@dataclass(frozen=True, slots=True)
class PublicationMeta:
    """What a published version adds to the content: its number and, when late, why."""

    version: int
    published: datetime
    late_reason: str | None = None


def _clock(moment: datetime) -> str:
    return f"{to_oslo(moment):%H:%M}"


def _when(facts: MeetingFacts) -> tuple[str, str]:
    start, end = to_oslo(facts.start), to_oslo(facts.end)
    if start.date() == end.date():
        return format_date_nb(start.date()), f"{_clock(start)}–{_clock(end)}"
    span = format_span_nb(start.date(), end.date())
    return span, f"{format_date_nb(start.date())} kl. {_clock(start)} – " + (
        f"{format_date_nb(end.date())} kl. {_clock(end)}"
    )


def _place(facts: MeetingFacts) -> str:
    if facts.location and facts.location.strip():
        return facts.location.strip()
    if facts.form is MeetingForm.digital:
        return "Teams"
    return "Kommer"


def _previous_title(facts: MeetingFacts) -> tuple[str, str]:
    """Seed 001: "Godkjenning av referat fra SSU møtet 20.02.25" / "Referat fra strategisk
    samarbeidsutvalg den 20.2.25 godkjennes"."""
    if facts.previous is None:
        return "Godkjenning av referat fra forrige møte", "Referat fra forrige møte godkjennes."
    day = f"{facts.previous:%d.%m.%y}"
    return (
        f"Godkjenning av referat fra {_SHORT[facts.body]} {day}",
        f"Referat fra {BODY_NAMES[facts.body].lower()} den {day} godkjennes.",
    )


def attachment_name(url: str) -> str:
    """The file name a link points to (``…/Rapport%20gevinst.pdf`` → ``Rapport gevinst.pdf``)."""
    parts = urlsplit(url)
    name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) if parts.path else ""
    return name or parts.hostname or url


def _default_proposal(item: AgendaItem, body: Body) -> str:
    """Report cases are taken "til orientering" unless the case proposes otherwise (seed 001)."""
    assert item.case is not None
    if item.case.proposal.strip():
        return item.case.proposal.strip()
    if item.part is Part.REPORT:
        return f"{BODY_NAMES[body]} tar referatsaken til orientering."
    return ""


def build_notice(meeting_id: int, facts: MeetingFacts, agenda: Agenda) -> NoticeContent:
    """The notice of a meeting from its agenda, in the layout of seed 001."""
    day, time = _when(facts)
    previous_title, previous_proposal = _previous_title(facts)
    fact_lines: tuple[tuple[str, str], ...] = (
        ("Dato", day),
        ("Tid", time),
        ("Sted", _place(facts)),
        ("Møteform", FORM_TEXTS[facts.form]),
    )
    titles = {ItemKind.APPROVAL: APPROVAL_TITLE, ItemKind.PREVIOUS_MINUTES: previous_title}
    listing: list[ListedSection | BreakLine] = []
    basis: list[BasisSection] = []
    for part in Part:
        items = agenda.in_part(part)
        if part is Part.BREAK:
            listing += [
                BreakLine(f"PAUSE og LUNCH fra ca {_clock(i.starts)} – {_clock(i.ends)}")
                for i in items
            ]
            continue
        if not items and part is not Part.OTHER:
            continue
        heading = _HEADINGS.get(part)
        listing.append(
            ListedSection(
                heading,
                tuple(
                    ListedItem(i.label or "", i.title or titles.get(i.kind, ""), i.minutes)
                    for i in items
                ),
            )
        )
        cases: list[CaseBasis] = []
        for item in items:
            if item.case is None:
                proposal = (
                    APPROVAL_PROPOSAL if item.kind is ItemKind.APPROVAL else previous_proposal
                )
                cases.append(CaseBasis(item.label or "", titles[item.kind], "", "", "", proposal))
                continue
            case = item.case
            cases.append(
                CaseBasis(
                    label=case.label,
                    title=case.title,
                    submitter=case.submitter_org,
                    background=case.background.strip(),
                    assessment=case.assessment.strip(),
                    proposal=_default_proposal(item, facts.body),
                )
            )
        basis.append(BasisSection(heading, tuple(cases)))
    attachments = tuple(
        Attachment(attachment_name(url), url, item.case.label)
        for item in agenda.cases
        if item.case is not None
        for url in item.case.attachments
    )
    return NoticeContent(
        meeting_id=meeting_id,
        title=_TITLES[facts.body],
        facts=fact_lines,
        listing=tuple(listing),
        attachments=attachments,
        basis=tuple(basis),
    )


def fingerprint(content: NoticeContent) -> str:
    """SHA-256 of the content as canonical JSON: what "changed since it was published" means."""
    return hashlib.sha256(content_to_json(content).encode("utf-8")).hexdigest()


def _paragraphs(text: str) -> list[str]:
    return [line for line in (part.strip() for part in text.split("\n")) if line]


def meta_lines(meta: PublicationMeta | None) -> list[str]:
    """The version line (from the second version on) and the reason for a short notice."""
    if meta is None:
        return []
    lines = []
    if meta.version > 1:
        published = format_date_nb(to_oslo(meta.published).date())
        lines.append(f"Versjon {meta.version}, publisert {published}: erstatter tidligere versjon.")
    if meta.late_reason:
        lines.append(f"Kortere innkallingsfrist enn normalt, begrunnet med: {meta.late_reason}")
    return lines


def notice_lines(content: NoticeContent, meta: PublicationMeta | None = None) -> list[str]:
    """The notice as plain text, one paragraph a line: what the document shows, in order."""
    lines = [content.title]
    lines += [f"{name}: {value}" for name, value in content.facts]
    lines += meta_lines(meta)
    for part in content.listing:
        if isinstance(part, BreakLine):
            lines.append(part.text)
            continue
        if part.heading:
            lines.append(part.heading)
        lines += [item.line() for item in part.items]
    lines.append(ATTACHMENTS_HEADING)
    lines += [a.line() for a in content.attachments] or [NO_ATTACHMENTS]
    lines.append(BASIS_HEADING)
    for section in content.basis:
        if section.heading:
            lines.append(section.heading)
        for case in section.cases:
            lines += case_basis_lines(case)
    return lines


def case_basis_lines(case: CaseBasis) -> list[str]:
    lines = [f"Sak {case.label} {case.title}"]
    if case.submitter:
        lines.append(f"Innmeldt av: {case.submitter}")
    if case.background:
        lines.append("Bakgrunn:")
        lines += _paragraphs(case.background)
    if case.assessment:
        lines.append("Vurdering:")
        lines += _paragraphs(case.assessment)
    if case.proposal:
        lines.append(PROPOSAL_LABEL)
        lines += _paragraphs(case.proposal)
    return lines


def calendar_html(content: NoticeContent, *, document_url: str | None, version: int) -> str:
    """The agenda for the calendar event's body (appended to the meeting's own lines)."""
    parts = [f"<p><strong>{html.escape(content.title)}</strong>"]
    if version > 1:
        parts.append(f" (versjon {version})")
    parts.append("</p>")
    for part in content.listing:
        if isinstance(part, BreakLine):
            parts.append(f"<p><em>{html.escape(part.text)}</em></p>")
            continue
        if part.heading:
            parts.append(f"<p><strong>{html.escape(part.heading)}</strong></p>")
        if part.items:
            rows = "".join(f"<li>{html.escape(item.line())}</li>" for item in part.items)
            parts.append(f"<ul>{rows}</ul>")
    if document_url:
        link = html.escape(document_url, quote=True)
        parts.append(f'<p>Innkalling med saksgrunnlag: <a href="{link}">{link}</a></p>')
    return "".join(parts)


def content_to_json(content: NoticeContent) -> str:
    """The content as canonical JSON (stored with each published version)."""
    return json.dumps(asdict(content), ensure_ascii=False, sort_keys=True)


def content_from_json(text: str) -> NoticeContent:
    """The content a published version stored, back as the model (inverse of the above)."""
    data = json.loads(text)
    listing: list[ListedSection | BreakLine] = []
    for part in data["listing"]:
        if "text" in part:
            listing.append(BreakLine(str(part["text"])))
        else:
            items = tuple(
                ListedItem(str(i["label"]), str(i["title"]), int(i["minutes"]))
                for i in part["items"]
            )
            listing.append(ListedSection(part["heading"], items))
    return NoticeContent(
        meeting_id=int(data["meeting_id"]),
        title=str(data["title"]),
        facts=tuple((str(name), str(value)) for name, value in data["facts"]),
        listing=tuple(listing),
        attachments=tuple(Attachment(**a) for a in data["attachments"]),
        basis=tuple(
            BasisSection(s["heading"], tuple(CaseBasis(**c) for c in s["cases"]))
            for s in data["basis"]
        ),
    )
