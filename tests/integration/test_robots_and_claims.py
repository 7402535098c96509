"""robots.txt for article fetches (a real local server, the Redis cache) and the beat tick's
claim: two ticks at once, on SQLite and PostgreSQL, never claim one source twice."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from config.settings import FetchSettings, SourcesSettings
from tasks.common import utc_now
from tasks.errors import RobotsDisallowed
from tasks.fetch import fetch
from tasks.fetching.politeness import redis_client
from tasks.fetching.robots import check_robots, clear_robots_cache
from tasks.models import Article
from tasks.monitor.registry import SourceSpec, add_source
from tasks.monitor.schedule import claim_due
from tasks.storage.db import get_engine
from tasks.storage.schema import sources
from tests.integration.feed_site import FeedSite, Route, feed_site
from tests.integration.services import require_redis

pytestmark = pytest.mark.integration

ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: otherbot\nDisallow: /\n"
PAGE = (b"<html><head><title>Budget vote</title></head><body><article><p>"
        + b"The council voted on the budget after a long debate about schools. " * 20
        + b"</p></article></body></html>")


@pytest.fixture
def site() -> Iterator[FeedSite]:
    clear_robots_cache()
    with feed_site() as server:
        server.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
        for path in ("/news/1.html", "/private/2.html"):
            server.routes[path] = Route(PAGE, content_type="text/html; charset=utf-8")
        yield server
    clear_robots_cache()


def _settings(prefix: str) -> FetchSettings:
    return FetchSettings(allow_private_hosts=["localhost"], politeness_redis_url=require_redis(),
                         politeness_key_prefix=prefix, per_domain_rate=100)


def _article(url: str) -> Article:
    return Article(id=uuid.uuid4().hex, source=url, source_kind="url")


def test_robots_disallow_is_honoured_and_read_once_per_host(site: FeedSite) -> None:
    settings = _settings(f"nf-test-{uuid.uuid4().hex[:8]}:polite")
    allowed = fetch(_article(site.url("/news/1.html")), settings)
    assert allowed.raw is not None
    with pytest.raises(RobotsDisallowed):
        fetch(_article(site.url("/private/2.html")), settings)
    assert site.hits("/private/2.html") == []
    assert len(site.hits("/robots.txt")) == 1
    # Another process (empty local cache) gets the text from Redis, not from the host.
    clear_robots_cache()
    with pytest.raises(RobotsDisallowed):
        check_robots(site.url("/private/3.html"), settings,
                     client=redis_client(settings.politeness_redis_url or ""))
    assert len(site.hits("/robots.txt")) == 1


def test_no_robots_txt_allows_everything_and_obey_robots_false_skips_it(site: FeedSite) -> None:
    del site.routes["/robots.txt"]
    settings = _settings(f"nf-test-{uuid.uuid4().hex[:8]}:polite")
    assert fetch(_article(site.url("/private/2.html")), settings).raw is not None
    clear_robots_cache()
    site.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
    off = settings.model_copy(update={"obey_robots": False, "politeness_key_prefix": "x"})
    assert fetch(_article(site.url("/private/2.html")), off).raw is not None


def _due_sources(url: str, count: int) -> list[int]:
    engine = get_engine(url)
    ids = [add_source(engine, SourceSpec(f"https://s{i}.example/rss"), SourcesSettings())[0].id
           for i in range(count)]
    with engine.begin() as conn:
        conn.execute(update(sources).values(next_fetch_at=utc_now() - timedelta(minutes=1)))
    return ids


def test_concurrent_ticks_claim_each_due_source_once(db_url: str) -> None:
    ids = _due_sources(db_url, 120)
    engine = get_engine(db_url)
    claimed: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def tick(slot: int) -> None:
        start.wait()
        for _ in range(10):  # small ticks, so the four interleave
            claimed[slot].extend(claim_due(engine, limit=7, claim_s=900))

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [source for slot in claimed for source in slot]
    assert sorted(every) == sorted(ids)  # each claimed exactly once
    assert sum(1 for slot in claimed if slot) >= 2  # the ticks really ran side by side
    assert claim_due(engine, limit=1000, claim_s=900) == []  # none due any more
    later = utc_now() + timedelta(seconds=901)
    assert len(claim_due(engine, limit=1000, claim_s=900, now=later)) == 120  # lease expired


def test_claims_whose_poll_never_ran_can_be_released(db_url: str) -> None:
    from tasks.monitor.schedule import release, unpolled

    ids = _due_sources(db_url, 3)
    engine = get_engine(db_url)
    claimed_at = utc_now()
    assert sorted(claim_due(engine, limit=10, claim_s=900, now=claimed_at)) == sorted(ids)
    with engine.begin() as conn:  # one of them was polled
        conn.execute(update(sources).where(sources.c.id == ids[0])
                     .values(last_fetch_at=claimed_at + timedelta(seconds=1)))
    left = unpolled(engine, ids, claimed_at)
    assert sorted(left) == sorted(ids[1:])
    release(engine, left)
    assert sorted(claim_due(engine, limit=10, claim_s=900)) == sorted(ids[1:])
