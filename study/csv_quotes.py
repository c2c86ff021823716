"""CSV rows that went wrong: a quote never closed, a cell split by an unquoted comma.

A stray opening quote makes a CSV reader take every following line, commas and all, as one
field: the next participants' answers silently join the previous one's. Two shapes give it away:
the file ends inside a quoted field, or a field running over several lines holds lines that read
as rows of the file (as many cells as the header, an identifier such as "P2" in the key column).

Example: ``unclosed_quote('participant,response\\nP1,"Yes\\nP2,No\\n', "participant")`` names line 2.
"""
from __future__ import annotations

import csv
import io
import re

_IDENTIFIER = re.compile(r"[\w.\-]{1,30}")
QUOTE_FIX = "close the quote where the field ends"


def unclosed_quote(text: str, key_column: str) -> str | None:
    """A one-line description (with line numbers) of a quoted field that swallows rows, else None.

    ``key_column`` names the column identifying each row (e.g. "participant").
    """
    if '"' not in text:  # no quoted field, none left open
        return None
    records = _records(text)
    if not records:
        return None
    header = [name.strip().casefold() for name in records[0][1]]
    key = header.index(key_column) if key_column in header else 0
    keys = {row[key].strip() for _, row in records[1:] if key < len(row)}
    if _ends_inside_quotes(text):
        start = records[-1][0]
        return f"line {start}: a quoted field opened on this line is never closed"
    for start, row in records[1:]:
        if found := _row_inside(row, len(header), key, keys):
            return f"line {start}: a quoted field opened on this line runs on and swallows the row on line {start + found}"
    return None


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records, next_line = [], 1
    try:
        for row in reader:
            records.append((next_line, row))
            next_line = reader.line_num + 1
    except csv.Error:
        return records  # the readers report malformed CSV themselves
    return records


def _ends_inside_quotes(text: str) -> bool:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _row_inside(row: list[str], width: int, key: int, keys: set[str]) -> int | None:
    """How many lines into the record a line that reads as a row of its own starts, else None."""
    lines_before = 0
    for cell in row:
        if "\n" not in cell:
            continue
        inner = cell.split("\n")
        for offset, line in enumerate(inner[1:], start=1):
            if _reads_as_row(line, width, key, keys):
                return lines_before + offset
        lines_before += len(inner) - 1
    return None


def _reads_as_row(line: str, width: int, key: int, keys: set[str]) -> bool:
    cells = next(csv.reader([line]), [])
    if width < 2 or len(cells) != width:
        return False
    value = cells[key].strip()
    return bool(_IDENTIFIER.fullmatch(value)) and (any(ch.isdigit() for ch in value) or value in keys)


# -- a row with more cells than its header: an unquoted comma split a cell ---------------------

EXTRA_CELLS_FIX = "put the cell that holds commas in double quotes"


def extra_cells(row: list[str], width: int) -> bool:
    """Whether ``row`` holds something past the header's ``width`` (empty trailing cells hold nothing)."""
    return any(cell.strip() for cell in row[width:])


def rejoined(row: list[str], width: int, delimiter: str = ",") -> list[str]:
    """``row`` with the cells past ``width`` joined back onto its last column, with the delimiter
    that split them: ``P2,We looked at downloads, then the card`` keeps its whole answer."""
    return row if len(row) <= width else [*row[:width - 1], delimiter.join(row[width - 1:])]


def extra_cells_problem(line: int, cells: int, width: int) -> str:
    return f"line {line} has {cells} cells, more than the header's {width} (an unquoted comma?)"


def rejoined_note(line: int, row: list[str], width: int) -> str:
    return (f"line {line}: {len(row) - width} unquoted comma(s) split the last column; its cells were "
            "joined back with them")
