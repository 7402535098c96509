"""The watches pages: the list (with the form that adds a watch) and one watch with its
recent deliveries; operators add, pause, resume and remove watches through CSRF-checked
forms, and a new watch's secret is shown once, on the page that answers its form."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tasks.errors import WatchInvalid
from tasks.watches import api
from tasks.watches.deliveries import DELIVERED, FAILED, PENDING, SENDING
from tasks.watches.spec import SCOPES, WatchSpec
from web.api.watches import add_watch, watch_or_404
from web.auth import Principal, page_reader
from web.csrf import check_csrf
from web.render import render
from web.state import WebState, web_state

__all__ = ["router", "split_entities", "webhook_host"]

router = APIRouter()
STATUSES = (PENDING, SENDING, DELIVERED, FAILED)
FLASHES = {"paused": "Watch paused: it records no match until resumed.",
           "resumed": "Watch resumed.", "removed": "Watch removed."}


def webhook_host(url: str) -> str:
    """Where a webhook goes, without its path and query (which may hold a receiver's key)."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url


def split_entities(text: str) -> list[str]:
    """The form's entity field: one name a line, or names separated by commas or ';'."""
    return [name.strip() for name in re.split(r"[,;\n]", text) if name.strip()]


def _operator(principal: Principal) -> None:
    if not principal.operator:
        raise HTTPException(403, "an operator token is needed to change watches")


def _list(request: Request, principal: Principal, state: WebState, status_code: int = 200,
          **context: Any) -> Response:
    watches = [{**w, "host": webhook_host(w["webhook_url"])}
               for w in api.list_watches(state.engine)]
    context.setdefault("form", {})
    context.setdefault("error", None)
    context.setdefault("flash", None)
    return render(request, "watches.html", principal, status_code=status_code,
                  watches=watches, statuses=STATUSES, scopes=SCOPES, **context)


@router.get("/watches")
def watch_list(request: Request, done: str = "", principal: Principal = Depends(page_reader),
               state: WebState = Depends(web_state)) -> Response:
    return _list(request, principal, state, flash=FLASHES.get(done))


@router.post("/watches", dependencies=[Depends(check_csrf)])
def watch_add(request: Request, name: str = Form(""), query: str = Form(""),
              entities: str = Form(""), webhook_url: str = Form(""),
              scope: str = Form("articles"), principal: Principal = Depends(page_reader),
              state: WebState = Depends(web_state)) -> Response:
    _operator(principal)
    form = {"name": name, "query": query, "entities": entities, "webhook_url": webhook_url,
            "scope": scope}
    try:
        spec = WatchSpec.model_validate({
            "name": name.strip(), "query": query, "entities": split_entities(entities),
            "webhook_url": webhook_url, "scope": scope,
        })
        created = add_watch(state, spec)
    except ValidationError as exc:
        error = "; ".join(e["msg"] for e in exc.errors())
        return _list(request, principal, state, 422, form=form, error=error)
    except WatchInvalid as exc:
        return _list(request, principal, state, 400, form=form, error=exc.message)
    # Rendered, not redirected: the secret exists in clear only in this answer.
    found = watch_or_404(state, created["id"])
    return render(request, "watch.html", principal, status_code=201,
                  w={**found, "host": webhook_host(found["webhook_url"])},
                  secret=created["secret"], statuses=STATUSES, flash="Watch saved.")


@router.get("/watches/{watch_id}")
def watch_page(request: Request, watch_id: str, done: str = "",
               principal: Principal = Depends(page_reader),
               state: WebState = Depends(web_state)) -> Response:
    found = watch_or_404(state, watch_id)
    return render(request, "watch.html", principal, w={**found, "host": webhook_host(
        found["webhook_url"])}, secret=None, statuses=STATUSES, flash=FLASHES.get(done))


def _after(watch_id: str, done: str) -> Response:
    # Post/redirect/get: a reload repeats nothing.
    return RedirectResponse(f"/watches/{quote(watch_id, safe='')}?done={done}", status_code=303)


@router.post("/watches/{watch_id}/pause", dependencies=[Depends(check_csrf)])
def watch_pause(watch_id: str, principal: Principal = Depends(page_reader),
                state: WebState = Depends(web_state)) -> Response:
    _operator(principal)
    if not api.set_active(state.engine, watch_id, False):
        raise HTTPException(404, f"no watch {watch_id}")
    return _after(watch_id, "paused")


@router.post("/watches/{watch_id}/resume", dependencies=[Depends(check_csrf)])
def watch_resume(watch_id: str, principal: Principal = Depends(page_reader),
                 state: WebState = Depends(web_state)) -> Response:
    _operator(principal)
    if not api.set_active(state.engine, watch_id, True):
        raise HTTPException(404, f"no watch {watch_id}")
    return _after(watch_id, "resumed")


@router.post("/watches/{watch_id}/remove", dependencies=[Depends(check_csrf)])
def watch_remove(watch_id: str, principal: Principal = Depends(page_reader),
                 state: WebState = Depends(web_state)) -> Response:
    _operator(principal)
    if not api.delete_watch(state.engine, watch_id):
        raise HTTPException(404, f"no watch {watch_id}")
    return RedirectResponse("/watches?done=removed", status_code=303)
