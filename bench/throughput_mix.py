"""The throughput benchmark's input: distinct real articles with wire copies mixed in.

Originals: every page of ``corpus/dev`` (HTML, its URL from the sidecar) and every distinct
article of ``corpus/stories-dev/pairs.jsonl`` (title, body, date, URL; five languages; an
article is the same when its body is). Then ``dup_share`` of the whole feed are copies of
randomly drawn originals, as a wire feed carries them:

* ``exact``: the same document again under another URL (a syndicated copy);
* ``near``: the same article with a changed header and footer: for a text, a dateline
  line before and a copyright line after the body; for a page, the same page as another
  edition serves it: its header, navigation and footer replaced by others, an ad block
  inside the article and a sidebar of teasers (``_page_edition``);
* ``template``: (pages only) the same article on another site: the article's element moved
  into the page of another dev site in place of that page's own article, under the
  article's title (``_other_template``).

Copies are drawn so that half of them are of pages (when there are pages): the page path
(clean, trafilatura) is the one whose cost the duplicate table must show.

Everything goes to one JSONL file (``html`` or ``text`` lines), originals in a shuffled
order and each copy at least ``min_gap`` lines after its original (wire copies come later:
the benchmark measures the duplicate path, not a race between an original and its copy).
``kinds`` says, line by line, which of ``original``/``exact``/``near``/``template`` the line
is.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import trafilatura

from tasks.storage.dedup import MIN_SHINGLES_FOR_CONTAINMENT
from tasks.storage.page_copies import shingles

__all__ = ["Mix", "make_mix"]



@dataclass
class Mix:
    path: Path
    kinds: list[str] = field(default_factory=list)  # original / exact / near / template
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
    for raw in pairs.read_text(encoding="utf-8").split("\n"):  # not splitlines: U+2028 in text
        if not raw.strip():
            continue
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
    dup = dict(line, url=f"https://wire{k % 7}.example/copy/{k}")
    if "text" in line:
        dup["text"] = (f"WIRE {k % 7} (Bench Agency) -\n\n{line['text']}\n\n"
                        f"Copyright 2026 Bench Agency {k % 7}. All rights reserved.")
        return dup
    dup["html"] = _page_edition(line["html"], k)
    return dup


# ----------------------------------------------------------------------- pages, re-dressed
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_SECTIONS = ("World", "Politics", "Business", "Technology", "Science", "Health", "Sport",
             "Culture", "Opinion", "Video")
_TEASERS = (
    "Markets close higher as investors weigh the latest inflation figures",
    "Storm warnings issued for the coast ahead of the weekend",
    "City council approves new budget after a lengthy late-night session",
    "Researchers report progress on a faster test for common infections",
    "Transport strike called off after talks with the unions",
    "Five things to know before the start of the new season",
    "Opinion: what the housing figures really tell us about rents",
    "Watch: the best moments of last night's final",
)


def _tree(html: str) -> Any:
    return lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))


def _fragment(markup: str) -> Any:
    return lxml.html.fragment_fromstring(markup)


def _serialise(tree: Any) -> str:
    return "<!DOCTYPE html>\n" + lxml.html.tostring(tree, encoding="unicode")


def _paragraph_weights(tree: Any) -> tuple[dict[Any, int], int]:
    """Characters of <p> text under each element, and the page's total."""
    weights: dict[Any, int] = {}
    total = 0
    for p in tree.iter("p"):
        size = len(" ".join(p.text_content().split()))
        total += size
        for element in (p, *p.iterancestors()):
            weights[element] = weights.get(element, 0) + size
    return weights, total


def _article_element(tree: Any) -> Any | None:
    """The deepest element holding most of the page's paragraph text: its article."""
    weights, total = _paragraph_weights(tree)
    if total < 500:
        return None
    held = [e for e, w in weights.items() if w >= 0.6 * total and e.tag not in ("p", "html")]
    return max(held, key=lambda e: sum(1 for _ in e.iterancestors()), default=None)


