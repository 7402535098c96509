"""Sign in by pasting a token once; the session cookie then carries it (see ``web.auth``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tasks.storage.tokens import find_token
from web.auth import SESSION_COOKIE, Principal, page_principal
from web.csrf import check_csrf
from web.render import render
from web.state import WebState, web_state

__all__ = ["router", "safe_next"]

router = APIRouter()
SESSION_DAYS = 30


def safe_next(target: str | None) -> str:
    """Only a path on this site: ``//evil.example`` or ``https://...`` would be an open
    redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/signin")
def signin_form(request: Request, next: str = "/",
                principal: Principal | None = Depends(page_principal)) -> Response:
    return render(request, "signin.html", principal, next=safe_next(next), error=None)


@router.post("/signin", dependencies=[Depends(check_csrf)])
def signin(request: Request, token: str = Form(""), next: str = Form("/"),
           state: WebState = Depends(web_state)) -> Response:
    token = token.strip()
    if find_token(state.engine, token) is None:
        return render(request, "signin.html", None, status_code=401, next=safe_next(next),
                      error="That token is unknown or revoked.")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_DAYS * 86400, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/signout", dependencies=[Depends(check_csrf)])
def signout() -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
