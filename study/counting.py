"""A source's codings counted in the database: what the findings tables read, as SQL aggregates.

A *unit* is one (transcript, segment, code) the source keeps (``study.sources``): the codes its
raters applied there, with ``votes`` (how many of them applied it), kept when ``votes`` reaches
the source's ``votes_needed``; whole-transcript codings are units with segment None. Only units
in the transcripts the source counts (``coverage.counted_query``, the one rule for M) whose
transcript belongs to a participant are kept. Everything here is a Core query over those units,
so that the database groups and the reader receives rows bounded by what it shows (codes x
participants, one exemplar per code), not by the number of codings.

Indexes the queries lean on: ``ix_codings_source`` (rater, transcript, segment, code) covers
the grouping of the units; ``transcript_status``'s key answers the counted transcripts.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Integer, Select, String, and_, case, cast, column, distinct, func, null, select, tuple_, values
from sqlalchemy.engine import Connection

from . import code_tree
from .consensus import chunks
from .coverage import counted_query
from .excluded import excluded_query
from .names import natural_key
from .schema import codes, codings, participants, segments, transcripts, users
from .sources import Source

if TYPE_CHECKING:  # numpy loads with the co-occurrence that needs it: quoting and counting start without it
    import numpy as np


def units_query(raters: Sequence[str], votes_needed: int, counting: Sequence[str], on_segment: bool = False,
                weighed: bool = True, within: Select | Sequence[int] | None = None) -> Select:
    """The source's units as a query: transcript_id, segment_id, code_id, votes, participant_id;
    with ``on_segment`` also codes_on_segment: how many units the segment carries (what the exemplar
    rule weighs), counted by a window in the grouping's own pass, over its rows in their order.
    Without ``weighed`` the units alone, without votes: what a count of them needs
    (SQLite computes a subquery's every column: the tally's grouping at 500 interviews 0.62 -> 0.42 s).

    ``raters``: whose codings (names); ``counting``: whose done marks decide what counts; ``within``:
    transcript ids (or a query of them) to keep alone (a page of participants), applied inside the grouping."""
    rater_ids = select(users.c.id).where(users.c.name.in_(sorted(set(raters))))
    votes = func.count(distinct(codings.c.rater_id))
    # partitioned by transcript and segment (a segment lies in one transcript), the grouping's order:
    # PostgreSQL then counts without sorting the units again (by segment alone it sorted 420,000 on disk)
    codes_on_segment = func.count().over(partition_by=(codings.c.transcript_id, codings.c.segment_id))
    # ``within`` first: SQLite, without statistics, walks the codings' index by the first list of
    # transcripts it is given; last, it walked every counted transcript's codings to keep a page's
    # (at 500 interviews 0.10 s for each 25 participants' rows, and the codings grouped out of order)
    kept = [codings.c.transcript_id.in_(within)] if within is not None else []
    grouped = (
        select(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id,
               *([votes.label("votes")] if weighed else []),
               *([codes_on_segment.label("codes_on_segment")] if on_segment else []))
        .where(*kept, codings.c.rater_id.in_(rater_ids), codings.c.transcript_id.in_(counted_query(counting)))
        .group_by(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id)
    )
    if votes_needed > 1:  # every group holds a coding, so one vote is always there
        grouped = grouped.having(votes >= votes_needed)
    grouped = grouped.subquery("grouped")
    return (select(grouped, transcripts.c.participant_id)
            .join(transcripts, transcripts.c.id == grouped.c.transcript_id)
            .where(transcripts.c.participant_id.is_not(None)))


def source_units(source: Source, counting: Sequence[str], on_segment: bool = False, weighed: bool = True,
                 within: Select | Sequence[int] | None = None) -> Select:
    """``units_query`` for a source (``counting``: ``coverage.counting_raters``)."""
    return units_query(source.raters, source.votes_needed, counting, on_segment, weighed, within)


def under_parents(connection: Connection, units: Select, rule: str) -> Select:
    """``units`` by the parent rule (``code_tree``): with WITH_CODES_BELOW each unit also counts for
    every code above its code, once per (transcript, segment, code), taking the votes of the unit with
    the lowest code id among those that count for it (its code: ``coded_as``, whose span an exemplar
    quotes), and the segment's codes_on_segment (when the units carry it: the segment's own units,
    before the rule). Unchanged when no code nests (a unit is then coded as its code)."""
    nested = connection.scalar(select(func.count()).where(codes.c.parent_code_id.is_not(None)))
    if code_tree.check_parent_rule(rule) == code_tree.OWN_CODINGS or not nested:
        return units
    own = units.subquery("own")
    tree = code_tree.code_ancestry()
    first = func.row_number().over(partition_by=(own.c.transcript_id, own.c.segment_id, tree.c.ancestor_id),
                                   order_by=own.c.code_id)
    carried = [name for name in ("votes", "participant_id", "codes_on_segment") if name in own.c]
    expanded = (select(own.c.transcript_id, own.c.segment_id, tree.c.ancestor_id.label("code_id"),
                       *[own.c[name] for name in carried], own.c.code_id.label("coded_as"), first.label("first"))
                .join(tree, tree.c.descendant_id == own.c.code_id)
                .where(code_tree.counts_under(tree, rule))).subquery("expanded")
    return (select(expanded.c.transcript_id, expanded.c.segment_id, expanded.c.code_id,
                   *[expanded.c[name] for name in carried], expanded.c.coded_as)
            .where(expanded.c.first == 1))


@dataclass(frozen=True)
class Tally:
    """Per code and participant, how many units the source has: what frequency, matrix, factors,
    co-occurrence by participant and saturation count. ``cells`` maps (code id, participant label)
    to the number of units (segments; a whole-transcript coding counts as one)."""

    cells: dict[tuple[int, str], int]

    def of_codes(self, code_ids: Iterable[int]) -> Tally:
        """The cells of ``code_ids`` alone."""
        wanted = set(code_ids)
        return Tally({cell: count for cell, count in self.cells.items() if cell[0] in wanted})

    def codes_of(self) -> dict[str, set[int]]:
        """{participant: the codes they mentioned}."""
        found: dict[str, set[int]] = {}
        for code_id, participant in self.cells:
            found.setdefault(participant, set()).add(code_id)
        return found


def tally(connection: Connection, units: Select, code_ids: Iterable[int] | None = None) -> Tally:
    """Units per (code, participant) for the codes ``code_ids`` (every code when None), grouped in the database."""
    found = units.subquery("units")
    query = (select(found.c.code_id, participants.c.label, func.count())
             .join(participants, participants.c.id == found.c.participant_id)
             .group_by(found.c.code_id, participants.c.label))
    if code_ids is not None:
        query = query.where(found.c.code_id.in_(list(code_ids)))
    rows = connection.execute(query).all()  # at once: a row at a time, 27,000 rows cost 0.15 s more (500 interviews)
    return Tally({(code_id, label): int(count) for code_id, label, count in rows})


SETS_AT_ONCE = 10_000  # code sets read and multiplied at a time: memory bounded by this, not by the study


def segment_pairs(connection: Connection, units: Select, code_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """{(code a, code b): segments carrying both} (a == b: segments carrying a), whole-transcript
    codings left out; pairs no segment carries are left out too.

    The database gathers each segment's codes into a set and counts the segments of each distinct
    set; the pairs of the sets are counted by a sparse matrix product (sets x codes, weighed by
    their segments). Joining the units to themselves grouped every pair a segment carries (at 500
    interviews 2.0 million rows, 3.2 s of CPU on SQLite); the sets are 50,000 rows at most there."""
    import numpy as np  # loaded here: quoting and counting start without it
    ids = sorted(set(code_ids))
    found = units.where(units.selected_columns.segment_id.is_not(None)).subquery("units")
    # a set as its code ids joined by spaces, in whatever order the database joins them: a set
    # written in two orders is two rows, each parsed to the same codes (a unit is one per segment and code)
    codes_of_segment = (select(func.aggregate_strings(cast(found.c.code_id, String), " ").label("codes"))
                        .where(found.c.code_id.in_(ids))
                        .group_by(found.c.transcript_id, found.c.segment_id)).subquery("segment_codes")
    sets = (select(codes_of_segment.c.codes, func.count()).group_by(codes_of_segment.c.codes)
            .execution_options(yield_per=SETS_AT_ONCE))
    both = np.zeros((len(ids), len(ids)), dtype=np.int64)
    for part in connection.execute(sets).partitions():
        both += _pairs_of_sets([codes for codes, _ in part], [n for _, n in part], ids)
    return {(ids[a], ids[b]): int(both[a, b]) for a, b in zip(*both.nonzero())}


def _pairs_of_sets(sets: Sequence[str], segments: Sequence[int], ids: Sequence[int]) -> np.ndarray:
    """codes x codes (``ids``, sorted): how many segments carry both, given ``sets`` (code ids joined
    by spaces) and the ``segments`` that carry each: X^T W X, X the sets' codes, W their segments."""
    import numpy as np
    from scipy import sparse  # loaded with scikit-learn by the app (study.app.preload)

    codes = np.searchsorted(ids, np.array(" ".join(sets).split(), dtype=np.int64))
    sizes = [s.count(" ") + 1 for s in sets]
    rows = np.repeat(np.arange(len(sets)), sizes)
    carried = sparse.csr_matrix((np.ones(len(codes)), (rows, codes)), shape=(len(sets), len(ids)))
    weighed = carried.multiply(np.asarray(segments, dtype=np.float64)[:, None]).tocsr()
    return np.rint((carried.T @ weighed).toarray()).astype(np.int64)


