"""A recognised copy's entity rows come from its original's rows (``copy_rows``): the same
rows the full entity path writes for the completed copy, offsets moved as its record's."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from config.settings import StoreSettings
from tasks.common import utc_now
from tasks.models import Article, Entity, Mention, Provenance
from tasks.storage.entity_index import index_entities
from tasks.storage.repository import store_article
from tasks.storage.schema import article_entities, articles, mentions
from tests.unit.storage.factories import article, corpus_texts

TEXT = corpus_texts()[0][1]


def _span(word: str, after: int = 0) -> Mention:
    start = TEXT.index(word, after)
    return Mention(text=word, start=start, end=start + len(word))


def _original() -> Article:
    words = TEXT.split()
    first, later = words[0], words[40]
    return article(
        "o1", TEXT,
        entities=[
            Entity(name="First Name", label="PERSON", mentions=[_span(first)], count=1),
            Entity(name="Later Place", label="GPE",
                   mentions=[_span(later, len(TEXT) // 3)], count=2),
        ],
        extract_provenance={"entities": Provenance(source="spacy")},
    )


def _rows(conn: Connection, article_id: str) -> tuple[list[tuple[object, ...]], ...]:
    named = conn.execute(
        select(article_entities.c.entity_id, article_entities.c.name, article_entities.c.count)
        .where(article_entities.c.article_id == article_id).order_by(article_entities.c.entity_id)
    ).all()
    spans = conn.execute(
        select(mentions.c.entity_id, mentions.c.text, mentions.c.start_char, mentions.c.end_char)
        .where(mentions.c.article_id == article_id).order_by(mentions.c.start_char)
    ).all()
    return [tuple(r) for r in named], [tuple(r) for r in spans]


def _as_new_article(engine: Engine, done: Article) -> tuple[list[tuple[object, ...]], ...]:
    """The rows the full entity path writes for the completed copy (rolled back)."""
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(articles.insert().values(
            id="probe", item_id="probe", source="test://probe", text=done.text,
            content_hash="probe", payload={}, stored_at=utc_now()))
        index_entities(conn, "probe", done.entities)
        rows = _rows(conn, "probe")
        trans.rollback()
    return rows


def test_a_copy_with_another_header_gets_its_originals_rows_moved(
    engine: Engine, settings: StoreSettings
) -> None:
    store_article(engine, _original(), settings)
    header = "WIRE (Agency) -\n\n"
    done = store_article(engine, article("c1", header + TEXT, duplicate_of="o1"), settings)
    assert (done.verdict, done.duplicate_of) == ("duplicate", "o1")
    with engine.connect() as conn:
        named, spans = _rows(conn, "c1")
        original_named, original_spans = _rows(conn, "o1")
    assert named == original_named and len(named) == 2
    assert [s[2] for s in spans] == [s[2] + len(header) for s in original_spans]
    assert all(done.text is not None and done.text[s[2]:s[3]] == s[1] for s in spans)
    assert (named, spans) == _as_new_article(engine, done)


def test_a_copy_edited_inside_keeps_only_the_mentions_still_in_place(
    engine: Engine, settings: StoreSettings
) -> None:
    store_article(engine, _original(), settings)
    first = TEXT.split()[0]
    # a word added after the first: the later mention moves, the original is not inside whole
    edited = TEXT.replace(first, first + " indeed", 1)
    done = store_article(engine, article("c2", edited, duplicate_of="o1"), settings)
    with engine.connect() as conn:
        named, spans = _rows(conn, "c2")
    assert [s[1] for s in spans] == [first]
    assert len(named) == 2  # both entities, as the record names them
    assert [len(e.mentions) for e in done.entities] == [1, 0]
    assert (named, spans) == _as_new_article(engine, done)


def test_a_copy_row_holds_no_signature(engine: Engine, settings: StoreSettings) -> None:
    store_article(engine, _original(), settings)
    store_article(engine, article("c3", "  " + TEXT, duplicate_of="o1"), settings)
    with engine.connect() as conn:
        row = conn.execute(select(articles.c.minhash, articles.c.shingle_count)
                           .where(articles.c.id == "c3")).one()
        original = conn.execute(select(articles.c.shingle_count)
                                .where(articles.c.id == "o1")).scalar_one()
    assert tuple(row) == (None, 0) and original > 0
