"""Issue 4, near-duplicates on real text, on SQLite and PostgreSQL alike.

For 50 dev-corpus articles a lightly edited copy (boilerplate added, a paragraph dropped,
~3 % of the words changed) must be found as a duplicate of its original (recall >= 0.95),
and no two distinct corpus articles may be marked duplicates or put into one story.
"""

from __future__ import annotations

import random

import pytest

from config.settings import StoreSettings
from tasks.storage.db import get_engine
from tasks.storage.repository import ArticleFilter, iter_articles, list_stories, store_article
from tests.integration.edits import BOILERPLATE_END, light_edit
from tests.unit.storage.factories import article, corpus_texts

pytestmark = pytest.mark.integration

N_ARTICLES = 50
MIN_RECALL = 0.95


def test_lightly_edited_copies_are_found_and_originals_stay_apart(db_url: str) -> None:
    engine = get_engine(db_url)
    settings = StoreSettings()
    corpus = corpus_texts()[:N_ARTICLES]
    assert len(corpus) == N_ARTICLES

    originals = {}
    for name, text in corpus:
        stored = store_article(engine, article(name, text), settings)
        originals[name] = stored
    # No distinct corpus article may be taken for a copy of another, nor share its story.
    assert [n for n, a in originals.items() if a.verdict != "stored"] == []
    assert len({a.story_id for a in originals.values()}) == N_ARTICLES

    rng = random.Random(20220112)
    order = list(corpus)
    rng.shuffle(order)
    found = 0
    for name, text in order:
        edited = light_edit(text, rng)
        assert edited != text and BOILERPLATE_END in edited
        copy = store_article(engine, article(f"copy-{name}", edited), settings)
        if copy.verdict == "duplicate":
            # A copy may only ever point at its own original.
            assert copy.duplicate_of == name
            assert copy.story_id == originals[name].story_id
            found += 1
    recall = found / N_ARTICLES
    print(f"near-duplicate recall on {db_url.split(':')[0]}: {found}/{N_ARTICLES} = {recall:.2f}")
    assert recall >= MIN_RECALL

    # Read back: the originals only by default, every copy with include_duplicates.
    assert len(list(iter_articles(engine, ArticleFilter()))) == N_ARTICLES
    everything = list(iter_articles(engine, ArticleFilter(include_duplicates=True)))
    assert len(everything) == 2 * N_ARTICLES
    assert all(s["article_count"] == 1 for s in list_stories(engine, limit=1000))
