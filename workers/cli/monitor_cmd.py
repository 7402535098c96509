"""``newsflow monitor``: the source monitor on this machine, no server to start by hand.

The embedded default of ``newsflow run``: real Celery worker processes on a local broker
folder, SQLite. This process is the scheduler: every ``sources.tick_s`` it runs the beat
tick's own code (claim the due sources, send their polls); the workers poll and process
what is new. On Ctrl-C or when ``--for`` runs out it stops ticking, lets the items already
sent finish (at most ``--drain``), stops the workers and prints what each source yielded.
The schedule lives in the database (``next_fetch_at``), so a restart resumes it, and the
source items an earlier run left unfinished are sent again.
With Redis, run ``newsflow worker --beat`` or the compose ``beat`` service instead.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

import typer

from config.settings import load_settings
from workers.cli.context import EXIT_ITEMS_FAILED, console, out, settings_for, write_engine

__all__ = ["monitor"]


def _resend_stranded(engine: Any, celery_app: Any, settings: Any) -> int:
    """Re-send the source items an earlier monitor left queued or processing: its private
    broker folder is gone, so their messages are lost for sure (as ``newsflow run`` does)."""
    from datetime import timedelta

    from tasks.codec import decode
    from tasks.storage import ledger
    from workers.producer.publish import send_articles

    rows = [r for r in ledger.stuck_items(engine, timedelta(0), limit=100_000)
            if (r.batch_id or "").startswith("source-") and r.payload]
    if rows:
        articles = [decode(r.payload) for r in rows]
        ledger.record_enqueued(engine, articles, [r.item_key for r in rows])
        send_articles(celery_app, settings, articles)
    return len(rows)


def _duration(text: str | None, option: str) -> float | None:
    from tasks.monitor.durations import parse_duration

    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc


def monitor(
    for_: Annotated[str | None, typer.Option(
        "--for", help="stop after this long (90s, 15m, 2h); default: until Ctrl-C")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1)] = 2,
    drain: Annotated[str, typer.Option(help="wait this long for items in flight at the end")]
    = "2m",
) -> None:
    """Poll the registered sources continuously on this machine; print what each yielded."""
    from rich.table import Table

    from tasks.common import utc_now
    from tasks.monitor.schedule import claim_due, release, unpolled
    from tasks.monitor.yields import in_flight, source_yields
    from workers.app import make_app
    from workers.cli import embedded
    from workers.runtime.source_tasks import send_polls

    duration = _duration(for_, "--for")
    drain_s = _duration(drain, "--drain") or 0.0
    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    started = utc_now()
    end = time.monotonic() + duration if duration is not None else None
    sent = 0
    claims: dict[datetime, list[int]] = {}

    def pending() -> list[int]:
        """Sources claimed by a tick of this run whose poll has not run yet."""
        return [i for at, ids in claims.items() for i in unpolled(engine, ids, at)]
    with embedded.broker_folder() as broker_dir:
        env = embedded.embedded_environment(settings, broker_dir, [])
        local = load_settings(broker_url=env["NEWSFLOW_BROKER_URL"])
        celery_app = make_app(local)
        worker = embedded.start_worker(local, env, concurrency)
        stranded = _resend_stranded(engine, celery_app, local)
        if stranded:
            console.print(f"re-sent {stranded} items an earlier run left unfinished")
        console.print(f"monitoring every {local.sources.tick_s:g}s"
                      + (f" for {duration:g}s" if duration else " (Ctrl-C stops)"))
        try:
            try:
                while end is None or time.monotonic() < end:
                    if worker.poll() is not None:
                        raise RuntimeError(f"the worker stopped (exit code {worker.poll()})")
                    now = utc_now()
                    ids = claim_due(engine, limit=local.sources.tick_limit,
                                    claim_s=local.sources.claim_s, now=now)
                    if ids:
                        send_polls(celery_app, ids, now, local.pipeline.queue_for("fetch"))
                        claims[now] = ids
                        sent += len(ids)
                    pause = local.sources.tick_s
                    if end is not None:
                        pause = min(pause, max(0.0, end - time.monotonic()))
                    time.sleep(pause)
            except KeyboardInterrupt:
                console.print("stopping: letting the items in flight finish (Ctrl-C again "
                              "to stop now)")
            # Polls already sent run, then the items they sent finish (within --drain).
            deadline = time.monotonic() + drain_s
            while ((pending() or in_flight(source_yields(engine, started)))
                   and time.monotonic() < deadline and worker.poll() is None):
                time.sleep(0.5)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(EXIT_ITEMS_FAILED) from exc
        finally:
            embedded.stop_worker(worker)
            # Polls that never ran: due again at once next time, not after the claim lease.
            release(engine, pending())
    yields = source_yields(engine, started)
    table = Table(title=f"sources polled since {started:%H:%M:%S} ({sent} polls sent)")
    for header in ("id", "source", "status", "polls", "new", "stored", "duplicate",
                   "rejected", "dead", "in flight"):
        table.add_column(header)
    for y in yields:
        c = y.counts
        table.add_row(str(y.source_id), y.name, y.status, str(y.polls), str(y.new_items),
                      str(c.get("stored", 0)), str(c.get("duplicate", 0)),
                      str(c.get("rejected", 0)), str(c.get("dead", 0)), str(y.in_flight))
    out.print(table)
    if any(y.counts.get("dead", 0) for y in yields):
        raise typer.Exit(EXIT_ITEMS_FAILED)
