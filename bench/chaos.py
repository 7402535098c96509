"""Chaos run: thousands of articles through two worker "hosts", one killed with kill -9 at
random every ``--kill-every`` seconds, then restarted; all must end terminal, none twice.

Run (it takes 15-25 minutes on a busy two-core machine)::

    .venv/bin/python bench/chaos.py --articles 5000 --write

Each "host" is one ``newsflow worker`` in its own process group (its main process and pool
children: a kill -9 of the group is a host lost). Services are private to the run: its own
redis-server (no persistence) on a free port and a fresh PostgreSQL database on the
machine's server (``--postgres``). Every worker runs with default reliability settings
(30 s lease, one-hour visibility timeout). ``newsflow sweep --older-than 60`` runs every 30 s,
as `celery beat` would in production: it does nothing while the queues hold messages, and
only covers kombu's known gap (a message taken off its queue but not yet recorded as
unacknowledged by the process killed; see ``workers.leases``).

Inputs: ``--articles`` files with distinct names, copies of the dev-corpus pages (HTML) and
of the stories-dev texts (plain text, title and body); the same content under two names is
one stored article and one ``duplicate``.

For every kill: the messages and items the host held (its lease's record in Redis, read at
the kill), when a live worker restored them (``restored s``: the lease expired and its tags
went back to their queues) and when every item it held was terminal (``recovery s``). The
end: the database audited as in the fault suite (all terminal, none lost, none stored twice).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_support import free_port, temporary_database  # noqa: E402
from workers.leases import LeaseKeys, held_item_ids  # noqa: E402

SHARED = Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))
if not SHARED.exists():
    SHARED = Path("/work/shared")
TERMINAL = ("stored", "duplicate", "rejected", "dead")
LEASES = "newsflow.lease"  # <pipeline.queue_prefix>.lease with the default prefix


def make_inputs(folder: Path, count: int) -> int:
    """``count`` files with distinct names; returns how many distinct contents they hold."""
    originals: list[tuple[str, bytes]] = [
        (page.name, page.read_bytes())
        for page in sorted((SHARED / "corpus" / "dev").glob("*.html"))]
    pairs = (SHARED / "corpus" / "stories-dev" / "pairs.jsonl").read_text(encoding="utf-8")
    for number, line in enumerate(pairs.splitlines()):
        record = json.loads(line)
        for side in ("1", "2"):
            text = f"{record.get('title' + side) or ''}\n\n{record.get('text' + side) or ''}"
            originals.append((f"story-{number}-{side}.txt", text.encode("utf-8")))
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        name, data = originals[number % len(originals)]
        (folder / f"{number:05d}-{name}").write_bytes(data)
    return len({data for _, data in originals[:count]})


@dataclass
class Host:
    name: str
    env: dict[str, str]
    log: Path
    concurrency: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workers", "worker", "--concurrency",
                 str(self.concurrency), "--loglevel", "INFO", "--hostname",
                 f"{self.name}@%h"],
                env=self.env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group: the "host"

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):  # its orphaned pool children
                os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Kill:
    number: int
    at_s: float
    host: str
    owner: str | None
    messages: int
    items: set[str] = field(default_factory=set)
    killed_at: float = 0.0
    restored_s: float | None = None
    recovery_s: float | None = None


class Chaos:
    def __init__(self, redis_url: str, database_url: str) -> None:
        import redis
        from sqlalchemy import create_engine

        self.redis = redis.Redis.from_url(redis_url, decode_responses=True)
        self.engine = create_engine(database_url, pool_pre_ping=True)

    def counts(self) -> dict[str, int]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT state, count(*) FROM items GROUP BY state")).all()
        return {str(s): int(n) for s, n in rows}

    def owner_of(self, pid: int) -> str | None:
        for owner in self.redis.smembers(f"{LEASES}.owners"):
            if str(owner).split(":")[1] == str(pid):
                return str(owner)
        return None

    def held_items(self, owner: str) -> tuple[int, set[str]]:
        """The messages ``owner`` held unacknowledged, and the item ids in them."""
        return held_item_ids(self.redis, LeaseKeys(LEASES), owner)

    def not_terminal(self, items: set[str]) -> int:
        from sqlalchemy import text

        if not items:
            return 0
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT state FROM items WHERE id = ANY(:ids)"),
                                {"ids": sorted(items)}).all()
        return sum(1 for (s,) in rows if s not in TERMINAL) + len(items) - len(rows)

    def audit(self, expected: int) -> dict[str, int]:
        from sqlalchemy import text

        queries = {
            "ledger_rows": "SELECT count(*) FROM items",
            "orphans": "SELECT count(*) FROM articles a LEFT JOIN items i ON i.id = a.item_id "
                       "WHERE i.id IS NULL OR i.state NOT IN ('stored', 'duplicate')",
            "hash_twice": "SELECT count(*) FROM (SELECT content_hash FROM articles WHERE "
                          "duplicate_of IS NULL GROUP BY content_hash HAVING count(*) > 1) t",
            "item_twice": "SELECT count(*) FROM (SELECT item_id FROM articles GROUP BY item_id "
                          "HAVING count(*) > 1) t",
            "articles": "SELECT count(*) FROM articles",
            "originals": "SELECT count(*) FROM articles WHERE duplicate_of IS NULL",
        }
        with self.engine.connect() as conn:
            found = {k: int(conn.execute(text(q)).scalar() or 0) for k, q in queries.items()}
        counts = self.counts()
        stored_or_dup = counts.get("stored", 0) + counts.get("duplicate", 0)
        return {
            "items": expected,
            **{s: counts.get(s, 0) for s in TERMINAL},
            "not_terminal": counts.get("queued", 0) + counts.get("processing", 0),
            "lost": max(0, expected - found["ledger_rows"]),
            "stored_twice": found["orphans"] + found["hash_twice"] + found["item_twice"]
            + abs(found["articles"] - stored_or_dup)
            + abs(found["originals"] - counts.get("stored", 0)),
        }


def run(args: argparse.Namespace) -> tuple[dict[str, Any], list[Kill], list[str]]:
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="newsflow-chaos-"))
    inputs = workdir / "inputs"
    distinct = make_inputs(inputs, args.articles)
    redis_port = free_port()
    redis_proc = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    hosts: list[Host] = []
    kills: list[Kill] = []
    sweeps: list[str] = []
    try:
        with temporary_database(args.postgres, "newsflow_chaos") as database_url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
            env.update({"NEWSFLOW_BROKER_URL": redis_url, "NEWSFLOW_DATABASE_URL": database_url,
                        "NEWSFLOW_FETCH__ALLOWED_ROOTS": json.dumps([str(inputs)]),
                        "NEWSFLOW_LOG_LEVEL": "INFO"})
            chaos = Chaos(redis_url, database_url)
            hosts = [Host(f"host{n}", env, workdir / f"host{n}.log", args.concurrency)
                     for n in range(args.hosts)]
            for host in hosts:
                host.start()
            started = time.monotonic()
            enqueue = subprocess.run([sys.executable, "-m", "workers", "enqueue", str(inputs)],
                                     env=env, cwd=REPO, capture_output=True, text=True,
                                     check=False)
            if enqueue.returncode != 0:
                raise SystemExit(f"enqueue failed: {enqueue.stderr[-3000:]}")
            print(f"[chaos] {args.articles} items enqueued ({distinct} distinct contents) in "
                  f"{time.monotonic() - started:.0f} s; {workdir}", flush=True)
            next_kill = started + args.kill_every
            next_sweep = started + args.sweep_every
            last_print = 0.0
            deadline = started + args.max_minutes * 60
            while True:
                now = time.monotonic()
                counts = chaos.counts()
                done = sum(counts.get(s, 0) for s in TERMINAL)
                for kill in kills:
                    if kill.restored_s is None and kill.owner is not None and not \
                            chaos.redis.sismember(f"{LEASES}.owners", kill.owner):
                        kill.restored_s = round(now - kill.killed_at, 1)
                    if kill.recovery_s is None and chaos.not_terminal(kill.items) == 0:
                        kill.recovery_s = round(now - kill.killed_at, 1)
                        print(f"[chaos] kill {kill.number} ({kill.host}, {len(kill.items)} "
                              f"items held): restored {kill.restored_s} s, recovered "
                              f"{kill.recovery_s} s after the kill", flush=True)
                for host in hosts:
                    if host.process is not None and host.process.poll() is not None:
                        tail = host.log.read_text(errors="replace")[-3000:]
                        raise SystemExit(f"{host.name} exited by itself: {tail}")
                if done >= args.articles and sum(counts.values()) >= args.articles:
                    break
                if now > deadline:
                    print(f"[chaos] gave up after {args.max_minutes} min: {counts}")
                    break
                if now >= next_kill:
                    host = rng.choice(hosts)
                    assert host.process is not None
                    owner = chaos.owner_of(host.process.pid)
                    kill = Kill(len(kills) + 1, round(now - started, 1), host.name, owner, 0)
                    host.kill()
                    kill.killed_at = time.monotonic()
                    if owner is not None:
                        kill.messages, kill.items = chaos.held_items(owner)
                    kills.append(kill)
                    print(f"[chaos] kill -9 of {host.name} at {kill.at_s} s: it held "
                          f"{kill.messages} messages, {len(kill.items)} items; restarted",
                          flush=True)
                    host.start()
                    next_kill = now + args.kill_every
                if now >= next_sweep:
                    swept = subprocess.run(
                        [sys.executable, "-m", "workers", "sweep", "--older-than", "60"],
                        env=env, cwd=REPO, capture_output=True, text=True, check=False)
                    last = (swept.stderr.strip().splitlines() or ["?"])[-1]
                    if last.startswith("re-sent") and not last.startswith("re-sent 0"):
                        sweeps.append(f"{now - started:.0f} s: {last}")
                    next_sweep = now + args.sweep_every
                if now - last_print > 60:
                    print(f"[chaos] {now - started:.0f} s: {counts}", flush=True)
                    last_print = now
                time.sleep(1)
            wall = time.monotonic() - started
            for host in hosts:
                host.stop()
            result: dict[str, Any] = {
                "articles": args.articles, "distinct": distinct, "hosts": args.hosts,
                "concurrency": args.concurrency, "kill_every": args.kill_every,
                "seed": args.seed, "wall_s": round(wall, 1), **chaos.audit(args.articles),
            }
            chaos.engine.dispose()
            return result, kills, sweeps
    finally:
        for host in hosts:
            host.stop()
        redis_proc.terminate()
        redis_proc.wait(timeout=10)


def render(result: dict[str, Any], kills: list[Kill], sweeps: list[str], command: str) -> str:
    recoveries = [k.recovery_s for k in kills if k.recovery_s is not None and k.items]
    lines = [
        "# Chaos run",
        "",
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]}; the machine was shared "
        "with other work, so times are noisy). Do not edit by hand: run the command again.",
        "",
        f"{result['articles']} articles ({result['distinct']} distinct contents, the rest "
        f"the same content under other names) through {result['hosts']} worker hosts "
        f"(`newsflow worker --concurrency {result['concurrency']}`, each its own process "
        "group) on a private redis-server (no persistence) and a fresh PostgreSQL database, "
        f"default settings (30 s lease). Every {result['kill_every']} s one host, chosen at "
        f"random (seed {result['seed']}), is killed with kill -9 of its whole process group "
        "and started again at once. `newsflow sweep --older-than 60` runs every 30 s as "
        "`celery beat` would (a no-op while the queues hold messages).",
        "",
        "## Outcome (read from the database)",
        "",
        "| items | stored | duplicate | rejected | dead | not terminal | lost | stored twice "
        "| wall s | kills |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['items']} | {result['stored']} | {result['duplicate']} | "
        f"{result['rejected']} | {result['dead']} | {result['not_terminal']} | "
        f"{result['lost']} | {result['stored_twice']} | {result['wall_s']} | {len(kills)} |",
        "",
        "## Each kill",
        "",
        "`held`: the messages and items the host held unacknowledged at the kill (its lease's "
        "record). `restored s`: kill -> a live worker found the lease expired and put those "
        "messages back on their queues. `recovery s`: kill -> every item it held terminal.",
        "",
        "| kill | at s | host | held messages | held items | restored s | recovery s |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for kill in kills:
        lines.append(
            f"| {kill.number} | {kill.at_s} | {kill.host} | {kill.messages} | "
            f"{len(kill.items)} | {'' if kill.restored_s is None else kill.restored_s} | "
            f"{'' if kill.recovery_s is None else kill.recovery_s} |")
    if recoveries:
        ordered = sorted(recoveries)
        lines += ["", f"Recovery of the {len(ordered)} kills that held items: median "
                  f"{ordered[len(ordered) // 2]} s, max {ordered[-1]} s."]
    lines += ["", "Sweeps that re-sent something (kombu's gap): "
              + ("; ".join(sweeps) if sweeps else "none") + ".", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--kill-every", type=float, default=45.0)
    parser.add_argument("--sweep-every", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--postgres",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--write", action="store_true", help="write docs/chaos.md")
    args = parser.parse_args()
    # A SIGTERM ends the run through its finally blocks: hosts, redis-server and database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result, kills, sweeps = run(args)
    command = "bench/chaos.py " + " ".join(sys.argv[1:])
    report = render(result, kills, sweeps, command)
    print(report)
    if args.write:
        (REPO / "docs" / "chaos.md").write_text(report, encoding="utf-8")
        print("wrote docs/chaos.md")
    ok = result["not_terminal"] == 0 and result["lost"] == 0 and result["stored_twice"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
