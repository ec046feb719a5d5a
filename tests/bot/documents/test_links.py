"""Signed, expiring links to the documents the bot keeps itself (bot/documents/links.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.documents.links import (
    KEY_FILE,
    DocumentLinks,
    DocumentsNotConfigured,
    content_disposition,
    display_name,
    links_from_settings,
    load_or_create_key,
)

KEY = b"k" * 64
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
PATH = "innkallinger/2027/2027-02-11-SSU-innkalling-v1.docx"


def links(key: bytes = KEY, *, at: datetime = NOW) -> DocumentLinks:
    return DocumentLinks(key, "http://127.0.0.1:3978", timedelta(days=365), lambda: at)


def forge(payload: dict[str, object], key: bytes = KEY) -> str:
    """A token as the module makes one, for payloads it would never sign itself."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    digest = hmac.new(key, b"ssu-bot/document-link/v1\x00" + body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def test_a_link_opens_the_one_document_it_was_signed_for_until_it_expires() -> None:
    url = links().url_for(PATH)
    assert url.startswith("http://127.0.0.1:3978/documents/")
    token = url.rsplit("/", 1)[1]
    assert links().path_of(token) == PATH
    assert links(at=NOW + timedelta(days=364)).path_of(token) == PATH
    assert links(at=NOW + timedelta(days=365)).path_of(token) is None


def test_an_altered_or_foreign_token_opens_nothing() -> None:
    token = links().token_for(PATH)
    payload, signature = token.split(".")
    other = links().token_for("protokoller/2027/2027-02-11-SSU-protokoll-v1.pdf")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (
        f"{other.split('.')[0]}.{signature}",  # another path under this signature
        f"{payload}.{flipped}",
        links(b"o" * 64).token_for(PATH),  # signed with another key
        forge({"p": PATH, "e": int((NOW + timedelta(days=1)).timestamp())}, b"o" * 64),
        "",
        "x",
        payload,
        f"{payload}.{signature}.x",
        "A" * 5000,
    ):
        assert links().path_of(bad) is None, bad


@pytest.mark.parametrize(
    "path", ["../ssu-bot.db", "/etc/passwd", "a/../../b", "a//b", "c:/x", "a\\..\\b", "", "./a"]
)
def test_no_path_outside_the_store_is_signed_or_accepted(path: str) -> None:
    with pytest.raises(ValueError):
        links().token_for(path)
    future = int((NOW + timedelta(days=1)).timestamp())
    assert links().path_of(forge({"p": path, "e": future})) is None


def test_malformed_signed_payloads_open_nothing() -> None:
    future = int((NOW + timedelta(days=1)).timestamp())
    for payload in ({"p": PATH}, {"p": PATH, "e": "never"}, {"p": 5, "e": future}, {}):
        assert links().path_of(forge(payload)) is None
    assert links().path_of(forge([PATH, future])) is None  # type: ignore[arg-type]


def test_norwegian_file_names() -> None:
    assert display_name(PATH) == "Innkalling SSU-møte 11.02.2027.docx"
    assert (
        display_name("innkallinger/2027/2027-06-10-PA-innkalling-v3.docx")
        == "Innkalling Partnerskapsmøte 10.06.2027 versjon 3.docx"
    )
    assert (
        display_name("protokoller/2026/2026-05-21-SSU-protokoll-v2-signert.pdf")
        == "Protokoll SSU-møte 21.05.2026 versjon 2 signert.pdf"
    )
    assert display_name("annet/vedlegg.pdf") == "vedlegg.pdf"


def test_content_disposition_carries_the_utf8_name_and_an_ascii_fallback() -> None:
    header = content_disposition("Innkalling SSU-møte 11.02.2027.docx")
    assert header == (
        'attachment; filename="Innkalling SSU-mote 11.02.2027.docx"; '
        "filename*=UTF-8''Innkalling%20SSU-m%C3%B8te%2011.02.2027.docx"
    )
    assert content_disposition('a"b\r\n.pdf', inline=True).startswith(
        'inline; filename="a_b__.pdf"'
    )


def test_a_local_install_makes_its_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path / "var")
    assert first == load_or_create_key(tmp_path / "var") and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "var" / KEY_FILE).st_mode)
    assert mode == 0o600
    assert list((tmp_path / "var").iterdir()) == [tmp_path / "var" / KEY_FILE]


def test_local_mode_links_to_loopback_with_the_generated_key(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, SSU_VAR_DIR=str(tmp_path))  # type: ignore[call-arg]
    made = links_from_settings(settings)
    assert made.base_url == "http://127.0.0.1:3978"
    assert made.key == (tmp_path / KEY_FILE).read_text().strip().encode()


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({}, "SSU_DOCUMENT_KEY and SSU_PUBLIC_BASE_URL"),
        ({"SSU_DOCUMENT_KEY": "k" * 40}, "SSU_PUBLIC_BASE_URL"),
        ({"SSU_PUBLIC_BASE_URL": "https://ssu-bot.example"}, "SSU_DOCUMENT_KEY"),
        ({"SSU_DOCUMENT_KEY": "short", "SSU_PUBLIC_BASE_URL": "https://x.example"}, "32"),
        ({"SSU_DOCUMENT_KEY": "k" * 40, "SSU_PUBLIC_BASE_URL": "http://x.example"}, "https"),
    ],
)
def test_production_with_local_documents_needs_the_key_and_the_public_url(
    tmp_path: Path, values: dict[str, str], missing: str
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, SSU_VAR_DIR=str(tmp_path), MicrosoftAppId="app", **values
    )
    with pytest.raises(DocumentsNotConfigured, match=missing):
        links_from_settings(settings)
    assert not (tmp_path / KEY_FILE).exists()  # production never makes up a key


def test_production_links_use_the_configured_key_and_origin(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        SSU_VAR_DIR=str(tmp_path),
        MicrosoftAppId="app",
        SSU_DOCUMENT_KEY="k" * 40,
        SSU_PUBLIC_BASE_URL="https://ssu-bot.example/",
        SSU_DOCUMENT_LINK_DAYS="30",
    )
    made = links_from_settings(settings)
    assert made.url_for(PATH).startswith("https://ssu-bot.example/documents/")
    assert made.key == b"k" * 40 and made.lifetime == timedelta(days=30)
    assert "k" * 40 not in repr(settings)


def test_serve_in_production_without_the_key_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET", "GRAPH_SITE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SSU_DOCUMENT_KEY", raising=False)
    monkeypatch.setenv("MicrosoftAppId", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("SSU_PUBLIC_BASE_URL", "https://ssu-bot.example")
    monkeypatch.setenv("SSU_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'never.db'}")
    assert main(["serve", "--port", "9"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "SSU_DOCUMENT_KEY" in lines[0], lines
    assert not (tmp_path / "never.db").exists()
