"""Stories: newest or fastest growing, and one story with its entities and timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import Engine

from tasks.common import utc_now
from tasks.storage import browse
from tasks.storage.catalog import list_stories
from web.api.models import DayCount, StoryDetail, StoryEntity, StoryPage, StorySummary
from web.api.pagination import keyset_cursor, offset_cursor, read_keyset, read_offset
from web.auth import api_reader
from web.state import WebState, web_state

__all__ = ["growing_stories", "latest_stories", "load_story", "router"]

router = APIRouter(tags=["stories"], dependencies=[Depends(api_reader)])


def latest_stories(engine: Engine, limit: int, cursor: str | None = None,
                   min_articles: int = 1) -> StoryPage:
    rows = browse.stories_latest(engine, limit + 1, read_keyset(cursor), min_articles)
    more, rows = len(rows) > limit, rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = keyset_cursor(last["updated_at"], last["id"]) if more and last else None
    return StoryPage(items=[StorySummary.model_validate(r) for r in rows],
                     next_cursor=next_cursor)


def growing_stories(engine: Engine, limit: int, window_hours: float,
                    cursor: str | None = None) -> StoryPage:
    offset = read_offset(cursor)
    since = utc_now() - timedelta(hours=window_hours)
    rows = browse.stories_growing(engine, since, limit + 1, offset)
    more, rows = len(rows) > limit, rows[:limit]
    return StoryPage(items=[StorySummary.model_validate(r) for r in rows],
                     next_cursor=offset_cursor(offset + limit) if more else None)


def load_story(engine: Engine, story_id: str) -> StoryDetail | None:
    found = list_stories(engine, limit=1, story_id=story_id)
    if not found:
        return None
    return StoryDetail(
        **found[0],
        entities=[StoryEntity.model_validate(e) for e in browse.story_entities(engine, story_id)],
        timeline=[DayCount(day=d, count=n) for d, n in browse.story_days(engine, story_id)],
        day_basis=browse.DAY_BASIS,
    )


@router.get("/stories", response_model=StoryPage)
def stories(
    order: Literal["latest", "growing"] = "latest",
    limit: int = Query(20, ge=1, le=200),
    cursor: str | None = None,
    window_hours: float = Query(24, gt=0, description="order=growing: articles gained since"),
    min_articles: int = Query(1, ge=1, description="order=latest: only stories this big"),
    state: WebState = Depends(web_state),
) -> StoryPage:
    """Stories most recently joined first, or by the articles they gained in the window."""
    if order == "growing":
        return growing_stories(state.engine, limit, window_hours, cursor)
    return latest_stories(state.engine, limit, cursor, min_articles)


@router.get("/stories/{story_id}", response_model=StoryDetail)
def story(story_id: str, state: WebState = Depends(web_state)) -> StoryDetail:
    """One story: its articles across languages, its entities, articles per day."""
    found = load_story(state.engine, story_id)
    if found is None:
        raise HTTPException(404, f"no story {story_id!r}")
    return found
