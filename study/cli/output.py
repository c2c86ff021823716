"""The one shared output option: every listing prints as a table (default), JSON, CSV or Markdown."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable

import click

from ..markup import markdown_cell
from ..table import Table
from .lazy import LazyChoice

LISTING_FORMATS = ("table", "json", "csv", "md")
# Numbers that reach the database (a segment's index, a character offset, a count of rows): within its
# integers (PostgreSQL's integer; SQLite's end at 2^63), so a huge one is a usage line, not an OverflowError.
MAX_NUMBER = 2**31 - 1
NUMBER = click.IntRange(0, MAX_NUMBER)
ROWS = click.IntRange(1, MAX_NUMBER)


def format_option(*formats: str, default: str | None = "table", known_later: Callable[[], tuple] | None = None
                  ) -> Callable:
    """The one ``--format`` option of every command: ``formats`` (else the listing formats), or
    ``known_later()`` when naming them would load a heavy library before the command runs."""
    choices = LazyChoice(known_later) if known_later else click.Choice(formats or LISTING_FORMATS)
    return click.option("--format", "fmt", type=choices, default=default, show_default=default is not None,
                        help="Output format.")


def emit(rows: list[dict] | dict, fmt: str, columns: list[str] | None = None) -> None:
    """Print rows in the chosen format."""
    click.echo(render(rows, fmt, columns))


def table_text(table: Table) -> str:
    """A ``study.table.Table`` for the terminal: its warning, title, rows, caption and notes."""
    rows = render(table.display_rows(), "table", [c.label for c in table.columns])
    return "\n".join([*([table.warning] if table.warning else []), table.title, rows,
                      *([table.caption] if table.caption else []), *table.notes])


def emit_table(table: Table, fmt: str, json_value: Any = None) -> None:
    """Print a Table as a terminal table, or CSV or Markdown as ``study table`` writes them; JSON
    prints ``json_value`` (the library value the table shows) or else the table's rows."""
    if fmt == "json":
        emit(list(table.rows) if json_value is None else json_value, "json")
    elif fmt in ("csv", "md"):  # as every table file is written: one renderer per format
        from .. import exports  # zip and table writers: only the commands that print a table load them

        click.echo(exports.to_text(table, fmt), nl=False)
    else:
        click.echo(table_text(table))


def render(rows: list[dict] | dict, fmt: str, columns: list[str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str)
    if isinstance(rows, dict):
        rows = [rows]
    columns = columns or _columns(rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(r.get(k), precise=True) for k in columns} for r in rows)
        return buffer.getvalue().rstrip("\n")
    if fmt == "md":
        return _markdown(rows, columns)
    return _table(rows, columns)


def _columns(rows: list[dict]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return columns


def _cell(value: Any, precise: bool = False) -> str:
    """Text for one cell: floats to 3 decimals for reading, in full for CSV (``precise``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if precise else f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v, precise) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v, precise)}" for k, v in value.items())
    return str(value)


def _table(rows: list[dict], columns: list[str], max_width: int = 60) -> str:
    if not rows:
        return "(none)"
    cells = [[_shorten(_cell(r.get(c)), max_width) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _markdown(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(markdown_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(markdown_cell(_cell(r.get(c))) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
