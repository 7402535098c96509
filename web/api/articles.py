"""Articles (filtered like the CLI's ``export``), one article, and full-text search."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import Engine

from tasks.storage import browse
from tasks.storage.export_record import ExportRecord
from tasks.storage.filters import ArticleFilter
from tasks.storage.queries import get_article
from tasks.storage.search import search as search_articles
from web.api.models import ArticlePage, SearchHit, SearchPage
from web.api.pagination import keyset_cursor, offset_cursor, read_keyset, read_offset
from web.auth import api_reader
from web.state import WebState, web_state

__all__ = ["MAX_SEARCH_DEPTH", "article_filter", "page_of_articles", "page_of_hits", "router"]

router = APIRouter(tags=["articles"], dependencies=[Depends(api_reader)])
# Search ranks every hit, so a page past the first re-ranks; this bounds how deep it goes.
MAX_SEARCH_DEPTH = 1000


def article_filter(
    entity: str | None = Query(None, description="canonical name, any alias, or a surname"),
    language: str | None = Query(None, description="ISO 639-1"),
    publisher: str | None = None,
    since: date | None = Query(None, description="published on/after YYYY-MM-DD"),
    until: date | None = Query(None, description="published on/before YYYY-MM-DD"),
    story: str | None = Query(None, description="story id"),
    source: str | None = Query(None, description="source path or URL, or its beginning"),
) -> ArticleFilter:
    """The CLI's filters (``--entity`` ...), as query parameters."""
    return ArticleFilter(entity=entity, language=language, publisher=publisher,
                         date_from=since, date_to=until, story_id=story, source=source)


def page_of_articles(engine: Engine, filters: ArticleFilter, limit: int,
                     cursor: str | None) -> ArticlePage:
    rows = browse.articles_page(engine, filters, limit + 1, read_keyset(cursor))
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = keyset_cursor(rows[-1]["stored_at"], rows[-1]["id"]) if more else None
    return ArticlePage.model_validate({"items": rows, "next_cursor": next_cursor})


def page_of_hits(engine: Engine, filters: ArticleFilter, limit: int,
                 cursor: str | None) -> SearchPage:
    offset = read_offset(cursor)
    if offset + limit > MAX_SEARCH_DEPTH:
        raise HTTPException(400, f"search pages stop at {MAX_SEARCH_DEPTH} hits: narrow it")
    wanted = filters.model_copy(update={"limit": offset + limit + 1})
    hits: list[dict[str, Any]] = search_articles(engine, wanted)[offset:]
    more, hits = len(hits) > limit, hits[:limit]
    return SearchPage(items=[SearchHit.model_validate(h) for h in hits],
                      next_cursor=offset_cursor(offset + limit) if more else None)


@router.get("/articles", response_model=ArticlePage)
def articles(
    filters: ArticleFilter = Depends(article_filter),
    limit: int = Query(20, ge=1, le=200),
    cursor: str | None = None,
    state: WebState = Depends(web_state),
) -> ArticlePage:
    """Stored originals matching every filter, newest stored first (export records)."""
    return page_of_articles(state.engine, filters, limit, cursor)


@router.get("/articles/{article_id}", response_model=ExportRecord)
def article(article_id: str, state: WebState = Depends(web_state)) -> dict[str, Any]:
    """One stored article: the export record, as ``newsflow show`` prints it."""
    record = get_article(state.engine, article_id)
    if record is None:
        raise HTTPException(404, f"no article {article_id!r}")
    return record


@router.get("/search", response_model=SearchPage)
def search(
    q: str = Query(..., min_length=1, description="every word must occur (stemmed per language)"),
    filters: ArticleFilter = Depends(article_filter),
    limit: int = Query(20, ge=1, le=200),
    cursor: str | None = None,
    state: WebState = Depends(web_state),
) -> SearchPage:
    """Full-text search, best first, with the article filters."""
    return page_of_hits(state.engine, filters.model_copy(update={"query": q}), limit, cursor)
