"""Agreement broken down: per transcript (where do the raters disagree?) and per pair of raters
(who disagrees with whom?), from the same units as the full report: per transcript counted in the
database (``counted.transcript_counts``), every pair at once (``pairs.pair_counts``).

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
from typing import Sequence

import numpy as np

from ..auth import Actor
from ..errors import BadValue
from ..store import Study
from .counted import TranscriptCounts, transcript_counts
from .pairs import PairCounts, pair_counts
from .study_agreement import alpha_summaries

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
    return [per_pair(counts) for counts in pair_counts(study, asker, raters, level, include_unfinished,
                                                       participant_turns_only)]


def per_pair(counts: PairCounts) -> GroupAgreement:
    """A pair's row from its units counted with every other pair's (``pairs.pair_counts``): the full
    report's overall figures (``alpha_summary``) for the pair's units table."""
    summary = alpha_summaries(counts.histograms[np.newaxis])[0]
    return GroupAgreement(" & ".join(counts.raters), counts.raters, counts.transcripts, counts.units, counts.disputed,
                          _identical(counts.units, counts.disputed), summary.median_alpha, summary.pooled_alpha,
                          summary.codes_with_alpha)


def per_transcript(counts: TranscriptCounts) -> list[GroupAgreement]:
    """One row per transcript from its units counted in the database (``counted.transcript_counts``):
    the full report's overall figures for the transcript's slice of the units table, all transcripts at once."""
    summaries = alpha_summaries(counts.histograms)
    return [GroupAgreement(name, counts.raters, 1, int(units), int(disputed), _identical(int(units), int(disputed)),
                           summary.median_alpha, summary.pooled_alpha, summary.codes_with_alpha)
            for name, units, disputed, summary in zip(counts.transcripts, counts.units, counts.disputed, summaries)]


def _identical(units: int, disputed: int) -> float | None:
    """The share of units coded identically by every rater."""
    return float(np.round(1 - disputed / units, 6)) if units else None
