"""The protocol as a PDF (fpdf2), with a signature page once it is signed.

Why PDF: a signed protocol is archived and must look the same in ten years; the portal previews
PDF, and nobody edits an archived one by accident. Why DejaVu Sans: the PDF core fonts have no
æ, ø and å in a form text extraction reads back reliably; an embedded TrueType font does.

The body is exactly the lines of the version's canonical text (:func:`bot.domain.protocol.
canonical_text`), so what the PDF shows is what the signatures' SHA-256 covers; the signature page
repeats that hash, the signers and the times in Europe/Oslo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["CONTENT_TYPE", "EXTENSION", "FONT_DIR", "SignatureLine", "render_protocol_pdf"]

CONTENT_TYPE: Final = "application/pdf"
EXTENSION: Final = "pdf"
FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
OSLO: Final = ZoneInfo("Europe/Oslo")
_FAMILY: Final = "DejaVu"


@dataclass(frozen=True, slots=True)
class SignatureLine:
    """One signature as the signature page shows it."""

    name: str
    role: str
    signed_at: datetime
    aad_object_id: str


def _oslo(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(OSLO)


def _pdf() -> FPDF:
    from fpdf import FPDF  # on the first PDF: fpdf2 (and fontTools) take ~0.2 s to import

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font(_FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))  # same text, same bytes
    return pdf


def render_protocol_pdf(
    text: str,
    *,
    sha256: str,
    version: int,
    signatures: Sequence[SignatureLine] = (),
) -> bytes:
    """The protocol text, one paragraph per line; with ``signatures``, a signature page listing
    each signer, their role, the time (Europe/Oslo) and the SHA-256 of the version signed."""
    pdf = _pdf()
    pdf.add_page()
    lines = text.rstrip("\n").split("\n")
    for number, line in enumerate(lines):
        bold = number == 0 or line.startswith("Sak ")
        pdf.set_font(_FAMILY, "B" if bold else "", 14 if number == 0 else 10.5)
        if not line:
            pdf.ln(4)
            continue
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(_FAMILY, "", 8)
    pdf.multi_cell(0, 5, f"Versjon {version} · SHA-256 {sha256}", new_x="LMARGIN", new_y="NEXT")
    if signatures:
        pdf.add_page()
        pdf.set_font(_FAMILY, "B", 14)
        pdf.multi_cell(0, 8, "Signaturer", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(_FAMILY, "", 10.5)
        pdf.multi_cell(
            0,
            6,
            f"Signert elektronisk i Microsoft Teams. Signaturene gjelder versjon {version} "
            "med SHA-256:",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font(_FAMILY, "B", 9)
        pdf.multi_cell(0, 6, sha256, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        for signature in signatures:
            at = _oslo(signature.signed_at)
            pdf.set_font(_FAMILY, "B", 10.5)
            pdf.multi_cell(
                0, 6, f"{signature.name} – {signature.role}", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_font(_FAMILY, "", 10)
            pdf.multi_cell(
                0,
                6,
                f"Signert {at:%d.%m.%Y kl. %H:%M:%S} (Europe/Oslo)",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.multi_cell(
                0, 6, f"Teams-identitet: {signature.aad_object_id}", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(2)
    return bytes(pdf.output())
