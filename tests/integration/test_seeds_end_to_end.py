"""Issue 4 on the seeds through the real chain (clean -> translate_check -> extract -> store),
on SQLite and PostgreSQL alike, read back through the library and through the real CLI.

The seeds are taken as they come: plain-text files with no publication date. The RT seed
names no year at all ("On January 12, ..."), which is what the store's yearless-day match
is for (tasks/storage/stories.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

from config.settings import Settings
from tasks.models import Article, SourceHints
from tasks.pipeline import run_inline_batch
from tasks.storage.db import get_engine
from tasks.storage.repository import (
    ArticleFilter,
    get_article,
    iter_articles,
    list_entities,
    list_stories,
    search,
)
from workers.cli.export import EXPORT_COLUMNS

pytestmark = pytest.mark.integration

SEEDS = Path("/work/shared/seeds")
RIA, RT = "seed-ria", "seed-rt"
FRENCH = (
    "Le conseil municipal de Lyon a voté mardi soir un nouveau plan pour les pistes "
    "cyclables de la ville, après un long débat entre la majorité et l'opposition.\n\n"
    "Le maire a expliqué que les travaux commenceront au printemps et dureront deux ans. "
    "Les associations de cyclistes ont salué une décision attendue depuis longtemps.\n\n"
    "Les commerçants du centre-ville craignent en revanche une baisse de la fréquentation "
    "pendant la durée du chantier et demandent des compensations."
)


def _seed_articles(hints: dict[str, SourceHints] | None = None) -> list[Article]:
    ria, rt = sorted(SEEDS.glob("*.txt"))
    hints = hints or {}
    return [
        Article(
            id=item_id,
            source=str(path),
            source_kind="file",
            hints=hints.get(item_id, SourceHints()),
        )
        for item_id, path in ((RIA, ria), (RT, rt))
    ]


def _run(db_url: str, articles: list[Article]) -> dict[str, Article]:
    outcomes = run_inline_batch(articles, Settings(database_url=db_url))
    assert all(isinstance(o, Article) for o in outcomes), outcomes
    return {o.id: o for o in outcomes if isinstance(o, Article)}


@pytest.fixture
def seeds(db_url: str) -> tuple[Engine, dict[str, Article]]:
    """The two seed files through the whole chain into a fresh database."""
    return get_engine(db_url), _run(db_url, _seed_articles())


def _entities(record: dict[str, Any], label: str) -> set[str]:
    return {e["name"] for e in record["entities"] if e["label"] == label}


def test_seeds_make_one_story_with_canonical_entities(
    seeds: tuple[Engine, dict[str, Article]],
) -> None:
    engine, stored = seeds
    assert {a.verdict for a in stored.values()} == {"stored"}
    assert stored[RIA].story_id == stored[RT].story_id is not None
    assert stored[RIA].published is None and stored[RT].published is None
    story = list_stories(engine, story_id=stored[RIA].story_id)[0]
    assert [a["id"] for a in story["articles"]] == [RIA, RT]
    assert "Grushko" in story["label"]

    ria, rt = get_article(engine, RIA), get_article(engine, RT)
    assert ria is not None and rt is not None
    people = _entities(ria, "PERSON") | _entities(rt, "PERSON")
    assert {"Alexander Grushko", "Sergei Riabkov", "Wendy Sherman", "Jens Stoltenberg"} <= people
    assert "Grushko" not in people  # surname mentions grouped under the full name
    assert "NATO" in _entities(ria, "ORG") & _entities(rt, "ORG")
    assert {"Brussels", "Geneva"} <= _entities(ria, "GPE") & _entities(rt, "GPE")

    # Across articles: one entity row per person, counted in both seeds where both name him.
    found = {(e["name"], e["label"]): e for e in list_entities(engine, limit=500)}
    assert found[("Alexander Grushko", "PERSON")]["article_count"] == 2
    assert "Grushko" in found[("Alexander Grushko", "PERSON")]["aliases"]
    assert found[("NATO", "ORG")]["article_count"] == 2
    assert ("Grushko", "PERSON") not in found


def test_seed_quotes_and_dates(seeds: tuple[Engine, dict[str, Article]]) -> None:
    engine, _ = seeds
    ria, rt = get_article(engine, RIA), get_article(engine, RT)
    assert ria is not None and rt is not None
    speakers = {q["text"]: q["speaker"] for q in ria["quotes"] + rt["quotes"]}
    assert (
        speakers["it is possible to have a meaningful dialogue with Russia"] == "Jens Stoltenberg"
    )
    assert speakers["very seriously"] == "Sergei Riabkov"
    assert speakers["not hopeless"] == "Sergei Riabkov"
    ria_days = {d["text"]: d["value"] for d in ria["dates"]}
    assert ria_days["January 12"] == "2022-01-12"
    # The RT seed names no year anywhere: month and day kept, the year left open.
    assert {d["text"]: d["value"] for d in rt["dates"]}["January 12"] == "--01-12"


def test_every_extract_field_carries_provenance(seeds: tuple[Engine, dict[str, Article]]) -> None:
    engine, _ = seeds
    for record in iter_articles(engine, ArticleFilter()):
        assert {"entities", "quotes", "dates", "keywords", "summary"} <= set(record["provenance"])
        assert all(p["source"] for p in record["provenance"].values())
        assert "spacy:" in record["provenance"]["entities"]["source"]
        for field in ("entities", "quotes", "dates"):
            assert record[field] and all(x["provenance"]["source"] for x in record[field])


def test_search_and_each_filter(db_url: str) -> None:
    # As a feed or JSONL producer would give them: publisher and day, plus an
    # unrelated French article (routed to the French model) to filter out.
    hints = {
        RIA: SourceHints(publisher="RIA Novosti", published="2022-01-12"),
        RT: SourceHints(published="2022-01-13"),  # its title line names the publisher
    }
    french = Article(
        id="fr-lyon",
        source="inline:lyon",
        source_kind="inline",
        inline_content=FRENCH,
        inline_content_type="text",
        hints=SourceHints(publisher="Le Progrès", published="2022-03-01"),
    )
    stored = _run(db_url, [*_seed_articles(hints), french])
    assert stored["fr-lyon"].language_check is not None
    assert stored["fr-lyon"].language_check.language == "fr"
    assert stored[RIA].story_id == stored[RT].story_id != stored["fr-lyon"].story_id
    engine = get_engine(db_url)

    def hits(query: str | None = None, **filters: Any) -> list[str]:
        found = iter_articles(engine, ArticleFilter(query=query, **filters))
        return sorted(r["id"] for r in found)

    assert sorted(h["id"] for h in search(engine, ArticleFilter(query="Grushko"))) == [RIA, RT]
    assert hits("cyclables") == ["fr-lyon"]
    assert hits("Grushko", entity="Jens Stoltenberg") == [RIA]
    assert hits(entity="Stoltenberg") == [RIA]  # a surname
    assert hits(entity="Wendy Sherman") == [RT]
    assert hits("Grushko", language="en") == [RIA, RT]
    assert hits(language="fr") == ["fr-lyon"]
    assert hits(publisher="ria novosti") == [RIA]
    assert stored[RT].publisher == "RT in French"
    assert hits("Grushko", publisher="rt in french") == [RT]
    assert hits(date_from="2022-01-13") == ["fr-lyon", RT]
    assert hits(date_from="2022-01-12", date_to="2022-01-12") == [RIA]
    assert hits("NATO", date_to="2022-01-13") == [RIA, RT]
    assert hits(story_id=stored[RIA].story_id) == [RIA, RT]
    assert hits("Grushko", story_id=stored["fr-lyon"].story_id) == []


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSFLOW_DATABASE_URL": db_url, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "workers", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def _json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_cli_search_stories_entities_export(
    seeds: tuple[Engine, dict[str, Article]], db_url: str, tmp_path: Path
) -> None:
    _, stored = seeds
    found = _json_lines(_cli(db_url, "search", "Grushko", "--json").stdout)
    assert sorted(h["id"] for h in found) == [RIA, RT]
    table = _cli(db_url, "search", "Grushko").stdout
    assert RIA in table and RT in table
    assert (
        _json_lines(
            _cli(db_url, "search", "Grushko", "--entity", "Wendy Sherman", "--json").stdout
        )[0]["id"]
        == RT
    )

    story = _json_lines(_cli(db_url, "stories", "--min-articles", "2", "--json").stdout)
    assert [(s["id"], s["article_count"]) for s in story] == [(stored[RIA].story_id, 2)]

    people = {
        e["name"]: e
        for e in _json_lines(_cli(db_url, "entities", "--label", "PERSON", "--json").stdout)
    }
    assert people["Alexander Grushko"]["article_count"] == 2
    assert "Grushko" in people["Alexander Grushko"]["aliases"]
    assert "Alexander Grushko" in _cli(db_url, "entities").stdout

    out = tmp_path / "seeds.parquet"
    _cli(db_url, "export", "--format", "parquet", "--output", str(out))
    table_pq = pq.read_table(out)
    assert table_pq.column_names == list(EXPORT_COLUMNS)
    rows = {r["id"]: r for r in table_pq.to_pylist()}
    assert sorted(rows) == [RIA, RT] and rows[RIA]["story_id"] == rows[RT]["story_id"]
    entities = json.loads(rows[RIA]["entities"])
    assert any(e["name"] == "Jens Stoltenberg" and e["provenance"]["source"] for e in entities)
    assert "entities" in json.loads(rows[RT]["provenance"])

    csv_out = _cli(db_url, "export", "--format", "csv", "--story", str(stored[RIA].story_id))
    assert csv_out.stdout.splitlines()[0].split(",") == list(EXPORT_COLUMNS)
    jsonl = _json_lines(_cli(db_url, "export", "--format", "jsonl", "--entity", "Riabkov").stdout)
    assert [r["id"] for r in jsonl] == [RT]
