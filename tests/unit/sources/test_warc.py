from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks.sources import SourceItem, iter_sources


def _response(writer: WARCWriter, url: str, status: str, ctype: str, body: bytes) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
    writer.write_record(record)


@pytest.mark.parametrize("gzipped", [True, False])
def test_warc_html_responses_become_inline_items(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if gzipped else "crawl.warc")
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzipped)
        _response(
            writer,
            "https://a.example/1",
            "200 OK",
            "text/html; charset=utf-8",
            "<html><p>Première</p></html>".encode(),
        )
        _response(writer, "https://a.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n")
        _response(writer, "https://a.example/old", "301 Moved", "text/html", b"")
        _response(
            writer,
            "https://a.example/2",
            "200 OK",
            "text/html; charset=iso-8859-2",
            "<p>Zażółć</p>".encode("iso-8859-2"),
        )
        request = writer.create_warc_record(
            "https://a.example/1", "request", payload=BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        )
        writer.write_record(request)
    results = list(iter_sources([str(path)]))
    assert all(isinstance(r, SourceItem) for r in results)
    items = [r for r in results if isinstance(r, SourceItem)]
    assert [i.source for i in items] == ["https://a.example/1", "https://a.example/2"]
    assert [i.inline_content for i in items] == ["<html><p>Première</p></html>", "<p>Zażółć</p>"]
    assert all(i.source_kind == "inline" and i.inline_content_type == "html" for i in items)
    assert all(i.item_key.startswith("warc:<urn:uuid:") for i in items)
    assert [i.hints.url for i in items] == [i.source for i in items]


def test_warc_in_a_folder_is_read(tmp_path: Path) -> None:
    with (tmp_path / "x.warc.gz").open("wb") as handle:
        _response(
            WARCWriter(handle, gzip=True), "https://a.example/1", "200 OK", "text/html", b"<p>a</p>"
        )
    assert [r.source for r in iter_sources([str(tmp_path)])] == ["https://a.example/1"]
