"""The commands that bring items in: run (embedded), worker, enqueue. They write, so they
bring the schema up to date first (the worker does in each process, ``workers.runtime.signals``)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from config.settings import load_settings
from tasks.stages import STAGE_NAMES
from workers.cli.context import (
    EXIT_ITEMS_FAILED,
    EXIT_USAGE,
    console,
    out,
    settings_for,
    write_engine,
)
from workers.logging_setup import mask_url

__all__ = ["enqueue", "run", "worker"]

PathsArg = Annotated[
    list[str],
    typer.Argument(help="files, folders, globs, @lists, JSONL, feeds, sitemaps, WARC, URLs, -"),
]


def _roots(paths: list[str]) -> list[Path]:
    """The folders the user named: the embedded worker may read below them and nowhere else.

    Lexical, never through a symlink: a named link's target folder is not added (the worker
    then refuses the link as leading outside), so naming ``inputs/link`` cannot open ``/etc``.
    """
    roots: set[Path] = set()
    for spec in paths:
        if "://" in spec or spec == "-":
            continue
        path = Path(os.path.abspath(os.path.expanduser(spec.lstrip("@"))))
        while any(ch in path.name for ch in "*?[") or not path.exists():
            if path.parent == path:
                break
            path = path.parent
        roots.add(path if path.is_dir() else path.parent)
    return sorted(roots)


def _finish(engine: Engine, batch_id: str, counts: dict[str, int]) -> None:
    """The batch's failures and summary; exit 1 when items of it died (rejected inputs are
    reported, not a failure of the run: the summary counts them)."""
    from tasks.storage import ledger
    from workers.cli.progress import summary_table

    for row in ledger.list_items(engine, states=ledger.FAILED_STATES, batch_id=batch_id,
                                 limit=50):
        console.print(f"[yellow]{row.state}[/yellow] {row.source}: {row.reason}: {row.error}")
    out.print(summary_table(batch_id, counts))
    if counts.get(ledger.DEAD, 0):
        raise typer.Exit(EXIT_ITEMS_FAILED)


def run(
    paths: PathsArg,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1)] = 2,
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 3600,
) -> None:
    """Process PATHS end to end on this machine: local broker, worker processes, SQLite."""
    from tasks.sources import iter_sources
    from workers.app import make_app
    from workers.cli import embedded
    from workers.cli.progress import follow_batch
    from workers.producer import enqueue as producer

    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    with embedded.stop_on_signals(), embedded.broker_folder() as broker_dir:
        env = embedded.embedded_environment(settings, broker_dir, _roots(paths))
        local = load_settings(broker_url=env["NEWSFLOW_BROKER_URL"])
        celery_app = make_app(local)
        worker = embedded.start_worker(local, env, concurrency)
        batch_id: str | None = None
        try:
            # The broker folder of an earlier run is gone: its unfinished items are re-sent.
            sources = iter_sources(paths, max_inline_bytes=local.fetch.max_bytes)
            report = producer.enqueue(celery_app, local, engine, sources, in_flight="resend")
            batch_id = report.batch_id
            for problem in report.problems:
                console.print(f"[red]rejected[/red] {problem.source}: {problem.message}")
            if report.skipped_known:
                console.print(f"{report.skipped_known} items already stored earlier: skipped")
            counts = follow_batch(
                engine, report.batch_id, console, timeout_s=timeout,
                alive=lambda: worker.poll() is None,
            )
            _await_first_deliveries(engine, report.batch_id, local.watches.timeout_s * 3,
                                    alive=lambda: worker.poll() is None)
        except (RuntimeError, TimeoutError, embedded.Stopped) as exc:
            # Nothing is lost: unfinished items stay 'queued'/'processing' in the ledger.
            where = f"`newsflow status {batch_id}`, " if batch_id else "`newsflow status`, "
            console.print(f"[red]{exc}[/red] (worker exit code {worker.poll()}); unfinished "
                          f"items stay in the ledger: {where}then `newsflow sweep` with a "
                          "worker running.")
            # a signal's run ends as a shell reports a process it killed: 128 + the signal
            code = 128 + exc.signum if isinstance(exc, embedded.Stopped) else EXIT_ITEMS_FAILED
            raise typer.Exit(code) from exc
        finally:
            embedded.stop_worker(worker)
    _finish(engine, report.batch_id, counts)


def _await_first_deliveries(engine: Engine, batch_id: str, limit_s: float,
                            alive: Callable[[], bool]) -> None:
    """Webhooks go out from the store queue after their article is stored: give the batch's
    first POSTs a bounded moment before the worker stops (a receiver that is down keeps its
    deliveries pending for the next worker's start-up sweep or `newsflow watches sweep`)."""
    from tasks.watches.deliveries import first_attempts_waiting

    deadline = time.monotonic() + limit_s
    while alive() and time.monotonic() < deadline:
        if not first_attempts_waiting(engine, batch_id):
            return
        time.sleep(0.2)
    waiting = first_attempts_waiting(engine, batch_id)
    if waiting:
        console.print(f"{waiting} webhook deliveries not sent yet: `newsflow watches sweep` "
                      "with a worker running sends them")


def worker(
    queues: Annotated[
        str, typer.Option(help=f"comma-separated stages to consume: {','.join(STAGE_NAMES)}")
    ] = ",".join(STAGE_NAMES),
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1)] = 2,
    pool: Annotated[str, typer.Option(help="prefork, solo or threads")] = "prefork",
    loglevel: Annotated[str, typer.Option()] = "INFO",
    hostname: Annotated[str | None, typer.Option()] = None,
    beat: Annotated[bool, typer.Option(
        help="also run celery beat in this worker: the sweeper and the source monitor's tick "
             "(one such worker per deployment, or the compose `beat` service)")] = False,
) -> None:
    """Start a Celery worker against the configured broker (NEWSFLOW_BROKER_URL)."""
    settings = settings_for(reads_only=False)
    stages = [s.strip() for s in queues.split(",") if s.strip()]
    unknown = sorted(set(stages) - set(STAGE_NAMES))
    if unknown:
        raise typer.BadParameter(f"unknown stage(s) {unknown}; choose from {STAGE_NAMES}")
    from workers.app import app as celery_app

    console.print(f"worker on {mask_url(settings.broker_url.get_secret_value())}")
    argv = [
        "worker", "--queues", ",".join(settings.pipeline.queue_for(s) for s in stages),
        "--concurrency", str(concurrency), "--pool", pool, "--loglevel", loglevel,
    ]
    if hostname:
        argv += ["--hostname", hostname]
    if beat:
        argv += ["--beat"]
    celery_app.worker_main(argv)


def enqueue(
    paths: PathsArg,
    wait: Annotated[bool, typer.Option(help="follow the batch to the end")] = False,
    batch: Annotated[str | None, typer.Option(help="batch id (default: a new one)")] = None,
    skip_known: Annotated[
        bool, typer.Option(help="skip items already stored or on their way (item keys)")
    ] = True,
    progress: Annotated[bool, typer.Option(help="show a progress bar while enqueueing")] = True,
    timeout: Annotated[float, typer.Option(help="with --wait: give up after N s")] = 3600,
) -> None:
    """Send articles to the configured broker; workers elsewhere process them."""
    from tasks.sources import iter_sources
    from workers.app import app as celery_app
    from workers.cli.progress import enqueue_progress, follow_batch
    from workers.producer import enqueue as producer

    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    batch_id = batch or producer.new_batch_id()
    console.print(f"batch {batch_id} (follow it with `newsflow status {batch_id}`)",
                  soft_wrap=True)
    bar = (enqueue_progress(console, paths) if progress
           else contextlib.nullcontext(None))
    try:
        with bar as on_progress:
            sources = iter_sources(paths, max_inline_bytes=settings.fetch.max_bytes)
            report = producer.enqueue(
                celery_app, settings, engine, sources, batch_id=batch_id,
                skip_known=skip_known, on_progress=on_progress,
            )
    except Exception as exc:
        console.print(f"[red]enqueue failed:[/red] {exc}\nitems written to the ledger but not "
                      "sent stay 'queued'; re-running the same enqueue (or `newsflow replay "
                      "--unsent`) sends them again.")
        raise typer.Exit(EXIT_USAGE) from exc
    for problem in report.problems:
        console.print(f"[red]rejected[/red] {problem.source}: {problem.message}")
    if report.rejected > len(report.problems):
        console.print(f"... and {report.rejected - len(report.problems)} more rejected: "
                      f"`newsflow failed` lists them all")
    console.print(
        f"batch {report.batch_id}: sent {report.sent}, sent again {report.resent}, "
        f"rejected {report.rejected}, already stored {report.skipped_known}, "
        f"already queued {report.skipped_queued}"
        + (f", paused {report.waited_s:.0f}s for queue room" if report.waited_s >= 1 else ""),
        soft_wrap=True,  # one line that scripts can read, however narrow the terminal
    )
    if wait:
        try:
            counts = follow_batch(engine, report.batch_id, console, timeout_s=timeout)
        except TimeoutError as exc:
            console.print(f"[red]{exc}[/red]; unfinished items stay in the ledger: "
                          f"`newsflow status {report.batch_id}`")
            raise typer.Exit(EXIT_ITEMS_FAILED) from exc
        _finish(engine, report.batch_id, counts)
