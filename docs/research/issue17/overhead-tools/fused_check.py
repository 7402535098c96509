import sys, os, tempfile
sys.path.insert(0, os.getcwd())
from tasks.storage import ledger
from tasks.storage.db import get_engine, migrate
url = f"sqlite:///{tempfile.mkdtemp(prefix='overhead_', dir='/tmp')}/fused.db"
migrate(url); engine = get_engine(url)
ledger.record_enqueued(engine, [{"id": "seed", "batch_id": "b1", "source": "/x", "source_kind": "file"}])
counts = []
for _ in range(3):  # a [fetch, clean] message delivered three times, its worker killed in clean each time
    counts.append((ledger.record_started_many(engine, ["seed"], "fetch")["seed"],
                   ledger.record_started_many(engine, ["seed"], "clean")["seed"]))
print("deliveries _admit sees (fetch, clean) per delivery:", counts)
counts = [ledger.record_started_many(engine, ["seed"], "clean")["seed"] for _ in range(3)]
print("a [clean] message delivered three times:", counts)
