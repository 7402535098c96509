"""Ingest end to end through the real `newsflow enqueue`: the seven real feeds into Redis and
PostgreSQL, and a WARC written by warcio, a gzip JSONL dump, stdin and a sitemap index
through real workers to the database; re-running the same enqueue processes nothing twice."""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DEV, RIA_SEED
from tests.integration.ingest_stack import ingest_stack, newsflow, rows_by_source
from tests.unit.fetching.server import Answer, LocalServer, local_server

pytestmark = pytest.mark.integration

FEEDS = CORPUS_DEV.parent / "feeds"
FEED_FILES = sorted(p for p in FEEDS.iterdir() if p.name != "SOURCES.md")


def _english_pages(count: int) -> list[str]:
    names = []
    for sidecar in sorted(CORPUS_DEV.glob("sh-*.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta["lang"] == "en" and meta["encoding"] == "utf-8":
            names.append(sidecar.stem)
        if len(names) == count:
            return names
    raise AssertionError("not enough English pages in the corpus")


def _entries(path: Path) -> int:
    """Entries counted straight from the file, independently of the readers under test."""
    data = path.read_bytes()
    if path.name.endswith(".json"):
        return len(json.loads(data)["items"])
    pattern = {".rss": rb"<item[\s>]", ".atom": rb"<entry[\s>]", ".xml": rb"<url[\s>]"}
    return len(re.findall(pattern[path.suffix], data))


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Redis + PostgreSQL with no worker: what enqueue leaves behind stays to be looked at."""
    with ingest_stack(tmp_path_factory.mktemp("idle"), {}, worker=False) as env:
        yield env


def _queued_messages(env: dict[str, str]) -> list[dict[str, object]]:
    """Messages waiting in the fetch queue, then in the clean queue (local-only batches)."""
    import redis

    client = redis.Redis.from_url(env["TEST_REDIS_URL"])
    prefix = env["NEWSFLOW_PIPELINE__QUEUE_PREFIX"]
    raw = client.lrange(f"{prefix}.fetch", 0, -1) + client.lrange(f"{prefix}.clean", 0, -1)
    return [json.loads(m) for m in raw]


def test_the_seven_real_feeds_end_to_end_through_enqueue(idle: dict[str, str]) -> None:
    assert len(FEED_FILES) == 7
    expected = sum(_entries(p) for p in FEED_FILES)
    done = newsflow(idle, "enqueue", "--no-progress", *map(str, FEED_FILES))
    assert done.returncode == 0, done.stderr
    batch = re.search(r"batch (\S+): sent (\d+)", done.stderr)
    assert batch is not None, done.stderr
    batch_id, sent = batch.group(1), int(batch.group(2))
    repeated = int(re.search(r"already queued (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    assert sent + repeated == expected and sent > 0

    status = json.loads(newsflow(idle, "status", batch_id, "--json").stdout)
    assert status["counts"]["queued"] == sent == status["in_flight"]
    messages = _queued_messages(idle)
    articles = []
    later = ["newsflow.store", "newsflow.extract", "newsflow.translate_check"]
    for message in messages:
        task = message["headers"]["task"]  # type: ignore[index]
        args, kwargs, embed = json.loads(base64.b64decode(str(message["body"])))
        articles += args[0]
        # The rest of the chain travels in the message, next stage last (Celery pops it).
        chain = [step["task"] for step in embed["chain"]]
        if task == "newsflow.fetch":  # a batch with a URL: every stage its own message
            assert chain == [*later, "newsflow.clean"] and kwargs == {"stages": ["fetch"]}
            assert any(a.get("source_kind") == "url" for a in args[0])
        else:  # feed entries with their content inline: read inside the clean message
            assert (task, chain, kwargs) == ("newsflow.clean", later,
                                             {"stages": ["fetch", "clean"]})
            assert all(a.get("source_kind") == "inline" for a in args[0])
    assert len(articles) == sent
    assert all(a["batch_id"] == batch_id and a["hints"]["published"] for a in articles)
    assert sum(1 for a in articles if a["hints"].get("title")) >= sent - _entries(
        FEEDS / "sitemaps.org.sitemap.xml")

    again = newsflow(idle, "enqueue", "--no-progress", *map(str, FEED_FILES))
    assert again.returncode == 0, again.stderr
    assert f"sent 0, sent again 0, rejected 0, already stored 0, already queued {expected}" \
        in again.stderr
    assert len(_queued_messages(idle)) == len(messages)


@pytest.fixture(scope="module")
def site() -> Iterator[LocalServer]:
    routes: dict[str, Answer | object] = {
        f"/{name}.html": Answer(200, (CORPUS_DEV / f"{name}.html").read_bytes(),
                                {"Content-Type": "text/html; charset=utf-8"})
        for name in _english_pages(7)[5:]
    }
    with local_server(routes) as server:  # type: ignore[arg-type]
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, site: LocalServer) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("ingest")
    env = {"NEWSFLOW_FETCH__ALLOW_PRIVATE_HOSTS": json.dumps(["localhost"]),
           "NEWSFLOW_FETCH__ALLOWED_ROOTS": json.dumps([str(tmp)]), "TEST_INPUTS": str(tmp)}
    with ingest_stack(tmp, env, concurrency=2) as environment:
        yield environment


def _write_warc(path: Path, pages: list[str]) -> list[str]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    urls = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for name in pages:
            url = f"https://archive.example/{name}"
            urls.append(url)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO((CORPUS_DEV / f"{name}.html").read_bytes()),
                http_headers=headers))
        missing = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://archive.example/gone", "response", payload=io.BytesIO(b"<p>gone</p>"),
            http_headers=missing))
    return urls


def test_warc_gzip_jsonl_stdin_and_sitemap_index_through_workers(
    stack: dict[str, str], site: LocalServer
) -> None:
    inputs = Path(stack["TEST_INPUTS"])
    pages = _english_pages(7)
    warc_urls = _write_warc(inputs / "crawl.warc.gz", pages[:2])
    dump = inputs / "dump.jsonl.gz"
    lines = [json.dumps({"html": (CORPUS_DEV / f"{n}.html").read_text(encoding="utf-8"),
                         "url": f"https://dump.example/{n}"}) for n in pages[2:4]]
    dump.write_bytes(gzip.compress("\n".join([*lines, "{not json"]).encode()))
    stdin = json.dumps({"text": RIA_SEED.read_text(encoding="utf-8"), "title": "from stdin"})
    site_urls = [site.url(f"/{n}.html", host="localhost") for n in pages[5:7]]
    child = inputs / "child-sitemap.xml"
    child.write_text('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                     'sitemap/0.9">' + "".join(f"<url><loc>{u}</loc></url>" for u in site_urls)
                     + "</urlset>")
    index = inputs / "sitemap-index.xml"
    index.write_text('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
                     f'schemas/sitemap/0.9"><sitemap><loc>{child.name}</loc></sitemap>'
                     "</sitemapindex>")
    specs = [str(inputs / "crawl.warc.gz"), str(dump), str(index), "-"]

    done = newsflow(stack, "enqueue", "--wait", "--no-progress", *specs, stdin=stdin)
    assert done.returncode == 0, done.stderr
    export = newsflow(stack, "export", "--format", "jsonl")
    assert export.returncode == 0, export.stderr
    records = {r["source"]: r for r in map(json.loads, export.stdout.splitlines())}
    expected = {*warc_urls, f"{dump}#1", f"{dump}#2", *site_urls, "stdin#1"}
    assert expected <= set(records), (expected - set(records), done.stderr)
    assert records["stdin#1"]["title"] == "from stdin"
    assert records[f"{dump}#1"]["canonical_url"] or records[f"{dump}#1"]["text"]
    failed = rows_by_source(stack)
    assert failed[f"{dump}#3"]["reason"] == "invalid_json"
    assert "https://archive.example/gone" not in records  # a 404 record is not an article

    again = newsflow(stack, "enqueue", "--no-progress", *specs, stdin=stdin)
    assert again.returncode == 0, again.stderr
    # The bad line is a new rejected row each time (it has no item key); nothing is re-sent.
    assert f"sent 0, sent again 0, rejected 1, already stored {len(expected)}" in again.stderr


def test_backpressure_holds_the_producer_until_the_queues_drain(
    idle: dict[str, str], tmp_path: Path
) -> None:
    import subprocess
    import sys
    import time

    import redis

    from config.settings import load_settings
    from workers.app import make_app
    from workers.queue_depth import depth_probe

    client = redis.Redis.from_url(idle["TEST_REDIS_URL"])
    # JSONL items carry their text inline: their first message goes to the clean queue.
    prefix = idle["NEWSFLOW_PIPELINE__QUEUE_PREFIX"]
    first_queue = f"{prefix}.clean"
    client.delete(*(f"{prefix}.{stage}" for stage in ("fetch", "clean")))  # earlier tests
    dump = tmp_path / "many.jsonl"
    dump.write_text("".join(json.dumps({"text": f"backpressure article {i} " * 20}) + "\n"
                            for i in range(3000)))
    first = newsflow(idle, "enqueue", "--no-progress", "--no-skip-known", str(dump))
    assert first.returncode == 0, first.stderr
    waiting = client.llen(first_queue)
    settings = load_settings(broker_url=idle["TEST_REDIS_URL"], pipeline={
        "queue_prefix": idle["NEWSFLOW_PIPELINE__QUEUE_PREFIX"]})
    probe = depth_probe(make_app(settings), settings)
    assert probe is not None and probe() == waiting > 0

    env = dict(idle, NEWSFLOW_PIPELINE__MAX_QUEUE_DEPTH=str(waiting))
    producer = subprocess.Popen(
        [sys.executable, "-m", "workers", "enqueue", "--no-progress", "--no-skip-known",
         "--batch", "held-back", str(dump)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(8)  # long enough to have sent everything (the first run took less)
        assert producer.poll() is None, producer.communicate()
        assert client.llen(first_queue) == waiting  # nothing more was pushed
        status = json.loads(newsflow(idle, "status", "held-back", "--json").stdout)
        assert sum(status["counts"].values()) == 0  # not even a ledger row yet
        client.delete(first_queue)  # what workers do: take the messages
        _out, err = producer.communicate(timeout=300)
    finally:
        if producer.poll() is None:
            producer.kill()
    assert producer.returncode == 0, err
    assert re.search(r"sent 3000, .*paused \d+s for queue room", err), err
    # Once the queues had room again it sent everything: the same 3000 items, as many
    # messages as the first run.
    assert client.llen(first_queue) == waiting
