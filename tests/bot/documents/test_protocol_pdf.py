"""The signed protocol PDF read back with pypdf: the protocol text with Norwegian letters, and a
signature page with the signers, their roles, the times in Europe/Oslo and the version's hash."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from bot.documents.protocol_pdf import SignatureLine, render_protocol_pdf
from bot.domain.protocol import canonical_text, version_sha
from tests.bot.domain.test_protocol import content


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_signed_pdf_has_the_text_signers_times_and_hash() -> None:
    text = canonical_text(content(title="Møte i Strategisk samarbeidsutvalg – æøå ÆØÅ"))
    sha = version_sha(text)
    signatures = [
        SignatureLine("Hilde Vang", "Leder", datetime(2026, 5, 24, 8, 15, 3, tzinfo=UTC), "aad-1"),
        SignatureLine(
            "Astrid Hovde", "Nestleder", datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC), "aad-2"
        ),
    ]
    data = render_protocol_pdf(text, sha256=sha, version=3, signatures=signatures)
    pages = _text(data)
    body, signature_page = "\n".join(pages[:-1]), pages[-1]
    assert "Møte i Strategisk samarbeidsutvalg – æøå ÆØÅ" in body
    assert "Sak 03/26 Felles rutine for utskrivning" in body
    assert "Signaturer" in signature_page
    assert sha in signature_page and "versjon 3" in signature_page
    assert "Hilde Vang – Leder" in signature_page
    assert "Signert 24.05.2026 kl. 10:15:03 (Europe/Oslo)" in signature_page  # summer time
    assert "Astrid Hovde – Nestleder" in signature_page
    assert "Signert 01.12.2026 kl. 10:00:00 (Europe/Oslo)" in signature_page  # winter time
    assert "Teams-identitet: aad-2" in signature_page


def test_an_unsigned_pdf_has_no_signature_page_and_is_reproducible() -> None:
    text = canonical_text(content())
    first = render_protocol_pdf(text, sha256=version_sha(text), version=1)
    again = render_protocol_pdf(text, sha256=version_sha(text), version=1)
    assert "Signaturer" not in "\n".join(_text(first))
    assert first == again
