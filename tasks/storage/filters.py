"""What the read side selects: the article columns and ``ArticleFilter`` as a SELECT.

Shared by ``queries`` (streamed export, one article) and ``search`` (full text), so neither
imports the other's internals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Column, Engine, Select, exists, false, func, or_, select

from tasks.storage.db import read_tx
from tasks.storage.entity_index import norm_name
from tasks.storage.schema import article_entities, articles, entities, entity_aliases

__all__ = ["ARTICLE_COLUMNS", "ArticleFilter", "article_select", "ids_with_prefix"]


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
    source: str | None = Field(
        None, description="the source (path or URL) or its beginning: a folder, a site"
    )
    include_duplicates: bool = False
    limit: int | None = Field(None, ge=1)


# The columns ``ExportRecord.from_row`` reads.
ARTICLE_COLUMNS = (
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
    stmt = select(*ARTICLE_COLUMNS)
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
    if filters.source:
        # substr, not LIKE: a path's "_" or "%" is no wildcard (see ids_with_prefix)
        prefix = func.substr(articles.c.source, 1, len(filters.source))
        stmt = stmt.where(prefix == filters.source)
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


def ids_with_prefix(engine: Engine, id_column: Column[Any], prefix: str, limit: int) -> list[str]:
    """Values of ``id_column`` starting with ``prefix`` (case-sensitive), sorted, at most
    ``limit``: what a unique id prefix (``newsflow show 1361``) resolves against.

    ``substr`` rather than ``LIKE``: SQLite's LIKE ignores case, and ``_``/``%`` in an id
    would be wildcards.
    """
    stmt = (
        select(id_column)
        .where(func.substr(id_column, 1, len(prefix)) == prefix)
        .order_by(id_column)
        .limit(limit)
    )
    with read_tx(engine, f"{id_column.table.name} ids with prefix") as conn:
        return [str(value) for value in conn.execute(stmt).scalars()]
