"""Celery options derived from ``Settings``: the one place where delivery semantics are chosen.

Why each option (Celery on Redis delivers at least once at best; the database ledger is the
system of record, and every stage is idempotent):

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after
  its stage finished, so a killed worker child is requeued at once and a killed host is
  redelivered after the visibility timeout, instead of being lost.
* ``worker_prefetch_multiplier=2``: a worker holds two unacknowledged messages per process,
  so the next one is already in the main process when a pool process finishes; with 1, every
  message first waited for the ack, a broker poll and the pipe (py-spy on a pool process:
  3.9 % of its time idle between messages). More would only leave more messages waiting for
  the visibility timeout when a whole host dies (a killed pool process is requeued at once).
* soft time limit < hard time limit < visibility timeout (checked at start-up by
  ``config.settings.CeleryTuning``): a stuck stage first gets ``SoftTimeLimitExceeded`` (a
  batch is re-sent one article per message, a single article dead-lettered with that
  error), then is killed (``StageTask.on_failure`` does the same with
  ``TimeLimitExceeded``); Redis only redelivers unacked messages after the visibility
  timeout, which must exceed both, and must exceed the longest retry backoff too (a retry
  waiting for its countdown is an unacked message, and would otherwise be delivered twice).
* bounded redelivery: Redis keeps no delivery count, so ``workers.runtime.stage_task`` counts the
  deliveries of each item's stage in the ledger and dead-letters after ``max_retries``.
* JSON only (``accept_content=["json"]``): a pickle payload pushed into a queue is refused
  by the worker and never unpickled; a body that is not JSON is dropped with an error line,
  and so is a Redis list item that is not a kombu message at all
  (``workers.broker_transport``; stock kombu stops the worker on it).
* reconnect: the worker retries the broker forever (``broker_connection_max_retries=None``,
  also at start-up), cancels running tasks when the connection drops (their late-acked
  messages come back) and restores unacked messages of dead workers every
  ``visibility_timeout / 10`` seconds (kombu scans every 100 s by default). A wrong broker
  password is not retried: ``workers.runtime.signals`` stops the worker with a clear message.
* leases (``workers.leases``, ``celery.lease_ttl_s``): the visibility timeout must outlast
  the longest stage and backoff, so it is an hour; a whole worker killed would strand its
  running and prefetched messages that long. Each worker records which unacked messages it
  holds and renews a short lease; every live worker restores the messages of an expired
  lease with kombu's own restore, so a dead worker costs well under a minute.
* shutdown: SIGTERM is Celery's warm shutdown (stop consuming, let running tasks finish, put
  prefetched and countdown messages back). A cold shutdown (SIGQUIT, a second SIGINT) is
  *soft* first: running tasks get ``worker_soft_shutdown_timeout`` (30 s at most) to
  finish, then they are cancelled and their late-acked messages requeued.
* ``worker_max_memory_per_child`` (``celery.max_memory_per_child_mb``, 1 GB): a safety net,
  not the budget. A pool process whose peak RSS passed it (a pathological page, a leak in a
  library) is replaced after its message by a fresh fork, models already loaded; an extract
  pool process peaks at ~450 MB (``bench/memory.py``), shared model pages included.
* no result backend: progress and outcomes live in the ledger table, not in Redis keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config.settings import Settings
from tasks.stages import STAGE_NAMES

__all__ = ["celery_config", "filesystem_broker_folders", "task_name"]


def task_name(stage: str) -> str:
    return f"newsflow.{stage}"


def filesystem_broker_folders(root: Path) -> dict[str, Any]:
    """kombu's filesystem transport: producer and consumer share one folder per direction."""
    queue_dir = root / "queue"
    processed = root / "processed"
    control = root / "control"
    for folder in (queue_dir, processed, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "processed_folder": str(processed),
        # The exchange table; kombu's default is ./control in whatever the cwd is.
        "control_folder": str(control),
        "store_processed": False,
        # The virtual transport polls; 1 s (its default) would add up to a second per hop.
        "polling_interval": 0.05,
    }


