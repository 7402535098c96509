"""Bar charts as geometry for an inline SVG drawn by the template (``_chart.html``): no
script, no library, nothing fetched. Days with nothing between the first and the last are
drawn as empty slots, so gaps in time show as gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Bar", "Chart", "bar_chart"]

MAX_BAR = 40.0
MAX_FILLED_DAYS = 400  # beyond that, only the days that have a value get a bar
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 160, 12, 22, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    top: float
    left: float
    max_value: int
    first: str
    last: str
    title: str


def _filled(points: list[tuple[str, int]]) -> list[tuple[str, int]]:
    try:
        days = [date.fromisoformat(day) for day, _ in points]
    except ValueError:
        return points
    span = (max(days) - min(days)).days + 1
    if span > MAX_FILLED_DAYS:
        return points
    values = dict(points)
    start = min(days)
    return [((start + timedelta(d)).isoformat(), values.get((start + timedelta(d)).isoformat(), 0))
            for d in range(span)]


def bar_chart(points: list[tuple[str, int]], title: str) -> Chart | None:
    """Bars for (day, value) pairs in day order; None when there is nothing to draw."""
    if not points:
        return None
    points = _filled(sorted(points))
    top_value = max(max(v for _, v in points), 1)
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)
    bar_w = min(max(slot * 0.8, 1.0), MAX_BAR)  # one day alone is a bar, not a wall
    bars = []
    for i, (day, value) in enumerate(points):
        h = plot_h * value / top_value
        bars.append(Bar(round(LEFT + i * slot + (slot - bar_w) / 2, 2),
                        round(TOP + plot_h - h, 2), round(bar_w, 2), round(h, 2), day, value))
    return Chart(bars, WIDTH, HEIGHT, TOP + plot_h, TOP, LEFT, top_value, points[0][0],
                 points[-1][0], title)
