"""Where published documents (notices, protocols) go: the SharePoint site's document library
through Graph, or a folder under ``var/portal`` when Graph is not configured."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from bot.documents.links import DocumentLinks
from bot.graph.port import PermanentCalendarError, StoredDocument, TransientCalendarError

if TYPE_CHECKING:
    # Graph (msgraph-sdk, kiota: ~0.3 s to import) only when GraphDocuments is used; the local
    # store (and local_calendar, which imports this module) does without it.
    from msgraph.graph_service_client import GraphServiceClient

log = logging.getLogger(__name__)

MAX_SIMPLE_UPLOAD_BYTES: Final = 250 * 1024 * 1024
"""Graph takes at most 250 MB in one ``PUT …/content``; larger files need an upload session."""


def clean_path(path: str) -> PurePosixPath:
    """A relative path below the store's root; refuses absolute paths and ``..``."""
    pure = PurePosixPath(path.replace("\\", "/").strip("/"))
    parts = pure.parts
    if not parts or any(part in ("", ".", "..") for part in parts) or ":" in path:
        raise ValueError(f"not a document path: {path!r}")
    return pure


class LocalDocuments:
    """DocumentStore in a folder (embedded mode); files are replaced atomically. With ``links``
    a document's URL is a signed link to the bot's own ``/documents/{token}`` route
    (bot/documents/links.py), which Teams can open; without, a ``file://`` URL (tools only)."""

    def __init__(self, root: Path, *, links: DocumentLinks | None = None) -> None:
        self._root = root
        self._links = links

    @property
    def root(self) -> Path:
        return self._root

    @property
    def links(self) -> DocumentLinks | None:
        return self._links

    async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument:
        relative = clean_path(path)
        target = self._root.joinpath(*relative.parts)
        await asyncio.to_thread(write_atomically, target, content)
        log.info(
            "document stored locally",
            extra={"path": relative.as_posix(), "size": len(content), "content_type": content_type},
        )
        url = (
            self._links.url_for(relative.as_posix())
            if self._links is not None
            else target.resolve().as_uri()
        )
        return StoredDocument(
            path=relative.as_posix(),
            url=url,
            size=len(content),
            extra={"content_type": content_type},
        )


def write_atomically(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class GraphDocuments:
    """DocumentStore in a SharePoint site's default library:
    ``PUT /sites/{site}/drive/root:/{path}:/content`` (replaces an existing file)."""

    def __init__(
        self,
        client: GraphServiceClient,
        *,
        site_id: str,
        timeout: float | None = None,
    ) -> None:
        from bot.graph.graph_calendar import DEFAULT_TIMEOUT_SECONDS

        if timeout is None:
            timeout = DEFAULT_TIMEOUT_SECONDS
        if not site_id:
            raise ValueError("GraphDocuments needs the SharePoint site id (GRAPH_SITE_ID)")
        self._client = client
        self._site_id = site_id
        self._timeout = timeout

    def upload_url(self, path: str) -> str:
        relative = clean_path(path).as_posix()
        base = self._client.request_adapter.base_url.rstrip("/")
        site = quote(self._site_id, safe=",")
        return f"{base}/sites/{site}/drive/root:/{quote(relative, safe='/')}:/content"

    async def put(self, path: str, content: bytes, *, content_type: str) -> StoredDocument:
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from kiota_abstractions.default_query_parameters import QueryParameters

        from bot.graph.graph_calendar import call_graph

        if len(content) > MAX_SIMPLE_UPLOAD_BYTES:
            raise PermanentCalendarError(
                f"{path}: {len(content)} bytes is more than one upload takes (250 MB)"
            )
        url = self.upload_url(path)
        # Any builder will do: with_url replaces its whole URL, and content.put sends bytes.
        builder = (
            self._client.drives.by_drive_id("-").items.by_drive_item_id("-").content.with_url(url)
        )
        config: RequestConfiguration[QueryParameters] = RequestConfiguration()
        config.headers.add("Content-Type", content_type)
        item = await call_graph(
            "upload_document",
            builder.put(content, request_configuration=config),
            within_s=self._timeout,
        )
        if item is None or not item.id:
            raise TransientCalendarError(f"{path}: Graph answered without a drive item")
        extra: dict[str, str] = {"content_type": content_type}
        if item.parent_reference is not None and item.parent_reference.drive_id:
            extra["drive_id"] = item.parent_reference.drive_id
        log.info(
            "document uploaded", extra={"path": path, "item_id": item.id, "size": len(content)}
        )
        return StoredDocument(
            path=clean_path(path).as_posix(),
            url=item.web_url or "",
            size=item.size if item.size is not None else len(content),
            item_id=item.id,
            extra=extra,
        )