def celery_config(settings: Settings) -> dict[str, Any]:
    broker_url = settings.broker_url.get_secret_value()
    tuning = settings.celery  # the order of the limits is checked by CeleryTuning itself

    config: dict[str, Any] = {
        "broker_url": broker_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": tuning.prefetch_multiplier,
        "task_soft_time_limit": tuning.soft_time_limit_s,
        "task_time_limit": tuning.hard_time_limit_s,
        "task_routes": {
            **{task_name(stage): {"queue": settings.pipeline.queue_for(stage)}
               for stage in STAGE_NAMES},
            # Webhooks of watches ride on the store queue: every deployment has a worker
            # there, and a delivery is one short POST (watches.timeout_s).
            "newsflow.watch_delivery": {"queue": settings.pipeline.queue_for("store")},
            "newsflow.watch_sweep": {"queue": settings.pipeline.queue_for("store")},
            # The source monitor's tick and polls are network-bound, like fetch.
            **{task_name(t): {"queue": settings.pipeline.queue_for("fetch")}
               for t in ("sources_tick", "source_poll")},
        },
        "task_default_queue": settings.pipeline.queue_for("default"),
        "task_create_missing_queues": True,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        # Lost connection: stop long tasks so their (late-acked) messages are redelivered.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # Cold shutdown: running stages get up to 30 s (at most their soft limit) to finish,
        # then are cancelled and requeued (Celery >= 5.5). Not on idle: closing the Redis
        # channel already puts back the messages an idle worker holds (countdown retries).
        "worker_soft_shutdown_timeout": float(min(tuning.soft_time_limit_s, 30)),
        "worker_hijack_root_logger": False,
        # Celery compares the pool process's peak RSS (KiB) after each task; see settings.
        **({"worker_max_memory_per_child": tuning.max_memory_per_child_mb * 1024}
           if tuning.max_memory_per_child_mb else {}),
        "timezone": "UTC",
        # `celery beat` (compose service `beat`) runs the sweeper and the source monitor's
        # tick (one entry for every source: the tick selects the due ones) on this schedule.
        "beat_schedule": {
            "sweep-stuck-items": {
                "task": "newsflow.sweep",
                "schedule": settings.pipeline.sweep_interval_s,
                "options": {"queue": settings.pipeline.queue_for("store")},
            },
            # Deliveries whose message was lost (worker killed between the store's commit
            # and sending it, Redis restarted) are re-sent.
            "sweep-watch-deliveries": {
                "task": "newsflow.watch_sweep",
                "schedule": settings.pipeline.sweep_interval_s,
                "options": {"queue": settings.pipeline.queue_for("store")},
            },
            "poll-due-sources": {
                "task": task_name("sources_tick"),
                "schedule": settings.sources.tick_s,
                # A tick older than the next one is useless: the next claims the same sources.
                "options": {"queue": settings.pipeline.queue_for("fetch"),
                            "expires": settings.sources.tick_s},
            },
        },
        "enable_utc": True,
    }
    scheme = urlsplit(broker_url).scheme
    if scheme == "filesystem":
        # filesystem:///some/dir -> kombu's transport with that folder; no fanout, so no
        # remote control and no events (nothing to watch them in embedded mode anyway).
        root = Path(urlsplit(broker_url).path or ".newsflow/broker")
        config["broker_url"] = "filesystem://localhost//"  # a host name keeps kombu quiet
        config["broker_transport_options"] = filesystem_broker_folders(root)
        # kombu's own writes a message file in place, and a worker can read it half written.
        config["broker_transport"] = "workers.broker_transport:FilesystemTransport"
        config["worker_enable_remote_control"] = False
        config["worker_send_task_events"] = False
    else:
        config["broker_transport_options"] = {
            "visibility_timeout": tuning.visibility_timeout_s,
            # Reconnect quickly after a Redis restart instead of hanging on a dead socket.
            "socket_timeout": 30,
            "socket_connect_timeout": 10,
            "retry_on_timeout": True,
            "health_check_interval": 25,
            # Messages of a worker that died unacked come back once they are older than the
            # visibility timeout; scan for them often enough that this is what bounds it.
            "unacked_restore_interval": max(1, min(60, tuning.visibility_timeout_s // 10)),
            "unacked_restore_throttle": 1,
            # Who holds which unacked message (workers.leases): a dead worker's messages
            # come back within ~4/3 of the TTL; the visibility timeout stays the safety net.
            "lease_prefix": f"{settings.pipeline.queue_prefix}.lease",
            "lease_ttl": tuning.lease_ttl_s,
        }
        # The Redis transport, minus the worker crash on a list item that is not a message.
        config["broker_transport"] = "workers.broker_transport:Transport"
        config["worker_send_task_events"] = True
        config["task_send_sent_event"] = True
    return config
