"""Stories: articles about the same event, across outlets and languages, grouped together.

An article joins the story of the best-matching earlier article when the evidence agrees:

* time: publication days within ``story_window_days`` (when a day is unknown, the two must
  mention the same day);
* names: at least three shared canonical people (by surname), organisations, places or
  events, weighted by how much of each article they make up (its share of mentions), so
  that long articles merely mentioning "the US" and "Congress" do not meet;
* text: overlap of content words (zero across languages, which is fine: names carry it);
* a bonus for a shared mentioned day that is not simply the publication day.

Measured on the dev corpus with spaCy entities: the two seeds score 0.69 + date bonus;
unrelated articles published the same week at most 0.53; three reports of one NASA finding
0.86-1.02. Below ``story_min_evidence`` an article starts a story of its own.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, or_, select, update

from tasks.storage.entity_index import KEY_PREFIX
from tasks.storage.schema import (
    article_entities,
    article_keys,
    articles,
    entities,
    stories,
)

__all__ = ["StoryEvidence", "assign_story", "content_words", "match_score", "refresh_story"]

logger = logging.getLogger(__name__)

MAX_CANDIDATES = 50
MIN_SHARED_NAMES = 3
DATE_BONUS = 0.15
_WORD = re.compile(r"[^\W\d_]{5,}")


def content_words(text: str) -> frozenset[str]:
    """Longer words only: short function words make every pair of texts look alike."""
    return frozenset(w.casefold() for w in _WORD.findall(text))


@dataclass(frozen=True)
class StoryEvidence:
    keys: Mapping[str, int]  # entity key (per:/org:/loc:/evt:) -> mentions
    dates: frozenset[str] = frozenset()  # date:YYYY-MM-DD mentioned
    ref_date: date | None = None  # publication day
    words: frozenset[str] = field(default_factory=frozenset)


def _share(keys: Mapping[str, int], shared: set[str]) -> float:
    total = sum(keys.values())
    return sum(keys[k] for k in shared) / total if total else 0.0


def match_score(
    a: StoryEvidence, b: StoryEvidence, window_days: int, min_evidence: float
) -> float | None:
    """How strongly ``a`` and ``b`` report one event; None when they must stay apart."""
    shared = set(a.keys) & set(b.keys)
    if len(shared) < MIN_SHARED_NAMES:
        return None
    shared_dates = a.dates & b.dates
    if a.ref_date is not None and b.ref_date is not None:
        if abs((a.ref_date - b.ref_date).days) > window_days:
            return None
    elif not shared_dates:
        # Without both publication days, only the same mentioned day places them together.
        return None
    union = len(a.words | b.words)
    text_sim = len(a.words & b.words) / union if union else 0.0
    # "Today" is mentioned by every article of the day: only another shared day counts.
    pub_days = {f"date:{d.isoformat()}" for d in (a.ref_date, b.ref_date) if d is not None}
    bonus = DATE_BONUS if shared_dates - pub_days else 0.0
    score = min(_share(a.keys, shared), _share(b.keys, shared)) + text_sim + bonus
    return score if score >= min_evidence else None


def _evidence_of(conn: Connection, ids: list[str]) -> dict[str, tuple[str, StoryEvidence]]:
    keys: dict[str, dict[str, int]] = {i: {} for i in ids}
    for article_id, key, weight in conn.execute(
        select(article_keys.c.article_id, article_keys.c.key, article_keys.c.weight).where(
            article_keys.c.article_id.in_(ids)
        )
    ):
        keys[article_id][key] = int(weight)
    found: dict[str, tuple[str, StoryEvidence]] = {}
    rows = conn.execute(
        select(
            articles.c.id, articles.c.story_id, articles.c.published_date, articles.c.text
        ).where(articles.c.id.in_(ids))
    )
    for article_id, story_id, published, text in rows:
        k = keys[article_id]
        found[article_id] = (
            story_id,
            StoryEvidence(
                keys={x: w for x, w in k.items() if not x.startswith("date:")},
                dates=frozenset(x for x in k if x.startswith("date:")),
                ref_date=published,
                words=content_words(text),
            ),
        )
    return found


def assign_story(
    conn: Connection,
    article_id: str,
    evidence: StoryEvidence,
    window_days: int,
    min_evidence: float,
    now: datetime,
) -> str:
    """The story ``article_id`` belongs to: an existing one, or a new one it starts."""
    best: tuple[float, str, str] | None = None
    if len(evidence.keys) >= MIN_SHARED_NAMES:
        shared = func.count().label("shared")
        query = (
            select(article_keys.c.article_id, shared)
            .join(articles, articles.c.id == article_keys.c.article_id)
            .where(
                article_keys.c.key.in_(sorted(evidence.keys)),
                articles.c.duplicate_of.is_(None),
                articles.c.story_id.is_not(None),
                articles.c.id != article_id,
            )
            .group_by(article_keys.c.article_id)
            .having(shared >= MIN_SHARED_NAMES)
            .order_by(shared.desc(), article_keys.c.article_id)
            .limit(MAX_CANDIDATES)
        )
        if evidence.ref_date is not None:
            window = timedelta(days=window_days)
            query = query.where(
                or_(
                    articles.c.published_date.is_(None),
                    articles.c.published_date.between(
                        evidence.ref_date - window, evidence.ref_date + window
                    ),
                )
            )
        candidates = [c[0] for c in conn.execute(query)]
        for other_id, (story_id, other) in sorted(_evidence_of(conn, candidates).items()):
            score = match_score(evidence, other, window_days, min_evidence)
            if score is not None and (best is None or score > best[0]):
                best = (score, story_id, other_id)
    if best is not None:
        logger.info(
            "story: article %s joins story %s (via %s, evidence %.2f)",
            article_id,
            best[1],
            best[2],
            best[0],
        )
        return best[1]
    story_id = f"s-{article_id}"[:64]
    conn.execute(
        stories.insert().values(
            id=story_id, label=article_id, article_count=0, created_at=now, updated_at=now
        )
    )
    logger.info("story: article %s starts story %s", article_id, story_id)
    return story_id


def refresh_story(conn: Connection, story_id: str, now: datetime) -> None:
    """Recompute a story's label, size and date span after an article joined it."""
    members = select(articles.c.id).where(
        articles.c.story_id == story_id, articles.c.duplicate_of.is_(None)
    )
    # Label: the most widely mentioned person first, then the two most mentioned other names.
    articles_naming = func.count(func.distinct(article_entities.c.article_id))
    ranked = conn.execute(
        select(entities.c.name, entities.c.label)
        .join(article_entities, article_entities.c.entity_id == entities.c.id)
        .where(
            article_entities.c.article_id.in_(members),
            entities.c.label.in_([k for k, v in KEY_PREFIX.items() if v != "evt"]),
        )
        .group_by(entities.c.id, entities.c.name, entities.c.label)
        .order_by(
            articles_naming.desc(), func.sum(article_entities.c.count).desc(), entities.c.name
        )
        .limit(20)
    ).all()
    people = [name for name, label in ranked if KEY_PREFIX.get(label) == "per"][:1]
    top = people + [name for name, _ in ranked if name not in people][: 3 - len(people)]
    day_counts = Counter(
        key
        for (key,) in conn.execute(
            select(article_keys.c.key).where(
                article_keys.c.article_id.in_(members), article_keys.c.key.like("date:%")
            )
        )
    )
    count, first, last = conn.execute(
        select(
            func.count(), func.min(articles.c.published_date), func.max(articles.c.published_date)
        ).where(articles.c.id.in_(members))
    ).one()
    # The most mentioned day (ties: the latest) names the event; else the first publication.
    if day_counts:
        day = max(day_counts.items(), key=lambda kv: (kv[1], kv[0]))[0][5:]
    else:
        day = first.isoformat() if first else ""
    names = ", ".join(top)
    title = (
        conn.execute(
            select(articles.c.title)
            .where(articles.c.id.in_(members))
            .order_by(articles.c.stored_at)
        )
        .scalars()
        .first()
    )
    label = names or title or story_id
    conn.execute(
        update(stories)
        .where(stories.c.id == story_id)
        .values(
            label=f"{label} ({day})" if day else label,
            article_count=int(count),
            first_date=first,
            last_date=last,
            updated_at=now,
        )
    )
