"""store_article: idempotence, exact and near duplicates, ledger in the same transaction,
and the export record read back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from config.settings import StoreSettings
from tasks.errors import EmptyInput
from tasks.models import Provenance, Quote, RemovedLine
from tasks.storage import ledger
from tasks.storage.dedup import content_hash
from tasks.storage.queries import EXPORT_FIELDS
from tasks.storage.repository import ArticleFilter, get_article, iter_articles, store_article
from tasks.storage.schema import articles, lsh_bands
from tests.unit.storage.factories import article, corpus_texts, english, entity

TEXT = corpus_texts()[0][1]
OTHER = corpus_texts()[1][1]


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(articles)).scalar_one())


def test_store_sets_store_fields(engine: Engine, settings: StoreSettings) -> None:
    stored = store_article(engine, article("a1", TEXT), settings)
    assert stored.verdict == "stored"
    assert stored.content_hash == content_hash(TEXT)
    assert stored.duplicate_of is None
    assert stored.story_id is not None
    assert _count(engine) == 1


def test_redelivery_is_a_noop_with_the_same_outcome(
    engine: Engine, settings: StoreSettings
) -> None:
    first = store_article(engine, article("a1", TEXT), settings)
    again = store_article(engine, article("a1", TEXT), settings)
    assert (again.verdict, again.story_id, again.content_hash) == (
        first.verdict,
        first.story_id,
        first.content_hash,
    )
    assert _count(engine) == 1


def test_same_text_differently_spaced_is_an_exact_duplicate(
    engine: Engine, settings: StoreSettings
) -> None:
    store_article(engine, article("a1", TEXT), settings)
    copy = "  " + TEXT.upper().replace("\n\n", "\n \n") + "\n"
    dup = store_article(engine, article("a2", copy), settings)
    assert (dup.verdict, dup.duplicate_of) == ("duplicate", "a1")
    assert dup.content_hash == content_hash(TEXT)
    again = store_article(engine, article("a2", copy), settings)
    assert (again.verdict, again.duplicate_of) == ("duplicate", "a1")
    assert _count(engine) == 2


def test_near_duplicate_points_to_the_original(engine: Engine, settings: StoreSettings) -> None:
    original = store_article(engine, article("a1", TEXT), settings)
    paragraphs = TEXT.split("\n\n")
    edited = "\n\n".join(["Sign up for our newsletter!", *paragraphs[:-1]])
    dup = store_article(engine, article("a2", edited), settings)
    assert (dup.verdict, dup.duplicate_of, dup.story_id) == (
        "duplicate",
        "a1",
        original.story_id,
    )
    with engine.connect() as conn:  # only originals are in the LSH index
        banded = set(conn.execute(select(lsh_bands.c.article_id).distinct()).scalars())
    assert banded == {"a1"}


def test_distinct_articles_are_both_stored(engine: Engine, settings: StoreSettings) -> None:
    a = store_article(engine, article("a1", TEXT), settings)
    b = store_article(engine, article("a2", OTHER), settings)
    assert (a.verdict, b.verdict) == ("stored", "stored")
    assert a.story_id != b.story_id


def test_ledger_row_turns_terminal_with_the_article(
    engine: Engine, settings: StoreSettings
) -> None:
    ledger.record_enqueued(engine, [article("a1", TEXT), article("a2", TEXT)])
    store_article(engine, article("a1", TEXT), settings)
    store_article(engine, article("a2", TEXT), settings)
    one, two = ledger.get_item(engine, "a1"), ledger.get_item(engine, "a2")
    assert one is not None and (one.state, one.article_id) == ("stored", "a1")
    assert two is not None and (two.state, two.article_id) == ("duplicate", "a2")


def test_store_without_ledger_row_creates_it(engine: Engine, settings: StoreSettings) -> None:
    store_article(engine, article("solo", TEXT, batch_id="b9"), settings)
    row = ledger.get_item(engine, "solo")
    assert row is not None and (row.state, row.batch_id) == ("stored", "b9")


def test_empty_text_is_a_permanent_error(engine: Engine, settings: StoreSettings) -> None:
    with pytest.raises(EmptyInput):
        store_article(engine, article("e", "   \n "), settings)
    assert _count(engine) == 0


def test_export_record_round_trips_the_article(engine: Engine, settings: StoreSettings) -> None:
    source = article(
        "a1",
        TEXT,
        title="A title",
        publisher="Pub",
        author="Ann Author",
        published="2021-03-04T10:00:00+00:00",
        canonical_url="https://example.org/a",
        language_check=english(),
        removed=[RemovedLine(text="Share this", reason="boilerplate")],
        entities=[entity("Jane Roe", "PERSON", "Jane Roe", "Roe")],
        quotes=[Quote(text="We will", speaker="Jane Roe", start=5, end=12)],
        summary="Short.",
        metadata_provenance={"title": Provenance(source="og:title")},
        extract_provenance={"summary": Provenance(source="lead", confidence=0.5)},
    )
    stored = store_article(engine, source, settings)
    record = get_article(engine, "a1")
    assert record is not None
    assert tuple(record) == EXPORT_FIELDS
    assert record["text"] == TEXT and record["title"] == "A title"
    assert record["language"] == "en" and record["translation"]["language"] == "en"
    assert record["removed"] == [{"text": "Share this", "reason": "boilerplate"}]
    assert record["entities"] == [
        {
            "name": "Jane Roe",
            "label": "PERSON",
            "count": 2,
            "mentions": [
                {"text": "Jane Roe", "start": 0, "end": 8},
                {"text": "Roe", "start": 10, "end": 13},
            ],
            "provenance": {"source": "spacy", "confidence": None},
        }
    ]
    assert record["quotes"] == [
        {
            "speaker": "Jane Roe",
            "text": "We will",
            "start": 5,
            "end": 12,
            "kind": "direct",
            "provenance": {"source": "quotes", "confidence": None},
        }
    ]
    assert record["provenance"] == {
        "title": {"source": "og:title", "confidence": None},
        "summary": {"source": "lead", "confidence": 0.5},
    }
    assert record["story_id"] == stored.story_id and record["duplicate_of"] is None
    assert record["stored_at"] is not None
    assert get_article(engine, "nope") is None


def test_iter_articles_filters(engine: Engine, settings: StoreSettings) -> None:
    store_article(
        engine,
        article(
            "en1",
            TEXT,
            publisher="Alpha",
            language_check=english(),
            published="2021-01-05",
            entities=[entity("Jane Roe", "PERSON", "Ms Roe")],
        ),
        settings,
    )
    store_article(engine, article("xx2", OTHER, publisher="Beta", published="2021-02-05"), settings)
    store_article(engine, article("dup", TEXT), settings)

    def ids(**kw: object) -> list[str]:
        return [r["id"] for r in iter_articles(engine, ArticleFilter(**kw))]

    assert ids() == ["en1", "xx2"]
    assert ids(include_duplicates=True) == ["en1", "xx2", "dup"]
    assert ids(language="EN") == ["en1"]
    assert ids(publisher="beta") == ["xx2"]
    assert ids(date_from="2021-02-01") == ["xx2"]
    assert ids(date_to="2021-02-01") == ["en1"]
    assert ids(entity="jane roe") == ["en1"]
    assert ids(entity="Ms Roe") == ["en1"]  # an alias
    assert ids(entity="John Doe") == []
    assert ids(limit=1) == ["en1"]
