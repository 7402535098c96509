"""Sources in the API, read-only: the registry with each source's health, and one source with
its last fetch events, read through ``tasks.monitor`` as ``newsflow sources list/show`` does.
Adding, pausing and removing sources stays with the CLI. A read token is needed.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from tasks.common import utc_now
from tasks.monitor.registry import EventRow, SourceRow, get_source, list_sources, recent_events
from tasks.monitor.yields import items_per_day_by_source, source_figures
from web.auth import api_reader
from web.state import WebState, web_state

__all__ = [
    "FetchEvent",
    "SourceDetail",
    "SourceList",
    "SourceRecord",
    "router",
    "source_detail",
    "source_records",
]

router = APIRouter(tags=["sources"])


class SourceRecord(BaseModel):
    id: int
    url: str
    domain: str
    name: str | None = None
    publisher: str | None = None
    language: str | None = None
    country: str | None = None
    state: str = Field(description="active, paused or removed")
    every_s: float | None = Field(None, description="a fixed interval; None: adaptive")
    interval_s: float
    declared_s: float | None = Field(None, description="the feed's own ttl/updatePeriod")
    next_fetch_at: datetime
    status: str = Field(description="new, ok, or what the last poll found (hard error ...)")
    failure_score: float
    last_error: str | None = None
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    anomaly: str | None = Field(None, description="a volume anomaly, when one is seen")
    items_total: int
    created_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    conditional: bool = True
    last_full_fetch_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    unhealthy: bool = Field(description="failure score at sources.unhealthy_score or over, "
                                        "or an anomaly")
    items_per_day_7d: float = Field(description="new entries a day over the last 7 days")


class FetchEvent(BaseModel):
    at: datetime
    status: str
    http_status: int | None = None
    bytes: int
    entries: int
    new_items: int
    duration_ms: int
    note: str | None = None


class SourceDetail(SourceRecord):
    rejected_share: float | None = Field(
        None, description="of its finished items, the share rejected or dead")
    events: list[FetchEvent] = Field(description="the last fetch events, newest first")


class SourceList(BaseModel):
    items: list[SourceRecord]


def _record(row: SourceRow, state: WebState, per_day: float) -> dict[str, Any]:
    return {**dataclasses.asdict(row), "unhealthy": row.unhealthy(state.settings.sources),
            "items_per_day_7d": round(per_day, 2)}


def source_records(state: WebState, *, unhealthy: bool = False,
                   tag: str | None = None) -> list[dict[str, Any]]:
    """The registered sources (not removed) with their health, oldest first."""
    rows = list_sources(state.engine, state.settings.sources, tag=tag, unhealthy=unhealthy)
    rates = items_per_day_by_source(state.engine, utc_now())
    return [_record(row, state, rates.get(row.id, 0.0)) for row in rows]


def source_detail(state: WebState, source_id: int, events: int = 30) -> dict[str, Any]:
    """One source (removed ones too, as ``sources show``) with its last ``events``."""
    row = get_source(state.engine, source_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no source {source_id}")
    figures = source_figures(state.engine, row.id, utc_now())
    history: list[EventRow] = recent_events(state.engine, row.id, events)
    return {**_record(row, state, figures.items_per_day),
            "rejected_share": None if figures.rejected_share is None
            else round(figures.rejected_share, 3),
            "events": [dataclasses.asdict(e) for e in history]}


@router.get("/sources", response_model=SourceList, dependencies=[Depends(api_reader)])
def sources(unhealthy: bool = False, tag: str | None = None,
            state: WebState = Depends(web_state)) -> dict[str, Any]:
    """Registered sources with state, health and schedule; ``unhealthy=true``: only failing or
    anomalous ones; ``tag``: only those with this tag."""
    return {"items": source_records(state, unhealthy=unhealthy, tag=tag or None)}


@router.get("/sources/{source_id}", response_model=SourceDetail,
            dependencies=[Depends(api_reader)])
def source(source_id: int, events: int = Query(30, ge=0, le=500),
           state: WebState = Depends(web_state)) -> dict[str, Any]:
    """One source: its settings, health figures and its last ``events`` fetch events."""
    return source_detail(state, source_id, events)
