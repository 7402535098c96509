"""A domain that answered 429/503 with Retry-After is left alone by every worker until then.

The mark is a Redis key with that time to live, under the politeness prefix
(``<prefix>:backoff:<host>``), so the politeness gate of article fetches
(``tasks.fetching.politeness``) honours it too. Without Redis (embedded mode) the poll
reschedules the domain's other sources in the database instead, which it does anyway.
"""

from __future__ import annotations

import logging

import redis

__all__ = ["back_off", "backoff_key", "backoff_left_s"]

logger = logging.getLogger(__name__)


def backoff_key(prefix: str, host: str) -> str:
    return f"{prefix}:backoff:{host.lower()}"


def back_off(client: redis.Redis | None, prefix: str, host: str, seconds: float) -> None:
    """Mark ``host`` off limits for ``seconds`` (a longer existing mark is kept)."""
    if client is None or seconds <= 0:
        return
    key = backoff_key(prefix, host)
    ms = int(seconds * 1000)
    try:
        current = client.pttl(key)
        if int(current) < ms:
            client.set(key, "1", px=ms)
    except redis.RedisError as exc:  # the database reschedule still holds the domain back
        logger.warning("domain back-off of %s not shared: %s", host, exc)
    logger.info("domain %s backed off for %.0fs", host, seconds)


def backoff_left_s(client: redis.Redis | None, prefix: str, host: str) -> float:
    """Seconds ``host`` is still backed off (0 when it is not, or Redis is unavailable)."""
    if client is None:
        return 0.0
    try:
        left = int(client.pttl(backoff_key(prefix, host)))
    except redis.RedisError:
        return 0.0
    return left / 1000 if left > 0 else 0.0
