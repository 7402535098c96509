"""The source monitor's two Celery tasks, thin wrappers over ``tasks.monitor``.

``newsflow.sources_tick`` (one beat entry, every ``sources.tick_s``) claims the due sources
(``tasks.monitor.schedule.claim_due``: no two ticks claim one source) and sends one
``newsflow.source_poll`` per source over one broker connection. The poll runs
``tasks.monitor.poll.poll_source`` with the real producer as its ``enqueue``. Both go to the
fetch queue: polling is network-bound work like fetching.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tasks.errors import DatabaseBusy
from tasks.sources.items import SourceItem, SourceProblem
from workers.app import app
from workers.runtime.resources import ResourceTask

__all__ = ["POLL_TASK", "TICK_TASK", "send_polls", "source_poll", "sources_tick"]

TICK_TASK = "newsflow.sources_tick"
POLL_TASK = "newsflow.source_poll"


def send_polls(celery_app: Any, ids: list[int], claimed_at: datetime, queue: str) -> None:
    """One poll message per claimed source, pipelined over one connection (the producer's
    ``Publisher``: a Redis round trip per ~1000 messages, not one per message)."""
    from config.settings import get_settings
    from workers.producer.publish import Publisher

    stamp = claimed_at.isoformat()
    with Publisher(celery_app, get_settings().pipeline) as publisher:
        publisher.send_each(POLL_TASK, ((source_id, stamp) for source_id in ids), queue)


@app.task(name=TICK_TASK, bind=True, base=ResourceTask, ignore_result=True,  # type: ignore[untyped-decorator]
          autoretry_for=(DatabaseBusy,), retry_backoff=True, max_retries=3)
def sources_tick(self: ResourceTask) -> int:
    """Claim the due sources and send their polls; returns how many."""
    from tasks.common import utc_now
    from tasks.monitor.schedule import claim_due

    sources = self.settings.sources
    now = utc_now()
    ids = claim_due(self.engine, limit=sources.tick_limit, claim_s=sources.claim_s, now=now)
    if ids:
        send_polls(self.app, ids, now, self.settings.pipeline.queue_for("fetch"))
    return len(ids)


@app.task(name=POLL_TASK, bind=True, base=ResourceTask, ignore_result=True,  # type: ignore[untyped-decorator]
          autoretry_for=(DatabaseBusy,), retry_backoff=True, max_retries=3)
def source_poll(self: ResourceTask, source_id: int, claimed_at: str | None = None) -> str:
    """Poll one source (``tasks.monitor.poll.poll_source``); returns the outcome."""
    from tasks.fetching.politeness import domain_gate, redis_client
    from tasks.monitor.poll import poll_source
    from workers.producer.enqueue import enqueue

    settings, engine = self.settings, self.engine

    def send(items: list[SourceItem | SourceProblem], batch_id: str) -> int:
        report = enqueue(self.app, settings, engine, items, batch_id=batch_id)
        return report.sent + report.resent

    redis_url = settings.fetch.politeness_redis_url
    report = poll_source(
        engine, settings, source_id, enqueue=send, gate=domain_gate(settings.fetch),
        client=redis_client(redis_url) if redis_url else None,
        claimed_at=datetime.fromisoformat(claimed_at) if claimed_at else None,
    )
    return report.outcome
