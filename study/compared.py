"""Which of the compared raters applied each code where, grouped in the database.

Agreement (``agreement.units``), carrying agreements into the consensus and what the consensus
covers (``consensus``) all start from one question: on each segment (or whole transcript) of the
compared transcripts, which of the compared raters applied each code? ``applied`` asks the
database once per batch of transcripts and receives one row per (transcript, segment, code) that
some compared rater applied, the raters as bits of one number, so that what is read is bounded by
the segment x code pairs in use, not by the codings (a code applied on several spans counts once
per rater).

Index: ``ix_codings_units`` (transcript, segment, code, rater, span start) holds every column the
grouping reads, so each transcript's groups are read in index order without table lookups. SQLite,
which keeps no statistics here, would rather search the unique (rater, transcript, code, key) index
once per rater and transcript, then read every coding's row and sort the groups: the rater filter is
written so that it cannot use an index there (``_not_searched``): 0.36 -> 0.14 s CPU for two raters
and 1.09 -> 0.69 s for six at 500 transcripts x 200 segments.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, Integer, Select, Text, and_, case, func, select, type_coerce
from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from .errors import BadValue
from .schema import codings

BATCH = 500  # transcripts per query: an IN list both backends take whole
PART = 10_000  # rows fetched at a time
MOST_RATERS = 62  # each rater is one bit of a 64-bit signed integer


def everyone(n_raters: int) -> int:
    """The ``raters`` bits of a code every one of ``n_raters`` applied."""
    return (1 << n_raters) - 1


def applied_query(transcript_ids: Sequence[int], rater_ids: Sequence[int],
                  segment_ids: Sequence[int] | None = None) -> Select:
    """``applied``'s grouped query for one batch of transcripts (only ``segment_ids`` of them, when given)."""
    query = (
        select(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id,
               raters_bits(rater_ids).label("raters"), func.count().label("codings"),
               func.max(case((codings.c.span_start.is_(None), 1), else_=0)).label("whole"))
        .where(*compared_codings(transcript_ids, rater_ids))
        .group_by(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id)
    )
    return query if segment_ids is None else query.where(codings.c.segment_id.in_(list(segment_ids)))


def bits_query(transcript_ids: Sequence[int], rater_ids: Sequence[int]) -> Select:
    """``applied_query``'s groups with only ``segment_id``, ``code_id`` and ``raters``: less to keep
    where the groups are read twice (a CTE), 0.2 s of SQLite's 1.1 at 500 x 200, six raters."""
    return applied_query(transcript_ids, rater_ids).with_only_columns(
        codings.c.segment_id, codings.c.code_id, raters_bits(rater_ids).label("raters"))


def distinct_list(column: ColumnElement[int]) -> ColumnElement[str]:
    """An aggregate: the distinct values of ``column`` in a group, as text joined by commas, in no
    particular order (SQLite cannot order them): read it as a set."""
    return type_coerce(_per_dialect(func.string_agg(column.cast(Text).distinct(), ","),
                                    func.group_concat(column.distinct())), Text)


def transcript_applied_query(transcript_ids: Sequence[int], rater_ids: Sequence[int]) -> Select:
    """Which of ``rater_ids`` applied each code anywhere in each transcript of one batch (the units of
    the participant level gather a transcript's codings): ``transcript_id``, ``code_id``, ``raters``
    (``applied``'s bits)."""
    return (select(codings.c.transcript_id, codings.c.code_id, raters_bits(rater_ids).label("raters"))
            .where(*compared_codings(transcript_ids, rater_ids))
            .group_by(codings.c.transcript_id, codings.c.code_id))


def raters_bits(rater_ids: Sequence[int]) -> ColumnElement[int]:
    """An aggregate of a group of codings: bit ``i`` set when ``rater_ids[i]`` wrote one of them."""
    if len(rater_ids) > MOST_RATERS:
        raise BadValue(f"{len(rater_ids)} raters compared at once; compare at most {MOST_RATERS}")
    return _per_dialect(
        # PostgreSQL: one max per rater, summed; a DISTINCT would sort each group apart
        sum(func.max(case((codings.c.rater_id == rater, 1 << i), else_=0)) for i, rater in enumerate(rater_ids)),
        # SQLite: the distinct raters' bits summed, one CASE per coding rather than one per rater and
        # coding: 0.65 -> 0.43 s CPU for six raters at 500 x 200, the same for two
        func.sum(case(*((codings.c.rater_id == rater, 1 << i) for i, rater in enumerate(rater_ids))).distinct()))


def compared_codings(transcript_ids: Sequence[int], rater_ids: Sequence[int]) -> tuple[ColumnElement[bool], ...]:
    """The codings of ``rater_ids`` in ``transcript_ids``, as filters."""
    return (codings.c.transcript_id.in_(list(transcript_ids)), _not_searched(codings.c.rater_id).in_(list(rater_ids)))


class _not_searched(FunctionElement):
    """A column as a filter SQLite's planner will not search an index by (SQLite's unary ``+``);
    the column itself elsewhere (PostgreSQL plans from its statistics)."""

    type = Integer()
    inherit_cache = True


