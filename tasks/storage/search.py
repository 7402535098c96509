"""Full-text search: SQLite FTS5 or a PostgreSQL tsvector, plus every ``ArticleFilter``.

Both indexes tokenise without stemming and casefold, so a query finds the same articles on
either backend: every word of the query must occur (in the title or the text). Ranking is
each engine's own (bm25 on SQLite, ts_rank_cd on PostgreSQL), highest first.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import ColumnClause, Engine, column, func, literal_column, table

from tasks.storage.db import busy_errors, is_postgres
from tasks.storage.export_record import ExportRecord
from tasks.storage.filters import ArticleFilter, article_select
from tasks.storage.schema import articles

__all__ = ["query_words", "search"]

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
_WORD = re.compile(r"\w+")
_fts = table("articles_fts", column("article_id"))


def query_words(query: str) -> list[str]:
    """The query's words; operators and punctuation are never passed to the engine."""
    return _WORD.findall(query.casefold())


def search(engine: Engine, filters: ArticleFilter) -> list[dict[str, Any]]:
    """Export records matching ``filters.query`` and the other filters, best first.

    Each record carries an extra ``rank`` (higher is better; comparable within one result).
    """
    words = query_words(filters.query or "")
    if not words:
        return []
    stmt = article_select(filters)
    if is_postgres(engine):
        tsquery = func.plainto_tsquery("simple", " ".join(words))
        vector: ColumnClause[Any] = literal_column("articles.search_vector")
        rank = func.ts_rank_cd(vector, tsquery).label("rank")
        stmt = stmt.add_columns(rank).where(vector.op("@@")(tsquery))
    else:
        # Each word quoted: FTS5 syntax (AND, NEAR, *, column:) in user input stays literal.
        match = " ".join(f'"{w}"' for w in words)
        rank = (-literal_column("bm25(articles_fts, 0.0, 2.0, 1.0)")).label("rank")
        stmt = (
            stmt.add_columns(rank)
            .join(_fts, _fts.c.article_id == articles.c.id)
            .where(literal_column("articles_fts").op("MATCH")(match))
        )
    stmt = stmt.order_by(rank.desc(), articles.c.id).limit(filters.limit or DEFAULT_LIMIT)
    with busy_errors("search"), engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    logger.debug("search %r: %d hits", filters.query, len(rows))
    return [{**ExportRecord.from_row(row).json_dict(), "rank": float(row["rank"])} for row in rows]
