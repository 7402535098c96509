"""The throughput benchmark's input: distinct real articles with wire copies mixed in.

Originals: every page of ``corpus/dev`` (HTML, its URL from the sidecar) and every distinct
article of ``corpus/stories-dev/pairs.jsonl`` (title, body, date, URL; five languages; an
article is the same when its body is). Then ``dup_share`` of the whole feed are copies of
randomly drawn originals, as a wire feed carries them:

* ``exact``: the same document again under another URL (a syndicated copy);
* ``near``: the same article with a changed header and footer: for a text, a dateline
  line before and a copyright line after the body; for a page, a different site banner and
  footer around it and a dateline paragraph before the article's first paragraph.

Everything goes to one JSONL file (``html`` or ``text`` lines), originals in a shuffled
order and each copy at least ``min_gap`` lines after its original (wire copies come later:
the benchmark measures the duplicate path, not a race between an original and its copy).
``kinds`` says, line by line, which of ``original``/``exact``/``near`` the line is.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Mix", "make_mix"]

_BODY_OPEN = re.compile(r"<body[^>]*>", re.IGNORECASE)
_FIRST_P = re.compile(r"<p[\s>]", re.IGNORECASE)


@dataclass
class Mix:
    path: Path
    kinds: list[str] = field(default_factory=list)  # per line: original / exact / near
    formats: list[str] = field(default_factory=list)  # per line: html / text
    languages: Counter[str] = field(default_factory=Counter)  # originals per language

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(self.kinds))


def _dev_pages(corpus: Path) -> list[dict[str, str]]:
    lines = []
    for page in sorted(corpus.glob("*.html")):
        meta_path = page.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        lines.append({
            "url": meta.get("url") or f"https://dev.example/{page.stem}",
            "html": page.read_text(encoding="utf-8", errors="replace"),
            "lang": meta.get("lang", "?"),
        })
    return lines


def _story_articles(pairs: Path) -> list[dict[str, str]]:
    seen: set[str] = set()
    lines = []
    for raw in pairs.read_text(encoding="utf-8").splitlines():
        pair = json.loads(raw)
        for n in ("1", "2"):
            body = (pair.get(f"text{n}") or "").strip()
            key = " ".join(body.split())
            if len(key) < 200 or key in seen:
                continue
            seen.add(key)
            line = {"url": pair.get(f"url{n}") or f"https://stories.example/{len(lines)}",
                    "text": body, "lang": pair.get(f"lang{n}", "?")}
            if pair.get(f"title{n}"):
                line["title"] = pair[f"title{n}"]
            if pair.get(f"date{n}"):
                line["published"] = pair[f"date{n}"]
            lines.append(line)
    return lines


def _near_copy(line: dict[str, str], k: int) -> dict[str, str]:
    copy = dict(line, url=f"https://wire{k % 7}.example/copy/{k}")
    if "text" in line:
        copy["text"] = (f"WIRE {k % 7} (Bench Agency) -\n\n{line['text']}\n\n"
                        f"Copyright 2026 Bench Agency {k % 7}. All rights reserved.")
        return copy
    html = line["html"]
    banner = f'<header><div class="wire">Bench Wire {k % 7}: syndicated edition</div></header>'
    html = _BODY_OPEN.sub(lambda m: m.group(0) + banner, html, count=1)
    found = _FIRST_P.search(html, html.find("</header>") if banner in html else 0)
    if found:
        dateline = f"<p>WIRE {k % 7} (Bench Agency) - syndicated copy {k}.</p>"
        html = html[: found.start()] + dateline + html[found.start() :]
    footer = f"<footer><p>Copyright 2026 Bench Agency {k % 7}. All rights reserved.</p></footer>"
    copy["html"] = html.replace("</body>", footer + "</body>", 1)
    return copy


def make_mix(dev: Path, pairs: Path, out: Path, dup_share: float = 0.2, seed: int = 17,
             limit: int | None = None, min_gap: int = 150) -> Mix:
    """Write the feed to ``out`` (JSONL) and say what each line is."""
    rng = random.Random(seed)
    originals = _dev_pages(dev) + _story_articles(pairs)
    rng.shuffle(originals)
    if limit is not None:
        originals = originals[: max(1, round(limit * (1 - dup_share)))]
    n_dups = round(len(originals) * dup_share / (1 - dup_share))
    feed: list[tuple[str, dict[str, str]]] = [("original", o) for o in originals]
    gap = min(min_gap, len(originals) // 3)
    for k in range(n_dups):
        position = rng.randrange(len(originals) - gap) if len(originals) > gap else 0
        original = originals[position]
        kind = "exact" if k % 2 == 0 else "near"
        copy = (dict(original, url=f"https://wire{k % 7}.example/same/{k}") if kind == "exact"
                else _near_copy(original, k))
        # after its original by at least the gap: inserted among the lines that follow it
        where = next(i for i, (_, line) in enumerate(feed) if line is original) + gap + 1
        feed.insert(rng.randrange(min(where, len(feed)), len(feed) + 1), (kind, copy))
    mix = Mix(out)
    with out.open("w", encoding="utf-8") as sink:
        for kind, line in feed:
            mix.kinds.append(kind)
            mix.formats.append("html" if "html" in line else "text")
            if kind == "original":
                mix.languages[line.get("lang", "?")] += 1
            sink.write(json.dumps({k: v for k, v in line.items() if k != "lang"},
                                  ensure_ascii=False) + "\n")
    return mix
