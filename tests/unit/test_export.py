from __future__ import annotations

import io
import json

import pyarrow.parquet as pq

from workers.cli.export import EXPORT_COLUMNS, write_export

RECORD = {
    "id": "a1", "source": "/x.txt", "title": "T", "language": "en", "text": "Body",
    "removed": [{"text": "Skip to content", "reason": "navigation"}],
    "entities": [{"name": "Alexander Grushko", "label": "PERSON", "mentions": [], "count": 2}],
    "translation": {"language": "en"}, "quotes": [], "keywords": [], "dates": [],
}


def test_jsonl_round_trips() -> None:
    stream = io.StringIO()
    assert write_export([RECORD, RECORD], "jsonl", stream) == 2
    lines = stream.getvalue().splitlines()
    assert json.loads(lines[0]) == RECORD


def test_parquet_has_the_documented_columns() -> None:
    stream = io.BytesIO()
    assert write_export([RECORD], "parquet", stream) == 1
    table = pq.read_table(io.BytesIO(stream.getvalue()))
    assert table.column_names == list(EXPORT_COLUMNS)
    row = table.to_pylist()[0]
    assert json.loads(row["entities"])[0]["name"] == "Alexander Grushko"
    assert row["publisher"] is None


def test_csv_quotes_structured_fields_as_json() -> None:
    stream = io.StringIO()
    write_export([RECORD], "csv", stream)
    header, body = stream.getvalue().split("\r\n", 1)
    assert header.split(",") == list(EXPORT_COLUMNS)
    assert "Skip to content" in body
