"""A compressed HTTP body is bounded before it is held (issue 16): a gzip bomb served with
``Content-Encoding: gzip`` is refused as too large without being inflated in memory."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from config.settings import FetchSettings
from tasks.errors import InputTooLarge
from tasks.fetching.http import fetch_url
from tests.unit.fetching.server import Answer, local_server

PAGE = b"<html><body><p>" + b"The harbour council met on Tuesday. " * 40 + b"</p></body></html>"


def _gzipped(data: bytes) -> Answer:
    return Answer(200, gzip.compress(data, 9),
                  {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})


def test_a_gzip_bomb_body_is_refused_without_being_inflated() -> None:
    bomb = _gzipped(b"\0" * (200 << 20))  # 200 MB of zeros: about 200 KB on the wire
    with local_server({"/bomb": bomb}) as server:
        settings = FetchSettings(allow_private_hosts=["127.0.0.1"], max_bytes=1 << 20)
        tracemalloc.start()
        try:
            with pytest.raises(InputTooLarge) as caught:
                fetch_url(server.url("/bomb"), settings)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "limit" in str(caught.value) and "/bomb" in str(caught.value)
    assert peak < 16 << 20, f"peak {peak} bytes"


def test_a_gzipped_page_is_still_read() -> None:
    with local_server({"/page": _gzipped(PAGE)}) as server:
        got = fetch_url(server.url("/page"), FetchSettings(allow_private_hosts=["127.0.0.1"]))
    assert got.content == PAGE


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_a_deflate_page_is_read_with_or_without_its_zlib_header(wbits: int) -> None:
    # RFC 9110's "deflate" is zlib-wrapped, but servers have long sent raw deflate too.
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    body = packer.compress(PAGE) + packer.flush()
    answer = Answer(200, body, {"Content-Type": "text/html; charset=utf-8",
                                "Content-Encoding": "deflate"})
    with local_server({"/page": answer}) as server:
        got = fetch_url(server.url("/page"), FetchSettings(allow_private_hosts=["127.0.0.1"]))
    assert got.content == PAGE
