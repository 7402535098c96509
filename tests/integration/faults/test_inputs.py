"""Scenarios 7 and 8: hostile inputs among a 500-article batch.

7. Bad files, each rejected with a clear reason while the articles around them are stored.
8. A server that trickles its page one byte at a time: per-read timeouts never fire and the
   fetch deadline is set far away, so only the task time limit stops the stage. The item
   must end dead with the time-limit error (not retried forever), the others stored. Every
   message carries one article here (``pipeline.batch_size=1``), so the limit measures a
   single article's stage, and soft 6 s < hard 10 s < visibility 20 s.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.integration.faults.conftest import MakeStack
from tests.integration.faults.harness import article_batch

pytestmark = pytest.mark.integration


def _bad_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    files = {
        "empty": folder / "empty.txt",
        "binary": folder / "binary.txt",
        "50 MB": folder / "huge.txt",
        "invalid UTF-8": folder / "invalid-utf8.html",
        "HTML without text": folder / "no-text.html",
        "10,000-level nesting": folder / "nested.html",
        "JSON not an article": folder / "settings.json",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    with files["50 MB"].open("wb") as handle:
        line = b"The council met on Tuesday to discuss the budget of the harbour.\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    # Declares UTF-8, is not: no charset fits these bytes (a legacy charset would turn text
    # that is merely not UTF-8 into text, which is right for old Latin-2 pages).
    noise = random.Random(7)
    files["invalid UTF-8"].write_bytes(
        b'<html><head><meta charset="utf-8"></head><body><p>'
        + bytes(noise.randrange(0x80, 0x100) for _ in range(4000)) + b"</p></body></html>")
    files["HTML without text"].write_bytes(
        b"<!doctype html><html><head><title></title><script>var a = 1;</script></head>"
        b"<body><div><img src='a.png'></div><nav><a href='/'>Home</a></nav></body></html>")
    files["10,000-level nesting"].write_bytes(
        b"<html><body>" + b"<div>" * 10_000
        + b"<p>Deep inside the page the harbour council discussed its budget.</p>"
        + b"</div>" * 10_000 + b"</body></html>")
    files["JSON not an article"].write_text('{"theme": "dark", "retries": [1, 2, 3]}')
    return files


def test_7_bad_inputs_are_rejected_with_a_reason(make_stack: MakeStack) -> None:
    stack = make_stack()
    articles = article_batch(stack.inputs / "articles")
    bad = _bad_inputs(stack.inputs / "bad")
    stack.start_worker()
    stack.enqueue(stack.inputs / "articles", *bad.values())
    everything = articles + list(bad.values())
    stack.wait_terminal(len(everything))
    audit = stack.audit("7 bad inputs (7 kinds) among the articles", everything)
    outcomes = {}
    with stack.engine.connect() as conn:
        from sqlalchemy import text

        for kind, path in bad.items():
            row = conn.execute(text("SELECT state, reason, error FROM items WHERE source = :s"),
                               {"s": str(path.resolve())}).one()
            outcomes[kind] = (row.state, row.reason, row.error)
    for kind, (state, reason, error) in outcomes.items():
        print(f"[faults] {kind}: {state} {reason}: {error}")
    for kind, (state, reason, error) in outcomes.items():
        assert state == "rejected" and reason and error, (kind, outcomes)
    assert outcomes["empty"][1] == "empty"
    assert outcomes["binary"][1] == "binary"
    assert outcomes["50 MB"][1] == "too_large"
    assert audit.rejected == len(bad) and audit.dead == 0


class _Trickle(BaseHTTPRequestHandler):
    """An HTML page sent one byte every 0.2 s, forever (until the client hangs up)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        try:
            self.wfile.write(b"<html><body><p>")
            for _ in range(3000):
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def trickle_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slow-article.html"
    finally:
        server.shutdown()
        server.server_close()


def test_8_a_stage_exceeding_the_time_limit(make_stack: MakeStack, trickle_url: str) -> None:
    stack = make_stack(celery__soft_time_limit_s="6", celery__hard_time_limit_s="10",
                       celery__visibility_timeout_s="20", celery__retry_backoff_max_s="5",
                       pipeline__batch_size="1", fetch__timeout_s="60",
                       fetch__allow_private_hosts='["127.0.0.1"]')
    articles = article_batch(stack.inputs)
    stack.start_worker()
    stack.enqueue(stack.inputs, trickle_url)
    stack.wait_terminal(len(articles) + 1)
    with stack.engine.connect() as conn:
        from sqlalchemy import text

        slow = conn.execute(text("SELECT state, stage, reason, error FROM items "
                                 "WHERE source = :s"), {"s": trickle_url}).one()
    print(f"[faults] trickling page: {slow.state} at {slow.stage}: {slow.reason}: {slow.error}")
    audit = stack.audit("8 a stage past its time limit (trickling server)",
                        [*articles, trickle_url])
    assert slow.state == "dead" and slow.stage == "fetch"
    assert "TimeLimitExceeded" in (slow.reason or "") + (slow.error or "")
    assert audit.dead == 1