@compiles(_not_searched)
def _column(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(_not_searched, "sqlite")
def _column_unsearched(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


class _per_dialect(FunctionElement):
    """The first expression given on PostgreSQL, the second on SQLite: the same value, computed
    the way each database does fastest."""

    type = Integer()
    inherit_cache = True


@compiles(_per_dialect)
def _first(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(_per_dialect, "sqlite")
def _second(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[1], **kw)


def applied(connection: Connection | Session, transcript_ids: Sequence[int], rater_ids: Sequence[int],
            segment_ids: Sequence[int] | None = None) -> Iterator[Row]:
    """Every (transcript, segment, code) of ``transcript_ids`` that some of ``rater_ids`` applied,
    whole-transcript codings included (segment None), in batches of transcripts. Each row:
    ``transcript_id``, ``segment_id``, ``code_id``; ``raters``, bit ``i`` set when ``rater_ids[i]``
    applied the code there (``everyone``: all did); ``codings``, the rows behind it (spans counted
    apart); ``whole``, 1 when some rater applied it to the whole segment rather than a span.
    ``segment_ids``: only those segments (a few: one IN list)."""
    ids = list(transcript_ids)
    for start in range(0, len(ids), BATCH):
        query = applied_query(ids[start:start + BATCH], rater_ids, segment_ids)
        for rows in connection.execute(query).partitions(PART):
            yield from rows


def counted_query(transcript_ids: Sequence[int], rater_ids: Sequence[int]) -> Select:
    """How many of ``rater_ids`` applied each code where, for one batch of transcripts: ``applied``'s
    groups (``transcript_id``, ``segment_id``, ``code_id``) with ``raters`` the number of raters
    rather than their bits. SQLite counts the distinct raters in the index's order, a third of the
    CPU of the bits' one CASE per rater (0.31 against 0.77 s for six raters at 500 x 200)."""
    return (select(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id,
                   func.count(codings.c.rater_id.distinct()).label("raters"))
            .where(*compared_codings(transcript_ids, rater_ids))
            .group_by(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id))


def split(counted, n_raters: int) -> ColumnElement[bool]:
    """``counted_query``'s groups (``counted``, as a subquery or CTE) where some of ``n_raters``
    applied a code to a segment and some did not: ``disputed_query``'s rule on counts."""
    return and_(counted.c.segment_id.is_not(None), counted.c.raters < n_raters)


def disputed_query(transcript_ids: Sequence[int], rater_ids: Sequence[int]) -> Select:
    """``applied``'s groups where some of ``rater_ids`` applied a code to a segment and some did not
    (one batch of transcripts): ``transcript_id``, ``segment_id``, ``code_id``, ``raters``."""
    grouped = applied_query(transcript_ids, rater_ids).subquery("grouped")
    return (select(grouped.c.transcript_id, grouped.c.segment_id, grouped.c.code_id, grouped.c.raters)
            .where(grouped.c.segment_id.is_not(None), grouped.c.raters != everyone(len(rater_ids))))


def disputed_segments(connection: Connection | Session, transcript_ids: Sequence[int],
                      rater_ids: Sequence[int]) -> set[int]:
    """The segments of ``transcript_ids`` where some of ``rater_ids`` applied a code and some did
    not: ``disputed_query`` reduced in the database, only segment ids read."""
    ids, found = list(transcript_ids), set()
    for start in range(0, len(ids), BATCH):
        disputed = disputed_query(ids[start:start + BATCH], rater_ids).subquery("disputed")
        found.update(connection.scalars(select(disputed.c.segment_id).distinct()))
    return found


def agreed(connection: Connection | Session, transcript_ids: Sequence[int],
           rater_ids: Sequence[int]) -> Iterator[tuple[int, int, int]]:
    """(transcript id, segment id, code id, whole) wherever every one of ``rater_ids`` applied the
    code to a segment (``whole``: 1 when some applied it to the whole segment): ``applied``'s groups
    filtered in the database."""
    ids = list(transcript_ids)
    for start in range(0, len(ids), BATCH):
        grouped = applied_query(ids[start:start + BATCH], rater_ids).subquery("grouped")
        yield from connection.execute(
            select(grouped.c.transcript_id, grouped.c.segment_id, grouped.c.code_id, grouped.c.whole)
            .where(grouped.c.segment_id.is_not(None), grouped.c.raters == everyone(len(rater_ids))))


def spans_applied(connection: Connection | Session, transcript_ids: Sequence[int],
                  rater_ids: Sequence[int]) -> Iterator[tuple[int, int, int, int]]:
    """(segment id, code id, start, end) of every distinct span ``rater_ids`` coded in the
    transcripts (whole-segment codings left out: ``Applied.whole`` says where they are)."""
    ids = list(transcript_ids)
    for start in range(0, len(ids), BATCH):
        yield from connection.execute(
            select(codings.c.segment_id, codings.c.code_id, codings.c.span_start, codings.c.span_end).distinct()
            .where(codings.c.transcript_id.in_(ids[start:start + BATCH]), codings.c.rater_id.in_(list(rater_ids)),
                   codings.c.segment_id.is_not(None), codings.c.span_start.is_not(None)))
