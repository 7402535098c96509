"""Follow a batch to the end by polling the ledger (the system of record), with a rich bar."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from tasks.storage import ledger

__all__ = ["follow_batch", "summary_table"]

SUMMARY_STATES = ("stored", "duplicate", "rejected", "dead")


def _done(counts: dict[str, int]) -> int:
    return sum(counts.get(state, 0) for state in ledger.TERMINAL_STATES)


def follow_batch(
    engine: Engine,
    batch_id: str,
    console: Console,
    *,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
    alive: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Block until every item of the batch is terminal; returns the final state counts.

    ``alive`` lets the embedded runner stop waiting (and say why) when its worker died.
    """
    started = time.monotonic()
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"batch {batch_id}", total=None, detail="")
        while True:
            counts = ledger.batch_counts(engine, batch_id)
            total = sum(counts.values())
            detail = " ".join(f"{s}={counts.get(s, 0)}" for s in SUMMARY_STATES)
            progress.update(task, total=total, completed=_done(counts), detail=detail)
            # Rows are written before their messages are sent, so an empty batch is done.
            if _done(counts) >= total:
                return counts
            if alive is not None and not alive():
                raise RuntimeError("the worker stopped before the batch finished")
            if timeout_s is not None and time.monotonic() - started > timeout_s:
                raise TimeoutError(f"batch {batch_id} not finished after {timeout_s:.0f}s")
            time.sleep(poll_s)


def summary_table(batch_id: str, counts: dict[str, int]) -> Table:
    table = Table(title=f"batch {batch_id}")
    for state in (*SUMMARY_STATES, "total"):
        table.add_column("failed" if state == "dead" else state, justify="right")
    values = [counts.get(state, 0) for state in SUMMARY_STATES]
    table.add_row(*(str(v) for v in values), str(sum(counts.values())))
    return table
