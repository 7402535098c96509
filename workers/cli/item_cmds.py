"""Commands about items in the ledger: status and failed read it; replay and sweep send items
again (they write, so they bring the schema up to date first)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer

from workers.cli.context import (
    EXIT_USAGE,
    console,
    out,
    read_engine,
    settings_for,
    write_engine,
)
from workers.cli.ids import resolve_id
from workers.cli.output import Column, print_rows
from workers.logging_setup import mask_url

__all__ = ["failed", "replay", "status", "sweep"]

# Below this, a SQLite ledger cannot be trusted to grow its WAL by another transaction.
LOW_DISK_BYTES = 1 << 20


def status(
    batch: Annotated[str | None, typer.Argument(help="a batch id")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    live: Annotated[bool, typer.Option(help="queue depths, stage rates, ETA until idle")] = False,
) -> None:
    """Item counts by state (of one batch, or of everything), and the configuration in use."""
    from tasks.storage import ledger
    from tasks.storage.db import disk_free
    from workers.cli.progress import summary_table

    settings = settings_for(reads_only=True)
    engine = read_engine(settings, "status")
    if live:
        from workers.cli.status_view import run_live

        run_live(settings, engine, batch, out)
        return
    counts = ledger.batch_counts(engine, batch)
    in_flight = ledger.in_flight_count(counts)
    broker = mask_url(settings.broker_url.get_secret_value())
    database = mask_url(settings.database_url.get_secret_value())
    pace = ledger.batch_pace(engine, batch, counts) if batch is not None else None
    disk = disk_free(engine)
    if as_json:
        extra = ({"rate_per_s": pace.rate_per_s, "eta_s": pace.eta_s} if pace is not None
                 else {})
        if disk is not None:
            extra["database_disk_free_bytes"] = disk[1]
        out.print_json(json.dumps({"batch": batch, "broker": broker, "database": database,
                                   "counts": counts, "in_flight": in_flight, **extra}))
        return
    console.print(f"broker   {broker}\ndatabase {database}")
    if disk is not None and disk[1] < LOW_DISK_BYTES:
        # Items in flight cannot record any progress: say why they wait.
        console.print(f"[red]database disk full: {disk[0]} has {disk[1]} bytes free; "
                      f"items in flight wait until space is freed there[/red]")
    out.print(summary_table(batch or "(all)", counts))
    out.print(f"in flight: {in_flight}")
    if pace is not None and pace.rate_per_s is not None:
        eta = f", about {pace.eta_s:.0f}s to go" if pace.eta_s else ""
        out.print(f"rate: {pace.rate_per_s:.1f} items/s{eta}")


FAILED_COLUMNS: tuple[Column, ...] = (
    ("item", lambda r: r.id), ("state", lambda r: r.state), ("stage", lambda r: r.stage or ""),
    ("reason", lambda r: r.reason or ""), ("source", lambda r: r.source),
    ("error", lambda r: r.error or ""), ("attempts", lambda r: str(r.attempts)),
)


def failed(
    reason: Annotated[str | None, typer.Option(help="only this reason")] = None,
    batch: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False,
) -> None:
    """Rejected and dead-lettered items with their reasons."""
    from tasks.storage import ledger

    engine = read_engine(settings_for(reads_only=True), "failed")
    rows = ledger.list_items(engine, states=ledger.FAILED_STATES, reason=reason,
                             batch_id=batch, limit=limit)
    if as_json:
        for row in rows:
            print(row.model_dump_json(exclude={"payload"}))
        return
    print_rows(FAILED_COLUMNS, rows, terminal_widths={"error": 120})


def replay(
    ids: Annotated[list[str] | None, typer.Argument(help="item ids (or unique prefixes)")]
    = None,
    reason: Annotated[str | None, typer.Option(help="every failed item with this reason")]
    = None,
    all_failed: Annotated[bool, typer.Option("--all", help="every rejected and dead item")]
    = False,
    unsent: Annotated[bool, typer.Option(help="queued items the broker never got")] = False,
) -> None:
    """Send failed (or never sent) items through the chain again, under their own ids."""
    from workers.app import app as celery_app
    from workers.producer.replay import ReplayNotSent, replay_items

    if not (ids or reason or all_failed or unsent):
        raise typer.BadParameter("give item ids, --reason, --all or --unsent")
    settings = settings_for(reads_only=False)
    engine = write_engine(settings)
    wanted = [resolve_id(engine, given, articles=False) for given in ids] if ids else None
    try:
        report = replay_items(celery_app, settings, engine, ids=wanted, reason=reason,
                              unsent=unsent)
    except ReplayNotSent as exc:
        broker = mask_url(settings.broker_url.get_secret_value())
        console.print(f"[red]replay failed:[/red] the broker {broker} refused the items "
                      f"({exc.cause}); {len(exc.items)} items stay queued as not sent: "
                      "`newsflow replay --unsent` sends them once the broker is back",
                      soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc
    skipped = len(report.without_payload)
    console.print(f"replayed {len(report.replayed)} items" + (
        f", {skipped} without payload (producer-side rejections: fix the source)" if skipped
        else ""))


def sweep(
    older_than: Annotated[float, typer.Option(help="seconds without progress")] = 900,
    force: Annotated[bool, typer.Option(help="sweep even while the queues hold messages")]
    = False,
) -> None:
    """Re-send items stuck in a non-terminal state (e.g. messages lost in a Redis crash)."""
    from workers.runtime.sweeper import sweep_stuck

    engine = write_engine(settings_for(reads_only=False))
    report = sweep_stuck(engine, timedelta(seconds=older_than), force=force)
    if report.backlog and not force:
        console.print(f"{report.backlog} messages still queued: nothing swept (--force)")
        return
    console.print(f"re-sent {report.resent} stuck items, dead-lettered {report.dead}")
