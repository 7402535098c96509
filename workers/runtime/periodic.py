"""Periodic maintenance tasks, scheduled by `celery beat` (see ``beat_schedule``)."""

from __future__ import annotations

from datetime import timedelta

from tasks.common import utc_now
from workers.app import app
from workers.runtime.resources import ResourceTask

__all__ = ["sweep"]

SWEEP_ROUND = 1000  # rows read and re-sent at a time


@app.task(name="newsflow.sweep", ignore_result=True, bind=True,  # type: ignore[untyped-decorator]
          base=ResourceTask)
def sweep(self: ResourceTask, older_than_s: float | None = None,
          force: bool = False) -> dict[str, int]:
    """Re-send items stuck past ``pipeline.stuck_after_s``; dead-letter repeat offenders.

    The lease keeper sends it with ``older_than_s=0, force=True`` when Redis lost its data."""
    from workers.runtime.sweeper import sweep_stuck

    settings = self.settings
    if older_than_s is None:
        older_than_s = settings.pipeline.stuck_after_s
    # A fixed cutoff: the rows re-sent by one round are touched now, so the next round
    # (when the first hit the limit) takes only rows not yet swept.
    cutoff = utc_now() - timedelta(seconds=older_than_s)
    totals = {"resent": 0, "dead": 0, "backlog": 0}
    while True:
        report = sweep_stuck(self.engine, utc_now() - cutoff, limit=SWEEP_ROUND,
                             force=force, settings=settings)
        totals["resent"] += report.resent
        totals["dead"] += report.dead
        totals["backlog"] = report.backlog
        if report.resent + report.dead < SWEEP_ROUND:
            return totals
