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

# A header and how to get the cell's text from a row; ``width`` caps it on a terminal only.
Column = tuple[str, Callable[[Any], str]]


def print_json_lines(rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, default=str))


def _cell(value: str) -> str:
    return " ".join(value.split("\t")).replace("\r", " ").replace("\n", " ")


def print_rows(columns: Sequence[Column], rows: Iterable[Any],
               terminal_widths: Mapping[str, int] | None = None) -> None:
    """Rows as a table on a terminal (ids never cut), else tab-separated whole values."""
    if not out.is_terminal:
        for row in rows:
            print("\t".join(_cell(get(row)) for _, get in columns))
        return
    widths = terminal_widths or {}
    table = Table()
    for header, _ in columns:
        # Ids are what people copy: never shortened (other columns give way).
        table.add_column(header, no_wrap=header in ("id", "item", "story"))
    for row in rows:
        cells = [get(row) for _, get in columns]
        table.add_row(*(cell[: widths[h]] if h in widths else cell
                        for (h, _), cell in zip(columns, cells, strict=True)))
    out.print(table)


def emit(rows: Sequence[Any], columns: Sequence[Column], as_json: bool,
         to_json: Callable[[Any], Mapping[str, Any]] = dict) -> None:
    """``--json`` lines or rows: the one ending every list command."""
    if as_json:
        print_json_lines(to_json(row) for row in rows)
    else:
        print_rows(columns, rows)
