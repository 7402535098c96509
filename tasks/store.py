"""The store stage: the article into the database, exactly once, with its duplicate and story.

A plain function like every stage; the caller passes the engine (the worker keeps one per
process, ``tasks.storage.db.get_engine``). ``store_many`` stores a message's articles in
one transaction (the stage's batch function). Database lock and connection failures raise
``DatabaseBusy`` (retryable); an article without text raises ``EmptyInput`` (permanent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.models import Article
from tasks.storage.repository import store_article, store_batch

__all__ = ["store", "store_many", "warm_ups"]

logger = logging.getLogger(__name__)


def store(article: Article, settings: StoreSettings, engine: Engine) -> Article:
    """Store ``article``; returns it with ``content_hash``, ``verdict``, ``duplicate_of`` and
    ``story_id`` set. Idempotent: a redelivered item returns its first verdict."""
    stored = store_article(engine, article, settings)
    logger.debug("store stage done for article %s: %s", article.id, stored.verdict)
    return stored


def store_many(articles: list[Article], settings: StoreSettings,
               engine: Engine) -> list[Article | Exception]:
    """A message's articles in one transaction (``store_batch``); one result per article."""
    return store_batch(engine, articles, settings)


def warm_ups(settings: StoreSettings) -> list[tuple[str, Callable[[], object]]]:
    """Before the worker forks: this module's imports (SQLAlchemy, numpy) are done by now;
    the MinHash permutations are made once."""
    return [("storage", partial(_minhash_once, settings.minhash_permutations))]


def _minhash_once(permutations: int) -> None:
    from tasks.storage.dedup import signature

    signature("a warm-up text for the MinHash permutations " * 3, permutations)
