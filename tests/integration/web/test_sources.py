"""Sources through `newsflow serve`, read-only: two sources registered with the real CLI in
the shared website's database, one of them polled once (the poll task's own function)
against a local server answering 410 Gone; then the API (token needed, list, the unhealthy and
tag filters, one source with its fetch event) and the pages (the list marking the failing
source, the unhealthy filter, one source with its event)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from config.settings import load_settings
from tasks.monitor.poll import poll_source
from tasks.sources.items import SourceItem, SourceProblem
from tasks.storage.db import get_engine
from tests.integration.feed_site import Route, feed_site
from tests.integration.web.conftest import WebSite, newsflow

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Registered:
    tag: str
    healthy: int
    failing: int
    failing_host: str


def _never(entries: list[SourceItem | SourceProblem], batch_id: str) -> int:
    raise AssertionError(f"a 410 answer enqueued {len(entries)} entries for {batch_id}")


def _add(site: WebSite, url: str, name: str, tag: str) -> int:
    done = newsflow(site.env, "sources", "add", url, "--name", name, "--tag", tag)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def registered(website: WebSite) -> Iterator[Registered]:
    tag = f"web-{uuid.uuid4().hex[:6]}"
    with feed_site() as server:
        # 410 Gone: a hard failure, the failure score reaches sources.unhealthy_score (1) in one
        # poll (a 500 is soft: 0.5).
        server.routes["/down.atom"] = Route(b"gone", status=410, content_type="text/plain")
        # Never polled: the healthy one stays "new" with a failure score of 0.
        healthy = _add(website, "https://feeds.example.org/world.atom",
                       'World <b onmouseover="document.title=1">news</b>', tag)
        down = server.url("/down.atom")
        failing = _add(website, down, "Down feed", tag)
        settings = load_settings(
            database_url=website.env["NEWSFLOW_DATABASE_URL"],
            fetch={"allow_private_hosts": ["localhost", "127.0.0.1"], "timeout_s": 10.0},
        )
        engine = get_engine(settings.database_url.get_secret_value())
        # Embedded mode (no politeness Redis): the same function the poll task calls.
        report = poll_source(engine, settings, failing, enqueue=_never)
        assert report.outcome == "hard", report
        assert [h for h in server.hits("/down.atom")], "the poll never reached the server"
        yield Registered(tag, healthy, failing, urlsplit(down).netloc)


def _session(site: WebSite, token: str) -> httpx.Client:
    return httpx.Client(base_url=site.url, cookies={"newsflow_session": token}, timeout=60)


def test_sources_need_a_read_token(website: WebSite, registered: Registered) -> None:
    with website.client() as anonymous:
        refused = anonymous.get("/api/sources")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        schema = anonymous.get("/api/openapi.json").json()
        assert {"/api/sources", "/api/sources/{source_id}"} <= set(schema["paths"])
        assert anonymous.get(f"/api/sources/{registered.failing}").status_code == 401
        page = anonymous.get("/sources", follow_redirects=False)
        assert page.status_code in {303, 401}, page.status_code
        assert "Down feed" not in page.text
    with website.client("nf_not-a-real-token") as stranger:
        assert stranger.get("/api/sources").status_code == 401
    # The session cookie is a page credential, not an API one.
    with httpx.Client(base_url=website.url, timeout=60,
                      cookies={"newsflow_session": website.read_token}) as cookie:
        assert cookie.get("/api/sources").status_code == 401


def test_the_api_lists_sources_with_their_health(
        website: WebSite, registered: Registered) -> None:
    with website.client(website.read_token) as reader:
        listed = reader.get("/api/sources", params={"tag": registered.tag})
        assert listed.status_code == 200, listed.text
        by_id = {s["id"]: s for s in listed.json()["items"]}
        assert set(by_id) == {registered.healthy, registered.failing}
        failing, healthy = by_id[registered.failing], by_id[registered.healthy]
        assert failing["unhealthy"] is True and failing["status"] == "hard error"
        assert failing["failure_score"] == 1.0 and failing["last_success_at"] is None
        assert healthy["unhealthy"] is False and healthy["status"] == "new"
        assert healthy["tags"] == [registered.tag]

        everything = {s["id"] for s in reader.get("/api/sources").json()["items"]}
        assert {registered.healthy, registered.failing} <= everything
        sick = reader.get("/api/sources", params={"unhealthy": "true", "tag": registered.tag})
        assert [s["id"] for s in sick.json()["items"]] == [registered.failing]
        other = reader.get("/api/sources", params={"tag": "no-such-tag-here"})
        assert other.json() == {"items": []}


def test_the_api_shows_one_source_with_its_fetch_event(
        website: WebSite, registered: Registered) -> None:
    with website.client(website.read_token) as reader:
        shown = reader.get(f"/api/sources/{registered.failing}")
        assert shown.status_code == 200, shown.text
        detail = shown.json()
        assert detail["unhealthy"] is True and "410" in (detail["last_error"] or "")
        assert len(detail["events"]) == 1
        event = detail["events"][0]
        assert event["status"] == "hard" and event["http_status"] == 410
        assert event["new_items"] == 0 and event["note"]
        assert reader.get(f"/api/sources/{registered.healthy}").json()["events"] == []
        assert reader.get("/api/sources/999999").status_code == 404
        assert reader.get("/api/sources/abc").status_code == 422


def _row(html: str, source_id: int) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-source="{source_id}">(.*?)</tr>', html, re.S)
    assert match, html[:3000]
    return f"{match.group(1)}|{match.group(2)}"


def test_the_pages_show_sources_and_mark_the_failing_one(
        website: WebSite, registered: Registered) -> None:
    with _session(website, website.read_token) as client:
        page = client.get("/sources", params={"tag": registered.tag})
        assert page.status_code == 200, page.text[:2000]
        assert 'href="/sources"' in page.text  # in the navigation
        failing = _row(page.text, registered.failing)
        healthy = _row(page.text, registered.healthy)
        assert failing.startswith("source unhealthy|") and ">unhealthy<" in failing
        assert "Down feed" in failing and registered.failing_host in failing
        assert "hard error" in failing
        assert healthy.startswith("source|") and "unhealthy" not in healthy
        assert "feeds.example.org" in healthy
        # The hostile name is shown as text.
        assert "<b onmouseover" not in page.text and "&lt;b onmouseover" in page.text
        assert "<script" not in page.text

        sick = client.get("/sources", params={"unhealthy": "true", "tag": registered.tag})
        assert f'data-source="{registered.failing}"' in sick.text
        assert f'data-source="{registered.healthy}"' not in sick.text

        one = client.get(f"/sources/{registered.failing}")
        assert one.status_code == 200, one.text[:2000]
        events = re.search(r'<table id="events">(.*?)</table>', one.text, re.S)
        assert events, one.text[:3000]
        assert events.group(1).count('<tr class="event') == 1
        assert '<tr class="event hard">' in events.group(1) and "<td>410</td>" in events.group(1)
        assert "unhealthy" in one.text
        quiet = client.get(f"/sources/{registered.healthy}")
        assert "Not polled yet." in quiet.text
        assert client.get("/sources/999999").status_code == 404
