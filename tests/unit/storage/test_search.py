"""Full-text search with filters (FTS5 here; tsvector when run on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.models import LanguageCheck, Provenance
from tasks.storage.repository import ArticleFilter, search, store_article
from tests.unit.storage.factories import article, english

ALPHA = (
    "The harbour authority approved the new lighthouse on Tuesday.\n\n"
    "Engineers said the lighthouse will guide ferries through the narrow strait."
)
BETA = (
    "A lighthouse keeper wrote a memoir about forty winters on the island.\n\n"
    "Publishers expect the memoir to sell well before the holidays."
)
GAMMA = "Farmers reported an early wheat harvest across the northern plains this summer."


def _store_all(engine: Engine, settings: StoreSettings) -> None:
    store_article(
        engine,
        article(
            "alpha",
            ALPHA,
            title="Lighthouse approved",
            publisher="Coast News",
            language_check=english(),
            published="2022-05-01",
        ),
        settings,
    )
    store_article(
        engine,
        article("beta", BETA, title="A keeper's memoir", publisher="Books", published="2022-06-01"),
        settings,
    )
    store_article(
        engine, article("gamma", GAMMA, title="Harvest", publisher="Farm Daily"), settings
    )


def _ids(engine: Engine, **kw: object) -> list[str]:
    return [r["id"] for r in search(engine, ArticleFilter(**kw))]


def test_all_query_words_must_match(engine: Engine, settings: StoreSettings) -> None:
    _store_all(engine, settings)
    assert set(_ids(engine, query="lighthouse")) == {"alpha", "beta"}
    assert _ids(engine, query="lighthouse memoir") == ["beta"]
    assert _ids(engine, query="WHEAT Harvest") == ["gamma"]
    assert _ids(engine, query="submarine") == []


def test_title_and_frequency_rank_higher(engine: Engine, settings: StoreSettings) -> None:
    _store_all(engine, settings)
    hits = search(engine, ArticleFilter(query="lighthouse"))
    assert [h["id"] for h in hits] == ["alpha", "beta"]  # in alpha's title and twice in text
    assert hits[0]["rank"] > hits[1]["rank"]
    assert hits[0]["text"] == ALPHA


def test_search_combines_with_filters(engine: Engine, settings: StoreSettings) -> None:
    _store_all(engine, settings)
    assert _ids(engine, query="lighthouse", publisher="books") == ["beta"]
    assert _ids(engine, query="lighthouse", language="en") == ["alpha"]
    assert _ids(engine, query="lighthouse", date_from="2022-05-15") == ["beta"]
    assert _ids(engine, query="lighthouse", limit=1) == ["alpha"]


def test_query_syntax_is_taken_literally(engine: Engine, settings: StoreSettings) -> None:
    _store_all(engine, settings)
    assert _ids(engine, query='lighthouse AND "memoir" OR title:harvest*') == []
    assert _ids(engine, query="  ") == []
    assert _ids(engine, query="memoir; DROP TABLE articles") == []
    assert _ids(engine, query="memoir") == ["beta"]


# Stemming per article language: each article is matched against the query as its own
# language indexes it, so a query in any inflection finds the articles in that language.
DE = (
    "Die Verhandlung zwischen Moskau und Brüssel endete ohne Ergebnis.\n\n"
    "Beide Seiten wollen im Januar weiter sprechen."
)
FR = (
    "La négociation sur la sécurité européenne reprendra à Genève.\n\n"
    "Les diplomates restent prudents."
)
EN = "The negotiation over the ceasefire collapsed on Monday after the delegation left."


def _store_languages(engine: Engine, settings: StoreSettings) -> None:
    for item_id, body, language in (("de", DE, "de"), ("fr", FR, "fr"), ("en", EN, "en")):
        store_article(
            engine,
            article(
                item_id,
                body,
                title=f"Article {item_id}",
                language_check=LanguageCheck(language=language, confidence=0.99),
            ),
            settings,
        )


def test_an_inflected_query_finds_the_stem_in_the_articles_language(
    engine: Engine, settings: StoreSettings
) -> None:
    _store_languages(engine, settings)
    assert _ids(engine, query="Verhandlungen") == ["de"]
    assert _ids(engine, query="Verhandlung") == ["de"]
    assert _ids(engine, query="négociations") == ["fr"]
    assert _ids(engine, query="negotiations") == ["en"]  # an English plural
    assert _ids(engine, query="Verhandlungen Moskau") == ["de"]
    assert _ids(engine, query="Verhandlungen Paris") == []  # every word must still occur


def test_a_stop_word_of_the_articles_language_is_ignored_there(
    engine: Engine, settings: StoreSettings
) -> None:
    _store_languages(engine, settings)
    # "the" is an English stop word: ignored for English articles, missing from the others.
    assert _ids(engine, query="the negotiations") == ["en"]
    assert _ids(engine, query="die Verhandlungen") == ["de"]
    assert _ids(engine, query="la négociation") == ["fr"]
    assert _ids(engine, query="the") == []  # only stop words: nothing to look for in English


def test_articles_without_a_stemmer_match_their_plain_words(
    engine: Engine, settings: StoreSettings
) -> None:
    store_article(
        engine,
        article(
            "pap",
            "E negoshacion a cuminza awe na Willemstad.",
            language_check=LanguageCheck(language="pap", confidence=0.9),
        ),
        settings,
    )
    assert _ids(engine, query="negoshacion Willemstad") == ["pap"]
    assert _ids(engine, query="negoshacionnan") == []


def test_an_undated_article_is_stored_undated_and_left_out_of_date_ranges(
    engine: Engine, settings: StoreSettings
) -> None:
    undated = article(
        "undated",
        GAMMA,
        title="Harvest",
        metadata_provenance={"published": Provenance(source="none found")},
    )
    stored = store_article(engine, undated, settings)
    assert stored.verdict == "stored"
    [hit] = search(engine, ArticleFilter(query="harvest"))
    assert hit["published"] is None
    assert hit["provenance"]["published"] == {"source": "none found", "confidence": None}
    # --since/--until ask for a publication day: an article without one is not in the range
    assert _ids(engine, query="harvest", date_from="2020-01-01") == []
    assert _ids(engine, query="harvest", date_to="2030-01-01") == []
