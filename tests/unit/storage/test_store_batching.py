"""A message's articles stored in one transaction with set-based writes: the same rows as one
article at a time, in a number of statements that does not grow with the stories touched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from config.settings import StoreSettings
from tasks.common import utc_now
from tasks.models import Article
from tasks.storage import ledger
from tasks.storage.db import write_tx
from tasks.storage.dialect import insert_ignore_many, insert_many
from tasks.storage.repository import (
    ArticleFilter,
    iter_articles,
    list_entities,
    store_article,
    store_batch,
)
from tasks.storage.schema import (
    article_entities,
    article_keys,
    entities,
    entity_aliases,
    items,
    lsh_bands,
    mentions,
    metadata,
    stories,
)
from tasks.storage.stories import refresh_stories
from tests.unit.storage.factories import (
    article,
    corpus_texts,
    english,
    entity,
    grushko_full_and_bare,
    seed_articles,
)

# The seeds' story as storing them one at a time leaves it (names ranked by the articles
# naming them, then mentions, then name; the most mentioned day).
SEED_STORY = ("Alexander Grushko, Brussels, Geneva (2022-01-12)", 2)


def _message() -> list[Article]:
    ria, rt = seed_articles()
    others = [
        article(f"c{i}", text, language_check=english(),
                entities=[entity(f"Given Surname{i}x{j}", "PERSON", f"Surname{i}x{j}")
                          for j in range(3)])
        for i, (_name, text) in enumerate(corpus_texts()[:3])
    ]
    copy = article("copy-of-ria", ria.text or "", language_check=english(),
                   entities=ria.entities, dates=ria.dates)
    return [ria, others[0], rt, others[1], copy, others[2]]


def _stories(engine: Engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        return {r.id: (r.label, r.article_count)
                for r in conn.execute(select(stories.c.id, stories.c.label,
                                             stories.c.article_count))}


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_one_at_a_time_gives_the_seed_story(engine: Engine, settings: StoreSettings) -> None:
    stored = [store_article(engine, a, settings) for a in _message()]
    assert _stories(engine)[str(stored[0].story_id)] == SEED_STORY


def test_a_message_gives_the_same_stories_and_outcomes(
    engine: Engine, settings: StoreSettings
) -> None:
    message = _message()
    results = store_batch(engine, message, settings)
    stored = [r for r in results if isinstance(r, Article)]
    assert [r.verdict for r in stored] == ["stored"] * 4 + ["duplicate", "stored"]
    ria, rt, copy = stored[0], stored[2], stored[4]
    assert ria.story_id == rt.story_id == copy.story_id and copy.duplicate_of == ria.id
    found = _stories(engine)
    assert found[str(ria.story_id)] == SEED_STORY  # the copy is not counted
    assert sorted(n for _label, n in found.values()) == [1, 1, 1, 2]
    for a, done in zip(message, stored, strict=True):
        row = ledger.get_item(engine, a.id)
        assert row is not None and (row.state, row.stage) == (done.verdict, "store")


def test_refreshing_stories_costs_the_same_statements_for_one_or_many(
    engine: Engine, settings: StoreSettings
) -> None:
    stored = [r for r in store_batch(engine, _message(), settings) if isinstance(r, Article)]
    story_ids = sorted({str(r.story_id) for r in stored})
    assert len(story_ids) == 4
    before = _stories(engine)
    counts = []
    for some in (story_ids[:1], story_ids):
        with _statements(engine) as seen, write_tx(engine, "test") as conn:
            refresh_stories(conn, some, utc_now())
        counts.append(len(seen))
    assert counts[0] == counts[1]
    assert _stories(engine) == before  # nothing changed since: the same labels again


def test_outcomes_of_a_message_in_one_ledger_write(engine: Engine) -> None:
    stamp = utc_now()
    ledger.record_enqueued(engine, [article("a", "text of a", batch_id="b1")],
                           item_keys=["key-a"])
    ledger.record_dead(engine, "a", "extract", "busy")  # an earlier fate, then redone
    with write_tx(engine, "test") as conn:
        conn.execute(items.update().where(items.c.id == "a").values(state="processing"))
    done: list[tuple[Article, ledger.DoneState, datetime]] = [
        (article("a", "text of a", batch_id="b1"), "duplicate", stamp),
        (article("new", "text", batch_id="b1"), "stored", stamp),
    ]
    with _statements(engine) as seen, write_tx(engine, "test") as conn:
        ledger.record_done_many(conn, done)
    assert len([s for s in seen if "items" in s]) == 1
    new, a = ledger.get_item(engine, "new"), ledger.get_item(engine, "a")
    assert new is not None and (new.state, new.stage, new.batch_id) == ("stored", "store", "b1")
    assert a is not None and (a.state, a.stage, a.article_id) == ("duplicate", "store", "a")
    assert (a.error, a.reason) == (None, None)  # the earlier failure is cleared


def test_many_rows_in_one_statement_conflicts_ignored(
    engine: Engine, settings: StoreSettings
) -> None:
    store_article(engine, article("x", corpus_texts()[0][1]), settings)
    keys = [{"key": f"test:k{i}", "weight": i, "article_id": "x"} for i in range(3)]
    bands = [{"band": 900 + i % 2, "hash": f"h{i % 2}", "article_id": "x"} for i in range(3)]
    with _statements(engine) as seen, write_tx(engine, "test") as conn:
        insert_many(conn, article_keys, keys)
        insert_many(conn, article_keys, [])  # nothing to write: no statement
        # a repeated row within the statement, then one already stored: both ignored
        insert_ignore_many(conn, lsh_bands, bands, index=["band", "hash", "article_id"])
        insert_ignore_many(conn, lsh_bands, bands[:1], index=["band", "hash", "article_id"])
    assert len([s for s in seen if s.startswith("INSERT")]) == 3
    with engine.connect() as conn:
        found_keys = conn.execute(select(article_keys.c.key, article_keys.c.weight).where(
            article_keys.c.key.like("test:%")).order_by(article_keys.c.key)).all()
        found_bands = conn.execute(select(lsh_bands.c.band, lsh_bands.c.hash).where(
            lsh_bands.c.band >= 900).order_by(lsh_bands.c.band)).all()
    assert [tuple(k) for k in found_keys] == [("test:k0", 0), ("test:k1", 1), ("test:k2", 2)]
    assert [tuple(b) for b in found_bands] == [(900, "h0"), (901, "h1")]


@pytest.mark.parametrize("order", ["full name first", "bare surname first"])
def test_a_bare_surname_in_one_message_joins_its_full_name(
    engine: Engine, settings: StoreSettings, order: str
) -> None:
    # The message's entity rows are written together at its end, except that a merge of a
    # bare surname writes the earlier articles' rows first: the result is the one-at-a-time
    # result (tests/unit/storage/test_catalog.py).
    full, bare = grushko_full_and_bare()
    message = [full, bare] if order == "full name first" else [bare, full]
    assert all(isinstance(r, Article) for r in store_batch(engine, message, settings))
    people = {e["name"]: (e["article_count"], e["aliases"])
              for e in list_entities(engine, "PERSON")}
    assert people == {"Alexander Grushko": (2, ["Alexander Grushko", "Grushko"])}
    with engine.connect() as conn:
        owners = conn.execute(
            select(mentions.c.article_id, entities.c.name)
            .join(entities, entities.c.id == mentions.c.entity_id)
            .order_by(mentions.c.article_id)
        ).all()
    assert [tuple(o) for o in owners] == [("bare", "Alexander Grushko"),
                                          ("full", "Alexander Grushko")]
    for name in ("Grushko", "Alexander Grushko"):
        hits = iter_articles(engine, ArticleFilter(entity=name))
        assert sorted(a["id"] for a in hits) == ["bare", "full"]


def _entity_tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(select(table).order_by(*table.c))]
            for table in (entities, entity_aliases, article_entities, mentions)
        }


def _empty(engine: Engine) -> None:
    """Every row gone and ids counted from 1 again (SQLite's rowids restart by themselves)."""
    names = [t.name for t in metadata.sorted_tables]
    with write_tx(engine, "test: empty") as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in [*reversed(names), "articles_fts"]:
                conn.execute(text(f"DELETE FROM {name}"))


def test_a_message_resolves_entities_as_one_article_at_a_time(
    engine: Engine, settings: StoreSettings
) -> None:
    # The message's entity ids come from one plan (entity_index.EntityPlan): the same rows,
    # ids included, as storing its articles one by one: a name first seen in Cyrillic renamed
    # by its Latin spelling, earlier bare surnames taken in by the one full name, a bare
    # surname of two full names kept apart, names repeated across the articles.
    names = [
        [entity("Грушко", "PERSON", "Грушко"), entity("NATO", "ORG", "NATO")],
        [entity("Grushko", "PERSON", "Grushko"), entity("Brussels", "GPE", "Brussels")],
        [entity("Alexander Grushko", "PERSON", "Alexander Grushko", "Grushko"),
         entity("NATO", "ORG", "NATO", "NATO")],
        [entity("Grushko", "PERSON", "Grushko"), entity("Ivan Petrov", "PERSON", "Petrov")],
        [entity("Maria Petrov", "PERSON", "Maria Petrov"), entity("Petrov", "PERSON", "Petrov"),
         entity("Brussels", "GPE", "Brussels")],
        [entity("Petrov", "PERSON", "Petrov"), entity("Ivan Petrov", "PERSON", "Ivan Petrov")],
    ]

    def message() -> list[Article]:
        return [article(f"a{i}", text, language_check=english(), entities=found)
                for i, ((_name, text), found) in enumerate(zip(corpus_texts(), names,
                                                                strict=False))]

    for one in message():
        store_article(engine, one, settings)
    alone = _entity_tables(engine)
    _empty(engine)
    with _statements(engine) as seen:
        assert all(isinstance(r, Article) for r in store_batch(engine, message(), settings))
    assert _entity_tables(engine) == alone
    # the bare "grushko" row (first named in Cyrillic) merged away; "petrov" apart
    assert [r[1] for r in alone["entities"]] == [
        "NATO", "Brussels", "Alexander Grushko", "Ivan Petrov", "Maria Petrov", "Petrov"]
    # For the six articles: the known labels, then up to the merge one read of the rows the
    # names can meet, one insert, one read of the new ids, the merge's delete, and after it
    # one insert and one read of the new ids (one article at a time: three or more each).
    assert len([s for s in seen if "FROM entities" in s or "INTO entities" in s]) <= 7
