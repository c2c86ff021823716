"""Archived rows checked against the schema before any is written: each value against its
column (type, length, range), each key against what it points to, each offset against its text.

An archive is plain files anyone can edit and re-hash, so nothing in it is trusted: a row that
the schema or the study's rules cannot hold is refused, naming the file, the line and the value.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.schema import Column, Table, UniqueConstraint

from .. import taught_conventions
from ..errors import ArchiveError, StudyError
from ..names import check_name
from ..schema import unit_key

SMALLEST_INTEGER, LARGEST_INTEGER = -(2**31), 2**31 - 1  # PostgreSQL's integer, which SQLite's holds too
ROLES = {"users": {"admin", "coder", "system"}, "segments": {"interviewer", "participant", "other"}}
NAMES = {("users", "name"): "user", ("participants", "label"): "participant", ("transcripts", "name"): "transcript",
         ("segments", "speaker"): "speaker"}
_FIX = "restore from the archive as written, or archive the study again"


class RowError(Exception):
    """What is wrong with one value; the reader adds the file and line."""


@dataclass
class TableRows:
    """One table's archived rows as the table takes them, with the line each came from."""

    table: Table
    path: Path
    rows: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def error(self, index: int, problem: str) -> ArchiveError:
        return ArchiveError(f"{self.path}, line {self.lines[index]}: {problem}", _FIX)


# -- one value against its column ------------------------------------------------------------


def column_check(column: Column) -> Callable[[Any], Any]:
    """A function that returns ``value`` as ``column`` stores it, or raises RowError (one per
    column type, as it runs once per value of every archived row)."""
    kind, name, nullable = column.type, column.name, column.nullable

    def empty() -> None:
        if not nullable:
            raise RowError(f"{name} is empty, which the column does not allow")

    if isinstance(kind, Boolean):
        def check(value):
            if type(value) is not bool:
                return empty() if value is None else _wrong(name, value, "is not true or false")
            return value
    elif isinstance(kind, Integer):
        def check(value):
            if type(value) is not int:
                return empty() if value is None else _wrong(name, value, "is not a whole number")
            if not SMALLEST_INTEGER <= value <= LARGEST_INTEGER:
                raise RowError(f"{name} {value} is out of range")
            return value
    elif isinstance(kind, DateTime):
        def check(value):
            if not isinstance(value, str):
                return empty() if value is None else _wrong(name, value, "is not a date and time")
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                raise RowError(f"{name} {_shown(value)} is not a date and time (ISO 8601)") from None
    elif isinstance(kind, String):
        def check(value):
            if not isinstance(value, str):
                return empty() if value is None else _wrong(name, value, "is not text")
            if kind.length is not None and len(value) > kind.length:
                raise RowError(f"{name} is {len(value):,} characters long, over the column's {kind.length}")
            _check_text(name, value)
            return value
    else:
        def check(value):
            if value is None:
                return empty()
            if isinstance(kind, JSON):
                _check_json(name, value)
            return value
    return check


def _wrong(name: str, value: Any, problem: str) -> None:
    raise RowError(f"{name} {_shown(value)} {problem}")


def _check_text(name: str, value: str) -> None:
    if value.isprintable():
        return  # no NUL, no surrogate: the common case at C speed
    if "\x00" in value:
        raise RowError(f"{name} holds a NUL character, which no database column stores")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RowError(f"{name} holds a lone surrogate (\\ud800-\\udfff), which is not text") from None


def _check_json(name: str, value: Any) -> None:
    stack = [value]
    while stack:  # iterative: nesting depth is bounded by the JSON parser, not by this walk
        item = stack.pop()
        if isinstance(item, str):
            _check_text(name, item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


# -- keys and rules across rows and tables ---------------------------------------------------


def check_keys(tables: dict[str, TableRows]) -> None:
    """Primary keys and unique columns unique, every foreign key pointing at an archived row."""
    for rows in tables.values():
        table = rows.table
        keys = [tuple(c.name for c in table.primary_key.columns)]
        keys += [tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)]
        keys += [(c.name,) for c in table.columns if c.unique]
        for key in keys:
            _check_unique(rows, key)
        for column in table.columns:
            for foreign in column.foreign_keys:
                target = tables.get(foreign.column.table.name)
                present = {row[foreign.column.name] for row in target.rows} if target else set()
                for index, row in enumerate(rows.rows):
                    value = row.get(column.name)
                    if value is not None and value not in present:
                        raise rows.error(index, f"{column.name} {value} names no row of {foreign.column.table.name}")


def _check_unique(rows: TableRows, key: tuple[str, ...]) -> None:
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows.rows):
        value = tuple(row.get(name) for name in key)
        if None in value:
            continue  # NULLs never clash, in SQLite and PostgreSQL alike
        if value in seen:
            raise rows.error(index, f"{', '.join(key)} {_shown(list(value) if len(value) > 1 else value[0])} is "
                                    f"taken by line {rows.lines[seen[value]]} already")
        seen[value] = index


