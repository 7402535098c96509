"""One article, and search with the CLI's filters."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tasks.storage.browse import article_entity_ids
from tasks.storage.filters import ArticleFilter
from tasks.storage.queries import get_article
from web.api.articles import page_of_articles, page_of_hits
from web.auth import Principal, page_reader
from web.highlight import paragraphs, removed_lines, safe_link
from web.render import render
from web.state import WebState, web_state

__all__ = ["router"]

router = APIRouter()
FIELDS = ("q", "entity", "language", "publisher", "since", "until", "source")
PAGE = 20


@router.get("/articles/{article_id}")
def article(request: Request, article_id: str, principal: Principal = Depends(page_reader),
            state: WebState = Depends(web_state)) -> Response:
    record = get_article(state.engine, article_id)
    if record is None:
        raise HTTPException(404, "no such article")
    return render(request, "article.html", principal, a=record, paras=paragraphs(record),
                  removed=removed_lines(record), link=safe_link(record.get("canonical_url")),
                  entity_ids=article_entity_ids(state.engine, article_id))


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@router.get("/search")
def search(request: Request, principal: Principal = Depends(page_reader),
           state: WebState = Depends(web_state)) -> Response:
    form = {name: request.query_params.get(name, "").strip() for name in FIELDS}
    cursor = request.query_params.get("cursor") or None
    if not any(form.values()):
        return render(request, "search.html", principal, form=form, results=None,
                      next_url=None, error=None)
    try:
        filters = ArticleFilter(
            query=form["q"] or None, entity=form["entity"] or None,
            language=form["language"] or None, publisher=form["publisher"] or None,
            date_from=_day(form["since"]), date_to=_day(form["until"]),
            source=form["source"] or None,
        )
    except ValueError:
        return render(request, "search.html", principal, status_code=400, form=form,
                      results=None, next_url=None, error="Dates are YYYY-MM-DD.")
    page = (page_of_hits(state.engine, filters, PAGE, cursor) if filters.query
            else page_of_articles(state.engine, filters, PAGE, cursor))
    results = [item.model_dump() for item in page.items]
    next_url = None
    if page.next_cursor:
        next_url = "/search?" + urlencode({**{k: v for k, v in form.items() if v},
                                           "cursor": page.next_cursor})
    return render(request, "search.html", principal, form=form, results=results,
                  next_url=next_url, error=None)
