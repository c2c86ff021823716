"""Agreement between raters on a study: per code, per theme and overall.

Coding is multi-label, so each code is its own binary variable: a rater gave a unit 1 if they
applied the code there and 0 otherwise. Per code we report Krippendorff's alpha (nominal),
Cohen's kappa (two raters) or Fleiss' kappa (more), Gwet's AC1, percent agreement, each
rater's prevalence and a bootstrap interval for alpha. The coefficients themselves live in
``coefficients`` and ``bootstrap``; this module chooses the units, runs them per code and
labels the results.

Example::

    report = agreement_report(study, CLI, ["alice", "bob"], level="participant")
    report.overall.median_alpha, report.to_dict()["codes"][0]["alpha_ci"]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..auth import Actor
from ..codebook import join_ref, split_ref
from . import defined
from ..store import Study
from .bootstrap import DEFAULT_REPLICATES, DEFAULT_SEED, alpha_bootstrap_types
from .coefficients import (
    CodedRatings,
    UnitTypes,
    alpha_from_value_counts,
    binary_alpha,
    binary_type_stats,
    binary_unit_types,
    cohen_kappa_from_table,
    histogram_unit_types,
)
from ..codes import CodeView
from .counted import UnitCounts, unit_counts
from .units import BASIS_ALL, BASIS_DONE, UnitTable, unit_table

# A code is "rare" when the raters applied it on fewer than RARE_MIN_UNITS units on average. A share of units would flag nearly every code at segment level.
# Alpha's expected disagreement is proportional to n_0 * n_1, the product of the zeros and the
# ones: with a handful of ones a single changed rating swings alpha by a lot (one missed
# mention out of 12 takes alpha from 1 to 0), so such a code's alpha is flagged, not hidden.
RARE_MIN_UNITS = 5

POOLED_NOTE = "pools every (unit, code) cell; mostly measures agreement on absences"
THRESHOLDS = (0.667, 0.800)


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code (binary: applied or not). None marks an undefined figure."""

    code: str
    theme: str
    units: int
    alpha: float | None
    alpha_ci: tuple[float, float] | None
    q: dict[str, float | None] | None
    kappa: float | None
    kappa_kind: str
    ac1: float | None
    percent: float | None
    prevalence: dict[str, int]
    rare: bool
    undefined: str | None
    dropped_replicates: int = 0  # bootstrap replicates with no variation left, outside the interval
    band: str | None = None  # alpha's band (``alpha_band``); for a coder, all that is shown (see ``for_coder``)

    def to_dict(self) -> dict:
        return {
            "code": self.code, "theme": self.theme, "alpha": self.alpha, "alpha_band": self.band,
            "alpha_ci": list(self.alpha_ci) if self.alpha_ci else None, "q": self.q,
            "kappa": self.kappa, "kappa_kind": self.kappa_kind, "kappa_band": kappa_band(self.kappa),
            "ac1": self.ac1, "percent": self.percent, "prevalence": dict(self.prevalence),
            "units": self.units, "rare": self.rare, "undefined": self.undefined,
            "dropped_replicates": self.dropped_replicates,
        }


@dataclass(frozen=True)
class ThemeAgreement:
    """A theme's codes summarised; for an exclusive theme also cu-alpha over the chosen code."""

    theme: str
    exclusive: bool
    codes: int
    median_alpha: float | None
    cu_alpha: float | None = None
    cu_undefined: str | None = None
    cu_note: str | None = None

    def to_dict(self) -> dict:
        return {
            "theme": self.theme, "exclusive": self.exclusive, "codes": self.codes,
            "median_alpha": self.median_alpha, "cu_alpha": self.cu_alpha,
            "cu_alpha_band": alpha_band(self.cu_alpha), "cu_undefined": self.cu_undefined, "cu_note": self.cu_note,
        }


