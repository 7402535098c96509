"""Where the CPU of one article goes: pyinstrument over the in-process chain.

Run: ``.venv/bin/python bench/profile_hot_path.py [--articles 100] [--corpus DIR]``
(``bench/throughput.py --profile N`` runs it too and puts the table in its report).

The chain is run exactly as the baseline runs it (``tasks.pipeline.run_inline_batch`` on
micro-batches, models loaded before the profiler starts, storing into a throw-away SQLite
database so the profile needs no server, or into ``--database-url``). Self time is
attributed to the library whose file it is (spaCy and thinc, trafilatura and lxml,
SQLAlchemy and the driver ...), then the single functions with the most self time are
listed. ``--feed`` profiles the throughput bench's feed instead of the dev pages.
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
    args = parser.parse_args(argv)
    if args.feed is not None:
        profile = profile_feed(args.feed, args.articles, database_url=args.database_url)
    else:
        files = sorted(args.corpus.glob("*.html"))[: args.articles]
        profile = profile_articles(files, database_url=args.database_url)
    print(markdown(profile))


if __name__ == "__main__":
    main()
