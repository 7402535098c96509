"""The HTTP API under ``/api/``: one router per resource, listed in ``ROUTERS``.

Every router declares its own auth dependency (``web.auth.api_reader`` to read,
``api_operator`` to act). A new resource (watches) adds its module's ``router`` to
``ROUTERS``; ``api_router`` mounts them all.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.api import articles, entities, pipeline, sources, stories, watches

__all__ = ["ROUTERS", "api_router"]

ROUTERS: list[APIRouter] = [
    stories.router, articles.router, entities.router, pipeline.router, watches.router,
    sources.router,
]


def api_router() -> APIRouter:
    router = APIRouter()
    for each in ROUTERS:
        router.include_router(each)
    return router
