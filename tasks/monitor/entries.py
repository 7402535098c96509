"""What a downloaded source holds: its entries, each with the keys that identify it.

Feeds (RSS, Atom, JSON Feed) are read by ``tasks.sources.feeds.parse_feed``; sitemaps and
news sitemaps by ``tasks.sources.sitemaps.sitemap_url_item`` over the bytes (a sitemap index
lists child sitemaps, which are sources of their own: register them). An entry's keys are
``guid:<guid>`` and ``url:<normalised link>``; an entry is known when any of its keys was
seen before, so a feed that changes an entry's GUID but not its link (or the reverse) does
not send the article twice.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass

from tasks.errors import InputTooLarge
from tasks.sources.feeds import FeedEntry, ParsedFeed, parse_feed
from tasks.sources.items import SourceItem, SourceProblem, content_digest, normalise_url
from tasks.sources.sitemaps import sitemap_url_item

__all__ = ["MAX_KEY_CHARS", "Entry", "entry_keys", "parse_source"]

MAX_KEY_CHARS = 512  # source_entries.entry_key


@dataclass(frozen=True)
class Entry:
    keys: tuple[str, ...]
    result: SourceItem | SourceProblem


def _key(prefix: str, value: str) -> str:
    key = f"{prefix}:{value}"
    # Very long GUIDs/URLs are kept by digest: the column is bounded on PostgreSQL.
    return key if len(key) <= MAX_KEY_CHARS else f"{prefix}#{content_digest(value)}"


def entry_keys(entry: FeedEntry) -> tuple[str, ...]:
    keys = []
    if entry.guid:
        keys.append(_key("guid", entry.guid.strip()))
    if entry.link:
        keys.append(_key("url", normalise_url(entry.link)))
    if not keys:  # neither GUID nor link: the entry's own message identifies it
        message = getattr(entry.result, "message", "") or getattr(entry.result, "source", "")
        keys.append(_key("entry", content_digest(message)))
    return tuple(keys)


def _sitemap(data: bytes, where: str) -> ParsedFeed:
    parsed = ParsedFeed()
    children = 0
    try:
        for _event, element in ET.iterparse(io.BytesIO(data), events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "url":
                item = sitemap_url_item(element, f"{where}#url{len(parsed.entries) + 1}")
                link = item.source if isinstance(item, SourceItem) else None
                parsed.entries.append(FeedEntry(None, link, item))
                element.clear()
            elif tag == "sitemap":
                children += 1
                element.clear()
    except ET.ParseError as exc:
        parsed.problem = SourceProblem(where, "invalid_sitemap", f"{where}: malformed XML ({exc})")
    if children and not parsed.entries:
        parsed.problem = SourceProblem(
            where, "sitemap_index",
            f"{where}: a sitemap index of {children} sitemaps; register those as sources")
    return parsed


def _kind(data: bytes) -> str:
    head = data.lstrip()[:2048]
    if head.startswith((b"{", b"[")):
        return "json"
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    return "xml"


def _gunzip(data: bytes, where: str, max_bytes: int) -> bytes:
    # Bounded: a few MB of gzip can hold gigabytes of zeros.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, max_bytes + 1)
    if len(out) > max_bytes:
        raise InputTooLarge(f"{where}: over the {max_bytes}-byte limit once decompressed")
    return out


def parse_source(
    data: bytes, where: str, max_bytes: int,
) -> tuple[list[Entry], ParsedFeed]:
    """The entries of a feed or sitemap (by content, gzip or not) with their keys; entries
    with full content over ``max_bytes`` become problems, a larger gunzipped body an error."""
    max_inline = max_bytes
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, where, max_bytes)
    kind = _kind(data)
    parsed = (_sitemap(data, where) if kind == "sitemap"
              else parse_feed(data, where, max_inline, json_feed=kind == "json"))
    if kind == "xml" and not parsed.entries and not parsed.version and parsed.problem is None:
        # An HTML error page or a login wall served with 200: not an empty feed.
        parsed.problem = SourceProblem(where, "not_a_feed", f"{where}: neither a feed nor a "
                                                            "sitemap")
    return [Entry(entry_keys(e), e.result) for e in parsed.entries], parsed
