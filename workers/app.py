"""The Celery application: made here, once, from the settings object.

Task modules are listed in ``include`` so a worker registers them; the producer only sends
tasks by name and never imports the stage code (the CLI must start fast).
"""

from __future__ import annotations

from celery import Celery

from config.celeryconfig import celery_config
from config.settings import Settings, get_settings

__all__ = ["app", "make_app"]


def make_app(settings: Settings | None = None) -> Celery:
    """The worker's app uses the process settings; the CLI may pass its own (``run``)."""
    celery_app = Celery(
        "newsflow",
        # workers.runtime.preload loads the models in the main process before the pool forks.
        include=[
            "workers.runtime.tasks", "workers.runtime.periodic", "workers.runtime.signals",
            "workers.runtime.preload", "workers.runtime.watch_tasks",
            "workers.runtime.lease_keeper", "workers.runtime.source_tasks",
        ],
    )
    celery_app.config_from_object(celery_config(settings or get_settings()))
    return celery_app


app = make_app()
