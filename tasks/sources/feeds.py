"""RSS, Atom and JSON Feed files: one item per entry.

feedparser reads RSS/Atom (and fixes their charset and date quirks); JSON Feed, which
feedparser 6 does not read, is plain JSON and read with ``json``. An entry becomes an inline
item when the feed carries its full content (at least FULL_CONTENT_MIN_CHARS of text, so a
teaser is not mistaken for the article), otherwise a URL item; either way it carries the
entry's title, date and link and the feed's title and language as hints. Only local feed
files are read: the producer never downloads.

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

__all__ = ["FEED_FACTOR", "FULL_CONTENT_MIN_CHARS", "iter_feed"]

logger = logging.getLogger(__name__)

FULL_CONTENT_MIN_CHARS = 500
# A feed holds many entries, each up to the content limit: it may be this many times it.
FEED_FACTOR = 10
_TAG_RE = re.compile(r"<[^>]+>")
Result = SourceItem | SourceProblem


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


def _xml_feed(path: Path, max_inline: int) -> Iterator[Result]:
    # Bytes, never the path: feedparser fetches strings that look like URLs.
    data = _read_bounded(path, max_inline)
    if isinstance(data, SourceProblem):
        yield data
        return
    parsed: Any = feedparser.parse(data)
    if not parsed.entries and parsed.bozo:
        yield SourceProblem(str(path), "invalid_feed", f"{path}: {parsed.bozo_exception}")
        return
    feed = parsed.feed
    base = feed.get("link") or ""
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
        yield _entry_item(
            where=f"{path}#entry{number}",
            link=link,
            entry_id=entry.get("id"),
            content=contents[0].get("value") if contents else None,
            hints=hints,
            max_inline=max_inline,
        )


def _json_feed(path: Path, max_inline: int) -> Iterator[Result]:
    data = _read_bounded(path, max_inline)
    if isinstance(data, SourceProblem):
        yield data
        return
    try:
        feed = loads_untrusted(data)
    except JsonTooDeep as exc:
        yield SourceProblem(str(path), "too_deep", f"{path}: {exc}")
        return
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield SourceProblem(str(path), "invalid_feed", f"{path}: not a JSON Feed ({exc})")
        return
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        yield SourceProblem(str(path), "invalid_feed", f"{path}: JSON Feed without items")
        return
    for number, item in enumerate(items, start=1):
        where = f"{path}#item{number}"
        if not isinstance(item, dict):
            yield SourceProblem(where, "invalid_feed", f"{where}: not an object")
            continue
        link = item.get("url") or item.get("external_url")
        hints = SourceHints(
            title=item.get("title") or None,
            published=item.get("date_published") or item.get("date_modified") or None,
            url=link,
            publisher=feed.get("title") or None,
            language=item.get("language") or feed.get("language") or None,
        )
        yield _entry_item(
            where=where,
            link=link,
            entry_id=str(item.get("id")) if item.get("id") is not None else None,
            content=item.get("content_html") or item.get("content_text"),
            hints=hints,
            max_inline=max_inline,
            content_type="html" if item.get("content_html") else "text",
        )


def iter_feed(path: Path, max_inline: int) -> Iterator[Result]:
    """One item (or problem) per entry of the RSS/Atom/JSON feed at ``path``."""
    if path.name.lower().endswith(".json"):
        yield from _json_feed(path, max_inline)
    else:
        yield from _xml_feed(path, max_inline)
