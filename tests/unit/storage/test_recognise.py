"""Copies recognised before the costly stages, and their records completed from the original.

Collected again on PostgreSQL by tests/integration/test_storage_pg.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from config.settings import Settings, StoreSettings
from tasks.cleaning import parsed_pages
from tasks.errors import EmptyInput
from tasks.models import Article, LanguageCheck, Provenance
from tasks.pipeline import run_stage_batch
from tasks.storage.copies import COPIED_FROM
from tasks.storage.recognise import before_clean, before_text_stages, recognised
from tasks.storage.repository import store_article, store_batch
from tasks.storage.schema import article_entities, articles
from tests.unit.storage.factories import article, corpus_texts, entity

TEXT = corpus_texts()[0][1]
OTHER = corpus_texts()[1][1]
PAGE = "<html><body><article><p>" + TEXT.replace("\n\n", "</p><p>") + "</p></article></body></html>"


def _original(item_id: str = "o1") -> Article:
    first = TEXT.split()[0]
    extracted = article(
        item_id, TEXT, inline_content=PAGE, inline_content_type="html", title="A title",
        language_check=LanguageCheck(language="en", confidence=0.99),
        entities=[entity("Someone Else", "PERSON", first)],
        extract_provenance={"entities": Provenance(source="spacy")},
    )
    return extracted


def _stored_original(engine: Engine, settings: StoreSettings) -> Article:
    original = _original()
    before_clean([original], settings, engine)  # computes its raw hash; nothing stored yet
    assert original.raw_hash is not None and not recognised(original)
    return store_article(engine, original, settings)


def test_a_byte_identical_copy_skips_clean_and_is_completed_from_its_original(
    engine: Engine, settings: StoreSettings
) -> None:
    stored = _stored_original(engine, settings)
    copy = Article(id="c1", source="wire://c1", inline_content=PAGE, inline_content_type="html")
    before_clean([copy], settings, engine)
    assert copy.duplicate_of == "o1" and recognised(copy)
    assert copy.inline_content is None  # the page does not travel on
    done = store_article(engine, copy, settings)
    assert (done.verdict, done.duplicate_of, done.story_id) == ("duplicate", "o1", stored.story_id)
    assert done.text == TEXT and done.title == "A title"
    assert done.language_check is not None and done.language_check.language == "en"
    assert [e.name for e in done.entities] == ["Someone Else"]
    assert done.extract_provenance[COPIED_FROM].source == "article o1"
    with engine.connect() as conn:
        names = conn.execute(
            select(article_entities.c.name).where(article_entities.c.article_id == "c1")
        ).scalars().all()
    assert names == ["Someone Else"]


def test_a_near_copy_is_recognised_by_its_text_and_its_offsets_follow(
    engine: Engine, settings: StoreSettings
) -> None:
    _stored_original(engine, settings)
    header = "WIRE (Agency) -\n\n"
    copy = article("c2", header + TEXT + "\n\nCopyright 2026 Agency. All rights reserved.")
    unrelated = article("u1", OTHER)
    before_text_stages([copy, unrelated], settings, engine)
    assert copy.duplicate_of == "o1" and unrelated.duplicate_of is None
    done = store_article(engine, copy, settings)
    assert (done.verdict, done.duplicate_of) == ("duplicate", "o1")
    [person] = done.entities
    mention = person.mentions[0]
    assert done.text is not None
    assert done.text[mention.start : mention.end] == mention.text
    assert mention.start == len(header)


def test_nothing_is_recognised_before_its_original_is_stored(
    engine: Engine, settings: StoreSettings
) -> None:
    first, second = _original("o1"), _original("o2")
    before_clean([first, second], settings, engine)
    before_text_stages([first, second], settings, engine)
    assert not recognised(first) and not recognised(second)
    # ... and the store still decides: the later one is a duplicate of the first.
    store_article(engine, first, settings)
    assert store_article(engine, second, settings).duplicate_of == "o1"


def test_a_batch_is_stored_in_one_go_with_one_result_per_article(
    engine: Engine, settings: StoreSettings
) -> None:
    results = store_batch(
        engine, [article("b1", TEXT), article("b2", "  " + TEXT), article("b3", "  ")], settings
    )
    assert [getattr(r, "verdict", None) for r in results[:2]] == ["stored", "duplicate"]
    assert getattr(results[1], "duplicate_of", None) == "b1"
    assert isinstance(results[2], EmptyInput)
    again = store_batch(engine, [article("b2", "  " + TEXT)], settings)
    assert getattr(again[0], "duplicate_of", None) == "b1"
    with engine.connect() as conn:
        assert sorted(conn.execute(select(articles.c.id)).scalars()) == ["b1", "b2"]


@dataclass
class _Resources:
    settings: Settings
    engine: Engine


def test_a_recognised_article_passes_the_check_untouched(
    engine: Engine, settings: StoreSettings
) -> None:
    _stored_original(engine, settings)
    copy, fresh = article("c3", "  " + TEXT), article("f1", OTHER)
    resources = _Resources(Settings(), engine)
    out = run_stage_batch("translate_check", [copy, fresh], resources)
    assert out[0] is copy and isinstance(out[0], Article) and out[0].language_check is None
    assert isinstance(out[1], Article) and out[1].language_check is not None


def test_a_name_takes_the_label_stored_before_or_earlier_in_the_same_batch(
    engine: Engine, settings: StoreSettings
) -> None:
    """adopt_known_labels, with the batch's one look-up (known_labels) kept up to date."""
    person = entity("Olaf Scholz", "PERSON", "Olaf Scholz")
    unlabelled = entity("Olaf Scholz", "NAME", "Olaf Scholz")
    one_batch = store_batch(engine, [article("p1", TEXT, entities=[person]),
                                     article("n1", OTHER, entities=[unlabelled])], settings)
    later = store_article(engine, article("n2", corpus_texts()[2][1], entities=[unlabelled]),
                          settings)
    for done in (one_batch[1], later):
        assert isinstance(done, Article)
        [found] = done.entities
        assert found.label == "PERSON" and found.provenance.source.endswith(
            "label from stored articles")


def test_a_page_copy_skips_clean_and_a_page_that_is_none_hands_clean_its_tree(
    engine: Engine, settings: StoreSettings
) -> None:
    stored = _stored_original(engine, settings)
    header = "<body><header><p>The Evening Post, on the quay every morning since 1901</p></header>"
    other = PAGE.replace(TEXT.replace("\n\n", "</p><p>"), OTHER.replace("\n\n", "</p><p>"))
    copy = Article(id="c3", source="wire://c3", inline_content=PAGE.replace("<body>", header),
                   inline_content_type="html")
    stranger = Article(id="s1", source="wire://s1", inline_content=other,
                       inline_content_type="html")
    copy_page, stranger_page = copy.inline_content or "", stranger.inline_content or ""
    before_clean([copy, stranger], settings, engine)
    assert copy.duplicate_of == stored.id and stranger.duplicate_of is None
    assert parsed_pages.take(copy_page) == (False, None)  # let go: clean never runs on it
    handed, tree = parsed_pages.take(stranger_page)  # parsed once, for the gate and for clean
    assert handed and tree is not None
