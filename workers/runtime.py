"""The base class of every stage task: payload in, stage call, ledger and retry policy.

Typed errors decide what happens (see ``tasks.errors``):

* ``PermanentError``  -> the item is rejected at once with its reason; the chain stops.
* ``RetryableError``  -> retried with exponential backoff and full jitter (honouring a
  server's Retry-After); after ``max_retries`` the item is dead-lettered.
* anything else      -> dead-lettered with the error, then re-raised so Flower shows it.

At-least-once delivery: a redelivered message for an item already in a terminal state is
dropped, and each stage start counts an attempt, so a message that keeps killing its worker
(hard time limit, OOM) is dead-lettered after ``max_retries`` redeliveries instead of looping.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task
from celery.exceptions import Ignore, Reject
from pydantic import ValidationError

from config.settings import Settings, get_settings
from tasks.errors import PermanentError, RetryableError
from tasks.models import Article
from tasks.pipeline import record_failure, run_stage

__all__ = ["StageTask", "backoff_seconds"]

log = logging.getLogger(__name__)


def backoff_seconds(retries: int, settings: Settings, retry_after_s: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""
    tuning = settings.celery
    ceiling = min(tuning.retry_backoff_max_s, tuning.retry_backoff_s * (2**retries))
    delay = random.uniform(tuning.retry_backoff_s / 2, ceiling)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, tuning.retry_backoff_max_s))
    return delay


class StageTask(Task):  # type: ignore[misc]
    """Shared behaviour of the five stage tasks; subclasses only name their stage."""

    acks_late = True
    reject_on_worker_lost = True
    max_retries = None  # bounded by settings.celery.max_retries in run_stage

    def run_stage(self, stage: str, payload: dict[str, Any]) -> dict[str, Any]:
        settings = get_settings()
        article = self._parse(payload)
        attempts = self._start(settings, article, stage)
        try:
            result = run_stage(stage, article, settings)
        except PermanentError as exc:
            record_failure(settings, article.id, stage, exc)
            raise Ignore() from exc
        except RetryableError as exc:
            retries = int(self.request.retries or 0)
            if retries >= settings.celery.max_retries:
                record_failure(settings, article.id, stage, exc)
                raise Ignore() from exc
            delay = backoff_seconds(retries, settings, exc.retry_after_s)
            log.info("article %s %s: retry %d in %.1fs: %s", article.id, stage, retries + 1,
                     delay, exc)
            raise self.retry(exc=exc, countdown=delay, max_retries=settings.celery.max_retries)
        except Exception as exc:
            record_failure(settings, article.id, stage, exc)
            raise
        log.info("article %s %s done (attempt %d)", article.id, stage, attempts)
        return result.to_payload()

    @staticmethod
    def _parse(payload: Any) -> Article:
        try:
            return Article.from_payload(payload)
        except ValidationError as exc:
            # Not an article: no ledger row can be named, so it is refused, not requeued.
            log.error("refused a message that is not an Article payload: %s", exc)
            raise Reject(f"not an Article payload: {exc.error_count()} errors", requeue=False) \
                from exc

    def _start(self, settings: Settings, article: Article, stage: str) -> int:
        from tasks.storage import ledger
        from tasks.storage.db import get_engine

        engine = get_engine(settings.database_url.get_secret_value())
        attempts = ledger.record_started(engine, article.id, stage)
        if attempts <= 0:
            log.info("article %s already terminal; redelivered %s dropped", article.id, stage)
            raise Ignore()
        # Redeliveries (worker killed, hard time limit) never reach the except clauses above;
        # the ledger's per-stage attempt counter is what bounds them.
        if attempts > settings.celery.max_retries + 1:
            record_failure(
                settings, article.id, stage,
                RetryableError(f"gave up after {attempts - 1} deliveries of stage {stage}",
                               reason="redelivery_limit"),
            )
            raise Ignore()
        return attempts
