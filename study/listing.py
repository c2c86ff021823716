"""What a study holds, as rows for listings (the ``study transcripts`` and ``study segments``
commands, the demo): reads of the tables in SQLAlchemy Core, a fixed few queries whatever the
study's size, and no ORM, so listing starts at once."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Select, func, or_, select

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


TRANSCRIPT_ORDERS = ("import order", "name", "participant", "segments")  # what the listing sorts by, in SQL


def transcript_rows(study: Study, offset: int = 0, limit: int | None = None, order: str = "import order",
                    descending: bool = False, contains: str = "") -> list[dict]:
    """One row per transcript: name, participant, segments, words, unit, date, and whether it is
    excluded (left out of findings and agreement, itself or with its participant). ``contains``
    keeps the transcripts whose name or participant holds it (any case); ``order`` (one of
    ``TRANSCRIPT_ORDERS``, ties in import order), ``offset`` and ``limit`` choose a page, in the
    database: a page costs its rows, not the study's."""
    count = select(func.count()).where(segments.c.transcript_id == transcripts.c.id).scalar_subquery()
    key = {"import order": transcripts.c.id, "name": transcripts.c.name,
           "participant": participants.c.label, "segments": count}[order]
    # whole rows, not just the columns shown: SQLite then notices a damaged record instead of
    # handing over values read out of it (offsets to count words by, say)
    query = (_filtered(select(transcripts, participants.c.label), contains)
             .order_by(key.is_(None), key.desc() if descending else key, transcripts.c.id)
             .offset(offset).limit(limit))
    with study.connection() as connection:
        rows = connection.execute(query).all()
        spans: dict[int, list[tuple[int, int]]] = {row.id: [] for row in rows}
        listed = query.with_only_columns(transcripts.c.id).subquery()  # the page's own segments
        for tid, start, end in connection.execute(
                select(segments.c.transcript_id, segments.c.start, segments.c.end)
                .where(segments.c.transcript_id.in_(select(listed.c.id)))
                .order_by(segments.c.transcript_id, segments.c.index)):
            spans[tid].append((start, end))
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


def participant_of(study: Study, name: str) -> str | None:
    """The participant transcript ``name`` is of (None: nobody's, or no such transcript)."""
    with study.connection() as connection:
        return connection.scalar(select(participants.c.label).join_from(
            transcripts, participants, transcripts.c.participant_id == participants.c.id)
            .where(transcripts.c.name == name))


def count_transcripts(study: Study, contains: str = "") -> int:
    """How many transcripts ``transcript_rows`` lists with the same filter (counted in the database)."""
    with study.connection() as connection:
        return connection.scalar(_filtered(select(func.count()).select_from(transcripts), contains))


def _filtered(query: Select, contains: str) -> Select:
    """``query`` over the transcripts joined to their participant, keeping those whose name or
    participant holds ``contains`` (any case, taken literally: ``%`` and ``_`` are not wildcards)."""
    query = query.select_from(transcripts.outerjoin(participants, transcripts.c.participant_id == participants.c.id))
    if contains.strip():
        words = contains.strip()
        query = query.where(or_(transcripts.c.name.icontains(words, autoescape=True),
                                participants.c.label.icontains(words, autoescape=True)))
    return query


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
