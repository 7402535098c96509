"""workers.runtime.metrics: stage observer samples, multiprocess mode across fork, endpoint."""

from __future__ import annotations

import multiprocessing
import socket
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, values
from prometheus_client.multiprocess import MultiProcessCollector

from config.settings import MetricsSettings, Settings, load_settings
from tasks.pipeline import ArticleFate, StageBatchEvent
from workers.runtime.metrics import StageMetrics, enable_multiprocess, serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _event(stage: str = "extract", *outcomes: str) -> StageBatchEvent:
    items = tuple(ArticleFate(f"a{i}", "b", o, 0.02 * (i + 1)) for i, o in enumerate(outcomes))
    return StageBatchEvent(stage, sum(i.seconds for i in items), items)


def test_observe_counts_articles_batches_and_latency() -> None:
    registry = CollectorRegistry()
    metrics = StageMetrics(registry)
    metrics.observe(_event("extract", "ok", "ok", "rejected"))
    metrics.observe(_event("store", "stored", "duplicate"))
    value = registry.get_sample_value
    assert value("newsflow_articles_total", {"stage": "extract", "outcome": "ok"}) == 2
    assert value("newsflow_articles_total", {"stage": "extract", "outcome": "rejected"}) == 1
    assert value("newsflow_articles_total", {"stage": "store", "outcome": "duplicate"}) == 1
    assert value("newsflow_stage_batches_total", {"stage": "extract"}) == 1
    assert value("newsflow_stage_seconds_count", {"stage": "extract"}) == 3
    assert value("newsflow_stage_seconds_sum", {"stage": "extract"}) == pytest.approx(0.12)
    assert value("newsflow_stage_seconds_bucket", {"stage": "extract", "le": "0.05"}) == 2


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().metrics.port is None
    monkeypatch.setenv("NEWSFLOW_METRICS__PORT", "9808")
    monkeypatch.setenv("NEWSFLOW_METRICS__ADDRESS", "0.0.0.0")
    monkeypatch.setenv("NEWSFLOW_METRICS__MULTIPROC_DIR", "/tmp/m")
    config = load_settings().metrics
    assert (config.port, config.address, config.multiproc_dir) == (9808, "0.0.0.0", Path("/tmp/m"))


def _child_observes(_: int) -> None:
    StageMetrics(None).observe(_event("clean", "ok", "ok"))


def test_multiprocess_mode_sums_forked_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(values, "ValueClass", values.ValueClass)  # restored afterwards
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # restored afterwards
    (tmp_path / "stale_counter_1.db").write_bytes(b"old run")
    folder = enable_multiprocess(tmp_path)
    assert not (tmp_path / "stale_counter_1.db").exists()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_child_observes, range(2))
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
    value = registry.get_sample_value
    assert value("newsflow_articles_total", {"stage": "clean", "outcome": "ok"}) == 4
    assert value("newsflow_stage_batches_total", {"stage": "clean"}) == 2


def test_endpoint_serves_stage_metrics_and_queue_depths() -> None:
    registry = CollectorRegistry()
    StageMetrics(registry).observe(_event("fetch", "ok"))
    settings = Settings(broker_url="memory://")
    port = free_port()
    server = serve(settings, MetricsSettings(port=port), None, local=registry)
    assert server is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
            body = resp.read().decode()
        assert 'newsflow_articles_total{outcome="ok",stage="fetch"} 1.0' in body
        assert 'newsflow_queue_depth{queue="newsflow.extract",stage="extract"} 0.0' in body
        # a second endpoint on the same port is refused without failing the worker
        assert serve(settings, MetricsSettings(port=port), None, local=registry) is None
    finally:
        server.shutdown()
        server.server_close()


def test_messages_are_counted_per_task() -> None:
    registry = CollectorRegistry()
    metrics = StageMetrics(registry)
    clean_task = type("Task", (), {"name": "newsflow.clean"})()
    metrics.count_message(sender=clean_task, task_id="1")
    metrics.count_message(sender=clean_task, task_id="2")
    assert registry.get_sample_value("newsflow_messages_total", {"task": "newsflow.clean"}) == 2
    assert registry.get_sample_value("newsflow_messages_total", {"task": "newsflow.fetch"}) is None


def test_watch_counters_count_fires_and_outcomes_once_enabled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workers.runtime import metrics

    metrics.count_watch_fire("nato")  # metrics off: nothing to count, no error
    registry = CollectorRegistry()
    monkeypatch.setattr(metrics, "_watch_metrics", metrics.WatchMetrics(registry))
    metrics.count_watch_fire("nato")
    metrics.count_watch_delivery("nato", "retry")
    metrics.count_watch_delivery("nato", "retry")
    metrics.count_watch_delivery("nato", "delivered")
    value = registry.get_sample_value
    assert value("newsflow_watch_fires_total", {"watch": "nato"}) == 1
    assert value("newsflow_watch_deliveries_total", {"watch": "nato", "outcome": "retry"}) == 2
    assert value("newsflow_watch_deliveries_total",
                 {"watch": "nato", "outcome": "delivered"}) == 1
def test_source_polls_new_items_and_anomalies_are_counted() -> None:
    from datetime import UTC, datetime

    from tasks.monitor.poll import PollReport
    from tasks.monitor.record import Recorded
    from workers.runtime.metrics import SourceMetrics

    registry = CollectorRegistry()
    metrics = SourceMetrics(registry)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    flagged = Recorded("working", 0.0, 3600, when, "low", anomaly_changed=True)
    still = Recorded("working", 0.0, 3600, when, "low", anomaly_changed=False)
    metrics.observe(PollReport(1, "ok", 5, flagged))
    metrics.observe(PollReport(1, "ok", 0, still))
    metrics.observe(PollReport(2, "soft"))
    metrics.observe(PollReport(3, "skipped"))
    value = registry.get_sample_value
    assert value("newsflow_source_polls_total", {"outcome": "ok"}) == 2
    assert value("newsflow_source_polls_total", {"outcome": "soft"}) == 1
    assert value("newsflow_source_polls_total", {"outcome": "skipped"}) is None
    assert value("newsflow_source_new_items_total") == 5
    assert value("newsflow_source_anomalies_total", {"kind": "low"}) == 1
