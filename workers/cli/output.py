"""Results on stdout: a table for a person, whole values for a pipe.

On a terminal a list is a rich table; when stdout is a pipe or a file each row is one line
of tab-separated whole values, no header (as ``gh`` does), so ``newsflow search X | cut -f1``
gives ids that ``newsflow show`` takes. ``--json`` gives one JSON object a line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.table import Table

from workers.cli.context import out

__all__ = ["Column", "emit", "print_json_lines", "print_rows"]

ID_HEADERS = frozenset({"id", "item", "story"})
# A header and how to get the cell's text from a row.
Column = tuple[str, Callable[[Any], str]]


def print_json_lines(rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, default=str))


def _cell(value: str) -> str:
    return " ".join(value.split("\t")).replace("\r", " ").replace("\n", " ")


def print_rows(columns: Sequence[Column], rows: Iterable[Any],
               terminal_widths: Mapping[str, int] | None = None) -> None:
    """Rows as a table on a terminal (ids never cut), else tab-separated whole values.

    ``terminal_widths`` caps a column on a terminal only (a long error message)."""
    if not out.is_terminal:
        for row in rows:
            print("\t".join(_cell(get(row)) for _, get in columns))
        return
    widths = terminal_widths or {}
    cells = [[get(row) for _, get in columns] for row in rows]
    cells = [[cell[: widths[h]] if h in widths else cell
              for (h, _), cell in zip(columns, line, strict=True)] for line in cells]
    table = Table()
    for header, _ in columns:
        # An id is folded onto a second line when the terminal is narrow, never cut short.
        table.add_column(header, overflow="fold" if header in ID_HEADERS else "ellipsis")
    for line in cells:
        table.add_row(*line)
    out.print(table)


def emit(rows: Sequence[Any], columns: Sequence[Column], as_json: bool,
         to_json: Callable[[Any], Mapping[str, Any]] = dict) -> None:
    """``--json`` lines or rows: the one ending every list command."""
    if as_json:
        print_json_lines(to_json(row) for row in rows)
    else:
        print_rows(columns, rows)
