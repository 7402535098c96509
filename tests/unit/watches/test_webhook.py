"""The signed webhook: signature, verification, and one real POST to a loopback receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from config.settings import WatchesSettings
from tasks.errors import WebhookDown, WebhookRefused
from tasks.watches import webhook
from tests.unit.watches.receiver import Receiver

LOOPBACK = WatchesSettings(allow_private_hosts=["127.0.0.1"], timeout_s=5)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = b'{"event":"watch.match"}'
    expected = hmac.new(b"key", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook.sign("key", 1700000000, body) == f"sha256={expected}"


def test_verify_refuses_a_changed_body_a_wrong_secret_and_an_old_timestamp() -> None:
    body = webhook.body_of("watch.match", "id1", "nato", 7, {"id": "a1"})
    headers = webhook.signed_headers("key", body, 7, timestamp=1700000000)
    stamp, signature = headers[webhook.TIMESTAMP_HEADER], headers[webhook.SIGNATURE_HEADER]
    assert webhook.verify("key", stamp, body, signature, now=1700000010)
    assert not webhook.verify("key", stamp, body + b" ", signature, now=1700000010)
    assert not webhook.verify("other", stamp, body, signature, now=1700000010)
    assert not webhook.verify("key", stamp, body, signature, now=1700000000 + 3600)
    assert not webhook.verify("key", "soon", body, signature)
    assert headers[webhook.DELIVERY_HEADER] == "7"


def test_the_body_carries_the_watch_and_the_article_record() -> None:
    body = json.loads(webhook.body_of("watch.match", "id1", "nato", 3, {"id": "a1", "x": "é"}))
    assert body == {"event": "watch.match", "watch": {"id": "id1", "name": "nato"},
                    "delivery": 3, "article": {"id": "a1", "x": "é"}}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(secret="key").start()
    yield running
    running.stop()


def test_a_post_reaches_the_receiver_signed(receiver: Receiver) -> None:
    body = webhook.body_of("watch.match", "id1", "nato", 1, {"id": "a1"})
    result = webhook.post(receiver.url, body, webhook.signed_headers("key", body, 1), LOOPBACK)
    assert result.status == 204
    [receipt] = receiver.received
    assert receipt.signed and receipt.body["article"] == {"id": "a1"} and receipt.delivery == "1"


def test_loopback_is_refused_unless_allowed(receiver: Receiver) -> None:
    with pytest.raises(WebhookRefused, match=r"watches\.allow_private_hosts"):
        webhook.post(receiver.url, b"{}", {}, WatchesSettings())
    assert receiver.received == []


def test_a_receiver_that_is_down_is_retryable() -> None:
    from tests.integration.services import free_port

    with pytest.raises(WebhookDown):
        webhook.post(f"http://127.0.0.1:{free_port()}/hook", b"{}", {}, LOOPBACK)


@pytest.mark.parametrize("status, error", [
    (503, WebhookDown), (429, WebhookDown), (500, WebhookDown),
    (404, WebhookRefused), (401, WebhookRefused), (302, WebhookRefused),
])
def test_statuses_decide_between_later_and_never(
    receiver: Receiver, status: int, error: type[Exception],
) -> None:
    receiver.status = status
    receiver.headers = {"Retry-After": "7", "Location": "http://example.org/elsewhere"}
    with pytest.raises(error) as caught:
        webhook.post(receiver.url, b"{}", {}, LOOPBACK)
    assert caught.value.http_status == status  # type: ignore[attr-defined]
    assert len(receiver.received) == 1  # a redirect is not followed
    if status == 503:
        assert caught.value.retry_after_s == 7  # type: ignore[attr-defined]
