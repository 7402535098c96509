"""Overviews for the CLI: stories with their articles, canonical entities with their aliases.

Duplicates are left out of every count: a copy of an article is not a second report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, func, select

from tasks.nlp.embedding import decode_vector
from tasks.storage.db import read_tx
from tasks.storage.filters import ids_with_prefix
from tasks.storage.schema import (
    article_entities,
    article_vectors,
    articles,
    entities,
    entity_aliases,
    stories,
)

__all__ = ["list_entities", "list_stories", "story_ids_with_prefix", "story_summaries"]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# The headline is chosen among this many of a story's articles (the first stored): the cost
# of a listing stays bounded on a story of thousands of reports.
HEADLINE_CANDIDATES = 200


def _centrality(conn: Connection, ids: list[str]) -> dict[str, float]:
    """Mean cosine of each article's lead vector to the other articles' of its story: the
    article closest to what all the reports share scores highest."""
    vectors = {
        article_id: v
        for article_id, raw in conn.execute(
            select(article_vectors.c.article_id, article_vectors.c.vector).where(
                article_vectors.c.article_id.in_(ids)
            )
        )
        if (v := decode_vector(raw)) is not None
    }
    if len(vectors) < 2:
        return dict.fromkeys(vectors, 0.0)
    names = sorted(vectors)
    matrix = np.stack([vectors[n] for n in names])
    sums = (matrix @ matrix.T).sum(axis=1) - 1.0  # each vector is a unit vector
    return {n: float(x) / (len(names) - 1) for n, x in zip(names, sums, strict=True)}


def _headline(arts: list[dict[str, Any]], central: dict[str, float],
              language: str | None) -> dict[str, Any] | None:
    """The title of the story's most central article, in ``language`` when one is."""
    titled = [a for a in arts if a["title"]]
    preferred = [a for a in titled if language and a["language"] == language] or titled
    if not preferred:
        return None
    # ties (no vectors: stories stored before migration 0002) go to the first stored
    return max(preferred, key=lambda a: central.get(a["id"], 0.0))


def list_stories(
    engine: Engine,
    limit: int = 50,
    min_articles: int = 1,
    story_id: str | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Biggest (then newest) stories first, each with its articles and a headline: the title
    of its most central article, in ``language`` when the story has an article in it."""
    query = (
        select(stories)
        .where(stories.c.article_count >= min_articles)
        .order_by(stories.c.article_count.desc(), stories.c.updated_at.desc(), stories.c.id)
        .limit(limit)
    )
    if story_id is not None:
        query = query.where(stories.c.id == story_id)
    with read_tx(engine, "list_stories") as conn:
        rows = conn.execute(query).mappings().all()
        return story_summaries(conn, rows, language)


def story_summaries(
    conn: Connection, rows: Sequence[Mapping[Any, Any]], language: str | None = None
) -> list[dict[str, Any]]:
    """``stories`` rows as summaries with their original articles, languages, publishers and
    headline (one query for the articles of every row); shared with the web's paged story
    lists."""
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        for art in conn.execute(
            select(
                articles.c.id,
                articles.c.title,
                articles.c.language,
                articles.c.publisher,
                articles.c.published,
                articles.c.story_id,
            )
            .where(
                articles.c.story_id.in_([r["id"] for r in rows]),
                articles.c.duplicate_of.is_(None),
            )
            .order_by(articles.c.stored_at, articles.c.id)
        ).mappings():
            members[art["story_id"]].append(dict(art))
    central = {
        story: _centrality(conn, [a["id"] for a in arts[:HEADLINE_CANDIDATES]])
        for story, arts in members.items()
        if len(arts) > 1
    }
    result = []
    for row in rows:
        arts = members[row["id"]]
        headline = _headline(arts[:HEADLINE_CANDIDATES], central.get(row["id"], {}), language)
        result.append(
            {
                "id": row["id"],
                "label": row["label"],
                "headline": headline["title"] if headline else None,
                "headline_language": headline["language"] if headline else None,
                "article_count": len(arts),
                "first_date": _iso(row["first_date"]),
                "last_date": _iso(row["last_date"]),
                "articles": [
                    {k: a[k] for k in ("id", "title", "language", "publisher", "published")}
                    for a in arts
                ],
                "languages": sorted({a["language"] for a in arts if a["language"]}),
                "publishers": sorted({a["publisher"] for a in arts if a["publisher"]}),
            }
        )
    return result


def list_entities(
    engine: Engine, label: str | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Entities by the number of (original) articles mentioning them."""
    n_articles = func.count(func.distinct(article_entities.c.article_id)).label("article_count")
    query = (
        select(entities.c.id, entities.c.name, entities.c.label, n_articles)
        .join(article_entities, article_entities.c.entity_id == entities.c.id)
        .join(articles, articles.c.id == article_entities.c.article_id)
        .where(articles.c.duplicate_of.is_(None))
        .group_by(entities.c.id, entities.c.name, entities.c.label)
        .order_by(n_articles.desc(), entities.c.name, entities.c.id)
        .limit(limit)
        .offset(offset)
    )
    if label is not None:
        query = query.where(entities.c.label == label.upper())
    with read_tx(engine, "list_entities") as conn:
        rows = conn.execute(query).mappings().all()
        aliases: dict[int, list[str]] = defaultdict(list)
        if rows:
            for entity_id, alias in conn.execute(
                select(entity_aliases.c.entity_id, entity_aliases.c.alias)
                .where(entity_aliases.c.entity_id.in_([r["id"] for r in rows]))
                .order_by(entity_aliases.c.alias)
            ):
                aliases[entity_id].append(alias)
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "label": r["label"],
            "aliases": aliases[r["id"]],
            "article_count": int(r["article_count"]),
        }
        for r in rows
    ]


def story_ids_with_prefix(engine: Engine, prefix: str, limit: int = 10) -> list[str]:
    """Story ids starting with ``prefix``, sorted, at most ``limit`` (``--story 3fa``)."""
    return ids_with_prefix(engine, stories.c.id, prefix, limit)
