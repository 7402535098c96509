"""Periodic maintenance tasks, scheduled by `celery beat` (see ``beat_schedule``)."""

from __future__ import annotations

from datetime import timedelta

from config.settings import get_settings
from workers.app import app

__all__ = ["sweep"]


@app.task(name="newsflow.sweep", ignore_result=True)  # type: ignore[untyped-decorator]
def sweep() -> dict[str, int]:
    """Re-send items stuck past ``pipeline.stuck_after_s``; dead-letter repeat offenders."""
    from tasks.storage.db import get_engine
    from workers.sweeper import sweep_stuck

    settings = get_settings()
    engine = get_engine(settings.database_url.get_secret_value())
    report = sweep_stuck(engine, timedelta(seconds=settings.pipeline.stuck_after_s))
    return {"resent": report.resent, "dead": report.dead, "backlog": report.backlog}
