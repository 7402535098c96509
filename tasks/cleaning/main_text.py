"""The main text of a parsed page with trafilatura: precision first, default only on evidence.

Why precision first: on the dev corpus trafilatura's ``favor_precision`` output is cleaner
than its default on most pages (fewer teasers, link lists, newsletter boxes), but on a few
pages it discards most of the article. The default pass is the evidence for that (precision
kept less than ``_MIN_PRECISION_SHARE`` of it), yet running it on every page doubles the
cost. So it runs only when the precision text is short next to the page's own paragraph
text (the text of its ``<p>`` elements, a cheap measure of how much prose the page holds):
on the dev corpus every page where default won sat below ``_GATE_SHARE`` of it, and a
second pass there costs ~5 % of the pages.

trafilatura copies an ``Tree`` it is given before pruning it (checked: the tree is
byte-identical afterwards), so one parsed tree serves every pass. Comments never count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import trafilatura

__all__ = ["MainText", "main_text", "paragraph_chars"]

logger = logging.getLogger(__name__)

# An lxml HtmlElement (lxml ships no type stubs).
Tree = Any

_MIN_PRECISION_SHARE = 0.5
# Below this share of the page's <p> text, precision may have pruned the article itself.
_GATE_SHARE = 0.4
# Too little paragraph markup to judge by (text in <div>/<br>): short output is checked too.
_GATE_MIN_CHARS = 600


@dataclass(frozen=True)
class MainText:
    text: str
    mode: str  # the trafilatura setting whose output was kept
    passes: int  # extraction passes run, for the record and the benchmark


def paragraph_chars(tree: Tree) -> int:
    """Characters of text inside the page's <p> elements, whitespace collapsed."""
    return sum(len(" ".join(p.text_content().split())) for p in tree.iter("p"))


def _extract(tree: Tree, url: str | None, **kwargs: Any) -> str:
    doc: Any = trafilatura.bare_extraction(tree, url=url, include_comments=False, **kwargs)
    return str(getattr(doc, "text", None) or "")


def _suspicious(precise: str, tree: Tree) -> bool:
    """Whether the precision text may be a pruned article (the gate of the default pass)."""
    return len(precise) < _GATE_MIN_CHARS or len(precise) < _GATE_SHARE * paragraph_chars(tree)


def main_text(tree: Tree, url: str | None, mode: str = "balanced") -> MainText:
    """The page's main text in ``mode``: "precision", "recall" or "balanced" (per page)."""
    if mode == "recall":
        return MainText(_extract(tree, url, favor_recall=True), "recall", 1)
    precise = _extract(tree, url, favor_precision=True)
    if mode == "precision" or not _suspicious(precise, tree):
        return MainText(precise, "precision", 1)
    default = _extract(tree, url)
    if len(precise) >= _MIN_PRECISION_SHARE * len(default):
        return MainText(precise, "precision", 2)
    logger.debug("precision kept %d of %d chars: default pass kept", len(precise), len(default))
    return MainText(default, "default", 2)
