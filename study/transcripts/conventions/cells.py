"""Turns in a table inside a document: a Word table's rows (cells apart by tabs) or a Markdown
pipe table (``| 00:00:04 | Maya, Host | text |``).

The speaker column is the one whose short values recur, few and distinct; the text column the one
holding most of the words; a column of times gives each turn its time. The header row names the
columns once, so it is no one's turn; a ``|---|`` rule is no row at all. Speakers' cells share one
opening symbol (``*INV:``, ``*PAR:``, named ``INV`` and ``PAR``): a row whose cell opens otherwise
(``%com:``, a transcript's annotation tier) is no one's turn. A row with an empty speaker cell right
below a turn's row goes on that turn (a long utterance continued on a line opened by a tab).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from ..labels import kin_of_recurring, named_in_a_cast_line, plausible_speaker, tidy_speaker
from ..model import Turn
from ..reading import Document, Proposal
from ..roles import label_role
from ..text import Line, non_space_count
from .slots import TIME
from .unlabelled import is_question

_RULE = re.compile(r"[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?::?-{3,}:?)?[ \t]*")
_TIME_CELL = re.compile(rf"[\[(]?{TIME}(?:[ \t]*(?:-->|-|–)[ \t]*{TIME})?[\])]?")
_MAX_SPEAKERS = 12


@dataclass(frozen=True)
class Row:
    line: Line
    cells: tuple[tuple[int, int], ...]  # each cell's stripped span in the text


def propose(document: Document) -> Proposal | None:
    """Turns from the rows of a table with a speaker column and a text column, or None."""
    rows = _rows(document)
    if len(rows) < 3:
        return None
    width = Counter(len(row.cells) for row in rows).most_common(1)[0][0]
    rows = [row for row in rows if len(row.cells) == width]
    text = document.text
    values = [[text[a:b] for a, b in row.cells] for row in rows]
    body = max(range(width), key=lambda col: sum(len(v[col]) for v in values))
    speaker = _speaker_column(values, width, body)
    if speaker is None:
        return _columns_of_speakers(document, rows, values, width)
    times = next((col for col in range(width) if col not in (body, speaker)
                  and sum(bool(_TIME_CELL.fullmatch(v[col])) for v in values) > len(values) / 2), None)
    counts = Counter(v[speaker] for v in values)
    marked = Counter(_mark(name) for name in counts.elements() if counts[name] > 1)
    mark = marked.most_common(1)[0][0] if marked else ""
    once = _heard_once(document, rows[0], counts, mark)
    turns, explained, last = [], 0, None
    for row, v in zip(rows, values):
        name = v[speaker]
        if not name and turns and last is not None and row.line.start == last.end + 1 \
                and row.cells[body][1] > row.cells[body][0]:
            turns[-1] = replace(turns[-1], end=row.cells[body][1])  # a row with no speaker goes on the turn above
            explained += non_space_count(text, row.line.start, row.line.end)
            last = row.line
            continue
        last = None
        if not (counts[name] > 1 or name in once) or _mark(name) != mark or not plausible_speaker(_bare(name)):
            continue  # the header row, a cell that names no one who speaks again, an annotation tier ("%com:")
        start, end = row.cells[body]
        explained += non_space_count(text, row.line.start, row.line.end)
        if end > start:
            stamp = _TIME_CELL.fullmatch(v[times]) if times is not None else None
            time = re.search(TIME, stamp.group()).group() if stamp else None
            speaker_name = tidy_speaker(_bare(name))
            turns.append(Turn(speaker_name, start, end, time, label_role(speaker_name)))
            last = row.line
    return Proposal("learned convention: a table of turns", tuple(turns), explained)


def _heard_once(document: Document, first: Row, counts: Counter, mark: str) -> set[str]:
    """Speaker cells heard once that are speakers still: opened by the speakers' own symbol ("*MOT:" among
    "*INV:" and "*CHI:", a CHAT tier), of the form of a name that recurs ("Parent B" beside "Parent A"), or
    listed with others in a cast line above the table; not the header row's."""
    recurring = {_bare(name).casefold() for name, n in counts.items() if n > 1}
    once = [name for name, n in counts.items() if n == 1]
    above = [line.text for line in document.content_lines if line.start < first.line.start]
    cast = named_in_a_cast_line(above, {_bare(name) for name in counts})
    return {name for name in once if (mark and _mark(name) == mark) or kin_of_recurring(_bare(name), recurring)
            or _bare(name).casefold() in cast}


