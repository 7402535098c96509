"""The throughput benchmark's report: one Markdown document, generated, never typed."""

from __future__ import annotations

import os
import platform
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tasks.common import utc_now
from tasks.stages import STAGE_NAMES

if TYPE_CHECKING:
    from bench.profile_hot_path import Profile
    from bench.throughput_mix import Mix

__all__ = ["RunResult", "duplicate_costs", "mean_rate", "readme_block", "render_report", "targets"]

TARGET_RATIO = 0.90  # newsflow vs its own stage functions in a loop
TARGET_LIBRARIES = 0.85  # newsflow x2 vs the libraries it calls, in a loop (issue 17)
TARGET_SCALING = 0.95
TARGET_RSS_MB = 450.0
TARGET_EMBEDDED = 0.85
TARGET_DUPLICATE = 0.15  # a duplicate's CPU / an original's
TARGET_STORE_MS = 5.0  # store stage per article, PostgreSQL, 2 processes
# The library call inside each stage (bench/throughput_libraries.py times them).
LIBRARY_OF_STAGE = {
    "fetch": "-",
    "clean": "trafilatura.extract",
    "translate_check": "py3langid classify",
    "extract": "spaCy nlp.pipe + USE encode",
    "store": "-",
}


@dataclass
class RunResult:
    mode: str
    processes: int
    articles: int
    seconds: float
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)  # peak (VmHWM), shared pages included
    pss_mb: list[float] = field(default_factory=list)  # at the end, shared pages divided
    messages: float | None = None
    stage_ms: dict[str, float] = field(default_factory=dict)
    note: str = ""
    span_rate: float | None = None  # embedded: articles/s over its processing span
    when: str = ""  # a baseline's place: "before" or "after" its newsflow run
    kind_ms: dict[str, float] = field(default_factory=dict)  # mean CPU ms per article by kind
    sql_per_article: float | None = None  # SQL statements per article (stage baseline)

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float | None:
        if len(self.latencies) < 2:
            return None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1]


def _runs(results: list[RunResult], mode: str, processes: int) -> list[RunResult]:
    return [r for r in results if r.mode == mode and r.processes == processes]


def _find(results: list[RunResult], mode: str, processes: int) -> RunResult | None:
    return next(iter(_runs(results, mode, processes)), None)


def mean_rate(results: list[RunResult], mode: str, processes: int) -> float | None:
    """A baseline's articles/s: the mean of its runs before and after the newsflow run."""
    rates = [r.rate for r in _runs(results, mode, processes) if r.rate]
    return sum(rates) / len(rates) if rates else None


def _scaling(results: list[RunResult], mode: str) -> float | None:
    one, two = mean_rate(results, mode, 1), mean_rate(results, mode, 2)
    return two / one if one and two else None


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def duplicate_costs(results: list[RunResult]) -> dict[str, float]:
    """Mean ms per article by kind (original, exact, near, template) over the stage-baseline
    runs."""
    sums: Counter[str] = Counter()
    runs: Counter[str] = Counter()
    for r in results:
        if r.mode == "baseline":
            for kind, ms in r.kind_ms.items():
                sums[kind] += ms
                runs[kind] += 1
    return {k: sums[k] / runs[k] for k in sums}


