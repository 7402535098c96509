"""The main text of a parsed page with trafilatura: precision first, recall only on evidence.

Why precision first: on the dev corpus trafilatura's ``favor_precision`` output is cleaner
than its default on most pages (fewer teasers, link lists, newsletter boxes), but on a few
pages it discards most of the article. The recall pass is the evidence for that (precision
kept less than ``_MIN_PRECISION_SHARE`` of it), yet running it on every page doubles the
cost. So it runs only when the precision text is short next to the page's own paragraph
text (the text of its ``<p>`` elements, a cheap measure of how much prose the page holds).

Why ``fast`` (in the default "balanced" mode only): it skips trafilatura's comparison with
readability and jusText, about 40 % of a pass. Those comparisons rescue pages where the main
extractor finds little, and exactly those pages fail the gate (about 15 % of the dev pages),
so the fallback pass does the rescue instead. The fallback runs in recall mode: as the
fallback it scored at least as well on the dev corpus as a full default pass
(bench/quality.py) at half its CPU. The fixed modes have no gate, so they keep
trafilatura's own rescue.

Why ``keep_tails``: in precision mode trafilatura deletes empty inline elements together
with their tail, so ``<strong></strong>par un dirigeant ...`` loses the words after the
empty tag, mid-sentence. Such empty tags are common in CMS markup; dropping them first
(their tail joins the preceding text) keeps the sentence whole. Likewise ``unlink_mail``:
precision mode drops a paragraph that is one link, and a paragraph that is one mailto link
is a contact address the article gives ("write to tips@..."), not navigation. The page's
metadata is read before this, from the untouched tree.

trafilatura copies a tree it is given before pruning it, so one parsed tree serves every
pass. Comments never count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import trafilatura

__all__ = ["MainText", "keep_tails", "main_text", "paragraph_chars", "unlink_mail"]

logger = logging.getLogger(__name__)

# An lxml HtmlElement (lxml ships no type stubs).
Tree = Any

_MIN_PRECISION_SHARE = 0.5
# Below this share of the page's <p> text, precision may have pruned the article itself.
_GATE_SHARE = 0.4
# Too little paragraph markup to judge by (text in <div>/<br>): short output is checked too.
_GATE_MIN_CHARS = 600
# The inline elements among those trafilatura deletes when empty (its CUT_EMPTY_ELEMS, tail
# included in precision mode): inside a sentence their tail is the sentence. Empty block
# elements followed by text are left to trafilatura: on the dev pages that text was as
# often a menu entry or a cookie button as the article's.
_EMPTY_CUT = ("b", "em", "i", "q", "span", "strong")


@dataclass(frozen=True)
class MainText:
    text: str
    mode: str  # the trafilatura setting whose output was kept
    passes: int  # extraction passes run, for the record and the benchmark


def paragraph_chars(tree: Tree) -> int:
    """Characters of text inside the page's <p> elements, whitespace collapsed."""
    return sum(len(" ".join(p.text_content().split())) for p in tree.iter("p"))


def keep_tails(tree: Tree) -> int:
    """Unwrap empty inline elements followed by text, so no pass deletes that text with them."""
    empty = [
        e
        for e in tree.iter(*_EMPTY_CUT)
        if e.text is None and len(e) == 0 and e.tail is not None and e.tail.strip()
    ]
    for element in empty:
        element.drop_tag()  # lxml.html: the tail joins the previous sibling or the parent
    return len(empty)


def unlink_mail(tree: Tree) -> int:
    """Turn mailto links into plain text, so link-density pruning never counts them."""
    mail = [a for a in tree.iter("a") if (a.get("href") or "").lower().startswith("mailto:")]
    for anchor in mail:
        anchor.drop_tag()
    return len(mail)


def _extract(tree: Tree, url: str | None, **kwargs: Any) -> str:
    doc: Any = trafilatura.bare_extraction(tree, url=url, include_comments=False, **kwargs)
    return str(getattr(doc, "text", None) or "")


def _suspicious(precise: str, tree: Tree) -> bool:
    """Whether the precision text may be a pruned article (the gate of the recall pass)."""
    return len(precise) < _GATE_MIN_CHARS or len(precise) < _GATE_SHARE * paragraph_chars(tree)


def main_text(tree: Tree, url: str | None, mode: str = "balanced") -> MainText:
    """The page's main text in ``mode``: "precision", "recall" or "balanced" (per page)."""
    keep_tails(tree)
    unlink_mail(tree)
    if mode == "recall":
        return MainText(_extract(tree, url, favor_recall=True), "recall", 1)
    if mode == "precision":  # one pass and no gate: trafilatura's own rescue stays on
        return MainText(_extract(tree, url, favor_precision=True), "precision", 1)
    precise = _extract(tree, url, favor_precision=True, fast=True)
    if not _suspicious(precise, tree):
        return MainText(precise, "precision", 1)
    fuller = _extract(tree, url, favor_recall=True, fast=True)
    if len(precise) >= _MIN_PRECISION_SHARE * len(fuller):
        return MainText(precise, "precision", 2)
    logger.debug("precision kept %d of %d chars: recall pass kept", len(precise), len(fuller))
    return MainText(fuller, "recall", 2)
