"""One download of a source: a conditional GET through the same guarded client as articles.

``tasks.fetching.http.fetch_url`` does the work (SSRF check after DNS and after every
redirect, size and time limits, the per-domain politeness gate); this module adds the
validators of the last full answer (``If-None-Match``, ``If-Modified-Since``) and accepts the
content types feeds and sitemaps are served with.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import FetchSettings
from tasks.fetching.document import FormatHint
from tasks.fetching.http import Gate, fetch_url

__all__ = ["FEED_CONTENT_TYPES", "FeedResponse", "fetch_feed"]

# Feeds come as every XML and JSON type, and often as text/html or text/plain by mistake:
# the body is parsed by what it is, not by what the header says.
FEED_CONTENT_TYPES: dict[str, FormatHint] = {
    mime: "sniff" for mime in (
        "application/rss+xml", "application/atom+xml", "application/rdf+xml",
        "application/xml", "text/xml", "application/feed+json", "application/json",
        "text/html", "text/plain", "application/x-gzip", "application/gzip",
        "application/octet-stream",
    )
}


@dataclass(frozen=True)
class FeedResponse:
    status: int  # 200 or 304
    body: bytes
    etag: str | None
    last_modified: str | None
    final_url: str


def fetch_feed(
    url: str, settings: FetchSettings, *, etag: str | None = None,
    last_modified: str | None = None, gate: Gate | None = None,
) -> FeedResponse:
    """GET the source at ``url``; with validators, a 304 comes back as ``status=304``."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = fetch_url(url, settings, gate=gate, headers=headers, accept=FEED_CONTENT_TYPES)
    found = {k.lower(): v for k, v in response.headers.items()}
    return FeedResponse(
        status=response.status, body=response.content,
        etag=found.get("etag") or (etag if response.status == 304 else None),
        last_modified=found.get("last-modified")
        or (last_modified if response.status == 304 else None),
        final_url=response.final_url,
    )
