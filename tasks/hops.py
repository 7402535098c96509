"""The hop plan: which stages share one message, decided once, by the producer.

A message names its stages explicitly (``stages=[...]``, a contiguous run of the chain that
ends at the stage of its task), so the worker never re-derives what the producer decided;
it only checks the names against the registry (``stages_of_message``) and refuses what does
not fit.

Reading a local file or an inline item costs well under a millisecond, while carrying the
raw page through Redis costs its JSON + base64 three times over (the message, the unacked
copy, the pipe to the pool child). So a micro-batch made only of these runs fetch inside its
clean message (one hop less); URLs keep their own fetch queue (network waits, politeness).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tasks.codec import source_kind_of
from tasks.stages import STAGE_NAMES

__all__ = ["LOCAL_SOURCE_KINDS", "Hop", "plan_hops", "stages_of_message"]

LOCAL_SOURCE_KINDS = frozenset({"file", "inline"})


@dataclass(frozen=True)
class Hop:
    """One message of a chain: the task of its last stage runs ``stages`` in order."""

    stages: tuple[str, ...]

    @property
    def task_stage(self) -> str:
        return self.stages[-1]


def plan_hops(
    stage: str, payloads: Iterable[Mapping[str, Any]], *, local_fetch_in_clean: bool
) -> list[Hop]:
    """The messages that carry ``payloads`` from ``stage`` to the end of the chain."""
    names = STAGE_NAMES[STAGE_NAMES.index(stage):]
    if (
        local_fetch_in_clean
        and names[0] == "fetch"
        and len(names) > 1
        and all(source_kind_of(p) in LOCAL_SOURCE_KINDS for p in payloads)
    ):
        return [Hop(names[:2]), *(Hop((name,)) for name in names[2:])]
    return [Hop((name,)) for name in names]


def stages_of_message(stages: Any, task_stage: str) -> tuple[str, ...] | None:
    """The stages a message names for the task of ``task_stage``, or None to refuse it.

    A message without the field runs its task's own stage. Anything else must be a list of
    known names, in chain order, without gaps, ending at ``task_stage``: a message can only
    ask for the stages its task would have been chained after.
    """
    if stages is None:
        return (task_stage,)
    if not isinstance(stages, list | tuple) or not stages:
        return None
    if not all(isinstance(name, str) and name in STAGE_NAMES for name in stages):
        return None
    end = STAGE_NAMES.index(task_stage) + 1
    start = end - len(stages)
    if start < 0 or tuple(stages) != STAGE_NAMES[start:end]:
        return None
    return tuple(stages)
