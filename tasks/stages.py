"""The stage registry: every stage of the chain, declared once, in chain order.

One ``Stage`` record per stage (as spaCy's ``Language.factory`` registers a component by
name, and as scrapy's ``ITEM_PIPELINES`` names components by dotted path): its name, its
function, its batch function, the ``Settings`` section it is given, and its warm-up. Stage
order, task names, queue names (``<prefix>.<stage>``) and the worker's preload all come from
here. Functions are named by ``"module:attribute"`` and imported on first use, so importing
the registry (the CLI does) loads no trafilatura, spaCy or SQLAlchemy. Nothing here
imports Celery.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from config.settings import Settings
    from tasks.models import Article

__all__ = [
    "STAGES",
    "STAGE_NAMES",
    "Resources",
    "Stage",
    "WarmUp",
    "stage_named",
]

# A warm-up names what it loads and how; the worker's preload times each one.
WarmUp = tuple[str, Callable[[], object]]
WarmUpRef = str | Callable[[Any], Iterable[WarmUp]]


class Resources(Protocol):
    """What a stage call may need beyond its article: the settings, and an engine for store.

    The worker's ``StageTask`` is one (lazy per-process properties); the in-process
    baseline has its own (``tasks.pipeline.InlineResources``).
    """

    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...


@cache
def _import(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _resolve(ref: str | Callable[..., Any]) -> Any:
    # A dotted path is imported on first use; a callable (a test's stand-in) is used as is.
    return _import(ref) if isinstance(ref, str) else ref


@dataclass(frozen=True)
class Stage:
    """One stage: ``function(article, settings.<section>[, engine]) -> Article``.

    ``batch_function(articles, settings.<section>)`` returns one result per article, in order
    (the article, or the exception it stands for), and may raise: the runner then redoes the
    batch one by one. ``warm_up(settings.<section>)`` returns the stage's ``WarmUp`` loads,
    run in the worker's main process before the pool forks. ``writes`` marks the stage that
    writes the database: it is given the engine, and warm-up pages never run through it.
    """

    name: str
    function: str | Callable[..., Article]
    section: str
    batch_function: str | Callable[..., list[Article | Exception]] | None = None
    # One reference or several (their loads in order).
    warm_up: WarmUpRef | tuple[WarmUpRef, ...] | None = None
    writes: bool = False
    # ``gate(articles, settings.store, engine)`` runs before the stage and marks the articles
    # that are copies of stored originals (``tasks.storage.recognise``); a stage that
    # ``passes_duplicates`` hands those on untouched (the store completes them).
    gate: str | Callable[..., None] | None = None
    passes_duplicates: bool = False

    def run(self, article: Article, resources: Resources) -> Article:
        section = getattr(resources.settings, self.section)
        if self.writes:
            return _resolve(self.function)(article, section, resources.engine)  # type: ignore[no-any-return]
        return _resolve(self.function)(article, section)  # type: ignore[no-any-return]

    def run_batch(self, articles: list[Article], resources: Resources) -> list[Article | Exception]:
        assert self.batch_function is not None, f"stage {self.name} has no batch function"
        section = getattr(resources.settings, self.section)
        if self.writes:
            return _resolve(self.batch_function)(  # type: ignore[no-any-return]
                articles, section, resources.engine)
        return _resolve(self.batch_function)(articles, section)  # type: ignore[no-any-return]

    def run_gate(self, articles: list[Article], resources: Resources) -> None:
        if self.gate is not None:
            _resolve(self.gate)(articles, resources.settings.store, resources.engine)

    def warm_ups(self, settings: Settings) -> Sequence[WarmUp]:
        if self.warm_up is None:
            return ()
        refs = self.warm_up if isinstance(self.warm_up, tuple) else (self.warm_up,)
        section = getattr(settings, self.section)
        return tuple(load for ref in refs for load in _resolve(ref)(section))


STAGES: dict[str, Stage] = {stage.name: stage for stage in (
    Stage("fetch", "tasks.fetch:fetch", section="fetch"),
    # Copies of stored originals are recognised before the costly stages: by their raw
    # bytes before clean, by their cleaned text before the check and before extract.
    Stage("clean", "tasks.clean:clean", section="clean", warm_up="tasks.clean:warm_ups",
          gate="tasks.storage.recognise:before_clean", passes_duplicates=True),
    Stage("translate_check", "tasks.translate_check:translate_check", section="translate",
          gate="tasks.storage.recognise:before_text_stages", passes_duplicates=True),
    # spaCy's nlp.pipe gains from seeing the micro-batch at once.
    Stage("extract", "tasks.extract:extract", section="extract",
          batch_function="tasks.extract:extract_batch",
          # spaCy pipelines, then the sentence encoder of the lead vector (stories)
          warm_up=("tasks.extract:warm_ups", "tasks.nlp.embedding:warm_ups"),
          gate="tasks.storage.recognise:before_text_stages", passes_duplicates=True),
    # One transaction per message (tasks.store:store_many), its recognised copies included;
    # each article is charged what the store did for it alone (tasks.cpu_meter).
    Stage("store", "tasks.store:store", section="store", warm_up="tasks.store:warm_ups",
          batch_function="tasks.store:store_many", writes=True),
)}
# The chain order: each name is a stage function in ``tasks``, a Celery task and a queue.
STAGE_NAMES: tuple[str, ...] = tuple(STAGES)


def stage_named(name: str) -> Stage:
    """The record of stage ``name``; ``KeyError`` for a name the chain does not have."""
    return STAGES[name]
