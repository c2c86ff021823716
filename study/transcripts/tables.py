"""Tables: a speaker table (speaker and text columns, maybe a time) is a transcript; a table of
open survey responses (a participant column and a response column) is one transcript per
participant; a participant-id column with attribute columns and no text is a participants table,
not a transcript. ``table_kind`` decides by the columns and says which reading it takes.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Collection, Sequence

from ..csv_quotes import EXTRA_CELLS_FIX, extra_cells, extra_cells_problem, rejoined, rejoined_note
from .limits import MAX_TABLE_CELLS, MAX_TABLE_ROWS, Deadline
from .model import PROTOCOL_INTERVIEWER, ParsedTranscript, SurveyResponse, Unreadable
from .rendered import DraftTurn, rendered
from .registry import read_layout
from .roles import label_role
from .taught import Convention
from .text import decode_text

TRANSCRIPT, SURVEY, PARTICIPANTS = "transcript", "survey", "participants"
_SPEAKER_COLUMNS = re.compile(
    r"speaker([ _]?(name|label|id|tag))?|name|who|person|talker|voice|role|sprecher|hablante|orador|locutor|"
    r"interlocutor|intervenant|falante", re.IGNORECASE)
_TEXT_COLUMNS = re.compile(
    r"text|transcript(ion)?|utterance|content|words|speech|turn|dialogue|sentence|line|message|says|"
    r"what was said|texto|fala|habla|rede|äußerung|texte|intervention", re.IGNORECASE)
_TIME_COLUMNS = re.compile(
    r"time(stamp)?|start( ?time)?|begin|in|start_time|start \(s\)|tiempo|zeit|tempo|d[ée]but", re.IGNORECASE)
TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")


def is_speaker_column(name: str) -> bool:
    return _SPEAKER_COLUMNS.fullmatch(name.strip()) is not None


def is_text_column(name: str) -> bool:
    return _TEXT_COLUMNS.fullmatch(name.strip()) is not None


def is_time_column(name: str) -> bool:
    return _TIME_COLUMNS.fullmatch(name.strip()) is not None


@dataclass(frozen=True)
class SpeakerColumns:
    speaker: int
    text: int
    time: int | None


def table_rows(data: bytes, suffix: str) -> list[list[str]]:
    """The rows of a .csv, .tsv or .xlsx table as strings, header first."""
    return _rows_and_delimiter(data, suffix)[0]


def _rows_and_delimiter(data: bytes, suffix: str) -> tuple[list[list[str]], str]:
    if suffix == ".xlsx":
        return _xlsx_rows(data), ""
    text = decode_text(data)
    delimiter = "\t" if suffix == ".tsv" else _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return [row for row in reader], delimiter
    except csv.Error as exc:
        raise Unreadable(f"is not a valid table (line {reader.line_num}: {exc}); check its quotes") from None


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count) if header else ","


def _xlsx_rows(data: bytes) -> list[list[str]]:
    import openpyxl

    from .docx_file import check_unzipped_size

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_unzipped_size(archive.infolist(), len(data))
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the size a sheet declares is its word, not its cells: a 5 KB file claimed 17 billion
        rows, cells, deadline = [], 0, Deadline()
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_TABLE_CELLS or len(rows) >= MAX_TABLE_ROWS:
                raise Unreadable(f"holds more than {MAX_TABLE_CELLS:,} cells or {MAX_TABLE_ROWS:,} rows, far more than "
                                 "a transcript table; check that it is the right file, or split it")
            if len(rows) % 1000 == 0:
                deadline.check()
            rows.append(["" if value is None else str(value) for value in row])
        book.close()
        return rows
    except Unreadable:
        raise
    except Exception as exc:  # openpyxl raises whatever its parts raise; all mean a damaged file
        raise Unreadable(f"could not be read as an Excel workbook ({type(exc).__name__}); re-save it as .xlsx") from None


def speaker_columns(header: list[str]) -> SpeakerColumns | None:
    """The speaker, text and time columns of a speaker table, or None if it is not one."""
    names = [name.strip() for name in header]
    speaker = next((i for i, name in enumerate(names) if _SPEAKER_COLUMNS.fullmatch(name)), None)
    text = next((i for i, name in enumerate(names) if _TEXT_COLUMNS.fullmatch(name)), None)
    if speaker is None or text is None:
        return None
    time = next((i for i, name in enumerate(names) if _TIME_COLUMNS.fullmatch(name)), None)
    return SpeakerColumns(speaker, text, time)


def learned_columns(rows: list[list[str]]) -> SpeakerColumns | None:
    """The speaker and text columns of a table whose header does not name them both (a bilingual transcript headed
    'Hablante, Quechua, Castellano'; 'Persona, Original, Translation'), learned from its cells: the speaker column
    holds a few short names that recur and take turns row by row, the text column is the first other column with
    words in most rows (the others are kept as notes beside each turn), the time column one of clock times. None when
    no column is such a speaker."""
    header, body = rows[0], [row for row in rows[1:] if any(cell.strip() for cell in row)]
    if len(body) < 4:
        return None
    names = [name.strip() for name in header]
    named = next((i for i, name in enumerate(names) if _SPEAKER_COLUMNS.fullmatch(name)), None)
    speaker = named if named is not None else next((i for i in range(len(header)) if _takes_turns(body, i)), None)
    if speaker is None or not _takes_turns(body, speaker):
        return None
    time = next((i for i, name in enumerate(names) if _TIME_COLUMNS.fullmatch(name)), None)
    if time is None:  # '時間', 'Minuto': a column of clock times in most rows
        time = next((i for i in range(len(header)) if i != speaker and _timed(body, i)), None)
    text = next((i for i, name in enumerate(names) if _TEXT_COLUMNS.fullmatch(name)), None)
    if text is None:
        text = next((i for i in range(len(header)) if i not in (speaker, time) and _worded(body, i)), None)
    return SpeakerColumns(speaker, text, time) if text is not None else None


def _cells(body: list[list[str]], index: int) -> list[str]:
    return [" ".join(row[index].split()) if index < len(row) else "" for row in body]


def _takes_turns(body: list[list[str]], index: int) -> bool:
    """Short names (four words at most), at least two, each in two rows or more, changing from row to row in half
    the rows at least: a dialogue's speakers, not a survey's respondents (each once) nor a grouping column."""
    cells = [cell for cell in _cells(body, index) if cell]
    if len(cells) < 0.8 * len(body) or any(len(cell.split()) > 4 or not _LETTER.search(cell) for cell in cells):
        return False
    counts = {cell: cells.count(cell) for cell in set(cells)}
    changes = sum(a != b for a, b in zip(cells, cells[1:]))
    return 2 <= len(counts) <= max(8, len(cells) // 3) and min(counts.values()) >= 2 and changes >= 0.5 * (len(cells) - 1)


def _timed(body: list[list[str]], index: int) -> bool:
    cells = _cells(body, index)
    return sum(1 for cell in cells if _CLOCK_CELL.fullmatch(cell)) >= 0.8 * len(cells)


_CLOCK_CELL = re.compile(r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?")


def _worded(body: list[list[str]], index: int) -> bool:
    cells = _cells(body, index)
    return sum(1 for cell in cells if _LETTER.search(cell)) >= 0.8 * len(cells)


def timed_text_columns(header: list[str]) -> int | None:
    """The text column of a table of timed text with no speaker column, as speech-to-text tools write
    it ("start, end, text"): a time and a text column, no speaker and no participant column. None otherwise."""
    names = [name.strip() for name in header]
    if any(_SPEAKER_COLUMNS.fullmatch(name) for name in names) or _is_participants_header(header) \
            or any(re.sub(r"[\W_]+", "", name).casefold() in _PARTICIPANT_ID_COLUMNS for name in names):
        return None
    text = next((i for i, name in enumerate(names) if _TEXT_COLUMNS.fullmatch(name)), None)
    timed = any(_TIME_COLUMNS.fullmatch(name) for name in names)
    return text if timed else None


def kind_of_header(header: list[str]) -> str:
    if speaker_columns(header) is not None or timed_text_columns(header) is not None:
        return TRANSCRIPT
    return PARTICIPANTS if _is_participants_header(header) else SURVEY


def kind_of_rows(rows: list[list[str]]) -> str:
    """``kind_of_header`` of the table's header, and a transcript too when its cells show speakers taking turns."""
    kind = kind_of_header(rows[0]) if rows else SURVEY
    return TRANSCRIPT if kind == SURVEY and learned_columns(rows) is not None else kind