@dataclass(frozen=True)
class Candidate:
    """A segment coded with a code, as the exemplar rule weighs it (``findings.exemplars``)."""

    code_id: int
    segment_id: int
    role: str
    votes: int
    codes_on_segment: int
    participant: str
    transcript: str
    segment: int
    text: str
    tier: int  # the code's candidates ranked by role, votes and other codes (1: the best)


def exemplar_tiers(connection: Connection, counted: Select, raters: Sequence[str], code_ids: Iterable[int],
                   tiers: tuple[int, int]) -> list[Candidate]:
    """The candidates of each code's ``tiers`` (first, last; 1 is the best) groups by (participant's words first, most
    votes, fewest other codes on the segment): the exemplar rule's order before word counts and
    names, which the caller weighs (words are Python's ``str.split``, names sort naturally).

    The tiers are ranked among the distinct (code, role, votes, codes on the segment), a few per
    code, not among the units (at 500 interviews ranking every unit sorted 420,000 rows); the units
    of the tiers asked for are then picked from the same units, read once. ``counted``: the units
    with codes_on_segment (``units_query``'s ``on_segment``), by the parent rule or not, of
    ``raters``' codings; a candidate's text is the first span one of them marked on it, else its segment."""
    return _tiers(connection, counted, raters, code_ids, tiers, with_tally=False)[1]


