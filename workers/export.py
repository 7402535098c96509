"""Export stored articles as JSONL, CSV or Parquet, streamed from the database.

Columns (CSV and Parquet; JSONL carries the same keys as JSON values):
``id, item_id, source, title, publisher, author, published, canonical_url, language, text,
summary, content_hash, duplicate_of, story_id, stored_at`` as strings, and the structured
fields ``removed, translation, entities, quotes, keywords, dates, provenance`` as JSON text.
Entities, quotes and dates carry their own ``provenance``; the ``provenance`` column maps
each metadata and extract field to the component or rule that produced it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any, Literal

__all__ = ["EXPORT_COLUMNS", "STRUCTURED_COLUMNS", "ExportFormat", "flat_row", "write_export"]

ExportFormat = Literal["jsonl", "csv", "parquet"]

SCALAR_COLUMNS = (
    "id", "item_id", "source", "title", "publisher", "author", "published", "canonical_url",
    "language", "text", "summary", "content_hash", "duplicate_of", "story_id", "stored_at",
)
STRUCTURED_COLUMNS = (
    "removed", "translation", "entities", "quotes", "keywords", "dates", "provenance",
)
EXPORT_COLUMNS = SCALAR_COLUMNS + STRUCTURED_COLUMNS


def flat_row(record: dict[str, Any]) -> dict[str, str | None]:
    row: dict[str, str | None] = {}
    for column in SCALAR_COLUMNS:
        value = record.get(column)
        row[column] = None if value is None else str(value)
    for column in STRUCTURED_COLUMNS:
        row[column] = json.dumps(record.get(column), ensure_ascii=False)
    return row


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def write_export(records: Iterable[dict[str, Any]], fmt: ExportFormat, stream: IO[Any]) -> int:
    """Write every record; returns the count. Parquet needs a binary stream."""
    count = 0
    if fmt == "jsonl":
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=list(EXPORT_COLUMNS))
        writer.writeheader()
        for record in records:
            writer.writerow(flat_row(record))
            count += 1
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(column, pa.string()) for column in EXPORT_COLUMNS])
        with pq.ParquetWriter(stream, schema) as writer:
            for batch in _batches(records, 1000):
                rows = [flat_row(r) for r in batch]
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                count += len(rows)
    return count
