"""Producer benchmark: enqueue a JSONL dump to the real Redis and a real database.

Run: ``.venv/bin/python bench/enqueue.py [--items 100000] [--database sqlite|postgresql]``

What it does, all in a temporary folder and a private queue prefix that it deletes after:

1. writes ``--items`` JSONL lines (inline text articles cut from the seed articles, each one
   different) to a file;
2. baselines, in a child process on the same payloads: ``json.dumps`` of every article
   alone, and raw redis-py ``LPUSH`` of the same messages' payloads (``batch_size`` articles
   a message, pipelined) - the floor of any producer on this Redis;
3. the producer (``workers.producer.enqueue.enqueue``, what ``newsflow enqueue`` runs) in a fresh
   child process: sources -> ledger rows (SQLite file or a temporary PostgreSQL database)
   -> Celery chains on Redis; it reports items/s and its peak RSS (VmHWM) when it has read
   ``--checkpoint`` items and at the end.

Nobody consumes the queues; they are deleted afterwards. Targets: >= 5,000 items/s in every
run, not on average (issue 17), and a peak RSS within 20 % between 10,000 and 100,000 items
(issue 5). The CPU line matters on a shared machine: the producer's items per CPU-second is
what the code decides; the wall rate also depends on how much CPU the machine gives it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
REDIS_URL = os.environ.get("NEWSFLOW_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_ADMIN_URL = os.environ.get(
    "NEWSFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def write_jsonl(path: Path, count: int, text_chars: int) -> int:
    """Unique inline articles: windows of the seed texts, numbered. Returns the byte size."""
    corpus = " ".join(" ".join(p.read_text(encoding="utf-8").split())
                      for p in sorted(SEEDS.glob("*.txt")))
    span = max(1, len(corpus) - text_chars)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            start = (i * 7919) % span
            body = corpus[start : start + text_chars]
            handle.write(json.dumps({
                "text": f"Bench article {i}.\n\n{body}",
                "title": f"Bench article {i}",
                "url": f"https://bench.invalid/articles/{i}",
                "published": "2024-05-01",
            }) + "\n")
    return path.stat().st_size


def _child_baselines(jsonl: Path, prefix: str, batch_size: int) -> dict[str, Any]:
    import redis

    from tasks.codec import encode_source
    from tasks.common import batched
    from tasks.sources import SourceItem, iter_sources

    started = time.perf_counter()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    payloads = [encode_source(item, "bench", uuid.uuid4().hex, stamp)
                for item in iter_sources([str(jsonl)]) if isinstance(item, SourceItem)]
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    for payload in payloads:
        json.dumps(payload)
    dumps_s = time.perf_counter() - started
    client = redis.Redis.from_url(REDIS_URL)
    key = f"{prefix}.baseline"
    started = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for number, group in enumerate(batched(payloads, batch_size), start=1):
        pipe.lpush(key, json.dumps(group))
        if number % 500 == 0:
            pipe.execute()
    pipe.execute()
    lpush_s = time.perf_counter() - started
    client.delete(key)
    n = len(payloads)
    return {"items": n, "read_items_per_s": n / read_s, "json_dumps_items_per_s": n / dumps_s,
            "redis_lpush_items_per_s": n / lpush_s}


def _child_producer(jsonl: Path, checkpoint: int) -> dict[str, Any]:
    from config.settings import get_settings
    from tasks.sources import iter_sources
    from tasks.storage.db import get_engine, migrate
    from workers.app import app
    from workers.producer.enqueue import EnqueueReport, enqueue

    settings = get_settings()
    url = settings.database_url.get_secret_value()
    migrate(url)
    engine = get_engine(url)
    marks: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()

    series: list[tuple[int, float]] = []

    def on_progress(report: EnqueueReport) -> None:
        if not series or report.read >= series[-1][0] + checkpoint:
            series.append((report.read, _peak_rss_mib()))
        if report.read >= checkpoint and "checkpoint" not in marks:
            elapsed = time.perf_counter() - started
            marks["checkpoint"] = {"items": report.read, "seconds": elapsed,
                                   "items_per_s": report.read / elapsed,
                                   "peak_rss_mib": _peak_rss_mib()}

    sources = iter_sources([str(jsonl)], max_inline_bytes=settings.fetch.max_bytes)
    report = enqueue(app, settings, engine, sources, on_progress=on_progress)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # all threads of this process, user + system
    marks["end"] = {"items": report.read, "seconds": elapsed, "cpu_seconds": cpu,
                    "items_per_s": report.read / elapsed, "peak_rss_mib": _peak_rss_mib()}
    return {"sent": report.sent, "rejected": report.rejected, "marks": marks, "series": series}


def _run_child(role: str, jsonl: Path, env: dict[str, str], extra: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", role, "--jsonl", str(jsonl), *extra],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{role} child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _postgres_database() -> tuple[str, Any]:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"newsflow_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def _cleanup_queues(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}.*", count=1000))
    return int(client.delete(*keys)) if keys else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--checkpoint", type=int, default=10_000)
    parser.add_argument("--text-chars", type=int, default=600)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--child", choices=["baselines", "producer"])
    parser.add_argument("--jsonl", type=Path)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args(argv)
    if args.child == "baselines":
        print(json.dumps(_child_baselines(args.jsonl, os.environ["NEWSFLOW_PIPELINE__QUEUE_PREFIX"],
                                          args.batch_size)))
        return
    if args.child == "producer":
        print(json.dumps(_child_producer(args.jsonl, args.checkpoint)))
        return

    prefix = f"nf-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as folder:
        jsonl = Path(folder) / "articles.jsonl"
        size = write_jsonl(jsonl, args.items, args.text_chars)
        drop = None
        if args.database == "postgresql":
            database_url, drop = _postgres_database()
        else:
            database_url = f"sqlite:///{folder}/ledger.db"
        env = dict(os.environ, NEWSFLOW_BROKER_URL=REDIS_URL, NEWSFLOW_DATABASE_URL=database_url,
                   NEWSFLOW_PIPELINE__QUEUE_PREFIX=prefix,
                   NEWSFLOW_PIPELINE__BATCH_SIZE=str(args.batch_size), NEWSFLOW_LOG_LEVEL="WARNING")
        try:
            base = _run_child("baselines", jsonl, env, [])
            prod = _run_child("producer", jsonl, env, ["--checkpoint", str(args.checkpoint)])
        finally:
            deleted = _cleanup_queues(prefix)
            if drop is not None:
                drop()
    first, end = prod["marks"]["checkpoint"], prod["marks"]["end"]
    growth = end["peak_rss_mib"] / first["peak_rss_mib"] - 1
    print(f"input: {args.items} JSONL lines, {size / 2**20:.1f} MiB; ledger: {args.database}; "
          f"Redis {REDIS_URL} (queues {prefix}.*, {deleted} keys deleted after)")
    print(f"{'what':<44} {'items/s':>10}")
    print(f"{'baseline: read + build payloads only':<44} {base['read_items_per_s']:>10,.0f}")
    print(f"{'baseline: json.dumps of each payload':<44} {base['json_dumps_items_per_s']:>10,.0f}")
    print(f"{'baseline: raw redis-py LPUSH, pipelined':<44} "
          f"{base['redis_lpush_items_per_s']:>10,.0f}")
    for label, mark in (("producer", first), ("producer", end)):
        print(f"{label + ' at ' + format(mark['items'], ',') + ' items':<44} "
              f"{mark['items_per_s']:>10,.0f}   peak RSS {mark['peak_rss_mib']:.1f} MiB")
    print("peak RSS (MiB) by items read: " + ", ".join(
        f"{n // 1000}k {rss:.0f}" for n, rss in prod["series"]))
    print(f"producer CPU: {end['cpu_seconds']:.1f}s over {end['seconds']:.1f}s wall = "
          f"{end['items'] / end['cpu_seconds']:,.0f} items per CPU-second (the rest is waiting "
          f"for Redis, the database and the other processes on this machine; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"sent {prod['sent']}, rejected {prod['rejected']}; peak RSS growth "
          f"{first['items']:,} -> {end['items']:,} items: {growth:+.1%} "
          f"(target within 20 %); throughput target >= 5,000 items/s: "
          f"{'met' if end['items_per_s'] >= 5000 else 'NOT met'}")


if __name__ == "__main__":
    main()