def tally_and_tiers(connection: Connection, counted: Select, raters: Sequence[str], code_ids: Iterable[int],
                    tiers: tuple[int, int]) -> tuple[Tally, list[Candidate]]:
    """``tally`` of the units of ``code_ids`` and ``exemplar_tiers``, from one statement over the units
    grouped once: what the frequency table reads (at 500 interviews each grouping of the 450,000
    codings is a third of the table's time on SQLite, more on PostgreSQL)."""
    return _tiers(connection, counted, raters, code_ids, tiers, with_tally=True)


def _tiers(connection: Connection, counted: Select, raters: Sequence[str], code_ids: Iterable[int],
           tiers: tuple[int, int], with_tally: bool) -> tuple[Tally | None, list[Candidate]]:
    weighed = _weighed(counted, code_ids, whole_transcripts=with_tally).cte("weighed")
    key = (weighed.c.code_id, weighed.c.interviewer, weighed.c.votes, weighed.c.codes_on_segment)
    # DISTINCT, not GROUP BY: SQLite keeps the distinct keys in a small index as it reads (~1,200 at
    # 500 interviews) where a grouping sorts all 420,000 units first (0.2 s of 1.5)
    keys = select(*key).where(weighed.c.segment_id.is_not(None)).distinct().subquery("keys")
    tier = func.dense_rank().over(partition_by=keys.c.code_id, order_by=_tier_order(*list(keys.c)[1:]))
    ranked = select(*keys.c, tier.label("tier")).subquery("ranked")
    wanted = select(ranked.c.code_id, ranked.c.interviewer, ranked.c.votes, ranked.c.codes_on_segment) \
        .where(ranked.c.tier.between(*tiers))
    span = codings.alias("span")
    start = func.coalesce(span.c.span_start, segments.c.start)
    end = func.coalesce(span.c.span_end, segments.c.end)
    found = (
        select(*key, weighed.c.segment_id, segments.c.role, participants.c.label, transcripts.c.name,
               segments.c.index, weighed.c.transcript_id, start.label("start"), end.label("end"),
               null().label("units"))
        .select_from(weighed)
        .join(segments, segments.c.id == weighed.c.segment_id)
        .join(transcripts, transcripts.c.id == weighed.c.transcript_id)
        .join(participants, participants.c.id == weighed.c.participant_id)
        .outerjoin(span, span.c.id == _first_span(weighed, raters))
        .where(tuple_(*key).in_(wanted))
    )
    if with_tally:  # the tally's rows beside the candidates', told apart by their count of units
        unset = [null()] * 5
        found = found.union_all(
            select(weighed.c.code_id, *unset, participants.c.label, *unset, func.count())
            .join(participants, participants.c.id == weighed.c.participant_id)
            .group_by(weighed.c.code_id, participants.c.label))
    rows = connection.execute(found).all()
    counts = Tally({(row[0], row[6]): int(row.units) for row in rows if row.units is not None}) if with_tally else None
    rows = [row for row in rows if row.units is None]
    ranks = _tiers_of({tuple(row[:4]) for row in rows}, tiers[0])
    # the text cut here from each transcript's text read once: cut in the database, PostgreSQL
    # decompresses the whole transcript for every candidate (5,000 of them at 500 interviews: seconds)
    texts = {}
    for chunk in chunks(sorted({row.transcript_id for row in rows})):
        texts.update(connection.execute(select(transcripts.c.id, transcripts.c.text)
                                        .where(transcripts.c.id.in_(chunk))).all())
    return counts, [Candidate(row.code_id, row.segment_id, row.role, int(row.votes), int(row.codes_on_segment),
                              row.label, row.name, int(row.index), texts[row.transcript_id][row.start:row.end],
                              ranks[tuple(row[:4])]) for row in rows]


