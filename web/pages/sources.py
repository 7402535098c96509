"""The sources pages, read-only: the registry with each source's health (filtered to the
unhealthy ones or a tag by a plain GET form) and one source with its last fetch events.
Sources are added, paused and removed with ``newsflow sources``, not here."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from web.api.sources import source_detail, source_records
from web.auth import Principal, page_reader
from web.render import render
from web.state import WebState, web_state

__all__ = ["router", "source_host", "when"]

router = APIRouter()


def source_host(url: str) -> str:
    """The host (and port) a source is read from, without credentials, path or query."""
    return urlsplit(url).netloc.rpartition("@")[2] or url


def when(value: datetime | None) -> str:
    """A moment as the CLI shows it (UTC, to the second); empty for never."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "host": source_host(record["url"]),
            "last_success": when(record["last_success_at"]),
            "last_fetch": when(record["last_fetch_at"]),
            "next_fetch": when(record["next_fetch_at"])}


@router.get("/sources")
def source_list(request: Request, unhealthy: bool = False, tag: str = "",
                principal: Principal = Depends(page_reader),
                state: WebState = Depends(web_state)) -> Response:
    records = source_records(state, unhealthy=unhealthy, tag=tag.strip() or None)
    return render(request, "sources.html", principal, sources=[_shown(r) for r in records],
                  unhealthy=unhealthy, tag=tag.strip())


@router.get("/sources/{source_id}")
def source_page(request: Request, source_id: int, principal: Principal = Depends(page_reader),
                state: WebState = Depends(web_state)) -> Response:
    found = _shown(source_detail(state, source_id))
    events = [{**e, "when": when(e["at"])} for e in found["events"]]
    return render(request, "source.html", principal, s=found, events=events)
