"""A/B driver (helper 'overhead'): in the tree of the cwd, run baseline xN, newsflow xN, baseline xN
(bench/throughput.py's own functions, PostgreSQL databases named newsflow_overhead_*), and sample
the CPU time of every process involved: the worker's main process, its pool processes, the
baseline's pool processes, and the PostgreSQL backends of our databases."""
import argparse, contextlib, os, sys, threading, time, json
sys.path.insert(0, os.getcwd())
import bench.throughput as t
from bench.bench_support import temporary_database as _orig

@contextlib.contextmanager
def renamed(admin_url, prefix):
    with _orig(admin_url, "newsflow_overhead_" + prefix) as url:
        yield url
t.temporary_database = renamed
TICK = os.sysconf("SC_CLK_TCK")
ME = os.getpid()

def procs():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit(): continue
        try:
            stat = open(f"/proc/{d}/stat").read()
            cmd = open(f"/proc/{d}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        ppid, sid = int(rest[1]), int(rest[3])
        cpu = (int(rest[11]) / TICK, int(rest[12]) / TICK)
        out[int(d)] = (ppid, sid, cpu, cmd)
    return out

class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True); self.last = {}; self.label = None; self.stop_ = False
    def run(self):
        while not self.stop_:
            ps = procs()
            mine = {ME}
            changed = True
            while changed:
                changed = False
                for pid, (ppid, sid, cpu, cmd) in ps.items():
                    if pid not in mine and (ppid in mine or sid in mine and sid != 0 and sid != ME and False):
                        mine.add(pid); changed = True
            worker_sids = {pid for pid in mine if "workers worker" in ps[pid][3] and ps[pid][0] == ME}
            for pid, (ppid, sid, cpu, cmd) in ps.items():
                kind = None
                if cmd.startswith("postgres:") and " newsflow_overhead_" in cmd:
                    kind = "pg"
                elif pid in worker_sids:
                    kind = "worker main"
                elif sid in worker_sids:
                    kind = "worker pool"
                elif pid in mine and pid != ME:
                    kind = "baseline pool"
                if kind and self.label:
                    key = (self.label, kind, pid)
                    first = self.last.get(key, (cpu, cpu))[0]
                    self.last[key] = (first, cpu)
            time.sleep(0.3)
    def cpu(self, label):
        res = {}
        for (lab, kind, pid), (first, cpu) in self.last.items():
            if lab == label:
                res[kind] = res.get(kind, 0.0) + sum(cpu) - sum(first)
                res[kind + " sys"] = res.get(kind + " sys", 0.0) + cpu[1] - first[1]
        return res

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--tag", required=True)
    p.add_argument("--modes", default="baseline,newsflow,baseline")
    p.add_argument("--worker-env", action="append", default=[])
    a = p.parse_args()
    from config.settings import get_settings
    from workers.runtime.preload import preload_models
    from bench.throughput_mix import make_mix
    import tempfile
    from pathlib import Path
    batch = get_settings().pipeline.batch_size
    sampler = Sampler(); sampler.start()
    admin = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    results = []
    orig_ready = t._wait_ready
    with tempfile.TemporaryDirectory(prefix="overhead_bench_", dir="/tmp") as tmp:
        work = Path(tmp)
        mix = make_mix(t.DEFAULT_CORPUS, t.DEFAULT_PAIRS, work / "mix.jsonl", 0.2, limit=a.articles)
        preload_models(get_settings())
        for i, spec in enumerate(a.modes.split(",")):
            mode, *envs = spec.split("+")
            label = f"{i}:{spec}"
            sampler.label = label
            if mode == "baseline":
                with renamed(admin, "nf_bench_base") as url:
                    r = t.run_baseline(mix, a.processes, url, batch, "")
            else:
                sampler.label = None
                def ready(*args, **kw):
                    orig_ready(*args, **kw)
                    time.sleep(1.0)  # the sampler sees the loaded worker before the clock
                    sampler.label = label
                t._wait_ready = ready
                with renamed(admin, "nf_bench_flow") as url:
                    r = t.run_newsflow(mix.path, a.processes, url, "redis://127.0.0.1:6379/13", batch, work, 3600, dict(kv.split('=', 1) for kv in a.worker_env + envs))
            time.sleep(1.0)
            sampler.label = None
            cpu = sampler.cpu(label)
            n = r.articles
            line = {"tag": a.tag, "mode": spec, "articles": n, "s": round(r.seconds, 1), "rate": round(n / r.seconds, 2),
                    "outcomes": dict(r.outcomes), "rss_mb": [round(x) for x in (r.rss_mb or [])], "pss_mb": [round(x) for x in (getattr(r, "pss_mb", None) or [])], "cpu_ms_per_article": {k: round(1000 * v / n, 1) for k, v in sorted(cpu.items())},
                    "cpu_ms_total": round(1000 * sum(v for k, v in cpu.items() if not k.endswith("sys")) / n, 1),
                    "stage_ms": {k: round(v, 1) for k, v in (r.stage_ms or {}).items()}}
            print(json.dumps(line), flush=True)
    sampler.stop_ = True

main()