@dataclass(frozen=True)
class OverallAgreement:
    """Alpha across codes: median and range over codes with a defined alpha, and the pooled figure."""

    codes: int
    codes_with_alpha: int
    median_alpha: float | None
    min_alpha: float | None
    max_alpha: float | None
    pooled_alpha: float | None
    units: int
    methods: str

    def to_dict(self) -> dict:
        return {
            "codes": self.codes, "codes_with_alpha": self.codes_with_alpha, "median_alpha": self.median_alpha,
            "alpha_range": [self.min_alpha, self.max_alpha], "median_alpha_band": alpha_band(self.median_alpha),
            "pooled_alpha": self.pooled_alpha, "pooled_alpha_note": POOLED_NOTE, "units": self.units,
            "methods": self.methods,
        }


@dataclass(frozen=True)
class AgreementReport:
    """Everything `study agreement` prints; ``to_dict()`` is its JSON."""

    raters: tuple[str, ...]
    level: str
    units_basis: str
    transcripts: tuple[str, ...]
    replicates: int
    seed: int
    codes: tuple[CodeAgreement, ...]
    themes: tuple[ThemeAgreement, ...]
    overall: OverallAgreement
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "overall": self.overall.to_dict(), "codes": [c.to_dict() for c in self.codes],
            "themes": [t.to_dict() for t in self.themes], "raters": list(self.raters), "level": self.level,
            "units_basis": self.units_basis, "transcripts": list(self.transcripts),
            "bootstrap": {"replicates": self.replicates, "seed": self.seed, "resampled": f"{self.level}s"},
            "rare_rule": RARE_RULE, "notes": list(self.notes),
        }


RARE_RULE = (f"rare: the raters applied the code on fewer than {RARE_MIN_UNITS} units on "
             "average; alpha is unstable there (one changed rating moves it a lot)")


def agreement_report(study: Study, asker: Actor, raters: Sequence[str], level: str = "segment",
                     theme: str | None = None, include_unfinished: bool = False,
                     replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
                     participant_turns_only: bool = False) -> AgreementReport:
    """Agreement between ``raters`` on the study, per code, per theme and overall: for an admin,
    or for a coder as ``study.agreement.visibility`` allows (figures only, never the codings)."""
    if replicates < 0:
        raise ValueError(f"replicates must be 0 (no interval) or more, got {replicates}")
    if level == "segment":  # counted in the database, unless an admin's theme cu-alpha needs the units
        counts = unit_counts(study, asker, raters, include_unfinished, theme, participant_turns_only)
        if not asker.is_admin:  # a coder sees each code's band: no theme, no cu-alpha
            return coder_report(counts, asker.name)
        if not any(c.theme_exclusive for c in counts.codes):
            return report_from_counts(counts, replicates, seed)
    table = unit_table(study, asker, raters, level, theme, include_unfinished, participant_turns_only)
    if not asker.is_admin:
        return coder_report(table, asker.name)
    return report_from_table(table, replicates, seed)


# What a coder sees of a code: alpha's band, and only once they applied it on at least this many
# units and left it off at least this many; else TOO_FEW, whatever the others did.
CODER_MIN_UNITS = RARE_MIN_UNITS
TOO_FEW = "too few to judge"
CODER_RULE = (f"coders see each code's alpha band only, and {TOO_FEW!r} where they applied the code on fewer "
              f"than {CODER_MIN_UNITS} of the units or left it off fewer than {CODER_MIN_UNITS}")


def coder_report(table: UnitTable | UnitCounts, coder: str) -> AgreementReport:
    """The report as a coder may see it: per code, how often *they* applied it and alpha's band,
    nothing from which another coder's counts could be worked out. Every figure would do: with two
    raters the units, percent agreement, kappa (or alpha, or the interval, or the rare flag) and
    one's own count give the other's count exactly. A band leaves at least two counts possible as
    long as it is shown only for codes the coder applied on CODER_MIN_UNITS units or more and left
    off as many (a rule on the coder's own count, so TOO_FEW says nothing of the others either);
    tests/test_agreement_inversion.py tries the inversion. No overall figure, theme or note (they
    count the others' codings), and no retired code that only the others applied. Only alpha is
    computed (no database: the test calls this too). From the units counted in the database
    (``UnitCounts``) or read one by one (``UnitTable``): the same report."""
    units, mine, types = _coder_inputs(table, table.raters.index(coder))
    codes = []
    for c, info in enumerate(table.codes):
        if info.retired and not mine[c]:
            continue
        judged = CODER_MIN_UNITS <= mine[c] <= units - CODER_MIN_UNITS
        band = alpha_band(defined(binary_alpha(types(c)))) if judged else TOO_FEW
        codes.append(CodeAgreement(info.ref, info.theme_ref, units, None, None, None, None, _kappa_kind(table.raters),
                                   None, None, {coder: int(mine[c])}, not judged, None, band=band))
    overall = OverallAgreement(len(codes), sum(c.band != TOO_FEW for c in codes), None, None, None, None, units,
                               f"{design_sentence(table)}; {CODER_RULE}.")
    return AgreementReport(table.raters, table.level, table.basis, table.transcripts, 0, DEFAULT_SEED, tuple(codes),
                           (), overall)


