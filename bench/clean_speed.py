"""CPU of the clean stage beside one plain ``trafilatura.extract`` on the same pages.

Run: ``.venv/bin/python bench/clean_speed.py [--repeats 5] [--limit N] [--corpus DIR]
[--profile]``

Both run in this process on the same decoded HTML, interleaved page by page (extract, then
clean, then the next page), so a busy machine slows both alike. After one untimed warm-up
round, each repetition sums the process CPU time of every page (``time.process_time``, not
wall time: other processes' load does not count). Printed per repetition: ms of CPU per
page for each, and their ratio in that repetition; then the min and the median over
repetitions. Before any page the clean stage's warm-ups run (as a worker's preload does), and
the untimed first round's slowest page is printed: a one-time cost a worker would charge to
a page (e.g. dateparser compiling every locale) shows there, not in the repetitions. The
target of issue 17 is a ratio of at most 1.3. ``trafilatura.extract``
runs with its defaults (comments on), as a user's plain script would call it.
``--profile`` prints cProfile's top functions of clean (cumulative) afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import DEFAULT_CORPUS, _article, _load

from config.settings import CleanSettings
from tasks.clean import clean, warm_ups
from tasks.errors import NotAnArticle

__all__ = ["main"]


def _clean(page: tuple[dict[str, Any], str, int], settings: CleanSettings) -> None:
    meta, html, size = page
    with contextlib.suppress(NotAnArticle):  # a page with no article still cost its CPU
        clean(_article(meta, html, size), settings)


def _one_round(
    pages: list[tuple[dict[str, Any], str, int]], settings: CleanSettings
) -> tuple[float, float, float]:
    """CPU seconds of (trafilatura.extract, clean) over all pages, interleaved, and of the
    slowest page's clean."""
    extract_s = clean_s = slowest = 0.0
    for page in pages:
        start = time.process_time()
        trafilatura.extract(page[1])
        middle = time.process_time()
        _clean(page, settings)
        end = time.process_time()
        extract_s += middle - start
        clean_s += end - middle
        slowest = max(slowest, end - middle)
    return extract_s, clean_s, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="first N pages only")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--profile", action="store_true", help="cProfile clean afterwards")
    args = parser.parse_args()
    pages = _load(args.corpus, args.limit)
    if not pages:
        parser.error(f"no pages in {args.corpus}")
    settings = CleanSettings()
    for _name, load in warm_ups(settings):
        load()
    # One untimed round first: lazy imports, regex caches; a worker process is past them.
    slowest = _one_round(pages, settings)[2]
    print(f"first round after the warm-ups: slowest page's clean {1000 * slowest:.0f} ms CPU")

    n = len(pages)
    print(f"pages: {n}, repetitions: {args.repeats}, CPU ms per page (process time)")
    print("| rep | trafilatura.extract | clean | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    rows: list[tuple[float, float, float]] = []
    for rep in range(1, args.repeats + 1):
        extract_s, clean_s, _ = _one_round(pages, settings)
        row = (1000 * extract_s / n, 1000 * clean_s / n, clean_s / extract_s)
        rows.append(row)
        print(f"| {rep} | {row[0]:.1f} | {row[1]:.1f} | {row[2]:.3f} |")
    for label, pick in (("min", min), ("median", statistics.median)):
        print(
            f"| {label} | {pick(r[0] for r in rows):.1f} | {pick(r[1] for r in rows):.1f} "
            f"| {pick(r[2] for r in rows):.3f} |"
        )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for page in pages:
            _clean(page, settings)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
