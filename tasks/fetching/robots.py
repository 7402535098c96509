"""robots.txt for article fetches: read once per host, cached, obeyed.

The file is downloaded with the same guarded client as articles (SSRF check, politeness
gate, redirects; at most 500 KiB read, as RFC 9309 allows) and parsed by the standard
library's ``urllib.robotparser``. The text is cached per origin for ``robots_cache_s``: in
Redis when politeness is shared (every worker then asks the host once), and in the process.
What the RFC says about failures: a 4xx (no robots.txt) allows everything; a 5xx or a
network failure is "unreachable", so the article fetch fails with a retryable error and
tries again later instead of crawling a site whose rules it could not read.
"""

from __future__ import annotations

import logging
import time
import urllib.robotparser
from urllib.parse import urlsplit

import redis

from config.settings import FetchSettings
from tasks.errors import InputTooLarge, RobotsDisallowed
from tasks.fetching.document import FormatHint
from tasks.fetching.http import Gate, HttpStatusError, fetch_url

__all__ = ["ROBOTS_MAX_BYTES", "check_robots", "clear_robots_cache", "robots_text"]

logger = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 500 * 1024
_ANY_TYPE: dict[str, FormatHint] = {
    "text/plain": "text", "text/html": "text", "application/octet-stream": "text"}
_local: dict[str, tuple[float, str]] = {}  # origin -> (expiry on the monotonic clock, text)


def clear_robots_cache() -> None:
    _local.clear()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


def _download(origin: str, settings: FetchSettings, gate: Gate | None) -> str:
    limited = settings.model_copy(update={"max_bytes": ROBOTS_MAX_BYTES})
    try:
        response = fetch_url(f"{origin}/robots.txt", limited, gate=gate,
                             accept=_ANY_TYPE)
    except HttpStatusError:
        return ""  # no robots.txt (4xx): everything is allowed
    except InputTooLarge:
        logger.warning("%s/robots.txt is over %d bytes: ignored", origin, ROBOTS_MAX_BYTES)
        return ""
    return response.content.decode("utf-8", errors="replace")


def robots_text(
    url: str, settings: FetchSettings, *, gate: Gate | None = None,
    client: redis.Redis | None = None,
) -> str:
    """The robots.txt text of ``url``'s origin (empty: no rules), from a cache if fresh."""
    origin = _origin(url)
    cached = _local.get(origin)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    key = f"{settings.politeness_key_prefix}:robots:{origin}"
    text: str | None = None
    if client is not None:
        try:
            raw = client.get(key)
            text = raw.decode("utf-8") if isinstance(raw, bytes) else None
        except redis.RedisError as exc:
            logger.warning("robots cache unavailable: %s", exc)
    if text is None:
        text = _download(origin, settings, gate)
        if client is not None:
            try:
                client.set(key, text.encode("utf-8"), ex=max(1, int(settings.robots_cache_s)))
            except redis.RedisError as exc:
                logger.warning("robots cache unavailable: %s", exc)
    _local[origin] = (time.monotonic() + settings.robots_cache_s, text)
    return text


def check_robots(
    url: str, settings: FetchSettings, *, gate: Gate | None = None,
    client: redis.Redis | None = None,
) -> None:
    """Raise RobotsDisallowed when the origin's robots.txt disallows ``url`` to our agent."""
    text = robots_text(url, settings, gate=gate, client=client)
    if not text.strip():
        return
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    if not parser.can_fetch(settings.user_agent, url):
        raise RobotsDisallowed(f"{url}: disallowed by {_origin(url)}/robots.txt")
