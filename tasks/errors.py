"""The one error hierarchy of the pipeline.

Every failure a stage knows about is one of two kinds, and the kind alone decides what the
worker does with it:

* ``RetryableError``: the world is temporarily wrong (network, broker, database busy).
  The task is retried with exponential backoff and jitter; when retries run out the item is
  dead-lettered with the error.
* ``PermanentError``: the input is wrong (empty, binary, too large, not an article, a
  hostile path or URL). Retrying cannot help: the item is rejected at once with ``reason``
  and the chain stops.

Anything else is a bug: it is logged with its traceback, the item is dead-lettered, and the
exception is re-raised so it shows in Flower.
"""

from __future__ import annotations

__all__ = [
    "BadSourceList",
    "BadSourceUrl",
    "BinaryInput",
    "BrokerUnreachable",
    "DatabaseBusy",
    "DatabaseFull",
    "EmptyInput",
    "FetchTooSlow",
    "ForbiddenSource",
    "InputTooLarge",
    "NetworkError",
    "NewsflowError",
    "NotAnArticle",
    "PermanentError",
    "RetryableError",
    "RobotsDisallowed",
    "SourceNotFound",
    "UnsupportedContent",
    "WatchInvalid",
    "WebhookDown",
    "WebhookRefused",
]


class NewsflowError(Exception):
    """Base of every error newsflow raises on purpose.

    ``reason`` is a short machine-readable slug (stored in the ledger and used by
    ``newsflow replay --reason``); the message is for humans.
    """

    reason: str = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.reason


class RetryableError(NewsflowError):
    reason = "retryable"

    def __init__(
        self, message: str, *, reason: str | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, reason=reason)
        self.retry_after_s = retry_after_s


class NetworkError(RetryableError):
    reason = "network"


class BrokerUnreachable(RetryableError):
    """The broker could not be reached to send a message on (a network partition, Redis
    down). Nothing is lost: the message that was being run stays unacknowledged, and the
    worker's lease (or the sweeper) hands its items on again."""

    reason = "broker_unreachable"


class DatabaseBusy(RetryableError):
    reason = "database_busy"


class DatabaseFull(DatabaseBusy):
    """The database's disk is full (SQLite "database or disk is full", PostgreSQL "No space
    left on device"). Retryable, as the operator can free space, but it never fixes itself:
    the message names where the database lives so they know which disk."""

    reason = "disk_full"


class PermanentError(NewsflowError):
    reason = "rejected"


class SourceNotFound(PermanentError):
    reason = "not_found"


class ForbiddenSource(PermanentError):
    """A path outside the allowed roots, or a URL to a private/loopback/metadata address."""

    reason = "forbidden"


class EmptyInput(PermanentError):
    reason = "empty"


class BinaryInput(PermanentError):
    reason = "binary"


class InputTooLarge(PermanentError):
    reason = "too_large"


class FetchTooSlow(PermanentError):
    """A download that did not end within the overall fetch deadline (a server trickling its
    headers or body): permanent, as the same server would hold the next attempt as long."""

    reason = "too_slow"


class UnsupportedContent(PermanentError):
    reason = "unsupported_content"


class NotAnArticle(PermanentError):
    reason = "not_an_article"


class WebhookDown(RetryableError):
    """A watch's receiver did not answer, or answered 408, 429 or 5xx: tried again later."""

    reason = "webhook_down"
    http_status: int | None = None  # the receiver's answer, when it gave one


class WebhookRefused(PermanentError):
    """A watch's receiver answered another 4xx, or its URL is refused by the SSRF guard."""

    reason = "webhook_refused"
    http_status: int | None = None


class WatchInvalid(PermanentError):
    """A watch that cannot be saved: no query and no entity, a bad URL, a taken name."""

    reason = "invalid_watch"
class RobotsDisallowed(PermanentError):
    """The site's robots.txt disallows this URL for our user agent."""

    reason = "robots_disallowed"


class BadSourceUrl(PermanentError):
    """A source to register that is not an http(s) URL."""

    reason = "bad_source_url"


class BadSourceList(PermanentError):
    """An OPML or CSV source list that cannot be read."""

    reason = "bad_source_list"
