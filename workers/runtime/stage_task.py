"""The base class of every stage task: a micro-batch in, its stages, per-article fates out.

A message carries a few articles (``pipeline.batch_size``: why, in config/settings.py) so the
cost of a Celery chain is shared, but every article keeps its own fate
(``tasks.pipeline.fate_of``):

* ``rejected`` (a ``PermanentError``) -> rejected at once with its reason; it leaves the batch.
* ``retry`` (a ``RetryableError``) -> it leaves the batch and is re-sent alone, from this
  stage on, after exponential backoff with full jitter (at least the server's Retry-After);
  after ``max_retries`` it is dead-lettered. The retry count travels in the message
  (``retries``), not on the article.
* ``error`` (anything else) -> dead-lettered with the error and logged with its traceback.

Survivors continue down the chain; if none survive, the chain stops here. A message names
the stages it runs (``stages``, planned by the producer: ``tasks.hops.plan_hops``; a batch of
local files is read inside its clean message); the worker only checks them against the
registry and refuses a message that names anything else. Each stage keeps its own ledger
attempts and fates. The last stage returns nothing: no result is kept anywhere.

At-least-once delivery: a redelivered message (worker killed, hard time limit, Redis
restored its unacked messages) finds its items' stage attempts counted in the ledger. Items
already terminal are dropped; a batch redelivered a second time is split into single-article
messages, so one poisoned article cannot take its neighbours down with it (the first
redelivery runs in place, at the head of its queue: usually a lost host, not a poison); a
single article that keeps killing its worker is dead-lettered after ``max_retries``
deliveries.

Time limits: the soft limit is raised inside a stage, passes through the stage runner
(``let_through``) and ends the message: a batch is re-sent one article per message, each
with the full limit, and a single article is dead-lettered with ``SoftTimeLimitExceeded``.
A stage stuck where Python cannot interrupt it is killed at the hard limit, and
``on_failure`` (run by the worker's main process) does the same with ``TimeLimitExceeded``.

Per-process resources are lazy properties of the task (``workers.runtime.resources``, Celery's
``DatabaseTask`` pattern): ``settings`` and ``engine``, made on first use in the pool
process that needs them.
"""

from __future__ import annotations

import logging
import random
from typing import Any, NoReturn, cast

from celery import signature
from celery.exceptions import Ignore, SoftTimeLimitExceeded, TimeLimitExceeded
from kombu.exceptions import OperationalError as KombuOperationalError
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.settings import Settings
from tasks.codec import Payload, decode, encode
from tasks.errors import (
    BrokerUnreachable,
    DatabaseBusy,
    DatabaseFull,
    NewsflowError,
    RetryableError,
)
from tasks.hops import stages_of_message
from tasks.models import Article
from tasks.pipeline import fate_of, record_failure, run_stage_batch
from tasks.stages import STAGE_NAMES
from workers.runtime.admission import admitted_files
from workers.runtime.resources import ResourceTask

__all__ = ["StageTask", "backoff_seconds", "broker_unreachable"]

log = logging.getLogger(__name__)

# Exceptions that belong to Celery, not to the article: the stage runner lets them through.
_RUNTIME_EXCEPTIONS: tuple[type[BaseException], ...] = (SoftTimeLimitExceeded,)
# Redeliveries of a batch run in place before it is split into single-article messages.
_SPLIT_AFTER = 1


def backoff_seconds(retries: int, settings: Settings, retry_after_s: float | None) -> float:
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""
    tuning = settings.celery
    ceiling = min(tuning.retry_backoff_max_s, tuning.retry_backoff_s * (2**retries))
    delay = random.uniform(tuning.retry_backoff_s / 2, max(ceiling, tuning.retry_backoff_s / 2))
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, tuning.retry_backoff_max_s))
    return delay


DATABASE_WAIT_MAX_S = 60.0  # between two tries of a message waiting for its database


def database_wait_s(attempt: int, settings: Settings) -> float:
    """Exponential backoff with equal jitter (never under half the step: full jitter let a
    message spend its tries within seconds of a database outage), at most a minute."""
    step = min(DATABASE_WAIT_MAX_S, settings.celery.retry_backoff_s * (2**attempt))
    return random.uniform(step / 2, step)


def database_wait_attempts(settings: Settings) -> int:
    """How many tries make a message wait for its database at least as long as the sweeper
    leaves a silent item (``pipeline.stuck_after_s``), counting each try's shortest wait."""
    waited, attempts = 0.0, 0
    while waited < settings.pipeline.stuck_after_s:
        waited += min(DATABASE_WAIT_MAX_S, settings.celery.retry_backoff_s * (2**attempts)) / 2
        attempts += 1
    return max(attempts, settings.celery.max_retries)


