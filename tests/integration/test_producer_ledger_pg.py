"""The producer's ledger writes on the real PostgreSQL: COPY stores the very JSON text the
message carries, and a fresh database gets its planner statistics after the first chunk, so
the planner knows ``item_key`` is unique and the key lookup of the next chunks uses its
index instead of reading the table (without statistics, ``item_key IN (100 keys)`` is
taken to match ~40 % of the table)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from tasks.codec import payload_json
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
from tests.integration.services import temporary_database

pytestmark = pytest.mark.integration


def _payload(i: int, content: str = "caf\u00e9 \ud800 \\ \t \"") -> dict[str, object]:
    return {"id": f"{i:032x}", "batch_id": "b1", "source": f"in#{i}", "source_kind": "inline",
            "inline_content": f"{content} {i}", "inline_content_type": "text",
            "enqueued_at": "2026-12-06T00:00:00+00:00"}


def test_copy_stores_the_message_text_and_the_table_gets_statistics() -> None:
    with temporary_database("newsflow_producer") as url:
        migrate(url)
        engine = get_engine(url)
        has_stats = text("SELECT count(*) FROM pg_stats WHERE tablename = 'items'"
                         " AND attname = 'item_key'")
        with engine.connect() as conn:
            assert conn.execute(has_stats).scalar() == 0

        payloads = [_payload(i) for i in range(1000)]
        texts = [payload_json(p) for p in payloads]
        ledger.record_enqueued(engine, payloads, [f"k:{i}" for i in range(1000)],
                               new_ids=True, payload_texts=texts)
        wanted = ", ".join(f"'new:{i}'" for i in range(100))
        with engine.connect() as conn:
            assert conn.execute(has_stats).scalar() == 1
            rows = dict(conn.execute(text("SELECT id, payload::text FROM items")).all())
            plan = conn.execute(text(
                f"EXPLAIN SELECT id FROM items WHERE item_key IN ({wanted})")).scalar()
        assert len(rows) == 1000
        for payload, sent in zip(payloads, texts, strict=True):
            assert rows[str(payload["id"])] == sent
            assert json.loads(rows[str(payload["id"])]) == payload
        estimate = re.search(r"rows=(\d+)", str(plan))
        assert estimate is not None and int(estimate.group(1)) <= 150, plan

        # An id in use after all: COPY refuses, the upsert writes the chunk, lone surrogate
        # escape and all (json_to_recordset alone refuses one anywhere in its document).
        again = [{**_payload(0), "source": "in#again"}, _payload(1099)]
        ledger.record_enqueued(engine, again, ["k:0", "k:1099"], new_ids=True,
                               payload_texts=[payload_json(p) for p in again])
        with engine.connect() as conn:
            stored = {row[0]: (row[1], json.loads(row[2])) for row in conn.execute(text(
                "SELECT id, source, payload::text FROM items WHERE id IN (:a, :b)"),
                {"a": payloads[0]["id"], "b": f"{1099:032x}"}).all()}
        assert stored == {payloads[0]["id"]: ("in#again", again[0]),
                          f"{1099:032x}": ("in#1099", again[1])}
        engine.dispose()
