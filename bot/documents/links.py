"""Links to documents the bot keeps itself (notices and protocols under ``SSU_VAR_DIR/portal`` when
no SharePoint site is configured), served by the bot's own web app at ``/documents/{token}``.

Why signed links and not ``file://``: no Teams client can open a file on the bot's machine,
and a plain ``/documents/<path>`` would hand every document to anyone who can
guess a name. A token is an HMAC-SHA256-signed, expiring reference to one stored file:

    token = base64url(JSON {"p": path, "e": expiry (Unix seconds)}) "." base64url(HMAC(key, …))

Whoever has the link can read that one document until it expires — the same reach as the
message it came in; nobody can make a link to another document, or stretch one, without the key.
The lifetime (``SSU_DOCUMENT_LINK_DAYS``, a year by default) outlives the cards and the calendar
entry the link is put in (a notice is read up to its meeting, a protocol at the next one);
replacing the key revokes every link at once.

The key (``SSU_DOCUMENT_KEY``) has no default. In local mode an unset key is generated once per
install and kept in ``SSU_VAR_DIR/document-link.key`` (owner-only), so links survive a restart.
In production with documents kept locally the bot refuses to start without the key and the public
base URL (``SSU_PUBLIC_BASE_URL``): a generated key would differ between replicas, and a link to
``127.0.0.1`` reaches nobody.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "KEY_FILE",
    "MIN_KEY_LENGTH",
    "PREFIX",
    "DocumentLinks",
    "DocumentsNotConfigured",
    "content_disposition",
    "display_name",
    "links_from_settings",
    "load_or_create_key",
]

log = logging.getLogger(__name__)

PREFIX: Final = "/documents/"
"""The route the links point at (bot/teams/documents.py)."""
KEY_FILE: Final = "document-link.key"
MIN_KEY_LENGTH: Final = 32
"""Characters of ``SSU_DOCUMENT_KEY`` at least (e.g. ``openssl rand -hex 32`` gives 64)."""
MAX_TOKEN_LENGTH: Final = 1024
_CONTEXT: Final = b"ssu-bot/document-link/v1\x00"
"""Bound into every signature, so the key signs nothing else by accident."""
_TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$")
_PATH_MAX: Final = 500

Clock = Callable[[], datetime]


class DocumentsNotConfigured(ValueError):
    """Documents are kept locally in production mode, but the key or the public URL is missing."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _clean(path: str) -> str | None:
    """The path as stored (relative, ``/``-separated, no ``..``), or None when it is no such."""
    if not path or len(path) > _PATH_MAX or "\\" in path or ":" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return pure.as_posix()


