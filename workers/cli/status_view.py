"""``newsflow status --live``: queue depths, per-stage progress and rates, failures, ETA.

Two sources, both already the system of record: the broker (messages waiting per stage
queue, asked through kombu so Redis and the embedded filesystem transport both answer) and
the item ledger (where each item is and how it ended). Rates are differences between two
snapshots, so the view needs no counters of its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from config.settings import Settings
from tasks.stages import STAGE_NAMES
from tasks.storage import ledger
from workers.queue_depth import stage_depths_or_none

if TYPE_CHECKING:
    from celery import Celery

__all__ = [
    "Snapshot",
    "items_passed",
    "render",
    "run_live",
    "take_snapshot",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    taken_at: float
    depths: dict[str, int | None]
    states: dict[str, int]
    # (stage, state) -> items; the ledger keeps the stage an item is at or ended in
    at_stage: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def in_flight(self) -> int:
        return ledger.in_flight_count(self.states)

    @property
    def terminal(self) -> int:
        return ledger.terminal_count(self.states)

    @property
    def total(self) -> int:
        return sum(self.states.values())


def take_snapshot(
    settings: Settings, engine: Engine, batch: str | None = None, *, app: Celery | None = None
) -> Snapshot:
    """The ledger by stage and state; the queue depths asked through ``app`` (none without)."""
    at_stage = ledger.counts_by_stage(engine, batch)
    states: dict[str, int] = {}
    for (_stage, state), n in at_stage.items():
        states[state] = states.get(state, 0) + n
    depths = (stage_depths_or_none(app, settings.pipeline) if app is not None
              else dict.fromkeys(STAGE_NAMES))
    return Snapshot(time.monotonic(), depths, states, at_stage)


def items_passed(snapshot: Snapshot, stage: str) -> int:
    """Items that finished ``stage`` and went on: at a later stage, or stored/duplicate."""
    # A failure at a later stage still passed this one; only "store" ends in stored/duplicate.
    later = set(STAGE_NAMES[STAGE_NAMES.index(stage) + 1 :])
    return sum(
        n
        for (at, state), n in snapshot.at_stage.items()
        if at in later or (at == stage and state in ledger.DONE_STATES)
    )


def _rate(prev: Snapshot | None, cur: Snapshot, count: Callable[[Snapshot], int]) -> float | None:
    if prev is None or cur.taken_at <= prev.taken_at:
        return None
    return max(0, count(cur) - count(prev)) / (cur.taken_at - prev.taken_at)


def _fmt(value: float | int | None, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def render(prev: Snapshot | None, cur: Snapshot, batch: str | None = None) -> Group:
    """The view: one row per stage, then totals and the ETA of what is in flight."""
    table = Table(title=f"newsflow - batch {batch or '(all)'}")
    # Short headers: the view must fit an 80-column terminal (and a captured, non-tty one).
    table.add_column("stage", no_wrap=True, min_width=len("translate_check"))
    for column in ("queue msgs", "busy", "passed", "per s", *ledger.FAILED_STATES):
        table.add_column(column, justify="right", no_wrap=True)
    for stage in STAGE_NAMES:
        rate = _rate(prev, cur, partial(items_passed, stage=stage))
        table.add_row(
            stage,
            _fmt(cur.depths.get(stage)),
            str(cur.at_stage.get((stage, ledger.PROCESSING), 0)),
            str(items_passed(cur, stage)),
            _fmt(rate, ".1f"),
            *(str(cur.at_stage.get((stage, state), 0)) for state in ledger.FAILED_STATES),
        )
    done_rate = _rate(prev, cur, lambda s: s.terminal)
    eta = cur.in_flight / done_rate if done_rate else None
    summary = Text(
        f"items {cur.total}  in flight {cur.in_flight}  "
        + "  ".join(f"{s} {cur.states.get(s, 0)}" for s in ledger.TERMINAL_STATES)
        + f"\ndone/s {_fmt(done_rate, '.1f')}  ETA {_fmt(eta, '.0f')} s"
    )
    return Group(table, summary)


def run_live(
    settings: Settings,
    engine: Engine,
    batch: str | None = None,
    console: Console | None = None,
    *,
    interval_s: float = 1.0,
    max_updates: int | None = None,
    app: Celery | None = None,
    **live_options: Any,
) -> Snapshot:
    """Refresh the view until nothing is in flight and the queues are empty (or Ctrl-C).

    ``app`` asks the broker for queue depths (default: one made from ``settings``, once).
    """
    if app is None:
        from workers.app import make_app

        app = make_app(settings)
    prev: Snapshot | None = None
    cur = take_snapshot(settings, engine, batch, app=app)
    updates = 1
    with Live(
        render(None, cur, batch), console=console, auto_refresh=False, **live_options
    ) as live:
        try:
            while not _idle(cur) and (max_updates is None or updates < max_updates):
                time.sleep(interval_s)
                prev, cur = cur, take_snapshot(settings, engine, batch, app=app)
                live.update(render(prev, cur, batch), refresh=True)
                updates += 1
        except KeyboardInterrupt:
            pass
        live.update(render(prev, cur, batch), refresh=True)
    return cur


def _idle(snapshot: Snapshot) -> bool:
    return snapshot.in_flight == 0 and not any(snapshot.depths.values())
