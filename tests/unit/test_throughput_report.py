"""bench/throughput_report.py: targets computed from the runs, the README block replaced."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.throughput_mix import Mix
from bench.throughput_report import (
    RunResult,
    duplicate_costs,
    mean_rate,
    readme_block,
    render_report,
    targets,
)


def _runs(flow_2_seconds: float) -> list[RunResult]:
    return [
        RunResult("libraries", 1, 100, 90.0, Counter(processed=100), when="before",
                  stage_ms={"clean": 17.0, "extract": 70.0}),
        RunResult("baseline", 1, 100, 100.0, Counter(stored=100), when="before",
                  stage_ms={"extract": 80.0},
                  kind_ms={"original": 100.0, "exact": 5.0, "near": 20.0}),
        RunResult("newsflow", 1, 100, 105.0, Counter(stored=100),
                  latencies=[float(i) for i in range(1, 101)], rss_mb=[350.0], messages=0.625),
        RunResult("baseline", 1, 100, 100.0, Counter(stored=100), when="after",
                  kind_ms={"original": 120.0, "exact": 7.0, "near": 22.0}),
        RunResult("libraries", 1, 100, 110.0, Counter(processed=100), when="after"),
        RunResult("libraries", 2, 100, 60.0, Counter(processed=100), when="before"),
        RunResult("baseline", 2, 100, 70.0, Counter(stored=100), when="before"),
        RunResult("newsflow", 2, 100, flow_2_seconds, Counter(stored=100), rss_mb=[380.0, 390.0],
                  stage_ms={"store": 4.0}),
        RunResult("baseline", 2, 100, 70.0, Counter(stored=100), when="after"),
        RunResult("libraries", 2, 100, 60.0, Counter(processed=100), when="after"),
    ]


def _mix() -> Mix:
    return Mix(Path("mix.jsonl"), kinds=["original"] * 80 + ["exact"] * 10 + ["near"] * 10,
               languages=Counter(en=50, de=30))


def test_baselines_are_the_mean_of_the_runs_before_and_after() -> None:
    runs = _runs(73.0)
    # 100/90 and 100/110 articles/s: the mean of the rates, not of the times
    assert mean_rate(runs, "libraries", 1) == pytest.approx((100 / 90 + 100 / 110) / 2)
    assert mean_rate(runs, "newsflow", 3) is None
    assert duplicate_costs(runs) == {"original": 110.0, "exact": 6.0, "near": 21.0}


def test_targets_are_met_or_not_from_the_figures() -> None:
    met = {name: ok for name, _goal, _measured, ok in targets(_runs(73.0))}
    assert met["newsflow vs baseline (mean before/after), 1 process(es)"] is True  # 0.952
    assert met["newsflow vs libraries (mean before/after), 2 process(es)"] is False  # 60/73
    assert met["newsflow vs baseline (mean before/after), 2 process(es)"] is True  # 70/73
    assert met["exact duplicate's cost / an original's (stage baseline)"] is True  # 6/110
    assert met["near duplicate's cost / an original's (stage baseline)"] is False  # 21/110
    assert met["store per article, PostgreSQL, 2 processes"] is True
    assert met["peak RSS per worker process"] is True
    slow = {name: ok for name, _goal, _measured, ok in targets(_runs(90.0))}
    assert slow["newsflow vs baseline (mean before/after), 2 process(es)"] is False  # 0.78
    assert slow["1->2 scaling vs the libraries'"] is False


def test_percentiles_and_report_table() -> None:
    runs = _runs(73.0)
    assert runs[2].percentile(50) == pytest.approx(50.5)
    assert runs[2].percentile(95) == pytest.approx(95.05)
    report = render_report([runs], None, _mix(), 8, "bench/throughput.py")
    assert "| newsflow | 1 | - | 100 | 105.0 | 0.95 | 0.943 | 0.952 |" in report
    assert "| - | 0.625 |" in report and "## Targets" in report
    assert "| exact | 6.0 | 0.055 | 0.055 |" in report
    assert "| clean | trafilatura.extract | 17.0 |" in report
    assert "80 distinct originals" in report and "10 exact and 10 near" in report


def test_readme_block_is_replaced_and_the_rest_kept() -> None:
    readme = "# x\nintro\n<!-- performance:begin -->\nold\n<!-- performance:end -->\n## Next\n"
    report = render_report([_runs(73.0)], None, _mix(), 8, "cmd")
    new = readme_block(readme, report)
    assert new.startswith("# x\nintro\n<!-- performance:begin -->\n")
    assert "old" not in new and new.endswith("<!-- performance:end -->\n## Next\n")
    assert "| target | goal | measured | met |" in new and "Stage cost" not in new
    assert "duplicate path" not in new
    with pytest.raises(ValueError):
        readme_block("# no block\n", report)


def test_two_rounds_are_reported_each_with_its_tables() -> None:
    report = render_report([_runs(73.0), _runs(90.0)], None, _mix(), 8, "cmd")
    assert "ran 2 times" in report
    first, second = report.split("## Round 2 of 2")
    assert "## Round 1 of 2" in first and "\n### Targets" in first and "\n### Targets" in second
    # each round's ratios come from its own baselines: the slower round misses a target
    assert "| 1->2 scaling vs the libraries' | >= 0.95 x |" in second
    assert second.count("| NO |") > first.count("| NO |")
    new = readme_block("<!-- performance:begin -->\n<!-- performance:end -->\n", report)
    assert new.count("\n### Targets") == 2 and "## Round 2 of 2" in new
    assert "Stage cost" not in new and "duplicate path" not in new


def test_template_copies_have_their_row_and_their_target() -> None:
    kinds = {"original": 100.0, "original html": 200.0, "template": 40.0,
             "template html": 40.0}
    runs = [RunResult("baseline", 1, 10, 10.0, Counter(stored=10), when=w, kind_ms=kinds)
            for w in ("before", "after")]
    met = {name: ok for name, _goal, _measured, ok in targets(runs)}
    assert met["template duplicate's cost / an original's (stage baseline)"] is False  # 0.4
    mix = Mix(Path("mix.jsonl"), kinds=["original"] * 8 + ["template"] * 2)
    report = render_report([runs], None, mix, 8, "bench/throughput.py")
    assert "| template html | 40.0 | 0.400 | 0.200 |" in report
    assert "2 pages moved into another site's template" in report
