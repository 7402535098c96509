"""bench/throughput_report.py: targets computed from the runs, the README block replaced."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.throughput_report import RunResult, readme_block, render_report, targets


def _runs(flow_2_seconds: float) -> list[RunResult]:
    return [
        RunResult("baseline", 1, 100, 100.0, Counter(stored=100), stage_ms={"extract": 80.0}),
        RunResult("baseline", 2, 100, 70.0, Counter(stored=100)),
        RunResult("newsflow", 1, 100, 105.0, Counter(stored=100),
                  latencies=[float(i) for i in range(1, 101)], rss_mb=[350.0], messages=0.625),
        RunResult("newsflow", 2, 100, flow_2_seconds, Counter(stored=100), rss_mb=[380.0, 390.0]),
        RunResult("embedded", 2, 100, 80.0, Counter(stored=100), span_rate=1.35),
    ]


def test_targets_are_met_or_not_from_the_figures() -> None:
    met = {name: ok for name, _goal, _measured, ok in targets(_runs(73.0))}
    assert met["ratio to baseline, 1 process(es)"] is True  # 100/105 = 0.952
    assert met["ratio to baseline, 2 process(es)"] is True  # 70/73 = 0.959
    assert met["1->2 scaling vs the baseline's"] is True  # (105/73)/(100/70) = 1.007
    assert met["peak RSS per worker process"] is True
    slow = {name: ok for name, _goal, _measured, ok in targets(_runs(90.0))}
    assert slow["ratio to baseline, 2 process(es)"] is False  # 70/90 = 0.78
    assert slow["1->2 scaling vs the baseline's"] is False


def test_percentiles_and_report_table() -> None:
    runs = _runs(73.0)
    assert runs[2].percentile(50) == pytest.approx(50.5)
    assert runs[2].percentile(95) == pytest.approx(95.05)
    report = render_report(runs, None, 100, 8, {"marked": 199}, "bench/throughput.py")
    assert "| newsflow | 1 | 100 | 105.0 | 0.95 | 0.952 |" in report
    assert "| - | 0.625 |" in report and "## Targets" in report


def test_readme_block_is_replaced_and_the_rest_kept() -> None:
    readme = "# x\nintro\n<!-- performance:begin -->\nold\n<!-- performance:end -->\n## Next\n"
    report = render_report(_runs(73.0), None, 100, 8, {}, "cmd")
    new = readme_block(readme, report)
    assert new.startswith("# x\nintro\n<!-- performance:begin -->\n")
    assert "old" not in new and new.endswith("<!-- performance:end -->\n## Next\n")
    assert "| target | goal | measured | met |" in new and "Stage cost" not in new
    with pytest.raises(ValueError):
        readme_block("# no block\n", report)
