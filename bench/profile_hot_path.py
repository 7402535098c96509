"""Where the CPU of one article goes: pyinstrument over the in-process chain.

Run: ``.venv/bin/python bench/profile_hot_path.py [--articles 100] [--corpus DIR]``
(``bench/throughput.py --profile N`` runs it too and puts the table in its report).

The chain is run exactly as the baseline runs it (``tasks.pipeline.run_inline_batch`` on
micro-batches, models loaded before the profiler starts, storing into a throw-away SQLite
database so the profile needs no server, or into ``--database-url``). Self time is
attributed to the library whose file it is (spaCy and thinc, trafilatura and lxml,
SQLAlchemy and the driver ...), then the single functions with the most self time are
listed. ``--feed`` profiles the throughput bench's feed instead of the dev pages.

``--store-only`` looks at the store alone: the chain runs once, unprofiled, up to the store
(the store's inputs of every message are kept, copies recognised by the gates included),
then those inputs are stored again into a fresh database with cProfile on: the store's CPU
ms and SQL statements per article (an executemany counted once, and by its rows) and its
costliest functions. Run it against two checkouts (``PYTHONPATH``) over the same
``--store-inputs`` file for an A/B of the store.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Cost", "Profile", "library_of", "main", "profile_articles", "profile_feed"]

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


@dataclass(frozen=True)
class Cost:
    name: str
    seconds: float
    share: float


@dataclass(frozen=True)
class Profile:
    articles: int
    seconds: float
    libraries: list[Cost]
    functions: list[Cost]

    @property
    def ms_per_article(self) -> float:
        return 1000 * self.seconds / self.articles if self.articles else 0.0


def library_of(file_path: str) -> str:
    """``.../site-packages/spacy/x.py`` -> ``spacy``; project files -> their top package."""
    parts = Path(file_path).parts
    if "site-packages" in parts:
        name = parts[parts.index("site-packages") + 1]
        return name.split(".")[0].removesuffix(".py")
    if not Path(file_path).is_absolute() and len(parts) > 1:
        return parts[0]  # Cython sources are named relative: "spacy/tokenizer.pyx"
    for top in ("tasks", "workers", "config", "bench"):
        if top in parts:
            return f"newsflow:{parts[parts.index(top) + 1].removesuffix('.py')}"
    if "python3" in "/".join(parts) or file_path.startswith("<"):
        return "python stdlib/builtins"
    return Path(file_path).name


def _walk(frame: Any, libraries: Counter[str], functions: Counter[str]) -> None:
    # pyinstrument puts a frame's own time in synthetic "[self]" children: credit the frame.
    real = [c for c in frame.children if not c.is_synthetic]
    own = frame.time - sum(c.time for c in real)
    if own > 0 and not frame.is_synthetic:
        libraries[library_of(frame.file_path or "<built-in>")] += own
        functions[f"{frame.function} ({frame.file_path_short}:{frame.line_no})"] += own
    for child in real:
        _walk(child, libraries, functions)


def profile_articles(files: list[Path], batch_size: int = 8, top: int = 12,
                     database_url: str | None = None) -> Profile:
    """Profile the whole chain over ``files``; models are loaded before the clock starts."""
    return _profile(_articles([str(f) for f in files]), batch_size, top, database_url)


def profile_feed(feed: Path, count: int, batch_size: int = 8, top: int = 12,
                 database_url: str | None = None) -> Profile:
    """The same over the first ``count`` items of a feed (the throughput bench's mix: its
    copies included, so the duplicate path is in the profile in its share)."""
    return _profile(_articles([str(feed)])[:count], batch_size, top, database_url)


def _profile(articles: list[Any], batch_size: int, top: int,
             database_url: str | None) -> Profile:
    from pyinstrument import Profiler

    from config.settings import load_settings
    from tasks.pipeline import run_inline_batch
    from tasks.storage.db import migrate
    from workers.runtime.preload import preload_models

    with tempfile.TemporaryDirectory(prefix="newsflow-profile-") as folder:
        url = database_url or f"sqlite:///{folder}/profile.db"
        settings = load_settings(database_url=url)
        migrate(url)
        preload_models(settings)
        profiler = Profiler(interval=0.001)
        profiler.start()
        for start in range(0, len(articles), batch_size):
            run_inline_batch(articles[start : start + batch_size], settings)
        session = profiler.stop()
    libraries: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    root = session.root_frame()
    if root is not None:
        _walk(root, libraries, functions)
    total = session.duration or 1.0

    def costs(counter: Counter[str]) -> list[Cost]:
        return [
            Cost(name, round(sec, 3), round(sec / total, 4))
            for name, sec in counter.most_common(top)
        ]

    return Profile(len(articles), round(session.duration, 3), costs(libraries), costs(functions))


def _articles(paths: list[str]) -> list[Any]:
    import uuid

    from tasks.models import Article
    from tasks.sources import SourceItem, iter_sources

    articles = []
    for item in iter_sources(paths):
        if isinstance(item, SourceItem):
            articles.append(
                Article(
                    id=uuid.uuid4().hex,
                    batch_id="profile",
                    source=item.source,
                    source_kind=item.source_kind,
                    hints=item.hints,
                    inline_content=item.inline_content,
                    inline_content_type=item.inline_content_type,
                )
            )
    return articles


def _corpus_feed(corpus: Path, count: int, inputs: Path) -> Path:
    """The dev pages as a feed of file paths (what ``iter_sources`` reads)."""
    feed = inputs.with_suffix(".feed.txt")
    feed.write_text("".join(f"{f}\n" for f in sorted(corpus.glob("*.html"))[:count]))
    return feed


def capture_store_inputs(feed: Path, count: int, admin_url: str, out: Path,
                         batch_size: int = 8) -> None:
    """Run the chain over ``feed`` (a fresh database on ``admin_url``'s server) and write the
    store's input of every message to ``out``, one JSON list of payloads per line."""
    import json

    from bench.bench_support import temporary_database
    from config.settings import load_settings
    from tasks import pipeline
    from tasks.codec import encode
    from tasks.storage.db import migrate
    from workers.runtime.preload import preload_models

    lines: list[str] = []
    real = pipeline.run_stage_batch

    def keep(stage: str, articles: list[Any], resources: Any, **kw: Any) -> Any:
        if stage == "store":
            lines.append(json.dumps([encode(a) for a in articles]))
        return real(stage, articles, resources, **kw)

    articles = _articles([str(feed)])[:count]
    with temporary_database(admin_url, "nf_profile_capture") as url:
        settings = load_settings(database_url=url)
        migrate(url)
        preload_models(settings)
        pipeline.run_stage_batch = keep  # type: ignore[assignment]
        try:
            for start in range(0, len(articles), batch_size):
                pipeline.run_inline_batch(articles[start : start + batch_size], settings)
        finally:
            pipeline.run_stage_batch = real  # type: ignore[assignment]
    out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def profile_store(inputs: Path, admin_url: str, top: int = 25) -> str:
    """Store the messages of ``inputs`` into a fresh database under cProfile: CPU and SQL
    statements per article, then the functions with the most cumulative and own time."""
    import cProfile
    import io
    import json
    import pstats
    import time

    from sqlalchemy import Engine, event

    from bench.bench_support import temporary_database
    from config.settings import load_settings
    from tasks.codec import decode
    from tasks.pipeline import InlineResources, run_stage_batch
    from tasks.storage.db import migrate

    messages = [[decode(p) for p in json.loads(line)]
                for line in inputs.read_text(encoding="utf-8").split("\n") if line.strip()]
    counts: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, _sql: str, parameters: Any, _context: Any,
              executemany: bool) -> None:
        counts["statements"] += 1
        counts["rows"] += len(parameters) if executemany else 1

    profiler = cProfile.Profile()
    cpu = 0.0
    with temporary_database(admin_url, "nf_profile_store") as url:
        settings = load_settings(database_url=url)
        migrate(url)
        resources = InlineResources(settings)
        event.listen(Engine, "before_cursor_execute", count)
        try:
            for message in messages:
                started = time.process_time()
                profiler.enable()
                run_stage_batch("store", message, resources)
                profiler.disable()
                cpu += time.process_time() - started
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    n = sum(len(m) for m in messages) or 1
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return (f"{n} articles in {len(messages)} messages: store {1000 * cpu / n:.1f} ms CPU per "
            f"article under cProfile, {counts['statements'] / n:.2f} SQL statements per article "
            f"({counts['rows'] / n:.1f} counting each row of an executemany)\n{text.getvalue()}")