# Columns that name who a row is about, in a participants (demographics) table.
_PARTICIPANT_ID_COLUMNS = ("participant", "participantid", "pid", "id")


def _is_participants_header(header: list[str]) -> bool:
    """A participant-id column and no text: no response column, and not the one other column a survey
    reads as its answers (``participant,transcript`` is the participants format itself)."""
    names = [re.sub(r"[\W_]+", "", name).casefold() for name in header]
    if not any(name in _PARTICIPANT_ID_COLUMNS for name in names):
        return False
    if any(name.strip().casefold() in _RESPONSE_COLUMNS for name in header):
        return False
    others = [name for name in names if name not in (*_PARTICIPANT_ID_COLUMNS, "question")]
    return len(others) != 1 or "transcript" in names


def read_speaker_table(data: bytes, suffix: str, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
                       **_options) -> ParsedTranscript:
    rows, delimiter = _rows_and_delimiter(data, suffix)
    columns = speaker_columns(rows[0]) if rows else None
    if columns is None and rows and timed_text_columns(rows[0]) is None:
        columns = learned_columns(rows)
    if columns is None and rows and (text := timed_text_columns(rows[0])) is not None:
        # a table of timed text naming no speaker: its text cells read as a text file's paragraphs,
        # with their own labels if any ("SPEAKER_00: ...")
        cells = [" ".join(row[text].split()) for row in rows[1:] if text < len(row) and row[text].strip()]
        return read_layout("\n\n".join(cells), by_line=False, without=without, taught=taught)
    if columns is None:
        found = ", ".join(rows[0]) if rows else "none"
        raise Unreadable(
            f"is a table without speaker and text columns (columns: {found}); name them 'speaker' and 'text' "
            "(a table with 'participant' and 'response' columns is read as survey responses)"
        )
    width, notes = _width(rows[0]), []
    drafts = []
    for number, row in enumerate(rows[1:], start=2):
        if extra_cells(row, width):  # never dropped: joined back into a last text column, else refused
            if suffix == ".xlsx":
                raise Unreadable(f"row {number} has a cell past the header's {width} columns; give its column "
                                 "a header or move it into the text")
            if columns.text != width - 1:
                raise Unreadable(f"{extra_cells_problem(number, len(row), width)}; {EXTRA_CELLS_FIX}")
            notes.append(rejoined_note(number, row, width))
            row = rejoined(row, width, delimiter)
        cell = lambda index: row[index].strip() if index is not None and index < len(row) else ""  # noqa: E731
        speaker, body = " ".join(cell(columns.speaker).split()), cell(columns.text)
        if not body:
            continue
        if not speaker:  # a stage note ("[recording starts]"): kept as text, nobody's speech
            notes.append(f"row {number} has no speaker: kept as a note, not speech (fill in its speaker "
                         "column to make it someone's)")
            drafts.append(DraftTurn("", body))
            continue
        drafts.append(DraftTurn(speaker, body, cell(columns.time) or None, label_role(speaker)))
        if kept := _other_cells(rows[0], row, columns):
            drafts.append(DraftTurn("", kept))
    if not any(draft.speaker for draft in drafts):
        raise Unreadable("contains no transcript text; check that it is the right file")
    header = rows[0]
    used = ", ".join(header[i] for i in (columns.speaker, columns.text, columns.time) if i is not None)
    noted = [name.strip() for i, name in enumerate(header) if i in _worded_columns(rows, columns)]
    if noted:
        notes.append(f"column(s) {', '.join(noted)} kept as a note below each row's turn, not speech")
    return rendered(drafts, layout=f"speaker table (columns: {used})", warnings=notes)


