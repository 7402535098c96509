"""Scenario 6: garbage and pickle messages pushed straight into the stage queues.

Four kinds, into every stage queue, before and during a 500-article batch:
* a Celery task message serialized with pickle, whose unpickling would create a file;
* a message whose JSON body is random bytes;
* bytes that are not even a kombu envelope, pushed with redis-py;
* a well-formed JSON task message whose argument is not an Article.
The worker must refuse each (never unpickle), keep consuming, and lose nothing.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import redis
from kombu import Connection, Exchange

from tasks.stages import STAGE_NAMES
from tests.integration.faults.conftest import MakeStack
from tests.integration.faults.harness import FaultStack, article_batch, wait_for

pytestmark = pytest.mark.integration


class _Exploit:
    """Unpickling this runs a shell command: proof that a payload was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _headers(stage: str) -> dict[str, object]:
    task_id = uuid.uuid4().hex
    return {"lang": "py", "task": f"newsflow.{stage}", "id": task_id, "root_id": task_id,
            "parent_id": None, "group": None, "retries": 0, "eta": None, "expires": None,
            "argsrepr": "", "kwargsrepr": "", "origin": "faults-test"}


def push_garbage(stack: FaultStack, marker: Path) -> int:
    """Every kind of bad message into every stage queue; returns how many were pushed."""
    pushed = 0
    with Connection(stack.redis.url) as conn:
        producer = conn.Producer()
        for stage in STAGE_NAMES:
            queue = f"newsflow.{stage}"
            exchange = Exchange(queue, type="direct")
            evil = ((_Exploit(marker),), {}, {"callbacks": None, "errbacks": None,
                                              "chain": None, "chord": None})
            producer.publish(evil, exchange=exchange, routing_key=queue,
                             serializer="pickle", headers=_headers(stage), declare=[])
            producer.publish(os.urandom(64), exchange=exchange, routing_key=queue,
                             content_type="application/json", content_encoding="binary",
                             headers=_headers(stage))
            not_article = (([{"id": 5, "text": ["no"]}, "x"],), {}, {"callbacks": None,
                           "errbacks": None, "chain": None, "chord": None})
            producer.publish(not_article, exchange=exchange, routing_key=queue,
                             serializer="json", headers=_headers(stage))
            pushed += 3
    client = redis.Redis.from_url(stack.redis.url)
    for stage in STAGE_NAMES:
        client.lpush(f"newsflow.{stage}", os.urandom(48), b"{not json")
        pushed += 2
    client.close()
    return pushed


def test_6_garbage_and_pickle_messages(make_stack: MakeStack) -> None:
    stack = make_stack()
    files = article_batch(stack.inputs)
    marker = stack.workdir / "unpickled-code-ran"
    worker = stack.start_worker()
    stack.wait_ready(worker)
    before = push_garbage(stack, marker)
    stack.enqueue(stack.inputs)
    wait_for("some articles done", lambda: stack.terminal() >= len(files) // 3)
    during = push_garbage(stack, marker)
    stack.wait_terminal(len(files))
    audit = stack.audit("6 garbage and pickle messages in the queues", files)
    output = worker.output()
    assert not marker.exists(), "a pickle payload was unpickled"
    assert worker.process.poll() is None, output[-3000:]
    assert "pickle" in output and ("untrusted" in output or "ContentDisallowed" in output)
    assert "not an Article" in output or "not a list of Article" in output
    print(f"[faults] pushed {before + during} bad messages")
    client = redis.Redis.from_url(stack.redis.url)
    left = {stage: client.llen(f"newsflow.{stage}") for stage in STAGE_NAMES}
    client.close()
    assert not any(left.values()), f"messages left in the queues: {json.dumps(left)}"
    assert audit.dead == 0
