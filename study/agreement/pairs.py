"""Every pair of the compared raters, counted at once: agreement per pair of raters without a
units table (or a counting) per pair.

Each pair is compared on its own transcripts (``units.compared_basis`` of the two raters: those
both marked done, or either coded), with ``units.unit_table``'s rules. The database is read once
for all raters (``compared``: which raters applied each code where, as bits), and each pair's
figures are sums over its transcripts:

- segment level: per (transcript, code, role), how many segments each rater applied the code on
  and, per pair, how many both did; per (transcript, role), on how many segments each pair
  disputed some code (one of the two applied it). A code's histogram for pair (i, j) is then
  k = 2: both, k = 1: i's + j's - 2 x both, k = 0: the rest of the pair's units.
- participant level: per (transcript, code), the raters who applied it anywhere in the transcript;
  the units (a participant's transcripts) gathered per pair, since which transcripts a pair
  compares decides its units.

At 500 transcripts x 200 segments, 6 raters (15 pairs), SQLite, client CPU: segment level 6.9 -> 1.8 s
(a counting per pair before), then 1.2 s (the disputes from each segment's set of raters' bits, the
codebook read once), participant level 20.8 -> 0.6 s (a units table per pair before).
tests/test_compared_equivalence.py compares the pairs with the units table of each pair.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
from sqlalchemy import func, null, select, union_all

from .. import compared
from ..auth import Actor, rater_user
from ..codes import CodeView
from ..errors import BadValue
from ..schema import participants, segments, transcripts
from ..store import Study
from .counted import roles_by_transcript, unit_role_kept, with_role
from .units import LEVELS, check_raters, codebook_views, compared_basis, compared_codes, participant_labels


@dataclass(frozen=True, eq=False)
class PairCounts:
    """One pair's units counted: ``histograms[c, k]``, the units on which k of the two applied
    ``codes[c]`` (the pair's codes, as ``units.code_infos`` lists them); ``disputed``, the units on
    which one of the two applied some code and the other did not."""

    raters: tuple[str, str]
    transcripts: int
    units: int
    disputed: int
    histograms: np.ndarray


def pair_counts(study: Study, asker: Actor, raters, level: str = "segment", include_unfinished: bool = False,
                participant_turns_only: bool = False) -> list[PairCounts]:
    """Every pair of ``raters`` (in the order given), each as ``unit_table`` of the pair would count
    it (``participant_turns_only``: segment level only, as there)."""
    names = check_raters(raters)
    if level not in LEVELS:
        raise BadValue(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    pairs = list(combinations(range(len(names)), 2))
    with study.session() as session:
        bases = [compared_basis(study, session, asker, (names[i], names[j]), include_unfinished) for i, j in pairs]
        rater_ids = [rater_user(session, name).id for name in names]
        ids = sorted(set().union(*(b.transcript_ids for b in bases)))
        member = np.array([np.isin(ids, b.transcript_ids) for b in bases], dtype=bool).reshape(len(pairs), len(ids))
        views = codebook_views(session)
        if level == "segment":
            found = _SegmentCounts(session, ids, member, rater_ids, pairs, participant_turns_only)
        else:
            found = _ParticipantCounts(session, ids, member, rater_ids)
    ref_of = {v.id: v.ref for v in views}
    return [replace(found.pair(p, i, j, (names[i], names[j]), views, ref_of), transcripts=int(member[p].sum()))
            for p, (i, j) in enumerate(pairs)]


def _pair_codes(views: list[CodeView], used: np.ndarray, code_ids: list[int], ref_of: dict[int, str]) -> np.ndarray:
    """Per code of the pair (``code_infos``: current ones and the retired ones it used), its column
    among ``code_ids`` (the codes the raters applied; -1: none did)."""
    codes = compared_codes(views, {ref_of[code_ids[c]] for c in np.flatnonzero(used)})
    column = {ref_of[code]: c for c, code in enumerate(code_ids)}
    return np.array([column.get(code.ref, -1) for code in codes], dtype=np.int64)


def _histograms(both: np.ndarray, either: np.ndarray, units: int, column: np.ndarray) -> np.ndarray:
    """Codes x 3 from per code (of the raters' codes) the units both raters applied it on and the
    units each did, summed (``either``); codes no rater applied have every unit at k = 0."""
    both, either = (np.append(counts, 0)[column] for counts in (both, either))  # column -1: the appended 0
    one = either - 2 * both
    return np.stack([units - one - both, one, both], axis=1)


class _SegmentCounts:
    """The counts every pair's segment figures are sums of, per class of compared transcripts: the
    transcripts compared by the same pairs are counted together (one class when every rater marked
    every transcript done), so that what is read is bounded by the codes, not the transcripts."""

    def __init__(self, session, ids: list[int], member: np.ndarray, rater_ids: list[int],
                 pairs: list[tuple[int, int]], turns: bool):
        self.member, class_of = np.unique(member.T, axis=0, return_inverse=True)  # classes x pairs; per transcript
        self.member, class_of = self.member.T, class_of.reshape(-1)
        classes = [[tid for tid, k in zip(ids, class_of) if k == c] for c in range(self.member.shape[1])]
        kept = unit_role_kept(turns)
        self.units = np.zeros(len(classes), dtype=np.int64)
        row_of = dict(zip(ids, class_of.tolist()))
        for tid, role, n in roles_by_transcript(session, ids):
            self.units[row_of[tid]] += n if kept(role) else 0
        coded, disputed = _segment_rows(session, classes, rater_ids, pairs, turns)
        k, code, bits, units = (np.array([row[f] for row in coded], dtype=np.int64) for f in (0, 1, 3, 4))
        self.code_ids = sorted(set(code.tolist()))
        cell = k * len(self.code_ids) + np.searchsorted(self.code_ids, code)
        n = len(rater_ids)
        on = bits[:, np.newaxis] >> np.arange(n) & 1  # rows x raters
        first, second = (np.array([pair[f] for pair in pairs], dtype=np.int64) for f in (0, 1))
        # per class and code: each rater's units, then each pair's units applied by both
        values = np.concatenate([on, on[:, first] & on[:, second]], axis=1) * units[:, np.newaxis]
        self.counted = np.zeros((len(classes) * len(self.code_ids), values.shape[1]), dtype=np.int64)
        chosen = np.array([kept(row[2]) for row in coded], dtype=bool)
        np.add.at(self.counted, cell[chosen], values[chosen])
        self.counted = self.counted.reshape(len(classes), len(self.code_ids), values.shape[1])  # no code: width kept
        anywhere = np.zeros((len(classes) * len(self.code_ids), n), dtype=np.int64)  # any role, whole transcripts too
        np.add.at(anywhere, cell, on)
        self.anywhere = anywhere.reshape(len(classes), len(self.code_ids), n) > 0
        self.disputed = np.zeros((len(classes), len(pairs)), dtype=np.int64)
        for k_, role, sums in disputed:
            if kept(role):
                self.disputed[k_] += sums
        self.n = n

    def pair(self, p: int, i: int, j: int, raters, views, ref_of) -> PairCounts:
        member = self.member[p]
        counted = self.counted[member].sum(axis=0)
        used = self.anywhere[member][:, :, [i, j]].any(axis=(0, 2))
        column = _pair_codes(views, used, self.code_ids, ref_of)
        units = int(self.units[member].sum())
        histograms = _histograms(counted[:, self.n + p], counted[:, i] + counted[:, j], units, column)
        return PairCounts(raters, 0, units, int(self.disputed[member, p].sum()), histograms)


def _segment_rows(session, classes: list[list[int]], rater_ids: list[int], pairs: list[tuple[int, int]],
                  roles: bool):
    """Rows (class, code id, role, raters' bits, segments): on how many segments of a role exactly
    those raters applied the code; and rows (class, role, disputed): per pair, on how many segments
    one of the two applied some code the other did not. From one reading of the codings per batch of
    a class's transcripts (``compared.bits_query``, a CTE read twice). Without ``roles`` a role is
    read as 0 (None for a whole-transcript coding).

    A segment's disputes follow from the set of the raters' bits among its codes (a pair disputes it
    when one of those has one of the pair's two bits only), so the database groups the segments by
    that set, a few thousand groups, and the pairs are read from each set here, where one CASE per
    pair and code applied took 1.4 s of SQLite's CPU at 500 x 200, six raters (1.0 s now)."""
    coded, split_units = [], Counter()
    splits = _Splits(pairs)
    for k, ids in enumerate(classes):
        for start in range(0, len(ids), compared.BATCH):
            applied = compared.bits_query(ids[start:start + compared.BATCH], rater_ids).cte("applied")
            source, role = with_role(applied, roles)
            raters = applied.c.raters
            counted = (select(applied.c.code_id, role.label("role"), raters, null(), func.count())
                       .select_from(source).group_by(applied.c.code_id, role, raters))
            # the bits of everyone dispute nothing: the segments every rater coded alike are left out
            sets = (select(role.label("role"), compared.distinct_list(raters).label("bits"))
                    .select_from(source)
                    .where(applied.c.segment_id.is_not(None), raters != compared.everyone(len(rater_ids)))
                    .group_by(applied.c.segment_id, role).subquery("sets"))
            sets_counted = select(null(), sets.c.role, null(), sets.c.bits, func.count()).group_by(sets.c.role,
                                                                                                   sets.c.bits)
            for code, role_, bits, held, units in session.execute(union_all(counted, sets_counted)):
                if code is None:
                    split_units[k, role_, splits.of(held)] += units
                else:
                    coded.append((k, code, role_, bits, units))
    return coded, [(k, role_, splits.per_pair(split) * units) for (k, role_, split), units in split_units.items()]


class _Splits:
    """Which pairs a segment's set of raters' bits (``distinct_list`` text) splits, as bits of one
    integer (bit p: pair p): a pair, when one of the raters' bits has one of its two raters only."""

    def __init__(self, pairs: list[tuple[int, int]]):
        self.masks = _masks(pairs)
        self.of_bits: dict[str, int] = {}

    def of(self, held: str) -> int:
        """The pairs ``held`` (bits joined by commas, in any order) splits."""
        split = 0
        for bits in held.split(","):
            found = self.of_bits.get(bits)
            if found is None:
                on = int(bits)
                found = self.of_bits[bits] = sum(1 << p for p, m in enumerate(self.masks) if (on & m) not in (0, m))
            split |= found
        return split

    def per_pair(self, split: int) -> np.ndarray:
        """Per pair, 1 when ``split`` (``of``) has its bit."""
        return np.array([split >> p & 1 for p in range(len(self.masks))], dtype=np.int64)


def _masks(pairs: list[tuple[int, int]]) -> list[int]:
    return [(1 << i) | (1 << j) for i, j in pairs]


class _ParticipantCounts:
    """Per compared transcript (``ids``) and code, the raters who applied it anywhere in it; and what
    decides a transcript's participant-level unit."""

    def __init__(self, session, ids: list[int], member: np.ndarray, rater_ids: list[int]):
        self.member = member
        rows = []
        for start in range(0, len(ids), compared.BATCH):
            rows += session.execute(compared.transcript_applied_query(ids[start:start + compared.BATCH],
                                                                      rater_ids)).all()
        self.code_ids = sorted({code for _, code, _ in rows})
        column = {code: c for c, code in enumerate(self.code_ids)}
        row_of = {tid: t for t, tid in enumerate(ids)}
        self.bits = np.zeros((len(ids), len(self.code_ids)), dtype=np.int64)
        for tid, code, bits in rows:
            self.bits[row_of[tid], column[code]] = bits
        self.ids = ids
        self.names, self.participant_of, self.segmented = _transcripts(session, ids)

    def pair(self, p: int, i: int, j: int, raters, views, ref_of) -> PairCounts:
        member = self.member[p]
        bits = self.bits[member]
        applied = np.stack([bits >> i & 1, bits >> j & 1], axis=2).astype(bool)  # transcripts x codes x 2
        used = applied.any(axis=(0, 2))
        column = _pair_codes(views, used, self.code_ids, ref_of)
        ids = [tid for tid, kept in zip(self.ids, member) if kept]
        coded = {tid for tid, on in zip(ids, applied.any(axis=(1, 2))) if on}
        label_of = participant_labels(self.names_of(ids), self.participant_of, coded | self.segmented)
        index = {label: u for u, label in enumerate(dict.fromkeys(label_of.values()))}
        unit = np.array([index[label_of[tid]] for tid in ids], dtype=np.int64)
        presence = np.zeros((len(index), len(self.code_ids), 2), dtype=bool)
        np.logical_or.at(presence, unit, applied)
        ones = presence.sum(axis=2)  # units x codes
        counted = np.stack([(ones == k).sum(axis=0) for k in (1, 2)], axis=1)
        histograms = _histograms(counted[:, 1], counted[:, 0] + 2 * counted[:, 1], len(index), column)
        disputed = int((ones == 1).any(axis=1).sum())
        return PairCounts(raters, len(ids), len(index), disputed, histograms)

    def names_of(self, ids: list[int]) -> dict[int, str]:
        """{id: name} in ``unit_table``'s reading order: with segments by id, then without by name."""
        return {t: self.names[t] for t in sorted(t for t in ids if t in self.segmented)} | {
            t: self.names[t] for t in sorted((t for t in ids if t not in self.segmented), key=self.names.get)}


def _transcripts(session, ids: list[int]) -> tuple[dict[int, str], dict[int, str | None], set[int]]:
    """The transcripts' names, participants' labels and those with segments."""
    names, participant_of, segmented = {}, {}, set()
    for start in range(0, len(ids), compared.BATCH):
        chunk = ids[start:start + compared.BATCH]
        for tid, name, label in session.execute(
                select(transcripts.c.id, transcripts.c.name, participants.c.label)
                .outerjoin(participants, participants.c.id == transcripts.c.participant_id)
                .where(transcripts.c.id.in_(chunk))):
            names[tid], participant_of[tid] = name, label
        segmented.update(session.scalars(select(segments.c.transcript_id).distinct()
                                         .where(segments.c.transcript_id.in_(chunk))))
    return names, participant_of, segmented
