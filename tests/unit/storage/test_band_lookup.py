"""Band rows of many (band, hash) pairs (``tasks.storage.band_lookup``): the same rows as a
row-value IN, on SQLite here and on PostgreSQL (its unnest join) through
tests/integration/test_storage_pg.py."""

from __future__ import annotations

from sqlalchemy import Engine, select

from config.settings import StoreSettings
from tasks.storage import dedup
from tasks.storage.band_lookup import band_rows
from tasks.storage.repository import store_article
from tasks.storage.schema import lsh_bands
from tests.unit.storage.factories import article, corpus_texts


def test_the_stored_rows_of_the_pairs_asked_and_no_other(
    engine: Engine, settings: StoreSettings
) -> None:
    texts = [text for _name, text in corpus_texts()[:3]]
    for n, text in enumerate(texts):
        store_article(engine, article(f"o{n}", text), settings)
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(select(lsh_bands))]
        asked = [(b, h) for b, h, _a in stored[::3]]
        strangers = dedup.band_hashes(dedup.signature("words never stored anywhere", 128))
        found = sorted(band_rows(conn, asked + asked[:5] + strangers))
        assert sorted(band_rows(conn, [])) == []
    assert found == sorted(r for r in stored if (r[0], r[1]) in set(asked))
    assert len(found) >= len(set(asked)) > 20
