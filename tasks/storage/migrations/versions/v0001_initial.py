"""Initial schema: item ledger, articles, entities, mentions, quotes, stories, LSH bands,
plus full-text search (FTS5 table and triggers on SQLite, tsvector column on PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2025-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)
ORIGINAL = sa.text("duplicate_of IS NULL")

# Own copy of title/text in the FTS5 table: an external-content table would need a stable
# integer rowid, which a table keyed by a string id does not guarantee across VACUUM.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "article_id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(article_id, title, text) "
    "VALUES (new.id, coalesce(new.title, ''), new.text); END",
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    "DELETE FROM articles_fts WHERE article_id = old.id; END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN "
    "UPDATE articles_fts SET title = coalesce(new.title, ''), text = new.text "
    "WHERE article_id = old.id; END",
]

# 'simple' (no stemming, casefolded) matches what SQLite's unicode61 tokenizer does, so both
# backends answer a query alike, whatever the article's language.
PG_FTS = [
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', text), 'B')) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", ID, primary_key=True),
        sa.Column("batch_id", ID, index=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("item_key", sa.String(255), index=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("stage", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sweeps", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reason", sa.String(64), index=True),
        sa.Column("error", sa.Text),
        sa.Column("article_id", ID),
        sa.Column("payload", sa.JSON),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False, index=True),
    )
    op.create_table(
        "stories",
        sa.Column("id", ID, primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("first_date", sa.Date),
        sa.Column("last_date", sa.Date),
        sa.Column("article_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "articles",
        sa.Column("id", ID, primary_key=True),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("publisher", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("published", sa.String(40)),
        sa.Column("published_date", sa.Date, index=True),
        sa.Column("canonical_url", sa.Text),
        sa.Column("language", sa.String(16), index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("duplicate_of", ID, sa.ForeignKey("articles.id"), index=True),
        sa.Column("story_id", ID, sa.ForeignKey("stories.id"), index=True),
        sa.Column("shingle_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("stored_at", TS, nullable=False, index=True),
    )
    op.create_index(
        "uq_articles_original_hash",
        "articles",
        ["content_hash"],
        unique=True,
        sqlite_where=ORIGINAL,
        postgresql_where=ORIGINAL,
    )
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("norm", sa.String(255), nullable=False),
        sa.Column("surname", sa.String(255), index=True),
        sa.UniqueConstraint("norm", "label", name="uq_entities_norm_label"),
    )
    op.create_table(
        "entity_aliases",
        sa.Column("entity_id", sa.Integer, sa.ForeignKey("entities.id"), primary_key=True),
        sa.Column("alias", sa.String(255), primary_key=True),
    )
    op.create_table(
        "article_entities",
        sa.Column("article_id", ID, sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column(
            "entity_id", sa.Integer, sa.ForeignKey("entities.id"), primary_key=True, index=True
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", ID, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column(
            "entity_id", sa.Integer, sa.ForeignKey("entities.id"), nullable=False, index=True
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start_char", sa.Integer, nullable=False),
        sa.Column("end_char", sa.Integer, nullable=False),
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", ID, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column("speaker", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_char", sa.Integer, nullable=False),
        sa.Column("end_char", sa.Integer, nullable=False),
    )
    op.create_table(
        "lsh_bands",
        sa.Column("band", sa.Integer, primary_key=True),
        sa.Column("hash", sa.String(32), primary_key=True),
        sa.Column("article_id", ID, sa.ForeignKey("articles.id"), primary_key=True, index=True),
    )
    op.create_table(
        "article_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("weight", sa.Integer, nullable=False, server_default="1"),
        sa.Column("article_id", ID, sa.ForeignKey("articles.id"), primary_key=True, index=True),
    )
    for statement in SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else PG_FTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in (
        "article_keys",
        "lsh_bands",
        "quotes",
        "mentions",
        "article_entities",
        "entity_aliases",
        "entities",
        "articles",
        "stories",
        "items",
    ):
        op.drop_table(table)