def _coder_inputs(table: UnitTable | UnitCounts, coder: int):
    """(units, per code the units the coder applied it on, code index -> its unit types)."""
    if isinstance(table, UnitCounts):
        mine = np.array([table.applied(c)[coder] for c in range(len(table.codes))], dtype=np.int64)
        return table.unit_count, mine, lambda c: histogram_unit_types(table.histogram(c))
    units, _, n_raters = table.presence.shape
    ones, n = rater_counts(table.presence), np.full(units, n_raters, dtype=np.int64)
    return units, table.presence[:, :, coder].sum(axis=0), lambda c: binary_unit_types(ones[:, c], n)


def report_from_table(table: UnitTable, replicates: int = DEFAULT_REPLICATES,
                      seed: int = DEFAULT_SEED) -> AgreementReport:
    """The report for a units x codes x raters table (no database: benchmarks call this too)."""
    codes = per_code_agreement(table.presence, table.codes, table.raters, replicates, seed)
    themes = theme_agreement(table, codes)
    overall = overall_agreement(table, codes, replicates, seed)
    return AgreementReport(table.raters, table.level, table.basis, table.transcripts, replicates, seed,
                           tuple(codes), tuple(themes), overall, table.notes)


def report_from_counts(counts: UnitCounts, replicates: int = DEFAULT_REPLICATES,
                       seed: int = DEFAULT_SEED) -> AgreementReport:
    """``report_from_table`` of the units counted in the database (no exclusive theme among the
    codes: its cu-alpha needs each unit's codes together)."""
    histograms = [counts.histogram(c) for c in range(len(counts.codes))]
    codes = [
        _code_agreement(info, histogram_unit_types(histograms[c]), counts.unit_count, counts.applied(c),
                        counts.raters, counts.cohen_table(c) if len(counts.raters) == 2 else None, replicates, seed)
        for c, info in enumerate(counts.codes)
    ]
    pooled = _pooled(histogram_unit_types(np.sum(histograms, axis=0)) if histograms and counts.unit_count else None)
    overall = _overall(counts, codes, pooled, replicates, seed)
    return AgreementReport(counts.raters, counts.level, counts.basis, counts.transcripts, replicates, seed,
                           tuple(codes), tuple(theme_agreement(counts, codes)), overall, counts.notes)


def per_code_agreement(presence: np.ndarray, codes: Sequence[CodeView], raters: Sequence[str],
                       replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED) -> list[CodeAgreement]:
    """One CodeAgreement per code from a boolean units x codes x raters array.

    Every code's interval is drawn with the same seed, so a code's figures do not depend on
    which other codes are in the table (``--theme`` reproduces the full table's rows).
    """
    units, _, n_raters = presence.shape
    ones = rater_counts(presence)
    applied = presence.sum(axis=0, dtype=np.int64)  # codes x raters
    n = np.full(units, n_raters, dtype=np.int64)
    tables = _cohen_tables(presence) if n_raters == 2 else None
    return [
        _code_agreement(info, binary_unit_types(ones[:, c], n), units, applied[c], raters,
                        None if tables is None else tables[c], replicates, seed)
        for c, info in enumerate(codes)
    ]


def rater_counts(presence: np.ndarray) -> np.ndarray:
    """Units x codes: how many raters applied each code on each unit."""
    ones = np.zeros(presence.shape[:2], dtype=np.int64)
    for r in range(presence.shape[2]):  # faster than presence.sum(axis=2) over a short last axis
        ones += presence[:, :, r]
    return ones


