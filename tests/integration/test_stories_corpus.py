"""Issue 4, stories on real text and real entities, on SQLite and PostgreSQL alike.

Entities, dates and quotes come from the extract stage itself (``tasks.extract``), run on
the seeds (through the real chain, as files, no publication date) and on every English
dev-corpus gold text. As the hardest case, every corpus article is published on the day the
seeds' meeting took place and mentions that day. Then:

* the two seeds (one Russia-NATO Council meeting, two outlets) are one story;
* no corpus article joins it;
* corpus articles share a story only when they report one event. The dev corpus holds a
  few such groups (crawled the same week), checked by hand from their URLs and texts: they
  are the only merges allowed, and the README says so.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from config.settings import ExtractSettings, Settings, StoreSettings
from tasks.extract import extract_batch
from tasks.models import Article, LanguageCheck
from tasks.pipeline import run_inline_batch
from tasks.stages import STAGE_NAMES
from tasks.storage.db import get_engine
from tasks.storage.repository import list_stories, store_article
from tests.unit.storage.factories import CORPUS, SEEDS, article, corpus_texts, day

pytestmark = pytest.mark.integration

EVENT_DAY = "2022-01-12"
# Same-event groups of the dev corpus (by URL and text): NASA confirms water vapour on
# Europa; a Chinese hunter catches bubonic plague (The Sun, Smithsonian; the New York Post's
# report of it is allowed to join); Hong Kong on the brink (two opinion pieces); Prince
# Andrew's Epstein interview; Home Depot's third-quarter results; the police video of a
# kidnapped 8-year-old Fort Worth girl's rescue (two outlets, same release, found by lead
# vectors in issue 13: both name Michael Webb and Fort Worth).
SAME_EVENT = [
    {"sh-14cc2a0ca59c62a8", "sh-686bb170effe273e", "sh-f344ca5fb36e130f"},
    {"sh-432362af0be43f6d", "sh-8b19453030820413", "sh-ea25dd7edff4d279"},
    {"sh-5fa3154ec031ab35", "sh-e4c6a3b482403a8f"},
    {"sh-1f765c48780665e8", "sh-87bf60570e6e2e33"},
    {"sh-51374560f40088e2", "sh-f8ff621a0b9b7646"},
    {"sh-2c46804d9db4a85e", "sh-51d066b0602c9421"},
]


def _same_event(a: str, b: str) -> bool:
    return any(a in group and b in group for group in SAME_EVENT)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[Article]:
    # The seeds as the chain sees them (the store stage is left to the test).
    url = f"sqlite:///{tmp_path_factory.mktemp('chain') / 'unused.db'}"
    seeds = [
        Article(id=f"seed-{name}", source=str(path), source_kind="file")
        for name, path in zip(("ria", "rt"), sorted(SEEDS.glob("*.txt")), strict=True)
    ]
    result = [
        a
        for a in run_inline_batch(seeds, Settings(database_url=url), STAGE_NAMES[:-1])
        if isinstance(a, Article)
    ]
    assert len(result) == 2
    corpus = []
    for name, text in corpus_texts():
        meta: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
        if meta["lang"] != "en":
            continue
        english = LanguageCheck(language="en", confidence=1.0, model_language="en")
        corpus.append(article(name, text, published=EVENT_DAY, language_check=english))
    for item in extract_batch(corpus, ExtractSettings()):
        assert isinstance(item, Article)
        result.append(item.model_copy(update={"dates": [*item.dates, day(EVENT_DAY)]}))
    return result


def test_seeds_are_one_story_and_corpus_articles_stay_apart(
    db_url: str, extracted: list[Article]
) -> None:
    engine = get_engine(db_url)
    settings = StoreSettings()
    story_of = {}
    for item in extracted:
        stored = store_article(engine, item, settings)
        assert stored.verdict == "stored"
        story_of[item.id] = stored.story_id

    assert story_of["seed-ria"] == story_of["seed-rt"]
    corpus_ids = [i for i in story_of if not i.startswith("seed-")]
    assert [i for i in corpus_ids if story_of[i] == story_of["seed-ria"]] == []
    wrongly_merged = [
        (a, b)
        for a, b in itertools.combinations(corpus_ids, 2)
        if story_of[a] == story_of[b] and not _same_event(a, b)
    ]
    assert wrongly_merged == []
    groups = [s for s in list_stories(engine, limit=1000) if s["article_count"] > 1]
    for story in groups:
        print(story["label"], [a["id"] for a in story["articles"]])
    seeds = [s for s in groups if {a["id"] for a in s["articles"]} == {"seed-ria", "seed-rt"}]
    assert len(seeds) == 1 and "Grushko" in seeds[0]["label"]
