"""What a study holds, as rows for listings (the ``study transcripts`` and ``study segments``
commands, the demo): reads of the store only, so listing starts at once."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from .errors import StudyError
from .exclusion import excluded_transcript_ids
from .store import Study, Transcript
from .table import Column, Table

TRANSCRIPT_COLUMNS = (
    Column("name", "transcript"), Column("participant", "participant"),
    Column("segments", "segments", numeric=True), Column("words", "words", numeric=True),
    Column("unit", "unit"), Column("date", "date"), Column("excluded", "excluded"),
)


def transcript_rows(study: Study) -> list[dict]:
    """One row per transcript: name, participant, segments, words, unit, date, and whether it is
    excluded (left out of findings and agreement, itself or with its participant)."""
    with study.session() as session:
        transcripts = session.scalars(select(Transcript).order_by(Transcript.id)).all()
        excluded = excluded_transcript_ids(session)
        return [
            {
                "name": t.name,
                "participant": t.participant.label if t.participant else None,
                "segments": len(t.segments),
                "words": sum(len(t.text[s.start : s.end].split()) for s in t.segments),
                "unit": t.unit,
                "date": t.interview_date,
                "excluded": t.id in excluded,
            }
            for t in transcripts
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
    with study.session() as session:
        transcript = session.scalar(select(Transcript).where(Transcript.name == name))
        if transcript is None:
            raise StudyError(f"no transcript named {name!r}", "the transcripts list gives the names",
                             remedy="list_transcripts")
        return [
            {
                "index": s.index, "speaker": s.speaker, "role": s.role, "start": s.start, "end": s.end,
                "text": transcript.text[s.start : s.end], "timestamp": s.timestamp,
            }
            for s in transcript.segments
        ]
