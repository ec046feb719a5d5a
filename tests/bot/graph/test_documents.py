"""Document stores: SharePoint through Graph (fake on loopback) and the local portal folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.graph.documents import GraphDocuments, LocalDocuments
from bot.graph.graph_calendar import build_graph_client, close_graph_client
from bot.graph.port import PermanentCalendarError, TransientCalendarError
from tests.fakes.graph import FakeGraph, StaticTokenCredential

SITE = "contoso.sharepoint.com,2c1b7a1e-0000-4000-8000-000000000001,7f9c0000-0000-4000-8000-2"
PDF = b"%PDF-1.7\n" + b"x" * 1000


async def test_graph_upload_puts_the_bytes_at_the_site_path_with_their_content_type() -> None:
    async with FakeGraph() as fake:
        client = build_graph_client(StaticTokenCredential(), base_url=fake.url)
        documents = GraphDocuments(client, site_id=SITE)
        try:
            stored = await documents.put(
                "SSU/2026/Innkalling 12.02.2026.pdf", PDF, content_type="application/pdf"
            )
        finally:
            await close_graph_client(client)

        (request,) = fake.requests_for("upload_content")
        assert request.method == "PUT"
        assert (
            request.path
            == f"/v1.0/sites/{SITE}/drive/root:/SSU/2026/Innkalling 12.02.2026.pdf:/content"
        )
        assert request.raw_path.endswith("/Innkalling%2012.02.2026.pdf:/content")
        assert request.headers["Content-Type"] == "application/pdf"
        assert request.raw_body == PDF
        uploaded = fake.file_at("SSU/2026/Innkalling 12.02.2026.pdf")
        assert uploaded is not None and uploaded.content == PDF
        assert stored.item_id == uploaded.item_id
        assert stored.size == len(PDF)
        assert stored.url == uploaded.item["webUrl"]
        assert stored.path == "SSU/2026/Innkalling 12.02.2026.pdf"
        assert stored.extra["drive_id"] == FakeGraph.drive_id_for_site(SITE)


async def test_graph_upload_replaces_an_existing_file() -> None:
    async with FakeGraph() as fake:
        client = build_graph_client(StaticTokenCredential(), base_url=fake.url)
        documents = GraphDocuments(client, site_id=SITE)
        try:
            first = await documents.put("p.pdf", b"one", content_type="application/pdf")
            second = await documents.put("p.pdf", b"two", content_type="application/pdf")
        finally:
            await close_graph_client(client)
        assert first.item_id == second.item_id
        stored = fake.file_at("p.pdf")
        assert stored is not None and stored.content == b"two" and stored.versions == 2


async def test_graph_upload_during_an_outage_is_transient() -> None:
    async with FakeGraph() as fake:
        fake.outage(503, retry_after=30)
        client = build_graph_client(StaticTokenCredential(), base_url=fake.url)
        try:
            with pytest.raises(TransientCalendarError) as caught:
                await GraphDocuments(client, site_id=SITE).put(
                    "p.pdf", b"x", content_type="application/pdf"
                )
        finally:
            await close_graph_client(client)
        assert caught.value.retry_after == 30


async def test_graph_upload_refused_is_permanent() -> None:
    async with FakeGraph() as fake:
        fake.fail_next(1, 403, code="accessDenied")
        client = build_graph_client(StaticTokenCredential(), base_url=fake.url)
        try:
            with pytest.raises(PermanentCalendarError, match="403"):
                await GraphDocuments(client, site_id=SITE).put(
                    "p.pdf", b"x", content_type="application/pdf"
                )
        finally:
            await close_graph_client(client)


async def test_local_store_writes_the_file_under_the_portal_folder(tmp_path: Path) -> None:
    documents = LocalDocuments(tmp_path / "portal")

    stored = await documents.put("SSU/2026/protokoll.pdf", PDF, content_type="application/pdf")

    target = tmp_path / "portal" / "SSU" / "2026" / "protokoll.pdf"
    assert target.read_bytes() == PDF
    assert stored.url == target.resolve().as_uri()
    assert stored.size == len(PDF)
    assert stored.path == "SSU/2026/protokoll.pdf"
    assert [p.name for p in target.parent.iterdir()] == ["protokoll.pdf"]  # no temp files left

    await documents.put("SSU/2026/protokoll.pdf", b"v2", content_type="application/pdf")
    assert target.read_bytes() == b"v2"


@pytest.mark.parametrize("path", ["../utenfor.pdf", "a/../../b.pdf", "", "/", "C:/x.pdf"])
async def test_local_store_refuses_paths_outside_its_folder(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="not a document path"):
        await LocalDocuments(tmp_path / "portal").put(path, b"x", content_type="text/plain")
    assert not (tmp_path / "utenfor.pdf").exists()


async def test_local_store_reads_a_leading_slash_as_the_portal_root(tmp_path: Path) -> None:
    stored = await LocalDocuments(tmp_path / "portal").put(
        "/etc/passwd", b"x", content_type="text/plain"
    )
    assert stored.path == "etc/passwd"
    assert (tmp_path / "portal" / "etc" / "passwd").read_bytes() == b"x"
