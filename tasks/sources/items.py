"""What the producer yields: work items and problems, and their stable identities.

``item_key`` answers "was this input already enqueued?": re-running the same enqueue makes
the same keys, so the ledger can skip them. The keys are:

* ``file:<resolved path>:<size>:<mtime_ns>`` - an edited file is new work;
* ``url:<normalised URL>`` - scheme and host lower-cased, default port, fragment and
  ``utm_*`` tracking parameters dropped, so one article linked from two feeds is one item;
* ``jsonl:<resolved path>#<line>:<sha1 of the line, 16 hex>`` (``stdin`` for piped input);
* ``feed:<normalised entry link or id>:<sha1 of the content, 16 hex>`` for full-content feed
  entries carried inline;
* ``warc:<WARC-Record-ID>`` - globally unique by the WARC standard.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tasks.models import SourceHints, SourceKind

__all__ = [
    "MAX_BYTES_SETTING",
    "JsonlFields",
    "SourceItem",
    "SourceProblem",
    "content_digest",
    "file_key",
    "inline_item",
    "normalise_url",
    "oversized",
    "too_large",
    "url_key",
]

# The one limit on an input's bytes, for files, downloads and inline content alike.
MAX_BYTES_SETTING = "NEWSFLOW_FETCH__MAX_BYTES"

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class SourceItem:
    source: str
    source_kind: SourceKind
    item_key: str
    hints: SourceHints = field(default_factory=SourceHints)
    inline_content: str | None = None
    inline_content_type: Literal["html", "text"] | None = None


@dataclass(frozen=True)
class SourceProblem:
    """An input that cannot become an item; ``reason`` is a slug like the errors' reasons."""

    source: str
    reason: str
    message: str


@dataclass(frozen=True)
class JsonlFields:
    """Which JSONL keys hold what; a line needs html, text or url."""

    url: str = "url"
    html: str = "html"
    text: str = "text"
    title: str = "title"
    published: str = "published"
    publisher: str = "publisher"


def normalise_url(url: str) -> str:
    """A canonical spelling of ``url`` for identity (not for fetching)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_")
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def url_key(url: str) -> str:
    return "url:" + normalise_url(url)


def file_key(resolved: str, size: int, mtime_ns: int) -> str:
    return f"file:{resolved}:{size}:{mtime_ns}"


def content_digest(data: str | bytes) -> str:
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    return hashlib.sha1(raw).hexdigest()[:16]


def too_large(where: str, what: str, size: int | None, limit: int) -> SourceProblem:
    """``what`` at ``where`` is over ``limit`` bytes (``size`` when known): the message names
    the limit and the setting that moves it."""
    amount = f"{size} bytes" if size is not None else "more bytes"
    return SourceProblem(where, "too_large", f"{where}: {what} has {amount}, over the "
                                             f"{limit}-byte limit ({MAX_BYTES_SETTING})")


def _utf8_size(content: str) -> int:
    return len(content.encode("utf-8", errors="surrogatepass"))


def inline_item(
    *,
    where: str,
    source: str,
    item_key: str,
    content: str,
    content_type: Literal["html", "text"],
    hints: SourceHints,
    max_inline: int,
    what: str = "inline content",
) -> SourceItem | SourceProblem:
    """An item carrying ``content`` inline, or a ``too_large`` problem over ``max_inline``."""
    size = _utf8_size(content)
    if size > max_inline:
        return too_large(where, what, size, max_inline)
    return SourceItem(source=source, source_kind="inline", item_key=item_key, hints=hints,
                      inline_content=content, inline_content_type=content_type)


def oversized(item: SourceItem, max_bytes: int) -> SourceProblem | None:
    """A ``too_large`` problem if ``item`` carries more than ``max_bytes`` inline, else None."""
    content = item.inline_content
    # UTF-8 takes at most 4 bytes a character: most items need no encoding to be cleared.
    if content is None or len(content) * 4 <= max_bytes:
        return None
    size = _utf8_size(content)
    return too_large(item.source, "inline content", size, max_bytes) if size > max_bytes else None