def markdown(profile: Profile) -> str:
    lines = [
        f"{profile.articles} articles, {profile.seconds:.1f} s of wall time in the chain "
        f"({profile.ms_per_article:.0f} ms per article, one process, pyinstrument 1 ms "
        "sampling).",
        "",
        "| library (self time) | s | share |",
        "| --- | ---: | ---: |",
        *(f"| {c.name} | {c.seconds:.2f} | {c.share:.1%} |" for c in profile.libraries),
        "",
        "| function (self time) | s | share |",
        "| --- | ---: | ---: |",
        *(f"| `{c.name}` | {c.seconds:.2f} | {c.share:.1%} |" for c in profile.functions),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--feed", type=Path, default=None,
                        help="a JSONL feed (bench/throughput_mix.py) instead of the corpus")
    parser.add_argument("--database-url", default=None,
                        help="store into this database (default: a throw-away SQLite file)")
    parser.add_argument("--store-only", action="store_true",
                        help="profile the store stage alone (module doc); needs --database-url"
                             " (a server URL: each replay gets a fresh database there)")
    parser.add_argument("--store-inputs", type=Path, default=None,
                        help="with --store-only: the store's inputs (JSONL), written when missing")
    args = parser.parse_args(argv)
    if args.store_only:
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench.bench_support
        if not args.database_url:
            parser.error("--store-only needs --database-url (a PostgreSQL server's admin URL)")
        inputs = args.store_inputs or Path(tempfile.mkdtemp()) / "store-inputs.jsonl"
        if not inputs.exists():
            feed = args.feed or _corpus_feed(args.corpus, args.articles, inputs)
            capture_store_inputs(feed, args.articles, args.database_url, inputs)
        print(profile_store(inputs, args.database_url))
        return
    if args.feed is not None:
        profile = profile_feed(args.feed, args.articles, database_url=args.database_url)
    else:
        files = sorted(args.corpus.glob("*.html"))[: args.articles]
        profile = profile_articles(files, database_url=args.database_url)
    print(markdown(profile))


if __name__ == "__main__":
    main()