def _worded_columns(rows: list[list[str]], columns: SpeakerColumns) -> set[int]:
    """The columns beside speaker, text and time whose cells hold words ("tags": a project's codes, "notes"):
    never dropped. Columns of numbers only (an end time, a confidence) are the table's scaffolding."""
    used = {columns.speaker, columns.text, columns.time}
    return {i for i in range(len(rows[0])) if i not in used
            and any(i < len(row) and _LETTER.search(row[i]) for row in rows[1:])}


def _other_cells(header: list[str], row: list[str], columns: SpeakerColumns) -> str:
    """``row``'s cells in the worded columns beside its turn, each after its column's name ("tags: family")."""
    used = {columns.speaker, columns.text, columns.time}
    cells = [f"{header[i].strip()}: {' '.join(row[i].split())}" for i in range(min(len(header), len(row)))
             if i not in used and _LETTER.search(row[i])]
    return "; ".join(cells)


_LETTER = re.compile(r"[^\W\d_]")


def _width(header: list[str]) -> int:
    """The header's columns, up to its last named one (a spreadsheet's row runs on, empty)."""
    return max((i + 1 for i, name in enumerate(header) if name.strip()), default=len(header))



_RESPONSE_COLUMNS = ("response", "answer", "text")


@dataclass(frozen=True)
class _SurveyColumns:
    participant: int
    response: int
    question: int | None


