"""The export record: one field list for JSONL, CSV, Parquet and ``show``, pinned here."""

from __future__ import annotations

import io
import json

from tasks.storage import export_record, queries
from tasks.storage.export_record import EXPORT_COLUMNS, EXPORT_FIELDS, ExportRecord, flat_row
from workers.cli import export

# The names and order users' files and scripts depend on (as before the one record).
JSON_KEYS = (
    "id", "item_id", "source", "title", "publisher", "author", "published", "canonical_url",
    "language", "text", "removed", "translation", "entities", "quotes", "keywords", "dates",
    "summary", "provenance", "content_hash", "duplicate_of", "story_id", "stored_at",
)
FLAT_COLUMNS = (
    "id", "item_id", "source", "title", "publisher", "author", "published", "canonical_url",
    "language", "text", "summary", "content_hash", "duplicate_of", "story_id", "stored_at",
    "removed", "translation", "entities", "quotes", "keywords", "dates", "provenance",
)


def test_the_field_lists_are_the_records_and_unchanged() -> None:
    assert tuple(ExportRecord.model_fields) == EXPORT_FIELDS == JSON_KEYS
    assert EXPORT_COLUMNS == FLAT_COLUMNS
    assert queries.EXPORT_FIELDS is EXPORT_FIELDS and export.EXPORT_COLUMNS is EXPORT_COLUMNS


def test_from_row_takes_store_fields_from_columns_and_the_rest_from_the_payload() -> None:
    row = {
        "id": "a1", "item_id": "a1", "source": "/x.txt", "language": "en", "text": "Body",
        "content_hash": "h", "duplicate_of": None, "story_id": "s1", "stored_at": None,
        "payload": {
            "title": "T", "language": "fr", "keywords": [{"text": "k", "score": 1.0}],
            "entities": [{"name": "Jane Roe", "label": "PERSON", "count": 1,
                          "mentions": [{"text": "Roe", "start": 0, "end": 3, "x": 1}]}],
            "metadata_provenance": {"title": {"source": "og:title"}},
            "extract_provenance": {"summary": {"source": "lead"}},
        },
    }
    record = ExportRecord.from_row(row).json_dict()
    assert tuple(record) == JSON_KEYS
    assert record["language"] == "en" and record["title"] == "T"
    assert record["entities"] == [{"name": "Jane Roe", "label": "PERSON", "count": 1,
                                   "mentions": [{"text": "Roe", "start": 0, "end": 3}],
                                   "provenance": None}]
    assert record["provenance"] == {"title": {"source": "og:title"},
                                    "summary": {"source": "lead"}}
    assert export_record.ExportRecord.model_validate(record).json_dict() == record


def test_writers_take_records_or_their_json_alike() -> None:
    record = ExportRecord(id="a1", item_id="a1", source="/x.txt", text="Body")
    as_model, as_json = io.StringIO(), io.StringIO()
    export.write_export([record], "jsonl", as_model)
    export.write_export([record.json_dict()], "jsonl", as_json)
    assert as_model.getvalue() == as_json.getvalue()
    assert json.loads(as_model.getvalue())["text"] == "Body"
    flat = flat_row(record.json_dict())
    assert tuple(flat) == FLAT_COLUMNS and flat["removed"] == "[]" and flat["title"] is None
