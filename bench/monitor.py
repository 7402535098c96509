"""Source monitor benchmark: 10,000 registered feeds on local servers, one beat tick, polls.

Run::

    .venv/bin/python bench/monitor.py --sources 10000 --polls 1000

Set-up: ``--sources`` feeds are registered in a fresh PostgreSQL database (the production
shape; Redis is the broker), each a URL on one of ``--hosts`` loopback servers
(127.0.0.2, 127.0.0.3, ...), serving windows of 10 entries of the corpus feeds (no network).
Per-domain politeness is set to 1000/s so that the figures measure the monitor, not the
politeness limit of 1/s per domain it would apply to real sites.

Measured, all in this run:

1. one beat tick: ``claim_due`` (the indexed ``next_fetch_at`` query, FOR UPDATE SKIP LOCKED)
   plus one poll message per due source sent to Redis: seconds for all of them, ms per source;
2. polls per minute with a 2-process worker (``celery worker -c 2`` on a private poll queue)
   running ``newsflow.source_poll`` over ``--polls`` of the due sources; their new entries
   go through the real producer into the ledger and onto the (unconsumed) stage queues;
3. the cost of one poll in this process (``poll_source`` sequentially, ``--inline`` polls):
   wall and CPU ms, i.e. fetch + parse + entry keys + producer (ledger rows, messages) +
   the poll's record;
4. beside them, the baseline: the same feeds fetched with httpx and parsed with feedparser
   in a plain loop, in 1 and 2 processes: polls per minute and CPU ms per feed.
"""

from __future__ import annotations

import argparse
import http.server
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.feed_site import FEEDS, atom_window  # noqa: E402

WINDOW = 10


def _bodies() -> list[tuple[bytes, str]]:
    """Feed bodies of WINDOW entries each, from the corpus (Atom windows and whole feeds)."""
    out = [(atom_window("talkingpointsmemo.atom", WINDOW), "application/atom+xml"),
           (atom_window("heise-developer.atom", WINDOW), "application/atom+xml")]
    for name in ("guardian-us.rss", "washingtonpost-wellness.rss", "uol-noticias.rss"):
        out.append(((FEEDS / name).read_bytes(), "application/rss+xml"))
    out.append(((FEEDS / "npr-technology.feed.json").read_bytes(), "application/feed+json"))
    return out


