"""list_stories and list_entities."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.storage.repository import (
    ArticleFilter,
    iter_articles,
    list_entities,
    list_stories,
    store_article,
)
from tests.unit.storage.factories import article, entity, grushko_full_and_bare, seed_articles


def test_seed_story_is_listed_with_both_articles(engine: Engine, settings: StoreSettings) -> None:
    for seed in seed_articles():
        store_article(engine, seed, settings)
    store_article(engine, article("solo", "A quiet village fair sold jam and honey."), settings)
    stories = list_stories(engine)
    assert [s["article_count"] for s in stories] == [2, 1]
    top = stories[0]
    assert [a["id"] for a in top["articles"]] == ["seed-ria", "seed-rt"]
    assert top["publishers"] == ["RIA Novosti", "RT en français"]
    assert top["languages"] == ["en"]
    assert "Alexander Grushko" in top["label"] and "2022-01-12" in top["label"]
    assert list_stories(engine, min_articles=2) == [top]


def test_entities_are_canonical_across_articles(engine: Engine, settings: StoreSettings) -> None:
    for seed in seed_articles():
        store_article(engine, seed, settings)
    found = {(e["name"], e["label"]): e for e in list_entities(engine, limit=100)}
    grushko = found[("Alexander Grushko", "PERSON")]
    assert grushko["article_count"] == 2
    assert grushko["aliases"] == ["Alexander Grushko", "Grushko"]
    assert found[("Jens Stoltenberg", "PERSON")]["article_count"] == 1
    people = list_entities(engine, label="person")
    assert {e["label"] for e in people} == {"PERSON"}
    assert people[0]["name"] == "Alexander Grushko"


def test_duplicates_do_not_count(engine: Engine, settings: StoreSettings) -> None:
    ria = seed_articles()[0]
    store_article(engine, ria, settings)
    store_article(engine, ria.model_copy(update={"id": "ria-copy"}), settings)
    found = {e["name"]: e["article_count"] for e in list_entities(engine)}
    assert found["Alexander Grushko"] == 1
    assert list_stories(engine)[0]["article_count"] == 1


def _person_rows(engine: Engine, *names: str) -> dict[str, tuple[int, list[str]]]:
    found = {e["name"]: (e["article_count"], e["aliases"]) for e in list_entities(engine, "PERSON")}
    return {n: found[n] for n in names if n in found}


@pytest.mark.parametrize("order", ["full name first", "bare surname first"])
def test_bare_surname_joins_the_one_full_name_across_articles(
    engine: Engine, settings: StoreSettings, order: str
) -> None:
    full, bare = grushko_full_and_bare()
    for item in [full, bare] if order == "full name first" else [bare, full]:
        store_article(engine, item, settings)
    assert _person_rows(engine, "Alexander Grushko", "Grushko") == {
        "Alexander Grushko": (2, ["Alexander Grushko", "Grushko"])
    }
    # Either article is found under either name.
    for name in ("Grushko", "Alexander Grushko"):
        hits = iter_articles(engine, ArticleFilter(entity=name))
        assert sorted(a["id"] for a in hits) == ["bare", "full"]


def test_bare_surname_of_two_full_names_stays_apart(
    engine: Engine, settings: StoreSettings
) -> None:
    people = [("Alexander Grushko", "a"), ("Ivan Grushko", "b"), ("Grushko", "c")]
    for name, item_id in people:
        text = f"{name} spoke at length about item {item_id} of a long and varied agenda."
        store_article(
            engine, article(item_id, text, entities=[entity(name, "PERSON", name)]), settings
        )
    assert _person_rows(engine, "Alexander Grushko", "Ivan Grushko", "Grushko") == {
        "Alexander Grushko": (1, ["Alexander Grushko"]),
        "Ivan Grushko": (1, ["Ivan Grushko"]),
        "Grushko": (1, ["Grushko"]),
    }


def _unit(x: float, y: float) -> str:
    import numpy as np

    from tasks.nlp.embedding import DIMENSIONS, encode_vector

    v = np.zeros(DIMENSIONS, dtype=np.float32)
    v[0], v[1] = x, y
    encoded = encode_vector(v / np.linalg.norm(v))
    assert encoded is not None
    return encoded


def test_a_story_is_headed_by_its_most_central_title_in_the_asked_language(
    engine: Engine, settings: StoreSettings
) -> None:
    from tasks.models import LanguageCheck

    # three reports of one event; the French one sits between the other two
    texts = {"en": "The ministers met in Brussels on Tuesday and agreed on little.",
             "fr": "Les ministres se sont réunis mardi à Bruxelles sans grand accord.",
             "de": "Die Minister trafen sich am Dienstag in Brüssel und einigten sich kaum."}
    for item_id, lang, lean in [("en-1", "en", 0.3), ("fr-1", "fr", 0.0), ("de-1", "de", -0.3)]:
        store_article(engine, article(
            item_id, texts[lang],
            title=f"Title {lang}", lead_vector=_unit(1.0, lean),
            language_check=LanguageCheck(language=lang, confidence=0.99)), settings)
    [story] = list_stories(engine)
    assert story["article_count"] == 3
    assert (story["headline"], story["headline_language"]) == ("Title fr", "fr")
    [german] = list_stories(engine, language="de")
    assert (german["headline"], german["headline_language"]) == ("Title de", "de")
    # no article in Japanese: the most central title, whatever its language
    assert list_stories(engine, language="ja")[0]["headline"] == "Title fr"
