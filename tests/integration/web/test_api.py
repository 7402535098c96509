"""The HTTP API of `newsflow serve` against a database filled by a real `newsflow run` of the
seeds and the dev corpus (``conftest.website``): tokens and roles, the seeds' story, filters
and cursors, search, entities, pipeline status and replay, and the export record as JSON."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

import httpx
import pytest

from tests.conftest import SEEDS
from tests.integration.web.conftest import WebSite, drain, newsflow

pytestmark = pytest.mark.integration

READ_ENDPOINTS = ["/api/stories", "/api/articles", "/api/search?q=NATO", "/api/entities",
                  "/api/pipeline", "/api/articles/x", "/api/stories/x", "/api/entities/1"]


def _all_pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def _seeds_story(client: httpx.Client) -> dict[str, Any]:
    hits = client.get("/api/search", params={"q": "Grushko"}).json()["items"]
    story_ids = {h["story_id"] for h in hits if h["source"].startswith(str(SEEDS))}
    assert len(story_ids) == 1, hits
    reply = client.get(f"/api/stories/{story_ids.pop()}")
    assert reply.status_code == 200
    return dict(reply.json())


def test_health_and_schema_are_open(website: WebSite) -> None:
    with website.client() as client:
        assert client.get("/healthz").json()["status"] == "ok"
        schema = client.get("/api/openapi.json").json()
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/articles",
                 "/api/articles/{article_id}", "/api/search", "/api/entities",
                 "/api/entities/{entity_id}", "/api/pipeline", "/api/replay"):
        assert path in schema["paths"], path


@pytest.mark.parametrize("path", READ_ENDPOINTS)
def test_no_token_no_data(website: WebSite, path: str) -> None:
    with website.client() as client:
        reply = client.get(path)
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"
    with website.client("nf_not-a-real-token") as client:
        assert client.get(path).status_code == 401
    with website.client(website.read_token) as client:
        assert client.get(path).status_code in (200, 404)  # "x" and entity 1 may not exist


def test_the_session_cookie_is_not_an_api_credential(website: WebSite) -> None:
    with httpx.Client(base_url=website.url, cookies={"newsflow_session": website.read_token}) as c:
        assert c.get("/api/stories").status_code == 401


def test_tokens_are_stored_as_hashes_only(website: WebSite) -> None:
    database = website.workdir / "newsflow.db"
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT id, token_hash, role FROM api_tokens").fetchall()
    dumped = json.dumps(rows)
    assert website.read_token not in dumped and website.operator_token not in dumped
    hashes = {h: role for _, h, role in rows}
    assert hashes[hashlib.sha256(website.read_token.encode()).hexdigest()] == "read"
    assert hashes[hashlib.sha256(website.operator_token.encode()).hexdigest()] == "operator"


def test_the_seeds_story_with_shared_entities(website: WebSite) -> None:
    with website.client(website.read_token) as client:
        story = _seeds_story(client)
        latest = _all_pages(client, "/api/stories", min_articles=2, limit=3)
    assert story["article_count"] == 2 and len(story["articles"]) == 2
    assert story["languages"] == ["en"]
    shared = {e["name"] for e in story["entities"] if e["article_count"] == 2}
    assert {"Alexander Grushko", "NATO", "Brussels", "Geneva"} <= shared
    assert sum(day["count"] for day in story["timeline"]) == 2
    assert story["id"] in [s["id"] for s in latest]
    assert len({s["id"] for s in latest}) == len(latest)  # cursor pages never repeat


def test_articles_page_through_every_export_record(website: WebSite) -> None:
    exported = newsflow(website.env, "export", "--format", "jsonl")
    records = {r["id"]: r for r in map(json.loads, exported.stdout.splitlines())}
    with website.client(website.read_token) as client:
        paged = _all_pages(client, "/api/articles", limit=37)
        one = client.get(f"/api/articles/{website.hostile_id}").json()
    assert len(paged) == len({a["id"] for a in paged}) == len(records) > 200
    assert {a["id"]: a for a in paged} == records  # the API's JSON is the export record
    assert one == records[website.hostile_id]


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"language": "fr"}, lambda a: a["language"] == "fr"),
        ({"entity": "Grushko"}, lambda a: "Grushko" in a["text"]),
        ({"publisher": "RIA Novosti"}, lambda a: a["publisher"] == "RIA Novosti"),
        ({"source": str(SEEDS)}, lambda a: a["source"].startswith(str(SEEDS))),
        ({"since": "2022-03-01", "until": "2022-03-01"}, lambda a: a["published"] == "2022-03-01"),
    ],
)
def test_article_filters_are_the_clis(website: WebSite, params: dict[str, str],
                                      check: Any) -> None:
    with website.client(website.read_token) as client:
        found = _all_pages(client, "/api/articles", limit=10, **params)
    assert found and all(check(a) for a in found), [a["id"] for a in found]


def test_story_filter_and_search(website: WebSite) -> None:
    with website.client(website.read_token) as client:
        story = _seeds_story(client)
        members = _all_pages(client, "/api/articles", story=story["id"])
        hits = _all_pages(client, "/api/search", q="Grushko", limit=1)
        in_story = _all_pages(client, "/api/search", q="Grushko", story=story["id"])
        bad = client.get("/api/articles", params={"cursor": "not-a-cursor"})
    assert {a["id"] for a in members} == {a["id"] for a in story["articles"]}
    assert {a["id"] for a in in_story} == {a["id"] for a in story["articles"]}
    assert len(hits) == len({h["id"] for h in hits}) >= 2
    assert [h["rank"] for h in hits] == sorted((h["rank"] for h in hits), reverse=True)
    assert bad.status_code == 400


def test_entities_with_aliases_and_days(website: WebSite) -> None:
    with website.client(website.read_token) as client:
        people = _all_pages(client, "/api/entities", label="PERSON", limit=100)
        grushko = next(e for e in people if e["name"] == "Alexander Grushko")
        detail = client.get(f"/api/entities/{grushko['id']}").json()
    assert "Grushko" in grushko["aliases"] and grushko["article_count"] >= 2
    assert len(people) == len({e["id"] for e in people})
    assert detail["aliases"] == grushko["aliases"]
    assert sum(d["count"] for d in detail["mentions_per_day"]) >= 2
    assert len(detail["articles"]) == detail["article_count"]


def test_pipeline_status_lists_the_failed_item(website: WebSite) -> None:
    with website.client(website.read_token) as client:
        status = client.get("/api/pipeline").json()
    assert set(status["queues"]) == {"fetch", "clean", "translate_check", "extract", "store"}
    assert all(isinstance(n, int) for n in status["queues"].values())
    assert status["counts"]["rejected"] >= 1 and status["in_flight"] == 0
    empty = [f for f in status["failed"] if f["source"] == str(website.empty_path)]
    assert empty and empty[0]["reason"] == "empty" and empty[0]["replayable"]


def test_replay_needs_an_operator_and_ends_terminal(website: WebSite) -> None:
    with website.client(website.read_token) as reader:
        failed = [f for f in reader.get("/api/pipeline").json()["failed"]
                  if f["source"] == str(website.empty_path)]
        item = failed[0]["id"]
        refused = reader.post("/api/replay", json={"ids": [item]})
    assert refused.status_code == 403
    with website.client() as anonymous:
        assert anonymous.post("/api/replay", json={"ids": [item]}).status_code == 401
    with website.client(website.operator_token) as operator:
        done = operator.post("/api/replay", json={"ids": [item]})
        assert done.status_code == 200, done.text
        assert done.json()["replayed"] == [item]
        status = operator.get("/api/pipeline").json()
        assert status["counts"]["queued"] == 1 and sum(status["queues"].values()) == 1
    counts = drain(website)  # a real worker takes it: rejected again, with its reason
    assert counts["queued"] == counts["processing"] == 0
    with website.client(website.read_token) as reader:
        again = [f for f in reader.get("/api/pipeline").json()["failed"] if f["id"] == item]
    assert again and again[0]["state"] == "rejected" and again[0]["reason"] == "empty"
