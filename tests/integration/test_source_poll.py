"""Polling sources against real local HTTP servers: the poll function with the real producer
(Redis broker, private queues, no worker: the ledger shows what was enqueued), a SQLite
database of the test's own, and the Redis politeness store under a private prefix.

Covered: new entries enqueued once across polls of a growing feed; 304 and unchanged bodies
enqueue nothing and a 304 does not clear an earlier failure; a lying ETag; failing, slow,
private-redirecting and 50 MB sources get their status and back-off without holding up the
others; a 429 with Retry-After backs the whole domain off, article fetches included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from config.settings import Settings, load_settings
from tasks.common import utc_now
from tasks.errors import RetryableError
from tasks.fetching.politeness import domain_gate, redis_client
from tasks.monitor.poll import batch_of, poll_source
from tasks.monitor.registry import SourceSpec, add_source, get_source
from tasks.sources.items import SourceItem, SourceProblem
from tasks.storage.db import get_engine, migrate
from tasks.storage.schema import items
from tests.integration.feed_site import FeedSite, Route, atom_window, feed_site
from tests.integration.ingest_stack import delete_queues
from tests.integration.services import require_redis

pytestmark = pytest.mark.integration

TPM = "talkingpointsmemo.atom"


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with feed_site() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    redis_url = require_redis()
    prefix = f"nf-test-{uuid.uuid4().hex[:8]}"
    settings = load_settings(
        broker_url=redis_url, database_url=f"sqlite:///{tmp_path / 'n.db'}",
        fetch={"allow_private_hosts": ["localhost"], "timeout_s": 1.0,
               "politeness_redis_url": redis_url, "politeness_key_prefix": f"{prefix}:polite",
               "per_domain_rate": 100, "per_domain_concurrency": 8},
        pipeline={"queue_prefix": prefix},
    )
    yield settings
    delete_queues(redis_url, prefix)


@pytest.fixture
def engine(settings: Settings) -> Engine:
    url = settings.database_url.get_secret_value()
    migrate(url)
    return get_engine(url)


class Producer:
    """The real producer (ledger rows, then messages on Redis), counting what it was given."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        from workers.app import make_app

        self.app = make_app(settings)
        self.settings, self.engine = settings, engine
        self.offered = 0

    def __call__(self, entries: list[SourceItem | SourceProblem], batch_id: str) -> int:
        from workers.producer.enqueue import enqueue

        self.offered += len(entries)
        report = enqueue(self.app, self.settings, self.engine, entries, batch_id=batch_id)
        return report.sent + report.resent


def _poll(engine: Engine, settings: Settings, source_id: int, producer: Producer) -> str:
    client = redis_client(settings.fetch.politeness_redis_url or "")
    return poll_source(engine, settings, source_id, enqueue=producer,
                       gate=domain_gate(settings.fetch), client=client).outcome


def _ledger_keys(engine: Engine, source_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(items.c.item_key)
                                 .where(items.c.batch_id == batch_of(source_id))).scalars())


def _add(engine: Engine, settings: Settings, url: str) -> int:
    row, _ = add_source(engine, SourceSpec(url), settings.sources)
    return row.id


def test_a_growing_feed_enqueues_each_entry_once(
    site: FeedSite, settings: Settings, engine: Engine,
) -> None:
    route = site.routes["/tpm.atom"] = Route(atom_window(TPM, 5), etag="auto")
    source = _add(engine, settings, site.url("/tpm.atom"))
    producer = Producer(settings, engine)
    outcomes, news = [], []
    for count in (5, 12, 12, 20, 20):
        route.body = atom_window(TPM, count)
        before = producer.offered
        outcomes.append(_poll(engine, settings, source, producer))
        news.append(producer.offered - before)
    # 12 twice: the server's ETag matches -> 304; 20 twice: the same.
    assert outcomes == ["ok", "ok", "not_modified", "ok", "not_modified"]
    assert news == [5, 7, 0, 8, 0]
    keys = _ledger_keys(engine, source)
    assert len(keys) == len(set(keys)) == 20
    sent = [h.get("if-none-match") for h in site.hits("/tpm.atom")]
    assert sent[0] is None and all(sent[1:])  # validators sent from the second poll on
    row = get_source(engine, source)
    assert row is not None and row.items_total == 20 and row.status == "not modified"
    assert row.last_success_at is not None and row.failure_score == 0


def test_an_unchanged_body_without_validators_enqueues_nothing(
    site: FeedSite, settings: Settings, engine: Engine,
) -> None:
    site.routes["/plain.atom"] = Route(atom_window(TPM, 6))  # no ETag, no Last-Modified
    source = _add(engine, settings, site.url("/plain.atom"))
    producer = Producer(settings, engine)
    assert _poll(engine, settings, source, producer) == "ok"
    interval = get_source(engine, source).interval_s  # type: ignore[union-attr]
    assert _poll(engine, settings, source, producer) == "unchanged"
    assert producer.offered == 6 and len(_ledger_keys(engine, source)) == 6
    assert get_source(engine, source).interval_s > interval  # type: ignore[union-attr]


def test_a_lying_etag_is_caught_and_conditional_get_turned_off(
    site: FeedSite, settings: Settings, engine: Engine,
) -> None:
    # Same ETag whatever the body, and a 304 for it: the server would hide new entries.
    route = site.routes["/liar.atom"] = Route(atom_window(TPM, 4), etag='"v1"',
                                              honour_validators=False)
    source = _add(engine, settings, site.url("/liar.atom"))
    producer = Producer(settings, engine)
    assert _poll(engine, settings, source, producer) == "ok"
    route.body = atom_window(TPM, 9)
    assert _poll(engine, settings, source, producer) == "ok"  # 200 with the same ETag
    row = get_source(engine, source)
    assert row is not None and row.conditional is False
    route.body, route.honour_validators = atom_window(TPM, 11), True
    assert _poll(engine, settings, source, producer) == "ok"  # no If-None-Match sent now
    assert site.hits("/liar.atom")[-1].get("if-none-match") is None
    assert len(_ledger_keys(engine, source)) == 11


