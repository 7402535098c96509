"""The chain as data, the failure policy, and an in-process runner over the same functions.

Celery tasks (``workers.stage_tasks``) and the in-process baseline (``run_inline``, used by
benchmarks and tests) call exactly these stage adapters, so both paths share one behaviour.
This module never imports Celery.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Literal, TypeVar

from config.settings import STAGE_NAMES, Settings
from tasks.errors import PermanentError, RetryableError
from tasks.models import Article

__all__ = [
    "STAGES",
    "ArticleOutcome",
    "FailureOutcome",
    "StageBatchEvent",
    "StageFn",
    "StageObserver",
    "StageResult",
    "add_observer",
    "outcome_of",
    "record_failure",
    "remove_observer",
    "run_inline",
    "run_inline_batch",
    "run_stage",
    "run_stage_batch",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

StageFn = Callable[[Article, Settings], Article]


def _fetch(article: Article, settings: Settings) -> Article:
    from tasks.fetch import fetch

    return fetch(article, settings.fetch)


def _clean(article: Article, settings: Settings) -> Article:
    from tasks.clean import clean

    return clean(article, settings.clean)


def _translate_check(article: Article, settings: Settings) -> Article:
    from tasks.translate_check import translate_check

    return translate_check(article, settings.translate)


def _extract(article: Article, settings: Settings) -> Article:
    from tasks.extract import extract

    return extract(article, settings.extract)


def _store(article: Article, settings: Settings) -> Article:
    from tasks.storage.db import get_engine
    from tasks.store import store

    return store(article, settings.store, get_engine(settings.database_url.get_secret_value()))


# Imports live inside the adapters so that importing the pipeline (the CLI does) stays cheap;
# a worker pays for trafilatura/spaCy/lingua once, on its first article.
STAGES: Mapping[str, StageFn] = {
    "fetch": _fetch,
    "clean": _clean,
    "translate_check": _translate_check,
    "extract": _extract,
    "store": _store,
}
if tuple(STAGES) != STAGE_NAMES:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError("tasks.pipeline.STAGES must follow config.settings.STAGE_NAMES")


def run_stage(stage: str, article: Article, settings: Settings) -> Article:
    return STAGES[stage](article, settings)


# One entry per input article, in order: the article the stage returned, or what it raised.
StageResult = Article | Exception


def _extract_batch(articles: list[Article], settings: Settings) -> list[StageResult]:
    from tasks.extract import extract_batch

    return extract_batch(articles, settings.extract)


# Stages that gain from seeing several articles at once (spaCy's nlp.pipe).
BATCH_STAGES: Mapping[str, Callable[[list[Article], Settings], list[StageResult]]] = {
    "extract": _extract_batch,
}


@dataclass(frozen=True)
class ArticleOutcome:
    """One article's fate at one stage (one log line, one metric sample)."""

    article_id: str
    batch_id: str | None
    outcome: str  # ok | stored | duplicate | rejected | retry | error
    seconds: float


@dataclass(frozen=True)
class StageBatchEvent:
    """What one ``run_stage_batch`` call did: a Celery message, or a chunk of the baseline."""

    stage: str
    seconds: float
    articles: tuple[ArticleOutcome, ...]


StageObserver = Callable[[StageBatchEvent], None]
# Observers (workers.metrics registers one in a worker) see every batch of both paths; with
# none registered the hook costs one empty loop.
_observers: list[StageObserver] = []


