"""What watches cost the store: matching inside the store transaction, with and without
watches, on real article texts.

Run: ``.venv/bin/python bench/watch_matching.py [--articles 150] [--watches 20]
[--database sqlite|postgresql]``

Stores the dev corpus's gold texts (English, as plain articles with their language set)
into a fresh database (a SQLite file, or a temporary PostgreSQL database) twice, once with
no watch and once with ``--watches`` watches (half queries of two words, half entity
watch-lists of three names), and prints the mean
store time per article of each run and the time spent in ``record_matches`` alone (the
watches' SELECT and the pure matching), timed around the call in the second run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.settings import StoreSettings
from tasks.models import LanguageCheck
from tasks.storage import repository as store_repository
from tasks.storage.db import get_engine, migrate
from tasks.storage.repository import store_article
from tasks.watches import repository
from tasks.watches.spec import WatchSpec
from tests.unit.storage.factories import article, corpus_texts

QUERIES = ["election results", "court ruling", "health insurance", "climate policy",
           "police said", "trade deal", "stock market", "school teachers", "war Ukraine",
           "oil prices"]
NAMES = [["Biden", "Trump", "Putin"], ["NATO", "EU", "UN"], ["Congress", "Senate", "House"],
         ["China", "Russia", "Iran"], ["Google", "Apple", "Amazon"]]


@contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "postgresql":
        from tests.integration.services import temporary_database

        with temporary_database("newsflow_bench") as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


def _run(count: int, watches: int, kind: str) -> tuple[list[float], list[float]]:
    with _database(kind) as url:
        migrate(url)
        engine = get_engine(url)
        for n in range(watches):
            spec = (WatchSpec(name=f"q{n}", query=QUERIES[n % len(QUERIES)],
                              webhook_url="http://example.org/h") if n % 2 == 0 else
                    WatchSpec(name=f"e{n}", entities=NAMES[n % len(NAMES)],
                              webhook_url="http://example.org/h"))
            repository.create_watch(engine, spec)
        matching: list[float] = []
        original = store_repository.record_matches

        def timed(conn, stored):  # type: ignore[no-untyped-def]
            begun = time.perf_counter()
            try:
                return original(conn, stored)
            finally:
                matching.append(time.perf_counter() - begun)

        store_repository.record_matches = timed  # type: ignore[assignment]
        try:
            totals = []
            for name, text in corpus_texts()[:count]:
                item = article(name, text, title=text.split("\n", 1)[0][:120],
                               language_check=LanguageCheck(language="en", confidence=1.0))
                begun = time.perf_counter()
                store_article(engine, item, StoreSettings())
                totals.append(time.perf_counter() - begun)
        finally:
            store_repository.record_matches = original  # type: ignore[assignment]
        engine.dispose()
        return totals, matching


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--watches", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    _run(10, 0, args.database)  # warm caches (stemmer, imports) before either measured run
    bare, bare_match = _run(args.articles, 0, args.database)
    watched, watched_match = _run(args.articles, args.watches, args.database)
    ms = 1000
    print(f"{args.database}: {len(bare)} articles, store mean per article:")
    print(f"  no watch       {statistics.mean(bare) * ms:7.2f} ms  "
          f"(record_matches {statistics.mean(bare_match) * ms:.3f} ms)")
    print(f"  {args.watches:3d} watches    {statistics.mean(watched) * ms:7.2f} ms  "
          f"(record_matches {statistics.mean(watched_match) * ms:.3f} ms, "
          f"p95 {statistics.quantiles(watched_match, n=20)[-1] * ms:.3f} ms)")


if __name__ == "__main__":
    main()
