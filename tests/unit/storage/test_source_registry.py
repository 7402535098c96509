"""The source registry on a real database (SQLite here, PostgreSQL in test_storage_pg.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from config.settings import SourcesSettings
from tasks.common import utc_now
from tasks.errors import BadSourceUrl
from tasks.monitor.registry import (
    PAUSED,
    REMOVED,
    SourceSpec,
    add_publisher_domain,
    add_source,
    get_source,
    list_sources,
    set_state,
    source_key,
)
from tasks.storage.schema import metadata

SOURCE_TABLES = {"sources", "source_tags", "publisher_domains", "source_fetch_events",
                 "source_entries"}


def test_migration_0004_creates_what_the_schema_declares(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if any(t in repr(d) for t in SOURCE_TABLES)]
    assert ours == []


def test_the_same_url_twice_is_one_source(engine: Engine) -> None:
    settings = SourcesSettings()
    first, created = add_source(engine, SourceSpec("https://www.Example.com/feed.xml",
                                                   tags=("world",)), settings)
    again, created_again = add_source(
        engine, SourceSpec("http://example.com/feed.xml?utm_source=rss", tags=("uk",),
                           every_s=1800), settings)
    assert created and not created_again
    assert again.id == first.id
    assert again.tags == ("uk", "world")
    assert again.every_s == again.interval_s == 1800
    assert source_key("https://www.Example.com/feed.xml") == "example.com/feed.xml"
    assert [r.id for r in list_sources(engine, settings)] == [first.id]


def test_a_new_source_is_due_at_once_with_the_default_interval(engine: Engine) -> None:
    settings = SourcesSettings(default_interval_s=600)
    before = utc_now()
    row, _ = add_source(engine, SourceSpec("https://a.example/rss"), settings)
    assert row.interval_s == 600 and row.every_s is None
    assert before - timedelta(seconds=1) <= row.next_fetch_at <= utc_now()
    assert row.status == "new" and row.failure_score == 0


def test_alternative_domains_map_to_one_publisher(engine: Engine) -> None:
    settings = SourcesSettings()
    add_source(engine, SourceSpec("https://nytimes.com/rss", publisher="New York Times"),
               settings)
    add_publisher_domain(engine, "www.nyti.ms", "New York Times")
    later, _ = add_source(engine, SourceSpec("https://nyti.ms/feed"), settings)
    other, _ = add_source(engine, SourceSpec("https://other.example/feed"), settings)
    assert later.publisher == "New York Times"
    assert other.publisher is None


def test_tags_unhealthy_and_states_filter_the_list(engine: Engine) -> None:
    from sqlalchemy import update

    from tasks.storage.schema import sources

    settings = SourcesSettings(unhealthy_score=1.0)
    a, _ = add_source(engine, SourceSpec("https://a.example/rss", tags=("de",)), settings)
    b, _ = add_source(engine, SourceSpec("https://b.example/rss", tags=("fr",)), settings)
    c, _ = add_source(engine, SourceSpec("https://c.example/rss", tags=("fr",)), settings)
    with engine.begin() as conn:
        conn.execute(update(sources).where(sources.c.id == b.id).values(failure_score=1.5))
        conn.execute(update(sources).where(sources.c.id == c.id).values(anomaly="low"))
    assert [r.id for r in list_sources(engine, settings, tag="fr")] == [b.id, c.id]
    assert [r.id for r in list_sources(engine, settings, unhealthy=True)] == [b.id, c.id]
    assert set_state(engine, a.id, PAUSED)
    assert set_state(engine, c.id, REMOVED)
    assert not set_state(engine, 999_999, PAUSED)
    assert [r.id for r in list_sources(engine, settings)] == [a.id, b.id]
    assert get_source(engine, a.id).state == PAUSED  # type: ignore[union-attr]
    # Adding a removed URL again brings it back.
    back, created = add_source(engine, SourceSpec("https://c.example/rss"), settings)
    assert not created and back.state == "active"


def test_only_http_urls_are_sources(engine: Engine) -> None:
    with pytest.raises(BadSourceUrl):
        add_source(engine, SourceSpec("file:///etc/passwd"), SourcesSettings())
