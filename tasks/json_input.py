"""``json.loads`` for input we did not write: nesting too deep is a typed, named refusal.

The standard parser recurses once per level, so a line of 100,000 ``[`` raises
``RecursionError`` from deep inside it. That is a ``RuntimeError``, not the ``ValueError``
callers expect from bad JSON: uncaught, it aborted the whole producer (issue 16) and ended a
nested ``.json`` article ``dead`` instead of ``rejected``. Here it becomes ``JsonTooDeep``,
a ``ValueError`` whose message names the limit.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["JsonTooDeep", "json_depth_limit", "loads_untrusted"]


class JsonTooDeep(ValueError):
    """The document nests deeper than the parser can follow."""


def json_depth_limit() -> int:
    """About how many levels the parser follows: the interpreter's recursion limit (each
    level is one recursive call; the frames already on the stack take a few)."""
    return sys.getrecursionlimit()


def loads_untrusted(data: str | bytes) -> Any:
    """``json.loads(data)``; ``JsonTooDeep`` instead of ``RecursionError``."""
    try:
        return json.loads(data)
    except RecursionError:
        raise JsonTooDeep(
            f"JSON nested deeper than the parser's limit of about {json_depth_limit()} levels"
        ) from None
