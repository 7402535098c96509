"""The chain as data, the failure policy, and an in-process runner over the same functions.

Celery tasks (``workers.stage_tasks``) and the in-process baseline (``run_inline``, used by
benchmarks and tests) call exactly these stage adapters, so both paths share one behaviour.
This module never imports Celery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from config.settings import STAGE_NAMES, Settings
from tasks.errors import PermanentError, RetryableError
from tasks.models import Article

__all__ = [
    "STAGES",
    "FailureOutcome",
    "StageFn",
    "record_failure",
    "run_inline",
    "run_stage",
]

log = logging.getLogger(__name__)

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
        ledger.record_dead(engine, article_id, stage, outcome.message)
    log.warning(
        "article %s %s at %s: %s", article_id, outcome.state, stage, outcome.message
    )
    return outcome


def run_inline(
    article: Article, settings: Settings, stages: tuple[str, ...] = STAGE_NAMES
) -> Article | FailureOutcome:
    """Run the whole chain in this process: the baseline the Celery path is measured against.

    Retryable errors are not retried here (there is no broker to back off on); they end the
    item as dead, exactly as exhausted retries would in a worker.
    """
    for stage in stages:
        try:
            article = run_stage(stage, article, settings)
        except Exception as exc:
            return record_failure(settings, article.id, stage, exc)
    return article
