"""The producer's own task messages (workers/producer/messages.py) against Celery's, on the
real Redis: what lands in the queue and on the event channel must read the same to a
worker and to Flower, field by field, apart from ids and times."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from config.settings import load_settings
from tasks.stages import STAGE_NAMES
from tests.integration.services import REDIS_URL, require_redis
from workers.app import make_app
from workers.producer.publish import Publisher, publish_chain

pytestmark = pytest.mark.integration

_PER_MESSAGE = {"id", "root_id", "correlation_id", "delivery_tag", "uuid", "clock",
                "timestamp", "origin", "hostname", "pid"}


def _payloads(kind: str, count: int) -> list[dict[str, Any]]:
    # A lone surrogate and a line separator: both must survive the JSON text as they do
    # Celery's serialiser.
    return [{"id": uuid.uuid4().hex, "batch_id": "b1", "source": f"in#{i}", "source_kind": kind,
             "inline_content": f"caf\u00e9 \u2028 \ud800 {i}", "inline_content_type": "text",
             "hints": {"title": f"t{i}"}, "enqueued_at": "2026-12-06T00:00:00+00:00"}
            for i in range(count)]


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _PER_MESSAGE}
    return value


def _decoded(raw: bytes) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(raw)
    assert envelope["properties"]["body_encoding"] == "base64"
    envelope["body"] = json.loads(base64.b64decode(envelope["body"]))
    return envelope


@pytest.mark.parametrize("kind", ["inline", "url"])
def test_built_messages_read_as_celerys_own(tmp_path: Path, kind: str) -> None:
    require_redis()
    prefix = f"nf-msg-{uuid.uuid4().hex[:8]}"
    settings = load_settings(broker_url=REDIS_URL, database_url=f"sqlite:///{tmp_path}/l.db",
                             pipeline={"queue_prefix": prefix, "batch_size": 3})
    app = make_app(settings)
    client = redis.Redis.from_url(REDIS_URL)
    events = client.pubsub()
    events.psubscribe("/*.celeryev/task.sent")
    events.get_message(timeout=1.0)  # the subscription's confirmation
    payloads = _payloads(kind, 4)
    try:
        with Publisher(app, settings.pipeline) as publisher:
            publisher.send(payloads)  # ours: 2 messages (3 + 1 articles)
            with publisher._batch() as options:  # Celery's, through kombu
                for group in (payloads[:3], payloads[3:]):
                    publish_chain(app, publisher.producer, STAGE_NAMES[0], group,
                                  local_fetch_in_clean=True, **options)
        queue = settings.pipeline.queue_for("clean" if kind == "inline" else "fetch")
        raw = client.lrange(queue, 0, -1)[::-1]  # LPUSH: oldest last
        assert len(raw) == 4, raw
        ours, celerys = [_decoded(r) for r in raw[:2]], [_decoded(r) for r in raw[2:]]
        for mine, theirs in zip(ours, celerys, strict=True):
            assert _strip(mine) == _strip(theirs)
            assert mine["headers"]["id"] == mine["headers"]["root_id"] == \
                mine["properties"]["correlation_id"] != theirs["headers"]["id"]
            assert uuid.UUID(mine["properties"]["delivery_tag"]).version == 4
        assert [a["id"] for m in ours for a in m["body"][0][0]] == [p["id"] for p in payloads]
        assert ours[0]["body"][0][0][0]["inline_content"] == payloads[0]["inline_content"]

        sent: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while len(sent) < 4 and time.monotonic() < deadline:
            message = events.get_message(timeout=1.0)
            if message and message["type"] == "pmessage":
                event = _decoded(message["data"])
                if event["body"]["queue"] == queue:
                    sent.append(event)
        assert len(sent) == 4
        assert [e["body"]["uuid"] for e in sent[:2]] == [m["headers"]["id"] for m in ours]
        assert sent[0]["body"]["clock"] < sent[1]["body"]["clock"]
        for mine, theirs in zip(sent[:2], sent[2:], strict=True):
            assert _strip(mine) == _strip(theirs)
    finally:
        events.close()
        keys = list(client.scan_iter(match=f"{prefix}.*"))
        if keys:
            client.delete(*keys)
