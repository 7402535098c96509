"""Run bench/throughput.py of the tree in the cwd with PostgreSQL databases named newsflow_overhead_*."""
import contextlib, os, sys
sys.path.insert(0, os.getcwd())
import bench.throughput as t
_orig = t.temporary_database
@contextlib.contextmanager
def renamed(admin_url, prefix):
    with _orig(admin_url, "newsflow_overhead_" + prefix) as url:
        yield url
t.temporary_database = renamed
t.main(sys.argv[1:])
