"""Hostile messages among real articles (issue 16), on a worker started as the README shows.

A worker reads the files its messages name. Anyone who can push onto the Redis queues can
name any file: a message naming ``/etc/passwd`` was read and stored by a worker with the
default settings (no ``NEWSFLOW_FETCH__ALLOWED_ROOTS``). Workers now read only files the
producer admitted: the item's ledger row, written by the producer before it sent anything,
must name the same file. A forged message ends ``rejected`` (``not_admitted``) naming the
path, nothing of the file is stored, and the real articles around it are stored.

In the same run, 100,000-level nested JSON is pushed onto the queues, as a bare queue item
and as a task message's body: the worker must refuse both and keep consuming (Python's JSON
parser raises ``RecursionError`` on it, which is no ``ValueError``).

A server that trickles its headers, one byte every 0.2 s, shares a fetch message with seven
good URLs: the overall fetch deadline (``NEWSFLOW_FETCH__DEADLINE_S``) rejects it as
``too_slow`` naming the setting, and the seven are stored.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import redis
from kombu import Connection, Exchange
from sqlalchemy import text

from config.settings import load_settings
from tasks.codec import encode
from tasks.models import Article
from tests.conftest import CORPUS_DEV
from tests.integration.faults.conftest import MakeStack
from tests.integration.faults.harness import article_batch

pytestmark = pytest.mark.integration

FORGED_ID = "f0" * 16


def test_a_pushed_message_naming_etc_passwd_is_refused(make_stack: MakeStack) -> None:
    stack = make_stack()
    del stack.env["NEWSFLOW_FETCH__ALLOWED_ROOTS"]  # as the README starts a worker
    articles = article_batch(stack.inputs, total=24)
    stack.start_worker()
    stack.enqueue(stack.inputs)

    # The attacker's message: what kombu would carry for a real micro-batch, on the queue
    # the producer uses for local files (fetch inside the clean message).
    from workers.app import make_app
    from workers.producer.publish import chain_from

    settings = load_settings(broker_url=stack.redis.url, database_url=stack.database_url)
    app = make_app(settings)
    forged = Article(id=FORGED_ID, source="/etc/passwd", source_kind="file")
    chain_from(app, "fetch", [encode(forged)], local_fetch_in_clean=True).apply_async()

    nested = "[" * 100_000 + "]" * 100_000
    redis.Redis.from_url(stack.redis.url).lpush("newsflow.clean", nested)
    with Connection(stack.redis.url) as conn:
        queue = "newsflow.clean"
        conn.Producer().publish(nested, exchange=Exchange(queue, type="direct"),
                                routing_key=queue, content_type="application/json",
                                content_encoding="utf-8", serializer=None,
                                headers={"task": "newsflow.clean", "id": "n" * 32,
                                         "lang": "py", "retries": 0, "argsrepr": "",
                                         "kwargsrepr": ""})

    stack.wait_terminal(len(articles) + 1)
    assert all(worker.process.poll() is None for worker in stack.workers), stack.worker_tail()
    with stack.engine.connect() as conn:
        row = conn.execute(text("SELECT state, stage, reason, error FROM items WHERE id = :i"),
                           {"i": FORGED_ID}).one()
        leaked = conn.execute(text("SELECT count(*) FROM articles WHERE text LIKE '%root:%'"
                                   " OR source = '/etc/passwd'")).scalar()
    print(f"[faults] forged /etc/passwd: {row.state} at {row.stage}: {row.reason}: {row.error}")
    assert leaked == 0
    assert (row.state, row.reason) == ("rejected", "not_admitted"), row
    assert "/etc/passwd" in row.error and "admitted" in row.error
    audit = stack.audit("hostile: a pushed message naming /etc/passwd",
                        [*articles, "/etc/passwd"])
    assert audit.rejected == 1 and audit.dead == 0


class _Pages(BaseHTTPRequestHandler):
    """Real corpus pages at /page-N.html; /slow.html trickles its headers a byte at a time;
    anything else (the fetch stage's /robots.txt) is a 404, as on a real site without one."""

    pages: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        try:
            if self.path == "/slow.html":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
                for _ in range(3000):
                    self.wfile.write(b"b")
                    self.wfile.flush()
                    time.sleep(0.2)
                return
            if not self.path.startswith("/page-"):
                self.send_error(404)
                return
            page = self.pages[int(self.path.split("-")[1].split(".")[0])]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
        except OSError:
            return  # the client hung up: what the fetch deadline is for

    def log_message(self, *_: object) -> None:
        return


def test_a_trickling_url_in_a_message_of_good_urls_is_rejected_too_slow(
        make_stack: MakeStack, tmp_path: Path) -> None:
    stack = make_stack(fetch__deadline_s="5", fetch__allow_private_hosts='["127.0.0.1"]',
                       fetch__per_domain_rate="100", fetch__per_domain_concurrency="8")
    pages = sorted(CORPUS_DEV.glob("*.html"), key=lambda p: (p.stat().st_size, p.name))[20:27]
    _Pages.pages = [p.read_bytes() for p in pages]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        # One micro-batch of 8 URLs (pipeline.batch_size): the slow one shares a fetch
        # message with seven good ones.
        urls = [f"{base}/page-{n}.html" for n in range(3)] + [f"{base}/slow.html"] + [
            f"{base}/page-{n}.html" for n in range(3, 7)]
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join(urls) + "\n")
        stack.start_worker()
        stack.enqueue(f"@{listing}")
        stack.wait_terminal(len(urls))
    finally:
        server.shutdown()
        server.server_close()
    with stack.engine.connect() as conn:
        rows = {r.source: r for r in conn.execute(text(
            "SELECT source, state, reason, error FROM items"))}
    slow = rows[f"{base}/slow.html"]
    print(f"[faults] trickling headers: {slow.state}: {slow.reason}: {slow.error}")
    assert (slow.state, slow.reason) == ("rejected", "too_slow")
    assert "NEWSFLOW_FETCH__DEADLINE_S" in slow.error and "slow.html" in slow.error
    audit = stack.audit("hostile: a URL trickling its headers among 7 good URLs", urls)
    assert audit.stored + audit.duplicate == 7 and audit.rejected == 1 and audit.dead == 0
