"""HTML input: main text with trafilatura, mode chosen per page, metadata with provenance.

Why two passes: on the dev corpus trafilatura's ``favor_precision`` output is cleaner than
its default on most pages (fewer teasers, link lists, newsletter boxes) but on a few pages
it discards most of the article. Both passes run; precision is kept unless it retained
less than ``_MIN_PRECISION_SHARE`` of the default pass's text, which is the evidence, per
page, that precision pruned the article itself. Comments are never part of the text.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from trafilatura.utils import load_html

from tasks.cleaning.fields import clean_author, iso_date, strip_site_name, tidy
from tasks.cleaning.metadata import Candidate, page_candidates
from tasks.errors import UnsupportedContent

__all__ = ["HtmlResult", "confidence", "extract_html"]

logger = logging.getLogger(__name__)

_MIN_PRECISION_SHARE = 0.5
# Rough confidence of each source for the record, from the dev-corpus accuracy of each.
_CONFIDENCE = {"json-ld": 0.85, "og": 0.75, "meta": 0.6, "trafilatura": 0.65, "htmldate": 0.7}


@dataclass
class HtmlResult:
    text: str
    mode: str
    fields: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def _run(tree: Any, url: str | None, **kwargs: Any) -> Any:
    # bare_extraction prunes the tree it is given, so every pass gets its own copy.
    return trafilatura.bare_extraction(
        copy.deepcopy(tree), url=url, include_comments=False, **kwargs
    )


def _main_text(tree: Any, url: str | None, mode: str) -> tuple[Any, str, str]:
    """(document with metadata, chosen text, mode used)."""
    if mode == "recall":
        doc = _run(tree, url, favor_recall=True, with_metadata=True)
        return doc, (doc.text if doc else "") or "", "recall"
    precise = _run(tree, url, favor_precision=True, with_metadata=True)
    precise_text = (precise.text if precise else "") or ""
    if mode == "precision":
        return precise, precise_text, "precision"
    default = _run(tree, url)
    default_text = (default.text if default else "") or ""
    if len(precise_text) >= _MIN_PRECISION_SHARE * len(default_text):
        return precise, precise_text, "precision"
    return precise or default, default_text, "default"


def _ordered(
    cands: list[Candidate], fallback: str | None, fallback_source: str
) -> list[tuple[str, str]]:
    """JSON-LD first, then trafilatura's value (named after the tag it came from), then the rest."""
    ordered = [(c.value, c.source) for c in cands if c.source == "json-ld"]
    if fallback:
        same = next((c.source for c in cands if tidy(c.value) == tidy(fallback)), None)
        ordered.append((fallback, same or fallback_source))
    ordered.extend((c.value, c.source) for c in cands if c.source != "json-ld")
    return ordered


def extract_html(html: str, url: str | None, mode: str = "balanced") -> HtmlResult:
    """Extract the main text and metadata of one page; raise if it cannot be parsed."""
    tree = load_html(html)
    if tree is None:
        raise UnsupportedContent("HTML could not be parsed")
    cands = page_candidates(tree)
    doc, text, used = _main_text(tree, url, mode)
    result = HtmlResult(text=text, mode=used)
    meta: dict[str, str | None] = {
        "title": getattr(doc, "title", None),
        "author": getattr(doc, "author", None),
        "published": getattr(doc, "date", None),
        "publisher": getattr(doc, "sitename", None),
        "canonical_url": getattr(doc, "url", None),
    }
    fallback_source = {"published": "htmldate"}
    host = urlsplit(url or meta["canonical_url"] or "").hostname or ""
    for name in ("publisher", "title", "author", "published", "canonical_url"):
        sites = [s for s in (result.fields.get("publisher"), host, host.removeprefix("www.")) if s]
        options = [
            (value, source)
            for raw, source in _ordered(
                cands[name], meta[name], fallback_source.get(name, "trafilatura")
            )
            if (value := _clean_field(name, raw, sites))
        ]
        if name == "title":
            options = _prefer_visible(options, tree)
        if options:
            result.fields[name], result.sources[name] = options[0]
    return result


def _prefer_visible(options: list[tuple[str, str]], tree: Any) -> list[tuple[str, str]]:
    """Move first a title candidate that is also the page's visible <h1>.

    JSON-LD, og:title and <title> often disagree (SEO headline vs printed headline); the one
    the reader sees on the page is the evidence that decides.
    """
    headings = {_key(h.text_content()) for h in tree.iter("h1")}
    visible = [o for o in options if _key(o[0]) in headings]
    return visible + [o for o in options if o not in visible]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _clean_field(name: str, raw: str, sites: list[str]) -> str | None:
    if name == "title":
        title = tidy(raw)
        return strip_site_name(title, sites) if title else None
    if name == "author":
        return clean_author(raw, sites)
    if name == "published":
        return iso_date(raw)
    return tidy(raw)


def confidence(source: str) -> float:
    return _CONFIDENCE.get(source, 0.5)
