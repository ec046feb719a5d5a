"""``GET /documents/{token}``: the notices and protocols the bot keeps itself (no SharePoint site
configured), for the links in its cards and calendar entries.

Only a token signed with the install's key (bot/documents/links.py) opens a document, and only the
one file it was signed for, until it expires. Everything else — no token, a forged or altered one,
an expired one, a file that is gone, documents kept in SharePoint — is the same plain 404, so the
answer tells nobody which documents exist. The file is served from below the store's root only
(the resolved path is checked, so neither ``..`` nor a symbolic link leads out of it), with its own
content type, ``nosniff``, not cached by shared caches, and its Norwegian name in
``Content-Disposition`` (PDFs open in the browser, Word documents download).
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Final

from aiohttp import web

from bot.documents.links import PREFIX, content_disposition, display_name
from bot.graph.documents import LocalDocuments
from bot.graph.factory import CALENDAR

__all__ = ["ROUTE", "register", "serve_document"]

log = logging.getLogger(__name__)

ROUTE: Final = f"{PREFIX}{{token}}"
_TYPES: Final = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}
_INLINE: Final = frozenset({".pdf"})


def _not_found(reason: str) -> web.HTTPNotFound:
    log.info("document link refused", extra={"reason": reason})
    return web.HTTPNotFound(text="Not found")


def _file_below(root: Path, relative: str) -> Path | None:
    """The stored file, resolved, when it is a regular file below ``root``."""
    base = root.resolve()
    target = base.joinpath(*relative.split("/")).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


async def serve_document(request: web.Request) -> web.StreamResponse:
    services = request.app.get(CALENDAR)
    documents = services.documents if services is not None else None
    if not isinstance(documents, LocalDocuments) or documents.links is None:
        raise _not_found("documents are not kept locally")
    relative = documents.links.path_of(request.match_info["token"])
    if relative is None:
        raise _not_found("token not valid")
    target = _file_below(documents.root, relative)
    if target is None:
        raise _not_found("no such document")
    suffix = target.suffix.lower()
    content_type = (
        _TYPES.get(suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    )
    log.info("document served", extra={"path": relative})
    return web.FileResponse(
        target,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": content_disposition(
                display_name(relative), inline=suffix in _INLINE
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
        },
    )


def register(app: web.Application) -> None:
    """Add the route (GET and HEAD) to the app."""
    app.router.add_get(ROUTE, serve_document)
