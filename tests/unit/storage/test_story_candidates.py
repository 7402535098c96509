"""A message's content candidates read once (tasks/storage/story_candidates.py) are, for each
article, exactly what the per-article query returns."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.common import utc_now
from tasks.storage.repository import store_article
from tasks.storage.stories import MAX_VECTOR_CANDIDATES, StoryEvidence, _candidates
from tasks.storage.story_candidates import StoryCandidates
from tests.unit.storage.factories import article
from tests.unit.storage.test_stories_content import _text, _vector

PUBLISHED = [None, "2022-01-01", "2022-01-03", "2022-01-10", "2022-02-01", None]
PROBES = [date(2022, 1, 2), date(2022, 1, 12), None, date(2021, 6, 1)]


def _store_window(engine: Engine, settings: StoreSettings) -> None:
    for n, published in enumerate(PUBLISHED):
        # Distant leads: each starts its own story, every one a candidate.
        store_article(engine, article(f"w-{n}", _text(20 + n), lead_vector=_vector(0.0, n),
                                      published=published), settings)


def test_each_article_gets_what_its_own_query_returns(
    engine: Engine, settings: StoreSettings
) -> None:
    _store_window(engine, settings)
    now = utc_now()
    with engine.connect() as conn:
        message = StoryCandidates(settings.story_window_days, MAX_VECTOR_CANDIDATES, PROBES)
        for n, ref in enumerate(PROBES):
            me = "w-1" if n == 0 else f"probe-{n}"  # a stored one never meets itself
            evidence = StoryEvidence(keys={}, ref_date=ref)
            expected = _candidates(conn, me, evidence, settings.story_window_days, now)
            assert message.select(conn, me, ref, now) == expected
        assert len(_candidates(conn, "x", StoryEvidence(keys={}, ref_date=PROBES[0]),
                               settings.story_window_days, now)) < len(PUBLISHED)


def test_past_the_bound_each_article_asks_the_database(
    engine: Engine, settings: StoreSettings
) -> None:
    _store_window(engine, settings)
    with engine.connect() as conn:
        message = StoryCandidates(settings.story_window_days, 2, [None])
        assert message.select(conn, "probe", None, utc_now()) is None
