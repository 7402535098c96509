"""Worker lifecycle hooks: logging, broker credentials and schema at start, heavy resources
once per process."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import task_postrun, worker_init, worker_process_init

from config.settings import get_settings
from workers.logging_setup import configure_logging, mask_url
from workers.runtime.memory import release_grown_memory

__all__ = ["BrokerAuthError", "check_broker_credentials"]

log = logging.getLogger(__name__)


class BrokerAuthError(SystemExit):
    """The broker refused our credentials: retrying forever (what Celery does with every
    connection error) would only hide the mistake, so the worker stops with the reason."""


def check_broker_credentials(url: str, timeout_s: float = 5.0) -> None:
    """Raise ``BrokerAuthError`` when a Redis broker refuses the password or ACL user.

    A broker that is down is not an error here: the worker waits for it like Celery does.
    """
    if not url.startswith(("redis://", "rediss://")):
        return
    import redis
    from redis.exceptions import AuthenticationError, ConnectionError, ResponseError

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s,
                                  socket_timeout=timeout_s)
    try:
        client.ping()
    except AuthenticationError as exc:
        raise BrokerAuthError(
            f"the broker {mask_url(url)} refused the credentials: {exc} "
            "(check the password / ACL user in NEWSFLOW_BROKER_URL)") from None
    except ResponseError as exc:
        # Older servers answer a wrong AUTH with a plain error reply (NOAUTH, WRONGPASS).
        if "AUTH" not in str(exc).upper() and "PASS" not in str(exc).upper():
            raise
        raise BrokerAuthError(f"the broker {mask_url(url)} refused the credentials: {exc}") \
            from None
    except ConnectionError as exc:
        log.warning("broker %s not reachable yet (%s): the worker will keep trying",
                    mask_url(url), exc)
    finally:
        client.close()


@worker_init.connect  # type: ignore[untyped-decorator]
def _on_worker_init(**_: Any) -> None:
    settings = get_settings()
    configure_logging(settings)
    try:
        check_broker_credentials(settings.broker_url.get_secret_value())
    except BrokerAuthError as exc:
        log.critical("%s", exc.code)
        raise
    from tasks.storage.db import migrate

    # The schema must exist before the first store; alembic upgrade is idempotent and
    # serialised across processes, so every worker host may run it.
    migrate(settings.database_url.get_secret_value())


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _on_process_init(**_: Any) -> None:
    # A forked child must not reuse the parent's database connections.
    from tasks.storage.db import dispose_engines

    dispose_engines()


@task_postrun.connect  # type: ignore[untyped-decorator]
def _on_task_postrun(**_: Any) -> None:
    # In the pool process, after every message: once the process has grown by more than a
    # margin, what the batches freed goes back to the OS, so its RSS stays near its models
    # plus one batch, not the largest batch it ever ran (workers.runtime.memory: why not
    # after every message).
    if get_settings().celery.release_memory:
        release_grown_memory()
