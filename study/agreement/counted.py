"""The units raters are compared on, counted in the database rather than read one by one.

Every figure of a code's agreement (alpha and its bootstrap interval, kappa, AC1, percent
agreement, prevalence) depends only on how many units each set of the compared raters applied
it on (``coefficients.UnitTypes``: the types are sufficient statistics). So the agreement report
asks the database for those counts, some hundred rows, instead of reading every unit with its
text (``units.unit_table``: 100,000 segments at 500 interviews). The rules are ``unit_table``'s:
the same raters and transcripts (``units.compared_basis``), codes, participant turns and notes;
tests/test_agreement_counted.py compares the two on the same studies. Segment level only: a
participant unit gathers codings across transcripts, and an exclusive theme's cu-alpha needs each
unit's codes together; both read ``unit_table``.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import case, exists, func, literal, null, select, union_all

from .. import codes as codes_mod
from .. import compared
from ..auth import Actor
from ..codes import CodeView
from ..schema import segments, transcripts
from ..store import Study
from .units import code_infos, compared_basis, participant_turns_note


@dataclass(frozen=True, eq=False)
class UnitCounts:
    """Per code, how many of ``unit_count`` units each set of the raters applied it on:
    ``by_raters[c]`` is {raters' bits (bit i: ``raters[i]`` applied it): units}; the units no
    rater applied it on are the rest."""

    raters: tuple[str, ...]
    level: str
    basis: str
    transcripts: tuple[str, ...]
    codes: tuple[CodeView, ...]
    unit_count: int
    by_raters: tuple[dict[int, int], ...]
    notes: tuple[str, ...] = ()

    def histogram(self, code: int) -> np.ndarray:
        """How many units k of the raters applied code ``code`` on, for k = 0 .. len(raters)."""
        counted = np.zeros(len(self.raters) + 1, dtype=np.int64)
        for bits, units in self.by_raters[code].items():
            counted[bits.bit_count()] += units
        counted[0] += self.unit_count - counted.sum()
        return counted

    def applied(self, code: int) -> np.ndarray:
        """Per rater, the units they applied code ``code`` on."""
        return np.array([sum(units for bits, units in self.by_raters[code].items() if bits >> r & 1)
                         for r in range(len(self.raters))], dtype=np.int64)

    def cohen_table(self, code: int) -> np.ndarray:
        """Two raters' 2 x 2 table of code ``code`` (rows: the first rater 0/1; columns: the second)."""
        held = self.by_raters[code]
        both, first, second = held.get(3, 0), held.get(1, 0), held.get(2, 0)
        return np.array([[self.unit_count - both - first - second, second], [first, both]], dtype=np.int64)


def unit_counts(study: Study, asker: Actor, raters, include_unfinished: bool = False, theme: str | None = None,
                participant_turns_only: bool = False) -> UnitCounts:
    """The segment units of ``units.unit_table`` (same arguments, segment level), counted."""
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, include_unfinished)
        transcript_ids = basis.transcript_ids
        grouped = _grouped(session, transcript_ids, basis.rater_ids)
        roles = _roles(session, transcript_ids)
        names = _reading_order(session, transcript_ids)
        ref_of = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
    codes = code_infos(study, {ref_of[code] for code, _, _ in grouped}, theme)
    index = {c.ref: i for i, c in enumerate(codes)}
    by_raters: list[dict[int, int]] = [defaultdict(int) for _ in codes]
    whole = dropped = 0
    for (code, role, bits), (units, codings_) in grouped.items():
        c = index.get(ref_of[code])
        if c is None:
            continue
        if role is None:
            whole += codings_
        elif participant_turns_only and role != "participant":
            dropped += codings_
        else:
            by_raters[c][bits] += units
    notes = basis.notes
    if participant_turns_only:
        notes.append(participant_turns_note(Counter({r: n for r, n in roles.items() if r != "participant"}), dropped))
    if whole:
        notes.append(f"{whole} whole-transcript coding(s) ignored: segment level compares "
                     "segment codings only (the participant level counts them)")
    units = roles.get("participant", 0) if participant_turns_only else sum(roles.values())
    return UnitCounts(basis.raters, "segment", basis.basis, names, codes, units,
                      tuple(dict(d) for d in by_raters), tuple(notes))