def _page_edition(html: str, k: int) -> str:
    """The same page as another edition of the site serves it: another header, navigation,
    footer and sidebar, and an ad block between the article's paragraphs."""
    try:
        tree = _tree(html)
    except (ValueError, lxml.etree.ParserError):
        return html.replace("</body>", f"<footer><p>Edition {k}</p></footer></body>", 1)
    for element in list(tree.iter("header", "nav", "footer")):
        element.drop_tree()
    body = tree.find("body")
    if body is None:
        return _serialise(tree)
    sections = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in _SECTIONS)
    body.insert(0, _fragment(
        f'<header class="masthead"><a class="logo" href="/">The Morning Ledger {k % 5}</a>'
        f'<nav class="sections"><ul>{sections}</ul></nav>'
        '<a class="subscribe" href="/subscribe">Subscribe from 1 EUR</a></header>'))
    teasers = "".join(f'<li><a href="/story/{k}-{i}">{t}</a></li>'
                      for i, t in enumerate(_TEASERS[k % 3 :][:5]))
    body.append(_fragment(f'<aside class="most-read"><h3>Most read</h3><ol>{teasers}</ol></aside>'))
    body.append(_fragment(
        f'<footer><p>\u00a9 2026 The Morning Ledger {k % 5} Media Group. All rights reserved.'
        '</p><ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li>'
        '<li><a href="/contact">Contact us</a></li></ul></footer>'))
    article = _article_element(tree)
    paragraphs = list(article.iter("p")) if article is not None else []
    if len(paragraphs) > 2:
        ad = _fragment(
            '<div class="ad-slot"><span class="ad-label">Advertisement</span>'
            f'<a href="https://ads.example/click/{k}"><img src="https://ads.example/{k}.jpg" '
            'alt="Sponsored"></a></div>')
        paragraphs[1].addnext(ad)
    return _serialise(tree)


# Share of the page's article (its word 3-grams as trafilatura extracts it) the moved element
# must hold for the line to be a copy of it at all. On the full feed's 95 template draws the
# elements hold 0.00-0.04 of it (5 draws: no article moved) or 0.71-1.00.
_ARTICLE_HELD = 0.5


def _holds_article(html: str, element: Any) -> bool:
    """Whether ``element`` holds the page's article. The element holding most of a page's
    ``<p>`` text is its article on most pages; on a page whose article is not in ``<p>``
    elements it may be a comment thread or a teaser list, and the "template copy" would hold
    no word of the article (two of the 36 template lines of the 800-article feed: stored as
    originals by every stage, each charged an original's cost as a template copy)."""
    article = shingles(trafilatura.extract(html, fast=True) or "")
    held = shingles(element.text_content())
    return (len(article) >= MIN_SHINGLES_FOR_CONTAINMENT
            and len(article & held) >= _ARTICLE_HELD * len(article))


def _other_template(line: dict[str, str], host: dict[str, str], k: int) -> dict[str, str] | None:
    """The page's article element, moved into another site's page in place of its article."""
    try:
        tree, other = _tree(line["html"]), _tree(host["html"])
    except (ValueError, lxml.etree.ParserError):
        return None
    article, slot = _article_element(tree), _article_element(other)
    if article is None or slot is None or slot.tag == "body":
        return None
    if not _holds_article(line["html"], article):
        return None  # no article to move: another edition of the page instead
    moved = copy.deepcopy(article)
    moved.tail = None
    for child in list(slot):
        slot.remove(child)
    slot.text = None
    slot.append(moved)
    for script in other.xpath('//script[@type="application/ld+json"]'
                              '|//meta[starts-with(@property, "og:")]'):
        script.drop_tree()  # the host's own article's metadata
    title = tree.findtext(".//title")
    if title and other.find(".//title") is not None:
        other.find(".//title").text = title
    headline = tree.find(".//h1")
    host_headline = other.find(".//h1")
    if headline is not None and host_headline is not None:
        host_headline.getparent().replace(host_headline, copy.deepcopy(headline))
    return dict(line, url=f"{host['url'].rstrip('/')}-syndicated-{k}",
                html=_serialise(other))


def _hosts(originals: list[dict[str, str]]) -> dict[str, str]:
    return {o["url"]: urlsplit(o["url"]).hostname or "" for o in originals if "html" in o}


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
    drawable = range(len(originals) - gap) if len(originals) > gap else range(1)
    pages = [i for i in drawable if "html" in originals[i]]
    hosts = _hosts(originals)
    rng.shuffle(pages)  # page copies go through the pages in turn: many templates measured
    for k in range(n_dups):
        # every other copy is of a page: near (another edition) or template (another site)
        of_page = k % 2 == 1 and bool(pages)
        original = originals[pages[k // 2 % len(pages)] if of_page else rng.choice(drawable)]
        kind = ("near", "template")[k // 2 % 2] if of_page else ("exact", "near")[k // 2 % 2]
        copy_line: dict[str, str] | None = None
        if kind == "template":
            others = [o for o in originals if "html" in o
                      and hosts[o["url"]] != hosts[original["url"]]]
            copy_line = _other_template(original, rng.choice(others), k) if others else None
            if copy_line is None:  # no article element to move: another edition instead
                kind = "near"
        if kind == "exact":
            copy_line = dict(original, url=f"https://wire{k % 7}.example/same/{k}")
        elif kind == "near":
            copy_line = _near_copy(original, k)
        assert copy_line is not None
        # after its original by at least the gap: inserted among the lines that follow it
        where = next(i for i, (_, line) in enumerate(feed) if line is original) + gap + 1
        feed.insert(rng.randrange(min(where, len(feed)), len(feed) + 1), (kind, copy_line))
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
