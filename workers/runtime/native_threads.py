"""One native math thread per worker process: parallelism comes from the pool's processes.

numpy's OpenBLAS (the sentence encoder's matrix products) starts one thread per core in
every process that uses it. A worker with 2 pool processes on 2 cores then runs 4 BLAS
threads that spin while they wait for work, and the processes slow each other down: the
bare library loop of bench/throughput.py ran at 23-27 articles/s with 2 processes and the
default threads, at 59-67 with one thread per process (and 1 process was no slower).

``threadpoolctl`` sets the limit on the libraries already loaded (it finds OpenBLAS, blis,
OpenMP by their symbols); the environment variables cover a library loaded later, in this
process or a child it starts. A forked pool child inherits the limit with the library's
memory.
"""

from __future__ import annotations

import os

__all__ = ["limit_native_threads", "native_thread_counts"]

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "BLIS_NUM_THREADS",
                     "MKL_NUM_THREADS")


def limit_native_threads(threads: int) -> None:
    """Limit every native thread pool of this process to ``threads`` (0: leave the default)."""
    if threads <= 0:
        return
    import numpy  # noqa: F401  (loads OpenBLAS, so that the limit below reaches it)
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    for name in _THREAD_VARIABLES:
        os.environ[name] = str(threads)
    threadpool_limits(limits=threads)


def native_thread_counts() -> dict[str, int]:
    """Threads of each native pool loaded in this process, by library (for tests and logs)."""
    from threadpoolctl import threadpool_info

    return {f"{info['user_api']}:{info['internal_api']}": int(info["num_threads"])
            for info in threadpool_info()}
