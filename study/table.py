"""The table value: a titled table of JSON-ready rows with columns that say how to show them.

Findings, the agreement report and the report build ``Table`` values; ``study.exports`` writes
them as files and the front ends draw them, so no producer imports a writer or the other way round.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column: ``key`` into the row dicts, the header ``label``, and how to show a value.

    ``numeric`` right-aligns; ``wide`` marks long text (wrapped paragraphs in LaTeX, wider in
    Excel); ``format`` turns a row value into cell text (default: :func:`cell_text`).
    """

    key: str
    label: str
    numeric: bool = False
    wide: bool = False
    format: Callable[[Any], str] | None = None

    def text(self, value: Any) -> str:
        return self.format(value) if self.format else cell_text(value)

    def data_text(self, value: Any) -> str:
        """The value for a data file (CSV): numbers in full, never rounded as shown; other values
        as :meth:`text` writes them."""
        if _is_number(value) or (isinstance(value, (list, tuple)) and value and all(map(_is_number, value))):
            return full_text(value)
        return self.text(value)


@dataclass(frozen=True)
class Table:
    """A titled table: rows are JSON-ready dicts, columns say which keys to show and how.

    ``caption`` is the line under the title (the source of the findings, the denominators);
    ``notes`` follow the table; ``extra`` holds JSON-only data (e.g. demographics' value counts).
    ``warning`` (e.g. a partial consensus) comes first in every format, above the title.
    """

    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict, ...]
    caption: str = ""
    notes: tuple[str, ...] = ()
    source: dict | None = None
    name: str = "table"
    extra: dict = field(default_factory=dict, hash=False)
    warning: str = ""

    def cells(self) -> list[list[str]]:
        """The rows as cell text, column by column."""
        return [self.cells_of(row) for row in self.rows]

    def cells_of(self, row: dict) -> list[str]:
        """One row (of this table's, or of its rows read as they come) as cell text."""
        return [c.text(row.get(c.key)) for c in self.columns]

    def data_cells(self) -> list[list[str]]:
        """The rows as data files hold them: like :meth:`cells`, with numbers in full."""
        return [self.data_cells_of(row) for row in self.rows]

    def data_cells_of(self, row: dict) -> list[str]:
        return [c.data_text(row.get(c.key)) for c in self.columns]

    def display_rows(self) -> list[dict[str, str]]:
        """Rows keyed by column label, as text: what a terminal table prints."""
        labels = [c.label for c in self.columns]
        return [dict(zip(labels, cells)) for cells in self.cells()]

    def value_rows(self) -> list[dict]:
        """Rows keyed by column label, holding the values (numbers stay numbers, None stays None):
        what a CSV of the data and a page's sortable frame hold."""
        labels = [c.label for c in self.columns]
        return [{label: row.get(c.key) for label, c in zip(labels, self.columns)} for row in self.rows]

    def to_dict(self) -> dict:
        return {
            **({"warning": self.warning} if self.warning else {}),
            "title": self.title,
            "caption": self.caption,
            "source": self.source,
            "columns": [{"key": c.key, "label": c.label} for c in self.columns],
            "rows": [dict(r) for r in self.rows],
            "notes": list(self.notes),
            **self.extra,
        }


@dataclass(frozen=True)
class TablePage:
    """One page of a longer table: ``table`` holds the rows ``offset + 1`` to ``offset + len(rows)``
    of ``total`` (counted in the database, after any filter), pages of ``size`` rows."""

    table: Table
    total: int
    offset: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def number(self) -> int:
        """This page's number, from 1."""
        return self.offset // self.size + 1

    def describe(self, noun: str) -> str:
        """``51–100 of 500 transcripts`` (or ``No transcripts``)."""
        if not self.total:
            return f"No {noun}"
        return f"{self.offset + 1:,}–{self.offset + len(self.table.rows):,} of {self.total:,} {noun}"


def page_offset(number: int, size: int) -> int:
    """The first row (from 0) of page ``number`` (from 1; anything below 1 is the first page)."""
    return (max(number, 1) - 1) * size


def last_page_offset(number: int, size: int, total: int) -> int:
    """``page_offset`` of page ``number``, or of the last page of ``total`` rows when past it."""
    return min(page_offset(number, size), page_offset(-(-total // size), size))


def cell_text(value: Any) -> str:
    """The text of a cell value: floats with one decimal, lists comma-joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {cell_text(v)}" for k, v in value.items())
    return str(value)


def full_text(value: Any) -> str:
    """A number (or list of numbers) in full: ``0.8123456789``; NaN empty."""
    if isinstance(value, (list, tuple)):
        return ", ".join(full_text(v) for v in value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def minute_text(at) -> str:
    """A stored time to the minute, ``2026-11-28 16:05`` (times are stored in UTC)."""
    return "" if at is None else f"{at:%Y-%m-%d %H:%M}"


def caption_line(number: int | None, title: str, kind: str = "Table") -> str:
    """``Table 3: title`` (or just the title without a number)."""
    return f"{kind} {number}: {title}" if number is not None else title
