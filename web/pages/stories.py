"""The front page (latest and fastest-growing stories) and one story."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from web.api.stories import growing_stories, latest_stories, load_story
from web.auth import Principal, page_reader
from web.charts import bar_chart
from web.render import render
from web.state import WebState, web_state

__all__ = ["router"]

router = APIRouter()
WINDOW_HOURS = 24
PAGE = 20


@router.get("/")
def front(request: Request, cursor: str | None = None, single: bool = False,
          principal: Principal = Depends(page_reader),
          state: WebState = Depends(web_state)) -> Response:
    # A story of one article is every article not yet matched: the list shows stories of
    # several reports unless asked for all.
    min_articles = 1 if single else 2
    latest = latest_stories(state.engine, PAGE, cursor, min_articles)
    growing = growing_stories(state.engine, 10, WINDOW_HOURS).items
    query = "single=true&" if single else ""
    next_url = f"/?{query}cursor={latest.next_cursor}" if latest.next_cursor else None
    return render(request, "stories.html", principal, latest=latest, growing=growing,
                  window_hours=WINDOW_HOURS, next_url=next_url, single=single)


@router.get("/stories/{story_id}")
def story(request: Request, story_id: str, principal: Principal = Depends(page_reader),
          state: WebState = Depends(web_state)) -> Response:
    found = load_story(state.engine, story_id)
    if found is None:
        raise HTTPException(404, "no such story")
    timeline = bar_chart([(d.day, d.count) for d in found.timeline], "articles per day")
    return render(request, "story.html", principal, story=found, timeline=timeline)
