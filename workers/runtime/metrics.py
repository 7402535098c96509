"""Prometheus metrics of a worker host: articles per stage and outcome, stage latency, queues.

Why prometheus-client's *multiprocess mode*: a prefork worker runs its stages in pool
children, which come and go (``--max-tasks-per-child``, a crash), and none of them can own an
HTTP port. Each child writes its counters and histograms into memory-mapped files in one
folder (``PROMETHEUS_MULTIPROC_DIR``); the worker's main process, which never runs a task,
serves ``/metrics`` and sums the files on each scrape. A dead child's counts stay counted.
Queue depths are not a per-process figure: the serving process asks the broker on each scrape.

Samples come from ``tasks.pipeline``'s stage observer, so the Celery path and the in-process
baseline report the same figures. Nothing is started unless a port is configured
(``NEWSFLOW_METRICS__PORT``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.settings import MetricsSettings, PipelineSettings, Settings
from tasks.monitor.poll import PollReport, add_poll_observer
from tasks.pipeline import StageBatchEvent, add_observer
from workers.queue_depth import stage_depths_or_none

if TYPE_CHECKING:
    from celery import Celery

__all__ = [
    "LATENCY_BUCKETS",
    "MetricsSettings",
    "QueueDepthCollector",
    "SourceMetrics",
    "StageMetrics",
    "WatchMetrics",
    "count_watch_delivery",
    "count_watch_fire",
    "enable_multiprocess",
    "serve",
    "start_in_worker",
]

log = logging.getLogger(__name__)

# Per-article stage time: ~1 ms (store of a duplicate) to seconds (NER of a long page).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class StageMetrics:
    """The metric objects; ``observe`` is the ``tasks.pipeline`` stage observer."""

    def __init__(self, registry: Any = None) -> None:
        from prometheus_client import Counter, Histogram

        self.articles = Counter(
            "newsflow_articles",
            "Articles through a stage, by outcome",
            ["stage", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "newsflow_stage_seconds",
            "Per-article time in a stage (batch mean for nlp.pipe)",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batches = Counter(
            "newsflow_stage_batches",
            "Stage calls on a micro-batch (a message that reads local files runs fetch too)",
            ["stage"],
            registry=registry,
        )
        self.messages = Counter(
            "newsflow_messages",
            "Celery messages a pool process ran, by task",
            ["task"],
            registry=registry,
        )

    def observe(self, event: StageBatchEvent) -> None:
        self.batches.labels(event.stage).inc()
        latency = self.latency.labels(event.stage)
        for item in event.articles:
            self.articles.labels(event.stage, item.fate).inc()
            latency.observe(item.seconds)

    def count_message(self, sender: Any = None, **_: Any) -> None:
        """``task_prerun`` receiver: one per message a pool process runs."""
        self.messages.labels(getattr(sender, "name", "unknown")).inc()


class WatchMetrics:
    """Watches: ``newsflow_watch_fires_total{watch}`` (a new match recorded) and
    ``newsflow_watch_deliveries_total{watch,outcome}`` (outcome ``delivered``, ``retry``,
    ``failed``: one sample per webhook attempt)."""

    def __init__(self, registry: Any = None) -> None:
        from prometheus_client import Counter

        self.fires = Counter("newsflow_watch_fires", "New matches of a watch", ["watch"],
                             registry=registry)
        self.deliveries = Counter("newsflow_watch_deliveries",
                                  "Webhook attempts of a watch, by outcome",
                                  ["watch", "outcome"], registry=registry)



# Set in a worker with metrics on (``start_in_worker``); the counters below are no-ops
# otherwise, so the watch tasks need not know whether metrics are served.
_watch_metrics: WatchMetrics | None = None


def count_watch_fire(watch: str) -> None:
    if _watch_metrics is not None:
        _watch_metrics.fires.labels(watch).inc()


def count_watch_delivery(watch: str, outcome: str) -> None:
    if _watch_metrics is not None:
        _watch_metrics.deliveries.labels(watch, outcome).inc()


class SourceMetrics:
    """The source monitor's polls (``tasks.monitor.poll`` observer): outcomes, new items, and
    volume anomalies as they are flagged (the source's id and ``low``/``high`` in the log)."""

    def __init__(self, registry: Any = None) -> None:
        from prometheus_client import Counter

        self.polls = Counter("newsflow_source_polls", "Source polls by outcome (ok, "
                             "not_modified, unchanged, deferred, temporary, soft, hard)",
                             ["outcome"], registry=registry)
        self.new_items = Counter("newsflow_source_new_items",
                                 "New feed/sitemap entries handed to the producer",
                                 registry=registry)
        self.anomalies = Counter("newsflow_source_anomalies",
                                 "Sources newly flagged for a volume anomaly", ["kind"],
                                 registry=registry)

    def observe(self, report: PollReport) -> None:
        if report.outcome == "skipped":
            return
        self.polls.labels(report.outcome).inc()
        self.new_items.inc(report.new_items)
        recorded = report.recorded
        if recorded is not None and recorded.anomaly_changed and recorded.anomaly:
            self.anomalies.labels(recorded.anomaly).inc()


class QueueDepthCollector:
    """``newsflow_queue_depth{stage,queue}``, asked from the broker at scrape time through
    the app given once (``workers.queue_depth``)."""

    def __init__(self, app: Celery, pipeline: PipelineSettings) -> None:
        self.app = app
        self.pipeline = pipeline

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(
            "newsflow_queue_depth", "Messages waiting in a stage queue", labels=["stage", "queue"]
        )
        for stage, depth in stage_depths_or_none(self.app, self.pipeline).items():
            if depth is not None:
                family.add_metric([stage, self.pipeline.queue_for(stage)], depth)
        yield family

    def describe(self) -> list[Any]:
        return []  # no broker round trip when the collector is registered


def enable_multiprocess(folder: Path | None) -> Path:
    """Switch prometheus-client to mmap-backed values, in this process and its future forks.

    Must run before any metric is created. Stale files of an earlier run are removed, as the
    client's documentation requires, or old counts would be added to the new ones.
    """
    from prometheus_client import values

    folder = folder or Path(tempfile.mkdtemp(prefix="newsflow-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    # The client reads the variable once, at import; it may have been imported already.
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    return folder


def serve(
    settings: Settings, config: MetricsSettings, multiproc_dir: Path | None, local: Any = None,
    app: Celery | None = None,
) -> Any:
    """Serve ``/metrics`` on ``config.port``; returns the server, or None if the port is taken.

    Queue depths are asked through ``app`` (default: one made from ``settings``, here, once).
    """
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    if config.port is None:
        return None
    if app is None:
        from workers.app import make_app

        app = make_app(settings)
    registry = CollectorRegistry()
    if multiproc_dir is not None:
        MultiProcessCollector(registry, path=str(multiproc_dir))  # type: ignore[no-untyped-call]
    elif local is not None:
        registry = local
    registry.register(QueueDepthCollector(app, settings.pipeline))
    try:
        server, _thread = start_http_server(config.port, config.address, registry=registry)
    except OSError as exc:
        # Two workers on one host with the same port: the second still works, unobserved.
        log.warning("metrics endpoint not started on %s:%d: %s", config.address, config.port, exc)
        return None
    log.info("metrics on http://%s:%d/metrics", config.address, config.port)
    return server


def start_in_worker(settings: Settings, config: MetricsSettings | None = None) -> Any:
    """In a worker's main process, before the pool forks: multiprocess values, the stage
    observer (inherited by every child), and the endpoint. Does nothing without a port."""
    config = config or settings.metrics
    if config.port is None:
        return None
    env_folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    folder = enable_multiprocess(Path(env_folder) if env_folder else config.multiproc_dir)
    from celery.signals import task_prerun

    metrics = StageMetrics()
    add_observer(metrics.observe)
    global _watch_metrics
    _watch_metrics = WatchMetrics()
    add_poll_observer(SourceMetrics().observe)
    task_prerun.connect(metrics.count_message, weak=False)
    return serve(settings, config, folder)
