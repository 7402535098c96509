"""Reading articles back: the export record, filters, and streamed iteration.

The export record is built from the stored Article JSON (``articles.payload``) with the
store-owned fields taken from their columns, so it is the same on both backends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, Select, exists, false, func, or_, select

from tasks.storage.db import busy_errors
from tasks.storage.entity_index import norm_name
from tasks.storage.schema import article_entities, articles, entities, entity_aliases

__all__ = [
    "EXPORT_FIELDS",
    "ArticleFilter",
    "article_select",
    "export_record",
    "get_article",
    "iter_articles",
]

logger = logging.getLogger(__name__)

EXPORT_FIELDS: tuple[str, ...] = (
    "id",
    "item_id",
    "source",
    "title",
    "publisher",
    "author",
    "published",
    "canonical_url",
    "language",
    "text",
    "removed",
    "translation",
    "entities",
    "quotes",
    "keywords",
    "dates",
    "summary",
    "provenance",
    "content_hash",
    "duplicate_of",
    "story_id",
    "stored_at",
)
STREAM_CHUNK = 200


class ArticleFilter(BaseModel):
    query: str | None = Field(None, description="full-text query (all words must match)")
    entity: str | None = Field(
        None, description="canonical name, any alias, or a person's surname; any case"
    )
    language: str | None = None
    publisher: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    story_id: str | None = None
    include_duplicates: bool = False
    limit: int | None = Field(None, ge=1)


def export_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """One JSON-able dict per article (see ``EXPORT_FIELDS``)."""
    payload: dict[str, Any] = dict(row["payload"] or {})
    stored_at = row["stored_at"]
    return {
        "id": row["id"],
        "item_id": row["item_id"],
        "source": row["source"],
        "title": payload.get("title"),
        "publisher": payload.get("publisher"),
        "author": payload.get("author"),
        "published": payload.get("published"),
        "canonical_url": payload.get("canonical_url"),
        "language": row["language"],
        "text": row["text"],
        "removed": payload.get("removed") or [],
        "translation": payload.get("language_check", payload.get("translation")),
        "entities": [
            {
                "name": e["name"],
                "label": e["label"],
                "count": e.get("count", 0),
                "mentions": [
                    {k: m[k] for k in ("text", "start", "end")} for m in e.get("mentions") or []
                ],
                "provenance": e.get("provenance"),
            }
            for e in payload.get("entities") or []
        ],
        "quotes": [
            {k: q.get(k) for k in ("speaker", "text", "start", "end", "kind", "provenance")}
            for q in payload.get("quotes") or []
        ],
        "keywords": payload.get("keywords") or [],
        "dates": payload.get("dates") or [],
        "summary": payload.get("summary"),
        # Where each field came from: clean's metadata sources, extract's components.
        "provenance": {
            **(payload.get("metadata_provenance") or {}),
            **(payload.get("extract_provenance") or {}),
        },
        "content_hash": row["content_hash"],
        "duplicate_of": row["duplicate_of"],
        "story_id": row["story_id"],
        "stored_at": stored_at.isoformat() if stored_at is not None else None,
    }


_COLUMNS = (
    articles.c.id,
    articles.c.item_id,
    articles.c.source,
    articles.c.language,
    articles.c.text,
    articles.c.content_hash,
    articles.c.duplicate_of,
    articles.c.story_id,
    articles.c.payload,
    articles.c.stored_at,
)


def article_select(filters: ArticleFilter) -> Select[Any]:
    """Articles matching every filter but ``query`` (full text is ``search``'s job)."""
    stmt = select(*_COLUMNS)
    if not filters.include_duplicates:
        stmt = stmt.where(articles.c.duplicate_of.is_(None))
    if filters.language:
        stmt = stmt.where(func.lower(articles.c.language) == filters.language.lower())
    if filters.publisher:
        stmt = stmt.where(func.lower(articles.c.publisher) == filters.publisher.lower())
    if filters.date_from:
        stmt = stmt.where(articles.c.published_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(articles.c.published_date <= filters.date_to)
    if filters.story_id:
        stmt = stmt.where(articles.c.story_id == filters.story_id)
    if filters.entity:
        wanted = filters.entity.casefold()
        norm = norm_name(filters.entity)
        named = (
            select(article_entities.c.article_id)
            .join(entities, entities.c.id == article_entities.c.entity_id)
            .where(
                or_(
                    entities.c.norm == norm,
                    # One word names a person by surname too ("Stoltenberg").
                    entities.c.surname == norm if norm and " " not in norm else false(),
                    exists().where(
                        entity_aliases.c.entity_id == entities.c.id,
                        func.lower(entity_aliases.c.alias) == wanted,
                    ),
                )
            )
        )
        stmt = stmt.where(articles.c.id.in_(named))
    return stmt


def get_article(engine: Engine, article_id: str) -> dict[str, Any] | None:
    with busy_errors("get_article"), engine.connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(articles.c.id == article_id)).mappings().first()
    return export_record(row) if row is not None else None


def iter_articles(engine: Engine, filters: ArticleFilter) -> Iterator[dict[str, Any]]:
    """Export records in storage order, streamed (server-side cursor on PostgreSQL)."""
    if filters.query:
        from tasks.storage.search import search

        yield from search(engine, filters)
        return
    stmt = article_select(filters).order_by(articles.c.stored_at, articles.c.id)
    if filters.limit:
        stmt = stmt.limit(filters.limit)
    with busy_errors("iter_articles"), engine.connect() as conn:
        result = conn.execution_options(yield_per=STREAM_CHUNK).execute(stmt).mappings()
        for row in result:
            yield export_record(row)
