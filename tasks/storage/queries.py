"""Reading articles back: one by id (or id prefix), or all of them streamed, filtered.

Records are ``ExportRecord`` JSON (``export_record``); full-text queries go to ``search``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Engine, select

from tasks.storage.db import busy_errors
from tasks.storage.export_record import EXPORT_FIELDS, ExportRecord
from tasks.storage.filters import (
    ARTICLE_COLUMNS,
    ArticleFilter,
    article_select,
    ids_with_prefix,
)
from tasks.storage.schema import articles
from tasks.storage.search import search

__all__ = [
    "EXPORT_FIELDS",
    "ArticleFilter",
    "article_ids_with_prefix",
    "article_select",
    "export_record",
    "get_article",
    "iter_articles",
]

logger = logging.getLogger(__name__)

STREAM_CHUNK = 200


def export_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """One JSON-able dict per article (the fields of ``ExportRecord``, in order)."""
    return ExportRecord.from_row(row).json_dict()


def get_article(engine: Engine, article_id: str) -> dict[str, Any] | None:
    stmt = select(*ARTICLE_COLUMNS).where(articles.c.id == article_id)
    with busy_errors("get_article"), engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return export_record(row) if row is not None else None


def article_ids_with_prefix(engine: Engine, prefix: str, limit: int = 10) -> list[str]:
    """Stored article ids starting with ``prefix``, sorted, at most ``limit``."""
    return ids_with_prefix(engine, articles.c.id, prefix, limit)


def iter_articles(engine: Engine, filters: ArticleFilter) -> Iterator[dict[str, Any]]:
    """Export records in storage order, streamed (server-side cursor on PostgreSQL)."""
    if filters.query:
        yield from search(engine, filters)
        return
    stmt = article_select(filters).order_by(articles.c.stored_at, articles.c.id)
    if filters.limit:
        stmt = stmt.limit(filters.limit)
    with busy_errors("iter_articles"), engine.connect() as conn:
        result = conn.execution_options(yield_per=STREAM_CHUNK).execute(stmt).mappings()
        for row in result:
            yield export_record(row)
