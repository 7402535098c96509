"""RSS, Atom and JSON Feed files: one item per entry.

feedparser reads RSS/Atom (and fixes their charset and date quirks); JSON Feed, which
feedparser 6 does not read, is plain JSON and read with ``json``. An entry becomes an inline
item when the feed carries its full content (at least FULL_CONTENT_MIN_CHARS of text, so a
teaser is not mistaken for the article), otherwise a URL item; either way it carries the
entry's title, date and link and the feed's title and language as hints. Only local feed
files are read: the producer never downloads. ``parse_feed`` reads feed bytes already in
memory (the source monitor's downloads) and keeps each entry's GUID and link beside its item,
and the feed's declared refresh period (RSS ``ttl``, ``sy:updatePeriod``/``updateFrequency``).

A feed is read whole (feedparser and ``json`` need all of it), so it is bounded first:
at most ``FEED_FACTOR`` times ``NEWSFLOW_FETCH__MAX_BYTES`` after decompression, read a
chunk at a time, so a gzip bomb is refused without being held (issue 16).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser

from tasks.json_input import JsonTooDeep, loads_untrusted
from tasks.models import SourceHints
from tasks.sources.items import (
    MAX_BYTES_SETTING,
    SourceItem,
    SourceProblem,
    content_digest,
    inline_item,
    normalise_url,
    url_key,
)

__all__ = ["FEED_FACTOR", "FULL_CONTENT_MIN_CHARS", "FeedEntry", "ParsedFeed", "iter_feed",
           "parse_feed"]

logger = logging.getLogger(__name__)

FULL_CONTENT_MIN_CHARS = 500
# A feed holds many entries, each up to the content limit: it may be this many times it.
FEED_FACTOR = 10
_TAG_RE = re.compile(r"<[^>]+>")
Result = SourceItem | SourceProblem
# sy:updatePeriod names (RSS 1.0 syndication module) in seconds.
_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400,
            "yearly": 365 * 86400}


@dataclass(frozen=True)
class FeedEntry:
    """One entry: its identity (GUID, link) and what the producer gets for it."""

    guid: str | None
    link: str | None
    result: Result


@dataclass
class ParsedFeed:
    entries: list[FeedEntry] = field(default_factory=list)
    declared_s: float | None = None  # the shortest refresh period the feed asks for
    problem: SourceProblem | None = None  # the whole feed is unreadable
    version: str = ""  # feedparser's name of the format ("rss20", "atom10"), "json"; "" none


def _iso(parsed: time.struct_time | None, raw: str | None) -> str | None:
    if parsed is not None:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return raw or None  # e.g. Portuguese day names: left for the clean stage's date parser


def _entry_item(
    *,
    where: str,
    link: str | None,
    entry_id: str | None,
    content: str | None,
    hints: SourceHints,
    max_inline: int,
    content_type: Literal["html", "text"] = "html",
) -> Result:
    if content and len(_TAG_RE.sub("", content).strip()) >= FULL_CONTENT_MIN_CHARS:
        identity = normalise_url(link) if link else (entry_id or where)
        return inline_item(
            where=where,
            source=link or where,
            item_key=f"feed:{identity}:{content_digest(content)}",
            content=content,
            content_type=content_type,
            hints=hints,
            max_inline=max_inline,
            what="entry content",
        )
    if link and link.lower().startswith(("http://", "https://")):
        return SourceItem(source=link, source_kind="url", item_key=url_key(link), hints=hints)
    return SourceProblem(where, "no_link", f"{where}: entry without a link or full content")


def _read_bounded(path: Path, max_inline: int) -> bytes | SourceProblem:
    limit = FEED_FACTOR * max_inline
    handle = gzip.GzipFile(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")
    with handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        return SourceProblem(str(path), "too_large",
                             f"{path}: the feed has more than {limit} bytes (decompressed), "
                             f"over its limit ({FEED_FACTOR} x {MAX_BYTES_SETTING})")
    return data


def _declared_s(feed: Any) -> float | None:
    periods: list[float] = []
    ttl = str(feed.get("ttl") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        periods.append(int(ttl) * 60.0)
    period = _PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period is not None:
        frequency = str(feed.get("sy_updatefrequency") or "1").strip()
        periods.append(period / max(1, int(frequency) if frequency.isdigit() else 1))
    return min(periods) if periods else None


def _xml_feed(data: bytes, where: str, max_inline: int) -> ParsedFeed:
    parsed: Any = feedparser.parse(data)
    if not parsed.entries and parsed.bozo:
        return ParsedFeed(problem=SourceProblem(where, "invalid_feed",
                                                f"{where}: {parsed.bozo_exception}"))
    feed = parsed.feed
    base = feed.get("link") or ""
    result = ParsedFeed(declared_s=_declared_s(feed), version=parsed.get("version") or "")
    for number, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link")
        link = urljoin(base, link) if link else None  # TPM's Atom links are site-relative
        contents = entry.get("content") or []
        hints = SourceHints(
            title=entry.get("title") or None,
            # dict.get: FeedParserDict maps updated->published with a deprecation warning
            published=_iso(
                dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"),
                dict.get(entry, "published") or dict.get(entry, "updated"),
            ),
            url=link,
            publisher=feed.get("title") or None,
            language=feed.get("language") or None,
        )
        item = _entry_item(
            where=f"{where}#entry{number}",
            link=link,
            entry_id=entry.get("id"),
            content=contents[0].get("value") if contents else None,
            hints=hints,
            max_inline=max_inline,
        )
        result.entries.append(FeedEntry(entry.get("id") or None, link, item))
    return result


def _json_feed(data: bytes, where: str, max_inline: int) -> ParsedFeed:
    try:
        feed = loads_untrusted(data)
    except JsonTooDeep as exc:
        return ParsedFeed(problem=SourceProblem(where, "too_deep", f"{where}: {exc}"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return ParsedFeed(problem=SourceProblem(where, "invalid_feed",
                                                f"{where}: not a JSON Feed ({exc})"))
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        return ParsedFeed(problem=SourceProblem(where, "invalid_feed",
                                                f"{where}: JSON Feed without items"))
    result = ParsedFeed(version="json")
    for number, item in enumerate(items, start=1):
        at = f"{where}#item{number}"
        if not isinstance(item, dict):
            problem = SourceProblem(at, "invalid_feed", f"{at}: not an object")
            result.entries.append(FeedEntry(None, None, problem))
            continue
        link = item.get("url") or item.get("external_url")
        hints = SourceHints(
            title=item.get("title") or None,
            published=item.get("date_published") or item.get("date_modified") or None,
            url=link,
            publisher=feed.get("title") or None,
            language=item.get("language") or feed.get("language") or None,
        )
        entry_id = str(item.get("id")) if item.get("id") is not None else None
        entry = _entry_item(
            where=at,
            link=link,
            entry_id=entry_id,
            content=item.get("content_html") or item.get("content_text"),
            hints=hints,
            max_inline=max_inline,
            content_type="html" if item.get("content_html") else "text",
        )
        result.entries.append(FeedEntry(entry_id, link, entry))
    return result


def parse_feed(data: bytes, where: str, max_inline: int, *, json_feed: bool) -> ParsedFeed:
    """The entries of RSS/Atom (feedparser) or JSON Feed bytes; never fetches anything."""
    return (_json_feed if json_feed else _xml_feed)(data, where, max_inline)


def iter_feed(path: Path, max_inline: int) -> Iterator[Result]:
    """One item (or problem) per entry of the RSS/Atom/JSON feed at ``path``."""
    # Bytes, never the path: feedparser fetches strings that look like URLs.
    data = _read_bounded(path, max_inline)
    if isinstance(data, SourceProblem):
        yield data
        return
    name = path.name.lower()
    parsed = parse_feed(data, str(path), max_inline, json_feed=name.endswith(".json"))
    if parsed.problem is not None:
        yield parsed.problem
    for entry in parsed.entries:
        yield entry.result
