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
    "JsonlFields",
    "SourceItem",
    "SourceProblem",
    "content_digest",
    "file_key",
    "normalise_url",
    "url_key",
]

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
