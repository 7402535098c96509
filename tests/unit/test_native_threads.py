"""The worker's one-thread-per-process limit reaches numpy's OpenBLAS, also in forked children.

Run in a fresh interpreter: the limit is process state, and this test process's own
libraries must keep their defaults for the other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_SCRIPT = """
import json, multiprocessing, os
from workers.runtime.native_threads import limit_native_threads, native_thread_counts
import numpy
before = native_thread_counts()
limit_native_threads({threads})
after = native_thread_counts()
with multiprocessing.get_context("fork").Pool(1) as pool:
    child = pool.apply(native_thread_counts)
print(json.dumps({{"before": before, "after": after, "child": child,
                   "env": os.environ.get("OPENBLAS_NUM_THREADS")}}))
"""


def _run(threads: int) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT.format(threads=threads)],
                          capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _openblas(counts: object) -> list[int]:
    assert isinstance(counts, dict)
    return [n for name, n in counts.items() if name == "blas:openblas"]


@pytest.mark.parametrize("threads", [1, 2])
def test_the_limit_reaches_openblas_and_forked_children(threads: int) -> None:
    result = _run(threads)
    assert _openblas(result["after"]) == [threads]
    assert _openblas(result["child"]) == [threads]
    assert result["env"] == str(threads)


def test_zero_leaves_the_library_default() -> None:
    result = _run(0)
    assert _openblas(result["after"]) == _openblas(result["before"])
    assert result["env"] is None
