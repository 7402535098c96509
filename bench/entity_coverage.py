"""Entity coverage per language: the share of articles with >= 3 named people, organisations
or places (distinct PERSON/ORG/GPE/LOC entities after canonical grouping; NAME does not count).

Texts: ``../shared/corpus/dev`` (the page's gold text; for pages whose gold is only snippets,
trafilatura's extraction of the HTML, as the clean stage does) and the articles of
``../shared/corpus/stories-dev/pairs.jsonl`` (title + body, once each). Each text goes through
the product's ``tasks.extract.extract`` with the corpus's language as the model language, so
the backend is the one a worker would use (spaCy for en/fr, the fallback NER elsewhere).

    nice -n 10 .venv/bin/python bench/entity_coverage.py            # both corpora
    nice -n 10 .venv/bin/python bench/entity_coverage.py --sample 20 --language de
        # also prints 20 random distinct PERSON/ORG/GPE/LOC entities of de for a by-eye check

Columns: pages, coverage (>= 3), mean distinct counted entities, mean NAME entities, ms per
article (extract as a whole, spaCy or fallback included), backend. The last line gives the
process's peak RSS (VmHWM) with everything loaded.

Measured 2026-12-04 (given names from Faker, Turkish cues by stem; 2 shared cores, nice 10):
dev coverage en 0.97 (106 pages, spaCy), fr 1.00 (15, spaCy), es 0.93 (15), pl 0.91 (11),
hr 1.00 (4), zh 1.00 (3), de 0.86 (22), pt 0.67 (6), it 0.67 (3), ru 0.00 (3); the others
have 1-2 pages. stories-dev: en 0.95, es 0.82, tr 0.82, ar 0.81, de 0.78 (before the given
names: es 0.75, tr 0.69, ar 0.81, de 0.70).
Precision by eye, --sample 20 --seed 13 on stories-dev (a real person/organisation/place with
usable boundaries; a wrong label still counts): de 18/20, es 17/20, tr 16/20, ar 12/20
(before: 13, 15, 12, 9). The dev pages below 0.9 are mostly not news (a diet, a video game,
product lists), where three names are often not there to find.

Measured 2026-12-05 (branch lang; machine shared with 4 other helpers): dev ru 0.00 -> 0.33
(the Podolski report now has its people; the two other pages are a video-game tip and a
diet), the rest unchanged. stories-dev ar 0.81 -> 0.66: "كورونا" (corona) had been read as a
proclitic "ك" + Verona in about a third of the articles, and "بيان" (statement), "صور" (photos) as
places; without them, precision by eye on ar (--sample 20 --seed 13) 13/20 (the
same command before the change: 12/20). de 0.78 -> 0.79 (institution compounds, Bundesstaat
...), precision 18/20 -> 18-19/20 (same command before and after). es, tr unchanged.

Measured 2026-12-06 (branch langcov; load average 12-18 on 2 cores, so ms/article is noise):
institution words inside longer names, places after lower-case administrative words and in
capitals, a sentence opening with a given name. stories-dev es 0.82 -> 0.86, tr 0.82 -> 0.87,
de 0.79 -> 0.81; dev pl 0.91 -> 1.00, the rest unchanged (pt, it, ru stay at 0.67, 0.67,
0.33: the pages that miss name no three things). Precision by eye, --sample 20 --seed 13 on
stories-dev (different entities from the samples above): es 15/20, tr 16/20, de 14-15/20 (the
wrong ones from older rules). Arabic organisation words with the article, more titles and
proclitics on cues took ar to 0.77 (precision 13/20) but one more unrelated Arabic pair of
one site then shared two names and merged (stories_quality ar 3/61 -> 4/61): reverted, ar
stays at 0.66 (docs/proposed/langcov.md).

Measured 2026-12-06 (branch langs; load 11-13 on 2 cores): the gazetteer with CLDR short
country names (babel), ISO 3166-2 subdivisions and Arabic keys without marks, one alef and
ي for a final ى; "لل" as "ل" + the article. stories-dev ar 0.66 -> 0.78, es 0.86 -> 0.88,
tr 0.87 -> 0.88, de 0.81 -> 0.82, en 0.95; dev unchanged in every language. With langcov's
Arabic rules back, ar reached 0.85, but one more unrelated same-site pair merged again (a
presenter's two interviews, sharing names rare on their site too): not kept
(docs/proposed/langs.md). Precision by eye, --sample 20 --seed 13 (judged before the last
_NOT_PLACES words, which came from these samples): de 18/20, es 15/20, tr 15/20 (with the
Arabic rules: ar 15/20); ar without them 10/20 (4 of the 10 wrong were ordinary words read
as places, now left out; the other 6 are PERSON after older title cues).
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import time
from collections import defaultdict
from pathlib import Path

from config.settings import ExtractSettings
from tasks.extract import extract
from tasks.models import Article, LanguageCheck

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
COUNTED = {"PERSON", "ORG", "GPE", "LOC"}


def dev_texts() -> list[tuple[str, str, str]]:
    import trafilatura

    out = []
    for path in sorted(glob.glob(str(CORPUS / "dev" / "*.json"))):
        page = json.loads(Path(path).read_text())
        text = page.get("gold_text") or ""
        if not text:
            raw = Path(path[:-5] + ".html").read_bytes().decode(
                (page.get("encoding") or "utf-8").split(" ")[0], errors="replace"
            )
            text = trafilatura.extract(raw, url=page.get("url")) or ""
        out.append((page["id"], page["lang"], text))
    return out


def stories_texts() -> list[tuple[str, str, str]]:
    seen: dict[str, tuple[str, str, str]] = {}
    for line in (CORPUS / "stories-dev" / "pairs.jsonl").read_text().splitlines():
        pair = json.loads(line)
        for n in ("1", "2"):
            text = f"{pair.get('title' + n) or ''}\n\n{pair.get('text' + n) or ''}".strip()
            key = text[:200]
            if key and key not in seen:
                seen[key] = (f"{pair['pair_id']}/{n}", pair["lang" + n], text)
    return list(seen.values())


def peak_rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
    return -1


def run(name: str, texts: list[tuple[str, str, str]], args: argparse.Namespace) -> None:
    settings = ExtractSettings()
    rows: dict[str, list[tuple[int, int, float, str]]] = defaultdict(list)
    pool: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for item_id, lang, text in texts:
        if (args.language and lang != args.language) or not text.strip():
            continue
        check = LanguageCheck(language=lang, decision="route", model_language=lang)
        article = Article(id=item_id, source=item_id, text=text, language_check=check)
        t0 = time.perf_counter()
        done = extract(article, settings)
        ms = (time.perf_counter() - t0) * 1000
        counted = [e for e in done.entities if e.label in COUNTED]
        names = [e for e in done.entities if e.label == "NAME"]
        backend = done.extract_provenance["entities"].source.split(" ")[0].split("@")[0]
        rows[lang].append((len(counted), len(names), ms, backend))
        pool[lang].update((e.name, e.label, e.mentions[0].text) for e in counted)
    print(f"\n{name}")
    print("| lang | pages | coverage >=3 | mean counted | mean NAME | ms/article | backend |")
    print("|---|---|---|---|---|---|---|")
    for lang, r in sorted(rows.items(), key=lambda kv: -len(kv[1])):
        n = len(r)
        cov = sum(1 for c, *_ in r if c >= 3) / n
        print(f"| {lang} | {n} | {cov:.2f} | {sum(c for c, *_ in r) / n:.1f} | "
              f"{sum(x[1] for x in r) / n:.1f} | {sum(x[2] for x in r) / n:.0f} | "
              f"{r[0][3].split(':')[0]} |")
    if args.sample:
        for lang, found in sorted(pool.items()):
            rng = random.Random(args.seed)
            picked = rng.sample(sorted(found), min(args.sample, len(found)))
            print(f"\nsample {lang} ({name}):")
            for canonical, label, surface in picked:
                print(f"  {label:6} {canonical}  [{surface}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["dev", "stories", "both"], default="both")
    parser.add_argument("--language")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if args.corpus in ("dev", "both"):
        run("dev corpus", dev_texts(), args)
    if args.corpus in ("stories", "both"):
        run("stories-dev articles", stories_texts(), args)
    print(f"\npeak RSS (VmHWM) of this process: {peak_rss_mb()} MB")


if __name__ == "__main__":
    main()
