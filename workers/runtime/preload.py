"""Load the heavy resources once, in the worker's main process, before the pool forks.

Without this every pool child pays for trafilatura's imports, the language identifier and
the spaCy pipelines on its first message (seconds, and a slow first batch per child), and
holds its own private copy of them. Loaded in the parent, the children inherit them by
fork: the first message is as fast as the rest, and the pages of the models are shared
copy-on-write (``gc.freeze`` keeps the collector from touching, hence copying, them).

Everything goes through the stage modules' own lazy loaders (``lru_cache``), so a child
finds them already filled and nothing is loaded twice: the warm-up pages run through the
stages, and each stage record (``tasks.stages``) names its own extra loads (spaCy's
pipelines for extract, the storage modules for store). A worker loads only what the stages
of the queues it consumes need: the compose ``worker`` service (no extract queue) never
loads spaCy.
"""

from __future__ import annotations

import gc
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from celery.signals import worker_init

from config.settings import Settings, get_settings
from tasks.stages import STAGE_NAMES, STAGES
from workers.runtime.memory import release_free_memory
from workers.runtime.native_threads import limit_native_threads

if TYPE_CHECKING:
    from tasks.models import Article

__all__ = ["preload_models", "stages_consumed", "warm_chain"]

log = logging.getLogger(__name__)

# Warm-up pages, one per routed language: a headline, a date, names and a quote, so that the
# first real article meets no first-use cost (dateparser's locale tables, compiled regexes).
_WARM_UP = {
    "en": (
        "<html lang='en'><head><title>Ministers meet in Brussels</title></head><body><article>"
        "<h1>Ministers meet in Brussels</h1><p>Published on 12 January 2022.</p>"
        "<p>Foreign ministers of the European Union met in Brussels on Monday to discuss the "
        "budget. \u201cWe agreed on the main points,\u201d said Josep Borrell after the "
        "meeting, adding that talks would continue in Geneva next week.</p></article></body></html>"
    ),
    "fr": (
        "<html lang='fr'><head><title>Les ministres se réunissent</title></head><body><article>"
        "<h1>Les ministres se réunissent à Bruxelles</h1><p>Publié le 12 janvier 2022.</p>"
        "<p>Les ministres des Affaires étrangères de l'Union européenne se sont réunis lundi à "
        "Bruxelles pour discuter du budget. « Nous sommes d'accord sur l'essentiel », a déclaré "
        "Josep Borrell, ajoutant que les discussions se poursuivront à Genève.</p>"
        "</article></body></html>"
    ),
}


def preload_models(settings: Settings, stages: Iterable[str] = STAGE_NAMES) -> dict[str, float]:
    """Fill the stage modules' caches; returns seconds spent per resource."""
    wanted = [name for name in STAGE_NAMES if name in set(stages)]
    spent: dict[str, float] = {}

    def timed(name: str, load: Callable[[], object]) -> None:
        started = time.perf_counter()
        try:
            load()
        except Exception:  # a child then loads lazily and reports the error on its article
            log.exception("preloading %s failed", name)
            return
        spent[name] = round(time.perf_counter() - started, 3)

    # Warm the stages this worker consumes, from the first of them to the last, on one page
    # per language. The pages never run through a stage that writes the database.
    chain = warm_chain(wanted)
    for language, html in _WARM_UP.items() if chain else ():
        timed(f"chain_{language}", partial(_warm_chain, settings, html, language, chain))
    for name in wanted:
        try:
            loads = STAGES[name].warm_ups(settings)
        except Exception:
            log.exception("preloading %s failed", name)
            continue
        for label, load in loads:
            timed(label, load)
    # After the loads: the limit reaches the native libraries they loaded (and, through the
    # environment, any loaded later); the pool's children inherit it by fork.
    limit_native_threads(settings.pipeline.native_threads)
    log.info("preloaded for stages %s: %s", wanted, spent)
    return spent


def warm_chain(stages: Iterable[str]) -> tuple[str, ...]:
    """The stages a warm-up page runs through for a worker consuming ``stages``.

    From the first consumed stage that reads (the page's HTML goes in at ``fetch``, an
    already checked text at ``extract``) to the last one. An extract-only worker thus never
    runs clean or translate_check: trafilatura, the language identifier and their caches
    (~100 MB) would sit in every pool process for nothing.
    """
    readers = [name for name in STAGE_NAMES if not STAGES[name].writes]
    consumed = [readers.index(name) for name in set(stages) if name in readers]
    if not consumed:
        return ()
    first = readers.index(_CHECKED_INPUT) if min(consumed) >= readers.index(_CHECKED_INPUT) else 0
    return tuple(readers[first : max(consumed) + 1])


# The first stage that can start from a checked text instead of the raw page.
_CHECKED_INPUT = "extract"


def _warm_article(html: str, language: str, first: str) -> Article:
    from tasks.models import Article, LanguageCheck

    if first != _CHECKED_INPUT:
        return Article(id="preload", source="preload", source_kind="inline",
                       inline_content=html, inline_content_type="html")
    # What clean and translate_check make of the page: its text, its language decided.
    text = "\n\n".join(_tag_text(part) for part in html.split("<p>")[1:])
    title = _tag_text(html.split("<h1>", 1)[1]) if "<h1>" in html else None
    check = LanguageCheck(language=language, confidence=1.0, model_language=language,
                          paragraph_languages=[language] * (text.count("\n\n") + 1))
    return Article(id="preload", source="preload", source_kind="inline", title=title,
                   text=text, language_check=check)


def _tag_text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment.split("</", 1)[0]).strip()


def _warm_chain(settings: Settings, html: str, language: str, stages: tuple[str, ...]) -> None:
    from tasks.pipeline import InlineResources, run_stage

    # run_stage, not run_stage_batch: no log line, no metric, no ledger write for it.
    article = _warm_article(html, language, stages[0])
    resources = InlineResources(settings)
    for stage in stages:
        article = run_stage(stage, article, resources)


def stages_consumed(sender: Any, settings: Settings) -> list[str]:
    """The stages whose queues this worker consumes (all of them when it cannot tell)."""
    try:
        queues = set(sender.app.amqp.queues.consume_from or ())
    except AttributeError:
        queues = set()
    if not queues:
        return list(STAGE_NAMES)
    return [s for s in STAGE_NAMES if settings.pipeline.queue_for(s) in queues]


@worker_init.connect  # type: ignore[untyped-decorator]
def _on_worker_init(sender: Any = None, **_: Any) -> None:
    settings = get_settings()
    stages = stages_consumed(sender, settings)
    preload_models(settings, stages)
    from workers.runtime.metrics import start_in_worker

    start_in_worker(settings)
    # Objects alive now are the models: keep the collector from writing to their pages in
    # the children (copy-on-write would turn shared pages private). The load-time garbage
    # goes first, and the heap pages it held go back to the OS: a child's RSS starts as its
    # parent's at the fork, free heap pages included.
    gc.collect()
    gc.freeze()
    release_free_memory()