def _code_agreement(info: CodeView, types: UnitTypes, units: int, applied: np.ndarray,
                    raters: Sequence[str], cohen_table: np.ndarray | None, replicates: int,
                    seed: int) -> CodeAgreement:
    """One code's row from its ``units`` grouped by type (``coefficients.UnitTypes``)."""
    prevalence = {r: int(a) for r, a in zip(raters, applied)}
    rare = is_rare(applied, units)
    if units == 0:
        return CodeAgreement(info.ref, info.theme_ref, 0, None, None, None, None, _kappa_kind(raters), None, None,
                             prevalence, rare, "no units to compare")
    stats = binary_type_stats(types)
    undefined = _no_variation(types, units) if math.isnan(stats.alpha) else None
    if undefined:  # AC1 would be 1.0 by its formula here, which says nothing: undefined like alpha
        return CodeAgreement(info.ref, info.theme_ref, units, None, None, None, None, _kappa_kind(raters), None,
                             defined(stats.percent_agreement), prevalence, rare, undefined)
    kappa = cohen_kappa_from_table(cohen_table) if cohen_table is not None else stats.fleiss_kappa
    interval, q, dropped = _interval(types, replicates, seed)
    alpha = defined(stats.alpha)
    return CodeAgreement(info.ref, info.theme_ref, units, alpha, interval, q, defined(kappa),
                         _kappa_kind(raters), defined(stats.gwet_ac1), defined(stats.percent_agreement),
                         prevalence, rare, None, dropped, alpha_band(alpha))


def _cohen_tables(presence: np.ndarray) -> np.ndarray:
    """Codes x 2 x 2 contingency tables of two raters (rows: first rater 0/1, columns: second)."""
    first, second = presence[:, :, 0], presence[:, :, 1]
    both = (first & second).sum(axis=0)
    only_first = first.sum(axis=0) - both
    only_second = second.sum(axis=0) - both
    neither = presence.shape[0] - both - only_first - only_second
    return np.stack([np.stack([neither, only_second], axis=1), np.stack([only_first, both], axis=1)], axis=1)


def _interval(types: UnitTypes, replicates: int, seed: int):
    """(95% interval, {threshold: q}, replicates dropped as undefined); Nones without replicates."""
    if replicates == 0:
        return None, None, 0
    boot = alpha_bootstrap_types(types, replicates=replicates, seed=seed, thresholds=THRESHOLDS)
    q = {f"{t:.3f}": defined(boot.q[t]) for t in THRESHOLDS}
    interval = None if math.isnan(boot.ci_low) else (boot.ci_low, boot.ci_high)
    return interval, q, boot.undefined


def is_rare(applied: np.ndarray, units: int) -> bool:
    """The rare rule (see RARE_RULE): too few ones (or zeros) for a stable alpha."""
    if units == 0:
        return True
    return bool(np.asarray(applied).mean() < RARE_MIN_UNITS)


def _no_variation(types: UnitTypes, units: int) -> str:
    if not types.ones.any():
        return f"no variation: no rater applied the code on any of the {units} units"
    if (types.ones == types.raters).all():
        return f"no variation: every rater applied the code on all {units} units"
    return "no variation among the units at least two raters rated"


def _kappa_kind(raters: Sequence[str]) -> str:
    return "cohen" if len(raters) == 2 else "fleiss"


# -- themes and overall ---------------------------------------------------------------


def theme_agreement(table: UnitTable | UnitCounts, codes: Sequence[CodeAgreement]) -> list[ThemeAgreement]:
    """Every theme with codes in the table (top themes and sub-themes), in codebook order."""
    paths = list(dict.fromkeys(prefix for c in table.codes for prefix in _prefixes(c.theme_ref)))
    result = []
    for path in paths:
        under = [i for i, c in enumerate(table.codes) if c.theme_ref == path or c.theme_ref.startswith(path + "/")]
        direct = [i for i, c in enumerate(table.codes) if c.theme_ref == path]
        exclusive = bool(direct) and table.codes[direct[0]].theme_exclusive
        alphas = [codes[i].alpha for i in under if codes[i].alpha is not None]
        median = float(np.median(alphas)) if alphas else None
        if exclusive:
            cu, undefined, note = cu_alpha(table.presence[:, direct, :], [table.codes[i].ref for i in direct])
            result.append(ThemeAgreement(path, True, len(under), median, cu, undefined, note))
        else:
            result.append(ThemeAgreement(path, False, len(under), median))
    return result


