"""The webhook a watch sends: a JSON body, its HMAC-SHA256 signature, and one checked POST.

Body: ``{"event": "watch.match", "watch": {"id", "name"}, "delivery": id, "article": <the
export record>}`` (``event: "watch.test"`` and no article for ``newsflow watches test``).

Headers (the scheme of GitHub's and Stripe's webhooks):

* ``X-Newsflow-Timestamp``: Unix seconds when the request was signed;
* ``X-Newsflow-Signature: sha256=<hex>``: HMAC-SHA256 with the watch's secret over
  ``<timestamp>.<body bytes>``, so a receiver can refuse a replayed old request;
* ``X-Newsflow-Delivery``: the delivery id (the same on every retry of one delivery), for a
  receiver that wants to drop the rare second copy (a worker killed after the receiver
  answered but before the answer was recorded).

The POST goes through the fetch stage's SSRF guard (``tasks.fetching.ssrf``: resolved once,
every address public unless listed in ``watches.allow_private_hosts``, connection pinned to
the checked address) and never follows a redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from config.settings import WatchesSettings
from tasks.errors import ForbiddenSource, NewsflowError, WebhookDown, WebhookRefused
from tasks.fetching.ssrf import resolve_checked
from tasks.fetching.transport import PinnedBackend, PinnedTransport

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "PostResult",
    "body_of",
    "post",
    "sign",
    "signed_headers",
    "verify",
]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newsflow-Signature"
TIMESTAMP_HEADER = "X-Newsflow-Timestamp"
DELIVERY_HEADER = "X-Newsflow-Delivery"
USER_AGENT = "newsflow-watches/1"
# Answers that say "later": the receiver is there but busy or failing.
_RETRY_STATUSES = frozenset({408, 425, 429})


def body_of(event: str, watch_id: str, watch_name: str, delivery_id: int | None,
            article: dict[str, Any] | None) -> bytes:
    payload: dict[str, Any] = {"event": event, "watch": {"id": watch_id, "name": watch_name},
                               "delivery": delivery_id}
    if article is not None:
        payload["article"] = article
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str,
           max_age_s: float | None = 300, now: float | None = None) -> bool:
    """What a receiver runs: the signature matches (constant-time) and the timestamp is
    recent (``max_age_s``; None skips the age check)."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if max_age_s is not None and abs((now or time.time()) - stamp) > max_age_s:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


def signed_headers(secret: str, body: bytes, delivery_id: int | None,
                   timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
    }
    if delivery_id is not None:
        headers[DELIVERY_HEADER] = str(delivery_id)
    return headers


@dataclass(frozen=True)
class PostResult:
    status: int


def post(url: str, body: bytes, headers: dict[str, str], settings: WatchesSettings) -> PostResult:
    """POST once. 2xx: the result; 408/425/429/5xx or no answer: ``WebhookDown``
    (retryable, with the server's Retry-After); any other status, a redirect, or an address
    the SSRF guard refuses: ``WebhookRefused``."""
    target = httpx.URL(url)
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        addresses = resolve_checked(target.host, port, settings.allow_private_hosts)
    except ForbiddenSource as exc:
        raise WebhookRefused(
            f"{exc.message.replace('fetch.allow_private_hosts', 'watches.allow_private_hosts')}"
        ) from exc
    except NewsflowError as exc:  # DNS failure or no such host: may come back
        raise WebhookDown(f"{target.host}: {exc.message}") from exc
    try:
        with httpx.Client(
            transport=PinnedTransport(PinnedBackend(target.host, addresses)),
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=False,
            trust_env=False,  # an environment proxy would bypass the pinned address
        ) as client:
            response = client.post(target, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise WebhookDown(f"{target.host}: {type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if 200 <= status < 300:
        return PostResult(status)
    failure: WebhookDown | WebhookRefused
    if status >= 500 or status in _RETRY_STATUSES:
        failure = WebhookDown(f"{target.host} answered {status}", retry_after_s=_retry_after(
            response.headers.get("retry-after")))
    else:
        failure = WebhookRefused(f"{target.host} answered {status}")
    failure.http_status = status
    raise failure


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the back-off decides
