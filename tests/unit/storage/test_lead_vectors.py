"""The per-process cache of stored lead vectors (tasks/storage/lead_vectors.py): what it
serves is what the database holds, whether this process stored the row or another did."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, delete, select

from config.settings import StoreSettings
from tasks.nlp.embedding import decode_vector
from tasks.storage import lead_vectors as cache
from tasks.storage.repository import store_article
from tasks.storage.schema import article_vectors, articles, metadata
from tasks.storage.stories import site_of
from tests.unit.storage.factories import article
from tests.unit.storage.test_stories_content import _text, _vector


def _stored(engine: Engine) -> list[tuple[str, object, bytes]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(articles.c.id, articles.c.stored_at, article_vectors.c.vector)
            .join(article_vectors, article_vectors.c.article_id == articles.c.id)
            .order_by(articles.c.id))]


def test_served_vectors_are_the_decoded_rows_cached_or_not(
    engine: Engine, settings: StoreSettings
) -> None:
    store_article(engine, article("v-a", _text(1), lead_vector=_vector(1.0, 0),
                                  canonical_url="https://www.example.org/a"), settings)
    store_article(engine, article("v-b", _text(2), lead_vector=_vector(0.3, 1)), settings)
    rows = _stored(engine)
    # What the store remembered is found under the key the candidate query reads back.
    assert all((i, at) in cache._caches[str(engine.url)] for i, at, _ in rows)
    with engine.connect() as conn:
        remembered = cache.lead_vectors(conn, [(i, at) for i, at, _ in rows], site_of)
        cache._caches.clear()  # as a process that stored none of them sees them
        fetched = cache.lead_vectors(conn, [(i, at) for i, at, _ in rows], site_of)
    for (_, _, raw), a, b in zip(rows, remembered, fetched, strict=True):
        expected = decode_vector(raw)
        assert a.vector is not None and b.vector is not None and expected is not None
        assert np.array_equal(a.vector, expected) and np.array_equal(b.vector, expected)
    assert [a.site for a in remembered] == [b.site for b in fetched] == ["example.org", None]


def test_a_row_stored_again_under_its_id_is_not_served_stale(
    engine: Engine, settings: StoreSettings
) -> None:
    # "r-a" first points one way; the database is emptied (as tests between rounds do) and
    # another process stores "r-a" again pointing another way: "r-b", stored by this
    # process, which still holds the first "r-a", and close to the new one only, joins it.
    store_article(engine, article("r-a", _text(3), lead_vector=_vector(0.0, 1)), settings)
    this_process = {db: dict(c) for db, c in cache._caches.items()}
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
    again = store_article(engine, article("r-a", _text(4), lead_vector=_vector(0.0, 5)),
                          settings)
    cache._caches.clear()
    cache._caches.update(this_process)
    b = store_article(engine, article("r-b", _text(5), lead_vector=_vector(0.0, 5)), settings)
    assert b.story_id == again.story_id
