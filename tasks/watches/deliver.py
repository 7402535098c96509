"""One delivery attempt, and what it leaves in the database: no Celery here.

``attempt`` leases the row (``deliveries.claim``), reads the article's export record, POSTs
the signed body, and records the outcome: ``delivered``; ``pending`` again with the next
back-off when the receiver is down and attempts remain; ``failed`` (visible in ``newsflow
watches show``) when attempts are spent or the receiver refused. The caller (the Celery
task) only schedules the next attempt after the delay returned.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import Engine

from config.settings import WatchesSettings
from tasks.errors import WebhookDown, WebhookRefused
from tasks.storage.queries import get_article
from tasks.watches import deliveries, webhook

__all__ = ["EARLY_TOLERANCE_S", "Outcome", "attempt", "backoff_seconds"]

logger = logging.getLogger(__name__)

Kind = Literal["delivered", "retry", "failed", "skipped", "early"]
# A retry message that arrives this much before its row is due (the clocks of the host that
# scheduled it and of the one running it differ) waits the difference instead of being
# dropped, which would leave the delivery to the sweep minutes later. Anything earlier is a
# second message for a delivery that another one is already scheduled for.
EARLY_TOLERANCE_S = 5.0


@dataclass(frozen=True)
class Outcome:
    """What one call did: ``skipped`` (leased elsewhere, done, gone, or not due for a long
    while), ``early`` (due within ``EARLY_TOLERANCE_S``: try again in ``retry_in_s``)."""

    kind: Kind
    delivery_id: int
    watch_name: str | None = None
    article_id: str | None = None
    attempts: int = 0
    retry_in_s: float | None = None
    detail: str | None = None


def backoff_seconds(attempts: int, settings: WatchesSettings,
                    retry_after_s: float | None = None, cap_s: float | None = None) -> float:
    """Exponential back-off with full jitter after ``attempts`` tries, at least the
    receiver's Retry-After, at most ``retry_backoff_max_s`` (and ``cap_s``)."""
    most = min(settings.retry_backoff_max_s, cap_s or settings.retry_backoff_max_s)
    ceiling = min(most, settings.retry_backoff_s * 2 ** (attempts - 1))
    least = min(settings.retry_backoff_s / 2, most)
    delay = random.uniform(least, max(ceiling, least))
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, most))
    return delay


def _outcome(kind: Kind, delivery: deliveries.Delivery, watch_name: str,
             detail: str | None = None, retry_in_s: float | None = None) -> Outcome:
    return Outcome(kind, delivery.id, watch_name, delivery.article_id, delivery.attempts,
                   retry_in_s, detail)


def attempt(engine: Engine, delivery_id: int, settings: WatchesSettings,
            max_delay_s: float | None = None) -> Outcome:
    """One try at ``delivery_id`` (see the module doc); a retry waits at most
    ``max_delay_s`` (the caller's broker limit) besides ``settings.retry_backoff_max_s``."""
    claimed = deliveries.claim(engine, delivery_id, timedelta(seconds=settings.lease_s))
    if claimed is None:
        wait = deliveries.pending_in(engine, delivery_id)
        if wait is not None and wait <= EARLY_TOLERANCE_S:
            return Outcome("early", delivery_id, retry_in_s=wait)
        return Outcome("skipped", delivery_id)
    delivery, watch = claimed
    record = get_article(engine, delivery.article_id)
    if record is None:
        deliveries.finish(engine, delivery_id, deliveries.FAILED, error="article not stored")
        return _outcome("failed", delivery, watch.name, "article not stored")
    body = webhook.body_of("watch.match", watch.id, watch.name, delivery_id, record)
    headers = webhook.signed_headers(watch.secret, body, delivery_id)
    try:
        result = webhook.post(watch.webhook_url, body, headers, settings)
    except WebhookDown as exc:
        if delivery.attempts >= settings.max_attempts:
            error = f"gave up after {delivery.attempts} attempts: {exc.message}"
            deliveries.finish(engine, delivery_id, deliveries.FAILED,
                              http_status=exc.http_status, error=error)
            return _outcome("failed", delivery, watch.name, error)
        delay = backoff_seconds(delivery.attempts, settings, exc.retry_after_s, max_delay_s)
        deliveries.finish(engine, delivery_id, deliveries.PENDING, http_status=exc.http_status,
                          error=exc.message, retry_in=timedelta(seconds=delay))
        return _outcome("retry", delivery, watch.name, exc.message, delay)
    except WebhookRefused as exc:
        deliveries.finish(engine, delivery_id, deliveries.FAILED, http_status=exc.http_status,
                          error=exc.message)
        return _outcome("failed", delivery, watch.name, exc.message)
    deliveries.finish(engine, delivery_id, deliveries.DELIVERED, http_status=result.status)
    return _outcome("delivered", delivery, watch.name, f"HTTP {result.status}")
