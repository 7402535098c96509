"""A tiny HTTP server on 127.0.0.x for fetch tests: routes map a path to a canned answer."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Answer", "LocalServer", "local_server"]


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True
    delay_s: float = 0.0


@dataclass
class LocalServer:
    host: str
    port: int
    routes: dict[str, Answer | Callable[[], Answer]]
    hits: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    user_agents: list[str] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each request

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"


def _handler(server: LocalServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.arrived.append(time.monotonic())
            server.hits.append((self.path, self.headers.get("Host", "")))
            server.user_agents.append(self.headers.get("User-Agent", ""))
            route = server.routes.get(self.path)
            answer = route() if callable(route) else route
            if answer is None:
                answer = Answer(404, b"not found", {"Content-Type": "text/plain"})
            if answer.delay_s:
                time.sleep(answer.delay_s)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.content_length:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            # the client may stop reading (size limit): expected
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def local_server(
    routes: dict[str, Answer | Callable[[], Answer]], host: str = "127.0.0.1"
) -> Iterator[LocalServer]:
    """Serve ``routes`` on ``host`` (always a 127.0.0.0/8 address) on a free port."""
    assert host.startswith("127."), "tests never send traffic outside 127.0.0.0/8"
    state = LocalServer(host, 0, routes)
    httpd = http.server.ThreadingHTTPServer((host, 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
