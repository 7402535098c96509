"""Benchmark translate_check: document language, mixed-language paragraphs, throughput.

Run: .venv/bin/python bench/language_quality.py [--backend py3langid|lingua|both] [--cases N]

1. Document language accuracy on the 199 dev pages against the ``lang`` field, per source
   and on the pages whose <html lang> is wrong (passed to the stage as the hint). Text:
   gold_text (sh, lg); for tf pages, tasks.clean.clean on the HTML (trafilatura if clean is
   missing). Mismatches are listed, since ``lang`` is a langdetect label except on lg pages.
2. Mixed-language test: a real gold paragraph (>= 80 chars) of language B inserted at a
   random place in a gold article of language A (deterministic seed). Precision and recall
   of the foreign paragraphs >= 80 chars that the stage reports.
3. CPU per article, throughput (one process), RSS, machine-translation flags on dev pages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import time
from pathlib import Path

from config.settings import CleanSettings, TranslateSettings
from tasks.errors import PermanentError
from tasks.models import Article
from tasks.translate_check import translate_check

DEV = Path("/work/shared/corpus/dev")
SEED = 20220112
MIN_FOREIGN = 80


def rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1


def page_text(meta: dict[str, object], html: bytes) -> tuple[str, float]:
    """Cleaned text of a tf page and the seconds spent cleaning it."""
    encoding = str(meta["encoding"]).split(" ")[0]
    content = html.decode(encoding, errors="replace")
    start = time.perf_counter()
    try:
        from tasks.clean import clean

        article = Article(
            id=str(meta["id"]),
            source="bench",
            source_kind="inline",
            inline_content=content,
            inline_content_type="html",
        )
        text = clean(article, CleanSettings()).text or ""
    except ImportError:
        import trafilatura

        text = trafilatura.extract(content) or ""
    except PermanentError:
        text = ""
    return text, time.perf_counter() - start


def load_dev() -> tuple[list[dict[str, object]], float]:
    pages, clean_s = [], 0.0
    for path in sorted(DEV.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta["gold_text"] is not None:
            text = "\n\n".join(p.strip() for p in str(meta["gold_text"]).split("\n") if p.strip())
        else:
            text, seconds = page_text(meta, path.with_suffix(".html").read_bytes())
            clean_s += seconds
        meta["text"] = text
        pages.append(meta)
    return pages, clean_s


def run(article: Article, settings: TranslateSettings) -> tuple[Article, float]:
    start = time.process_time()
    with contextlib.suppress(PermanentError):  # a rejection is a result here, not an error
        translate_check(article, settings)
    return article, time.process_time() - start


def document_accuracy(pages: list[dict[str, object]], settings: TranslateSettings) -> list[float]:
    rows, cpu = [], []
    for meta in pages:
        article = Article(
            id=str(meta["id"]),
            source="bench",
            text=str(meta["text"]) or None,
            html_lang=str(meta["html_lang"]) if meta["html_lang"] else None,
        )
        article, seconds = run(article, settings)
        cpu.append(seconds)
        got = article.language_check.language if article.language_check else None
        rows.append((meta, got, article.language_check))
    ok = [m["lang"] == g for m, g, _ in rows]
    print(f"  document language accuracy: {sum(ok)}/{len(ok)} = {sum(ok) / len(ok):.4f}")
    for prefix in ("sh-", "lg-", "tf-"):
        sub = [o for (m, _, _), o in zip(rows, ok, strict=True) if str(m["id"]).startswith(prefix)]
        print(f"    {prefix[:2]}: {sum(sub)}/{len(sub)}")
    wrong_hint = [
        (m, g)
        for m, g, _ in rows
        if m["html_lang"] and str(m["html_lang"]).split("-")[0].lower() != m["lang"]
    ]
    hits = sum(m["lang"] == g for m, g in wrong_hint)
    print(f"    pages whose <html lang> is wrong: {hits}/{len(wrong_hint)}")
    for (meta, got, _), good in zip(rows, ok, strict=True):
        if not good:
            snippet = " ".join(str(meta["text"])[:70].split())
            print(
                f"    mismatch {meta['id']}: label {meta['lang']} ({meta['lang_source']}) "
                f"-> {got}: {snippet!r}"
            )
    flagged = [(m, t) for m, _, t in rows if t is not None and t.machine_translated]
    print(f"  dev pages flagged machine-translated: {len(flagged)}/{len(rows)}")
    for meta, t in flagged:
        print(f"    {meta['id']}: {t.machine_translation_evidence}")
    return cpu


def paragraph_pool(pages: list[dict[str, object]]) -> list[tuple[str, str]]:
    # A single token (a bare URL) is not a paragraph of any language: left out.
    return [
        (str(m["lang"]), p)
        for m in pages
        if m["gold_text"] is not None
        for p in str(m["text"]).split("\n\n")
        if len(p) >= MIN_FOREIGN and " " in p
    ]


def mixed_test(pages: list[dict[str, object]], settings: TranslateSettings, cases: int) -> None:
    rng = random.Random(SEED)
    hosts = [m for m in pages if m["gold_text"] is not None and m["text"]]
    pool = paragraph_pool(pages)
    tp = fp = fn = wrong_language = 0
    for case in range(cases):
        host = rng.choice(hosts)
        lang, inserted = rng.choice([x for x in pool if x[0] != host["lang"]])
        paragraphs = str(host["text"]).split("\n\n")
        position = rng.randrange(len(paragraphs) + 1)
        paragraphs.insert(position, inserted)
        article, _ = run(
            Article(id=f"mixed-{case}", source="bench", text="\n\n".join(paragraphs)), settings
        )
        found = {
            f.index: f
            for f in (article.language_check.foreign_paragraphs if article.language_check else [])
            if f.in_text and len(f.text) >= MIN_FOREIGN
        }
        if position in found:
            tp += 1
            wrong_language += found[position].language != lang
        else:
            fn += 1
        fp += len(set(found) - {position})
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(
        f"  mixed-language test ({cases} cases, seed {SEED}, paragraphs >= {MIN_FOREIGN} chars):"
        f" precision {precision:.4f}, recall {recall:.4f} (tp {tp}, fp {fp}, fn {fn};"
        f" found with a wrong language: {wrong_language})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["py3langid", "lingua", "both"], default="both")
    parser.add_argument("--cases", type=int, default=400)
    args = parser.parse_args()
    start = time.perf_counter()
    pages, clean_s = load_dev()
    tf = sum(1 for m in pages if m["gold_text"] is None)
    print(
        f"dev pages: {len(pages)} ({tf} tf pages cleaned in {clean_s:.1f} s, "
        f"{tf / clean_s if clean_s else 0:.1f} pages/s); RSS {rss_mb()} MB"
    )
    backends = ["py3langid", "lingua"] if args.backend == "both" else [args.backend]
    for backend in backends:
        settings = TranslateSettings(detector_backend=backend)
        before = rss_mb()
        print(f"backend {backend} ({len(settings.detector_languages)} candidate languages)")
        cpu = document_accuracy(pages, settings)
        mixed_test(pages, settings, args.cases)
        warm = sorted(cpu[1:])  # the first call builds the detector
        mean = statistics.fmean(warm)
        print(
            f"  translate_check CPU per article: mean {1000 * mean:.1f} ms, median "
            f"{1000 * statistics.median(warm):.1f} ms, p95 {1000 * warm[int(0.95 * len(warm))]:.1f}"
            f" ms, first call {1000 * cpu[0]:.0f} ms; throughput {1 / mean:.0f} articles/s"
        )
        if clean_s and tf:
            per_page = clean_s / tf + mean
            print(
                f"  clean + translate_check (tf HTML pages, one process): "
                f"{1 / per_page:.1f} pages/s"
            )
        print(f"  RSS {rss_mb()} MB (+{rss_mb() - before} MB for this backend)")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
