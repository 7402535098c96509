"""How a poll is judged, and when the source is polled next: pure functions, no I/O.

After Media Cloud's rss-fetcher: a failure adds to the source's failure score by its kind
(hard 1, soft 0.5, temporary 0.25), a full success clears it, and a 304 or an unchanged body
leaves it as it was (a server that only says "not modified" has not proven the feed works).
The next poll is the interval times the score when the score is over 1 (linear back-off:
exponential would leave a feed that is down for a day unpolled for weeks), capped at
``max_backoff_s``; a Retry-After longer than that wins. A source is never disabled.

The interval adapts to what the source yields, within ``min_interval_s..max_interval_s``:
when most entries of a poll are new, items may have scrolled off the feed between polls, so
it halves; when almost all are known (or the feed did not change), it grows by half. The
feed's own ``ttl``/``sy:updatePeriod`` is a lower bound (it asked not to be polled more
often), never above the maximum. A fixed interval (``--every``) is kept as given.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import SourcesSettings
from tasks.errors import (
    ForbiddenSource,
    InputTooLarge,
    NewsflowError,
    PermanentError,
    RetryableError,
    SourceNotFound,
)
from tasks.fetching.http import HttpStatusError

__all__ = [
    "FAILURE_KINDS",
    "WEIGHTS",
    "Judgement",
    "adapt_interval",
    "judge_error",
    "next_delay",
    "next_score",
]

OK, NOT_MODIFIED, UNCHANGED, DEFERRED = "ok", "not_modified", "unchanged", "deferred"
HARD, SOFT, TEMPORARY = "hard", "soft", "temporary"
FAILURE_KINDS = (HARD, SOFT, TEMPORARY)
WEIGHTS = {HARD: 1.0, SOFT: 0.5, TEMPORARY: 0.25}
# 4xx answers that feeds come back from (a moved-then-restored feed, a CMS hiccup).
_SOFT_HTTP = {404, 408, 409, 425}

FAST_SHARE = 0.5  # at least this share of entries new: poll faster
SLOW_SHARE = 0.1  # at most this share new: poll slower


@dataclass(frozen=True)
class Judgement:
    """What one poll says about a source."""

    kind: str  # ok, not_modified, unchanged, deferred, hard, soft, temporary
    note: str = ""
    http_status: int | None = None
    retry_after_s: float | None = None  # the server (or our politeness) asked us to wait

    @property
    def failed(self) -> bool:
        return self.kind in FAILURE_KINDS


def judge_error(exc: NewsflowError) -> Judgement:
    """The kind of a fetch or parse failure (a feed is never dropped for any of them)."""
    note = f"{exc.reason}: {exc.message}"[:500]
    if isinstance(exc, HttpStatusError):
        kind = SOFT if exc.status in _SOFT_HTTP else HARD
        return Judgement(kind, note, exc.status)
    if isinstance(exc, RetryableError):
        status = _status_in(exc.message)
        if exc.reason in {"politeness", "domain_backoff"}:  # our own limits, not a failure
            return Judgement(DEFERRED, note, None, exc.retry_after_s)
        if exc.retry_after_s is not None or status in {429, 503}:
            return Judgement(TEMPORARY, note, status, exc.retry_after_s)
        return Judgement(SOFT, note, status)
    if isinstance(exc, (ForbiddenSource, InputTooLarge)):
        return Judgement(HARD, note)
    if isinstance(exc, SourceNotFound):  # unknown host: feeds do come back after DNS fixes
        return Judgement(SOFT, note)
    if isinstance(exc, PermanentError):
        return Judgement(HARD if exc.reason == "too_many_redirects" else SOFT, note)
    return Judgement(SOFT, note)


def _status_in(message: str) -> int | None:
    marker = "HTTP "
    if marker in message:
        digits = message.split(marker, 1)[1][:3]
        return int(digits) if digits.isdigit() else None
    return None


def next_score(score: float, judgement: Judgement) -> float:
    if judgement.kind == OK:
        return 0.0
    return score + WEIGHTS.get(judgement.kind, 0.0)


def adapt_interval(
    interval_s: float, *, every_s: float | None, declared_s: float | None, entries: int,
    new: int, changed: bool, settings: SourcesSettings,
) -> float:
    """The next regular interval after a poll that reached the source."""
    if every_s is not None:
        return every_s
    if not changed or entries == 0:
        interval_s *= 1.5
    elif new / entries >= FAST_SHARE:
        interval_s /= 2
    elif new / entries <= SLOW_SHARE:
        interval_s *= 1.5
    low = settings.min_interval_s
    if declared_s is not None:
        low = min(max(low, declared_s), settings.max_interval_s)
    return min(max(interval_s, low), settings.max_interval_s)


def next_delay(interval_s: float, score: float, judgement: Judgement,
               settings: SourcesSettings) -> float:
    """Seconds until the next poll: the interval, backed off by the score, Retry-After."""
    delay = interval_s
    if score > 1:
        delay = min(interval_s * score, max(settings.max_backoff_s, interval_s))
    if judgement.retry_after_s is not None:
        # A server's Retry-After wins when longer, up to a day (88 h has been seen).
        delay = max(delay, min(judgement.retry_after_s, 86400.0))
        if judgement.kind == DEFERRED:
            delay = judgement.retry_after_s  # our own politeness: just try again soon
    return delay
