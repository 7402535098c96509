"""Metadata candidates from the page's own declarations: JSON-LD, OpenGraph, meta tags.

Each candidate keeps its source so the stage can record provenance. Nothing here guesses:
values are read from markup the publisher wrote for machines.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

__all__ = ["Candidate", "page_candidates"]

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = ("article", "posting", "report", "newsarticle")
_META_KEYS: dict[str, list[tuple[str, str]]] = {
    # field -> (attribute value, source) in priority order
    "title": [("og:title", "og"), ("twitter:title", "meta"), ("dc.title", "meta")],
    "publisher": [
        ("og:site_name", "og"),
        ("application-name", "meta"),
        ("publisher", "meta"),
        ("dc.publisher", "meta"),
    ],
    "author": [
        ("author", "meta"),
        ("article:author", "og"),
        ("dc.creator", "meta"),
        ("byl", "meta"),
        ("parsely-author", "meta"),
        ("sailthru.author", "meta"),
    ],
    "published": [
        ("article:published_time", "og"),
        ("og:published_time", "og"),
        ("datepublished", "meta"),
        ("pubdate", "meta"),
        ("publishdate", "meta"),
        ("date", "meta"),
        ("dc.date", "meta"),
        ("dc.date.issued", "meta"),
        ("parsely-pub-date", "meta"),
        ("sailthru.date", "meta"),
    ],
    "canonical_url": [("og:url", "og")],
}


@dataclass(frozen=True)
class Candidate:
    value: str
    source: str


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("@id"))
    if isinstance(value, list):
        names = [n for n in (_text(v) for v in value) if n]
        return "; ".join(dict.fromkeys(names)) or None
    return None


def _walk(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            stack.extend(v for v in item.get("@graph", []) if isinstance(v, dict))
    return out


def _is_article(obj: dict[str, Any]) -> bool:
    kinds = obj.get("@type", "")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(n, str) and n.lower().endswith(_ARTICLE_TYPES) for n in names)


def _json_ld(tree: Any) -> dict[str, Candidate]:
    found: dict[str, Candidate] = {}
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            data = json.loads(script.text_content() or "null")
        except json.JSONDecodeError:
            continue  # broken JSON-LD is common; the other sources still apply
        for obj in (o for o in _walk(data) if _is_article(o)):
            pairs = {
                "title": _text(obj.get("headline")) or _text(obj.get("name")),
                "author": _text(obj.get("author")),
                "published": _text(obj.get("datePublished")),
                "publisher": _text(obj.get("publisher")),
                "canonical_url": _text(obj.get("mainEntityOfPage")) or _text(obj.get("url")),
            }
            for key, value in pairs.items():
                if value and key not in found:
                    found[key] = Candidate(value, "json-ld")
    return found


def page_candidates(tree: Any) -> dict[str, list[Candidate]]:
    """Every declared value per field, JSON-LD first, then OpenGraph, then meta tags."""
    metas: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = " ".join((meta.get("content") or "").split())
        if key and content and key not in metas:
            metas[key] = content
    out: dict[str, list[Candidate]] = {k: [] for k in _META_KEYS}
    for key, cand in _json_ld(tree).items():
        out[key].append(cand)
    for key, names in _META_KEYS.items():
        out[key].extend(Candidate(metas[n], s) for n, s in names if n in metas)
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        out["canonical_url"].append(Candidate(str(href).strip(), "meta"))
    title = tree.findtext(".//title")
    if title and title.strip():
        out["title"].append(Candidate(" ".join(title.split()), "meta"))
    return out