@dataclass(frozen=True, eq=False)
class TranscriptCounts:
    """``UnitCounts`` per compared transcript, reduced to what agreement per transcript reads:
    ``histograms[t, c, k]``, the units of ``transcripts[t]`` on which k of the raters applied
    ``codes[c]`` (k = 0 .. raters); ``units[t]`` its units and ``disputed[t]`` those on which some
    but not all of the raters applied some code."""

    raters: tuple[str, ...]
    basis: str
    transcripts: tuple[str, ...]
    codes: tuple[CodeView, ...]
    units: np.ndarray
    disputed: np.ndarray
    histograms: np.ndarray


def transcript_counts(study: Study, asker: Actor, raters, include_unfinished: bool = False,
                      participant_turns_only: bool = False) -> TranscriptCounts:
    """The segment units of ``units.unit_table`` (same arguments, segment level, no theme), counted
    per transcript in the database: one grouped query per batch of transcripts."""
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, include_unfinished)
        transcript_ids = basis.transcript_ids
        order = _reading_order_ids(session, transcript_ids)
        row_of = {tid: t for t, (tid, _) in enumerate(order)}
        grouped, disputed_rows = _grouped_by_transcript(session, transcript_ids, basis.rater_ids,
                                                        participant_turns_only)
        roles = roles_by_transcript(session, transcript_ids)
        ref_of = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
    codes = code_infos(study, {ref_of[code] for _, code, _, _, _ in grouped})
    index = {c.ref: i for i, c in enumerate(codes)}
    column = {code: index[ref] for code, ref in ref_of.items() if ref in index}
    kept = unit_role_kept(participant_turns_only)
    units = np.zeros(len(order), dtype=np.int64)
    for tid, role, n in roles:
        units[row_of[tid]] += n if kept(role) else 0
    disputed = np.zeros(len(order), dtype=np.int64)
    for tid, role, n in disputed_rows:
        disputed[row_of[tid]] += n if kept(role) else 0
    histograms = np.zeros((len(order), len(codes), len(basis.raters) + 1), dtype=np.int64)
    rows = [(row_of[tid], column[code], ones, n) for tid, code, role, ones, n in grouped if kept(role)]
    if rows:
        t, c, k, n = np.array(rows, dtype=np.int64).T
        np.add.at(histograms, (t, c, k), n)
    histograms[:, :, 0] += units[:, np.newaxis] - histograms.sum(axis=2)
    return TranscriptCounts(basis.raters, basis.basis, tuple(name for _, name in order), codes, units, disputed,
                            histograms)


def _grouped_by_transcript(session, transcript_ids: list[int], rater_ids: list[int], roles: bool):
    """``_grouped`` per transcript, units only, raters counted rather than named: rows (transcript
    id, code id, segment role or None for a whole transcript, how many raters applied the code,
    units); and the disputed segments, rows (transcript id, role, segments). Both from one reading
    of the codings (``compared.counted_query``, a CTE read twice). The disputed segments are
    grouped per segment, then counted per transcript: PostgreSQL hashes both groupings, where a
    count of distinct segments sorted them on disk. Without ``roles`` a segment's role is read as 0
    (no join to the segments)."""
    found, disputed = [], []
    for start in range(0, len(transcript_ids), compared.BATCH):
        applied = compared.counted_query(transcript_ids[start:start + compared.BATCH], rater_ids).cte("applied")
        source, role = with_role(applied, roles)
        counted = (select(applied.c.transcript_id, applied.c.code_id, role.label("role"), applied.c.raters,
                          func.count().label("units"))
                   .select_from(source).group_by(applied.c.transcript_id, applied.c.code_id, role, applied.c.raters))
        split = (select(applied.c.transcript_id, role.label("role")).select_from(source)
                 .where(compared.split(applied, len(rater_ids)))
                 .group_by(applied.c.transcript_id, applied.c.segment_id, role).subquery("split"))
        split_counted = (select(split.c.transcript_id, null().label("code_id"), split.c.role, null().label("raters"),
                                func.count().label("units"))
                         .group_by(split.c.transcript_id, split.c.role))
        for tid, code, role_, raters, units in session.execute(union_all(counted, split_counted)):
            if code is None:
                disputed.append((tid, role_, units))
            else:
                found.append((tid, code, role_, raters, units))
    return found, disputed


