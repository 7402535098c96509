"""The API's queries on both backends: the seeds through the real chain (in process, as
tests/integration/test_seeds_end_to_end.py runs them) into SQLite and PostgreSQL, read back
through the app with tokens, cursors paging one row at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from tasks.models import Article
from tasks.pipeline import run_inline_batch
from tasks.storage.db import get_engine
from tasks.storage.tokens import create_token
from tests.conftest import SEEDS
from web.app import create_app

pytestmark = pytest.mark.integration


def _pages(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        items.extend(body.json()["items"])
        cursor = body.json()["next_cursor"]
        if cursor is None:
            return items


def test_seeds_read_back_through_the_api(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, broker_url=f"filesystem://{tmp_path}")
    seeds = [Article(id=f"seed-{i}", source=str(p), source_kind="file")
             for i, p in enumerate(sorted(SEEDS.glob("*.txt")))]
    assert all(isinstance(a, Article) for a in run_inline_batch(seeds, settings))
    token, _ = create_token(get_engine(db_url), "read")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/stories").status_code == 401
        client.headers["Authorization"] = f"Bearer {token}"
        articles = _pages(client, "/api/articles", limit=1)
        stories = _pages(client, "/api/stories", limit=1)
        growing = _pages(client, "/api/stories", order="growing", limit=1)
        hits = _pages(client, "/api/search", q="Grushko", limit=1)
        people = _pages(client, "/api/entities", label="PERSON", limit=1)
        story = client.get(f"/api/stories/{stories[0]['id']}").json()
        grushko = next(e for e in people if e["name"] == "Alexander Grushko")
        entity = client.get(f"/api/entities/{grushko['id']}").json()
        status = client.get("/api/pipeline").json()
    assert [a["id"] for a in articles] == ["seed-1", "seed-0"]  # newest stored first
    assert len(stories) == 1 and stories == [{**growing[0], "recent_articles": None}]
    assert growing[0]["recent_articles"] == 2
    assert {h["id"] for h in hits} == {"seed-0", "seed-1"}
    assert {"Alexander Grushko", "NATO"} <= {
        e["name"] for e in story["entities"] if e["article_count"] == 2}
    assert sum(d["count"] for d in story["timeline"]) == 2
    assert "Grushko" in entity["aliases"] and entity["article_count"] == 2
    assert sum(d["count"] for d in entity["mentions_per_day"]) >= 2
    assert set(status["queues"]) >= {"clean", "extract"}