@contextmanager
def servers(hosts: int) -> Iterator[list[str]]:
    bodies = _bodies()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            number = int(self.path.rsplit("/", 1)[-1].split(".")[0] or 0)
            body, kind = bodies[number % len(bodies)]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    running = []
    bases = []
    for n in range(hosts):
        httpd = http.server.ThreadingHTTPServer((f"127.0.0.{n + 2}", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        running.append(httpd)
        bases.append(f"http://127.0.0.{n + 2}:{httpd.server_address[1]}")
    try:
        yield bases
    finally:
        for httpd in running:
            httpd.shutdown()
            httpd.server_close()


def _baseline_one(url: str) -> int:
    import feedparser
    import httpx

    with httpx.Client(timeout=10, trust_env=False) as client:
        body = client.get(url).content
    return len(feedparser.parse(body).entries)


def _json_feed_or_parse(url: str) -> int:
    if url.endswith(".json"):  # JSON Feed: feedparser 6 does not read it
        import json

        import httpx

        with httpx.Client(timeout=10, trust_env=False) as client:
            return len(json.loads(client.get(url).content)["items"])
    return _baseline_one(url)


def baseline(urls: list[str], processes: int) -> tuple[float, float]:
    """(polls per minute, CPU ms per feed of the calling process or pool) of a plain loop."""
    start, cpu = time.perf_counter(), time.process_time()
    if processes == 1:
        for url in urls:
            _json_feed_or_parse(url)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(urls)
    else:
        before = os.times()
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(_json_feed_or_parse, urls, chunksize=16)
        after = os.times()
        cpu_ms = ((after.children_user + after.children_system)
                  - (before.children_user + before.children_system)) * 1000 / len(urls)
    wall = time.perf_counter() - start
    return len(urls) / wall * 60, cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=1000, help="polls timed with 2 workers")
    parser.add_argument("--inline", type=int, default=200, help="polls timed in-process")
    parser.add_argument("--hosts", type=int, default=10)
    args = parser.parse_args()

    from sqlalchemy import func, insert, select, update

    from config.settings import load_settings
    from tasks.common import utc_now
    from tasks.monitor.poll import poll_source
    from tasks.monitor.registry import source_key
    from tasks.monitor.schedule import claim_due
    from tasks.storage.db import get_engine, migrate
    from tasks.storage.schema import source_fetch_events, sources
    from tests.integration.ingest_stack import delete_queues
    from tests.integration.services import require_redis, temporary_database
    from workers.app import make_app
    from workers.producer.enqueue import enqueue
    from workers.runtime.source_tasks import send_polls

    redis_url = require_redis()
    prefix = f"nf-bench-{uuid.uuid4().hex[:8]}"
    with servers(args.hosts) as bases, temporary_database("newsflow_bench") as db_url:
        env_settings = {
            "NEWSFLOW_BROKER_URL": redis_url, "NEWSFLOW_DATABASE_URL": db_url,
            "NEWSFLOW_PIPELINE__QUEUE_PREFIX": prefix,
            "NEWSFLOW_FETCH__POLITENESS_KEY_PREFIX": f"{prefix}:polite",
            "NEWSFLOW_FETCH__ALLOW_PRIVATE_HOSTS": '["127.0.0.0/8"]',
            "NEWSFLOW_FETCH__PER_DOMAIN_RATE": "1000",
            "NEWSFLOW_FETCH__PER_DOMAIN_CONCURRENCY": "64",
            "NEWSFLOW_LOG_LEVEL": "WARNING",
        }
        os.environ.update(env_settings)
        settings = load_settings()
        migrate(db_url)
        engine = get_engine(db_url)
        app = make_app(settings)
        urls = [f"{bases[i % len(bases)]}/feed/{i}.{'json' if i % 6 == 5 else 'xml'}"
                for i in range(args.sources)]
        now = utc_now()
        rows = [{"url": u, "url_norm": source_key(u), "domain": u.split("//")[1].split(":")[0],
                 "state": "active", "interval_s": 3600.0, "next_fetch_at": now,
                 "status": "new", "failure_score": 0.0, "conditional": True, "items_total": 0,
                 "created_at": now, "updated_at": now} for u in urls]
        with engine.begin() as conn:
            for start in range(0, len(rows), 1000):
                conn.execute(insert(sources), rows[start:start + 1000])
        poll_queue = f"{prefix}.poll"
        try:
            # 1. one beat tick over every due source
            t0 = time.perf_counter()
            claimed_at = utc_now()
            ids = claim_due(engine, limit=args.sources, claim_s=900, now=claimed_at)
            t1 = time.perf_counter()
            send_polls(app, ids, claimed_at, poll_queue)
            t2 = time.perf_counter()
            tick = (len(ids), t1 - t0, t2 - t1)

            # 2. polls per minute with a 2-process worker on those messages
            import redis as redis_lib

            client = redis_lib.Redis.from_url(redis_url)
            keep = args.polls
            queued = client.llen(poll_queue)
            if queued > keep:  # time only --polls of them: drop the rest of the queue
                client.ltrim(poll_queue, 0, keep - 1)
            env = {**os.environ, **env_settings}
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "--app", "workers.app", "worker", "--pool",
                 "prefork", "--concurrency", "2", "--queues", poll_queue, "--loglevel",
                 "WARNING", "--without-gossip", "--without-mingle", "--hostname",
                 f"bench-{prefix}@%h"], env=env, cwd=REPO, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                def polled() -> int:
                    with engine.connect() as conn:
                        return int(conn.execute(select(func.count())
                                                .select_from(source_fetch_events)).scalar_one())

                while polled() == 0:
                    time.sleep(0.05)
                first = time.perf_counter()
                start_count = polled()
                while polled() < keep and worker.poll() is None:
                    time.sleep(0.2)
                done = polled() - start_count
                span = time.perf_counter() - first
            finally:
                worker.terminate()
                worker.wait(timeout=60)
            worker_rate = done / span * 60 if span > 0 else float("nan")

            # 3. one poll in this process, sequentially, with the real producer
            with engine.begin() as conn:
                fresh = list(conn.execute(select(sources.c.id).where(
                    sources.c.last_fetch_at.is_(None)).limit(args.inline)).scalars())
                conn.execute(update(sources).where(sources.c.id.in_(fresh))
                             .values(next_fetch_at=utc_now()))

            def send(items: list[Any], batch_id: str) -> int:
                report = enqueue(app, settings, engine, items, batch_id=batch_id)
                return report.sent

            w0, c0 = time.perf_counter(), time.process_time()
            for source_id in fresh:
                poll_source(engine, settings, source_id, enqueue=send)
            inline_wall = (time.perf_counter() - w0) * 1000 / max(1, len(fresh))
            inline_cpu = (time.process_time() - c0) * 1000 / max(1, len(fresh))

            # 4. baseline: httpx + feedparser in a plain loop, the same feeds
            sample = urls[: max(args.inline, 1)]
            base1, base1_cpu = baseline(sample, 1)
            sample2 = urls[: max(args.polls, 1)]
            base2, base2_cpu = baseline(sample2, 2)
        finally:
            delete_queues(redis_url, prefix)
            engine.dispose()

    count, select_s, send_s = tick
    print(f"\n## Source monitor ({args.sources} sources on {args.hosts} loopback hosts, "
          f"{os.cpu_count()} CPUs)\n")
    print("| measure | newsflow | baseline (httpx + feedparser loop) |")
    print("| --- | ---: | ---: |")
    print(f"| one beat tick: claim {count} due sources | {select_s:.2f} s "
          f"({select_s * 1000 / count:.3f} ms/source) | - |")
    print(f"| one beat tick: send their {count} poll messages | {send_s:.2f} s "
          f"({send_s * 1000 / count:.3f} ms/source) | - |")
    print(f"| polls per minute, 2 processes ({done} polls) | {worker_rate:,.0f} | "
          f"{base2:,.0f} ({len(sample2)} feeds) |")
    print(f"| one poll in one process, wall ms ({len(fresh)} polls) | {inline_wall:.1f} | "
          f"{60_000 / base1:.1f} |")
    print(f"| one poll in one process, CPU ms | {inline_cpu:.1f} | {base1_cpu:.1f} |")
    print(f"| ... of which 2 processes, CPU ms per feed | - | {base2_cpu:.1f} |")
    print("\nThe newsflow poll also writes the ledger rows of its new entries (up to "
          f"{WINDOW}-55 a feed on a first poll), sends their messages, records the event and "
          "its health; the baseline only fetches and parses.")


if __name__ == "__main__":
    main()
