"""Durations as people type them: ``90s``, ``15m``, ``2h``, ``1d``, ``1h30m`` or plain seconds."""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; ValueError naming the accepted spellings when it is not one."""
    value = text.strip().lower().replace(" ", "")
    try:
        return float(value)
    except ValueError:
        pass
    parts = _PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"{text!r} is not a duration (examples: 90s, 15m, 2h, 1d, 1h30m)")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: float | None) -> str:
    """The largest units that say ``seconds`` exactly enough for a table (``1h30m``)."""
    if seconds is None:
        return ""
    rest = round(seconds)
    out = []
    for unit in ("d", "h", "m", "s"):
        size = _UNITS[unit]
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(out[:2]) or "0s"
