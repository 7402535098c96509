"""The source registry: sources, their tags, publisher domains, fetch events, seen entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("url_norm", sa.String(2048), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("publisher", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("country", sa.String(8)),
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("every_s", sa.Float),
        sa.Column("interval_s", sa.Float, nullable=False),
        sa.Column("declared_s", sa.Float),
        sa.Column("next_fetch_at", TZ, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("body_hash", sa.String(64)),
        sa.Column("conditional", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("status", sa.String(64), nullable=False, server_default="new"),
        sa.Column("failure_score", sa.Float, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("last_fetch_at", TZ),
        sa.Column("last_full_fetch_at", TZ),
        sa.Column("last_success_at", TZ),
        sa.Column("anomaly", sa.String(16)),
        sa.Column("items_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("url_norm", name="uq_sources_url_norm"),
    )
    op.create_index("ix_sources_domain", "sources", ["domain"])
    op.create_index("ix_sources_publisher", "sources", ["publisher"])
    op.create_index("ix_sources_next_fetch_at", "sources", ["next_fetch_at"])
    op.create_table(
        "source_tags",
        sa.Column("source_id", sa.Integer,
                  sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(128), primary_key=True),
    )
    op.create_index("ix_source_tags_tag", "source_tags", ["tag"])
    op.create_table(
        "publisher_domains",
        sa.Column("domain", sa.String(255), primary_key=True),
        sa.Column("publisher", sa.Text, nullable=False),
    )
    op.create_index("ix_publisher_domains_publisher", "publisher_domains", ["publisher"])
    op.create_table(
        "source_fetch_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.Integer,
                  sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("bytes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("entries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("new_items", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_source_fetch_events_source_at", "source_fetch_events",
                    ["source_id", "at"])
    op.create_table(
        "source_entries",
        sa.Column("source_id", sa.Integer,
                  sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entry_key", sa.String(512), primary_key=True),
        sa.Column("first_seen_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("source_entries", "source_fetch_events", "publisher_domains", "source_tags",
                  "sources"):
        op.drop_table(table)
