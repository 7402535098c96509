"""Producer-side readers: files, folders, globs, lists, stdin, URLs, JSONL, feeds, sitemaps
and WARC files turned lazily into ``SourceItem`` work items (or ``SourceProblem`` records).

Pure code, no Celery: the CLI iterates ``iter_sources`` and enqueues what it yields.
"""

from __future__ import annotations

from tasks.sources.items import JsonlFields, SourceItem, SourceProblem, normalise_url
from tasks.sources.reader import iter_sources

__all__ = [
    "JsonlFields",
    "SourceItem",
    "SourceProblem",
    "iter_sources",
    "normalise_url",
]
