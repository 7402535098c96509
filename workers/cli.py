"""The ``newsflow`` command: run, worker, enqueue, status (queries live in ``cli_query``)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from config.settings import Settings, SettingsError, get_settings, load_settings
from tasks.stages import STAGE_NAMES
from workers.logging_setup import configure_logging, mask_url

__all__ = ["app", "main"]

app = typer.Typer(
    name="newsflow",
    help="Turn news articles into clean, checked, structured records.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()

PathsArg = Annotated[
    list[str],
    typer.Argument(help="files, folders, globs, @lists, JSONL, feeds, sitemaps, WARC, URLs, -"),
]


def _settings() -> Settings:
    settings = get_settings()
    configure_logging(settings)
    # The CLI talks to people: library chatter (alembic's plugin list, kombu's filesystem
    # transport having no host name) is noise at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    return settings


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from tasks.storage.db import get_engine, migrate

    url = settings.database_url.get_secret_value()
    migrate(url)
    return get_engine(url)


def _roots(paths: list[str]) -> list[Path]:
    """The folders the user named: the embedded worker may read below them and nowhere else."""
    roots: set[Path] = set()
    for spec in paths:
        if "://" in spec or spec == "-":
            continue
        path = Path(spec.lstrip("@")).expanduser()
        while any(ch in path.name for ch in "*?[") or not path.exists():
            if path.parent == path:
                break
            path = path.parent
        path = path.resolve()
        roots.add(path if path.is_dir() else path.parent)
    return sorted(roots)


@app.command()
def run(
    paths: PathsArg,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1)] = 2,
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 3600,
) -> None:
    """Process PATHS end to end on this machine: local broker, worker processes, SQLite."""
    from tasks.sources import iter_sources
    from workers import embedded, producer
    from workers.app import make_app
    from workers.progress import follow_batch, summary_table

    settings = _settings()
    engine = _engine(settings)
    with embedded.broker_folder() as broker_dir:
        env = embedded.embedded_environment(settings, broker_dir, _roots(paths))
        local = load_settings(broker_url=env["NEWSFLOW_BROKER_URL"])
        celery_app = make_app(local)
        worker = embedded.start_worker(local, env, concurrency)
        try:
            # The broker folder of an earlier run is gone: its unfinished items are re-sent.
            report = producer.enqueue(celery_app, local, engine, iter_sources(paths),
                                      in_flight="resend")
            for problem in report.problems:
                console.print(f"[red]rejected[/red] {problem.source}: {problem.message}")
            if report.skipped_known:
                console.print(f"{report.skipped_known} items already stored earlier: skipped")
            counts = follow_batch(
                engine, report.batch_id, console, timeout_s=timeout,
                alive=lambda: worker.poll() is None,
            )
        except (RuntimeError, TimeoutError) as exc:
            # Nothing is lost: unfinished items stay 'queued'/'processing' in the ledger.
            console.print(f"[red]{exc}[/red] (worker exit code {worker.poll()}); unfinished "
                          f"items stay in the ledger: `newsflow status {report.batch_id}`, "
                          "then `newsflow sweep` with a worker running.")
            raise typer.Exit(1) from exc
        finally:
            embedded.stop_worker(worker)
    _print_failures(engine, report.batch_id)
    out.print(summary_table(report.batch_id, counts))


@app.command()
def worker(
    queues: Annotated[
        str, typer.Option(help=f"comma-separated stages to consume: {','.join(STAGE_NAMES)}")
    ] = ",".join(STAGE_NAMES),
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1)] = 2,
    pool: Annotated[str, typer.Option(help="prefork, solo or threads")] = "prefork",
    loglevel: Annotated[str, typer.Option()] = "INFO",
    hostname: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Start a Celery worker against the configured broker (NEWSFLOW_BROKER_URL)."""
    settings = _settings()
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
    celery_app.worker_main(argv)


@app.command()
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
    import contextlib

    from tasks.sources import iter_sources
    from workers import producer
    from workers.app import app as celery_app
    from workers.progress import enqueue_progress, follow_batch, summary_table

    settings = _settings()
    engine = _engine(settings)
    batch_id = batch or producer.new_batch_id()
    console.print(f"batch {batch_id} (follow it with `newsflow status {batch_id}`)",
                  soft_wrap=True)
    bar = (enqueue_progress(console, paths) if progress
           else contextlib.nullcontext(None))
    try:
        with bar as on_progress:
            report = producer.enqueue(
                celery_app, settings, engine, iter_sources(paths), batch_id=batch_id,
                skip_known=skip_known, on_progress=on_progress,
            )
    except Exception as exc:
        console.print(f"[red]enqueue failed:[/red] {exc}\nitems written to the ledger but not "
                      "sent stay 'queued'; re-running the same enqueue (or `newsflow replay "
                      "--unsent`) sends them again.")
        raise typer.Exit(2) from exc
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
        counts = follow_batch(engine, report.batch_id, console, timeout_s=timeout)
        _print_failures(engine, report.batch_id)
        out.print(summary_table(report.batch_id, counts))


@app.command()
def status(
    batch: Annotated[str | None, typer.Argument(help="a batch id")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    live: Annotated[bool, typer.Option(help="queue depths, stage rates, ETA until idle")] = False,
) -> None:
    """Item counts by state (of one batch, or of everything), and the configuration in use."""
    import json

    from tasks.storage import ledger
    from workers.progress import batch_pace, summary_table

    settings = _settings()
    engine = _engine(settings)
    if live:
        from workers.status_view import run_live

        run_live(settings, engine, batch, out)
        return
    counts = ledger.batch_counts(engine, batch)
    in_flight = counts.get("queued", 0) + counts.get("processing", 0)
    broker = mask_url(settings.broker_url.get_secret_value())
    database = mask_url(settings.database_url.get_secret_value())
    pace = batch_pace(engine, batch, counts) if batch is not None else None
    if as_json:
        extra = ({"rate_per_s": pace.rate_per_s, "eta_s": pace.eta_s} if pace is not None
                 else {})
        out.print_json(json.dumps({"batch": batch, "broker": broker, "database": database,
                                   "counts": counts, "in_flight": in_flight, **extra}))
        return
    console.print(f"broker   {broker}\ndatabase {database}")
    out.print(summary_table(batch or "(all)", counts))
    out.print(f"in flight: {in_flight}")
    if pace is not None and pace.rate_per_s is not None:
        eta = f", about {pace.eta_s:.0f}s to go" if pace.eta_s else ""
        out.print(f"rate: {pace.rate_per_s:.1f} items/s{eta}")


def _print_failures(engine, batch_id: str) -> None:  # type: ignore[no-untyped-def]
    from tasks.storage import ledger

    for row in ledger.list_items(engine, states=("rejected", "dead"), batch_id=batch_id,
                                 limit=50):
        console.print(f"[yellow]{row.state}[/yellow] {row.source}: {row.reason}: {row.error}")


def main() -> None:
    from workers import cli_query  # registers the query commands on `app`

    del cli_query
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(2)
