"""One thin Celery task per pipeline stage, generated from the declared chain order.

All the policy (ledger writes, retry or dead-letter or reject) lives in
``workers.runtime.StageTask``; a task here only names its stage.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from config.celeryconfig import task_name
from config.settings import STAGE_NAMES
from workers.app import app
from workers.runtime import StageTask

__all__ = ["STAGE_TASKS"]


def _make_stage_task(stage: str) -> Task:
    @app.task(bind=True, base=StageTask, name=task_name(stage))  # type: ignore[untyped-decorator]
    def stage_task(
        self: StageTask, payloads: list[dict[str, Any]], leading: list[str] | None = None
    ) -> list[dict[str, Any]]:
        return self.run_stage(stage, payloads, leading or ())

    return stage_task


STAGE_TASKS: dict[str, Task] = {stage: _make_stage_task(stage) for stage in STAGE_NAMES}