def test_a_304_does_not_clear_an_earlier_failure(
    site: FeedSite, settings: Settings, engine: Engine,
) -> None:
    route = site.routes["/flaky.atom"] = Route(atom_window(TPM, 3), etag="auto")
    source = _add(engine, settings, site.url("/flaky.atom"))
    producer = Producer(settings, engine)
    assert _poll(engine, settings, source, producer) == "ok"
    route.status = 500
    assert _poll(engine, settings, source, producer) == "soft"
    route.status = 200
    assert _poll(engine, settings, source, producer) == "not_modified"
    row = get_source(engine, source)
    assert row is not None and row.failure_score == 0.5 and row.status == "not modified"
    route.body = atom_window(TPM, 4)
    assert _poll(engine, settings, source, producer) == "ok"
    assert get_source(engine, source).failure_score == 0  # type: ignore[union-attr]


def test_bad_sources_get_their_status_and_back_off_and_the_good_one_is_polled(
    site: FeedSite, settings: Settings, engine: Engine,
) -> None:
    with feed_site() as other:
        other.routes["/feed.atom"] = Route(atom_window(TPM, 2))
        site.routes.update({
            "/down.atom": Route(b"oops", status=500, content_type="text/plain"),
            "/gone.atom": Route(b"gone", status=410, content_type="text/plain"),
            "/slow.atom": Route(atom_window(TPM, 2), delay_s=3),
            # The allowed name redirects to a loopback address it must not reach.
            "/private.atom": Route(b"", status=302,
                                   headers={"Location": other.url("/feed.atom", "127.0.0.1")}),
            "/huge.atom": Route(huge_bytes=50 * 1024 * 1024),
            "/huge-chunked.atom": Route(huge_bytes=50 * 1024 * 1024, content_length=False),
            "/html.atom": Route(b"<html><body>Log in</body></html>", content_type="text/html"),
            "/good.atom": Route(atom_window(TPM, 7)),
        })
        producer = Producer(settings, engine)
        expected = {"/down.atom": ("soft", 0.5), "/gone.atom": ("hard", 1.0),
                    "/slow.atom": ("soft", 0.5), "/private.atom": ("hard", 1.0),
                    "/huge.atom": ("hard", 1.0), "/huge-chunked.atom": ("hard", 1.0),
                    "/html.atom": ("soft", 0.5), "/good.atom": ("ok", 0.0)}
        ids = {path: _add(engine, settings, site.url(path)) for path in expected}
        got = {path: _poll(engine, settings, ids[path], producer) for path in expected}
        assert got == {path: kind for path, (kind, _) in expected.items()}
        now = utc_now()
        for path, (_kind, score) in expected.items():
            row = get_source(engine, ids[path])
            assert row is not None and row.failure_score == score, path
            assert row.next_fetch_at > now + timedelta(seconds=row.interval_s * 0.9), path
            if score:
                assert row.last_error, path
        assert "forbidden" in (get_source(engine, ids["/private.atom"]).last_error or "")  # type: ignore[union-attr]
        assert "too_large" in (get_source(engine, ids["/huge.atom"]).last_error or "")  # type: ignore[union-attr]
        assert other.hits("/feed.atom") == []  # the private address was never reached
        assert len(_ledger_keys(engine, ids["/good.atom"])) == 7
        # The same broken page again is an error again, not "unchanged".
        assert _poll(engine, settings, ids["/html.atom"], producer) == "soft"
        assert get_source(engine, ids["/html.atom"]).failure_score == 1.0  # type: ignore[union-attr]
        # Failing again and again backs off linearly with the score: never deleted.
        for _ in range(3):
            _poll(engine, settings, ids["/gone.atom"], producer)
        gone = get_source(engine, ids["/gone.atom"])
        assert gone is not None and gone.failure_score == 4.0 and gone.state == "active"
        delay = (gone.next_fetch_at - utc_now()).total_seconds()
        assert delay > 3.5 * gone.interval_s


def test_retry_after_backs_the_whole_domain_off(
    site: FeedSite, settings: Settings, engine: Engine,
) -> None:
    site.routes["/busy.atom"] = Route(b"slow down", status=429, content_type="text/plain",
                                      headers={"Retry-After": "600"})
    site.routes["/sibling.atom"] = Route(atom_window(TPM, 2))
    producer = Producer(settings, engine)
    busy = _add(engine, settings, site.url("/busy.atom"))
    sibling = _add(engine, settings, site.url("/sibling.atom"))
    assert _poll(engine, settings, busy, producer) == "temporary"
    row = get_source(engine, busy)
    assert row is not None and row.failure_score == 0.25
    assert row.next_fetch_at >= utc_now() + timedelta(seconds=590)
    # The other source of the domain is pushed back in the database ...
    assert get_source(engine, sibling).next_fetch_at >= utc_now() + timedelta(seconds=590)  # type: ignore[union-attr]
    # ... and any poll or article fetch of the host is held back through Redis meanwhile.
    assert _poll(engine, settings, sibling, producer) == "deferred"
    assert site.hits("/sibling.atom") == []
    gate = domain_gate(settings.fetch)
    assert gate is not None
    with pytest.raises(RetryableError) as caught, gate("localhost"):
        pass
    assert caught.value.reason == "domain_backoff" and (caught.value.retry_after_s or 0) > 500
    assert get_source(engine, sibling).failure_score == 0  # type: ignore[union-attr]
