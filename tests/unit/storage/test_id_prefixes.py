"""Id prefixes (``show``/``replay`` take a unique one): the ledger's and the stored articles'."""

from __future__ import annotations

from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.storage import ledger
from tasks.storage.queries import article_ids_with_prefix
from tasks.storage.repository import store_article
from tests.unit.storage.factories import article


def test_ids_with_prefix_are_exact_sorted_and_limited(engine: Engine) -> None:
    ids = ["abc1", "abc2", "ABC3", "ab_x", "abcd"]
    ledger.record_enqueued(engine, [article(i, f"text of {i}") for i in ids])
    assert ledger.item_ids_with_prefix(engine, "abc") == ["abc1", "abc2", "abcd"]
    assert ledger.item_ids_with_prefix(engine, "abc", limit=2) == ["abc1", "abc2"]
    assert ledger.item_ids_with_prefix(engine, "ab_") == ["ab_x"]  # "_" is no wildcard
    assert ledger.item_ids_with_prefix(engine, "abc1") == ["abc1"]
    assert ledger.item_ids_with_prefix(engine, "zz") == []


def test_article_ids_with_prefix(engine: Engine, settings: StoreSettings) -> None:
    for item_id, body in (("f00d1", "One text about a harbour."), ("f00d2", "Another one, "
                          "on a mountain."), ("F00d3", "A third, on the sea.")):
        store_article(engine, article(item_id, body), settings)
    assert article_ids_with_prefix(engine, "f00d") == ["f00d1", "f00d2"]
    assert article_ids_with_prefix(engine, "f00d", limit=1) == ["f00d1"]
    assert article_ids_with_prefix(engine, "F") == ["F00d3"]
    assert article_ids_with_prefix(engine, "x") == []
