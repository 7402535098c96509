"""Local feed servers for the source monitor's tests: real corpus feeds that change over time.

``FeedSite`` serves, on 127.0.0.1 (reached as ``localhost``, which the tests allow), a set of
paths each answered by a ``Route``: a feed made of the first ``count`` entries of a corpus
feed (so raising ``count`` publishes new entries), with optional ETag/Last-Modified that it
honours (or lies about), a status, a Retry-After, a delay, a redirect, or a huge body. Every
request is recorded with its headers, so a test can see what the monitor sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.conftest import SHARED

__all__ = ["FEEDS", "FeedSite", "Route", "atom_window", "feed_site", "rss_linking"]

FEEDS = SHARED / "corpus" / "feeds"
_ENTRY = re.compile(rb"<entry>.*?</entry>\s*", re.S)
_ITEM = re.compile(rb"<item>.*?</item>\s*", re.S)


def atom_window(name: str, count: int) -> bytes:
    """The corpus Atom feed ``name`` with only its first ``count`` entries."""
    data = (FEEDS / name).read_bytes()
    entries = _ENTRY.findall(data)
    head = data[: data.index(b"<entry>")]
    return head + b"".join(entries[:count]) + b"</feed>\n"


def rss_linking(name: str, base: str, paths: list[str]) -> bytes:
    """The corpus RSS feed ``name`` cut to ``len(paths)`` items whose links and GUIDs point
    at ``base + path`` (the local server), so fetching an entry never leaves the machine."""
    data = (FEEDS / name).read_bytes()
    items = _ITEM.findall(data)[: len(paths)]
    head = data[: data.index(b"<item>")]
    out = []
    for item, path in zip(items, paths, strict=True):
        link = f"{base}{path}".encode()
        item = re.sub(rb"<link>.*?</link>", b"<link>" + link + b"</link>", item, flags=re.S)
        item = re.sub(rb"<guid[^>]*>.*?</guid>", b"", item, flags=re.S)
        out.append(item)
    return head + b"".join(out) + b"</channel></rss>\n"


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/atom+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None  # "auto": a hash of the body; any other string: sent as is
    honour_validators: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    content_length: bool = True
    huge_bytes: int = 0  # stream this many bytes of filler instead of ``body``


@dataclass
class FeedSite:
    host: str
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


def _etag(route: Route) -> str | None:
    if route.etag == "auto":
        return '"' + hashlib.sha1(route.body).hexdigest()[:12] + '"'
    return route.etag


def _handler(site: FeedSite) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = site.routes.get(self.path)
            if route is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            if route.delay_s:
                time.sleep(route.delay_s)
            etag = _etag(route)
            headers = {"Content-Type": route.content_type, **route.headers}
            if etag:
                headers["ETag"] = etag
            if (route.honour_validators and etag and route.status == 200
                    and self.headers.get("If-None-Match") == etag):
                self._send(304, b"", {"ETag": etag})
                return
            if route.huge_bytes:
                self._stream_huge(route, headers)
                return
            self._send(route.status, route.body, headers, route.content_length)

        def _send(self, status: int, body: bytes, headers: dict[str, str],
                  length: bool = True) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _stream_huge(self, route: Route, headers: dict[str, str]) -> None:
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            if route.content_length:
                self.send_header("Content-Length", str(route.huge_bytes))
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<!-- " + b"x" * 65_000 + b" -->\n"
            sent = 0
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                while sent < route.huge_bytes:
                    self.wfile.write(chunk)
                    sent += len(chunk)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def feed_site(host: str = "127.0.0.1") -> Iterator[FeedSite]:
    """A threaded HTTP server on ``host`` (loopback only) and a free port."""
    assert host.startswith("127."), "tests never send traffic outside 127.0.0.0/8"
    site = FeedSite(host, 0)
    httpd = http.server.ThreadingHTTPServer((host, 0), _handler(site))
    httpd.daemon_threads = True
    site.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
