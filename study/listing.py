"""What a study holds, as rows for listings (the ``study transcripts`` and ``study segments``
commands, the demo): reads of the tables in SQLAlchemy Core, a fixed few queries whatever the
study's size, and no ORM, so listing starts at once."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from .database import Study
from .errors import NotFound
from .excluded import excluded_transcript_ids
from .schema import participants, segments, transcripts
from .table import Column, Table

TRANSCRIPT_COLUMNS = (
    Column("name", "transcript"), Column("participant", "participant"),
    Column("segments", "segments", numeric=True), Column("words", "words", numeric=True),
    Column("unit", "unit"), Column("date", "date"), Column("excluded", "excluded"),
)


def transcript_names(study: Study) -> list[str]:
    """Every transcript's name, in import order (one small query: for pickers, not counts)."""
    with study.connection() as connection:
        return list(connection.scalars(select(transcripts.c.name).order_by(transcripts.c.id)))


def require_names(study: Study, transcript_names: Sequence[str] = (), participant_labels: Sequence[str] = ()) -> None:
    """Refuse a transcript or participant the study does not hold: a filter naming one (a typo,
    ``P3`` for ``P03``) would otherwise select nothing and look like an empty result."""
    for column, names, what in ((transcripts.c.name, transcript_names, "transcript"),
                                (participants.c.label, participant_labels, "participant")):
        if not names:
            continue
        with study.connection() as connection:
            found = set(connection.scalars(select(column).where(column.in_(set(names)))))
        if missing := [name for name in dict.fromkeys(names) if name not in found]:
            raise NotFound(f"no {what} named {', '.join(map(repr, missing))}",
                           "the transcripts and participants lists give the names",
                           remedy="list_transcripts_and_participants")


def transcript_rows(study: Study) -> list[dict]:
    """One row per transcript: name, participant, segments, words, unit, date, and whether it is
    excluded (left out of findings and agreement, itself or with its participant)."""
    # whole rows, not just the columns shown: SQLite then notices a damaged record instead of
    # handing over values read out of it (offsets to count words by, say)
    with study.connection() as connection:
        rows = connection.execute(
            select(transcripts, participants.c.label)
            .outerjoin(participants, transcripts.c.participant_id == participants.c.id)
            .order_by(transcripts.c.id)).all()
        spans: dict[int, list[tuple[int, int]]] = {row.id: [] for row in rows}
        for segment in connection.execute(select(segments).order_by(segments.c.transcript_id, segments.c.index)):
            spans[segment.transcript_id].append((segment.start, segment.end))
        excluded = excluded_transcript_ids(connection)
    return [
        {
            "name": row.name,
            "participant": row.label,
            "segments": len(spans[row.id]),
            "words": sum(len(row.text[start:end].split()) for start, end in spans[row.id]),
            "unit": row.unit,
            "date": row.interview_date,
            "excluded": row.id in excluded,
        }
        for row in rows
    ]


def transcript_table(rows: Sequence[dict], progress: Mapping[str, Mapping[str, str]] | None = None) -> Table:
    """The transcripts (``transcript_rows``) as the one table `study transcripts` prints and the
    Transcripts page draws; ``progress`` adds a column per coder: {rater: {transcript: "2 / 4, done"}}."""
    progress = progress or {}
    columns = (*TRANSCRIPT_COLUMNS, *(Column(f"progress of {rater}", rater) for rater in progress))
    rows = tuple({**row, **{f"progress of {rater}": cells.get(row["name"], "") for rater, cells in progress.items()}}
                 for row in rows)
    return Table(title="Transcripts", columns=columns, rows=rows, name="transcripts")


def segment_rows(study: Study, name: str) -> list[dict]:
    """One row per segment of transcript ``name``: index, speaker, role, offsets, text, timestamp."""
    with study.connection() as connection:
        transcript = connection.execute(
            select(transcripts.c.id, transcripts.c.text).where(transcripts.c.name == name)).first()
        if transcript is None:
            raise NotFound(f"no transcript named {name!r}", "the transcripts list gives the names",
                             remedy="list_transcripts")
        rows = connection.execute(
            select(segments.c.index, segments.c.speaker, segments.c.role, segments.c.start, segments.c.end,
                   segments.c.timestamp)
            .where(segments.c.transcript_id == transcript.id).order_by(segments.c.index)).all()
    return [
        {"index": index, "speaker": speaker, "role": role, "start": start, "end": end,
         "text": transcript.text[start:end], "timestamp": timestamp}
        for index, speaker, role, start, end, timestamp in rows
    ]