def check_rules(tables: dict[str, TableRows]) -> None:
    """What the study's own writes guarantee: names as every name is checked, roles known, offsets
    inside their text and segment, a coding's unit key its segment and span, themes and codes trees."""
    for (table, column), kind in NAMES.items():
        rows = tables.get(table)
        for index, row in enumerate(rows.rows if rows else ()):
            try:
                check_name(kind, row[column])
            except StudyError as exc:
                raise rows.error(index, str(exc)) from None
    for table, allowed in ROLES.items():
        rows = tables.get(table)
        for index, row in enumerate(rows.rows if rows else ()):
            if row.get("role") not in allowed:
                raise rows.error(index, f"role {_shown(row.get('role'))} is none of {', '.join(sorted(allowed))}")
    lengths = _transcript_lengths(tables)
    segments = _segment_bounds(tables, lengths)
    _check_codings(tables, segments)
    for name in ("memos", "memo_versions", "resolutions"):
        _check_segment_in_transcript(tables.get(name), segments)
    _check_forms_a_tree(tables.get("themes"), "parent_id", "theme")
    _check_forms_a_tree(tables.get("codes"), "parent_code_id", "code")
    _check_saved_conventions(tables.get("study_meta"))
    users = tables.get("users")
    for index, row in enumerate(users.rows if users else ()):
        if row.get("role") == "system" and row["name"] != "consensus":
            raise users.error(index, f"{row['name']!r} has the role 'system', which only the consensus rater has")


def _check_saved_conventions(rows: TableRows | None) -> None:
    """The saved turn conventions as an import will read them (``taught_conventions.read_saved``)."""
    for index, row in enumerate(rows.rows if rows else ()):
        if row.get("key") == taught_conventions.KEY:
            try:
                taught_conventions.read_saved(row.get("value"))
            except StudyError as exc:
                raise rows.error(index, exc.what) from None


def _transcript_lengths(tables: dict[str, TableRows]) -> dict[int, int]:
    rows = tables.get("transcripts")
    lengths = {}
    for index, row in enumerate(rows.rows if rows else ()):
        length = lengths[row["id"]] = len(row["text"])
        turns = row.get("turns") or []
        if not isinstance(turns, list):
            raise rows.error(index, "turns is not a list")
        for turn in turns:
            if not (isinstance(turn, list) and len(turn) >= 3 and isinstance(turn[0], str)
                    and _span_inside(turn[1], turn[2], 0, length)):
                raise rows.error(index, f"the turn {_shown(turn)} does not lie inside the text ({length:,} characters)")
        for name in ("header", "attributes"):
            if name in row and not isinstance(row[name], dict):
                raise rows.error(index, f"{name} is not a mapping")
    return lengths


def _span_inside(start: Any, end: Any, low: int, high: int) -> bool:
    return type(start) is int and type(end) is int and low <= start <= end <= high


def _segment_bounds(tables: dict[str, TableRows], lengths: dict[int, int]) -> dict[int, tuple[int, int, int]]:
    """{segment id: (transcript id, start, end)}, each checked inside its transcript's text."""
    rows = tables.get("segments")
    bounds = {}
    for index, row in enumerate(rows.rows if rows else ()):
        length = lengths.get(row["transcript_id"], 0)
        if not _span_inside(row["start"], row["end"], 0, length) or row["index"] < 0:
            raise rows.error(index, f"segment {row['index']} spans {row['start']}-{row['end']}, outside its "
                                    f"transcript's text ({length:,} characters)")
        bounds[row["id"]] = (row["transcript_id"], row["start"], row["end"])
    return bounds


def _check_codings(tables: dict[str, TableRows], segments: dict[int, tuple[int, int, int]]) -> None:
    rows = tables.get("codings")
    for index, row in enumerate(rows.rows if rows else ()):
        segment, start, end = row.get("segment_id"), row.get("span_start"), row.get("span_end")
        span = None if start is None and end is None else (start, end)
        if segment is None and span is not None:
            raise rows.error(index, "a coding on the whole transcript has a span")
        if segment is not None:
            transcript, low, high = segments[segment]
            if transcript != row["transcript_id"]:
                raise rows.error(index, f"segment_id {segment} is a segment of another transcript")
            if span is not None and not (_span_inside(start, end, low, high) and start < end):
                raise rows.error(index, f"the span {start}-{end} lies outside its segment ({low}-{high})")
        if row.get("unit_key", unit_key(segment, span)) != unit_key(segment, span):
            raise rows.error(index, f"unit_key {_shown(row['unit_key'])} is not the coding's unit "
                                    f"({unit_key(segment, span)})")
        if not isinstance(row.get("memo"), (str, type(None))):
            raise rows.error(index, "memo is not text")


def _check_segment_in_transcript(rows: TableRows | None, segments: dict[int, tuple[int, int, int]]) -> None:
    for index, row in enumerate(rows.rows if rows else ()):
        segment = row.get("segment_id")
        if segment is not None and segments[segment][0] != row["transcript_id"]:
            raise rows.error(index, f"segment_id {segment} is a segment of another transcript")
        if "codes" in row and not (isinstance(row["codes"], list) and all(isinstance(c, str) for c in row["codes"])):
            raise rows.error(index, "codes is not a list of code references")


def _check_forms_a_tree(rows: TableRows | None, parent_key: str, kind: str) -> None:
    """Every theme (code) reaches the top by its parents (a cycle would send every walk of the
    codebook round); the rows are put parents first, so each is inserted after its parent."""
    parent = {row["id"]: row.get(parent_key) for row in (rows.rows if rows else ())}
    depth: dict[int, int] = {}
    for index, row in enumerate(rows.rows if rows else ()):
        path, at = [], row["id"]
        while at is not None and at not in depth:
            if at in path:
                raise rows.error(index, f"{kind} {row['id']} is its own ancestor (its parents form a cycle)")
            path.append(at)
            at = parent[at]
        base = -1 if at is None else depth[at]
        for offset, item in enumerate(reversed(path), start=1):
            depth[item] = base + offset
    if rows:  # parents are inserted before their children
        order = sorted(range(len(rows.rows)), key=lambda i: depth[rows.rows[i]["id"]])
        rows.rows, rows.lines = [rows.rows[i] for i in order], [rows.lines[i] for i in order]
