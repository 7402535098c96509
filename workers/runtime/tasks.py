"""One thin Celery task per registered stage (``tasks.stages``).

All the policy (ledger writes, retry or dead-letter or reject) lives in
``workers.runtime.stage_task.StageTask``; a task here only names its stage. A message's kwargs say
which stages it runs (``stages``, ending at this task's) and how often it was retried.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from config.celeryconfig import task_name
from tasks.stages import STAGE_NAMES
from workers.app import app
from workers.runtime.stage_task import StageTask

__all__ = ["STAGE_TASKS"]


def _make_stage_task(stage: str) -> Task:
    @app.task(bind=True, base=StageTask, name=task_name(stage))  # type: ignore[untyped-decorator]
    def stage_task(
        self: StageTask, payloads: list[dict[str, Any]], stages: list[str] | None = None,
        retries: int = 0,
    ) -> list[dict[str, Any]] | None:
        return self.run_stages(stage, payloads, stages, retries)

    return stage_task


STAGE_TASKS: dict[str, Task] = {stage: _make_stage_task(stage) for stage in STAGE_NAMES}
