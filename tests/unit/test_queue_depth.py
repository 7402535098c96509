"""workers.queue_depth: stage queue depths asked through kombu, on the in-process memory
transport (the Redis and filesystem transports: tests/integration/test_ingest.py,
test_status_metrics_live.py, test_embedded_run.py)."""

from __future__ import annotations

import uuid
from pathlib import Path

from kombu import Queue

from config.settings import load_settings
from tasks.stages import STAGE_NAMES
from workers.app import make_app
from workers.queue_depth import depth_probe, stage_depths, stage_depths_or_none, total_depth


def test_depths_count_waiting_messages_per_stage() -> None:
    settings = load_settings(broker_url="memory://",
                             pipeline={"queue_prefix": f"nf-qd-{uuid.uuid4().hex[:8]}"})
    app = make_app(settings)
    assert stage_depths(app, settings.pipeline) == dict.fromkeys(STAGE_NAMES, 0)  # undeclared
    name = settings.pipeline.queue_for("extract")
    with app.connection_for_write() as conn:
        producer = conn.Producer()
        for n in range(3):
            producer.publish({"n": n}, routing_key=name, declare=[Queue(name)])
    depths = stage_depths(app, settings.pipeline)
    assert depths["extract"] == 3 and depths["fetch"] == 0
    assert stage_depths_or_none(app, settings.pipeline) == depths
    assert total_depth(app, settings.pipeline) == 3
    # The memory transport only sees this process's messages: the producer never waits on it.
    assert depth_probe(app, settings) is None


def test_depths_on_the_filesystem_transport_of_newsflow_run(tmp_path: Path) -> None:
    settings = load_settings(broker_url=f"filesystem://{tmp_path}/broker")
    app = make_app(settings)
    assert total_depth(app, settings.pipeline) == 0
    clean, store = (settings.pipeline.queue_for(s) for s in ("clean", "store"))
    with app.connection_for_write() as conn:
        producer = conn.Producer()
        for name, count in ((clean, 2), (store, 1)):
            for n in range(count):
                producer.publish({"n": n}, routing_key=name, declare=[Queue(name)])
    depths = stage_depths(app, settings.pipeline)
    assert (depths["clean"], depths["store"], depths["fetch"]) == (2, 1, 0)
    probe = depth_probe(app, settings)  # another process's messages are seen: a probe
    assert probe is not None and probe() == 3


def test_an_unreachable_broker_gives_none_per_stage() -> None:
    settings = load_settings(broker_url="redis://127.0.0.1:1/0")  # nothing listens there
    app = make_app(settings)
    app.conf.broker_connection_timeout = 1
    app.conf.broker_connection_retry = False
    assert stage_depths_or_none(app, settings.pipeline) == dict.fromkeys(STAGE_NAMES)
    probe = depth_probe(app, settings)
    assert probe is not None  # Redis: a probe, which raises while the broker is away
