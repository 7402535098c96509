"""The worker's lease thread: renew this worker's lease, restore the messages of dead ones.

One daemon thread in each worker's main process (the process that holds the messages:
pool children never consume). A thread, not a Celery periodic task: it must run in every
worker whether or not `celery beat` does, and keep the lease alive while the event loop
waits on a slow pool or a long ack. It is started when the worker is ready (after the pool
forked, so no child inherits it) and dies with the process; it is never stopped on a warm
shutdown, which still waits for running tasks whose messages the lease must keep covering.
Every ``lease_ttl_s / 3`` seconds:

1. renew this worker's lease (``workers.leases.renew``);
2. restore, with kombu's ``restore_by_tag``, the messages recorded under every lease that
   expired (``workers.leases.recover_expired``).

3. notice a Redis that lost its data (``workers.leases.notice_reset``): then every queued
   and unacknowledged message is gone at once, and no lease remembers them. One live
   worker sends the sweep task with ``force`` and no age limit, which re-sends every item
   the ledger still has in flight (a message that was running meanwhile runs twice; the
   ledger and the content hash make that harmless). Without this the periodic sweeper
   would find them only after ``pipeline.stuck_after_s`` (30 min).

A worker killed at *t* last renewed at most a third of the TTL before, so its lease is gone
by *t* + TTL and the next scan of any live worker, at most a third later, restores what it
held: 40 s with the default 30 s TTL. A new worker scans at once when it becomes ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery.signals import worker_init, worker_ready

from config.settings import Settings, get_settings
from workers.leases import (
    LeaseKeys,
    claim_owner,
    current_owner,
    notice_reset,
    recover_expired,
    renew,
)

__all__ = ["LeaseKeeper", "leases_enabled"]

log = logging.getLogger(__name__)


def leases_enabled(settings: Settings) -> bool:
    """Leases need the Redis broker (the filesystem broker of `newsflow run` is local: its
    unacked messages die with the one worker there is)."""
    broker = settings.broker_url.get_secret_value()
    return settings.celery.lease_ttl_s > 0 and broker.startswith(("redis://", "rediss://"))


class LeaseKeeper(threading.Thread):
    """``connect()`` opens a kombu connection to the broker (the app's
    ``connection_for_write``); the thread reopens it after any error."""

    def __init__(self, connect: Callable[[], Any], keys: LeaseKeys, owner: str,
                 ttl_s: int, on_reset: Callable[[], None] | None = None) -> None:
        super().__init__(name="newsflow-leases", daemon=True)
        self.connect = connect
        self.owner = owner
        self.keys = keys
        self.ttl_s = ttl_s
        self.interval_s = ttl_s / 3
        self.halt = threading.Event()
        self.on_reset = on_reset
        self.epoch: str | None = None

    def run(self) -> None:
        connection: Any = None
        while not self.halt.is_set():
            try:
                if connection is None:
                    connection = self.connect()
                self.beat(connection.default_channel)
            except Exception as exc:  # Redis away: keep trying; Celery handles the consumer
                log.warning("lease heartbeat of %s failed: %s: %s", self.owner,
                            type(exc).__name__, exc)
                if connection is not None:
                    connection.collect()
                connection = None
            self.halt.wait(self.interval_s)

    def beat(self, channel: Any) -> int:
        """One round: renew, then recover; the number of messages restored."""
        with channel.conn_or_acquire() as client:
            self.epoch, elected = notice_reset(client, self.keys, self.epoch)
            if elected:
                log.error("the broker lost its data (Redis restarted without persistence or "
                          "flushed): every queued message is gone; re-sending the items the "
                          "ledger has in flight")
                if self.on_reset is not None:
                    self.on_reset()
            renew(client, self.keys, self.owner, self.ttl_s)

            def restore(tag: str) -> bool:
                # Counted for the log only; restore_by_tag itself re-checks inside its
                # WATCH/MULTI, so a message acked meanwhile is not put back.
                pending = bool(client.hexists(channel.unacked_key, tag))
                channel.qos.restore_by_tag(tag, client)
                return pending

            return recover_expired(client, self.keys, restore, skip=self.owner)


@worker_init.connect  # type: ignore[untyped-decorator]
def _claim(**_: Any) -> None:
    # Before the consumer starts: every message it takes is then recorded under this owner.
    if leases_enabled(get_settings()):
        log.info("lease owner %s", claim_owner())


@worker_ready.connect  # type: ignore[untyped-decorator]
def _start(sender: Any = None, **_: Any) -> None:
    owner = current_owner()
    if owner is None:
        return
    from workers.app import app

    settings = get_settings()
    keys = LeaseKeys(f"{settings.pipeline.queue_prefix}.lease")
    def sweep_everything() -> None:
        app.send_task("newsflow.sweep", kwargs={"older_than_s": 0.0, "force": True},
                      queue=settings.pipeline.queue_for("store"))

    LeaseKeeper(app.connection_for_write, keys, owner, settings.celery.lease_ttl_s,
                on_reset=sweep_everything).start()
