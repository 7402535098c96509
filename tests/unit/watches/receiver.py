"""A webhook receiver on loopback for watch tests: records every POST and checks its
signature with the watch's secret, as a real receiver would."""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from tasks.watches.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

__all__ = ["Receipt", "Receiver"]


@dataclass(frozen=True)
class Receipt:
    path: str
    body: dict[str, Any]
    signed: bool  # the signature verified with the receiver's secret
    delivery: str | None


@dataclass
class Receiver:
    """``start()`` listens on ``port`` (0: a free one); ``status`` is what it answers."""

    secret: str
    port: int = 0
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Receipt] = field(default_factory=list)
    _server: http.server.ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                signed = verify(receiver.secret, self.headers.get(TIMESTAMP_HEADER, ""), raw,
                                self.headers.get(SIGNATURE_HEADER, ""))
                with receiver._lock:
                    receiver.received.append(Receipt(self.path, json.loads(raw), signed,
                                                     self.headers.get(DELIVERY_HEADER)))
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = int(server.server_address[1])
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def matches(self) -> list[Receipt]:
        with self._lock:
            return [r for r in self.received if r.body.get("event") == "watch.match"]