def survey_responses(text: str) -> list[SurveyResponse]:
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    notes: dict[str, list[str]] = {}
    try:
        header = next(rows, [])
        columns, width = _survey_columns(header), _width(header)
        drafts: dict[str, list[DraftTurn]] = {}
        for row in rows:
            if extra_cells(row, width):  # never dropped: joined back into a last response column, else refused
                if columns.response != width - 1:
                    raise Unreadable(f"{extra_cells_problem(rows.line_num, len(row), width)}; {EXTRA_CELLS_FIX}")
                notes.setdefault(" ".join(row[columns.participant].split()), []).append(
                    rejoined_note(rows.line_num, row, width))
                row = rejoined(row, width)
            _add_survey_row(drafts, columns, row, rows.line_num)
    except csv.Error as exc:
        raise Unreadable(f"is not a valid CSV file (line {rows.line_num}: {exc})") from None
    if not drafts:
        raise Unreadable("contains no responses; check that it is the right file")
    return [SurveyResponse(participant, rendered(turns, layout="survey responses", warnings=notes.get(participant, ())))
            for participant, turns in drafts.items()]


def _survey_columns(header: list[str]) -> _SurveyColumns:
    names = [name.strip().casefold() for name in header]
    found = ", ".join(header) or "none"
    if "participant" not in names:
        raise Unreadable(f"has no 'participant' column (columns: {found}); add one naming who answered")
    participant = names.index("participant")
    question = names.index("question") if "question" in names else None
    response = next((names.index(name) for name in _RESPONSE_COLUMNS if name in names), None)
    others = [index for index in range(len(names)) if index not in (participant, question)]
    if response is None and len(others) == 1:
        response = others[0]
    if response is None:
        raise Unreadable(
            f"has no 'response' column (columns: {found}); name the column holding the answers 'response'"
        )
    return _SurveyColumns(participant, response, question)


def _add_survey_row(
    drafts: dict[str, list[DraftTurn]], columns: _SurveyColumns, row: list[str], line: int
) -> None:
    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    participant, response = " ".join(cell(columns.participant).split()), cell(columns.response)
    if not response:
        return
    if not participant:
        raise Unreadable(f"line {line} has a response but no participant; fill in the participant column")
    turns = drafts.setdefault(participant, [])
    if question := cell(columns.question):
        turns.append(DraftTurn(PROTOCOL_INTERVIEWER, question, role_hint="interviewer"))
    turns.append(DraftTurn(participant, response, role_hint="participant"))


