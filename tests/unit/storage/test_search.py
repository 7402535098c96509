"""Full-text search with filters (FTS5 here; tsvector when run on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine

from config.settings import StoreSettings
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
