"""Which transcripts are left out of findings and agreement: the one rule that findings, sources,
agreement, the report and the listings read (``study.exclusion`` records and lifts exclusions).

In SQLAlchemy Core, so that it runs on an ORM session or a plain connection alike and a listing
can ask it without loading the ORM."""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.engine import Connection

from .schema import exclusions, transcripts


def excluded_transcript_ids(connection: Connection) -> set[int]:
    """Ids of the transcripts left out: excluded themselves, or their participant is (``connection``:
    a Core connection or an ORM session)."""
    return set(connection.scalars(excluded_query()))


def excluded_query() -> Select:
    """The rule as a query: ids of the transcripts left out (for aggregation in the database)."""
    participants = select(exclusions.c.participant_id).where(exclusions.c.participant_id.is_not(None))
    direct = select(exclusions.c.transcript_id).where(exclusions.c.transcript_id.is_not(None))
    return select(transcripts.c.id).where(
        or_(transcripts.c.id.in_(direct), transcripts.c.participant_id.in_(participants)))
