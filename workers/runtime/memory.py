"""Hand memory that a message freed back to the OS, so a worker process's RSS stays flat.

A worker's own memory is mostly the models it loaded once; what one message allocates and
frees on top (lxml trees, spaCy's per-piece arrays, JSON payloads of raw pages) goes back to
glibc's heap, not to the OS, and glibc returns free heap pages only from the heap's top. So
a pool process's RSS ratchets up to the largest batch it has run. ``malloc_trim(0)`` after
every message gives the free pages back (glibc >= 2.8 releases them inside the heap too).
Measured with the in-process chain on the dev corpus (600 articles): at the end 409 -> 389
MB, for 0.3 s of ``malloc_trim`` in all (well under 1 ms per message).

Not done: fixing glibc's mmap threshold (``mallopt(M_MMAP_THRESHOLD)``) saved another 12 MB
after the preload but made spaCy 7 % slower (its arrays are then mapped and unmapped, page
faults included, on every call): measured, and left at glibc's default.

Only after growth (``release_grown_memory``, what a worker calls after each message): a trim
after every message also made the next message fault the same pages in again, so the trim
and the kernel's page faults cost about 2-3 ms of CPU per article in the pool processes
(issue 17, docs/research/issue17/overhead.md; ``celery.release_memory=false`` took the
pool's system time from 3.2-3.6 to 1.5-1.7 ms per article). A message's freed heap is
reused by the next one without a fault; only what the process grew by since its last trim
goes back, once that passes ``TRIM_ABOVE_MB``, so the resident size between messages stays
within that margin of the last trimmed size instead of ratcheting to the largest batch.

Only on glibc: elsewhere (musl, macOS) the call is skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import lru_cache
from typing import Any

__all__ = ["TRIM_ABOVE_MB", "release_free_memory", "release_grown_memory", "resident_mb"]

# Growth of the resident size since the last trim that is given back; below it the freed
# pages stay for the next message (a batch of extract allocates a few tens of MB).
TRIM_ABOVE_MB = 64.0
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
_trimmed_at_mb: float | None = None  # this process's resident size right after its last trim


@lru_cache(maxsize=1)
def _glibc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not hasattr(libc, "malloc_trim"):
        return None
    return libc


def release_free_memory() -> bool:
    """Return the heap's free pages to the OS (``malloc_trim(0)``); False when not on glibc."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def resident_mb() -> float:
    """This process's resident set size now, in MB (``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE_MB


def release_grown_memory(margin_mb: float = TRIM_ABOVE_MB) -> bool:
    """``release_free_memory`` when the process grew by more than ``margin_mb`` since its
    last trim (always, the first time); True when it trimmed."""
    global _trimmed_at_mb
    if _trimmed_at_mb is not None and resident_mb() - _trimmed_at_mb <= margin_mb:
        return False
    if not release_free_memory():
        return False
    _trimmed_at_mb = resident_mb()
    return True
