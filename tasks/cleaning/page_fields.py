"""One value per metadata field of an HTML page, with the source it came from.

Candidates come from the page's own declarations (``metadata.page_candidates``: JSON-LD,
OpenGraph, meta tags, ``<title>``) and from trafilatura's metadata extractor (its steps for
these five fields only, ``trafilatura_meta``), which also reads bylines in the markup and
asks htmldate for the date. Order of trust, measured on the
dev corpus (tf pages, gold metadata): JSON-LD first, then trafilatura, then the rest; for
the title, a candidate that is also the page's visible ``<h1>`` wins.

htmldate keeps its extensive mode (trafilatura's default): it hands leftover strings to
dateparser, whose first unparseable string in a process compiles every locale (2-3 s; done
by the stage's warm-up, ``trafilatura_meta.warm_dateparser``), then costs ~2 ms a page at
the median; on the dev corpus it gives 2 more correct tf dates (0.770
against 0.738 in fast mode; skipping it when JSON-LD declares a date cost one more).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from tasks.cleaning.fields import clean_author, iso_date, strip_site_name, tidy
from tasks.cleaning.metadata import Candidate, page_candidates
from tasks.cleaning.trafilatura_meta import trafilatura_fields

__all__ = ["FIELD_NAMES", "URL_PATH", "confidence", "page_fields"]

logger = logging.getLogger(__name__)

# An lxml HtmlElement (lxml ships no type stubs).
Tree = Any

# Publisher first: the site name it yields is stripped from titles and author lists.
FIELD_NAMES = ("publisher", "title", "author", "published", "canonical_url")
# Rough confidence of each source for the record, from the dev-corpus accuracy of each.
_CONFIDENCE = {"json-ld": 0.85, "og": 0.75, "meta": 0.6, "trafilatura": 0.65, "htmldate": 0.7}
# A publication date's confidence by where it was found: a date the publisher declared for
# machines (JSON-LD datePublished, article:published_time, date meta tags), a date in the
# URL path, or one htmldate's search found in the page's markup and text (copyright lines,
# "updated" stamps and related-article dates included, hence lowest).
URL_PATH = "url path"
_DATE_CONFIDENCE = {"json-ld": 0.9, "og": 0.9, "meta": 0.8, URL_PATH: 0.7, "htmldate": 0.5}
_FALLBACK_SOURCE = {"published": "htmldate"}
# /2022/01/12/, /2022-01-12-, /20220112/ in a URL path (what htmldate's URL check reads)
_URL_DATE = re.compile(r"(?<!\d)(\d{4})[/_-]?(\d{2})[/_-]?(\d{2})(?!\d)")
_MIN_HEADING_CHARS = 10
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)", re.IGNORECASE)
_SEPARATORS = "|-–—·•:»«"


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


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _headings(tree: Tree) -> list[str]:
    # normalised like the candidates (tidy drops invisible joiners, repairs mojibake)
    return [h for h in (tidy(e.text_content()) for e in tree.iter("h1")) if h]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w{4,}", text.casefold()) if not w.isdigit()}


def _same_story(heading: str, title: str) -> bool:
    """A lone <h1> of 3+ words sharing a third of its content words with the declared title:
    the printed headline of the same story, not a site banner or another article's teaser."""
    words = _words(heading)
    return len(heading.split()) >= 3 and 3 * len(words & _words(title)) >= len(words) > 0


def _prefer_visible(options: list[tuple[str, str]], tree: Tree) -> list[tuple[str, str]]:
    """Move first a title candidate that is also the page's visible <h1>.

    JSON-LD, og:title and <title> often disagree (SEO headline vs printed headline); the one
    the reader sees on the page is the evidence that decides. A candidate that is a visible
    heading plus a separator and a tail ("Headline | Site") is cut back to the heading: the
    tail is the site's branding even when the page declares no site name to match it.
    """
    headings = _headings(tree)
    keys = {_key(h) for h in headings}
    visible = [o for o in options if _key(o[0]) in keys]
    if not visible:
        visible = [
            (h, source)
            for value, source in options
            for h in headings
            if len(h) >= _MIN_HEADING_CHARS
            and _key(value).startswith(_key(h))
            and value[len(h) :].lstrip()[:1] in _SEPARATORS
        ][:1]
    if not visible and options and len(headings) == 1 and _same_story(headings[0], options[0][0]):
        visible = [(headings[0], "h1")]
    return visible + [o for o in options if o not in visible]


def _clean_field(name: str, raw: str, sites: list[str]) -> str | None:
    if name == "title":
        title = tidy(raw)
        return strip_site_name(title, sites) if title else None
    if name == "author":
        return clean_author(raw, sites)
    if name == "published":
        return iso_date(raw)
    value = tidy(raw)
    if name == "publisher" and value and _COPYRIGHT.match(value):
        return None  # a footer notice ("Copyright 2014"), not a name
    return value


def page_fields(tree: Tree, url: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """(value per field, source per field) for the fields the page yields."""
    cands = page_candidates(tree)
    found = trafilatura_fields(tree, url)
    host = urlsplit(url or found["canonical_url"] or "").hostname or ""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name in FIELD_NAMES:
        # every declared publisher name, not only the chosen one, is the site, not an author
        declared = [c.value for c in cands["publisher"]]
        sites = [s for s in (values.get("publisher"), host, host.removeprefix("www.")) if s]
        sites += declared
        fallback_source = _FALLBACK_SOURCE.get(name, "trafilatura")
        options = [
            (value, source)
            for raw, source in _ordered(cands[name], found[name], fallback_source)
            if (value := _clean_field(name, raw, sites))
        ]
        if name == "title":
            options = _prefer_visible(options, tree)
        if options:
            values[name], sources[name] = options[0]
    if sources.get("published") == "htmldate":
        sources["published"] = _date_source(values["published"], cands["published"], url)
    return values, sources


def _date_source(day: str, declared: list[Candidate], url: str | None) -> str:
    """Where htmldate's date really came from: a declared tag it read, the URL, or its search.

    htmldate reads the same meta tags first, but returns a bare day where the tag holds a
    datetime, so the tag is recognised by its calendar day.
    """
    tag = next((c.source for c in declared if iso_date(c.value) == day), None)
    if tag:
        return tag
    return URL_PATH if _date_in_url(day, url) else "htmldate"


def _date_in_url(day: str, url: str | None) -> bool:
    """Whether the URL's path spells the date ``day`` (YYYY-MM-DD)."""
    path = urlsplit(url or "").path
    return any("-".join(m.groups()) == day for m in _URL_DATE.finditer(path))


def confidence(source: str, field: str | None = None) -> float:
    if field == "published":
        return _DATE_CONFIDENCE.get(source, 0.5)
    return _CONFIDENCE.get(source, 0.5)