def _columns_of_speakers(document: Document, rows: list[Row], values: list[list[str]], width: int) -> Proposal | None:
    """Turns from a table with one column per speaker ("Pergunta | Resposta", "Interviewer |
    Participant"): the header row names each column's speaker, and each row's cells are their
    turns, left to right. Only when the names say a role or one column asks: a table of fields
    and values is no dialogue."""
    header, below = values[0], values[1:]
    spoken = [col for col in range(width) if plausible_speaker(header[col]) and len(header[col].split()) <= 3
              and sum(len(v[col].split()) > 2 for v in below) >= len(below) / 2]
    if len(spoken) < 2 or len({header[col].casefold() for col in spoken}) < len(spoken):
        return None
    asking = [sum(is_question(v[col]) for v in below if v[col]) for col in spoken]
    if not all(label_role(header[col]) for col in spoken) and max(asking) < 0.6 * len(below):
        return None
    text, turns = document.text, []
    explained = non_space_count(text, rows[0].line.start, rows[0].line.end)
    for row in rows[1:]:
        explained += non_space_count(text, row.line.start, row.line.end)
        for col in spoken:
            start, end = row.cells[col]
            if end > start:
                name = tidy_speaker(header[col])
                turns.append(Turn(name, start, end, None, label_role(name)))
    return Proposal("learned convention: a table with a column per speaker", tuple(turns), explained)


_MARKS = "*%@+#$&=~^"


def _mark(name: str) -> str:
    """The symbol a name cell opens with ("*INV:" -> "*"): speakers' cells share one, an
    annotation tier ("%com:") has its own."""
    stripped = name.strip()
    return stripped[:len(stripped) - len(stripped.lstrip(_MARKS))]


def _bare(name: str) -> str:
    """A name cell without its opening symbol and closing colon: "*INV:" -> "INV"."""
    return name.strip().lstrip(_MARKS).rstrip(":：").strip() or name


def _rows(document: Document) -> list[Row]:
    rows = []
    for line in document.content_lines:
        if "\t" in line.text:
            separator = "\t"
        elif line.text.lstrip().startswith("|") and line.text.rstrip().endswith("|") and not _RULE.fullmatch(line.text):
            separator = "|"
        else:
            continue
        rows.append(Row(line, _cells(line, separator)))
    return rows


def _cells(line: Line, separator: str) -> tuple[tuple[int, int], ...]:
    text, cells, position = line.text, [], 0
    if separator == "|":
        position = text.index("|") + 1
        text = text[:text.rindex("|")]
    for part in text[position:].split(separator):
        stripped = part.strip()
        offset = position + part.find(stripped) if stripped else position
        cells.append((line.start + offset, line.start + offset + len(stripped)))
        position += len(part) + 1
    return tuple(cells)


def _speaker_column(values: list[list[str]], width: int, body: int) -> int | None:
    """The column of short names that recur: few distinct values, each said more than once."""
    best, best_share = None, 0.0
    for col in range(width):
        if col == body:
            continue
        column = [v[col] for v in values if v[col]]  # an empty cell continues the row above
        counts = Counter(column)
        if len(counts) > _MAX_SPEAKERS or len(counts) < 2 or any(len(c.split()) > 6 for c in column) \
                or len(column) < len(values) / 2:
            continue
        if sum(bool(_TIME_CELL.fullmatch(c)) for c in column) > len(column) / 2:
            continue
        share = sum(n for n in counts.values() if n > 1) / len(column)
        if share > best_share:
            best, best_share = col, share
    return best if best_share >= 0.6 else None
