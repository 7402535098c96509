"""Export stored articles as JSONL, CSV or Parquet, streamed from the database.

The record and its columns are ``tasks.storage.export_record.ExportRecord``'s: JSONL carries
its fields as JSON values; CSV and Parquet have ``EXPORT_COLUMNS``, the scalar fields as
strings first, then the structured ones (``removed``, ``translation``, ``entities`` ...) as
JSON text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Literal

from tasks.common import batched
from tasks.storage.export_record import (
    EXPORT_COLUMNS,
    STRUCTURED_COLUMNS,
    ExportRecord,
    flat_row,
)

__all__ = ["EXPORT_COLUMNS", "STRUCTURED_COLUMNS", "ExportFormat", "flat_row", "write_export"]

ExportFormat = Literal["jsonl", "csv", "parquet"]
Record = ExportRecord | Mapping[str, Any]


def _as_json(records: Iterable[Record]) -> Iterator[Mapping[str, Any]]:
    for record in records:
        yield record.json_dict() if isinstance(record, ExportRecord) else record


def write_export(records: Iterable[Record], fmt: ExportFormat, stream: IO[Any]) -> int:
    """Write every record (an ``ExportRecord`` or its JSON); returns the count.

    Parquet needs a binary stream."""
    count = 0
    records = _as_json(records)
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
            for batch in batched(records, 1000):
                rows = [flat_row(r) for r in batch]
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                count += len(rows)
    return count
