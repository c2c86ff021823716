"""Agreement broken down: per transcript (where do the raters disagree?) and per pair of raters
(who disagrees with whom?), from the same units as the full report: per transcript counted in the
database (``counted.transcript_counts``), per pair from the units table.

Each row summarises one group with the full report's overall statistics (``alpha_summary``, as
``report_from_table`` gives them): the units, how many of them the raters coded differently, the
share of units coded identically, and the median and pooled alpha over the codes. Per-transcript alphas rest on few units: read
them to find where to look, not as the study's reliability.

Example::

    rows = agreement_by(study, CLI, ["alice", "bob", "carol"], by="pair")
    [(r.group, r.median_alpha) for r in rows]
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

import numpy as np

from ..auth import Actor
from ..errors import BadValue
from ..store import Study
from .counted import TranscriptCounts, transcript_counts
from .study_agreement import alpha_summaries, alpha_summary
from .units import UnitTable, check_raters, unit_table

BY = ("transcript", "pair")


@dataclass(frozen=True)
class GroupAgreement:
    """Agreement within one group of units (a transcript) or between one pair of raters."""

    group: str
    raters: tuple[str, ...]
    transcripts: int
    units: int
    disputed_units: int
    identical: float | None  # share of units on which every rater applied exactly the same codes
    median_alpha: float | None
    pooled_alpha: float | None
    codes_with_alpha: int

    def to_dict(self) -> dict:
        return {"group": self.group, "raters": list(self.raters), "transcripts": self.transcripts,
                "units": self.units, "disputed_units": self.disputed_units, "identical": self.identical,
                "median_alpha": self.median_alpha, "pooled_alpha": self.pooled_alpha,
                "codes_with_alpha": self.codes_with_alpha}


def agreement_by(study: Study, asker: Actor, raters: Sequence[str], by: str = "transcript",
                 level: str = "segment", include_unfinished: bool = False,
                 participant_turns_only: bool = False) -> list[GroupAgreement]:
    """One row per transcript (reading order) or per pair of ``raters`` (in the order given).
    Admins only: a transcript's or a pair's figures would give a coder the others' counts."""
    asker.require_admin("see agreement per transcript or per pair of raters")
    if by not in BY:
        raise BadValue(f"unknown breakdown {by!r}; choose one of {', '.join(BY)}")
    if by == "transcript":
        if level != "segment":
            raise BadValue("agreement per transcript compares segments; leave the level at segment")
        return per_transcript(transcript_counts(study, asker, raters, include_unfinished, participant_turns_only))
    names = check_raters(raters)
    if level == "segment":
        return [per_pair(transcript_counts(study, asker, pair, include_unfinished, participant_turns_only),
                         " & ".join(pair))
                for pair in combinations(names, 2)]
    return [
        _group(unit_table(study, asker, pair, level, None, include_unfinished, participant_turns_only),
               " & ".join(pair))
        for pair in combinations(names, 2)
    ]


def per_pair(counts: TranscriptCounts, label: str) -> GroupAgreement:
    """A pair's row from its units counted per transcript in the database: ``_group``'s figures for
    the whole units table, its codes' histograms summed over the transcripts (at 500 interviews a
    unit table per pair took 2.5 s, 15 pairs of 6 raters 29 s)."""
    summary = alpha_summaries(counts.histograms.sum(axis=0, keepdims=True))[0]
    units, disputed = int(counts.units.sum()), int(counts.disputed.sum())
    return GroupAgreement(label, counts.raters, len(counts.transcripts), units, disputed, _identical(units, disputed),
                          summary.median_alpha, summary.pooled_alpha, summary.codes_with_alpha)


def per_transcript(counts: TranscriptCounts) -> list[GroupAgreement]:
    """One row per transcript from its units counted in the database (``counted.transcript_counts``):
    ``_group``'s figures for the transcript's slice of the units table, all transcripts at once."""
    summaries = alpha_summaries(counts.histograms)
    return [GroupAgreement(name, counts.raters, 1, int(units), int(disputed), _identical(int(units), int(disputed)),
                           summary.median_alpha, summary.pooled_alpha, summary.codes_with_alpha)
            for name, units, disputed, summary in zip(counts.transcripts, counts.units, counts.disputed, summaries)]


def _group(table: UnitTable, label: str) -> GroupAgreement:
    overall = alpha_summary(table.presence)  # report_from_table's overall figures, nothing else
    disputed = int(table.disputed().any(axis=1).sum())
    units = len(table.units)
    return GroupAgreement(label, table.raters, len(table.transcripts), units, disputed, _identical(units, disputed),
                          overall.median_alpha, overall.pooled_alpha, overall.codes_with_alpha)


def _identical(units: int, disputed: int) -> float | None:
    """The share of units coded identically by every rater."""
    return float(np.round(1 - disputed / units, 6)) if units else None
