"""Throughput benchmark: newsflow on Redis + PostgreSQL beside two plain-loop baselines.

Run (full size, on a quiet machine; ``--rounds 2`` runs the whole sequence twice and reports
both rounds)::

    .venv/bin/python bench/throughput.py --rounds 2 --profile 100 --write

Input (``bench/throughput_mix.py``): one JSONL feed of distinct real articles, the dev
corpus pages (HTML) and the stories-dev articles (text; ar, de, en, es, tr), with
``--dup-share`` (20 %) wire copies mixed in, half exact, half near (changed header and
footer), each well after its original. ``--articles N`` takes a smaller feed, same shares.

Modes, for each process count, in this order: libraries, baseline, newsflow, baseline,
libraries (each baseline right before and after its newsflow run; the report compares with
the mean of the two, since this VM's speed drifts by several per cent):

* ``libraries`` (``bench/throughput_libraries.py``): the libraries newsflow calls for its
  work (trafilatura, py3langid, the spaCy pipelines, the USE encoder), called directly in a
  plain loop, no database, every copy processed in full: what a user's script would cost;
* ``baseline``: the stage functions, ``tasks.pipeline.run_inline_batch``, over micro-batches
  of ``pipeline.batch_size`` in a plain loop on a fresh PostgreSQL database; it also gives
  each article's cost, hence the duplicate path's cost beside an original's;
* ``newsflow``: ``python -m workers worker --concurrency N`` on the real Redis with a
  private queue prefix, fed by the producer from this process; the clock runs from the
  first enqueue to the last terminal ledger row, workers started and ready;
* ``embedded`` (``--embedded``): ``newsflow run FEED --concurrency 2`` (filesystem broker +
  SQLite); wall time of the command, and its processing span.

Every multi-process mode forks after the models are loaded and hands work out chunk by
chunk. Printed and written (``--write``) to docs/performance.md and README.md's block:
articles/s, ratios, 1->2 scaling, p50/p95 end-to-end latency (ledger created_at ->
updated_at; everything is enqueued at once, so mostly queueing), peak RSS (VmHWM) per
process, Celery messages per article (the worker's /metrics), per-stage cost beside the
library call inside it, and the duplicate path's cost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_support import (  # noqa: E402
    free_port,
    pool_children,
    pss_mb,
    scrape_metrics,
    temporary_database,
    vm_hwm_mb,
)
from bench.throughput_libraries import load_libraries, run_libraries  # noqa: E402
from bench.throughput_libraries import warm_up as warm_up_libraries  # noqa: E402
from bench.throughput_mix import Mix, make_mix  # noqa: E402
from bench.throughput_report import RunResult, readme_block, render_report  # noqa: E402
from tasks.common import utc_now  # noqa: E402
from workers.cli.embedded import stop_worker  # noqa: E402

__all__ = ["main"]

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dev"
DEFAULT_PAIRS = REPO.parent / "shared" / "corpus" / "stories-dev" / "pairs.jsonl"
REPORT = REPO / "docs" / "performance.md"


# ---------------------------------------------------------------------------------- inputs
def _articles(mix: Path, batch_id: str) -> list[Any]:
    """The feed's articles in line order, as the producer would send them."""
    from tasks.codec import decode, encode_source
    from tasks.sources import SourceItem, iter_sources

    stamp = utc_now().isoformat()
    return [
        decode(encode_source(i, batch_id, uuid.uuid4().hex, stamp))
        for i in iter_sources([str(mix)])
        if isinstance(i, SourceItem)
    ]


# -------------------------------------------------------------------------------- baseline
_BASELINE: dict[str, Any] = {}


def _baseline_child_init() -> None:
    from sqlalchemy import Engine, event

    from tasks.pipeline import add_observer
    from tasks.storage.db import dispose_engines

    dispose_engines()
    _BASELINE["stage_s"] = Counter()
    _BASELINE["article_s"] = Counter()
    _BASELINE["sql"] = Counter()

    def observe(batch: Any) -> None:
        # CPU time, not wall: comparable with the libraries' figures on a busy machine
        _BASELINE["stage_s"].update({batch.stage: batch.cpu_seconds})
        _BASELINE["article_s"].update({a.article_id: a.cpu_seconds for a in batch.articles})

    def count(*_args: Any) -> None:
        _BASELINE["sql"]["statements"] += 1

    add_observer(observe)
    event.listen(Engine, "before_cursor_execute", count)


