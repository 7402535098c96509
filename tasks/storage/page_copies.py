"""Near copies of HTML pages recognised before clean, from a cheap text of the page.

The same article on another site's template, or the same page with another header, footer,
navigation or ad block, has other bytes (the raw-hash gate misses it) and used to be
recognised only after clean, whose trafilatura passes are most of an HTML copy's cost. The
text of a page's ``<p>`` elements (outside ``<nav>``, ``<footer>`` and ``<aside>``) costs
one lxml parse, about a tenth of clean, and holds the article's paragraphs on most pages.

The rule is the store's own near-duplicate rule, applied where it surely holds: a page is
a copy of a stored original when (exactly counted, on the original's stored text) at least
``PAGE_CONTAINMENT`` of the original's word 3-grams are in the page's paragraph text, the
original has at least ``dedup.MIN_SHINGLES_FOR_CONTAINMENT`` of them, and the paragraph text
is at most ``1 / dedup.MIN_SIZE_RATIO`` times the original's size. The paragraph text bounds
what clean could keep, so the cleaned copy would be within the store's size ratio too.
Two articles of one site share their template's boilerplate, never the article text that
clean kept, so they are never taken for copies. Candidates come from the originals' stored
LSH bands: under the size bound the Jaccard of the original's text and the page's text is
at least ``PAGE_CONTAINMENT * MIN_SIZE_RATIO`` (0.43), above the bands' candidate
threshold (0.3).

A page whose article is not in ``<p>`` elements (text in ``<div>``s and ``<br>``s) is simply
not recognised here and goes through clean, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trafilatura import load_html

from tasks.storage import dedup
from tasks.storage.minhash import signature_values

__all__ = ["PAGE_CONTAINMENT", "is_page_copy", "page_text", "shingles", "signature", "tree_text"]

# Share of the original's 3-grams the page must hold: stricter than the store's threshold
# (0.6), as no cleaned text of the copy checks it afterwards. On the dev corpus the closest
# two distinct pages come to 0.71 (two outlets retelling one agency story); 0.85 lets 151
# of the 199 pages be recognised from their paragraphs (0.9: 141, 0.8: 158).
PAGE_CONTAINMENT = 0.85
_OUTSIDE = "not(ancestor::nav or ancestor::footer or ancestor::aside)"


def page_text(html: str) -> str:
    """The text of the page's paragraphs outside navigation, footers and asides."""
    return tree_text(load_html(html))  # the loader clean uses: same decoding, same repairs


def tree_text(tree: Any) -> str:
    """``page_text`` of a page ``load_html`` parsed already (None: it refused the page).
    Reads the tree only: clean may be handed the same tree afterwards."""
    if tree is None:
        return ""
    return "\n".join(" ".join(p.text_content().split()) for p in tree.xpath(f"//p[{_OUTSIDE}]"))


def shingles(text: str) -> set[bytes]:
    """Word 3-grams as the MinHash signatures take them: ``dedup``'s own tokeniser, so that
    a page and a stored original are cut alike (the one definition stays in ``dedup``)."""
    return dedup._shingles(text)


def signature(grams: set[bytes], num_perm: int) -> dedup.Signature:
    """``dedup.signature`` of the text these 3-grams are of (same seed: the bands meet the
    stored originals'), without shingling the text a second time."""
    return dedup.Signature(signature_values(grams, num_perm, dedup._SEED), len(grams))


def is_page_copy(original_text: str | Iterable[bytes], page: set[bytes]) -> bool:
    """Whether a page whose paragraph 3-grams are ``page`` holds the original's text whole."""
    grams = shingles(original_text) if isinstance(original_text, str) else set(original_text)
    if len(grams) < dedup.MIN_SHINGLES_FOR_CONTAINMENT:
        return False
    if len(grams) < dedup.MIN_SIZE_RATIO * len(page):
        return False  # the page holds much more than the original: clean would decide
    return len(grams & page) >= PAGE_CONTAINMENT * len(grams)
