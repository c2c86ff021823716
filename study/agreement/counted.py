"""The units raters are compared on, counted in the database rather than read one by one.

Every figure of a code's agreement (alpha and its bootstrap interval, kappa, AC1, percent
agreement, prevalence) depends only on how many units each set of the compared raters applied
it on (``coefficients.UnitTypes``: the types are sufficient statistics). So the agreement report
asks the database for those counts, some hundred rows, instead of reading every unit with its
text (``units.unit_table``: 100,000 segments at 500 interviews). The rules are ``unit_table``'s:
the same transcripts (``units.basis_ids``), codes, participant turns and notes;
tests/test_agreement_counted.py compares the two on the same studies. Segment level only: a
participant unit gathers codings across transcripts, and an exclusive theme's cu-alpha needs each
unit's codes together; both read ``unit_table``.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import exists, func, select

from .. import codes as codes_mod
from .. import compared
from ..auth import Actor, rater_user
from ..codes import CodeView
from ..schema import segments, transcripts
from ..store import Study
from .units import (
    BASIS_ALL,
    BASIS_DONE,
    basis_ids,
    check_raters,
    code_infos,
    participant_turns_note,
)
from .visibility import require_may_compare


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
    raters = check_raters(raters)
    require_may_compare(study, asker, raters, include_unfinished)
    with study.session() as session:
        rater_ids = [rater_user(session, r).id for r in raters]
        transcript_ids = basis_ids(session, raters, rater_ids, include_unfinished)
        grouped = _grouped(session, transcript_ids, rater_ids)
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
    notes = []
    if include_unfinished:
        notes.append("units include transcripts not every rater marked done; a rater who did not code "
                     "a unit counts as not applying the code there")
    if participant_turns_only:
        notes.append(participant_turns_note(Counter({r: n for r, n in roles.items() if r != "participant"}), dropped))
    if whole:
        notes.append(f"{whole} whole-transcript coding(s) ignored: segment level compares "
                     "segment codings only (the participant level counts them)")
    units = roles.get("participant", 0) if participant_turns_only else sum(roles.values())
    return UnitCounts(raters, "segment", BASIS_ALL if include_unfinished else BASIS_DONE, names, codes, units,
                      tuple(dict(d) for d in by_raters), tuple(notes))


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
    """The compared transcripts' names as ``unit_table`` lists them: those with segments by id,
    then those without by name."""
    found = []
    for start in range(0, len(transcript_ids), compared.BATCH):
        segmented = exists().where(segments.c.transcript_id == transcripts.c.id)
        found += session.execute(select(transcripts.c.id, transcripts.c.name, segmented)
                                 .where(transcripts.c.id.in_(transcript_ids[start:start + compared.BATCH]))).all()
    with_segments = [name for _, name, has in sorted(found) if has]
    return tuple(with_segments + sorted(name for _, name, has in found if not has))
