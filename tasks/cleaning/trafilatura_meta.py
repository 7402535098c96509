"""trafilatura's metadata reading, limited to the five fields the clean stage keeps.

``trafilatura.extract_metadata`` also hunts categories, tags and a licence in the page's
links (a third of its cost on the dev corpus, and newsflow stores none of them). This runs
the same steps, in the same order and with the same helpers, for title, author, date, site
name and URL only; ``tests/unit/cleaning/test_trafilatura_meta.py`` checks on real pages
that the five fields equal ``extract_metadata``'s. The helpers are trafilatura's own module
functions (the version is pinned in the locks): only the orchestration is repeated here.
"""

from __future__ import annotations

import logging
from html import unescape
from typing import Any

from htmldate import find_date
from htmldate.extractors import get_external_parser
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import set_date_params
from trafilatura.utils import line_processing

__all__ = ["FIELDS", "trafilatura_fields", "warm_dateparser"]

logger = logging.getLogger(__name__)

# Matches no locale's words, so dateparser tries (and compiles) every one of them.
_NO_LOCALE = "\u00a9 2000 Warm Up 1"
# newsflow field -> trafilatura Document attribute
FIELDS = {
    "title": "title",
    "author": "author",
    "published": "date",
    "publisher": "sitename",
    "canonical_url": "url",
}


def _trim(value: Any) -> str | None:
    """What trafilatura's ``Document.clean_and_trim`` does to a string field."""
    if not isinstance(value, str):
        return None
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value))


def trafilatura_fields(tree: Any, url: str | None) -> dict[str, str | None]:
    """Title, author, date, site name and URL as ``trafilatura.extract_metadata`` finds them."""
    doc = examine_meta(tree)
    if doc.author and " " not in doc.author:
        doc.author = None  # trafilatura's rule: a one-word meta author is a handle
    try:
        doc = extract_meta_json(tree, doc)
    except Exception as exc:  # trafilatura guards this call the same way (its own bugs)
        logger.warning("trafilatura's JSON-LD reader failed: %s", exc)
    if not doc.title:
        doc.title = extract_title(tree)
    if not doc.author:
        doc.author = extract_author(tree)
    if not doc.url:
        doc.url = extract_url(tree, url)
    date_config = set_date_params(True)  # extensive: see page_fields' docstring
    date_config["url"] = doc.url
    doc.date = find_date(tree, **date_config)
    if not doc.sitename:
        doc.sitename = extract_sitename(tree)
    if doc.sitename:
        doc.sitename = doc.sitename.lstrip("@")
        if doc.sitename and "." not in doc.sitename and not doc.sitename[0].isupper():
            doc.sitename = doc.sitename.title()
    elif doc.url:
        found = META_URL.match(doc.url)
        if found:
            doc.sitename = found[1]
    return {name: _trim(getattr(doc, attr)) for name, attr in FIELDS.items()}


def warm_dateparser() -> None:
    """Compile dateparser's patterns for every locale, once per process, before any page.

    htmldate's extensive search hands a few strings a page to dateparser (shared parser,
    no language given). The first string that no locale parses (on re-dressed pages a
    footer's "\u00a9 2026 Site Name 3": a year and a day-like number pass htmldate's
    filter) makes dateparser compile the word-splitting patterns of all ~200 locales:
    1.5-3 s of CPU charged to whichever page comes first. Compiled, they are cached for
    the process (``CACHE_SIZE_LIMIT`` 1000 > locales) and a failing string costs ~20 ms.
    Dates are unchanged: the same parser, the same strings, only the cost moves here.
    """
    get_external_parser().get_date_data(_NO_LOCALE)
