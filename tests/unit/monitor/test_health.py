"""How a poll is judged and when the source is polled next (pure functions)."""

from __future__ import annotations

import pytest

from config.settings import SourcesSettings
from tasks.errors import ForbiddenSource, InputTooLarge, NetworkError, RetryableError
from tasks.fetching.http import HttpStatusError
from tasks.monitor import health
from tasks.monitor.anomaly import judge_volume

S = SourcesSettings(min_interval_s=300, default_interval_s=3600, max_interval_s=86400,
                    max_backoff_s=3 * 86400)


@pytest.mark.parametrize(("error", "kind"), [
    (HttpStatusError("x: HTTP 404", status=404), "soft"),
    (HttpStatusError("x: HTTP 410", status=410), "hard"),
    (HttpStatusError("x: HTTP 403", status=403), "hard"),
    (NetworkError("x: HTTP 500"), "soft"),
    (NetworkError("x: timed out"), "soft"),
    (NetworkError("x: HTTP 429", retry_after_s=120), "temporary"),
    (NetworkError("x: HTTP 503", retry_after_s=60), "temporary"),
    (ForbiddenSource("refusing x: it resolves to 10.0.0.1"), "hard"),
    (InputTooLarge("x: body is over the limit"), "hard"),
    (RetryableError("x: rate limit", reason="politeness", retry_after_s=3), "deferred"),
])
def test_errors_are_judged_by_kind(error: Exception, kind: str) -> None:
    judgement = health.judge_error(error)  # type: ignore[arg-type]
    assert judgement.kind == kind
    if kind == "temporary":
        assert judgement.retry_after_s is not None and judgement.http_status in {429, 503}


def test_the_failure_score_weighs_kinds_and_only_a_full_success_clears_it() -> None:
    score = 0.0
    for kind in ("hard", "soft", "temporary"):
        score = health.next_score(score, health.Judgement(kind))
    assert score == 1.75
    assert health.next_score(score, health.Judgement("not_modified")) == 1.75
    assert health.next_score(score, health.Judgement("unchanged")) == 1.75
    assert health.next_score(score, health.Judgement("ok")) == 0.0


def test_the_interval_adapts_within_bounds_and_honours_the_declared_period() -> None:
    def adapt(interval: float, entries: int, new: int, **kw: object) -> float:
        args = {"every_s": None, "declared_s": None, "changed": True, "settings": S, **kw}
        return health.adapt_interval(interval, entries=entries, new=new, **args)  # type: ignore[arg-type]

    assert adapt(3600, 20, 15) == 1800  # mostly new: faster
    assert adapt(3600, 20, 1) == 5400  # mostly known: slower
    assert adapt(3600, 20, 5) == 3600  # in between: unchanged
    assert adapt(3600, 20, 0, changed=False) == 5400  # not modified: slower
    assert adapt(400, 20, 20) == 300  # never under the minimum
    assert adapt(80000, 20, 0) == 86400  # never over the maximum
    assert adapt(400, 20, 20, declared_s=7200) == 7200  # ttl: not more often than asked
    assert adapt(400, 20, 20, declared_s=7 * 86400) == 86400  # but still daily at least
    assert adapt(400, 20, 0, every_s=600) == 600  # a fixed interval stays


def test_back_off_is_linear_in_the_score_capped_and_retry_after_wins() -> None:
    ok = health.Judgement("ok")
    assert health.next_delay(3600, 0, ok, S) == 3600
    assert health.next_delay(3600, 0.5, health.Judgement("soft"), S) == 3600
    assert health.next_delay(3600, 3, health.Judgement("hard"), S) == 3 * 3600
    assert health.next_delay(3600, 500, health.Judgement("hard"), S) == 3 * 86400
    limited = health.Judgement("temporary", retry_after_s=7200)
    assert health.next_delay(600, 0.25, limited, S) == 7200
    assert health.next_delay(600, 0.25, health.Judgement("temporary", retry_after_s=9e6),
                             S) == 86400


def test_volume_anomalies_against_the_sources_own_days() -> None:
    s = SourcesSettings(anomaly_days=7, anomaly_low_ratio=0.25, anomaly_high_ratio=4,
                        anomaly_min_daily=3)
    usual = [20, 22, 18, 25, 19, 21, 20]
    assert judge_volume(20, usual, s) is None
    assert judge_volume(2, usual, s) == "low"
    assert judge_volume(200, usual, s) == "high"
    assert judge_volume(0, usual[:3], s) is None  # not enough history
    assert judge_volume(0, [1, 0, 2, 1, 0, 1, 1], s) is None  # too quiet to judge low
