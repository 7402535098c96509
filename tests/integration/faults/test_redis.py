"""Scenarios 4, 5 and 9: the broker restarted, down, or guarded by a password.

4. Redis here runs without persistence, so a restart loses every queued and unacknowledged
   message: only the ledger remembers those items. The worker must reconnect by itself,
   notice that the broker lost its data (its lease keeper finds another epoch marker) and
   send the sweep that re-sends every item in flight, with no operator and no beat.
5. Enqueueing while Redis is down fails with a clear message; the ledger keeps the rows
   ('queued', error "not sent: ..."), and `newsflow replay --unsent` completes the batch.
9. A wrong password is refused at once, by the worker and by the producer, with a message
   that names the problem and not the password; the right one works.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.integration.faults.conftest import MakeStack
from tests.integration.faults.harness import REPO, article_batch, wait_for

pytestmark = pytest.mark.integration

def test_4_redis_restarted_mid_run(make_stack: MakeStack) -> None:
    stack = make_stack()
    files = article_batch(stack.inputs)
    worker = stack.start_worker()
    stack.enqueue(stack.inputs)
    wait_for("a quarter of the batch done and items in extract",
             lambda: stack.terminal() >= len(files) // 4 and stack.in_stage("extract") > 0)
    stack.redis.stop()
    time.sleep(2)
    stack.redis.start()  # same port, empty: every message is gone
    back_at = time.monotonic()
    noticed: list[float] = []

    def note_the_reset() -> None:
        if not noticed and "the broker lost its data" in worker.output():
            noticed.append(time.monotonic())

    stack.wait_terminal(len(files), while_waiting=note_the_reset)
    note_the_reset()
    # Recovery: Redis back -> the worker noticed the reset and sent the sweep (logged).
    assert noticed, "the worker never said the broker lost its data\n" + stack.worker_tail()
    recovery_s = round(noticed[0] - back_at, 1)
    audit = stack.audit("4 Redis restarted mid-run", files, recovery_s=recovery_s)
    print(f"[faults] Redis back; the reset noticed and the items re-sent {recovery_s} s "
          f"later, the whole batch terminal {time.monotonic() - back_at:.1f} s after it")
    assert worker.process.poll() is None, "the worker did not survive the restart"
    assert audit.dead == 0


def test_5_redis_down_when_enqueueing(make_stack: MakeStack) -> None:
    stack = make_stack()
    files = article_batch(stack.inputs)
    worker = stack.start_worker()
    stack.wait_ready(worker)
    stack.redis.stop()
    failed = stack.enqueue(stack.inputs, expect_ok=False)
    assert failed.returncode == 2, failed.stderr[-3000:]
    assert "enqueue failed" in failed.stderr and "replay --unsent" in failed.stderr
    not_sent = stack.not_sent()
    assert not_sent > 0
    assert not_sent == stack.scalar("SELECT count(*) FROM items")  # none claims to be sent
    stack.redis.start()
    message = stack.complete_unsent(stack.inputs, total=len(files))
    assert f"replayed {not_sent} items" in message
    stack.wait_terminal(len(files))
    audit = stack.audit("5 Redis down when enqueueing", files)
    assert worker.process.poll() is None
    assert audit.dead == 0


def _worker_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers", "worker", "--concurrency", "1"],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=180,
                          check=False)


def test_9_password_protected_redis(make_stack: MakeStack) -> None:
    password, wrong = "Right-pw-4f1c9", "Wrong-pw-77ab2"
    stack = make_stack(password=password)
    files = article_batch(stack.inputs)
    port = stack.redis.port
    for url, expected in ((f"redis://:{wrong}@127.0.0.1:{port}/0", "refused the credentials"),
                          (f"redis://127.0.0.1:{port}/0", "refused the credentials")):
        env = dict(stack.env, NEWSFLOW_BROKER_URL=url)
        refused = _worker_with(env)
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0 and expected in output, output[-3000:]
        assert wrong not in output and password not in output
    bad_env = dict(stack.env, NEWSFLOW_BROKER_URL=f"redis://:{wrong}@127.0.0.1:{port}/0")
    failed = stack.enqueue(stack.inputs, expect_ok=False, env=bad_env)
    assert failed.returncode == 2, failed.stderr[-3000:]
    assert "enqueue failed" in failed.stderr
    assert any(word in failed.stderr.lower() for word in ("password", "auth")), failed.stderr
    assert wrong not in failed.stderr + failed.stdout
    assert stack.not_sent() > 0

    worker = stack.start_worker()
    stack.complete_unsent(stack.inputs, total=len(files))
    stack.wait_terminal(len(files))
    audit = stack.audit("9 password-protected Redis", files)
    status = stack.newsflow("status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["broker"] == f"redis://:***@127.0.0.1:{port}/0"
    assert password not in worker.output() + status.stdout + status.stderr
    assert audit.dead == 0