def _first_span(units, raters: Sequence[str]):
    """The id of the first coding of ``raters`` marking a span on each of ``units`` (of its code,
    ``coded_as`` under a parent rule), else None: looked up for the few candidates, not grouped with
    every unit (SQLite: 0.13 s of the units' grouping at 500 interviews)."""
    coded_as = units.c.coded_as if "coded_as" in units.c else units.c.code_id
    return (select(func.min(codings.c.id))
            .where(codings.c.transcript_id == units.c.transcript_id, codings.c.segment_id == units.c.segment_id,
                   codings.c.code_id == coded_as, codings.c.span_start.is_not(None),
                   codings.c.rater_id.in_(select(users.c.id).where(users.c.name.in_(sorted(set(raters))))))
            .correlate(units).scalar_subquery())


def _tier_order(interviewer, votes, codes_on_segment) -> tuple:
    """The exemplar rule's order of a code's candidates, best first: participants' words, most votes, fewest codes."""
    return interviewer, votes.desc(), codes_on_segment


def _tiers_of(keys: set[tuple], first: int) -> dict[tuple, int]:
    """{(code, interviewer, votes, codes on segment): tier} for every key of some tiers ``first`` onwards
    (all keys of those tiers): each code's keys in the rule's order, numbered from ``first``."""
    ranks = {}
    for code_id in {key[0] for key in keys}:
        ordered = sorted((k for k in keys if k[0] == code_id), key=lambda k: (k[1], -k[2], k[3]))
        ranks.update({k: first + n for n, k in enumerate(ordered)})
    return ranks


def _weighed(counted: Select, code_ids: Iterable[int], whole_transcripts: bool = False) -> Select:
    """``counted``'s segment units of ``code_ids`` with what the exemplar rule weighs them by:
    ``interviewer`` (0 on a participant's segment, else 1), ``votes``, ``codes_on_segment`` (the units
    carry it: ``units_query``'s ``on_segment``); with ``whole_transcripts`` the whole-transcript
    units too (interviewer 1: no segment), which a tally counts."""
    if not whole_transcripts:
        counted = counted.where(counted.selected_columns.segment_id.is_not(None))
    found = counted.subquery("counted")
    interviewer = case((segments.c.role == "participant", 0), else_=1)
    return (select(found, interviewer.label("interviewer"))
            .join(segments, segments.c.id == found.c.segment_id, isouter=whole_transcripts)
            .where(found.c.code_id.in_(list(code_ids))))


