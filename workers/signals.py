"""Worker lifecycle hooks: logging and schema at start, heavy resources once per process."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_init, worker_process_init

from config.settings import get_settings
from workers.logging_setup import configure_logging

__all__: list[str] = []

log = logging.getLogger(__name__)


@worker_init.connect  # type: ignore[untyped-decorator]
def _on_worker_init(**_: Any) -> None:
    settings = get_settings()
    configure_logging(settings)
    from tasks.storage.db import migrate

    # The schema must exist before the first store; alembic upgrade is idempotent and
    # serialised across processes, so every worker host may run it.
    migrate(settings.database_url.get_secret_value())


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _on_process_init(**_: Any) -> None:
    # A forked child must not reuse the parent's database connections.
    from tasks.storage.db import dispose_engines

    dispose_engines()
