"""The load steps of a worker's preload, one by one in a fresh process, with the RSS each adds.

Run: ``.venv/bin/python bench/memory_steps.py [--all-queues]`` (``bench/memory.py`` measures
the real worker; this says where its memory comes from). After each step the collector runs
and the heap is trimmed, so a step's figure is what it keeps, not its transient peak.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers.runtime.memory import release_free_memory

__all__ = ["main"]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _steps(all_queues: bool) -> Iterator[tuple[str, Callable[[], object]]]:
    """The steps in order; a generator, so that a step's imports happen when it runs."""
    from config.settings import get_settings
    from workers.app import make_app
    from workers.runtime import preload

    settings = get_settings()
    pages = preload._WARM_UP
    steps: list[tuple[str, Callable[[], object]]] = [("python, celery app", make_app)]
    if all_queues:
        steps += [
            ("clean (trafilatura ...), one page", partial(
                preload._warm_chain, settings, pages["en"], "en", ("fetch", "clean"))),
            ("translate_check (py3langid), one page", partial(
                preload._warm_chain, settings, pages["en"], "en",
                ("fetch", "clean", "translate_check"))),
        ]

    def extract_modules() -> None:
        import tasks.extract  # noqa: F401  (spaCy, numpy, dateparser)

    def spacy(language: str) -> None:
        from tasks.extract import _load_first_installed

        _load_first_installed(tuple(settings.extract.models[language]))

    def gazetteer() -> None:
        from tasks.nlp.gazetteer import load_gazetteer

        load_gazetteer(settings.extract.gazetteer_min_population)

    def given_names() -> None:
        from tasks.nlp.given_names import load_person_names

        load_person_names()

    def encoder() -> None:
        from tasks.nlp.embedding import encoder

        encoder().encode(["warm up"])

    stages = preload.STAGE_NAMES if all_queues else ("extract",)
    chain = preload.warm_chain(stages)
    steps += [("import tasks.extract (spaCy ...)", extract_modules),
              ("spaCy en pipeline", partial(spacy, "en")),
              ("spaCy fr pipeline", partial(spacy, "fr")),
              ("gazetteer", gazetteer), ("given names", given_names),
              ("sentence encoder (USE)", encoder),
              (f"warm pages through {','.join(chain)}", lambda: [
                  preload._warm_chain(settings, pages[lang], lang, chain) for lang in pages])]
    yield from steps
    # Each stage's own warm-ups by name (those loaded above add ~0), listed once the steps
    # above have imported the stage modules: clean's is dateparser's patterns of every
    # locale, which real pages would load in each pool process anyway.
    for name in stages:
        yield from ((f"{name}: {label}", load)
                    for label, load in preload.STAGES[name].warm_ups(settings))
    yield ("rest of preload_models", partial(preload.preload_models, settings, stages))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-queues", action="store_true",
                        help="the steps of a worker of every queue (default: extract only)")
    args = parser.parse_args(argv)
    previous = _rss_mb()
    print(f"{'step':<42} {'+RSS MB':>8} {'RSS MB':>7} {'s':>5}")
    for name, step in _steps(args.all_queues):
        started = time.perf_counter()
        step()
        gc.collect()
        release_free_memory()
        now = _rss_mb()
        spent = time.perf_counter() - started
        print(f"{name:<42} {now - previous:>8.1f} {now:>7.1f} {spent:>5.1f}")
        previous = now


if __name__ == "__main__":
    main()
