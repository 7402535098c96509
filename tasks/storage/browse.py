"""What the web pages and the HTTP API page through, beside the CLI's overviews (``catalog``):
stories newest first or fastest growing, the articles of a filter newest first, one
entity with its articles, and the per-day counts behind their charts.

Pages are cut by keyset (the last row's sort key), so a page never repeats or skips a row
when articles arrive between two requests; the growing list is ranked by a count, so it is
cut by offset. Duplicates are left out everywhere, as in ``catalog``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from tasks.storage.catalog import story_summaries
from tasks.storage.db import read_tx
from tasks.storage.export_record import ExportRecord
from tasks.storage.filters import ArticleFilter, article_select
from tasks.storage.schema import article_entities, articles, entities, entity_aliases, stories

__all__ = [
    "DAY_BASIS",
    "article_entity_ids",
    "articles_page",
    "entity_articles",
    "entity_days",
    "entity_detail",
    "stories_growing",
    "stories_latest",
    "story_days",
    "story_entities",
]

# An article's day on a chart: its publication day, else the day it was stored (the seeds
# and many plain files carry no date, and a chart without them would be empty).
DAY_BASIS = "publication day (the day stored when unknown)"


def stories_latest(
    engine: Engine, limit: int, after: tuple[datetime, str] | None = None, min_articles: int = 1
) -> list[dict[str, Any]]:
    """Stories most recently joined first; ``after`` is the previous page's last
    (``updated_at``, ``id``)."""
    query = select(stories).where(stories.c.article_count >= min_articles)
    if after is not None:
        at, story_id = after
        query = query.where(
            or_(stories.c.updated_at < at,
                and_(stories.c.updated_at == at, stories.c.id < story_id))
        )
    query = query.order_by(stories.c.updated_at.desc(), stories.c.id.desc()).limit(limit)
    with read_tx(engine, "stories_latest") as conn:
        rows = conn.execute(query).mappings().all()
        summaries = story_summaries(conn, rows)
    for summary, row in zip(summaries, rows, strict=True):
        summary["updated_at"] = row["updated_at"]
    return summaries


def stories_growing(
    engine: Engine, since: datetime, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """Stories by the number of original articles they gained since ``since``, most first."""
    recent = func.count(articles.c.id).label("recent")
    query = (
        select(stories, recent)
        .join(articles, articles.c.story_id == stories.c.id)
        .where(articles.c.stored_at >= since, articles.c.duplicate_of.is_(None))
        .group_by(*stories.c)
        .order_by(recent.desc(), stories.c.updated_at.desc(), stories.c.id)
        .limit(limit)
        .offset(offset)
    )
    with read_tx(engine, "stories_growing") as conn:
        rows = conn.execute(query).mappings().all()
        summaries = story_summaries(conn, rows)
    for summary, row in zip(summaries, rows, strict=True):
        summary["recent_articles"] = int(row["recent"])
    return summaries


def story_entities(engine: Engine, story_id: str, limit: int = 40) -> list[dict[str, Any]]:
    """The story's entities by the number of its articles naming them (shared ones first)."""
    n_articles = func.count(func.distinct(article_entities.c.article_id)).label("articles")
    query = (
        select(entities.c.id, entities.c.name, entities.c.label, n_articles)
        .join(article_entities, article_entities.c.entity_id == entities.c.id)
        .join(articles, articles.c.id == article_entities.c.article_id)
        .where(articles.c.story_id == story_id, articles.c.duplicate_of.is_(None))
        .group_by(entities.c.id, entities.c.name, entities.c.label)
        .order_by(n_articles.desc(), entities.c.name, entities.c.id)
        .limit(limit)
    )
    with read_tx(engine, "story_entities") as conn:
        return [
            {"id": r.id, "name": r.name, "label": r.label, "article_count": int(r.articles)}
            for r in conn.execute(query)
        ]


def _day(published: date | None, stored_at: datetime) -> str:
    return (published or stored_at.date()).isoformat()


def _per_day(rows: Iterable[tuple[date | None, datetime, int]]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for published, stored_at, weight in rows:
        counts[_day(published, stored_at)] += weight
    return sorted(counts.items())


def story_days(engine: Engine, story_id: str) -> list[tuple[str, int]]:
    """Articles of the story per day (``DAY_BASIS``), oldest day first."""
    query = select(articles.c.published_date, articles.c.stored_at).where(
        articles.c.story_id == story_id, articles.c.duplicate_of.is_(None)
    )
    with read_tx(engine, "story_days") as conn:
        return _per_day((p, s, 1) for p, s in conn.execute(query))


def articles_page(
    engine: Engine, filters: ArticleFilter, limit: int, before: tuple[datetime, str] | None = None
) -> list[dict[str, Any]]:
    """Export records matching ``filters`` (not ``query``: that is ``search``), newest
    stored first; ``before`` is the previous page's last (``stored_at``, ``id``)."""
    stmt = article_select(filters)
    if before is not None:
        at, article_id = before
        stmt = stmt.where(
            or_(articles.c.stored_at < at,
                and_(articles.c.stored_at == at, articles.c.id < article_id))
        )
    stmt = stmt.order_by(articles.c.stored_at.desc(), articles.c.id.desc()).limit(limit)
    with read_tx(engine, "articles_page") as conn:
        return [ExportRecord.from_row(r).json_dict() for r in conn.execute(stmt).mappings()]


def entity_detail(engine: Engine, entity_id: int) -> dict[str, Any] | None:
    """One canonical entity with its aliases (every spelling and script seen) and the number
    of original articles naming it."""
    n_articles = (
        select(func.count(func.distinct(article_entities.c.article_id)))
        .join(articles, articles.c.id == article_entities.c.article_id)
        .where(article_entities.c.entity_id == entity_id, articles.c.duplicate_of.is_(None))
        .scalar_subquery()
    )
    with read_tx(engine, "entity_detail") as conn:
        row = conn.execute(
            select(entities.c.id, entities.c.name, entities.c.label, n_articles.label("n"))
            .where(entities.c.id == entity_id)
        ).first()
        if row is None:
            return None
        aliases = list(conn.execute(
            select(entity_aliases.c.alias)
            .where(entity_aliases.c.entity_id == entity_id)
            .order_by(entity_aliases.c.alias)
        ).scalars())
    return {"id": row.id, "name": row.name, "label": row.label, "aliases": aliases,
            "article_count": int(row.n or 0)}


def _naming(entity_id: int) -> Any:
    return select(article_entities.c.article_id).where(article_entities.c.entity_id == entity_id)


def entity_articles(engine: Engine, entity_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Export records of the original articles naming the entity, newest stored first."""
    stmt = (
        article_select(ArticleFilter())
        .where(articles.c.id.in_(_naming(entity_id)))
        .order_by(articles.c.stored_at.desc(), articles.c.id.desc())
        .limit(limit)
    )
    with read_tx(engine, "entity_articles") as conn:
        return [ExportRecord.from_row(r).json_dict() for r in conn.execute(stmt).mappings()]


def entity_days(engine: Engine, entity_id: int) -> list[tuple[str, int]]:
    """Mentions of the entity per day (``DAY_BASIS``) in original articles, oldest first."""
    query = (
        select(articles.c.published_date, articles.c.stored_at, article_entities.c.count)
        .join(article_entities, article_entities.c.article_id == articles.c.id)
        .where(article_entities.c.entity_id == entity_id, articles.c.duplicate_of.is_(None))
    )
    with read_tx(engine, "entity_days") as conn:
        return _per_day((p, s, max(int(n or 0), 1)) for p, s, n in conn.execute(query))


def article_entity_ids(engine: Engine, article_id: str) -> dict[tuple[str, str], int]:
    """(name the article used, label) -> canonical entity id, to link an article's entities."""
    query = (
        select(article_entities.c.name, entities.c.label, entities.c.id)
        .join(entities, entities.c.id == article_entities.c.entity_id)
        .where(article_entities.c.article_id == article_id)
    )
    with read_tx(engine, "article_entity_ids") as conn:
        return {(name, label): int(eid) for name, label, eid in conn.execute(query)}
