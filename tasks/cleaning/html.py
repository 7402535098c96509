"""HTML input: parse once, then main text (``main_text``) and metadata (``page_fields``).

One lxml tree serves the metadata readers and every trafilatura pass: trafilatura copies a
tree it is given before pruning it, so nothing here re-parses or deep-copies the page; the
tree is the one the gate before clean parsed, when it did (``parsed_pages``). The
metadata is read first: ``main_text`` then unwraps a few tags in place (see there).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from trafilatura import load_html

from tasks.cleaning import parsed_pages
from tasks.cleaning.main_text import main_text
from tasks.cleaning.page_fields import confidence, page_fields
from tasks.errors import UnsupportedContent

__all__ = ["HtmlResult", "confidence", "extract_html"]

logger = logging.getLogger(__name__)


@dataclass
class HtmlResult:
    text: str
    mode: str
    fields: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    passes: int = 1


def _load(html: str) -> Any:  # an lxml HtmlElement or None (lxml ships no type stubs)
    parsed, tree = parsed_pages.take(html)  # the gate before clean parsed it already
    if not parsed:
        tree = load_html(html)
    if tree is None:
        # trafilatura refuses a document of one element ("<p>...</p>" alone: a JSONL html
        # field, a feed entry) as "not valid HTML"; its documented remedy is to wrap the
        # fragment. Real data, not noise: issue 16 lost such articles.
        tree = load_html(f"<html><body>{html}</body></html>")
    return tree


def extract_html(html: str, url: str | None, mode: str = "balanced") -> HtmlResult:
    """Extract the main text and metadata of one page; raise if it cannot be parsed."""
    tree = _load(html)
    if tree is None:
        raise UnsupportedContent("HTML could not be parsed")
    fields, sources = page_fields(tree, url)  # before main_text, which edits the tree
    body = main_text(tree, url, mode)
    return HtmlResult(
        text=body.text, mode=body.mode, fields=fields, sources=sources, passes=body.passes
    )