def _prefixes(theme: str) -> list[str]:
    parts = split_ref(theme)
    return [join_ref(parts[: i + 1]) for i in range(len(parts))]


def cu_alpha(presence: np.ndarray, refs: Sequence[str]) -> tuple[float | None, str | None, str | None]:
    """Nominal alpha over the code chosen within an exclusive theme (ATLAS.ti's cu-alpha).

    ``presence`` is units x the theme's codes x raters. A rater who chose none of the codes
    gave the category "none"; one who chose several broke the exclusivity and that rating
    is left out as missing. Returns (alpha, why undefined, note).
    """
    chosen = presence.sum(axis=1)
    category = np.where(chosen == 0, 0, np.where(chosen == 1, presence.argmax(axis=1) + 1, -1))
    counts = CodedRatings(category, ("none", *refs)).counts()
    alpha = defined(alpha_from_value_counts(counts, range(len(refs) + 1), "nominal"))
    several = int((chosen > 1).sum())
    note = (f"{several} rating(s) chose several codes of this exclusive theme and were left out"
            if several else None)
    undefined = None if alpha is not None else "no variation: every rating fell in one category"
    return alpha, undefined, note


def overall_agreement(table: UnitTable, codes: Sequence[CodeAgreement], replicates: int,
                      seed: int) -> OverallAgreement:
    """Median and range of alpha over codes where it is defined, and the pooled alpha."""
    return _overall(table, codes, pooled_alpha(table.presence), replicates, seed)


def _overall(table: UnitTable | UnitCounts, codes: Sequence[CodeAgreement], pooled: float | None, replicates: int,
             seed: int) -> OverallAgreement:
    alphas = [c.alpha for c in codes if c.alpha is not None]
    median = float(np.median(alphas)) if alphas else None
    low, high = (min(alphas), max(alphas)) if alphas else (None, None)
    methods = methods_sentence(table, len(codes), alphas, replicates, seed)
    return OverallAgreement(len(codes), len(alphas), median, low, high, pooled, table.unit_count, methods)


def pooled_alpha(presence: np.ndarray) -> float | None:
    """Alpha over every (unit, code) cell pooled (see POOLED_NOTE); None without cells or variation."""
    ones = rater_counts(presence).ravel()
    return _pooled(binary_unit_types(ones, np.full(ones.size, presence.shape[2])) if ones.size else None)


def _pooled(types: UnitTypes | None) -> float | None:
    """``pooled_alpha`` of every cell's count of raters who applied the code, grouped by type
    (None: no cells)."""
    if types is None:
        return None
    return defined(binary_type_stats(types).alpha)


@dataclass(frozen=True)
class AlphaSummary:
    """The overall alphas of a table: what ``report_from_table`` gives as median, pooled and codes
    with alpha, without the per-code rows, themes and intervals (agreement per transcript)."""

    median_alpha: float | None
    pooled_alpha: float | None
    codes_with_alpha: int


def alpha_summary(presence: np.ndarray) -> AlphaSummary:
    """The median alpha over codes with a defined one, the pooled alpha, and how many codes have one,
    from a boolean units x codes x raters array (each code's alpha as ``per_code_agreement`` gives it)."""
    return alpha_summaries(code_histograms(presence)[np.newaxis])[0]


def code_histograms(presence: np.ndarray) -> np.ndarray:
    """Codes x (raters + 1): per code, on how many units k of the raters applied it, k = 0 .. raters."""
    units, n_codes, n_raters = presence.shape
    ones = rater_counts(presence)
    width = n_raters + 1
    cells = (np.arange(n_codes) * width + ones).ravel()
    return np.bincount(cells, minlength=n_codes * width).reshape(n_codes, width)


