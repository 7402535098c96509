"""What the ledger's readers hand back: a whole row (``ItemRow``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, field_validator

from tasks.storage.ledger.states import ItemState

__all__ = ["ItemRow"]


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ItemRow(BaseModel):
    id: str
    batch_id: str | None
    source: str
    source_kind: str
    item_key: str | None
    state: ItemState
    stage: str | None
    attempts: int
    sweeps: int = 0
    reason: str | None
    error: str | None
    article_id: str | None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] | None

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return aware(value)


def item_row(mapping: Any) -> ItemRow:
    """An ``ItemRow`` from a row mapping of the ``items`` table."""
    return ItemRow.model_validate(dict(mapping))
