"""Progress: the producer's bar while it enqueues, and following a batch to the end by
polling the ledger (the system of record), with rich."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import Engine

from tasks.storage import ledger
from workers.producer.enqueue import EnqueueReport

__all__ = ["enqueue_progress", "follow_batch", "summary_table"]


class RateColumn(ProgressColumn):
    """Items per second, from rich's own moving estimate."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "-/s", style="progress.data.speed")


@contextmanager
def enqueue_progress(
    console: Console, specs: Sequence[str], *, estimate: bool = True
) -> Iterator[Callable[[EnqueueReport], None]]:
    """A bar for ``producer.enqueue``: items read, rate, ETA; yields the ``on_progress``.

    The total comes from ``tasks.sources.estimate`` in a background thread, so enqueueing
    starts at once; until (unless) it arrives the bar shows count and rate without an ETA.
    """
    from tasks.sources.estimate import estimate_items

    total: list[int | None] = [None]
    if estimate:
        counter = threading.Thread(
            target=lambda: total.__setitem__(0, estimate_items(specs)), daemon=True,
            name="newsflow-estimate",
        )
        counter.start()
    columns = (TextColumn("[bold]enqueue"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[detail]}"))
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("enqueue", total=None, detail="")

        def update(report: EnqueueReport) -> None:
            detail = (f"sent {report.sent + report.resent} skipped "
                      f"{report.skipped_known + report.skipped_queued} rejected "
                      f"{report.rejected}")
            if report.queue_depth is not None:
                detail += f" [yellow]waiting: {report.queue_depth} messages queued[/yellow]"
            known = total[0]
            progress.update(task, completed=report.read, detail=detail,
                            total=max(known, report.read) if known is not None else None)

        yield update
        progress.update(task, total=progress.tasks[0].completed)


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
            detail = " ".join(f"{s}={counts.get(s, 0)}" for s in ledger.TERMINAL_STATES)
            done = ledger.terminal_count(counts)
            progress.update(task, total=total, completed=done, detail=detail)
            # Rows are written before their messages are sent, so an empty batch is done.
            if done >= total:
                return counts
            if alive is not None and not alive():
                raise RuntimeError("the worker stopped before the batch finished")
            if timeout_s is not None and time.monotonic() - started > timeout_s:
                raise TimeoutError(f"batch {batch_id} not finished after {timeout_s:.0f}s")
            time.sleep(poll_s)


def summary_table(batch_id: str, counts: dict[str, int]) -> Table:
    table = Table(title=f"batch {batch_id}")
    for state in (*ledger.TERMINAL_STATES, "total"):
        table.add_column("failed" if state == ledger.DEAD else state, justify="right")
    values = [counts.get(state, 0) for state in ledger.TERMINAL_STATES]
    table.add_row(*(str(v) for v in values), str(sum(counts.values())))
    return table
