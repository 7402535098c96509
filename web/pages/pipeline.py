"""The pipeline page, and its replay button (operators only, CSRF-checked)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tasks.storage.ledger import ALL_STATES
from web.api.models import ReplayRequest
from web.api.pipeline import pipeline_status, replay_failed
from web.auth import Principal, page_reader
from web.csrf import check_csrf
from web.render import render
from web.state import WebState, web_state

__all__ = ["router"]

router = APIRouter()


@router.get("/pipeline")
def pipeline(request: Request, replayed: int | None = None, skipped: int = 0,
             principal: Principal = Depends(page_reader),
             state: WebState = Depends(web_state)) -> Response:
    flash = None
    if replayed is not None:
        flash = f"Replayed {replayed} item{'s' if replayed != 1 else ''}" + (
            f"; {skipped} without payload (fix the source)" if skipped else "") + "."
    return render(request, "pipeline.html", principal, status=pipeline_status(state),
                  states=ALL_STATES, flash=flash)


@router.post("/pipeline/replay", dependencies=[Depends(check_csrf)])
def replay(item: str = Form(""), all: str = Form(""),
           principal: Principal = Depends(page_reader),
           state: WebState = Depends(web_state)) -> Response:
    if not principal.operator:
        raise HTTPException(403, "an operator token is needed to replay")
    request = ReplayRequest(ids=[item] if item else None, all=bool(all))
    reply = replay_failed(state, request)
    # Post/redirect/get: a reload of the page does not send the items again.
    return RedirectResponse(
        f"/pipeline?replayed={len(reply.replayed)}&skipped={len(reply.without_payload)}",
        status_code=303,
    )
