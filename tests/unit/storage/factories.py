"""Builders for test Articles (plain data, no pipeline run)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tasks.models import Article, Entity, LanguageCheck, Mention, NormalizedDate

CORPUS = Path("/work/shared/corpus/dev")
SEEDS = Path("/work/shared/seeds")


def article(item_id: str, text: str, **fields: Any) -> Article:
    fields.setdefault("source", f"test://{item_id}")
    return Article(id=item_id, text=text, **fields)


def entity(name: str, label: str, *surface: str) -> Entity:
    mentions = [Mention(text=s, start=i * 10, end=i * 10 + len(s)) for i, s in enumerate(surface)]
    return Entity(name=name, label=label, mentions=mentions, count=max(1, len(mentions)))


def day(value: str) -> NormalizedDate:
    return NormalizedDate(text=value, value=value, start=0, end=len(value))


def english(confidence: float = 0.99) -> LanguageCheck:
    return LanguageCheck(language="en", confidence=confidence)


@lru_cache(maxsize=1)
def corpus_texts(min_chars: int = 800) -> tuple[tuple[str, str], ...]:
    """(name, gold_text) of the sh-/lg- dev pages with a full gold text, sorted by name."""
    found = []
    for path in sorted(CORPUS.glob("*.json")):
        if not path.name.startswith(("sh-", "lg-")):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("gold_text") and len(data["gold_text"]) >= min_chars:
            found.append((path.stem, data["gold_text"]))
    return tuple(found)


def seed_articles() -> list[Article]:
    """The two seeds (one Russia-NATO Council meeting, two outlets) with hand-built extracts."""
    ria, rt = (p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    shared = [
        entity("Alexander Grushko", "PERSON", "Alexander Grushko", "Grushko"),
        entity("NATO", "ORG", "NATO"),
        entity("Brussels", "GPE", "Brussels"),
        entity("Geneva", "GPE", "Geneva"),
        entity("Russia", "GPE", "Russia"),
        entity("Moscow", "GPE", "Moscow"),
    ]
    return [
        article(
            "seed-ria",
            ria,
            publisher="RIA Novosti",
            language_check=english(),
            entities=[*shared, entity("Jens Stoltenberg", "PERSON", "Jens Stoltenberg")],
            dates=[day("2022-01-12"), day("2022-01-10")],
        ),
        article(
            "seed-rt",
            rt,
            publisher="RT en français",
            language_check=LanguageCheck(language="en", source_language="fr",
                                         machine_translated=True),
            entities=[*shared, entity("Sergei Riabkov", "PERSON", "Sergei Riabkov")],
            dates=[day("2022-01-12")],
        ),
    ]


def grushko_full_and_bare() -> tuple[Article, Article]:
    """One person under his full name in one article and his bare surname in another."""
    full = article(
        "full",
        "Deputy Foreign Minister Alexander Grushko flew to Brussels on Monday.",
        entities=[entity("Alexander Grushko", "PERSON", "Alexander Grushko")],
    )
    bare = article(
        "bare",
        "Grushko told reporters in Moscow that the talks had been frank.",
        entities=[entity("Grushko", "PERSON", "Grushko")],
    )
    return full, bare