def _baseline_chunk(
    payloads: list[dict[str, Any]],
) -> tuple[list[str], dict[str, float], dict[str, float]]:
    from tasks.codec import decode
    from tasks.pipeline import TerminalFailure, run_inline_batch

    articles = [decode(p) for p in payloads]
    results = run_inline_batch(articles, _BASELINE["settings"])
    outcomes: list[str] = [
        r.state if isinstance(r, TerminalFailure) else (r.verdict or "ok") for r in results
    ]
    spent: dict[str, float] = dict(_BASELINE["stage_s"])
    spent["sql statements"] = _BASELINE["sql"]["statements"]
    per_article: dict[str, float] = dict(_BASELINE["article_s"])
    for counter in ("stage_s", "article_s", "sql"):
        _BASELINE[counter].clear()
    return outcomes, spent, per_article


def run_baseline(mix: Mix, processes: int, database_url: str, batch_size: int,
                 when: str = "") -> RunResult:
    """The stage functions over the feed in a plain loop: CPU per stage and per article (by
    line kind: the duplicate path's cost), SQL statements per article."""
    from config.settings import load_settings
    from tasks.storage.db import migrate

    settings = load_settings(database_url=database_url)
    migrate(database_url)
    _BASELINE["settings"] = settings
    articles = _articles(mix.path, f"baseline-{processes}")
    kind_of = {a.id: (kind, form) for a, kind, form in
               zip(articles, mix.kinds, mix.formats, strict=True)}
    from tasks.codec import encode
    from tasks.common import batched

    chunks = [[encode(a) for a in group] for group in batched(articles, batch_size)]
    result = RunResult("baseline", processes, len(articles), 0.0, when=when)
    stage_s: Counter[str] = Counter()
    article_s: Counter[str] = Counter()
    context = multiprocessing.get_context("fork")  # children share the preloaded models
    with context.Pool(processes, initializer=_baseline_child_init) as pool:
        pool.map(_noop, range(processes))  # processes up before the clock starts
        started = time.perf_counter()
        for outcomes, spent, per_article in pool.imap_unordered(_baseline_chunk, chunks):
            result.outcomes.update(outcomes)
            stage_s.update(spent)
            article_s.update(per_article)
        result.seconds = time.perf_counter() - started
        result.rss_mb = [vm_hwm_mb(p.pid) for p in multiprocessing.active_children() if p.pid]
    result.sql_per_article = stage_s.pop("sql statements", 0) / len(articles)
    result.stage_ms = {s: 1000 * v / len(articles) for s, v in stage_s.items()}
    by_kind: dict[str, list[float]] = {}
    for article_id, (kind, form) in kind_of.items():
        for key in (kind, f"{kind} {form}"):
            by_kind.setdefault(key, []).append(1000 * article_s.get(article_id, 0.0))
    result.kind_ms = {k: sum(v) / len(v) for k, v in by_kind.items()}
    return result


def _noop(_: int) -> None:
    time.sleep(0.2)


# -------------------------------------------------------------------------------- newsflow
def _bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update({"NEWSFLOW_LOG_LEVEL": "INFO", "NEWSFLOW_LOG_JSON": "false", **extra})
    return env


