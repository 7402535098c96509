"""workers.runtime.memory: freed heap memory really goes back to the OS (glibc only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from workers.runtime.memory import _glibc, release_free_memory

pytestmark = pytest.mark.skipif(_glibc() is None, reason="glibc malloc only")

# Run in a fresh interpreter: the test's own process has a heap shaped by everything else.
_SCRIPT = textwrap.dedent(
    """
    import sys
    from workers.runtime.memory import release_free_memory

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    blocks = [bytearray(1024) for _ in range(60_000)]  # ~60 MB of heap, below mmap size
    pinned = bytearray(1024)  # allocated last: keeps the heap's top from shrinking by itself
    del blocks
    before = rss_mb()
    trim = sys.argv[1] == "trim"
    if trim:
        release_free_memory()
    print(before, rss_mb())
    """
)


def _rss_before_after(mode: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def test_release_returns_freed_heap_pages_to_the_os() -> None:
    kept_before, kept_after = _rss_before_after("keep")
    trimmed_before, trimmed_after = _rss_before_after("trim")
    # Without the trim the freed 60 MB stay resident; with it most of them leave.
    assert kept_before - kept_after < 5
    assert trimmed_before - trimmed_after > 40


_GROWN_SCRIPT = textwrap.dedent(
    """
    from workers.runtime.memory import release_grown_memory, resident_mb

    def churn(kb):  # what a message does: allocate, then free, below mmap size
        blocks = [bytearray(1024) for _ in range(kb)]
        pinned = bytearray(1024)  # keeps the heap's top from shrinking by itself
        del blocks
        return pinned

    first = release_grown_memory(margin_mb=40)
    keep = [churn(20_000)]  # ~20 MB freed: under the margin, the pages stay for reuse
    small = release_grown_memory(margin_mb=40)
    kept = resident_mb()
    keep.append(churn(80_000))  # ~80 MB more: over the margin since the last trim
    before = resident_mb()
    large = release_grown_memory(margin_mb=40)
    print(first, small, large, before - kept, before - resident_mb())
    """
)


def test_only_growth_past_the_margin_is_given_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _GROWN_SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    first, small, large = (word == "True" for word in out[:3])
    grown, released = float(out[3]), float(out[4])
    assert first and not small and large  # the first call trims; then only past the margin
    assert grown > 40 and released > 40  # the large batch's pages left with the trim


def test_release_reports_that_it_ran_on_glibc() -> None:
    assert release_free_memory() is True


def _released_after_a_task(monkeypatch: pytest.MonkeyPatch, enabled: bool) -> int:
    from celery.signals import task_postrun

    from config.settings import get_settings
    from workers.runtime import signals

    calls: list[bool] = []
    monkeypatch.setattr(signals, "release_grown_memory", lambda: calls.append(True) or True)
    monkeypatch.setenv("NEWSFLOW_CELERY__RELEASE_MEMORY", str(enabled).lower())
    get_settings.cache_clear()
    try:
        task_postrun.send(sender=None, task_id="t", task=None, args=(), kwargs={})
    finally:
        get_settings.cache_clear()
    return len(calls)


def test_every_finished_task_checks_for_memory_to_release_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _released_after_a_task(monkeypatch, enabled=True) == 1
    assert _released_after_a_task(monkeypatch, enabled=False) == 0