@dataclass(frozen=True, slots=True)
class DocumentLinks:
    """Makes and checks document links; no I/O."""

    key: bytes
    base_url: str
    lifetime: timedelta = timedelta(days=365)
    clock: Clock = _utcnow

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_LENGTH:
            raise ValueError(f"a document link key has at least {MIN_KEY_LENGTH} bytes")
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", self.base_url):
            raise ValueError(f"not an http(s) base URL: {self.base_url!r}")
        if self.lifetime <= timedelta(0):
            raise ValueError("a document link must live for some time")

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self.key, _CONTEXT + payload.encode("ascii"), hashlib.sha256).digest()
        return _b64encode(digest)

    def token_for(self, path: str, *, expires: datetime | None = None) -> str:
        """A token for the stored file at ``path`` (relative to the store's root)."""
        clean = _clean(path)
        if clean is None:
            raise ValueError(f"not a document path: {path!r}")
        until = expires or self.clock() + self.lifetime
        body = json.dumps(
            {"p": clean, "e": int(until.timestamp())}, separators=(",", ":"), ensure_ascii=False
        )
        payload = _b64encode(body.encode("utf-8"))
        return f"{payload}.{self._signature(payload)}"

    def url_for(self, path: str, *, expires: datetime | None = None) -> str:
        """``{base}/documents/{token}``: what cards and the calendar link to."""
        return f"{self.base_url.rstrip('/')}{PREFIX}{self.token_for(path, expires=expires)}"

    def path_of(self, token: str) -> str | None:
        """The path a token was signed for, or None: malformed, not signed with this key,
        expired, or a path that is no document path."""
        if len(token) > MAX_TOKEN_LENGTH or not _TOKEN.match(token):
            return None
        payload, signature = token.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._signature(payload)):
            return None
        try:
            data = json.loads(_b64decode(payload).decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        path, expiry = data.get("p"), data.get("e")
        if not isinstance(path, str) or type(expiry) is not int:
            return None
        if expiry <= self.clock().timestamp():
            return None
        return _clean(path)


# --------------------------------------------------------------------------------------------------
# What the reader's browser saves the file as
# --------------------------------------------------------------------------------------------------

_BODY_NAMES: Final = {
    "SSU": "SSU-møte",
    "AU": "AU-møte",
    "PA": "Partnerskapsmøte",
    "STRATEGY": "Strategisamling",
    "DIALOG": "Dialogmøte",
}
_STORED: Final = re.compile(
    r"^(?P<day>\d{4})-(?P<month>\d{2})-(?P<date>\d{2})-(?P<body>[A-Z]+)-"
    r"(?P<kind>innkalling|protokoll)-v(?P<version>\d+)(?P<signed>-signert)?\.(?P<ext>[a-z0-9]+)$"
)


def display_name(path: str) -> str:
    """The Norwegian file name of a stored document: ``innkallinger/2027/2027-02-11-SSU-
    innkalling-v2.docx`` → ``Innkalling SSU-møte 11.02.2027 versjon 2.docx``; the protocol's
    ``…-protokoll-v1-signert.pdf`` → ``Protokoll SSU-møte 21.05.2026 signert.pdf``. Other names
    are kept as they are stored."""
    name = PurePosixPath(path).name
    found = _STORED.match(name)
    if found is None:
        return name
    parts = [
        "Innkalling" if found["kind"] == "innkalling" else "Protokoll",
        _BODY_NAMES.get(found["body"], found["body"]),
        f"{found['date']}.{found['month']}.{found['day']}",
    ]
    if found["version"] != "1":
        parts.append(f"versjon {found['version']}")
    if found["signed"]:
        parts.append("signert")
    return f"{' '.join(parts)}.{found['ext']}"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and the real name in ``filename*``
    (RFC 5987, UTF-8), so ``møte`` arrives as ``møte``."""
    fallback = (
        name.replace("æ", "ae")
        .replace("ø", "o")
        .replace("å", "a")
        .replace("Æ", "Ae")
        .replace("Ø", "O")
        .replace("Å", "A")
    )
    fallback = re.sub(r"[^A-Za-z0-9 ._()-]", "_", fallback) or "dokument"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# --------------------------------------------------------------------------------------------------
# The key of a local install
# --------------------------------------------------------------------------------------------------


def load_or_create_key(var_dir: Path) -> bytes:
    """The install's own key in ``var_dir/document-link.key``: read it, or make it once (32
    random bytes, hex, owner-only). Two processes starting at once agree: the key is written to
    a temporary file and linked into place, which fails when the other was first — then its key
    is read."""
    path = var_dir / KEY_FILE
    existing = _read_key(path)
    if existing is not None:
        return existing
    var_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=var_dir, prefix=f".{KEY_FILE}.")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(32) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, path)
            log.info("document link key created", extra={"path": str(path)})
        except FileExistsError:
            pass
    finally:
        Path(temporary).unlink(missing_ok=True)
    key = _read_key(path)
    if key is None:
        raise DocumentsNotConfigured(f"{path} holds no usable key; delete it or set the key")
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return text.encode("ascii") if len(text) >= MIN_KEY_LENGTH else None


def links_from_settings(settings: Settings) -> DocumentLinks:
    """The links of locally kept documents, as configured; refuses (``DocumentsNotConfigured``)
    in production mode without ``SSU_DOCUMENT_KEY`` or ``SSU_PUBLIC_BASE_URL``."""
    lifetime = timedelta(days=settings.document_link_days)
    configured = settings.document_key.get_secret_value() if settings.document_key else ""
    if configured and len(configured) < MIN_KEY_LENGTH:
        raise DocumentsNotConfigured(
            f"SSU_DOCUMENT_KEY must have at least {MIN_KEY_LENGTH} characters"
        )
    if settings.local_mode:
        key = configured.encode("utf-8") if configured else load_or_create_key(settings.var_dir)
        return DocumentLinks(key, settings.document_base_url, lifetime)
    missing = [
        name
        for name, value in (
            ("SSU_DOCUMENT_KEY", configured),
            ("SSU_PUBLIC_BASE_URL", settings.public_base_url),
        )
        if not value
    ]
    if missing:
        raise DocumentsNotConfigured(
            f"documents are kept locally (no GRAPH_SITE_ID), so {' and '.join(missing)} must be "
            "set: the links in cards are signed with the key and point at the public URL"
        )
    if not settings.document_base_url.startswith("https://"):
        raise DocumentsNotConfigured("SSU_PUBLIC_BASE_URL must be an https:// URL in production")
    return DocumentLinks(configured.encode("utf-8"), settings.document_base_url, lifetime)
