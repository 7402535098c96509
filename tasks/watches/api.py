"""The functions the CLI (``newsflow watches``) and the HTTP API call: create, list, show,
remove and test a watch, and list its deliveries. Each takes the engine (and settings where
the network is involved) and returns JSON-able values or raises a typed error
(``WatchInvalid``: a 400/422 for an API, exit code 2 for the CLI)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from sqlalchemy import Engine

from config.settings import WatchesSettings
from tasks.errors import NewsflowError, WatchInvalid, WebhookDown, WebhookRefused
from tasks.fetching.ssrf import resolve_checked
from tasks.watches import deliveries, repository, webhook
from tasks.watches.match import expand_aliases
from tasks.watches.spec import Watch, WatchSpec

__all__ = [
    "check_webhook_url",
    "create_watch",
    "delete_watch",
    "get_watch",
    "list_deliveries",
    "list_watches",
    "set_active",
    "test_watch",
    "watch_json",
]

logger = logging.getLogger(__name__)


def watch_json(watch: Watch, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """A watch as JSON (never its secret), with its delivery counts by status."""
    record = watch.model_dump(mode="json")
    record["deliveries"] = counts or {}
    return record


def check_webhook_url(url: str, settings: WatchesSettings) -> None:
    """``WatchInvalid`` unless the SSRF guard lets the webhook's host through now (it is
    checked again, after DNS, at every POST)."""
    target = httpx.URL(url)
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        resolve_checked(target.host, port, settings.allow_private_hosts)
    except NewsflowError as exc:
        message = exc.message.replace("fetch.allow_private_hosts", "watches.allow_private_hosts")
        raise WatchInvalid(f"webhook {url}: {message}") from exc


def create_watch(engine: Engine, spec: WatchSpec, settings: WatchesSettings,
                 aliases: Mapping[str, Sequence[str]] | None = None) -> Watch:
    """Save a watch after checking its webhook URL; the returned ``Watch`` carries the secret
    (``watch.secret``), shown once to whoever made it. ``aliases`` (``settings.extract.
    aliases``) adds the canonical name of a variant to the watched names ("OTAN" watches
    "NATO" too), as extract names the entity."""
    check_webhook_url(spec.webhook_url, settings)
    if aliases and spec.entities:
        spec = spec.model_copy(update={"entities": expand_aliases(spec.entities, aliases)})
    return repository.create_watch(engine, spec)


def list_watches(engine: Engine) -> list[dict[str, Any]]:
    counts = deliveries.delivery_counts(engine)
    return [watch_json(w, counts.get(w.id)) for w in repository.list_watches(engine)]


def get_watch(engine: Engine, watch_id: str, recent: int = 20) -> dict[str, Any] | None:
    """One watch with its counts and its ``recent`` newest deliveries (key ``recent``)."""
    watch = repository.get_watch(engine, watch_id)
    if watch is None:
        return None
    record = watch_json(watch, deliveries.delivery_counts(engine).get(watch.id))
    record["recent"] = list_deliveries(engine, watch_id, recent)
    return record


def list_deliveries(engine: Engine, watch_id: str, limit: int = 50) -> list[dict[str, Any]]:
    return [d.json_dict() for d in deliveries.deliveries_of(engine, watch_id, limit)]


def delete_watch(engine: Engine, watch_id: str) -> bool:
    return repository.delete_watch(engine, watch_id)


def set_active(engine: Engine, watch_id: str, active: bool) -> bool:
    """Pause or resume a watch (False: no such watch)."""
    return repository.set_active(engine, watch_id, active)


def test_watch(engine: Engine, watch_id: str, settings: WatchesSettings) -> dict[str, Any]:
    """POST a signed ``watch.test`` event to the watch's webhook now, once, no retry and no
    delivery row: ``{"ok", "status", "error"}``. ``None`` of a watch that does not exist is
    a ``WatchInvalid``."""
    watch = repository.get_watch(engine, watch_id)
    if watch is None:
        raise WatchInvalid(f"no watch {watch_id}")
    body = webhook.body_of("watch.test", watch.id, watch.name, None, None)
    headers = webhook.signed_headers(watch.secret, body, None)
    try:
        result = webhook.post(watch.webhook_url, body, headers, settings)
    except (WebhookDown, WebhookRefused) as exc:
        logger.warning("watch %s test: %s", watch.id, exc.message)
        return {"ok": False, "status": exc.http_status, "error": exc.message}
    logger.info("watch %s test: HTTP %d", watch.id, result.status)
    return {"ok": True, "status": result.status, "error": None}


test_watch.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported
