"""Extraction-quality benchmark: newsflow's clean stage beside plain trafilatura defaults.

Run: ``.venv/bin/python bench/quality.py [--limit N] [--corpus DIR] [--write docs/quality.md]``

Scores, per source group of the dev corpus (see shared/corpus/README.md):
* sh-, lg- (full gold text): token-level precision/recall/F1 (bag of lowercase word tokens,
  macro-averaged over pages), the scrapinghub benchmark's method;
* tf- (snippets): share of ``gold_with`` found (recall) and of ``gold_without`` present
  (leakage) after whitespace normalisation, plus title/author/date accuracy on gold_meta
  (fields annotated ``None`` are skipped; ``""`` means "none on the page");
* lg- gold keeps the headline, and tf- snippets may come from it, so on lg and tf pages each
  system is scored on its record as a reader gets it: title, then text (the title only when
  the text does not already start with it). newsflow keeps the headline in ``title``, never
  in ``text``; sh- gold has no headline, so there only the text is scored;
* tf.score: recall x (1 - leakage) per page, averaged;
* overall: mean page score over all pages, F1 for full-text pages and
  recall x (1 - leakage) for snippet pages.
Both systems run in the same process on the same decoded HTML, page by page (after a short
warm-up), so the timings share the machine's load; reported per system: ms/page (median and
p95) and pages/s for ``trafilatura.extract`` defaults, newsflow ``clean``, and ``clean``
followed by ``translate_check``. ``--write PATH`` also writes the table as Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import trafilatura

from config.settings import CleanSettings, TranslateSettings
from tasks.clean import clean
from tasks.errors import NotAnArticle, PermanentError
from tasks.models import Article, RawDocument
from tasks.translate_check import translate_check

__all__ = ["main", "score_snippets", "token_prf"]

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
_TOKEN = re.compile(r"\w+")
_WARM_UP_PAGES = 3
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"'})


def token_prf(predicted: str | None, gold: str) -> tuple[float, float, float]:
    pred = Counter(_TOKEN.findall((predicted or "").casefold()))
    ref = Counter(_TOKEN.findall(gold.casefold()))
    overlap = sum((pred & ref).values())
    p = overlap / sum(pred.values()) if pred else 0.0
    r = overlap / sum(ref.values()) if ref else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _ws(text: str | None) -> str:
    return " ".join((text or "").split())


def score_snippets(text: str | None, with_: list[str], without: list[str]) -> tuple[float, float]:
    flat = _ws(text)
    recall = sum(_ws(s) in flat for s in with_) / len(with_) if with_ else 1.0
    leak = sum(_ws(s) in flat for s in without) / len(without) if without else 0.0
    return recall, leak


def _same(field: str, predicted: str | None, gold: str) -> bool:
    if gold == "":
        return not predicted
    if not predicted:
        return False
    if field == "date":
        return predicted[:10] == gold[:10]
    return _norm(predicted) == _norm(gold)


def _norm(value: str) -> str:
    return _ws(value).translate(_QUOTES).casefold().rstrip(". ")


def _load(corpus: Path, limit: int | None) -> list[tuple[dict[str, Any], str, int]]:
    pages = []
    for meta_path in sorted(corpus.glob("*.json"))[:limit]:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        raw = meta_path.with_suffix(".html").read_bytes()
        # "utf-8 (1 invalid byte sequence)" names the codec first; replace the bad byte.
        html = raw.decode(meta["encoding"].split()[0], errors="replace")
        pages.append((meta, html, len(raw)))
    return pages


def _article(meta: dict[str, Any], html: str, size: int) -> Article:
    return Article(
        id=meta["id"],
        source=meta["url"] or meta["id"],
        source_kind="url",
        raw=RawDocument(
            content=html,
            content_type="html",
            encoding=meta["encoding"],
            encoding_source="corpus",
            byte_size=size,
            final_url=meta["url"],
        ),
    )


def _newsflow(meta: dict[str, Any], html: str, size: int) -> tuple[Article | None, float]:
    """The cleaned article (None when clean found no article) and the seconds it took."""
    start = time.perf_counter()
    try:
        article: Article | None = clean(_article(meta, html, size), CleanSettings())
    except NotAnArticle:
        article = None
    return article, time.perf_counter() - start


def _fields(article: Article | None) -> dict[str, str | None]:
    if article is None:
        return {"text": None, "title": None, "author": None, "date": None}
    return {
        "text": article.text,
        "title": article.title,
        "author": article.author,
        "date": article.published,
    }


def _translate_seconds(article: Article | None, settings: TranslateSettings) -> float:
    if article is None:
        return 0.0
    start = time.perf_counter()
    with contextlib.suppress(PermanentError):  # a rejected article still cost its time
        translate_check(article, settings)
    return time.perf_counter() - start


def _baseline(html: str) -> dict[str, str | None]:
    doc = trafilatura.bare_extraction(html, with_metadata=True)
    return {
        "title": getattr(doc, "title", None),
        "author": getattr(doc, "author", None),
        "date": getattr(doc, "date", None),
    }


def _score(
    pages: list[tuple[dict[str, Any], str, int]], outs: list[dict[str, str | None]]
) -> dict[str, float]:
    acc: dict[str, list[float]] = defaultdict(list)
    for (meta, _, _), out in zip(pages, outs, strict=True):
        group = meta["id"].split("-", 1)[0]
        text = out["text"] or ""
        title = out["title"] or ""
        if group != "sh" and title and not _ws(text).startswith(_ws(title)):
            text = f"{title}\n\n{text}"
        if meta["gold_text"] is not None:
            p, r, f = token_prf(text, meta["gold_text"])
            acc[f"{group}.P"].append(p)
            acc[f"{group}.R"].append(r)
            acc[f"{group}.F1"].append(f)
            acc["overall"].append(f)
            continue
        recall, leak = score_snippets(text, meta["gold_with"], meta["gold_without"])
        acc["tf.recall"].append(recall)
        acc["tf.leak"].append(leak)
        acc["tf.score"].append(recall * (1 - leak))
        acc["overall"].append(recall * (1 - leak))
        for field in ("title", "author", "date"):
            gold = (meta["gold_meta"] or {}).get(field)
            if gold is not None:
                acc[f"tf.{field}"].append(float(_same(field, out[field], gold)))
    return {k: statistics.fmean(v) for k, v in acc.items()}


def _timing(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"| {label} | {1000 * statistics.median(ordered):.1f} | {1000 * p95:.1f} "
        f"| {len(ordered) / sum(ordered):.1f} |"
    )


def _table(
    pages: list[tuple[dict[str, Any], str, int]],
    base: dict[str, float],
    ours: dict[str, float],
    timings: dict[str, list[float]],
) -> list[str]:
    groups = Counter(m["id"].split("-", 1)[0] for m, _, _ in pages)
    lines = [
        f"pages: {len(pages)} ({', '.join(f'{g} {n}' for g, n in sorted(groups.items()))})",
        "",
        "| metric | trafilatura | newsflow | delta | |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lower_is_better = {"tf.leak"}
    for key in sorted(set(base) | set(ours), key=lambda k: (k == "overall", k)):
        delta = ours.get(key, 0.0) - base.get(key, 0.0)
        better = (delta > 0) != (key in lower_is_better)
        mark = "" if abs(delta) < 5e-4 else ("better" if better else "WORSE")
        lines.append(
            f"| {key} | {base.get(key, 0.0):.3f} | {ours.get(key, 0.0):.3f} "
            f"| {delta:+.3f} | {mark} |"
        )
    lines += [
        "",
        "| one process, same run | ms/page median | ms/page p95 | pages/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [_timing(label, seconds) for label, seconds in timings.items()]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N pages only")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--write", type=Path, default=None, help="also write Markdown here")
    args = parser.parse_args()
    pages = _load(args.corpus, args.limit)
    translate_settings = TranslateSettings()
    for meta, html, size in pages[:_WARM_UP_PAGES]:  # lazy imports and models load here
        trafilatura.extract(html)
        _translate_seconds(_newsflow(meta, html, size)[0], translate_settings)

    base: list[dict[str, str | None]] = []
    ours: list[dict[str, str | None]] = []
    timings: dict[str, list[float]] = {
        "trafilatura.extract (defaults)": [],
        "newsflow clean": [],
        "newsflow clean + translate_check": [],
    }
    for meta, html, size in pages:
        start = time.perf_counter()
        text = trafilatura.extract(html)
        timings["trafilatura.extract (defaults)"].append(time.perf_counter() - start)
        base.append({"text": text, **_baseline(html)})
        article, clean_s = _newsflow(meta, html, size)
        ours.append(_fields(article))
        timings["newsflow clean"].append(clean_s)
        translate_s = _translate_seconds(article, translate_settings)
        timings["newsflow clean + translate_check"].append(clean_s + translate_s)

    lines = _table(pages, _score(pages, base), _score(pages, ours), timings)
    print("\n".join(lines))
    if args.write is not None:
        header = [
            "# Extraction quality",
            "",
            "Written by `bench/quality.py --write` (do not edit by hand): newsflow's clean stage",
            "beside plain `trafilatura.extract()` defaults on the dev corpus, same run, one",
            "process. See the benchmark's docstring for the metrics.",
            "",
        ]
        args.write.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
