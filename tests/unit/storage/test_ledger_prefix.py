"""``ledger.item_ids_with_prefix``: the ledger side of ``show``/``replay`` id prefixes."""

from __future__ import annotations

from sqlalchemy import Engine

from tasks.storage import ledger
from tests.unit.storage.factories import article


def test_ids_with_prefix_are_exact_sorted_and_limited(engine: Engine) -> None:
    ids = ["abc1", "abc2", "ABC3", "ab_x", "abcd"]
    ledger.record_enqueued(engine, [article(i, f"text of {i}") for i in ids])
    assert ledger.item_ids_with_prefix(engine, "abc") == ["abc1", "abc2", "abcd"]
    assert ledger.item_ids_with_prefix(engine, "abc", limit=2) == ["abc1", "abc2"]
    assert ledger.item_ids_with_prefix(engine, "ab_") == ["ab_x"]  # "_" is no wildcard
    assert ledger.item_ids_with_prefix(engine, "abc1") == ["abc1"]
    assert ledger.item_ids_with_prefix(engine, "zz") == []
