"""The database schema as SQLAlchemy Core tables: one definition for SQLite and PostgreSQL.

The tables here are what the code queries; the Alembic migration in ``migrations/versions``
creates them (plus the backend-specific full-text pieces, therefore not declared here: on
SQLite an FTS5 table of Snowball stems with the row's ``lang``, written by the store through
``search.index_article``, and a delete trigger; on PostgreSQL the generated ``search_config``
(the language's text-search configuration) and ``tsvector`` columns with a GIN index; see
migration 0003). The full stored ``Article`` JSON lives in ``articles.payload``; the other
tables are normalised copies for querying.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

__all__ = [
    "api_tokens",
    "article_entities",
    "article_keys",
    "article_vectors",
    "articles",
    "entities",
    "entity_aliases",
    "items",
    "lsh_bands",
    "mentions",
    "metadata",
    "publisher_domains",
    "quotes",
    "source_entries",
    "source_fetch_events",
    "source_tags",
    "sources",
    "stories",
]

# Explicit constraint names keep SQLite and PostgreSQL migrations identical.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(64)

# The item ledger: one row per enqueued item from the moment it is enqueued.
items = Table(
    "items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("batch_id", ID, index=True),
    Column("source", Text, nullable=False),
    Column("source_kind", String(16), nullable=False),
    Column("item_key", String(255), index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("stage", String(32)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # How often the sweeper re-sent the item: bounds items that keep getting lost.
    Column("sweeps", Integer, nullable=False, server_default="0"),
    Column("reason", String(64), index=True),
    Column("error", Text),
    Column("article_id", ID),
    Column("payload", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
)

stories = Table(
    "stories",
    metadata,
    Column("id", ID, primary_key=True),
    Column("label", Text, nullable=False),
    Column("first_date", Date),
    Column("last_date", Date),
    Column("article_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", ID, primary_key=True),  # = the item id that stored it
    Column("item_id", ID, nullable=False),
    Column("source", Text, nullable=False),
    Column("title", Text),
    Column("publisher", Text),
    Column("author", Text),
    Column("published", String(40)),
    Column("published_date", Date, index=True),  # parsed from `published`, for filters
    Column("canonical_url", Text),
    Column("language", String(16), index=True),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("duplicate_of", ID, ForeignKey("articles.id"), index=True),
    Column("story_id", ID, ForeignKey("stories.id"), index=True),
    Column("shingle_count", Integer, nullable=False, server_default="0"),
    Column("minhash", LargeBinary),  # uint64 signature, for near-duplicate verification
    Column("payload", JSON, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, index=True),
    # At most one *original* per content hash, whatever the number of concurrent workers.
    Index(
        "uq_articles_original_hash",
        "content_hash",
        unique=True,
        sqlite_where=text("duplicate_of IS NULL"),
        postgresql_where=text("duplicate_of IS NULL"),
    ),
)

# Canonical entities across articles: one row per (normalised name, label).
entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("label", String(32), nullable=False),
    Column("norm", String(255), nullable=False),
    # Last word of a PERSON's norm: a bare "Grushko" in one article finds the one full name
    # ending with it in others (tasks/storage/entity_index.py).
    Column("surname", String(255), index=True),
    UniqueConstraint("norm", "label", name="uq_entities_norm_label"),
)

entity_aliases = Table(
    "entity_aliases",
    metadata,
    Column("entity_id", Integer, ForeignKey("entities.id"), primary_key=True),
    Column("alias", String(255), primary_key=True),
)

article_entities = Table(
    "article_entities",
    metadata,
    Column("article_id", ID, ForeignKey("articles.id"), primary_key=True),
    Column("entity_id", Integer, ForeignKey("entities.id"), primary_key=True, index=True),
    Column("name", Text, nullable=False),  # the name this article used
    Column("count", Integer, nullable=False, server_default="0"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", ID, ForeignKey("articles.id"), nullable=False, index=True),
    Column("entity_id", Integer, ForeignKey("entities.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("start_char", Integer, nullable=False),
    Column("end_char", Integer, nullable=False),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", ID, ForeignKey("articles.id"), nullable=False, index=True),
    Column("speaker", Text),
    Column("text", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start_char", Integer, nullable=False),
    Column("end_char", Integer, nullable=False),
)

# MinHash LSH bands of every original article: the shared near-duplicate index, so that
# every worker process sees every article.
lsh_bands = Table(
    "lsh_bands",
    metadata,
    Column("band", Integer, primary_key=True),
    Column("hash", String(32), primary_key=True),
    Column("article_id", ID, ForeignKey("articles.id"), primary_key=True, index=True),
)

# Story-matching keys of each original article ("per:grushko", "gpe:brussels",
# "date:2022-01-12"): an inverted index to find candidate stories fast.
article_keys = Table(
    "article_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("weight", Integer, nullable=False, server_default="1"),
    Column("article_id", ID, ForeignKey("articles.id"), primary_key=True, index=True),
)

# The lead vector of each original article (tasks/nlp/embedding.py: 512 float16, 1 KB), the
# main story-matching signal across languages (tasks/storage/stories.py).
article_vectors = Table(
    "article_vectors",
    metadata,
    Column("article_id", ID, ForeignKey("articles.id"), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)

# API tokens of `newsflow serve` (tasks/storage/tokens.py): only a SHA-256 of each token is
# kept, so a copy of the database gives no one access.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("name", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# The source registry (tasks/monitor/): feeds and sitemaps polled on their own schedule.
# A source is never deleted by the system, only paused or removed by a person; its health
# (status, failure score, last success) is kept on the row, its polls in source_fetch_events.
sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    # tasks.sources.items.normalise_url of url: the same feed added twice is one source.
    Column("url_norm", String(2048), nullable=False, unique=True),
    Column("domain", String(255), nullable=False, index=True),
    Column("name", Text),
    Column("publisher", Text, index=True),
    Column("language", String(16)),
    Column("country", String(8)),
    Column("state", String(16), nullable=False, server_default="active"),  # active, paused
    Column("every_s", Float),  # a fixed interval chosen by a person; None: adaptive
    Column("interval_s", Float, nullable=False),  # the current (adaptive) interval
    Column("declared_s", Float),  # the feed's own ttl / sy:updatePeriod, a lower bound
    Column("next_fetch_at", DateTime(timezone=True), nullable=False, index=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(64)),
    # False once the server was caught sending unchanged validators for a changed body.
    Column("conditional", Boolean, nullable=False, server_default=true()),
    Column("status", String(64), nullable=False, server_default="new"),
    Column("failure_score", Float, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("last_fetch_at", DateTime(timezone=True)),
    Column("last_full_fetch_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("anomaly", String(16)),  # None, "low" or "high": volume against its recent days
    Column("items_total", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

source_tags = Table(
    "source_tags",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"),
           primary_key=True),
    Column("tag", String(128), primary_key=True, index=True),
)

# Alternative domains of one outlet (nytimes.com, nyti.ms) map to one publisher name.
publisher_domains = Table(
    "publisher_domains",
    metadata,
    Column("domain", String(255), primary_key=True),
    Column("publisher", Text, nullable=False, index=True),
)

# Every poll of a source: what happened, for `sources show` and the health figures.
source_fetch_events = Table(
    "source_fetch_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", String(32), nullable=False),  # ok, not_modified, unchanged, soft ...
    Column("http_status", Integer),
    Column("bytes", Integer, nullable=False, server_default="0"),
    Column("entries", Integer, nullable=False, server_default="0"),
    Column("new_items", Integer, nullable=False, server_default="0"),
    Column("duration_ms", Integer, nullable=False, server_default="0"),
    Column("note", Text),
    Index("ix_source_fetch_events_source_at", "source_id", "at"),
)

# Entry keys already seen per source ("guid:..." and "url:<normalised>"): a re-poll enqueues
# only entries none of whose keys is here.
source_entries = Table(
    "source_entries",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"),
           primary_key=True),
    Column("entry_key", String(512), primary_key=True),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
)
