"""The base class of every stage task: a micro-batch in, the stage, per-article outcomes out.

A message carries a few articles (``pipeline.batch_size``) so the ~11 ms a Celery chain costs
is shared, but every article keeps its own fate. Typed errors decide it (``tasks.errors``):

* ``PermanentError`` -> rejected at once with its reason; it leaves the batch.
* ``RetryableError`` -> it leaves the batch and is re-sent alone, from this stage on, after
  exponential backoff with full jitter (at least the server's Retry-After); after
  ``max_retries`` it is dead-lettered.
* anything else     -> dead-lettered with the error and logged with its traceback.

Survivors continue down the chain; if none survive, the chain stops here. A message may
name ``leading`` stages to run first (``workers.publish.plan_hops``: a batch of local files
is read inside its clean message); each stage keeps its own ledger attempts and fates.

At-least-once delivery: a redelivered message (worker killed, hard time limit, Redis
restored its unacked messages) finds its items' stage attempts counted in the ledger. Items
already terminal are dropped; a redelivered *batch* is split into single-article messages,
so one poisoned article cannot take its neighbours down with it; a single article that
keeps killing its worker is dead-lettered after ``max_retries`` deliveries.

Time limits: the soft limit raises inside the stage (the article is dead-lettered with
``SoftTimeLimitExceeded``); a stage stuck where Python cannot interrupt it is killed at the
hard limit, and ``on_failure`` (run by the worker's main process) dead-letters a single
article with ``TimeLimitExceeded`` or re-sends a batch one by one.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task
from celery.exceptions import Ignore, SoftTimeLimitExceeded, TimeLimitExceeded
from pydantic import ValidationError

from config.settings import STAGE_NAMES, Settings, get_settings
from tasks.errors import NewsflowError, RetryableError
from tasks.models import Article
from tasks.pipeline import record_failure, run_stage_batch

__all__ = ["StageTask", "backoff_seconds"]

log = logging.getLogger(__name__)

Payloads = list[dict[str, Any]]


def backoff_seconds(retries: int, settings: Settings, retry_after_s: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""
    tuning = settings.celery
    ceiling = min(tuning.retry_backoff_max_s, tuning.retry_backoff_s * (2**retries))
    delay = random.uniform(tuning.retry_backoff_s / 2, max(ceiling, tuning.retry_backoff_s / 2))
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, tuning.retry_backoff_max_s))
    return delay


def _parse(payloads: Any) -> list[Article]:
    """Validate the message; what is not an Article is refused (never requeued)."""
    if isinstance(payloads, dict):
        payloads = [payloads]
    if not isinstance(payloads, list):
        log.error("refused a message that is not a list of Article payloads: %r",
                  type(payloads).__name__)
        return []
    articles = []
    for payload in payloads:
        try:
            articles.append(Article.from_payload(payload))
        except ValidationError as exc:
            # No ledger row can be named for it: it was never an enqueued item.
            log.error("refused a payload that is not an Article: %d errors", exc.error_count())
    return articles


def _leading_stages(leading: Any, stage: str) -> tuple[str, ...]:
    """The ``leading`` stages of a message that come before ``stage``, in chain order.

    Anything else (an unknown name, a later stage, not a list) is ignored: a message can
    only ask for the stages its task would have been chained after.
    """
    if not isinstance(leading, list | tuple):
        return ()
    return tuple(name for name in STAGE_NAMES[: STAGE_NAMES.index(stage)] if name in leading)


class StageTask(Task):  # type: ignore[misc]
    """Shared behaviour of the five stage tasks; subclasses only name their stage."""

    acks_late = True
    reject_on_worker_lost = True

    def run_stage(self, stage: str, payloads: Any, leading: Any = ()) -> Payloads:
        """Run ``leading`` stages (a local read fused into clean), then ``stage``, per article."""
        settings = get_settings()
        articles = _parse(payloads)
        for name in (*_leading_stages(leading, stage), stage):
            articles = self._run_one(settings, name, articles)
            if not articles:
                raise Ignore()
        log.info("%s: %d articles passed", stage, len(articles))
        return [a.to_payload() for a in articles]

    def _run_one(self, settings: Settings, stage: str, articles: list[Article]) -> list[Article]:
        """One stage over the batch: the survivors; every other article got its fate here."""
        articles = self._admit(settings, stage, articles)
        if not articles:
            return []
        survivors: list[Article] = []
        try:
            results = run_stage_batch(stage, articles, settings,
                                      let_through=(SoftTimeLimitExceeded,))
        except SoftTimeLimitExceeded as exc:
            # The limit is per message: the batch ran out of time, and the article that held
            # the clock is not necessarily the slow one. The stage's work is lost for all of
            # them, so each is re-sent alone with the full limit; the one that is slow on
            # its own will then be dead-lettered.
            self._resend_singles(settings, stage, articles, exc)
            return []
        for article, result in zip(articles, results, strict=True):
            if isinstance(result, Article):
                result.attempts = 0
                survivors.append(result)
            elif isinstance(result, RetryableError):
                self._retry_alone(settings, stage, article, result)
            else:
                if not isinstance(result, Exception):  # pragma: no cover - contract check
                    result = TypeError(f"stage {stage} returned {type(result).__name__}")
                record_failure(settings, article.id, stage, result)
                if not isinstance(result, NewsflowError):
                    log.error("article %s %s: unexpected error", article.id, stage,
                              exc_info=result)
        return survivors

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        """The hard time limit killed the stage: without this the message is acked as failed
        and its items would wait in 'processing' for the sweeper."""
        if not isinstance(exc, TimeLimitExceeded) or not args:
            return
        # A fused message starts at its first leading stage: resend from there.
        own = self.name.rsplit(".", 1)[-1]
        stage = (*_leading_stages((kwargs or {}).get("leading"), own), own)[0]
        settings = get_settings()
        articles = _parse(args[0])
        log.error("%s: hard time limit killed a batch of %d: %s", stage, len(articles),
                  ", ".join(a.id for a in articles))
        self._resend_singles(settings, stage, articles, exc)

    def _admit(self, settings: Settings, stage: str, articles: list[Article]) -> list[Article]:
        """Count this delivery in the ledger; drop terminal items, split redelivered batches."""
        from tasks.storage import ledger
        from tasks.storage.db import get_engine

        engine = get_engine(settings.database_url.get_secret_value())
        admitted: list[Article] = []
        redelivered: list[Article] = []
        deliveries = ledger.record_started_many(engine, [a.id for a in articles], stage)
        for article in articles:
            attempts = deliveries[article.id]
            if attempts <= 0:
                log.info("article %s already terminal: %s redelivery dropped", article.id, stage)
            elif attempts > settings.celery.max_retries + 1:
                record_failure(settings, article.id, stage, RetryableError(
                    f"gave up after {attempts - 1} deliveries of stage {stage}",
                    reason="redelivery_limit"))
            elif attempts > 1 + article.attempts:
                redelivered.append(article)
            else:
                admitted.append(article)
        if redelivered and len(articles) > 1:
            # Delivered before and never finished: a worker died on this batch. Go on one by
            # one so that whatever killed it can only kill its own article.
            self._send_from(stage, redelivered, countdown=0, singles=True)
            return admitted
        return admitted + redelivered

    def _retry_alone(self, settings: Settings, stage: str, article: Article,
                     exc: RetryableError) -> None:
        if article.attempts >= settings.celery.max_retries:
            record_failure(settings, article.id, stage, exc)
            return
        delay = backoff_seconds(article.attempts, settings, exc.retry_after_s)
        log.info("article %s %s: retry %d in %.1fs: %s", article.id, stage,
                 article.attempts + 1, delay, exc)
        article.attempts += 1
        self._send_from(stage, [article], countdown=delay, singles=True)

    def _resend_singles(self, settings: Settings, stage: str, articles: list[Article],
                        exc: BaseException) -> None:
        if len(articles) == 1:
            record_failure(settings, articles[0].id, stage, exc)
            return
        log.warning("%s: a batch of %d ran out of time (%s); re-sent one by one", stage,
                    len(articles), type(exc).__name__)
        self._send_from(stage, articles, countdown=0, singles=True)

    def _send_from(self, stage: str, articles: list[Article], *, countdown: float,
                   singles: bool) -> None:
        from workers.producer import chain_from

        groups = [[a] for a in articles] if singles else [articles]
        for group in groups:
            chain_from(self.app, stage, [a.to_payload() for a in group]).apply_async(
                countdown=countdown)
