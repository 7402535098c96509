"""The FastAPI app of ``newsflow serve``: the API under /api (schema at /api/openapi.json),
the pages at /, static files, /healthz, security headers, and errors as JSON for the API and
as a page for people."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from config.settings import Settings
from tasks.errors import DatabaseBusy
from tasks.storage.db import get_engine
from web.api import api_router
from web.auth import SignInRequired, page_principal
from web.headers import security_headers
from web.pages import pages_router
from web.render import STATIC_DIR, render
from web.state import WebState

__all__ = ["create_app"]


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _sign_in(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return await http_exception_handler(request, exc)
    principal = page_principal(request, request.app.state.web)
    return render(request, "error.html", principal, status_code=exc.status_code,
                  title=f"Error {exc.status_code}", message=str(exc.detail))


async def _busy(request: Request, exc: Exception) -> Response:
    detail = f"database unavailable: {exc}"
    if _is_api(request):
        return JSONResponse({"detail": detail}, status_code=503)
    return render(request, "error.html", None, status_code=503, title="Unavailable",
                  message=detail)


def create_app(settings: Settings, *, auth: bool = True) -> FastAPI:
    """The app for ``settings``' database (its schema must be current: ``serve`` migrates)."""
    app = FastAPI(
        title="newsflow",
        summary="Stories, articles, entities and the pipeline of a newsflow database.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: none here
        redoc_url=None,
    )
    engine = get_engine(settings.database_url.get_secret_value())
    app.state.web = WebState(settings=settings, engine=engine, auth=auth)
    app.middleware("http")(security_headers)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DatabaseBusy, _busy)
    app.include_router(api_router(), prefix="/api")
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        """Liveness and the database: 200 when a query answers, 503 (via DatabaseBusy) not."""
        from tasks.storage.db import busy_errors

        with busy_errors("healthz"), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok", "auth": auth}

    return app
