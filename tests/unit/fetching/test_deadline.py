"""The overall fetch deadline (issue 16): a server that trickles its headers or its body one
byte at a time never trips a per-read timeout, and held a worker process until the task's
time limit. A real loopback server trickles here; the fetch must end with a rejection that
names the URL and the setting, long before the server is done."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from config.settings import FetchSettings
from tasks.errors import PermanentError
from tasks.fetching.http import FetchTooSlow, fetch_url

# The server trickles for this long in all; the deadline below is a small part of it, so a
# fetch that returns at all (instead of raising) has waited the server out.
TRICKLE_S = 12.0
STEP_S = 0.1


def _trickle(conn: socket.socket, what: str) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    body = b"<html><body><p>" + b"a" * int(TRICKLE_S / STEP_S) + b"</p></body></html>"
    try:
        conn.recv(65536)
        if what == "headers":
            data = head + b"X-Slow: " + b"b" * int(TRICKLE_S / STEP_S) + b"\r\n\r\n" + b"<p>x</p>"
            prefix, slow = b"", data
        else:
            prefix = head + f"Content-Length: {len(body)}\r\n\r\n".encode()
            slow = body
        conn.sendall(prefix)
        for byte in slow:
            conn.sendall(bytes([byte]))
            time.sleep(STEP_S)
    except OSError:
        return  # the client hung up: what the deadline is for
    finally:
        conn.close()


@contextmanager
def _trickling_server(what: str) -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_trickle, args=(conn, what), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/slow-{what}.html"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.mark.parametrize("what", ["headers", "body"])
def test_a_trickling_server_is_cut_off_at_the_fetch_deadline(what: str) -> None:
    settings = FetchSettings(allow_private_hosts=["127.0.0.1"], timeout_s=5, deadline_s=1.0)
    with _trickling_server(what) as url, pytest.raises(FetchTooSlow) as caught:
        fetch_url(url, settings)
    error = caught.value
    assert isinstance(error, PermanentError) and error.reason == "too_slow"
    assert url in str(error) and "NEWSFLOW_FETCH__DEADLINE_S" in str(error)


def test_the_deadline_must_leave_room_for_one_read() -> None:
    with pytest.raises(ValueError, match="deadline_s"):
        FetchSettings(deadline_s=0)