# What kombu and redis-py raise when the broker cannot be reached (kombu wraps most of them
# in its OperationalError once its publish retries are spent; OSError: a socket error that
# escaped both, "No route to host" among them).
_BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def broker_unreachable(exc: BaseException) -> BrokerUnreachable | None:
    """``exc`` as a ``BrokerUnreachable`` (its reason on one line), or None when it is not
    a broker connection error."""
    if not isinstance(exc, _BROKER_ERRORS):
        return None
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return BrokerUnreachable(reason)


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
            articles.append(decode(payload))
        except ValidationError as exc:
            # No ledger row can be named for it: it was never an enqueued item.
            log.error("refused a payload that is not an Article: %d errors", exc.error_count())
    return articles


def _hop(task_stage: str, stages: Any, retries: Any) -> tuple[tuple[str, ...], int]:
    """The message's validated stages and retry count; ``Ignore`` (never requeued) if bad."""
    named = stages_of_message(stages, task_stage)
    if named is None or not isinstance(retries, int) or isinstance(retries, bool) \
            or retries < 0:
        log.error("refused a %s message naming stages %r, retries %r", task_stage, stages,
                  retries)
        raise Ignore()
    return named, retries


class StageTask(ResourceTask):
    """Shared behaviour of the stage tasks; a task only names its stage. Its ``settings``
    and ``engine`` (``ResourceTask``) are what the stages are run with."""

    acks_late = True
    reject_on_worker_lost = True

    def run_stages(self, task_stage: str, payloads: Any, stages: Any = None,
                   retries: Any = 0) -> list[Payload] | None:
        """Run the message's stages in order, per article; the survivors' payloads, if any
        stage follows (the last hop returns nothing)."""
        named, retries = _hop(task_stage, stages, retries)
        try:
            survivors = self._run_stages(task_stage, named, payloads, retries)
        except DatabaseBusy as exc:
            self._wait_for_database(task_stage, exc)
        if survivors is not None:
            self._send_next(survivors)
        return survivors

    def _send_next(self, payloads: list[Payload]) -> None:
        """Send the chain's next message here rather than in Celery's trace, which logs a
        broker that cannot be reached as an unexpected error with its traceback. Then the
        message ends ignored, one warning of ours: its acknowledgement cannot reach the
        broker either, so the message stays unacknowledged and the worker's lease returns it
        to another worker (if the link returns before the lease expires, the sweeper re-sends
        its items: they are never left terminal-less)."""
        chain = self.request.chain
        if not chain:
            return
        following = signature(chain[-1], app=self.app)
        try:
            following.apply_async((payloads,), chain=chain[:-1], parent_id=self.request.id,
                                  root_id=self.request.root_id or self.request.id)
        except Exception as exc:
            error = broker_unreachable(exc)
            if error is None:
                raise
            self.request.chain = None
            log.warning("broker unreachable while sending %s for %d articles; the lease "
                        "returns them: %s", following.task.rsplit(".", 1)[-1], len(payloads),
                        error)
            raise Ignore() from None
        self.request.chain = None  # sent: the trace must not send it again

    def _run_stages(self, task_stage: str, named: tuple[str, ...], payloads: Any,
                    retries: int) -> list[Payload] | None:
        # A message is admitted once: the ledger counts deliveries per stage and restarts the
        # count when the stage changes, so admitting each of its stages made a [fetch, clean]
        # message whose clean kills its worker look like a first delivery every time: never
        # split, never dead-lettered. Counted at its last stage, the row says where the
        # message's work ends, as when each stage had its own message.
        articles = self._admit(named, _parse(payloads), retries)
        for position, stage in enumerate(named):
            if not articles:
                raise Ignore()
            # The retry count belongs to the stage the message was re-sent from.
            articles = self._run_one(stage, articles, retries if position == 0 else 0)
        if not articles:
            raise Ignore()
        log.info("%s: %d articles passed", task_stage, len(articles))
        if task_stage == STAGE_NAMES[-1]:
            return None
        return [encode(a) for a in articles]

    def _run_one(self, stage: str, articles: list[Article], retries: int) -> list[Article]:
        """One stage over the admitted batch: the survivors; every other article got its fate
        here."""
        try:
            results = run_stage_batch(stage, articles, self, let_through=_RUNTIME_EXCEPTIONS)
        except SoftTimeLimitExceeded as exc:
            # The limit is per message: the batch ran out of time, and the article that held
            # the clock is not necessarily the slow one. The stage's work is lost for all of
            # them, so each is re-sent alone with the full limit; the one that is slow on
            # its own will then be dead-lettered.
            self._resend_singles(stage, articles, exc)
            return []
        survivors: list[Article] = []
        for article, result in zip(articles, results, strict=True):
            fate = fate_of(result)
            if isinstance(result, Article):
                survivors.append(result)
            elif fate == "retry":
                self._retry_alone(stage, article, cast(RetryableError, result), retries)
            else:
                record_failure(self.engine, article.id, stage, result)
                if not isinstance(result, NewsflowError):
                    log.error("article %s %s: unexpected error", article.id, stage,
                              exc_info=result)
        return survivors

    def _wait_for_database(self, task_stage: str, exc: DatabaseBusy) -> NoReturn:
        """The ledger itself is unreachable (PostgreSQL restarting, a full disk, SQLite locked
        past its timeout): no fate can be recorded, not even a failure, so the whole message
        comes again later (counted as a redelivery if its delivery was recorded: in place
        the first time, one article per message after). It waits about as long as the
        sweeper would leave it (``database_wait_attempts``), never more than a minute between
        tries, so work resumes within a minute of the database's return; past that the task
        fails (a traceback in Flower) and its items wait in the ledger for the sweeper."""
        attempt = int(self.request.retries or 0)
        limit = database_wait_attempts(self.settings)
        if attempt >= limit:
            log.error("%s: database unavailable (%s): gave up on message %s after %d "
                      "attempts; `newsflow sweep` re-sends its items", task_stage,
                      exc.reason, self.request.id, attempt + 1)
            raise exc
        delay = database_wait_s(attempt, self.settings)
        # A full disk never fixes itself: an error, seen even where only errors are logged
        # (`newsflow run`). A restart or a lock is a warning.
        level = logging.ERROR if isinstance(exc, DatabaseFull) else logging.WARNING
        log.log(level, "%s: database unavailable (%s): %s; message %s tried again in %.1fs "
                "(%d of %d)", task_stage, exc.reason, exc, self.request.id, delay,
                attempt + 1, limit)
        raise self.retry(exc=exc, countdown=delay, max_retries=limit)

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        """The hard time limit killed the stage: without this the message is acked as failed
        and its items would wait in 'processing' for the sweeper."""
        if not isinstance(exc, TimeLimitExceeded) or not args:
            return
        named = stages_of_message((kwargs or {}).get("stages"), self.name.rsplit(".", 1)[-1])
        if named is None:
            return
        stage = named[0]  # the message was killed somewhere in its stages: resend from the first
        articles = _parse(args[0])
        log.error("%s: hard time limit killed a batch of %d: %s", stage, len(articles),
                  ", ".join(a.id for a in articles))
        self._resend_singles(stage, articles, exc)

    def _admit(self, named: tuple[str, ...], articles: list[Article],
               retries: int) -> list[Article]:
        """Count this delivery of the message in the ledger, once, at its last stage; drop
        terminal items, split redelivered batches (re-sent from its first stage)."""
        from tasks.storage import ledger

        first, counted = named[0], named[-1]
        admitted: list[Article] = []
        redelivered: list[Article] = []
        if first == "fetch":
            # Before counting the delivery: that would give a forged item a row of its own.
            articles = admitted_files(self.engine, articles, first)
        deliveries = ledger.record_started_many(self.engine, [a.id for a in articles], counted)
        for article in articles:
            attempts = deliveries[article.id]
            if attempts <= 0:
                log.info("article %s already terminal: %s redelivery dropped", article.id,
                         counted)
            elif attempts > self.settings.celery.max_retries + 1:
                record_failure(self.engine, article.id, counted, RetryableError(
                    f"gave up after {attempts - 1} deliveries of stage {counted}",
                    reason="redelivery_limit"))
            elif attempts > 1 + retries:
                redelivered.append(article)
            else:
                admitted.append(article)
        if len(articles) > 1 and any(deliveries[a.id] > _SPLIT_AFTER + 1 + retries
                                     for a in redelivered):
            # Delivered twice before and never finished: something in this batch kills its
            # worker. Go on one by one so that it can only kill its own article. Not on the
            # first redelivery: that is nearly always a worker lost for another reason (a
            # host killed, its lease expired), and the restored message is at the head of
            # its queue, while singles re-sent from here would wait behind the whole backlog
            # (the slow tail of lease recovery, issue 16).
            self._send_from(first, redelivered)
            return admitted
        return admitted + redelivered

    def _retry_alone(self, stage: str, article: Article, exc: RetryableError,
                     retries: int) -> None:
        if retries >= self.settings.celery.max_retries:
            record_failure(self.engine, article.id, stage, exc)
            return
        delay = backoff_seconds(retries, self.settings, exc.retry_after_s)
        log.info("article %s %s: retry %d in %.1fs: %s", article.id, stage, retries + 1, delay,
                 exc)
        self._send_from(stage, [article], countdown=delay, retries=retries + 1)

    def _resend_singles(self, stage: str, articles: list[Article], exc: BaseException) -> None:
        if len(articles) == 1:
            record_failure(self.engine, articles[0].id, stage, exc)
            return
        log.warning("%s: a batch of %d ran out of time (%s); re-sent one by one", stage,
                    len(articles), type(exc).__name__)
        self._send_from(stage, articles)

    def _send_from(self, stage: str, articles: list[Article], *, countdown: float = 0,
                   retries: int = 0) -> None:
        """Each article in its own chain from ``stage`` on."""
        from workers.producer.publish import chain_from

        fuse = self.settings.pipeline.local_fetch_in_clean
        for article in articles:
            chain_from(self.app, stage, [encode(article)], local_fetch_in_clean=fuse,
                       retries=retries).apply_async(countdown=countdown)