def with_role(applied, roles: bool):
    """(``applied`` joined to its segments, their role) to group by; without ``roles`` the role is
    read as 0 (None for a whole-transcript coding), with no join to the segments: an integer, which
    SQLite groups by faster than text (1.07 -> 0.97 s CPU for every pair at 500 x 200, six raters)."""
    if roles:
        return applied.outerjoin(segments, segments.c.id == applied.c.segment_id), segments.c.role
    return applied, case((applied.c.segment_id.is_(None), None), else_=literal(0))


def unit_role_kept(participant_turns_only: bool) -> Callable[[str | None], bool]:
    """Which segment roles are units: a participant's turns only, or every turn (None: a whole-transcript coding)."""
    if participant_turns_only:
        return lambda role: role == "participant"
    return lambda role: role is not None


def roles_by_transcript(session, transcript_ids: list[int]) -> list[tuple[int, str, int]]:
    """(transcript id, role, segments of that role) of the compared transcripts."""
    found = []
    for start in range(0, len(transcript_ids), compared.BATCH):
        found += session.execute(
            select(segments.c.transcript_id, segments.c.role, func.count())
            .where(segments.c.transcript_id.in_(transcript_ids[start:start + compared.BATCH]))
            .group_by(segments.c.transcript_id, segments.c.role)).all()
    return found


def _grouped(session, transcript_ids: list[int], rater_ids: list[int]) -> dict[tuple, tuple[int, int]]:
    """{(code id, segment role or None for a whole transcript, raters' bits): (units, codings)},
    ``compared.applied``'s groups counted in the database, batch by batch."""
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for start in range(0, len(transcript_ids), compared.BATCH):
        applied = compared.applied_query(transcript_ids[start:start + compared.BATCH], rater_ids).subquery("applied")
        for code, role, bits, units, codings_ in session.execute(
                select(applied.c.code_id, segments.c.role, applied.c.raters, func.count(), func.sum(applied.c.codings))
                .select_from(applied).outerjoin(segments, segments.c.id == applied.c.segment_id)
                .group_by(applied.c.code_id, segments.c.role, applied.c.raters)):
            found[code, role, bits][0] += units
            found[code, role, bits][1] += codings_
    return {key: (units, codings_) for key, (units, codings_) in found.items()}


def _roles(session, transcript_ids: list[int]) -> dict[str, int]:
    """{role: segments of that role} in the compared transcripts."""
    found: Counter = Counter()
    for start in range(0, len(transcript_ids), compared.BATCH):
        found.update(dict(session.execute(
            select(segments.c.role, func.count())
            .where(segments.c.transcript_id.in_(transcript_ids[start:start + compared.BATCH]))
            .group_by(segments.c.role)).all()))
    return dict(found)


def _reading_order(session, transcript_ids: list[int]) -> tuple[str, ...]:
    """The compared transcripts' names as ``unit_table`` lists them."""
    return tuple(name for _, name in _reading_order_ids(session, transcript_ids))


def _reading_order_ids(session, transcript_ids: list[int]) -> list[tuple[int, str]]:
    """The compared transcripts (id, name) as ``unit_table`` lists them: those with segments by id,
    then those without by name."""
    found = []
    for start in range(0, len(transcript_ids), compared.BATCH):
        segmented = exists().where(segments.c.transcript_id == transcripts.c.id)
        found += session.execute(select(transcripts.c.id, transcripts.c.name, segmented)
                                 .where(transcripts.c.id.in_(transcript_ids[start:start + compared.BATCH]))).all()
    with_segments = [(tid, name) for tid, name, has in sorted(found) if has]
    return with_segments + sorted(((tid, name) for tid, name, has in found if not has), key=lambda pair: pair[1])