def run_newsflow(
    mix: Path,
    processes: int,
    database_url: str,
    redis_url: str,
    batch_size: int,
    logs: Path,
    timeout_s: float,
    worker_env: dict[str, str] | None = None,
) -> RunResult:
    from config.settings import load_settings
    from tasks.storage import ledger
    from tasks.storage.db import get_engine, migrate
    from workers.app import make_app
    from workers.producer import enqueue as producer

    prefix = f"nf-bench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = _bench_env(
        NEWSFLOW_BROKER_URL=redis_url,
        NEWSFLOW_DATABASE_URL=database_url,
        NEWSFLOW_PIPELINE__QUEUE_PREFIX=prefix,
        NEWSFLOW_PIPELINE__BATCH_SIZE=str(batch_size),
        NEWSFLOW_METRICS__PORT=str(port),
        **(worker_env or {}),
    )
    settings = load_settings(
        broker_url=redis_url,
        database_url=database_url,
        pipeline={"queue_prefix": prefix, "batch_size": batch_size},
    )
    migrate(database_url)
    engine = get_engine(database_url)
    app = make_app(settings)
    hostname = f"{prefix}@bench"
    with (logs / f"worker-{processes}.log").open("wb") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workers",
                "worker",
                "--concurrency",
                str(processes),
                "--loglevel",
                "WARNING",
                "--hostname",
                hostname,
            ],
            env=env,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
    try:
        _wait_ready(app, hostname, worker, timeout_s=300)
        batch_id = producer.new_batch_id()
        started = utc_now()
        from tasks.sources import iter_sources

        report = producer.enqueue(
            app, settings, engine, iter_sources([str(mix)]), batch_id=batch_id, skip_known=False
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            counts = ledger.batch_counts(engine, batch_id)
            if ledger.in_flight_count(counts) == 0:
                break
            time.sleep(0.5)
        else:
            raise TimeoutError(f"newsflow {processes}: not done after {timeout_s} s: {counts}")
        rows = ledger.list_items(engine, batch_id=batch_id, limit=report.sent + 10)
        result = RunResult("newsflow", processes, report.sent, 0.0)
        result.seconds = (max(r.updated_at for r in rows) - started).total_seconds()
        result.outcomes.update(r.state for r in rows)
        result.latencies = [(r.updated_at - r.created_at).total_seconds() for r in rows]
        children = pool_children(worker.pid)
        result.rss_mb = [vm_hwm_mb(pid) for pid in children]
        result.pss_mb = [pss_mb(pid) for pid in children]
        metrics = scrape_metrics(f"http://127.0.0.1:{port}/metrics")
        messages = sum(
            v for (name, _labels), v in metrics.items() if name == "newsflow_messages_total"
        )
        result.messages = messages / report.sent if report.sent else None
        result.stage_ms = {
            dict(labels)["stage"]: 1000 * v / report.sent
            for (name, labels), v in metrics.items()
            if name == "newsflow_stage_seconds_sum"
        }
        return result
    finally:
        stop_worker(worker)  # warm shutdown, then the process group is killed
        engine.dispose()


def _wait_ready(app: Any, hostname: str, worker: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"worker exited with {worker.returncode}; see its log")
        if app.control.ping(destination=[hostname], timeout=1.0):
            return
    raise TimeoutError(f"worker {hostname} not ready after {timeout_s} s")


# -------------------------------------------------------------------------------- embedded
_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO \S+ tasks\.pipeline: article")


def run_embedded(mix: Path, processes: int, workdir: Path, timeout_s: float) -> RunResult:
    from sqlalchemy import create_engine

    from tasks.storage import ledger

    database = workdir / "embedded.db"
    log_path = workdir / f"embedded-{processes}.log"
    env = _bench_env(NEWSFLOW_DATABASE_URL=f"sqlite:///{database}")
    started = time.perf_counter()
    with log_path.open("wb") as log_file:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "workers",
                "run",
                str(mix),
                "--concurrency",
                str(processes),
                "--timeout",
                str(timeout_s),
            ],
            env=env,
            stdout=log_file,
            stderr=log_file,
            check=True,
            timeout=timeout_s + 120,
        )
    wall = time.perf_counter() - started
    engine = create_engine(f"sqlite:///{database}")
    states: Counter[str] = Counter({s: n for s, n in ledger.batch_counts(engine).items() if n})
    engine.dispose()
    stamps = [
        datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S,%f")
        for line in log_path.read_text(errors="replace").splitlines()
        if (m := _LOG_TIME.match(line))
    ]
    n = sum(states.values())
    result = RunResult("embedded", processes, n, wall, outcomes=states)
    if len(stamps) > 1:
        span = (max(stamps) - min(stamps)).total_seconds()
        result.span_rate = n / span
        result.note = f"processing span {span:.1f} s = {result.span_rate:.2f} articles/s"
    return result


