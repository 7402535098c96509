"""Watches in the API: list, show (with recent deliveries), create, pause, resume, test and
remove, through ``tasks.watches.api`` as ``newsflow watches`` does. Reads need a read token,
everything that writes or posts a webhook an operator token.

The response models have no ``secret`` field, so no reply can carry one by mistake; only
``POST /api/watches`` answers ``CreatedWatch``, which shows it once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from tasks.errors import WatchInvalid
from tasks.watches import api
from tasks.watches.spec import WatchSpec
from web.auth import api_operator, api_reader
from web.state import WebState, web_state

__all__ = [
    "CreatedWatch",
    "DeliveryList",
    "DeliveryRecord",
    "WatchDetail",
    "WatchList",
    "WatchRecord",
    "WebhookCheck",
    "add_watch",
    "router",
    "watch_or_404",
]

router = APIRouter(tags=["watches"])


class DeliveryRecord(BaseModel):
    id: int
    watch_id: str
    article_id: str
    story_id: str | None = None
    status: str = Field(description="pending, sending, delivered or failed")
    attempts: int
    next_attempt_at: datetime
    last_status: int | None = Field(None, description="the receiver's last HTTP status")
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None


class WatchRecord(BaseModel):
    id: str
    name: str
    query: str | None = None
    entities: list[str] = Field(default_factory=list)
    language: str | None = None
    publisher: str | None = None
    scope: str
    webhook_url: str
    active: bool
    created_at: datetime | None = None
    deliveries: dict[str, int] = Field(default_factory=dict,
                                       description="delivery rows by status")


class WatchDetail(WatchRecord):
    recent: list[DeliveryRecord] = Field(description="the newest deliveries first")


class CreatedWatch(WatchRecord):
    secret: str = Field(description="the HMAC key of the webhook signatures: shown only now")


class WatchList(BaseModel):
    items: list[WatchRecord]


class DeliveryList(BaseModel):
    items: list[DeliveryRecord]


class WebhookCheck(BaseModel):
    ok: bool
    status: int | None = Field(None, description="the receiver's HTTP status")
    error: str | None = None


def watch_or_404(state: WebState, watch_id: str, recent: int = 20) -> dict[str, Any]:
    found = api.get_watch(state.engine, watch_id, recent=recent)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no watch {watch_id}")
    return found


def add_watch(state: WebState, spec: WatchSpec) -> dict[str, Any]:
    """Create a watch (``WatchInvalid``: a refused webhook host or a taken name); its record
    with the secret, which nothing shows again."""
    watch = api.create_watch(state.engine, spec, state.settings.watches,
                             state.settings.extract.aliases)
    return {**api.watch_json(watch), "secret": watch.secret}


@router.get("/watches", response_model=WatchList, dependencies=[Depends(api_reader)])
def watches(state: WebState = Depends(web_state)) -> dict[str, Any]:
    """Every watch with its delivery counts by status (no secrets)."""
    return {"items": api.list_watches(state.engine)}


@router.get("/watches/{watch_id}", response_model=WatchDetail,
            dependencies=[Depends(api_reader)])
def watch(watch_id: str, recent: int = Query(20, ge=0, le=500),
          state: WebState = Depends(web_state)) -> dict[str, Any]:
    """One watch with its counts and its ``recent`` newest deliveries."""
    return watch_or_404(state, watch_id, recent)


@router.get("/watches/{watch_id}/deliveries", response_model=DeliveryList,
            dependencies=[Depends(api_reader)])
def deliveries(watch_id: str, limit: int = Query(50, ge=1, le=1000),
               state: WebState = Depends(web_state)) -> dict[str, Any]:
    """A watch's deliveries, newest first: status, attempts, the receiver's last answer."""
    watch_or_404(state, watch_id, recent=0)
    return {"items": api.list_deliveries(state.engine, watch_id, limit)}


@router.post("/watches", response_model=CreatedWatch, status_code=status.HTTP_201_CREATED,
             dependencies=[Depends(api_operator)])
def create(spec: WatchSpec, state: WebState = Depends(web_state)) -> dict[str, Any]:
    """Save a watch (a query or entities, and an http(s) webhook the SSRF guard lets through).
    The reply carries the watch's ``secret`` this once: keep it to verify signatures."""
    try:
        return add_watch(state, spec)
    except WatchInvalid as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, exc.message) from exc


def _set_active(state: WebState, watch_id: str, active: bool) -> dict[str, Any]:
    if not api.set_active(state.engine, watch_id, active):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no watch {watch_id}")
    return watch_or_404(state, watch_id, recent=0)


@router.post("/watches/{watch_id}/pause", response_model=WatchRecord,
             dependencies=[Depends(api_operator)])
def pause(watch_id: str, state: WebState = Depends(web_state)) -> dict[str, Any]:
    """Stop matching: articles stored while paused never fire this watch."""
    return _set_active(state, watch_id, False)


@router.post("/watches/{watch_id}/resume", response_model=WatchRecord,
             dependencies=[Depends(api_operator)])
def resume(watch_id: str, state: WebState = Depends(web_state)) -> dict[str, Any]:
    return _set_active(state, watch_id, True)


@router.post("/watches/{watch_id}/test", response_model=WebhookCheck,
             dependencies=[Depends(api_operator)])
def send_test(watch_id: str, state: WebState = Depends(web_state)) -> dict[str, Any]:
    """POST one signed ``watch.test`` event to the webhook now (no retry, no delivery row)."""
    watch_or_404(state, watch_id, recent=0)
    try:
        return api.test_watch(state.engine, watch_id, state.settings.watches)
    except WatchInvalid as exc:  # removed between the two calls
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.message) from exc


@router.delete("/watches/{watch_id}", status_code=status.HTTP_204_NO_CONTENT,
               dependencies=[Depends(api_operator)])
def delete(watch_id: str, state: WebState = Depends(web_state)) -> None:
    """Remove a watch and its delivery rows."""
    if not api.delete_watch(state.engine, watch_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no watch {watch_id}")
