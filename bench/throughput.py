"""Throughput benchmark: newsflow on Redis + PostgreSQL beside the same stages in a plain loop.

Run (full size, on a quiet machine)::

    .venv/bin/python bench/throughput.py --articles 2000 --profile 100 --write

Inputs: the dev corpus (199 HTML pages) replicated to ``--articles`` files in a temporary
folder. Copy k of a page gets one sentence, `` (bench copy k)``, appended *inside* the
page's longest main-text paragraph, found by cleaning the page once; every copy's marker is
checked to survive cleaning on one copy per page, so content hashes differ (pages where it
would not survive are counted and reported). The copies are still near-duplicates of each
other: the store files copy 2+ of a page as ``duplicate`` of the first, in every mode alike.

Modes, each on a fresh PostgreSQL database, all in this one run (baseline x1, newsflow x1,
baseline x2, newsflow x2, embedded: each ratio compares runs that follow each other):

* ``baseline``: ``tasks.pipeline.run_inline_batch`` over micro-batches of
  ``pipeline.batch_size`` articles in a plain loop, 1 and 2 processes (``multiprocessing``,
  forked after the models are loaded, work handed out chunk by chunk);
* ``newsflow``: ``python -m workers worker --concurrency N`` (1 and 2 pool processes) on the
  real Redis with a private queue prefix, fed by the producer from this process; the clock
  runs from the first enqueue to the last terminal ledger row, workers started and ready;
* ``embedded``: ``newsflow run FOLDER --concurrency 2`` (filesystem broker + SQLite); wall
  time of the command, and its processing span (first to last per-article log line).

Printed and written (``--write``) to docs/performance.md: articles/s, ratio to the baseline,
1->2 scaling, p50/p95 end-to-end latency (ledger created_at -> updated_at of terminal rows;
everything is enqueued at once, so this is mostly waiting in the queue), peak RSS (VmHWM) per
worker process, Celery messages per article (from the worker's /metrics), stage costs.
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
from collections.abc import Iterator
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
from bench.throughput_report import RunResult, readme_block, render_report  # noqa: E402
from tasks.common import utc_now  # noqa: E402
from workers.cli.embedded import stop_worker  # noqa: E402

__all__ = ["main", "make_copies"]

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dev"
REPORT = REPO / "docs" / "performance.md"
MARKER = " (bench copy {k})"


# ---------------------------------------------------------------------------------- inputs
def _marker_spots(html: str, text: str) -> Iterator[int]:
    """Offsets in ``html`` just before a ``</p>`` that closes a cleaned paragraph's words.

    The same words may also sit in a meta description or a teaser, so every occurrence is
    a candidate; the caller keeps the first one whose marker survives cleaning.
    """
    seen: set[int] = set()
    for paragraph in sorted(text.split("\n"), key=len, reverse=True)[:5]:
        words = re.findall(r"\w+", paragraph)
        for start in range(0, max(1, len(words) - 6), 3):
            probe = r"\W+".join(re.escape(w) for w in words[start : start + 6])
            for found in re.finditer(probe, html):
                close = html.find("</p>", found.end())
                if close != -1 and close not in seen:
                    seen.add(close)
                    yield close


def make_copies(corpus: Path, folder: Path, count: int) -> dict[str, int]:
    """Write ``count`` distinct copies of the corpus pages; returns how the markers went."""
    pages = sorted(corpus.glob("*.html"))
    spots: dict[Path, int | None] = {}
    stats = Counter[str]()
    for page in pages:
        html = page.read_text(encoding="utf-8", errors="replace")
        try:
            text = _cleaned(html, page)
        except Exception:
            spots[page], stats["not_an_article"] = None, stats["not_an_article"] + 1
            continue
        spot = None
        for tries, candidate in enumerate(_marker_spots(html, text)):
            probe = html[:candidate] + MARKER.format(k=0) + html[candidate:]
            if MARKER.format(k=0).strip() in _cleaned(probe, page):
                spot = candidate
                break
            if tries >= 12:
                break
        spots[page] = spot
        stats["marked" if spot is not None else "unmarked"] += 1
    for k in range(count):
        page = pages[k % len(pages)]
        html = page.read_text(encoding="utf-8", errors="replace")
        spot = spots[page]
        if spot is not None:
            html = html[:spot] + MARKER.format(k=k) + html[spot:]
        (folder / f"{k:05d}-{page.name}").write_text(html, encoding="utf-8")
    return dict(stats)


def _cleaned(html: str, page: Path) -> str:
    from config.settings import CleanSettings
    from tasks.clean import clean
    from tasks.models import Article

    item = Article(
        id="bench",
        source=str(page),
        source_kind="inline",
        inline_content=html,
        inline_content_type="html",
    )
    return clean(item, CleanSettings()).text or ""


def _articles(folder: Path, batch_id: str) -> list[Any]:
    from tasks.models import Article
    from tasks.sources import SourceItem, iter_sources

    return [
        Article(
            id=uuid.uuid4().hex,
            batch_id=batch_id,
            source=i.source,
            source_kind=i.source_kind,
            hints=i.hints,
        )
        for i in iter_sources([str(folder)])
        if isinstance(i, SourceItem)
    ]


# -------------------------------------------------------------------------------- baseline
_BASELINE: dict[str, Any] = {}


def _baseline_child_init() -> None:
    from tasks.pipeline import add_observer
    from tasks.storage.db import dispose_engines

    dispose_engines()
    _BASELINE["stage_s"] = Counter()
    add_observer(lambda e: _BASELINE["stage_s"].update({e.stage: e.seconds}))


def _baseline_chunk(payloads: list[dict[str, Any]]) -> tuple[list[str], dict[str, float]]:
    from tasks.codec import decode
    from tasks.pipeline import TerminalFailure, run_inline_batch

    articles = [decode(p) for p in payloads]
    results = run_inline_batch(articles, _BASELINE["settings"])
    outcomes: list[str] = [
        r.state if isinstance(r, TerminalFailure) else (r.verdict or "ok") for r in results
    ]
    spent: dict[str, float] = dict(_BASELINE["stage_s"])
    _BASELINE["stage_s"].clear()
    return outcomes, spent


def run_baseline(folder: Path, processes: int, database_url: str, batch_size: int) -> RunResult:
    from config.settings import load_settings
    from tasks.storage.db import migrate

    settings = load_settings(database_url=database_url)
    migrate(database_url)
    _BASELINE["settings"] = settings
    articles = _articles(folder, f"baseline-{processes}")
    from tasks.codec import encode
    from tasks.common import batched

    chunks = [[encode(a) for a in group] for group in batched(articles, batch_size)]
    result = RunResult("baseline", processes, len(articles), 0.0)
    stage_s: Counter[str] = Counter()
    context = multiprocessing.get_context("fork")  # children share the preloaded models
    with context.Pool(processes, initializer=_baseline_child_init) as pool:
        pool.map(_noop, range(processes))  # processes up before the clock starts
        started = time.perf_counter()
        for outcomes, spent in pool.imap_unordered(_baseline_chunk, chunks):
            result.outcomes.update(outcomes)
            stage_s.update(spent)
        result.seconds = time.perf_counter() - started
        result.rss_mb = [vm_hwm_mb(p.pid) for p in multiprocessing.active_children() if p.pid]
    result.stage_ms = {s: 1000 * v / len(articles) for s, v in stage_s.items()}
    return result


def _noop(_: int) -> None:
    time.sleep(0.2)


# -------------------------------------------------------------------------------- newsflow
def _bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update({"NEWSFLOW_LOG_LEVEL": "INFO", "NEWSFLOW_LOG_JSON": "false", **extra})
    return env


def run_newsflow(
    folder: Path,
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
            app, settings, engine, iter_sources([str(folder)]), batch_id=batch_id, skip_known=False
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


def run_embedded(folder: Path, processes: int, workdir: Path, timeout_s: float) -> RunResult:
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
                str(folder),
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
    parser = argparse.ArgumentParser(description="newsflow throughput beside its baseline")
    parser.add_argument("--articles", type=int, default=2000, help="distinct articles")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
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
    parser.add_argument("--skip-embedded", action="store_true")
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
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--write", action="store_true", help=f"write {REPORT}")
    args = parser.parse_args(argv)

    from config.settings import get_settings
    from workers.runtime.preload import preload_models

    batch_size = args.batch_size or get_settings().pipeline.batch_size
    process_counts = [int(p) for p in args.processes.split(",")]
    results: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp:
        workdir = Path(tmp)
        folder = workdir / "corpus"
        folder.mkdir()
        copies = make_copies(args.corpus, folder, args.articles)
        print(f"{args.articles} copies in {folder}: markers {copies}", flush=True)
        preload_models(get_settings())  # the baseline's children inherit them, like a worker's
        # Each newsflow run follows its own baseline at once: this VM's speed drifts by
        # several per cent over half an hour, and a ratio should compare neighbours.
        for n in process_counts:
            with temporary_database(args.postgres_admin_url, "nf_bench_base") as url:
                results.append(run_baseline(folder, n, url, batch_size))
            print(_line(results[-1]), flush=True)
            with temporary_database(args.postgres_admin_url, "nf_bench_flow") as url:
                results.append(
                    run_newsflow(folder, n, url, args.redis_url, batch_size, workdir, args.timeout,
                                 dict(kv.split("=", 1) for kv in args.worker_env))
                )
            print(_line(results[-1]), flush=True)
        if not args.skip_embedded:
            results.append(run_embedded(folder, max(process_counts), workdir, args.timeout))
            print(_line(results[-1]), flush=True)
        profile = None
        if args.profile:
            from bench.profile_hot_path import profile_articles

            profile = profile_articles(sorted(folder.glob("*.html"))[: args.profile], batch_size)
    report = render_report(
        results,
        profile,
        args.articles,
        batch_size,
        copies,
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
        f"{result.seconds:.1f} s = {result.rate:.2f}/s {dict(result.outcomes)} "
        f"{result.note}"
    )


if __name__ == "__main__":
    main()
