"""Memory of a real extract worker: peak RSS, PSS and USS of each process on a real corpus.

Run: ``.venv/bin/python bench/memory.py [--concurrency 2] [--stories 400]``

What it does, on the real Redis (a private queue prefix) and a temporary PostgreSQL database:

1. starts ``newsflow worker --queues extract --concurrency N`` (the worker measured) and a
   second worker for the other queues (fetch, clean, translate_check, store; one process),
   as a deployment that scales extract on its own would (``--all-queues``: the measured
   worker consumes every queue, as the default ``newsflow worker`` does);
2. enqueues the dev corpus pages (``../shared/corpus/dev``) and the articles of
   ``../shared/corpus/stories-dev`` (five languages, inline text), and waits until every
   item is terminal;
3. samples every process of both workers every ``--interval`` seconds.

What "per worker process" means here: each pool child of the extract worker (the processes
that run the stage), and separately its main process (which loaded the models before the
fork and runs no task). For each: **peak RSS** (``VmHWM``: every page the process maps,
shared or not, counted whole), the largest **PSS** sampled (shared pages divided among the
processes sharing them: the memory the process really adds) and the largest **USS** sampled
(its private pages only). A pool child's RSS counts the models its parent loaded before
the fork; its USS is what the child added itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_support import pool_children, temporary_database
from workers.cli.embedded import stop_worker

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))
PG_ADMIN_URL = os.environ.get(
    "NEWSFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LIGHT_QUEUES = "fetch,clean,translate_check,store"


@dataclass
class Peak:
    role: str
    rss_mb: float = 0.0  # VmHWM, the kernel's own peak
    pss_mb: float = 0.0  # largest sample
    uss_mb: float = 0.0  # largest sample (Private_Clean + Private_Dirty)


def _status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _rollup_kb(pid: int) -> dict[str, int]:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    values: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0])
    return values


def sample(pid: int, peak: Peak) -> None:
    """Fold one reading of ``pid`` into ``peak`` (a gone process leaves it as it was)."""
    hwm = _status_kb(pid, "VmHWM")
    rollup = _rollup_kb(pid)
    if not hwm or not rollup:
        return
    peak.rss_mb = max(peak.rss_mb, hwm / 1024)
    peak.pss_mb = max(peak.pss_mb, rollup.get("Pss", 0) / 1024)
    uss = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    peak.uss_mb = max(peak.uss_mb, uss / 1024)


def write_stories_jsonl(path: Path, limit: int) -> int:
    """The stories-dev articles (both sides of each pair, once each) as inline JSONL."""
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as out:
        for line in (SHARED / "corpus" / "stories-dev" / "pairs.jsonl").open(encoding="utf-8"):
            pair = json.loads(line)
            for side in ("1", "2"):
                url, text = pair.get(f"url{side}"), pair.get(f"text{side}")
                if not url or not text or url in seen or len(seen) >= limit:
                    continue
                seen.add(url)
                out.write(json.dumps({"url": url, "title": pair.get(f"title{side}"),
                                      "text": text}) + "\n")
    return len(seen)


def _worker(queues: str, concurrency: int, hostname: str, env: dict[str, str],
            log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "workers", "worker", "--queues", queues, "--concurrency",
             str(concurrency), "--loglevel", "WARNING", "--hostname", hostname],
            env=env, stdout=handle, stderr=handle, start_new_session=True,
        )


def run(args: argparse.Namespace, database_url: str, workdir: Path) -> dict[str, Any]:
    from config.settings import load_settings
    from tasks.sources import iter_sources
    from tasks.storage import ledger
    from tasks.storage.db import get_engine, migrate
    from workers.app import make_app
    from workers.producer import enqueue as producer

    prefix = f"nf-mem-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(NEWSFLOW_BROKER_URL=args.redis_url, NEWSFLOW_DATABASE_URL=database_url,
               NEWSFLOW_PIPELINE__QUEUE_PREFIX=prefix, NEWSFLOW_LOG_JSON="false",
               **dict(kv.split("=", 1) for kv in args.env))
    settings = load_settings(broker_url=args.redis_url, database_url=database_url,
                             pipeline={"queue_prefix": prefix})
    migrate(database_url)
    engine = get_engine(database_url)
    app = make_app(settings)
    inputs = [str(SHARED / "corpus" / "dev")]
    stories = 0
    if args.stories:
        jsonl = workdir / "stories.jsonl"
        stories = write_stories_jsonl(jsonl, args.stories)
        inputs.append(str(jsonl))

    # --all-queues: one worker for every stage (the default `newsflow worker`), no other.
    role = "all-queues" if args.all_queues else "extract"
    queues = f"{LIGHT_QUEUES},extract" if args.all_queues else "extract"
    workers = [(role, f"{prefix}-x@bench",
                _worker(queues, args.concurrency, f"{prefix}-x@bench", env, workdir / "x.log"))]
    if not args.all_queues:
        workers.append(("light", f"{prefix}-l@bench",
                        _worker(LIGHT_QUEUES, 1, f"{prefix}-l@bench", env, workdir / "l.log")))
    peaks: dict[int, Peak] = {}
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            for name, _, worker in workers:
                peaks.setdefault(worker.pid, Peak(f"{name} main"))
                sample(worker.pid, peaks[worker.pid])
                for child in pool_children(worker.pid):
                    peaks.setdefault(child, Peak(f"{name} pool child"))
                    sample(child, peaks[child])
            stop.wait(args.interval)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        for _, hostname, worker in workers:
            deadline = time.monotonic() + 600
            while not app.control.ping(destination=[hostname], timeout=1.0):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"worker {hostname} did not start; see {workdir}")
        ready_s = time.monotonic() - started
        batch_id = producer.new_batch_id()
        report = producer.enqueue(app, settings, engine, iter_sources(inputs),
                                  batch_id=batch_id, skip_known=False)
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            counts = ledger.batch_counts(engine, batch_id)
            if ledger.in_flight_count(counts) == 0:
                break
            time.sleep(1.0)
        else:
            raise SystemExit(f"not done after {args.timeout} s: {counts}")
        rows = ledger.list_items(engine, batch_id=batch_id, limit=report.sent + 10)
        outcomes = Counter(r.state for r in rows)
        time.sleep(2 * args.interval)
    finally:
        stop.set()
        thread.join()
        for _, _, worker in workers:
            stop_worker(worker)
        engine.dispose()
        _delete_keys(args.redis_url, prefix)
    return {"sent": report.sent, "stories": stories, "outcomes": dict(outcomes),
            "ready_s": ready_s, "seconds": time.monotonic() - started,
            "peaks": [vars(p) | {"pid": pid} for pid, p in peaks.items() if p.rss_mb]}


def _delete_keys(redis_url: str, prefix: str) -> None:
    """The run's queues and lease keys (its private prefix) are removed from Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}.*", count=1000))
    if keys:
        client.delete(*keys)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--stories", type=int, default=400,
                        help="stories-dev articles to add to the dev pages (0: none)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--env", action="append", default=[],
                        help="extra NAME=value for both workers (experiments; repeatable)")
    parser.add_argument("--all-queues", action="store_true",
                        help="measure a worker of every queue instead of an extract-only one")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsflow-mem-") as tmp, \
            temporary_database(PG_ADMIN_URL, "newsflow_mem") as url:
        result = run(args, url, Path(tmp))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['sent']} items ({result['stories']} stories-dev articles, the rest dev "
          f"pages): {result['outcomes']}; workers ready after {result['ready_s']:.0f} s, "
          f"{result['seconds']:.0f} s in all; load average {os.getloadavg()[0]:.1f}")
    print(f"{'process':<20} {'pid':>8} {'peak RSS MB':>12} {'max PSS MB':>11} {'max USS MB':>11}")
    for peak in sorted(result["peaks"], key=lambda p: (p["role"], p["pid"])):
        print(f"{peak['role']:<20} {peak['pid']:>8} {peak['rss_mb']:>12.0f} "
              f"{peak['pss_mb']:>11.0f} {peak['uss_mb']:>11.0f}")
    children = [p for p in result["peaks"] if p["role"] != "light pool child"
                and p["role"].endswith("pool child")]
    if children:
        worst = max(p["rss_mb"] for p in children)
        print(f"measured pool children: peak RSS {worst:.0f} MB (target <= 450): "
              f"{'met' if worst <= 450 else 'NOT met'}")


if __name__ == "__main__":
    main()
