"""Workers read only files the producer admitted (workers/runtime/admission.py), on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
from workers.runtime.admission import NOT_ADMITTED, admitted_files


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'newsflow.db'}"
    migrate(url)
    engine = get_engine(url)
    yield engine
    engine.dispose()


def _file(item_id: str, source: str) -> Article:
    return Article(id=item_id, source=source, source_kind="file")


def test_only_files_named_by_their_ledger_row_are_read(engine: Engine) -> None:
    admitted = _file("a" * 32, "/data/page.html")
    swapped = _file("b" * 32, "/data/other.html")
    ledger.record_enqueued(engine, [admitted, swapped], None)
    forged = _file("c" * 32, "/etc/passwd")
    renamed = _file("b" * 32, "/etc/shadow")  # a real item's id, another file
    inline = Article(id="d" * 32, source="dump.jsonl#1", source_kind="inline",
                     inline_content="text")

    kept = admitted_files(engine, [admitted, forged, renamed, inline], "fetch")

    assert [a.id for a in kept] == [admitted.id, inline.id]
    row = ledger.get_item(engine, forged.id)
    assert row is not None and (row.state, row.reason) == ("rejected", NOT_ADMITTED)
    assert row.error is not None and "/etc/passwd" in row.error
    real = ledger.get_item(engine, swapped.id)  # untouched by the forged message
    assert real is not None and (real.state, real.source) == ("queued", "/data/other.html")