def quote_rows(source: Source, code_ids: Iterable[int]) -> Select:
    """The source's codings of ``code_ids`` in the participants' transcripts no admin excluded
    (``coverage.Coverage.included``), one row per coding
    (rater, code, transcript, participant, segment, speaker, and the start and end of the coded text:
    the span, else the segment, else the whole transcript: start 0, end None), on units the source
    keeps (a majority source drops what too few of its raters applied). Filter it further with
    ``where``; group it with ``quote_stretches``. The text is cut by the reader (see ``unit_rows``);
    even its length is left to the reader: SQLite would carry every transcript's text through the
    grouping's sorter (4 s at 500 interviews) and PostgreSQL would decompress it."""
    rater_ids = select(users.c.id).where(users.c.name.in_(sorted(set(source.raters))))
    start = func.coalesce(codings.c.span_start, segments.c.start, 0)
    end = func.coalesce(codings.c.span_end, segments.c.end)
    query = (
        select(users.c.name.label("rater"), codings.c.code_id, codings.c.transcript_id, transcripts.c.name.label("transcript"),
               participants.c.label.label("participant"), segments.c.index.label("segment"), segments.c.speaker,
               start.label("start"), end.label("end"))
        .join(users, users.c.id == codings.c.rater_id)
        .join(transcripts, transcripts.c.id == codings.c.transcript_id)
        .join(participants, participants.c.id == transcripts.c.participant_id)
        .outerjoin(segments, segments.c.id == codings.c.segment_id)
        .where(codings.c.rater_id.in_(rater_ids), codings.c.code_id.in_(list(code_ids)),
               codings.c.transcript_id.not_in(excluded_query()))
    )
    if source.votes_needed <= 1:
        return query
    votes = func.count(distinct(codings.c.rater_id))
    kept = (select(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id)
            .where(codings.c.rater_id.in_(rater_ids), codings.c.code_id.in_(list(code_ids)))
            .group_by(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id)
            .having(votes >= source.votes_needed)).subquery("kept")
    return query.join(kept, and_(kept.c.transcript_id == codings.c.transcript_id, kept.c.code_id == codings.c.code_id,
                                 kept.c.segment_id.is_not_distinct_from(codings.c.segment_id)))


def reading_order(connection: Connection) -> list[int]:
    """The ids of the transcripts that belong to a participant, by participant, then transcript
    name, each in natural order (P2 before P10; names equal but for zeros told apart as written)."""
    named = connection.execute(select(transcripts.c.id, transcripts.c.name, participants.c.label)
                               .join(participants, participants.c.id == transcripts.c.participant_id)).all()
    return [r.id for r in sorted(named, key=lambda r: (natural_key(r.label), r.label, natural_key(r.name), r.name))]


RATERS_JOINED = "\n"  # between the raters of a stretch (a name holds no line break: names.check_name)


def quote_stretches(rows: Select, code_order: Sequence[int], transcript_order: Sequence[int]) -> Select:
    """``quote_rows`` as stretches of coded text, one row per code, transcript, segment, start and
    end (transcript_id, transcript, participant, segment, speaker, start, end, and ``raters``: the
    names of the raters who coded it, joined by line breaks), ordered by ``code_order`` (code ids),
    then ``transcript_order`` (transcript ids), then place (a whole transcript, end None, after the
    stretches it starts with): a page of them is a LIMIT and OFFSET."""
    coded = rows.subquery("coded")
    # written into the statement, not bound: a parameter per value would pass PostgreSQL's 65,535
    # (SQLite's 32,766 in a default build) at a study of some 16,000 transcripts
    ranked = values(column("transcript_id", Integer), column("rank", Integer), name="ranked",
                    literal_binds=True).data(
        [(transcript_id, rank) for rank, transcript_id in enumerate(transcript_order)] or [(None, 0)]).cte("ranked")
    place = (coded.c.code_id, coded.c.transcript_id, coded.c.transcript, coded.c.participant, coded.c.segment,
             coded.c.speaker, coded.c.start, coded.c.end)
    return (select(*place, func.aggregate_strings(coded.c.rater, RATERS_JOINED).label("raters"))
            .select_from(coded).join(ranked, ranked.c.transcript_id == coded.c.transcript_id)
            .group_by(*place, ranked.c.rank)
            .order_by(case({code_id: n for n, code_id in enumerate(code_order)}, value=coded.c.code_id),
                      ranked.c.rank, coded.c.start, coded.c.end.nulls_last(), coded.c.segment.nulls_first()))


