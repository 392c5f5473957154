"""How the CLI prints: a rich table for people (the default), JSON for machines (`--json`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

JsonOption = typer.Option(False, "--json", help="print JSON instead of a table")


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def short_id(value: str | None, length: int = 8) -> str:
    """The first characters of an id: enough to name it again (prefixes are accepted)."""
    return (value or "")[:length]


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          title: str | None = None) -> Table:
    out = Table(title=title, show_lines=False)
    for column in columns:
        out.add_column(column, justify="right" if column in NUMERIC_COLUMNS else "left",
                       overflow="fold")
    for row in rows:
        out.add_row(*("" if cell is None else str(cell) for cell in row))
    return out


NUMERIC_COLUMNS = frozenset({"total", "amount", "open", "paid", "current", "1-30", "31-60",
                             "61-90", "90+", "bills", "jobs", "count", "days"})


def emit(value: Any, json_output: bool, *, columns: Sequence[str],
         rows: Iterable[Sequence[Any]], title: str | None = None,
         empty: str = "nothing to show") -> None:
    """`value` as JSON with `--json`, else the rows as a table (or `empty` when none)."""
    if json_output:
        print_json(value)
        return
    rows = list(rows)
    probe = Console()
    # a pipe or a file gets long lines (nothing folds them), a terminal its own width
    console = Console(width=probe.width if probe.is_terminal else 200)
    if not rows:
        console.print(empty)
        return
    console.print(table(columns, rows, title=title))