def add_observer(observer: StageObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: StageObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def outcome_of(result: StageResult) -> str:
    """A short outcome label: the store's own verdict, ``ok``, or the failure class."""
    if isinstance(result, Article):
        return result.outcome or "ok"
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
) -> None:
    outcomes = tuple(
        ArticleOutcome(a.id, a.batch_id, outcome_of(r), s)
        for a, r, s in zip(articles, results, seconds, strict=True)
    )
    if log.isEnabledFor(logging.INFO):
        for item in outcomes:
            ms = round(item.seconds * 1000, 1)
            # One line per article per stage; the ids and figures also go in ``extra`` so a
            # JSON formatter can emit them as fields.
            log.info(
                "article %s batch %s stage %s %s %.1f ms",
                item.article_id,
                item.batch_id,
                stage,
                item.outcome,
                ms,
                extra={
                    "article_id": item.article_id,
                    "batch_id": item.batch_id,
                    "stage": stage,
                    "outcome": item.outcome,
                    "ms": ms,
                },
            )
    event = StageBatchEvent(stage, total, outcomes)
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
    stage: str, articles: list[Article], settings: Settings,
    let_through: tuple[type[BaseException], ...],
) -> tuple[list[StageResult], list[float]]:
    results: list[StageResult] = []
    seconds: list[float] = []
    for article in articles:
        begun = time.perf_counter()
        results.append(_attempt(partial(run_stage, stage, article, settings), let_through))
        seconds.append(time.perf_counter() - begun)
    return results, seconds


def run_stage_batch(
    stage: str, articles: list[Article], settings: Settings,
    *, let_through: tuple[type[BaseException], ...] = (),
) -> list[StageResult]:
    """Run one stage over a micro-batch; a failing article never fails the others.

    Batch stages (``nlp.pipe``) cannot time one article; each gets the batch's mean. A batch
    function that raises (one poisonous text) is redone one article at a time.
    """
    started = time.perf_counter()
    if stage in BATCH_STAGES and len(articles) > 1:
        batch = _attempt(partial(BATCH_STAGES[stage], articles, settings), let_through)
        if isinstance(batch, Exception):
            log.error("stage %s failed on a batch of %d; one by one", stage, len(articles),
                      exc_info=batch)
            results, seconds = _one_by_one(stage, articles, settings, let_through)
        else:
            results = batch
            seconds = [(time.perf_counter() - started) / len(articles)] * len(articles)
    else:
        results, seconds = _one_by_one(stage, articles, settings, let_through)
    _report(stage, articles, results, seconds, time.perf_counter() - started)
    return results


@dataclass(frozen=True)
class FailureOutcome:
    state: Literal["rejected", "dead"]
    reason: str
    message: str


def record_failure(
    settings: Settings, article_id: str, stage: str, exc: BaseException
) -> FailureOutcome:
    """Write a terminal failure to the ledger: rejected for bad input, dead for the rest."""
    from tasks.storage import ledger
    from tasks.storage.db import get_engine

    engine = get_engine(settings.database_url.get_secret_value())
    if isinstance(exc, PermanentError):
        outcome = FailureOutcome("rejected", exc.reason, exc.message)
        ledger.record_rejected(engine, article_id, stage, exc.reason, exc.message)
    else:
        reason = exc.reason if isinstance(exc, RetryableError) else type(exc).__name__
        outcome = FailureOutcome("dead", reason, f"{type(exc).__name__}: {exc}")
        ledger.record_dead(engine, article_id, stage, outcome.message, reason=reason)
    log.warning("article %s %s at %s: %s", article_id, outcome.state, stage, outcome.message)
    return outcome


def run_inline_batch(
    articles: list[Article], settings: Settings, stages: tuple[str, ...] = STAGE_NAMES
) -> list[Article | FailureOutcome]:
    """Run the whole chain in this process: the baseline the Celery path is measured against.

    Retryable errors are not retried here (there is no broker to back off on); they end the
    item as dead, exactly as exhausted retries would in a worker.
    """
    outcomes: dict[str, Article | FailureOutcome] = {}
    alive = list(articles)
    for stage in stages:
        survivors = []
        for article, result in zip(alive, run_stage_batch(stage, alive, settings), strict=True):
            if isinstance(result, Exception):
                outcomes[article.id] = record_failure(settings, article.id, stage, result)
            else:
                survivors.append(result)
        alive = survivors
    outcomes.update({a.id: a for a in alive})
    return [outcomes[a.id] for a in articles]


def run_inline(article: Article, settings: Settings) -> Article | FailureOutcome:
    return run_inline_batch([article], settings)[0]
