"""What a watch is: a saved query or an entity watch-list, a webhook, and a scope.

A watch matches a newly stored original article when every part it names holds: its query
(every word, as ``newsflow search`` reads it), any one of its entities (as ``--entity``
reads a name: canonical name, alias or a person's surname), its language, its publisher.
``scope`` says what fires: every matching article (``articles``), or the first matching
article of each story (``stories``: a new story that matches).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

__all__ = ["SCOPES", "Watch", "WatchSpec"]

Scope = Literal["articles", "stories"]
SCOPES: tuple[str, ...] = ("articles", "stories")


class WatchSpec(BaseModel):
    """What a person asks for (``watches add``, ``POST /api/watches``)."""

    name: str = Field(min_length=1, max_length=200)
    query: str | None = Field(None, description="full-text query: every word must occur")
    entities: list[str] = Field(default_factory=list, description="any one of these names")
    language: str | None = None
    publisher: str | None = None
    scope: Scope = "articles"
    webhook_url: str
    secret: str | None = Field(None, description="HMAC key; a random one when not given")

    @field_validator("query", "language", "publisher")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("entities")
    @classmethod
    def _clean_entities(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        import httpx

        try:
            url = httpx.URL(value.strip())
        except httpx.InvalidURL as exc:
            raise ValueError(f"{value!r} is not a valid URL ({exc})") from exc
        if url.scheme not in {"http", "https"} or not url.host:
            raise ValueError(f"{value!r}: a webhook is an http:// or https:// URL with a host")
        return str(url)

    @model_validator(mode="after")
    def _something_to_match(self) -> WatchSpec:
        if not self.query and not self.entities:
            raise ValueError("a watch needs a query or at least one entity")
        return self


class Watch(BaseModel):
    """A saved watch (the ``watches`` row); ``secret`` stays out of listings."""

    id: str
    name: str
    query: str | None = None
    entities: list[str] = Field(default_factory=list)
    language: str | None = None
    publisher: str | None = None
    scope: Scope = "articles"
    webhook_url: str
    secret: str = Field(repr=False, exclude=True)
    active: bool = True
    created_at: datetime | None = None