def unit_rows(units: Select, code_ids: Iterable[int]) -> Select:
    """The units of ``code_ids`` as rows to quote: code_id, participant, transcript, transcript_id,
    segment (index; None for a whole transcript), speaker, and the segment's start and end in its
    transcript's text (None for a whole transcript). The text is cut by the reader: PostgreSQL
    would decompress the whole transcript for every row (at 500 interviews, minutes)."""
    found = units.subquery("units")
    return (select(found.c.code_id, participants.c.label.label("participant"), transcripts.c.name.label("transcript"),
                   found.c.transcript_id, segments.c.index.label("segment"), segments.c.speaker, segments.c.start,
                   segments.c.end)
            .join(transcripts, transcripts.c.id == found.c.transcript_id)
            .join(participants, participants.c.id == found.c.participant_id)
            .outerjoin(segments, segments.c.id == found.c.segment_id)
            .where(found.c.code_id.in_(list(code_ids))))


def framework_units(source: Source, counting: Sequence[str], code_ids: Iterable[int], ranks: dict[int, int]) -> Select:
    """The source's units of ``code_ids`` in the counted ones of the transcripts ``ranks`` (transcript id:
    its place in the matrix; transcripts that share a place interleave by segment), as the framework
    matrix quotes them: transcript_id, segment (its index; None for a whole transcript), segment_id,
    code_id, and the start and end of the text it codes: the unit's span (of its first coding that
    marks one), else its segment. In the matrix's order: by place, the whole transcript before its
    segments, then segment, transcript and code: the units of one (transcript, segment) are a run
    of rows. Grouped for those transcripts alone: a page of the matrix reads its own rows."""
    within = sorted(ranks)
    found = source_units(source, counting, weighed=False, within=within).subquery("units")
    rater_ids = select(users.c.id).where(users.c.name.in_(sorted(set(source.raters))))
    # the first span of each unit, grouped from the partial index of spans for these transcripts alone:
    # looked up unit by unit, SQLite read every coding of each segment (0.07 s a batch of 25 interviews)
    first = (select(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id, func.min(codings.c.id).label("id"))
             .where(codings.c.transcript_id.in_(within), codings.c.span_start.is_not(None),
                    codings.c.rater_id.in_(rater_ids))
             .group_by(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id)).subquery("first_span")
    span = codings.alias("span")
    return (select(found.c.transcript_id, segments.c.index.label("segment"), found.c.segment_id, found.c.code_id,
                   func.coalesce(span.c.span_start, segments.c.start).label("start"),
                   func.coalesce(span.c.span_end, segments.c.end).label("end"))
            .select_from(found)
            .outerjoin(segments, segments.c.id == found.c.segment_id)
            .outerjoin(first, and_(first.c.transcript_id == found.c.transcript_id,
                                   first.c.segment_id == found.c.segment_id, first.c.code_id == found.c.code_id))
            .outerjoin(span, span.c.id == first.c.id)
            .where(found.c.code_id.in_(list(code_ids)))
            .order_by(case(ranks, value=found.c.transcript_id), segments.c.index.nulls_first(), found.c.transcript_id,
                      found.c.code_id))


def coding_memos(source: Source, code_ids: Iterable[int], transcript_ids: Iterable[int]) -> Select:
    """The memos on the source's raters' codings of ``code_ids`` in the transcripts ``transcript_ids``:
    transcript_id, segment_id, code_id, memo, in the order they were written (coding id)."""
    rater_ids = select(users.c.id).where(users.c.name.in_(sorted(set(source.raters))))
    return (select(codings.c.transcript_id, codings.c.segment_id, codings.c.code_id, codings.c.memo)
            .where(codings.c.transcript_id.in_(list(transcript_ids)), codings.c.rater_id.in_(rater_ids),
                   codings.c.code_id.in_(list(code_ids)), codings.c.memo.is_not(None))
            .order_by(codings.c.id))
