"""What every request of ``newsflow serve`` needs, made once when the app is built."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from starlette.requests import Request

from config.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["WebState", "web_state"]


@dataclass
class WebState:
    settings: Settings
    engine: Engine
    auth: bool = True  # False: `newsflow serve --no-auth`, everyone is an operator
    _celery: Celery | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def celery(self) -> Celery:
        """The Celery app of these settings (queue depths, replay), made on first use: a
        server that never replays never imports Celery."""
        with self._lock:
            if self._celery is None:
                from workers.app import make_app

                self._celery = make_app(self.settings)
            return self._celery


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state
