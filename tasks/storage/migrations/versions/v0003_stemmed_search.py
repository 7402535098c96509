"""Full-text search stemmed per article language; the index is rebuilt from stored text.

SQLite: the FTS5 table gains a ``lang`` column (the Snowball algorithm the row was stemmed
with) and holds stems instead of a copy of the text. SQLite has no stemming tokenizer, so
the store writes the row (``tasks.storage.search.index_article``) and the insert/update
triggers go; the delete trigger stays. Existing rows are re-indexed here with the same code.

PostgreSQL: ``search_config`` (the article language's text-search configuration, ``simple``
when it has none) and ``search_vector`` built with it, both generated from the row, so adding
them rewrites every stored article.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copy of tasks.storage.search_terms.pg_config at this revision (a unit test checks
# they agree): changing the mapping changes the stored vectors, so it needs a new migration.
PG_CONFIG_OF = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "hr": "serbian",
    "bs": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

SQLITE_FTS_TABLE = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "article_id UNINDEXED, lang, title, text, tokenize = 'unicode61 remove_diacritics 2')"
)
SQLITE_DELETE_TRIGGER = (
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    "DELETE FROM articles_fts WHERE article_id = old.id; END"
)
REINDEX_CHUNK = 500


def _pg_config_case(present: set[str]) -> str:
    base = "split_part(replace(lower(coalesce(language, '')), '_', '-'), '-', 1)"
    whens = " ".join(
        f"WHEN '{code}' THEN '{cfg}'::regconfig"
        for code, cfg in PG_CONFIG_OF.items()
        if cfg in present
    )
    return f"(CASE {base} {whens} ELSE 'simple'::regconfig END)"


def _upgrade_pg() -> None:
    bind = op.get_bind()
    present = {
        r[0]
        for r in bind.execute(
            sa.text(
                "SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace"
            )
        )
    }
    config = _pg_config_case(present)
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
    # One ALTER: PostgreSQL rewrites the table once for both generated columns.
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_config regconfig "
        f"GENERATED ALWAYS AS {config} STORED, "
        f"ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        f"setweight(to_tsvector({config}, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector({config}, text), 'B')) STORED"
    )
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")


def _upgrade_sqlite() -> None:
    # The live indexer on purpose: SQLite's index must hold what today's query code stems.
    from tasks.storage.search import index_article

    for name in ("articles_fts_ai", "articles_fts_au", "articles_fts_ad"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(SQLITE_FTS_TABLE)
    op.execute(SQLITE_DELETE_TRIGGER)
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, title, text, language FROM articles WHERE id > :last "
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": REINDEX_CHUNK},
        ).all()
        for row in rows:
            index_article(bind, row.id, row.title, row.text, row.language)
        if len(rows) < REINDEX_CHUNK:
            break
        last = rows[-1].id


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_pg()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector, DROP COLUMN search_config")
        op.execute(
            "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('simple', text), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
        return
    op.execute("DROP TRIGGER IF EXISTS articles_fts_ad")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5("
        "article_id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        "INSERT INTO articles_fts(article_id, title, text) "
        "SELECT id, coalesce(title, ''), text FROM articles"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts(article_id, title, text) "
        "VALUES (new.id, coalesce(new.title, ''), new.text); END"
    )
    op.execute(SQLITE_DELETE_TRIGGER)
    op.execute(
        "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN "
        "UPDATE articles_fts SET title = coalesce(new.title, ''), text = new.text "
        "WHERE article_id = old.id; END"
    )