def targets(results: list[RunResult]) -> list[tuple[str, str, str, bool | None]]:
    """(target, goal, measured, met) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []
    for n in (1, 2):
        flow = _find(results, "newsflow", n)
        for mode, goal in (("libraries", TARGET_LIBRARIES), ("baseline", TARGET_RATIO)):
            base = mean_rate(results, mode, n)
            if flow and base:
                ratio = flow.rate / base
                rows.append((f"newsflow vs {mode} (mean before/after), {n} process(es)",
                             f">= {goal:.2f}", f"{ratio:.3f}", ratio >= goal))
    flow_s, base_s = _scaling(results, "newsflow"), _scaling(results, "libraries")
    if flow_s is not None and base_s is not None:
        rel = flow_s / base_s
        rows.append(
            (
                "1->2 scaling vs the libraries'",
                f">= {TARGET_SCALING:.2f} x",
                f"{flow_s:.2f} / {base_s:.2f} = {rel:.3f}",
                rel >= TARGET_SCALING,
            )
        )
    costs = duplicate_costs(results)
    original = costs.get("original")
    for kind in ("exact", "near", "template"):
        if original and kind in costs:
            share = costs[kind] / original
            rows.append((f"{kind} duplicate's cost / an original's (stage baseline)",
                         f"<= {TARGET_DUPLICATE:.2f}",
                         f"{costs[kind]:.1f} / {original:.1f} ms = {share:.3f}",
                         share <= TARGET_DUPLICATE))
    two = _find(results, "newsflow", 2)
    if two and "store" in two.stage_ms:
        store = two.stage_ms["store"]
        rows.append(("store per article, PostgreSQL, 2 processes", f"<= {TARGET_STORE_MS:.0f} ms",
                     f"{store:.1f} ms", store <= TARGET_STORE_MS))
    rss = [mb for r in results if r.mode == "newsflow" for mb in r.rss_mb]
    if rss:
        rows.append(
            (
                "peak RSS per worker process",
                f"<= {TARGET_RSS_MB:.0f} MB",
                f"{max(rss):.0f} MB",
                max(rss) <= TARGET_RSS_MB,
            )
        )
    embedded = next((r for r in results if r.mode == "embedded"), None)
    redis = _find(results, "newsflow", embedded.processes) if embedded else None
    if embedded and redis and redis.rate:
        wall = embedded.rate / redis.rate
        rows.append(
            (
                "embedded `newsflow run` vs Redis mode (wall, incl. start-up)",
                f">= {TARGET_EMBEDDED:.2f}",
                f"{wall:.3f}",
                wall >= TARGET_EMBEDDED,
            )
        )
        if embedded.span_rate is not None:
            span = embedded.span_rate / redis.rate
            rows.append(
                (
                    "embedded vs Redis mode (processing span)",
                    f">= {TARGET_EMBEDDED:.2f}",
                    f"{span:.3f}",
                    span >= TARGET_EMBEDDED,
                )
            )
    return rows


def _machine() -> str:
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                "?",
            )
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def render_report(
    rounds: list[list[RunResult]],
    profile: Profile | None,
    mix: Mix,
    batch_size: int,
    command: str,
) -> str:
    """The report of one or more rounds of the same runs, each round with its own tables."""
    stamp = utc_now().strftime("%Y-%m-%d %H:%M UTC")
    counts = mix.counts
    languages = ", ".join(f"{k} {v}" for k, v in sorted(mix.languages.items()))
    lines = [
        "# Performance",
        "",
        f"Generated by `{command}` on {stamp}; machine: {_machine()}. Do not edit by hand:",
        "run the benchmark again (see bench/throughput.py for what each mode measures).",
        "",
        f"{len(mix.kinds)} articles: {counts.get('original', 0)} distinct originals (dev "
        f"corpus pages and stories-dev articles; by language: {languages}), "
        f"{counts.get('exact', 0)} exact and {counts.get('near', 0)} near wire copies, "
        f"{counts.get('template', 0)} pages moved into another site's template; "
        f"{batch_size} articles per message / baseline chunk. Each newsflow run sits between "
        "its baselines (before, after); its ratios are to their mean."
        + (f" The whole sequence ran {len(rounds)} times, one after the other; each round is "
           "reported on its own (the VM drifts from one to the next)." if len(rounds) > 1
           else ""),
    ]
    for number, results in enumerate(rounds, 1):
        level = "#" if len(rounds) == 1 else "##"
        if len(rounds) > 1:
            lines += ["", f"## Round {number} of {len(rounds)}"]
        lines += ["", *_round_lines(results, level)]
    if profile is not None:
        from bench.profile_hot_path import markdown

        lines += ["", "## Hot path (profile of the in-process chain)", "", markdown(profile)]
    return "\n".join(lines) + "\n"


def _round_lines(results: list[RunResult], level: str) -> list[str]:
    """One round's tables; ``level`` is the Markdown heading of its sections."""
    lines = [
        "| mode | processes | when | articles | s | articles/s | vs libraries | vs baseline "
        "| 1->2 | p50 s | p95 s | peak RSS/process MB | PSS/process MB | messages/article "
        "| outcomes |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | --- |",
    ]
    for r in results:
        libs, base = mean_rate(results, "libraries", r.processes), \
            mean_rate(results, "baseline", r.processes)
        vs_libs = r.rate / libs if libs and r.mode not in ("libraries",) else None
        vs_base = r.rate / base if base and r.mode not in ("libraries", "baseline") else None
        scaling = _scaling(results, r.mode) if r.processes == 2 and r.when != "before" else None
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items()))
        lines.append(
            f"| {r.mode} | {r.processes} | {r.when or '-'} | {r.articles} | {r.seconds:.1f} "
            f"| {r.rate:.2f} | {_fmt(vs_libs, '.3f')} | {_fmt(vs_base, '.3f')} "
            f"| {_fmt(scaling, '.2f')} | {_fmt(r.percentile(50), '.1f')} "
            f"| {_fmt(r.percentile(95), '.1f')} | {_fmt(max(r.rss_mb, default=None), '.0f')} "
            f"| {_fmt(max(r.pss_mb, default=None), '.0f')} | {_fmt(r.messages, '.3f')} "
            f"| {outcomes} |"
        )
    notes = [f"- {r.mode} x{r.processes}: {r.note}" for r in results if r.note]
    lines += [
        "",
        *notes,
        "",
        f"{level}# Targets",
        "",
        "| target | goal | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    for name, goal, measured, met in targets(results):
        lines.append(f"| {name} | {goal} | {measured} | {'yes' if met else 'NO'} |")
    costs = duplicate_costs(results)
    if costs:
        lines += [
            "",
            f"{level}# {DUPLICATE_PATH} (stage baseline, CPU ms per article, mean of its runs)",
            "",
            "| kind | ms per article | share of an original's | share of an original's "
            "of its format |",
            "| --- | ---: | ---: | ---: |",
        ]
        kinds = [f"{k}{form}" for k in ("original", "exact", "near", "template")
                 for form in ("", " html", " text")]
        for kind in kinds:
            if kind in costs:
                # a copy compared with an original of its own format, and with all originals
                base = costs.get("original" + kind.partition(" ")[1] + kind.partition(" ")[2])
                share = costs[kind] / costs["original"] if costs.get("original") else None
                same = costs[kind] / base if base else None
                lines.append(f"| {kind} | {costs[kind]:.1f} | {_fmt(share, '.3f')} "
                             f"| {_fmt(same, '.3f')} |")
    staged = [r for r in results if r.stage_ms]
    lines += [
        "",
        f"{level}# {STAGE_COST}, beside the library call inside it",
        "",
        "ms per article over the whole feed (duplicates included). libraries and baseline: CPU "
        "time in the process (the bare call; the stage function); newsflow: wall time of the "
        "stage in its worker process (its /metrics), which on a busy machine includes waiting "
        "for the CPU and for PostgreSQL.",
        "",
        "| stage | library call | "
        + " | ".join(f"{r.mode} x{r.processes} {r.when}".strip() for r in staged) + " |",
        "| --- | --- |" + " ---: |" * len(staged),
    ]
    for stage in STAGE_NAMES:
        cells = [_fmt(r.stage_ms.get(stage), ".1f") for r in staged]
        lines.append(f"| {stage} | {LIBRARY_OF_STAGE.get(stage, '-')} | "
                     + " | ".join(cells) + " |")
    totals = [_fmt(sum(r.stage_ms.values()), ".1f") for r in staged]
    lines.append("| all | | " + " | ".join(totals) + " |")
    sql = [_fmt(r.sql_per_article, ".1f") for r in staged]
    lines.append("| SQL statements per article | | " + " | ".join(sql) + " |")
    return lines


DUPLICATE_PATH, STAGE_COST = "The duplicate path", "Stage cost per article"
# the README shows each round's runs and targets; the detail tables stay in the report
README_SKIPS = (DUPLICATE_PATH, STAGE_COST, "Hot path")


BEGIN, END = "<!-- performance:begin -->", "<!-- performance:end -->"


def readme_block(readme: str, report: str) -> str:
    """README.md with its performance block replaced by the report's runs and targets."""
    head, sep, rest = readme.partition(BEGIN)
    _old, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"README.md has no {BEGIN} ... {END} block")
    kept: list[str] = []
    skipping_below = 0  # inside a skipped section: its heading level, else 0
    for line in report.removeprefix("# Performance\n\n").splitlines():
        level = len(line) - len(line.lstrip("#")) if line.startswith("#") else 0
        if level and skipping_below and level <= skipping_below:
            skipping_below = 0
        if level and line.lstrip("# ").startswith(README_SKIPS):
            skipping_below = level
        if not skipping_below:
            kept.append(line)
    return f"{head}{BEGIN}\n{chr(10).join(kept).strip()}\n{END}{tail}"
