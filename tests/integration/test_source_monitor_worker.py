"""The source monitor through real Celery workers: `newsflow worker` (2 processes) on the
machine's Redis, a temporary PostgreSQL database, feeds on a local HTTP server that change
between ticks. Ticks are the beat task itself, sent to the worker as beat would send it.

Shown: two ticks sent at once poll each due source once; a growing feed's entries end in the
store exactly once over several ticks; URL entries are fetched with robots.txt obeyed; a slow
and a failing source do not hold the others back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, update

from tasks.common import utc_now
from tasks.storage.schema import articles, items, source_fetch_events, sources
from tests.conftest import CORPUS_DEV
from tests.integration.feed_site import FeedSite, Route, atom_window, feed_site, rss_linking
from tests.integration.ingest_stack import ingest_stack, newsflow

pytestmark = pytest.mark.integration

TPM = "talkingpointsmemo.atom"
DONE = ("stored", "duplicate", "rejected", "dead")
PAGES = sorted(p.name for p in CORPUS_DEV.glob("lg-*.html"))[:4]
LINKED = [f"/news/{PAGES[0]}", f"/news/{PAGES[1]}", f"/private/{PAGES[2]}",
          f"/private/{PAGES[3]}"]


@pytest.fixture(scope="module")
def site() -> Iterator[FeedSite]:
    with feed_site() as server:
        server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n",
                                             content_type="text/plain")
        for path in LINKED:
            server.routes[path] = Route((CORPUS_DEV / path.rsplit("/", 1)[1]).read_bytes(),
                                        content_type="text/html; charset=utf-8")
        server.routes["/tpm.atom"] = Route(atom_window(TPM, 6), etag="auto")
        server.routes["/linked.rss"] = Route(
            rss_linking("guardian-us.rss", server.url(""), LINKED),
            content_type="application/rss+xml")
        server.routes["/slow.atom"] = Route(atom_window(TPM, 1), delay_s=4)
        server.routes["/down.atom"] = Route(b"down", status=503, content_type="text/plain")
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, site: FeedSite) -> Iterator[dict[str, str]]:
    env = {"NEWSFLOW_FETCH__ALLOW_PRIVATE_HOSTS": '["localhost"]',
           "NEWSFLOW_FETCH__TIMEOUT_S": "2", "NEWSFLOW_FETCH__PER_DOMAIN_RATE": "50",
           "NEWSFLOW_FETCH__PER_DOMAIN_CONCURRENCY": "4"}
    with ingest_stack(tmp_path_factory.mktemp("monitor"), env, concurrency=2) as environment:
        yield environment


@pytest.fixture(scope="module")
def engine(stack: dict[str, str]) -> Iterator[Engine]:
    engine = create_engine(stack["NEWSFLOW_DATABASE_URL"])
    yield engine
    engine.dispose()


def _tick(env: dict[str, str], times: int = 1) -> None:
    from config.settings import load_settings
    from workers.app import make_app

    settings = load_settings(broker_url=env["NEWSFLOW_BROKER_URL"],
                             pipeline={"queue_prefix": env["NEWSFLOW_PIPELINE__QUEUE_PREFIX"]})
    app = make_app(settings)
    for _ in range(times):
        app.send_task("newsflow.sources_tick", queue=settings.pipeline.queue_for("fetch"))


def _wait(what: str, done: Callable[[], bool], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def _events(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(source_fetch_events.c.source_id, func.count())
                                 .group_by(source_fetch_events.c.source_id)).all())


def _batch_states(engine: Engine, source_id: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(items.c.item_key, items.c.state)
            .where(items.c.batch_id == f"source-{source_id}"))]


def _settled(engine: Engine, source_id: int, expected: int) -> Callable[[], bool]:
    def check() -> bool:
        rows = _batch_states(engine, source_id)
        return len(rows) >= expected and all(state in DONE for _, state in rows)
    return check


def _make_due(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(sources).values(next_fetch_at=utc_now()))


def test_sources_are_polled_once_per_tick_and_entries_stored_once(
    stack: dict[str, str], site: FeedSite, engine: Engine, tmp_path: Path,
) -> None:
    ids = {}
    for path in ("/tpm.atom", "/linked.rss", "/slow.atom", "/down.atom"):
        done = newsflow(stack, "sources", "add", site.url(path), "--tag", "test")
        assert done.returncode == 0, done.stderr
        ids[path] = int(done.stdout.strip())
    _tick(stack, times=2)  # two beat processes firing at once
    _wait("the first polls", lambda: len(_events(engine)) == 4)
    time.sleep(2)  # a second poll of a source would land now
    assert _events(engine) == {i: 1 for i in ids.values()}
    _wait("the first entries", _settled(engine, ids["/tpm.atom"], 6))
    _wait("the linked entries", _settled(engine, ids["/linked.rss"], 4))

    for count in (13, 13, 20):  # the feed grows, pauses (304), grows again
        site.routes["/tpm.atom"].body = atom_window(TPM, count)
        _make_due(engine)
        polls = sum(_events(engine).values())
        _tick(stack)
        _wait("a tick's polls", lambda polls=polls: sum(_events(engine).values()) >= polls + 4)
        _wait("its entries", _settled(engine, ids["/tpm.atom"], count))

    tpm = _batch_states(engine, ids["/tpm.atom"])
    assert len(tpm) == len({key for key, _ in tpm}) == 20
    with engine.connect() as conn:
        per_item = conn.execute(
            select(articles.c.item_id, func.count()).where(articles.c.item_id.in_(
                select(items.c.id).where(items.c.batch_id == f"source-{ids['/tpm.atom']}")))
            .group_by(articles.c.item_id)).all()
        statuses = dict(conn.execute(select(sources.c.id, sources.c.status)).all())
        tpm_events = list(conn.execute(
            select(source_fetch_events.c.status, source_fetch_events.c.new_items)
            .where(source_fetch_events.c.source_id == ids["/tpm.atom"])
            .order_by(source_fetch_events.c.id)).all())
    stored = [state for _, state in tpm if state in ("stored", "duplicate")]
    assert len(per_item) == len(stored) > 0 and all(n == 1 for _, n in per_item)
    assert [tuple(e) for e in tpm_events] == [("ok", 6), ("ok", 7), ("not_modified", 0),
                                              ("ok", 7)]

    # URL entries: fetched from the local server, except what robots.txt disallows.
    linked = dict(_batch_states(engine, ids["/linked.rss"]))
    private = {k: s for k, s in linked.items() if "/private/" in k}
    assert len(private) == 2 and set(private.values()) == {"rejected"}
    failed = newsflow(stack, "failed", "--json", "--reason", "robots_disallowed")
    assert failed.stdout.count("robots_disallowed") == 2
    assert not any(h for p, h in site.requests if p.startswith("/private/"))
    assert all(state in ("stored", "duplicate") for k, state in linked.items()
               if "/news/" in k)

    # The slow and the failing source did not hold anything up, and say what is wrong.
    assert statuses[ids["/slow.atom"]] == "soft error"
    assert statuses[ids["/down.atom"]] == "temporary error"  # a 503
    unhealthy = newsflow(stack, "sources", "list", "--unhealthy")
    assert unhealthy.returncode == 0
    flagged = {int(line.split("\t")[0]) for line in unhealthy.stdout.splitlines()}
    # four polls each: 4 x 0.5 (timeouts) and 4 x 0.25 (503s), both at least 1
    assert flagged == {ids["/slow.atom"], ids["/down.atom"]}
    shown = newsflow(stack, "sources", "show", str(ids["/tpm.atom"]))
    assert "not_modified" in shown.stdout
    linked_figures = json.loads(newsflow(stack, "sources", "show", str(ids["/linked.rss"]),
                                         "--json").stdout)
    assert linked_figures["items_per_day_7d"] == round(4 / 7, 2)
    assert linked_figures["rejected_share"] == 0.5  # the two robots.txt refusals
