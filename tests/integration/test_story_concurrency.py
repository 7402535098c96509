"""Two workers storing the two seeds at the same moment still make one story, on SQLite and
PostgreSQL alike.

Story assignment (candidate search + new story insert) runs inside the store's write
transaction: ``BEGIN IMMEDIATE`` serialises writers on SQLite, and on PostgreSQL writers
sharing a story key (``per:grushko``, ``org:nato`` ...) hold the same transaction-scoped
advisory lock (tasks/storage/dialect.py); articles with a lead vector (the seeds, run
through extract) all take one more, ``stories:content``, since matching by content may join
any stored article. Without that, both could find no candidate and
each start a story. Each round starts both stores behind a barrier in two threads (two
connections), on an emptied database.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from config.settings import Settings, StoreSettings
from tasks.models import Article
from tasks.pipeline import run_inline_batch
from tasks.stages import STAGE_NAMES
from tasks.storage.db import get_engine
from tasks.storage.repository import list_stories, store_article, store_batch
from tasks.storage.schema import metadata

pytestmark = pytest.mark.integration

SEEDS = Path("/work/shared/seeds")
ROUNDS = 6


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[Article]:
    url = f"sqlite:///{tmp_path_factory.mktemp('chain') / 'unused.db'}"
    seeds = [
        Article(id=f"seed-{i}", source=str(path), source_kind="file")
        for i, path in enumerate(sorted(SEEDS.glob("*.txt")))
    ]
    done = run_inline_batch(seeds, Settings(database_url=url), STAGE_NAMES[:-1])
    result = [a for a in done if isinstance(a, Article)]
    assert len(result) == 2
    # Both carry a lead vector: the race below runs the content path (one lock for all).
    assert all(a.lead_vector for a in result)
    return result


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


def test_concurrent_stores_of_one_event_make_one_story(
    db_url: str, extracted: list[Article]
) -> None:
    engine = get_engine(db_url)
    settings = StoreSettings()
    for round_no in range(ROUNDS):
        _empty(engine)
        results, errors = _race(engine, settings, extracted)
        assert errors == [], f"round {round_no}"
        assert {a.verdict for a in results.values()} == {"stored"}
        assert len({a.story_id for a in results.values()}) == 1, f"round {round_no}"
        stories = list_stories(engine)
        assert [s["article_count"] for s in stories] == [2], f"round {round_no}"


def _race(
    engine: Engine, settings: StoreSettings, items: list[Article]
) -> tuple[dict[str, Article], list[BaseException]]:
    """Store every item from its own thread, all released at once."""
    barrier = threading.Barrier(len(items))
    results: dict[str, Article] = {}
    errors: list[BaseException] = []

    def store(item: Article) -> None:
        try:
            barrier.wait()
            results[item.id] = store_article(engine, item, settings)
        except BaseException as exc:  # reported by the caller, with the round
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(a,)) for a in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_batches_with_crossed_copies_keep_one_original_and_one_story(
    db_url: str, extracted: list[Article]
) -> None:
    """Two messages stored at once (one transaction each, tasks.store:store_many), each
    holding one seed and a copy of the other seed: whatever the interleaving, each text has
    one original that its copy names, and the two texts share one story."""
    engine = get_engine(db_url)
    settings = StoreSettings()
    first, second = extracted
    batches = [
        [first, second.model_copy(update={"id": "copy-of-1"})],
        [second, first.model_copy(update={"id": "copy-of-0"})],
    ]
    for round_no in range(ROUNDS):
        _empty(engine)
        results, errors = _race_batches(engine, settings, batches)
        assert errors == [], f"round {round_no}"
        by_text: dict[str | None, list[Article]] = {}
        for done in results.values():
            by_text.setdefault(done.content_hash, []).append(done)
        assert len(by_text) == 2 and len(results) == 4, f"round {round_no}"
        for pair in by_text.values():
            # whichever of the two came first is the original; the other names it
            [original] = [a for a in pair if a.verdict == "stored"]
            [copy] = [a for a in pair if a.verdict == "duplicate"]
            assert copy.duplicate_of == original.id, f"round {round_no}"
        assert len({a.story_id for a in results.values()}) == 1, f"round {round_no}"
        assert [s["article_count"] for s in list_stories(engine)] == [2], f"round {round_no}"


def _race_batches(
    engine: Engine, settings: StoreSettings, batches: list[list[Article]]
) -> tuple[dict[str, Article], list[BaseException]]:
    """Store every batch from its own thread, all released at once."""
    barrier = threading.Barrier(len(batches))
    results: dict[str, Article] = {}
    errors: list[BaseException] = []

    def store(batch: list[Article]) -> None:
        try:
            barrier.wait()
            for done in store_batch(engine, batch, settings):
                if isinstance(done, BaseException):
                    raise done
                results[done.id] = done
        except BaseException as exc:  # reported by the caller, with the round
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
