"""The web pages: server-rendered, one router per group, listed in ``ROUTERS`` (a new group,
such as watches, adds its router here and its link to ``web.render.NAV``). Every page needs a
session (``web.auth.page_reader``) except sign-in; forms that act check ``web.csrf``."""

from __future__ import annotations

from fastapi import APIRouter

from web.pages import articles, entities, pipeline, signin, sources, stories, watches

__all__ = ["ROUTERS", "pages_router"]

ROUTERS: list[APIRouter] = [
    signin.router, stories.router, articles.router, entities.router, pipeline.router,
    watches.router, sources.router,
]


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for each in ROUTERS:
        router.include_router(each)
    return router
