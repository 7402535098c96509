"""One parse per page: the tree the gate before clean parsed, handed on to clean.

The gate before clean (``tasks.storage.recognise``) parses every HTML page to read its
paragraphs (``tasks.storage.page_copies``); a page it does not recognise as a copy (every
original) is then parsed again by clean, with the same loader (trafilatura's
``load_html``): about 2-3 ms of a dev page, for the same tree. The gate keeps its tree
here and clean takes it instead of parsing. The gate only reads the tree; clean edits it
in place (``main_text``), so a tree is handed out once.

Keyed by the page's string object, which the gate and clean share (the same ``Article``
within one stage call), never by its value: a page re-sent in another message is parsed
afresh. The trees of one message at most are kept (their count and their pages' size
bounded: a parsed dev page holds about four times its HTML in memory), the oldest let go
first; a tree not taken is simply parsed again by clean.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from trafilatura import load_html

__all__ = ["drop", "load", "take"]

_MAX_PAGES = 8  # the default message size (``pipeline.batch_size``)
_MAX_CHARS = 2_000_000  # about 8 MB of trees
# id(page) -> (page, its tree or None when load_html refused it); the page is held so that
# its id is not reused while its entry lives.
_kept: OrderedDict[int, tuple[str, Any]] = OrderedDict()


def load(html: str) -> Any:
    """``load_html(html)``, kept for clean to take (an lxml tree, or None)."""
    tree = load_html(html)
    _kept[id(html)] = (html, tree)
    _kept.move_to_end(id(html))
    while len(_kept) > _MAX_PAGES or sum(len(page) for page, _t in _kept.values()) > _MAX_CHARS:
        _kept.popitem(last=False)
    return tree


def take(html: str) -> tuple[bool, Any]:
    """``(True, tree)`` when the gate parsed this very page (handed out once), else
    ``(False, None)``."""
    found = _kept.get(id(html))
    if found is None or found[0] is not html:
        return False, None
    _kept.pop(id(html), None)
    return True, found[1]


def drop(html: str) -> None:
    """Let go of a page's tree that clean will never take (a recognised copy)."""
    found = _kept.get(id(html))
    if found is not None and found[0] is html:
        _kept.pop(id(html), None)
