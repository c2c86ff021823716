"""Agreement results as display tables, the same for the CLI, the Agreement page and the findings
report: the report per code (or theme), each front end choosing its columns and labels; the
breakdown per transcript or pair of raters; span agreement per code.

Rows keep the report's values (floats, None for undefined, the interval as a pair) so a page can
colour or sort them; the columns say how each is written as text.

Example::

    table = code_table(report, ("code", "units", "alpha", "alpha_ci"), labels={"code": "Code"})
    table.display_rows()  # [{"Code": "Challenges/Cost", "units": "12", "alpha": "0.812", ...}]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from ..table import Column, Table
from . import coefficient_text, interval_text
from .breakdown import GroupAgreement
from .study_agreement import RARE_RULE, AgreementReport, CodeAgreement, kappa_band

if TYPE_CHECKING:
    from .span_study import SpanAgreementReport


def _coefficient(value) -> str:
    return coefficient_text(value, undefined="")


def _percent(value) -> str:
    """A percentage (0-100) with one decimal."""
    return "" if value is None else f"{value:.1f}"


# Every column a code row offers, by key; labels are the defaults a front end may rename.
CODE_COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("theme", "theme"),
    Column("code", "code"),
    Column("name", "code"),  # the code without its theme path
    Column("units", "units", numeric=True),
    Column("prevalence", "prevalence"),  # "3/4": units each rater applied the code to
    Column("percent", "percent", numeric=True, format=_coefficient),
    Column("percent_100", "% agree", numeric=True, format=_percent),
    Column("alpha", "alpha", numeric=True, format=_coefficient),
    Column("alpha_ci", "95% CI", format=interval_text),
    Column("alpha_band", "band"),
    Column("kappa", "kappa", numeric=True, format=_coefficient),
    Column("kappa_band", "kappa band"),
    Column("ac1", "AC1", numeric=True, format=_coefficient),
    Column("rare", "rare", format=lambda rare: "rare" if rare else ""),
    Column("undefined", "undefined"),
    Column("flags", "flags"),  # short: "rare, undefined: no variation"
    Column("note", "note"),  # long: "rare; no variation: no rater applied the code on any of the 12 units"
)}


def kappa_label(report: AgreementReport) -> str:
    """``Cohen's kappa`` for two raters, ``Fleiss' kappa`` for more."""
    return "Cohen's kappa" if len(report.raters) == 2 else "Fleiss' kappa"


def code_row(code: CodeAgreement, raters: Sequence[str]) -> dict:
    """One code's figures under every key of CODE_COLUMNS, plus ``applied by <rater>`` counts
    (None where the report hides another rater's count from a coder)."""
    return {
        "theme": code.theme, "code": code.code, "name": code.code.removeprefix(code.theme + "/"),
        "units": code.units, "prevalence": "/".join(str(code.prevalence.get(r, "")) for r in raters),
        "percent": code.percent, "percent_100": None if code.percent is None else 100 * code.percent, "alpha": code.alpha,
        "alpha_ci": list(code.alpha_ci) if code.alpha_ci else None, "alpha_band": code.band,
        "kappa": code.kappa, "kappa_kind": code.kappa_kind, "kappa_band": kappa_band(code.kappa),
        "ac1": code.ac1, "rare": code.rare, "undefined": code.undefined or "",
        "flags": _flags(code), "note": "; ".join(x for x in ("rare" if code.rare else "", code.undefined or "") if x),
        "alpha_ci_low": code.alpha_ci[0] if code.alpha_ci else None,
        "alpha_ci_high": code.alpha_ci[1] if code.alpha_ci else None,
        **{f"q_{t}": (code.q or {}).get(t) for t in Q_THRESHOLDS},
        **{applied_key(r): code.prevalence.get(r) for r in raters},
    }


Q_THRESHOLDS = ("0.667", "0.800")  # keys of CodeAgreement.q: the bootstrap's probability alpha falls below


def code_data_table(report: AgreementReport) -> Table:
    """Every figure per code, flat (no nested values) and headed by its key: the CSV a
    spreadsheet or a script reads, numbers in full."""
    keys = ("code", "theme", "units", "alpha", "alpha_ci_low", "alpha_ci_high", *(f"q_{t}" for t in Q_THRESHOLDS),
            "alpha_band", "kappa", "kappa_kind", "kappa_band", "ac1", "percent",
            *(applied_key(r) for r in report.raters), "rare", "undefined")
    labels = {key: key for key in keys} | {applied_key(r): f"prevalence_{r}" for r in report.raters}
    return code_table(report, keys, labels)


def applied_key(rater: str) -> str:
    return f"applied by {rater}"


def _flags(code: CodeAgreement) -> str:
    flags = ["rare"] if code.rare else []
    if code.undefined:
        flags.append("undefined: " + code.undefined.split(":")[0])
    return ", ".join(flags)


def code_table(report: AgreementReport, keys: Sequence[str] = ("code", "units", "alpha", "alpha_ci", "kappa", "ac1",
                                                                  "percent", "note"),
               labels: Mapping[str, str] | None = None, applied_only: bool = False) -> Table:
    """The report's codes as a Table with the columns ``keys`` (of CODE_COLUMNS, or ``applied by
    <rater>``), relabelled by ``labels``; ``applied_only`` leaves out codes no compared rater applied.

    The title names the raters, the caption is the methods sentence, the notes the rare rule and
    the report's own notes.
    """
    labels = {"kappa": kappa_label(report), **(labels or {})}
    columns = tuple(_column(key, labels) for key in keys)
    codes = [c for c in report.codes if not applied_only or any(c.prevalence.values())]
    return Table(
        title=f"Agreement per code between {', '.join(report.raters)}",
        columns=columns, rows=tuple(code_row(c, report.raters) for c in codes),
        caption=report.overall.methods, notes=(RARE_RULE, *report.notes), name="agreement",
    )


def _column(key: str, labels: Mapping[str, str]) -> Column:
    column = CODE_COLUMNS.get(key) or Column(key, key, numeric=key.startswith("applied by "))
    return Column(key, labels.get(key, column.label), column.numeric, column.wide, column.format)


def theme_table(report: AgreementReport) -> Table:
    """Each theme's codes summarised: median alpha, and cu-alpha for an exclusive theme."""
    columns = (
        Column("theme", "theme"), Column("codes", "codes", numeric=True),
        Column("median_alpha", "median alpha", numeric=True, format=_coefficient),
        Column("cu_alpha", "cu-alpha", numeric=True, format=_coefficient),
        Column("note", "note"),
    )
    rows = tuple(
        {"theme": t.theme, "codes": t.codes, "median_alpha": t.median_alpha, "exclusive": t.exclusive,
         "cu_alpha": t.cu_alpha if t.exclusive else None, "note": t.cu_note or t.cu_undefined or ""}
        for t in report.themes
    )
    return Table(title=f"Agreement per theme between {', '.join(report.raters)}", columns=columns, rows=rows,
                 name="agreement-themes")


# -- agreement per transcript or per pair of raters (study.agreement.breakdown) -----------------

FEW_UNITS_NOTE = ("Per-transcript alphas rest on few units: use them to find where to look, not as the "
                  "study's reliability.")


def breakdown_table(groups: Sequence[GroupAgreement], by: str, level: str = "segment") -> Table:
    """One row per transcript or pair of raters (``by``, as ``agreement_by`` was asked): units of
    ``level``, how many are disputed, the share coded identically (as a percentage), and the
    median and pooled alpha over the codes."""
    raters = list(dict.fromkeys(r for g in groups for r in g.raters))
    columns = (
        Column("group", by),
        *((Column("transcripts", "transcripts", numeric=True),) if by == "pair" else ()),
        Column("units", f"{level}s", numeric=True),
        Column("disputed_units", "disputed", numeric=True),
        Column("identical", "% identical", numeric=True, format=_percent),
        Column("median_alpha", "median alpha", numeric=True, format=coefficient_text),
        Column("pooled_alpha", "pooled alpha", numeric=True, format=coefficient_text),
        Column("codes_with_alpha", "codes with alpha", numeric=True),
    )
    rows = tuple({**g.to_dict(), "identical": None if g.identical is None else 100 * g.identical}
                 for g in groups)
    title = (f"Agreement per transcript between {', '.join(raters)}" if by == "transcript"
             else f"Agreement per pair of raters among {', '.join(raters)}")
    return Table(title=title, columns=columns, rows=rows, name=f"agreement-per-{by}",
                 caption=f"Disputed: {level}s the raters coded differently; % identical: {level}s every rater "
                         "coded the same; alphas over the codes with a defined alpha.",
                 notes=(FEW_UNITS_NOTE,) if by == "transcript" else ())


# -- span (unitized) agreement (study.agreement.span_study) ------------------------------------


def span_table(report: SpanAgreementReport) -> Table:
    """Krippendorff's alpha_u per code, with each rater's coded stretches and characters (None
    where the report hides another coder's counts)."""
    columns = (
        Column("code", "code"), Column("alpha_u", "alpha_u", numeric=True, format=_coefficient),
        Column("band", "band"),
        *(Column(f"stretches {r}", f"stretches {r}", numeric=True) for r in report.raters),
        *(Column(f"characters {r}", f"characters {r}", numeric=True) for r in report.raters),
    )
    rows = tuple(
        {"code": c.code, "alpha_u": c.alpha, "band": c.band,
         **{f"stretches {r}": n for r, n in zip(report.raters, c.stretches)},
         **{f"characters {r}": n for r, n in zip(report.raters, c.characters)}}
        for c in report.codes
    )
    return Table(title=f"Span agreement (Krippendorff's alpha_u) between {', '.join(report.raters)}",
                 columns=columns, rows=rows, name="agreement-spans",
                 caption=f"On {report.continuum} characters of {len(report.transcripts)} transcript(s) "
                         f"({report.basis}).")
