"""Participants: who each transcript belongs to, and their attributes (demographics).

A participant's label can be fixed after import, and a transcript given to another participant
(a file name is not a participant ID); a participants table applies to transcripts already in
the study too. Each change is one transaction and one audit entry.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .auth import Actor
from .csv_quotes import EXTRA_CELLS_FIX, QUOTE_FIX, extra_cells, extra_cells_problem, unclosed_quote
from .errors import Conflict, InvalidName, NotFound, ParticipantsError
from .names import check_name
from .store import Exclusion, Participant, Study, Transcript, audit
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
    if match := re.search(r"(?i)interview[-_ ]?(\d{1,3})(?!\d)", stem):  # 4 digits are a year, not a participant
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


@dataclass(frozen=True)
class Moved:
    """A transcript given to another participant; ``removed``: the participant it left, deleted
    because nothing was left of them (no transcript, no attribute, no exclusion)."""

    transcript: str
    before: str | None
    after: str
    removed: bool = False

    def __str__(self) -> str:
        said = f"{self.transcript}: participant {self.after} (was {self.before or 'none'})"
        return said + (f"; {self.before} had nothing left and was removed" if self.removed else "")


@dataclass(frozen=True)
class ParticipantsApplied:
    """What a participants table did: participants saved, transcripts already in the study given
    to the participant it names, and transcripts it names that the study does not hold."""

    participants: int
    moved: tuple[Moved, ...] = ()
    not_in_study: tuple[str, ...] = ()


def apply_participants(session: Session, actor: Actor, rows: list[ParticipantRow], source: str,
                       expected: frozenset[str] = frozenset()) -> ParticipantsApplied:
    """Save the table's participants and give every transcript it names that is in the study to
    its participant; audited in one entry. ``expected``: transcripts about to be imported with
    the table, not reported as missing."""
    actor.require_admin("import participants")
    save_participants(session, rows)
    moved, missing = [], []
    for row in rows:
        if not row.transcript:
            continue
        transcript = session.scalar(select(Transcript).where(Transcript.name == row.transcript))
        if transcript is None:
            if row.transcript not in expected:
                missing.append(row.transcript)
        elif transcript.participant is None or transcript.participant.label != row.label:
            moved.append(_move(session, transcript, row.label))
    applied = ParticipantsApplied(len(rows), tuple(moved), tuple(dict.fromkeys(missing)))
    audit(session, actor.name, "participants.import", source,
          after={"participants": len(rows), "moved": [str(m) for m in moved], "not_in_study": list(applied.not_in_study)})
    return applied


def load_participants(study: Study, actor: Actor, path: Path) -> ParticipantsApplied:
    """``apply_participants`` of a participants CSV on disk, in one transaction."""
    actor.require_admin("import participants")
    rows = read_participants_csv(path)
    with study.session() as session:
        return apply_participants(session, actor, rows, source=str(path))


def rename_participant(study: Study, actor: Actor, label: str, new: str) -> str:
    """Call participant ``label`` ``new`` (their transcripts and attributes stay); audited. A label
    another participant has is refused: give them the transcripts instead (``move_transcript``)."""
    actor.require_admin("rename a participant")
    new = check_name("participant", new)
    with study.session() as session:
        participant = _participant(session, label)
        if new == participant.label:
            raise Conflict(f"participant {new!r} is called so already")
        if session.scalar(select(Participant).where(Participant.label == new)) is not None:
            raise Conflict(f"participant {new!r} exists already",
                           f"give {participant.label}'s transcripts to {new} instead", remedy="move_transcript")
        old, participant.label = participant.label, new
        audit(session, actor.name, "participant.rename", old, before={"participant": old},
              after={"participant": new, "transcripts": [t.name for t in participant.transcripts]})
    return new


def move_transcript(study: Study, actor: Actor, transcript: str, participant: str) -> Moved:
    """Give ``transcript`` to ``participant`` (made if new); audited. The participant it leaves is
    removed when nothing is left of them (no transcript, attribute or exclusion)."""
    actor.require_admin("change a transcript's participant")
    participant = check_name("participant", participant)
    with study.session() as session:
        stored = session.scalar(select(Transcript).where(Transcript.name == transcript))
        if stored is None:
            raise NotFound(f"no transcript named {transcript!r}", "the transcripts list gives the names",
                           remedy="list_transcripts")
        if stored.participant is not None and stored.participant.label == participant:
            raise Conflict(f"{transcript} is {participant}'s already")
        moved = _move(session, stored, participant)
        audit(session, actor.name, "transcript.participant", stored.name, before={"participant": moved.before},
              after={"participant": moved.after, "removed": moved.before if moved.removed else None})
    return moved


def _move(session: Session, transcript: Transcript, label: str) -> Moved:
    before = transcript.participant
    transcript.participant = upsert_participant(session, label)
    session.flush()
    removed = before is not None and _nothing_left(session, before)
    if removed:
        session.delete(before)
        session.flush()
    return Moved(transcript.name, before.label if before is not None else None, label, removed)


def _nothing_left(session: Session, participant: Participant) -> bool:
    session.expire(participant, ["transcripts"])
    excluded = session.scalar(select(Exclusion.id).where(Exclusion.participant_id == participant.id))
    return not participant.transcripts and not participant.attributes and excluded is None


def _participant(session: Session, label: str) -> Participant:
    participant = session.scalar(select(Participant).where(Participant.label == label))
    if participant is None:
        raise NotFound(f"no participant {label!r}", "the participants list gives the labels",
                       remedy="list_transcripts_and_participants")
    return participant


def list_participants(study: Study) -> list[dict]:
    with study.session() as session:
        return _participant_rows(session)


def attribute_values(study: Study) -> list[tuple[str, str]]:
    """Every (attribute, value) the participants have, in order: what a search can filter by."""
    with study.session() as session:
        found = {(str(name), str(value)) for attributes in session.scalars(select(Participant.attributes))
                 for name, value in (attributes or {}).items() if value not in (None, "")}
    return sorted(found)


def require_attributes(study: Study, pairs: Sequence[tuple[str, str]]) -> None:
    """Refuse an attribute (name, value) no participant has, naming it and what there is: a filter by
    it (``feild=biology``, ``field=Biology``) would otherwise select nobody and look like an empty result."""
    if not pairs:
        return
    values: dict[str, list[str]] = {}
    for name, value in attribute_values(study):
        values.setdefault(name, []).append(value)
    for name, value in pairs:
        if name not in values:
            raise NotFound(f"no participant attribute {name!r}",
                           f"the attributes are {', '.join(values) or 'none yet (load a participants table)'}")
        if value not in values[name]:
            raise NotFound(f"no participant has {name}={value!r}", f"the values of {name} are {', '.join(values[name])}")


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
    # their transcripts in one more query, not one per participant (a survey holds thousands)
    participants = session.scalars(select(Participant).options(selectinload(Participant.transcripts))
                                   .order_by(Participant.id)).all()
    return [
        {
            "participant": p.label,
            "transcripts": [t.name for t in p.transcripts],
            "attributes": p.attributes,
        }
        for p in participants
    ]
