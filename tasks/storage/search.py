"""Full-text search in every language: SQLite FTS5 or a PostgreSQL tsvector, plus filters.

Each article is indexed with its own language's stemmer and stop words
(``tasks.storage.search_terms``: PostgreSQL's text-search configuration of that language,
Snowball stems written by the store on SQLite, ``simple`` for a language with neither). A
query's language is unknown, so every article is matched against the query as its own
language would index it: the query is stemmed once per indexed language and each version
searches only the articles of that language ("Verhandlungen" finds "Verhandlung" in German
articles, "négociations" finds "négociation" in French ones). Every word of the query must
occur in the title or the text, except a stop word of the article's language, which is
ignored there (a query of stop words only finds nothing in that language). Ranking is each
engine's own (bm25 on SQLite, ts_rank_cd on PostgreSQL), highest first.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
    Engine,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from tasks.storage.db import busy_errors, is_postgres
from tasks.storage.export_record import ExportRecord
from tasks.storage.filters import ArticleFilter, article_select
from tasks.storage.schema import articles
from tasks.storage.search_terms import (
    PG_CONFIGS,
    SIMPLE,
    STEMMERS,
    index_text,
    query_terms,
    stemmer_name,
)

__all__ = ["index_article", "query_words", "search"]

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
_WORD = re.compile(r"[^\W_]+")  # letters and digits: underscores split, as in FTS5 and PostgreSQL
_fts = table("articles_fts", column("article_id"))
# Every name an article can be indexed under, on SQLite.
_SQLITE_NAMES = sorted({*STEMMERS.values(), SIMPLE})
_PG_NAMES = sorted({*PG_CONFIGS, SIMPLE})


def query_words(query: str) -> list[str]:
    """The query's words; operators and punctuation are never passed to the engine.

    Lowercased, not casefolded: PostgreSQL's parser lowercases, and the stop lists hold
    "daß", which casefolding would turn into "dass".
    """
    return _WORD.findall(query.lower())


def index_article(
    conn: Connection, article_id: str, title: str | None, body: str, language: str | None
) -> None:
    """Write the article's stemmed terms into SQLite's FTS5 table (in the store's transaction).

    PostgreSQL computes its ``search_vector`` itself (a generated column), so nothing is done
    there.
    """
    if is_postgres(conn):
        return
    name = stemmer_name(language)
    conn.execute(text("DELETE FROM articles_fts WHERE article_id = :id"), {"id": article_id})
    conn.execute(
        text(
            "INSERT INTO articles_fts(article_id, lang, title, text) "
            "VALUES (:id, :lang, :title, :text)"
        ),
        {
            "id": article_id,
            "lang": name,
            "title": index_text(title, name),
            "text": index_text(body, name),
        },
    )


def _groups(words: list[str], names: list[str]) -> dict[tuple[str, ...], list[str]]:
    """Index names grouped by the query terms they give (many languages leave "Grushko")."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for name in names:
        terms = tuple(query_terms(words, name))
        if terms:  # only stop words: nothing to find in that language
            groups[terms].append(name)
    return groups


def _fts_match(words: list[str]) -> str:
    """One FTS5 expression: per group, its languages AND all of its terms in title or text.

    Each term is quoted, so FTS5 syntax (AND, NEAR, *, column:) in user input stays literal.
    """
    branches = []
    for terms, names in _groups(words, _SQLITE_NAMES).items():
        langs = " OR ".join(f'"{n}"' for n in names)
        needed = " AND ".join(f'"{t}"' for t in terms)
        branches.append(f"(lang : ({langs}) AND {{title text}} : ({needed}))")
    return " OR ".join(branches)


def _pg_queries(conn: Connection, words: list[str]) -> dict[str, list[str]]:
    """tsquery text -> the configurations that give it, for the configurations present."""
    rows = conn.execute(
        text(
            "SELECT cfgname, plainto_tsquery(oid::regconfig, :q)::text AS q FROM pg_ts_config "
            "WHERE cfgnamespace = 'pg_catalog'::regnamespace AND cfgname = ANY(:names)"
        ),
        {"q": " ".join(words), "names": _PG_NAMES},
    ).all()
    groups: dict[str, list[str]] = defaultdict(list)
    for name, tsquery in rows:
        if tsquery:  # empty when every word is a stop word of that language
            groups[tsquery].append(name)
    return groups


def _pg_where(groups: dict[str, list[str]]) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    vector: ColumnClause[Any] = literal_column("articles.search_vector")
    config: ColumnClause[Any] = literal_column("articles.search_config::text")
    branches, ranks = [], []
    for tsquery, names in groups.items():
        query = cast(literal(tsquery), TSQUERY)
        in_group = config.in_(names)
        branches.append(in_group & vector.op("@@")(query))
        ranks.append((in_group, func.ts_rank_cd(vector, query)))
    if not branches:
        return false(), literal(0.0)
    # The OR of every group's query first: one condition the GIN index answers (PostgreSQL
    # does not turn the per-language branches below into a BitmapOr); the branches then
    # keep each article to its own language's query.
    either = cast(literal(" | ".join(f"({q})" for q in groups)), TSQUERY)
    where = vector.op("@@")(either) & or_(*branches)
    rank = case(*ranks, else_=literal(0.0))
    return where, rank


def search(engine: Engine, filters: ArticleFilter) -> list[dict[str, Any]]:
    """Export records matching ``filters.query`` and the other filters, best first.

    Each record carries an extra ``rank`` (higher is better; comparable within one result).
    """
    words = query_words(filters.query or "")
    if not words:
        return []
    stmt = article_select(filters)
    limit = filters.limit or DEFAULT_LIMIT
    with busy_errors("search"), engine.connect() as conn:
        if is_postgres(conn):
            where, pg_rank = _pg_where(_pg_queries(conn, words))
            rank = pg_rank.label("rank")
            stmt = stmt.add_columns(rank).where(where)
        else:
            match = _fts_match(words)
            if not match:
                return []
            rank = (-literal_column("bm25(articles_fts, 0.0, 0.0, 2.0, 1.0)")).label("rank")
            stmt = (
                stmt.add_columns(rank)
                .join(_fts, _fts.c.article_id == articles.c.id)
                .where(literal_column("articles_fts").op("MATCH")(match))
            )
        stmt = stmt.order_by(rank.desc(), articles.c.id).limit(limit)
        rows = conn.execute(stmt).mappings().all()
    logger.debug("search %r: %d hits", filters.query, len(rows))
    return [{**ExportRecord.from_row(row).json_dict(), "rank": float(row["rank"])} for row in rows]
