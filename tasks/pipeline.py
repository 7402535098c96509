"""Running the stages: the one place that catches their errors, and each article's fate.

Celery tasks (``workers.runtime.stage_task.StageTask``) and the in-process baseline
(``run_inline_batch``, used by benchmarks and tests) run the stages of the registry
(``tasks.stages``) through ``run_stage_batch``, so both paths share one behaviour. Like
scrapy's ``core/scraper.py``, one function (``fate_of``) maps what a stage did to an
article's fate. This module never imports Celery.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Literal, TypeVar

from config.settings import Settings
from tasks.cpu_meter import metering, shares
from tasks.errors import DatabaseFull, PermanentError, RetryableError
from tasks.models import Article
from tasks.stages import STAGE_NAMES, Resources, stage_named
from tasks.storage.recognise import recognised

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "ArticleFate",
    "Fate",
    "InlineResources",
    "StageBatchEvent",
    "StageObserver",
    "StageResult",
    "TerminalFailure",
    "add_observer",
    "fate_of",
    "record_failure",
    "remove_observer",
    "run_inline_batch",
    "run_stage",
    "run_stage_batch",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_stage(stage: str, article: Article, resources: Resources) -> Article:
    """One stage on one article, no catching, no report (the worker's warm-up uses it)."""
    return stage_named(stage).run(article, resources)


# One entry per input article, in order: the article the stage returned, or what it raised.
StageResult = Article | Exception


# What happened to one article at one stage: the store's verdict, ``ok`` for any other
# stage's success, or the kind of failure (the metric label and the log field ``outcome``).
Fate = Literal["ok", "stored", "duplicate", "rejected", "retry", "error"]


@dataclass(frozen=True)
class ArticleFate:
    """One article's fate at one stage (one log line, one metric sample)."""

    article_id: str
    batch_id: str | None
    fate: Fate
    seconds: float
    cpu_seconds: float = 0.0  # this process's CPU time (benchmarks compare paths with it)


@dataclass(frozen=True)
class StageBatchEvent:
    """What one ``run_stage_batch`` call did: a Celery message, or a chunk of the baseline."""

    stage: str
    seconds: float
    articles: tuple[ArticleFate, ...]
    cpu_seconds: float = 0.0


StageObserver = Callable[[StageBatchEvent], None]
# Observers (workers.runtime.metrics registers one in a worker) see every batch of both paths; with
# none registered the hook costs one empty loop.
_observers: list[StageObserver] = []


def add_observer(observer: StageObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: StageObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def fate_of(result: StageResult) -> Fate:
    """The one map from a stage's result to a fate (scrapy's outcome map, for articles)."""
    if isinstance(result, Article):
        return result.verdict or "ok"
    if isinstance(result, PermanentError):
        return "rejected"
    if isinstance(result, RetryableError):
        return "retry"
    return "error"


def _report(
    stage: str,
    articles: list[Article],
    results: list[StageResult],
    seconds: list[float],
    total: float,
    cpu: list[float],
) -> None:
    fates = tuple(
        ArticleFate(a.id, a.batch_id, fate_of(r), s, c)
        for a, r, s, c in zip(articles, results, seconds, cpu, strict=True)
    )
    if log.isEnabledFor(logging.INFO):
        for item in fates:
            ms = round(item.seconds * 1000, 1)
            # One line per article per stage; the ids and figures also go in ``extra`` so a
            # JSON formatter can emit them as fields.
            log.info(
                "article %s batch %s stage %s %s %.1f ms",
                item.article_id,
                item.batch_id,
                stage,
                item.fate,
                ms,
                extra={
                    "article_id": item.article_id,
                    "batch_id": item.batch_id,
                    "stage": stage,
                    "outcome": item.fate,
                    "ms": ms,
                },
            )
    event = StageBatchEvent(stage, total, fates, sum(cpu))
    for observer in list(_observers):
        try:
            observer(event)
        except Exception:  # metrics must never cost an article its result
            log.exception("stage observer %r failed", observer)


def _attempt(call: Callable[[], T], let_through: tuple[type[BaseException], ...]) -> T | Exception:
    """The one place that catches a stage's errors: what it raised becomes its result.

    ``let_through`` are the exceptions that belong to the caller's runtime, not to the
    article (Celery's soft time limit is an ordinary ``Exception``); they, and every
    ``BaseException``, propagate.
    """
    try:
        return call()
    except let_through:
        raise
    except Exception as exc:
        return exc


def _one_by_one(
    stage: str, articles: list[Article], resources: Resources,
    let_through: tuple[type[BaseException], ...],
) -> tuple[list[StageResult], list[float], list[float]]:
    results: list[StageResult] = []
    seconds: list[float] = []
    cpu: list[float] = []
    for article in articles:
        begun, begun_cpu = time.perf_counter(), time.process_time()
        results.append(_attempt(partial(run_stage, stage, article, resources), let_through))
        seconds.append(time.perf_counter() - begun)
        cpu.append(time.process_time() - begun_cpu)
    return results, seconds, cpu


def run_stage_batch(
    stage: str, articles: list[Article], resources: Resources,
    *, let_through: tuple[type[BaseException], ...] = (),
) -> list[StageResult]:
    """Run one stage over a micro-batch; a failing article never fails the others.

    The stage's duplicate gate runs first (``Stage.gate``); articles it recognises as copies
    of stored originals pass a ``passes_duplicates`` stage untouched. A gate or a batch function
    (``nlp.pipe``, the store's transaction) charges an article the work it did for it alone
    (``tasks.cpu_meter``); the rest of its CPU is shared evenly. A batch function that
    raises (one poisonous text) is redone one article at a time.
    """
    started, started_cpu = time.perf_counter(), time.process_time()
    record = stage_named(stage)
    with metering() as own:  # what the gate spent on each article alone
        gated = _attempt(partial(record.run_gate, articles, resources), let_through)
    if isinstance(gated, Exception):
        # Only a saving: without it every article simply goes the full path.
        log.warning("stage %s: duplicate gate failed (%s); no article skipped", stage, gated)
    n = max(1, len(articles))
    gate_s = (time.perf_counter() - started) / n
    # an original's signature is not a copy's cost: only the look-ups are shared evenly
    gate_cpu = shares([own.get(a.id, 0.0) for a in articles], time.process_time() - started_cpu)
    passed = [record.passes_duplicates and recognised(a) for a in articles]
    work = [a for a, p in zip(articles, passed, strict=True) if not p]
    done = iter(zip(*_run(stage, work, resources, let_through), strict=True))
    results: list[StageResult] = []
    seconds: list[float] = []
    cpu: list[float] = []
    for article, was_passed, own_gate_cpu in zip(articles, passed, gate_cpu, strict=True):
        result, spent, spent_cpu = (article, 0.0, 0.0) if was_passed else next(done)
        results.append(result)
        seconds.append(gate_s + spent)
        cpu.append(own_gate_cpu + spent_cpu)
    _report(stage, articles, results, seconds, time.perf_counter() - started, cpu)
    return results


def _run(
    stage: str, articles: list[Article], resources: Resources,
    let_through: tuple[type[BaseException], ...],
) -> tuple[list[StageResult], list[float], list[float]]:
    if not articles:
        return [], [], []
    record = stage_named(stage)
    if record.batch_function is not None and len(articles) > 1:
        started, started_cpu = time.perf_counter(), time.process_time()
        with metering() as own:  # what the batch function spent on each article alone
            batch = _attempt(partial(record.run_batch, articles, resources), let_through)
        if isinstance(batch, Exception):
            if isinstance(batch, DatabaseFull):
                # A full disk never frees itself: a human must act, and its message names the
                # database (SQLite file or host:port/name) whose disk it is. Still no traceback.
                log.error("stage %s: a batch of %d met %s; one by one", stage,
                          len(articles), batch)
            elif isinstance(batch, RetryableError):
                # Expected weather (the database restarting, a lock): each article meets it
                # again alone and gets its retry; no traceback for an operator to chase.
                log.warning("stage %s: a batch of %d met %s; one by one", stage,
                            len(articles), batch)
            else:
                log.error("stage %s failed on a batch of %d; one by one", stage,
                          len(articles), exc_info=batch)
            return _one_by_one(stage, articles, resources, let_through)
        n = len(articles)
        return (batch, [(time.perf_counter() - started) / n] * n,
                shares([own.get(a.id, 0.0) for a in articles], time.process_time() - started_cpu))
    return _one_by_one(stage, articles, resources, let_through)


@dataclass(frozen=True)
class TerminalFailure:
    """How an item ended when it did not reach the store: the ledger's state and reason."""

    state: Literal["rejected", "dead"]
    reason: str
    message: str


def record_failure(engine: Engine, article_id: str, stage: str,
                   exc: BaseException) -> TerminalFailure:
    """Write a terminal failure to the ledger: rejected for bad input, dead for the rest."""
    from tasks.storage import ledger

    if isinstance(exc, PermanentError):
        failure = TerminalFailure("rejected", exc.reason, exc.message)
        ledger.record_rejected(engine, article_id, stage, exc.reason, exc.message)
    else:
        reason = exc.reason if isinstance(exc, RetryableError) else type(exc).__name__
        failure = TerminalFailure("dead", reason, f"{type(exc).__name__}: {exc}")
        ledger.record_dead(engine, article_id, stage, failure.message, reason=reason)
    log.warning("article %s %s at %s: %s", article_id, failure.state, stage, failure.message)
    return failure


@dataclass
class InlineResources:
    """The in-process runner's resources: its settings, and the engine of their database."""

    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from tasks.storage.db import get_engine

            self._engine = get_engine(self.settings.database_url.get_secret_value())
        return self._engine


def run_inline_batch(
    articles: list[Article], settings: Settings, stages: tuple[str, ...] = STAGE_NAMES
) -> list[Article | TerminalFailure]:
    """Run the whole chain in this process: the baseline the Celery path is measured against.

    Retryable errors are not retried here (there is no broker to back off on); they end the
    item as dead, exactly as exhausted retries would in a worker.
    """
    resources = InlineResources(settings)
    ends: dict[str, Article | TerminalFailure] = {}
    alive = list(articles)
    for stage in stages:
        survivors = []
        for article, result in zip(alive, run_stage_batch(stage, alive, resources), strict=True):
            if isinstance(result, Exception):
                ends[article.id] = record_failure(resources.engine, article.id, stage, result)
            else:
                survivors.append(result)
        alive = survivors
    ends.update({a.id: a for a in alive})
    return [ends[a.id] for a in articles]
