"""Per-domain politeness shared by every worker: a rate limit and a concurrency limit in Redis.

Two small Lua scripts, each atomic on the Redis server and timed by Redis's own clock (so
workers with skewed clocks agree):

* rate - a request schedule per domain (GCRA-like): the key holds the earliest time the
  next request may start. Taking a slot moves it ``1/rate`` seconds on and tells the
  caller how long to wait for its turn. Slots are reserved in order, so N workers hitting
  one domain are spaced out, not released in a burst.
* concurrency - a sorted set of leases scored by expiry. A worker that crashes holding a
  lease loses it when the lease expires, so a domain can never be locked forever.

A domain the source monitor saw answer 429/503 with Retry-After carries a back-off mark
(``tasks.monitor.backoff``): the gate refuses it until the mark expires, so article fetches
leave that domain alone too.

When the wait would exceed ``politeness_max_wait_s`` the worker does not sleep: it raises
RetryableError with ``retry_after_s``, so Celery re-queues the task with that countdown and
the worker process serves other domains meanwhile. Short waits are slept through.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import redis

from config.settings import FetchSettings
from tasks.errors import NetworkError, RetryableError
from tasks.monitor.backoff import backoff_left_s

__all__ = ["SLOT_MARGIN", "DomainGate", "domain_gate", "redis_client"]

logger = logging.getLogger(__name__)

SLOT_MARGIN = 1.1

# KEYS[1] schedule key; ARGV: interval_ms, max_wait_ms. Returns wait_ms (>=0: slot taken,
# sleep that long; <0: not taken, retry in -wait_ms).
_RATE_LUA = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local interval = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or now)
if nxt < now then nxt = now end
local wait = nxt - now
if wait > tonumber(ARGV[2]) then return -wait end
redis.call('SET', KEYS[1], nxt + interval, 'PX', wait + interval + 1000)
return wait
"""
# KEYS[1] lease set; ARGV: lease id, limit, lease_ms. Returns 1 if leased, else ms until the
# oldest lease expires (negative).
_LEASE_LUA = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
  return 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return -(tonumber(oldest[2]) - now)
"""
_POLL_S = 0.05


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per process and URL, made on first use."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


class DomainGate:
    """``with gate(domain):`` waits for (or refuses) a polite slot on ``domain``."""

    def __init__(self, client: redis.Redis, settings: FetchSettings) -> None:
        self.client = client
        self.prefix = settings.politeness_key_prefix
        # Slots are spaced 10 % wider than 1/rate: the server sees a request a little after
        # its slot (connect, TLS, send), and that jitter must not squeeze rate+1 requests
        # into one second on its side. "2/s" then means never 3 in any second.
        self.rate = settings.per_domain_rate
        self.interval_ms = max(1, math.ceil(1000 * SLOT_MARGIN / settings.per_domain_rate))
        self.concurrency = settings.per_domain_concurrency
        self.max_wait_s = settings.politeness_max_wait_s
        # A lease outlives the longest request it can cover, then frees itself.
        self.lease_ms = round(settings.timeout_s * (settings.max_redirects + 1) * 1000) + 1000
        self._rate = client.register_script(_RATE_LUA)
        self._lease = client.register_script(_LEASE_LUA)

    def _acquire_lease(self, key: str, lease_id: str, domain: str) -> None:
        deadline = time.monotonic() + self.max_wait_s
        while True:
            result = int(self._lease(keys=[key], args=[lease_id, self.concurrency, self.lease_ms]))
            if result == 1:
                return
            if time.monotonic() + _POLL_S > deadline:
                raise RetryableError(
                    f"{domain}: {self.concurrency} requests already in flight",
                    reason="politeness",
                    retry_after_s=max(_POLL_S, min(-result / 1000, self.lease_ms / 1000)),
                )
            time.sleep(_POLL_S)

    def _take_slot(self, key: str, domain: str) -> None:
        wait_ms = int(self._rate(keys=[key], args=[self.interval_ms, self.max_wait_s * 1000]))
        if wait_ms < 0:
            raise RetryableError(
                f"{domain}: rate limit ({self.rate:g}/s) reached",
                reason="politeness",
                retry_after_s=-wait_ms / 1000,
            )
        if wait_ms:
            time.sleep(wait_ms / 1000)

    @contextmanager
    def __call__(self, domain: str) -> Iterator[None]:
        domain = domain.lower()
        lease_key = f"{self.prefix}:conc:{domain}"
        lease_id = uuid.uuid4().hex
        try:
            left = backoff_left_s(self.client, self.prefix, domain)
            if left > 0:
                raise RetryableError(f"{domain}: backed off after a Retry-After",
                                     reason="domain_backoff", retry_after_s=left)
            self._acquire_lease(lease_key, lease_id, domain)
            try:
                self._take_slot(f"{self.prefix}:rate:{domain}", domain)
                yield
            finally:
                self.client.zrem(lease_key, lease_id)
        except redis.RedisError as exc:
            raise NetworkError(f"politeness store unavailable: {exc}", reason="broker") from exc


def domain_gate(settings: FetchSettings) -> DomainGate | None:
    """The gate for ``settings``, or None when no politeness Redis is configured."""
    if not settings.politeness_redis_url:
        return None
    return DomainGate(redis_client(settings.politeness_redis_url), settings)