def alpha_summaries(histograms: np.ndarray) -> list[AlphaSummary]:
    """``alpha_summary`` of each group of units (a transcript), from groups x codes x (raters + 1)
    histograms (``code_histograms``, or counted in the database), every group at once: the same
    alphas, bit for bit, as the codes' one by one (``binary_alpha`` sums type by type)."""
    groups, n_codes, width = histograms.shape
    types = histogram_unit_types(np.ones(width, dtype=np.int64))  # every type, of raters = width - 1
    alphas = binary_alpha(types, histograms.reshape(groups * n_codes, width)).reshape(groups, n_codes)
    pooled = binary_alpha(types, histograms.sum(axis=1)) if n_codes else np.full(groups, math.nan)
    summaries = []
    for group in range(groups):
        found = [float(a) for a in alphas[group] if not math.isnan(a)]
        summaries.append(AlphaSummary(float(np.median(found)) if found else None, defined(pooled[group]),
                                      len(found)))
    return summaries


def methods_sentence(table: UnitTable | UnitCounts, n_codes: int, alphas: Sequence[float], replicates: int,
                     seed: int) -> str:
    """One sentence for a paper's method section: statistic, raters, units, level."""
    sentence = design_sentence(table)
    unit_word = table.level
    if replicates:
        sentence += f"; 95% intervals come from {replicates:,} bootstrap replicates over {unit_word}s (seed {seed})"
    if alphas:
        sentence += (f". Across the {len(alphas)} of {n_codes} codes with a defined alpha, the median alpha was "
                     f"{_fmt(np.median(alphas))} (range {_fmt(min(alphas))} to {_fmt(max(alphas))}).")
    else:
        sentence += f". None of the {n_codes} codes had a defined alpha (no variation)."
    return sentence


def design_sentence(table: UnitTable | UnitCounts) -> str:
    """What was measured on what (no results): statistics, raters, units, transcripts."""
    unit_word = table.level  # segment | participant
    basis = ("that every rater marked done" if table.basis == BASIS_DONE
             else "that any of them coded, finished or not")
    kappa = "Cohen's kappa" if len(table.raters) == 2 else "Fleiss' kappa"
    return (
        f"Agreement between {len(table.raters)} raters ({', '.join(table.raters)}) was measured per code as "
        f"Krippendorff's alpha for binary nominal data (1 = code applied to the unit, 0 = not), with {kappa}, "
        f"Gwet's AC1 and percent agreement alongside, on {_count(table.unit_count, unit_word)} of "
        f"{_count(len(table.transcripts), 'transcript')} {basis}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _fmt(value: float) -> str:
    """APA style for coefficients bounded by 1: three decimals, no leading zero (.812, -.050)."""
    text = f"{abs(value):.3f}"
    return ("-" if value < 0 else "") + (text[1:] if text.startswith("0") else text)


# -- bands ----------------------------------------------------------------------------

KAPPA_BANDS = ((0.81, "almost perfect"), (0.61, "substantial"), (0.41, "moderate"), (0.21, "fair"),
               (0.0, "slight"))  # Landis & Koch (1977); below 0: poor


def kappa_band(kappa: float | None) -> str | None:
    """Landis & Koch's label for a kappa: poor, slight, fair, moderate, substantial, almost perfect."""
    if kappa is None:
        return None
    kappa = round(kappa, 9)
    if kappa < 0:
        return "poor"
    return next(label for bound, label in KAPPA_BANDS if kappa >= bound)


def alpha_band(alpha: float | None) -> str | None:
    """Krippendorff's reading of alpha: reliable (>= .800), tentative (.667 to .800), unreliable."""
    if alpha is None:
        return None
    alpha = round(alpha, 9)
    if alpha >= 0.800:
        return "reliable"
    return "tentative" if alpha >= 0.667 else "unreliable"


__all__ = [
    "AgreementReport", "CodeAgreement", "ThemeAgreement", "OverallAgreement", "agreement_report",
    "report_from_table", "per_code_agreement", "cu_alpha", "alpha_band", "kappa_band", "is_rare",
    "BASIS_ALL", "BASIS_DONE", "RARE_RULE",
]
