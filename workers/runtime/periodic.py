"""Periodic maintenance tasks, scheduled by `celery beat` (see ``beat_schedule``)."""

from __future__ import annotations

from datetime import timedelta

from workers.app import app
from workers.runtime.resources import ResourceTask

__all__ = ["sweep"]


@app.task(name="newsflow.sweep", ignore_result=True, bind=True,  # type: ignore[untyped-decorator]
          base=ResourceTask)
def sweep(self: ResourceTask) -> dict[str, int]:
    """Re-send items stuck past ``pipeline.stuck_after_s``; dead-letter repeat offenders."""
    from workers.runtime.sweeper import sweep_stuck

    settings = self.settings
    report = sweep_stuck(self.engine, timedelta(seconds=settings.pipeline.stuck_after_s),
                         settings=settings)
    return {"resent": report.resent, "dead": report.dead, "backlog": report.backlog}
