"""Participants: who each transcript belongs to, and their attributes (demographics)."""
from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .csv_quotes import EXTRA_CELLS_FIX, QUOTE_FIX, extra_cells, extra_cells_problem, unclosed_quote
from .errors import InvalidName, ParticipantsError
from .names import check_name
from .store import Participant, Study
from .table import Column, Table


@dataclass(frozen=True)
class ParticipantRow:
    label: str
    transcript: str | None
    attributes: dict[str, str] = field(default_factory=dict)


def read_participants_csv(path: Path) -> list[ParticipantRow]:
    """Rows of a participants CSV: a ``participant`` column, optionally ``transcript``, any others kept as attributes."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ParticipantsError(f"{path}: file not found") from None
    return participants_from_csv(data, str(path))


def participants_from_csv(data: bytes, name: str) -> list[ParticipantRow]:
    """``read_participants_csv`` of a file's bytes (an upload), errors naming ``name``."""
    import pandas as pd  # here, not at the top: listing participants or the codebook needs no pandas

    try:
        _check_quotes(data, name)
        with warnings.catch_warnings():  # only empty trailing cells are left: _check_quotes refused the others
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ParticipantsError(f"{name}: not a readable CSV ({exc}); save it as UTF-8 CSV") from None
    frame = frame.loc[:, [c for c in frame.columns if c.strip() and not c.startswith("Unnamed:")]]
    columns = {c.strip().casefold(): c for c in frame.columns}
    if "participant" not in columns:
        raise ParticipantsError(
            f"{name}: no 'participant' column (found: {', '.join(frame.columns)}); "
            "add a header 'participant,transcript,...'"
        )
    label_col, transcript_col = columns["participant"], columns.get("transcript")
    attribute_cols = [c for c in frame.columns if c not in (label_col, transcript_col)]
    rows = []
    for line, record in enumerate(frame.to_dict("records"), start=2):
        try:
            label = check_name("participant", record[label_col], where=f"{name}, line {line}")
        except InvalidName as exc:
            raise ParticipantsError(exc.what, exc.fix) from None
        transcript = record[transcript_col].strip() if transcript_col else None
        attributes = {c.strip(): record[c].strip() for c in attribute_cols}
        rows.append(ParticipantRow(label, transcript or None, attributes))
    return rows


def _check_quotes(data: bytes, name: str) -> None:
    """A quote never closed would fold the following participants into one attribute, and a row with
    more cells than the header would shift them (pandas takes its first cell as the row's index):
    refuse both, naming the line."""
    text = data.decode("utf-8-sig", errors="replace")
    if problem := unclosed_quote(text, "participant"):
        raise ParticipantsError(f"{name}, {problem}", QUOTE_FIX)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        width, line = len(next(reader, [])), reader.line_num + 1
        for row in reader:
            if extra_cells(row, width):
                raise ParticipantsError(f"{name}, {extra_cells_problem(line, len(row), width)}", EXTRA_CELLS_FIX)
            line = reader.line_num + 1
    except csv.Error:
        return  # pandas reports a malformed file itself


def participant_from_file_name(stem: str) -> str:
    """A participant label guessed from a transcript's name: P03-..., Interview-03-..., else the name."""
    if match := re.match(r"(?i)^(p\d+)\b", stem):
        return match.group(1).upper()
    if match := re.search(r"(?i)interview[-_ ]?(\d+)", stem):
        return str(int(match.group(1)))
    return stem


def upsert_participant(session: Session, label: str, attributes: dict | None = None) -> Participant:
    label = check_name("participant", label)
    participant = session.scalar(select(Participant).where(Participant.label == label))
    if participant is None:
        participant = Participant(label=label, attributes=dict(attributes or {}))
        session.add(participant)
        session.flush()
    elif attributes:
        participant.attributes = {**participant.attributes, **attributes}
    return participant


def save_participants(session: Session, rows: list[ParticipantRow]) -> None:
    for row in rows:
        upsert_participant(session, row.label, row.attributes)


def list_participants(study: Study) -> list[dict]:
    with study.session() as session:
        return _participant_rows(session)


def participant_table(rows: list[dict]) -> Table:
    """The participants (``list_participants``) as the one table `study participants` prints and
    the Transcripts page draws: label, transcripts, then each attribute in order of first use."""
    attributes = list(dict.fromkeys(a for r in rows for a in r["attributes"]))
    columns = (Column("participant", "participant"), Column("transcripts", "transcripts"),
               *(Column(f"attribute {a}", a) for a in attributes))
    flat = tuple({"participant": r["participant"], "transcripts": r["transcripts"],
                  **{f"attribute {a}": r["attributes"].get(a) for a in attributes}} for r in rows)
    return Table(title="Participants", columns=columns, rows=flat, name="participants")


def _participant_rows(session: Session) -> list[dict]:
    participants = session.scalars(select(Participant).order_by(Participant.id)).all()
    return [
        {
            "participant": p.label,
            "transcripts": [t.name for t in p.transcripts],
            "attributes": p.attributes,
        }
        for p in participants
    ]
