"""The export record: one stored article as ``show``, JSONL, CSV and Parquet give it.

Its fields, in order, are the JSON keys; the flat columns of CSV and Parquet are the same
fields with the scalar ones first and the structured ones (lists and objects, written as
JSON text) after them. Both lists are read off the model, so there is one to keep.

Built from the stored Article JSON (``articles.payload``) with the store-owned fields taken
from their columns, so it is the same on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Field

__all__ = [
    "EXPORT_COLUMNS",
    "EXPORT_FIELDS",
    "STRUCTURED_COLUMNS",
    "ExportEntity",
    "ExportMention",
    "ExportQuote",
    "ExportRecord",
    "flat_row",
]

JsonObject = dict[str, Any]


class ExportMention(BaseModel):
    text: str
    start: int
    end: int


class ExportEntity(BaseModel):
    name: str
    label: str
    count: int = 0
    mentions: list[ExportMention] = Field(default_factory=list)
    provenance: JsonObject | None = None


class ExportQuote(BaseModel):
    speaker: str | None = None
    text: str | None = None
    start: int | None = None
    end: int | None = None
    kind: str | None = None
    provenance: JsonObject | None = None


class ExportRecord(BaseModel):
    """One stored article; the field order is the export's column order (see module doc)."""

    id: str
    item_id: str
    source: str
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    text: str | None = None
    removed: list[JsonObject] = Field(default_factory=list)
    translation: JsonObject | None = None
    entities: list[ExportEntity] = Field(default_factory=list)
    quotes: list[ExportQuote] = Field(default_factory=list)
    keywords: list[Any] = Field(default_factory=list)
    dates: list[Any] = Field(default_factory=list)
    summary: str | None = None
    provenance: JsonObject = Field(
        default_factory=dict,
        description="each metadata and extract field: the component or rule that produced it",
    )
    content_hash: str | None = None
    duplicate_of: str | None = None
    story_id: str | None = None
    stored_at: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ExportRecord:
        """From an ``articles`` row (``filters.ARTICLE_COLUMNS``)."""
        payload: JsonObject = dict(row["payload"] or {})
        stored_at = row["stored_at"]
        return cls(
            id=row["id"],
            item_id=row["item_id"],
            source=row["source"],
            title=payload.get("title"),
            publisher=payload.get("publisher"),
            author=payload.get("author"),
            published=payload.get("published"),
            canonical_url=payload.get("canonical_url"),
            language=row["language"],
            text=row["text"],
            removed=payload.get("removed") or [],
            translation=payload.get("language_check", payload.get("translation")),
            entities=payload.get("entities") or [],
            quotes=payload.get("quotes") or [],
            keywords=payload.get("keywords") or [],
            dates=payload.get("dates") or [],
            summary=payload.get("summary"),
            # Where each field came from: clean's metadata sources, extract's components.
            provenance={
                **(payload.get("metadata_provenance") or {}),
                **(payload.get("extract_provenance") or {}),
            },
            content_hash=row["content_hash"],
            duplicate_of=row["duplicate_of"],
            story_id=row["story_id"],
            stored_at=stored_at.isoformat() if stored_at is not None else None,
        )

    def json_dict(self) -> JsonObject:
        """The record as JSON values, keys in field order (JSONL and ``show``)."""
        return self.model_dump(mode="json")


def _structured(annotation: Any) -> bool:
    """A list or an object (also when optional): a JSON text column in CSV and Parquet."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return any(get_origin(a) in (list, dict) for a in (*options, annotation))


EXPORT_FIELDS: tuple[str, ...] = tuple(ExportRecord.model_fields)
STRUCTURED_COLUMNS: tuple[str, ...] = tuple(
    name for name, info in ExportRecord.model_fields.items() if _structured(info.annotation)
)
SCALAR_COLUMNS: tuple[str, ...] = tuple(n for n in EXPORT_FIELDS if n not in STRUCTURED_COLUMNS)
EXPORT_COLUMNS: tuple[str, ...] = SCALAR_COLUMNS + STRUCTURED_COLUMNS


def flat_row(record: Mapping[str, Any]) -> dict[str, str | None]:
    """One CSV/Parquet row of a record's JSON: scalars as text, structured fields as JSON."""
    row: dict[str, str | None] = {}
    for column in SCALAR_COLUMNS:
        value = record.get(column)
        row[column] = None if value is None else str(value)
    for column in STRUCTURED_COLUMNS:
        row[column] = json.dumps(record.get(column), ensure_ascii=False)
    return row
