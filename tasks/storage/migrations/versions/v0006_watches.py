"""Watches (saved queries and entity watch-lists) and their webhook deliveries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", sa.Text()),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("publisher", sa.Text()),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watches"),
        sa.UniqueConstraint("name", name="uq_watches_name"),
    )
    op.create_table(
        "watch_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("watch_id", _ID, nullable=False),
        sa.Column("article_id", _ID, nullable=False),
        sa.Column("story_key", _ID),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True)),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_watch_deliveries"),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name="fk_watch_deliveries_watch_id_watches",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("watch_id", "article_id", name="uq_watch_deliveries_watch_id"),
        sa.UniqueConstraint("watch_id", "story_key", name="uq_watch_deliveries_watch_story"),
    )
    op.create_index("ix_watch_deliveries_article_id", "watch_deliveries", ["article_id"])
    op.create_index("ix_watch_deliveries_status", "watch_deliveries", ["status"])
    op.create_index(
        "ix_watch_deliveries_watch_created", "watch_deliveries", ["watch_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("watch_deliveries")
    op.drop_table("watches")
