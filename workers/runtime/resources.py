"""Per-process resources as lazy properties of the task (Celery's ``DatabaseTask`` pattern).

A Celery task object lives once per process; the settings and the database engine are made
on first use there, in the pool process that runs the task (after the fork, so no child
shares its parent's connections), instead of each module reaching for a global cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Task

from config.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["ResourceTask"]


class ResourceTask(Task):  # type: ignore[misc]
    """A task with ``settings`` and ``engine``, made once per process on first use."""

    _settings: Settings | None = None
    _engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = get_settings()
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from tasks.storage.db import get_engine

            self._engine = get_engine(self.settings.database_url.get_secret_value())
        return self._engine

    def forget_resources(self) -> None:
        """Drop the cached settings and engine (tests that change the environment)."""
        self._settings = None
        self._engine = None
