"""The thin Celery side of watches: send a webhook delivery, re-send lost ones, and start
the deliveries a store batch recorded.

The store records pending deliveries in its own transaction (``tasks.watches.deliveries.
record_matches``); ``dispatch_new`` (a ``tasks.pipeline`` stage observer, registered when
the worker starts) then sends one ``newsflow.watch_delivery`` message per new delivery of
the batch's stored articles, with one query per batch. A message lost on the way is
re-sent by ``newsflow.watch_sweep`` (celery beat). Two messages for one delivery are
harmless: the delivery row is leased to one task at a time (``deliveries.claim``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.signals import worker_init, worker_ready

from tasks.errors import DatabaseBusy
from tasks.pipeline import StageBatchEvent, add_observer
from tasks.watches import deliveries
from tasks.watches.deliver import Outcome, attempt
from workers.app import app
from workers.runtime.metrics import count_watch_delivery, count_watch_fire
from workers.runtime.resources import ResourceTask

__all__ = ["deliver_watch", "dispatch_new", "sweep_watch_deliveries"]

log = logging.getLogger(__name__)


@app.task(name="newsflow.watch_delivery", bind=True, base=ResourceTask,  # type: ignore[untyped-decorator]
          ignore_result=True, acks_late=True, autoretry_for=(DatabaseBusy,),
          retry_backoff=True, max_retries=5)
def deliver_watch(self: ResourceTask, delivery_id: int) -> None:
    """One webhook attempt; schedules the next one itself while the receiver is down."""
    # A retry waits as an unacked countdown message: it must come back before Redis's
    # visibility timeout would deliver it a second time.
    outcome = attempt(self.engine, delivery_id, self.settings.watches,
                      max_delay_s=self.settings.celery.visibility_timeout_s / 2)
    _report(outcome)
    if outcome.kind in ("retry", "early"):
        deliver_watch.apply_async(args=[delivery_id], countdown=outcome.retry_in_s)


def _report(outcome: Outcome) -> None:
    if outcome.kind in ("skipped", "early"):
        log.debug("watch delivery %d: %s", outcome.delivery_id, outcome.kind)
        return
    count_watch_delivery(outcome.watch_name or "", outcome.kind)
    level = logging.WARNING if outcome.kind == "failed" else logging.INFO
    log.log(level, "watch %r delivery %d article %s %s (attempt %d)%s", outcome.watch_name,
            outcome.delivery_id, outcome.article_id, outcome.kind, outcome.attempts,
            f": {outcome.detail}" if outcome.detail else "",
            extra={"watch": outcome.watch_name, "delivery_id": outcome.delivery_id,
                   "article_id": outcome.article_id, "outcome": outcome.kind})


@app.task(name="newsflow.watch_sweep", bind=True, base=ResourceTask,  # type: ignore[untyped-decorator]
          ignore_result=True)
def sweep_watch_deliveries(self: ResourceTask, overdue_s: float | None = None) -> int:
    """Re-send deliveries pending ``overdue_s`` (default ``watches.stale_after_s``) past their
    time, or leased by a task that died."""
    overdue = self.settings.watches.stale_after_s if overdue_s is None else overdue_s
    stale = deliveries.stale_pending(self.engine, timedelta(seconds=overdue))
    for delivery_id in stale:
        deliver_watch.delay(delivery_id)
    if stale:
        log.info("watch sweep: re-sent %d deliveries", len(stale))
    return len(stale)


def dispatch_new(event: StageBatchEvent) -> None:
    """Stage observer: after a store batch, send the deliveries its stored articles fired."""
    if event.stage != "store":
        return
    stored = [a.article_id for a in event.articles if a.fate == "stored"]
    if not stored:
        return
    for delivery_id, watch_name, article_id in deliveries.new_pending(deliver_watch.engine,
                                                                      stored):
        count_watch_fire(watch_name)
        log.info("watch %r fired for article %s (delivery %d)", watch_name, article_id,
                 delivery_id, extra={"watch": watch_name, "article_id": article_id,
                                     "delivery_id": delivery_id})
        deliver_watch.delay(delivery_id)


@worker_init.connect  # type: ignore[untyped-decorator]
def _register(**_: Any) -> None:
    # In the worker's main process before the pool forks: every child inherits it.
    add_observer(dispatch_new)


@worker_ready.connect  # type: ignore[untyped-decorator]
def _sweep_at_start(**_: Any) -> None:
    # Deliveries a worker left behind when it died (its retry messages unacked until the
    # visibility timeout) go out again now, not at beat's next sweep. Every due delivery is
    # re-sent; a second message for one still held elsewhere finds it leased or done.
    try:
        sweep_watch_deliveries.apply_async(kwargs={"overdue_s": 0})
    except Exception:  # the broker went away again: beat's sweep will do it
        log.warning("watch sweep at start not sent", exc_info=True)
