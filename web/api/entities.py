"""Canonical entities across articles and languages, and one entity with its chart data."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import Engine

from tasks.storage import browse
from tasks.storage.catalog import list_entities
from web.api.models import DayCount, EntityDetail, EntityPage, EntitySummary, StoryArticle
from web.api.pagination import offset_cursor, read_offset
from web.auth import api_reader
from web.state import WebState, web_state

__all__ = ["load_entity", "page_of_entities", "router"]

router = APIRouter(tags=["entities"], dependencies=[Depends(api_reader)])


def page_of_entities(engine: Engine, label: str | None, limit: int,
                     cursor: str | None) -> EntityPage:
    offset = read_offset(cursor)
    rows = list_entities(engine, label=label, limit=limit + 1, offset=offset)
    more, rows = len(rows) > limit, rows[:limit]
    return EntityPage(items=[EntitySummary.model_validate(r) for r in rows],
                      next_cursor=offset_cursor(offset + limit) if more else None)


def load_entity(engine: Engine, entity_id: int) -> EntityDetail | None:
    found = browse.entity_detail(engine, entity_id)
    if found is None:
        return None
    return EntityDetail(
        **found,
        mentions_per_day=[DayCount(day=d, count=n)
                          for d, n in browse.entity_days(engine, entity_id)],
        day_basis=browse.DAY_BASIS,
        articles=[StoryArticle.model_validate(r)
                  for r in browse.entity_articles(engine, entity_id)],
    )


@router.get("/entities", response_model=EntityPage)
def entities(
    label: str | None = Query(None, description="PERSON, ORG, GPE, ..."),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    state: WebState = Depends(web_state),
) -> EntityPage:
    """Entities by the number of articles naming them, with their aliases across languages."""
    return page_of_entities(state.engine, label, limit, cursor)


@router.get("/entities/{entity_id}", response_model=EntityDetail)
def entity(entity_id: int, state: WebState = Depends(web_state)) -> EntityDetail:
    """One entity: aliases, mentions per day, the articles naming it."""
    found = load_entity(state.engine, entity_id)
    if found is None:
        raise HTTPException(404, f"no entity {entity_id}")
    return found
