"""Decompress an HTTP body with a bound on what it inflates to.

httpx inflates each network chunk whole before the caller can count it: a 64 KB chunk of a
gzip bomb becomes 64 MB in one call, and a body of zeros served with ``Content-Encoding:
gzip`` peaked at 148 MB for a 1 MB limit (issue 16). Here the raw bytes are inflated with
zlib's ``max_length``, so no more than the limit (plus one byte, to tell "over") is ever
produced. Only gzip and deflate are asked for (``ACCEPT_ENCODING``) and decoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from tasks.errors import InputTooLarge, UnsupportedContent

__all__ = ["ACCEPT_ENCODING", "read_inflated"]

ACCEPT_ENCODING = "gzip, deflate"
_GZIP_OR_ZLIB = zlib.MAX_WBITS | 32  # zlib detects the gzip or zlib header itself


def _decompressor(encoding: str, url: str) -> zlib._Decompress | None:
    name = encoding.strip().lower()
    if name in {"", "identity"}:
        return None
    if name in {"gzip", "x-gzip", "deflate"}:
        return zlib.decompressobj(_GZIP_OR_ZLIB)
    raise UnsupportedContent(f"{url}: content encoding {encoding!r} is not gzip or deflate")


def _has_zlib_header(data: bytes) -> bool:
    """RFC 1950: compression method 8 and a header checksum divisible by 31."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def read_inflated(chunks: Iterable[bytes], encoding: str, url: str, max_bytes: int) -> bytes:
    """The body from raw ``chunks``, inflated per ``encoding``; InputTooLarge as soon as it
    would pass ``max_bytes``."""
    inflater = _decompressor(encoding, url)
    body = bytearray()

    def add(data: bytes) -> None:
        body.extend(data)
        if len(body) > max_bytes:
            raise InputTooLarge(f"{url}: body is over the {max_bytes}-byte limit"
                                + (" once decompressed" if inflater is not None else ""))

    first = True
    for chunk in chunks:
        if inflater is None:
            add(chunk)
            continue
        data = chunk
        try:
            if first and encoding.strip().lower() == "deflate" and not _has_zlib_header(data):
                # "deflate" should be zlib-wrapped; servers have long sent raw deflate too.
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            first = False
            while data:
                add(inflater.decompress(data, max_bytes + 1 - len(body)))
                data = inflater.unconsumed_tail
        except zlib.error as exc:
            raise UnsupportedContent(f"{url}: {encoding} body does not decompress ({exc})") \
                from exc
    if inflater is not None:
        add(inflater.flush())
    return bytes(body)
