"""Entities: the list, and one entity with its aliases and mentions per day."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from web.api.entities import load_entity, page_of_entities
from web.auth import Principal, page_reader
from web.charts import bar_chart
from web.render import render
from web.state import WebState, web_state

__all__ = ["router"]

router = APIRouter()
LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "NAME")
PAGE = 50


@router.get("/entities")
def entity_list(request: Request, label: str = "", cursor: str | None = None,
                principal: Principal = Depends(page_reader),
                state: WebState = Depends(web_state)) -> Response:
    page = page_of_entities(state.engine, label or None, PAGE, cursor)
    next_url = None
    if page.next_cursor:
        next_url = "/entities?" + urlencode({"label": label, "cursor": page.next_cursor})
    return render(request, "entities.html", principal, page=page, labels=LABELS, label=label,
                  next_url=next_url)


@router.get("/entities/{entity_id}")
def entity(request: Request, entity_id: int, principal: Principal = Depends(page_reader),
           state: WebState = Depends(web_state)) -> Response:
    found = load_entity(state.engine, entity_id)
    if found is None:
        raise HTTPException(404, "no such entity")
    days = bar_chart([(d.day, d.count) for d in found.mentions_per_day], "mentions per day")
    return render(request, "entity.html", principal, e=found, days=days)
