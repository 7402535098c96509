"""The API's response bodies (and so its OpenAPI schema). Articles are the export record
itself (``tasks.storage.export_record.ExportRecord``), so the API and ``newsflow export``
give the same JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tasks.storage.export_record import ExportRecord

__all__ = [
    "ArticlePage",
    "DayCount",
    "EntityDetail",
    "EntityPage",
    "EntitySummary",
    "FailedItem",
    "PipelineStatus",
    "ReplayReply",
    "ReplayRequest",
    "SearchHit",
    "SearchPage",
    "StoryArticle",
    "StoryDetail",
    "StoryEntity",
    "StoryPage",
    "StorySummary",
]


class ArticlePage(BaseModel):
    items: list[ExportRecord]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page")


class SearchHit(ExportRecord):
    rank: float = Field(description="higher is better; comparable within one result")


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None = None


class StoryArticle(BaseModel):
    id: str
    title: str | None = None
    language: str | None = None
    publisher: str | None = None
    published: str | None = None


class StorySummary(BaseModel):
    id: str
    label: str
    article_count: int
    first_date: str | None = None
    last_date: str | None = None
    languages: list[str]
    publishers: list[str]
    articles: list[StoryArticle]
    recent_articles: int | None = Field(
        None, description="articles gained within the window (order=growing only)"
    )


class StoryPage(BaseModel):
    items: list[StorySummary]
    next_cursor: str | None = None


class StoryEntity(BaseModel):
    id: int
    name: str
    label: str
    article_count: int


class DayCount(BaseModel):
    day: str
    count: int


class StoryDetail(StorySummary):
    entities: list[StoryEntity]
    timeline: list[DayCount] = Field(description="articles per day (see `day_basis`)")
    day_basis: str


class EntitySummary(BaseModel):
    id: int
    name: str
    label: str
    aliases: list[str] = Field(description="every spelling and script seen, across languages")
    article_count: int


class EntityPage(BaseModel):
    items: list[EntitySummary]
    next_cursor: str | None = None


class EntityDetail(EntitySummary):
    mentions_per_day: list[DayCount]
    day_basis: str
    articles: list[StoryArticle]


class FailedItem(BaseModel):
    id: str
    state: str
    stage: str | None = None
    reason: str | None = None
    error: str | None = None
    source: str
    attempts: int
    replayable: bool = Field(description="False for producer-side rejections (no payload)")


class PipelineStatus(BaseModel):
    queues: dict[str, int | None] = Field(
        description="messages waiting per stage queue (null: the broker could not be asked)"
    )
    counts: dict[str, int] = Field(description="items per ledger state")
    by_stage: dict[str, dict[str, int]] = Field(description="stage -> state -> items")
    in_flight: int
    done_last_minute: int = Field(description="items that reached a done state in the last 60 s")
    failed: list[FailedItem]


class ReplayRequest(BaseModel):
    ids: list[str] | None = Field(None, description="item ids (whole ids)")
    reason: str | None = Field(None, description="every failed item with this reason")
    all: bool = Field(False, description="every rejected and dead item")


class ReplayReply(BaseModel):
    replayed: list[str]
    without_payload: list[str] = Field(
        description="producer-side rejections: nothing to send until the source is fixed"
    )
