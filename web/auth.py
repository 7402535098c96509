"""Who is asking: a token from ``Authorization: Bearer`` (the API) or from the session
cookie (the pages), and what its role lets it do.

The API reads only the header and the pages only the cookie: a browser sends the cookie by
itself, so the API, taking no cookie, needs no CSRF protection, and the pages' forms have it
(``csrf``). The cookie holds the token itself, HttpOnly and SameSite=Strict: revoking the
token ends the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, status
from starlette.requests import Request

from tasks.storage.tokens import find_token
from web.state import WebState, web_state

__all__ = [
    "SESSION_COOKIE",
    "Principal",
    "SignInRequired",
    "api_operator",
    "api_reader",
    "page_principal",
    "page_reader",
]

SESSION_COOKIE = "newsflow_session"


@dataclass(frozen=True)
class Principal:
    role: str  # "read" or "operator"
    token_id: str | None  # None with --no-auth

    @property
    def operator(self) -> bool:
        return self.role == "operator"


NO_AUTH = Principal("operator", None)


class SignInRequired(Exception):
    """A page asked for without a session: the app answers with a redirect to /signin."""


def _from_token(state: WebState, token: str | None) -> Principal | None:
    if not token:
        return None
    info = find_token(state.engine, token)
    return Principal(info.role, info.id) if info is not None else None


def api_reader(request: Request, state: WebState = Depends(web_state)) -> Principal:
    if not state.auth:
        return NO_AUTH
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    principal = _from_token(state, token.strip()) if scheme.lower() == "bearer" else None
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid token is needed: Authorization: Bearer <token> (newsflow tokens create)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def api_operator(principal: Principal = Depends(api_reader)) -> Principal:
    if not principal.operator:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an operator token is needed")
    return principal


def page_principal(request: Request, state: WebState = Depends(web_state)) -> Principal | None:
    """The signed-in principal of a page request, or None."""
    if not state.auth:
        return NO_AUTH
    return _from_token(state, request.cookies.get(SESSION_COOKIE))


def page_reader(principal: Principal | None = Depends(page_principal)) -> Principal:
    if principal is None:
        raise SignInRequired()
    return principal