# ---------------------------------------------------------------------------------- report
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="newsflow throughput beside its baselines")
    parser.add_argument("--articles", type=int, default=None,
                        help="feed size (default: every original plus 20 %% copies)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--dup-share", type=float, default=0.2)
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="articles per message / baseline chunk (default: the setting)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--postgres-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--embedded", action="store_true", help="also time `newsflow run`")
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="NEWSFLOW_X=VALUE",
        help="extra setting for the newsflow workers (experiments; repeatable)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile the chain over N articles (pyinstrument)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the whole sequence this many times, one after the other (each reported)",
    )
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--write", action="store_true", help=f"write {REPORT}")
    args = parser.parse_args(argv)

    from config.settings import get_settings
    from workers.runtime.preload import preload_models

    batch_size = args.batch_size or get_settings().pipeline.batch_size
    process_counts = [int(p) for p in args.processes.split(",")]
    rounds: list[list[RunResult]] = []
    worker_env = dict(kv.split("=", 1) for kv in args.worker_env)
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp:
        workdir = Path(tmp)
        mix = make_mix(args.corpus, args.pairs, workdir / "mix.jsonl", args.dup_share,
                       limit=args.articles)
        print(f"{len(mix.kinds)} articles in {mix.path}: {mix.counts}, originals by language "
              f"{dict(mix.languages)}", flush=True)
        preload_models(get_settings())  # the baselines' children inherit them, like a worker's
        load_libraries()
        warm_up_libraries(mix.path)

        def stage_baseline(n: int, when: str) -> None:
            with temporary_database(args.postgres_admin_url, "nf_bench_base") as url:
                results.append(run_baseline(mix, n, url, batch_size, when))
            print(_line(results[-1]), flush=True)

        def library_baseline(n: int, when: str) -> None:
            results.append(run_libraries(mix.path, n, batch_size))
            results[-1].when = when
            print(_line(results[-1]), flush=True)

        # Each newsflow run sits between its baselines, run right before and right after it:
        # this VM's speed drifts by several per cent, and a ratio should compare neighbours
        # (the report divides by the mean of the two).
        for number in range(1, args.rounds + 1):
            results: list[RunResult] = []
            rounds.append(results)
            print(f"round {number} of {args.rounds}", flush=True)
            for n in process_counts:
                library_baseline(n, "before")
                stage_baseline(n, "before")
                with temporary_database(args.postgres_admin_url, "nf_bench_flow") as url:
                    results.append(run_newsflow(mix.path, n, url, args.redis_url, batch_size,
                                                workdir, args.timeout, worker_env))
                print(_line(results[-1]), flush=True)
                stage_baseline(n, "after")
                library_baseline(n, "after")
        if args.embedded:
            results.append(run_embedded(mix.path, max(process_counts), workdir, args.timeout))
            print(_line(results[-1]), flush=True)
        profile = None
        if args.profile:
            from bench.profile_hot_path import profile_feed

            with temporary_database(args.postgres_admin_url, "nf_bench_prof") as url:
                profile = profile_feed(mix.path, args.profile, batch_size, database_url=url)
    report = render_report(
        rounds,
        profile,
        mix,
        batch_size,
        " ".join(["bench/throughput.py", *(argv or sys.argv[1:])]),
    )
    print(report)
    if args.write:
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(report, encoding="utf-8")
        readme = REPO / "README.md"
        readme.write_text(readme_block(readme.read_text(encoding="utf-8"), report), "utf-8")
        print(f"written to {REPORT} and README.md's performance section")


def _line(result: RunResult) -> str:
    return (
        f"{result.mode} x{result.processes}: {result.articles} articles in "
        f"{result.seconds:.1f} s = {result.rate:.2f}/s {dict(result.outcomes)} {result.when} "
        f"{result.note}"
    )


if __name__ == "__main__":
    main()
