"""CSRF protection of the pages' forms: a double-submit token plus an origin check.

Every page carries a random token in a cookie (HttpOnly, SameSite=Strict) and in each form;
a POST is accepted only when the two agree, and, when the browser names the page it comes
from (``Origin``), only from this server. Another site can neither read the cookie nor set
it, so it cannot forge a matching form.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Form, HTTPException, status
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "check_csrf", "csrf_token", "set_csrf_cookie"]

CSRF_COOKIE = "newsflow_csrf"
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The token of this browser (a new one when it has none yet)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf = token
    return str(token)


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "csrf", None)
    if token is not None and token != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # "null": a sandboxed or privacy-stripped request, refused
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


def check_csrf(request: Request, csrf_token: str = Form("")) -> None:
    """A dependency of every form POST."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    valid = bool(cookie) and hmac.compare_digest(cookie.encode(), csrf_token.encode())
    if not valid or not _same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "form expired or not from this site: "
                            "reload the page and try again")
