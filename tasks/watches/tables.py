"""The two tables of watches: the saved watches, and one delivery row per (watch, article).

Declared on the storage ``metadata`` (same naming convention, so the migration and these
definitions agree on both backends); migration 0006 creates them.

Why the unique constraints: ``uq_watch_deliveries_watch_id`` on (watch, article) is what makes
"each article at most once per watch" hold whatever the number of store attempts, worker
restarts and replays (the store inserts with ON CONFLICT DO NOTHING); the one on
(watch, story_key) does the same for a watch on stories, whose rows carry the story id there
(NULL, hence never in conflict, for a watch on articles).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tasks.storage.schema import ID, metadata

__all__ = ["watch_deliveries", "watches"]

watches = Table(
    "watches",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("query", Text),  # full-text query: every word must occur (search's semantics)
    Column("entities", JSON, nullable=False),  # names; any one of them matches
    Column("language", String(16)),
    Column("publisher", Text),
    Column("scope", String(16), nullable=False),  # "articles" or "stories"
    Column("webhook_url", Text, nullable=False),
    Column("secret", Text, nullable=False),  # HMAC-SHA256 key of the signature header
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

watch_deliveries = Table(
    "watch_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watch_id", ID, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", ID, nullable=False, index=True),
    Column("story_key", ID),
    # pending -> sending (leased to one task) -> delivered | pending (retry) | failed
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("leased_until", DateTime(timezone=True)),
    Column("last_status", Integer),  # the receiver's last HTTP status, if it answered
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    UniqueConstraint("watch_id", "article_id", name="uq_watch_deliveries_watch_id"),
    UniqueConstraint("watch_id", "story_key", name="uq_watch_deliveries_watch_story"),
    Index("ix_watch_deliveries_watch_created", "watch_id", "created_at"),
)
