"""Commands for agreement between raters, the ratings-table calculator, and adjudication."""
from __future__ import annotations

from pathlib import Path

import click

from typing import TYPE_CHECKING

from ..agreement import coefficient_text
from . import cli, open_study
from .lazy import LazyChoice, lazy, library
from .output import emit, emit_table, format_option, render

if TYPE_CHECKING:
    from ..agreement.study_agreement import AgreementReport

auth = library("study.auth")
adjudication = library("study.adjudication")
listing = library("study.listing")
codes_mod = library("study.codes")
irr = library("study.agreement.irr")
breakdown = library("study.agreement.breakdown")
span_study = library("study.agreement.span_study")
study_agreement = library("study.agreement.study_agreement")
agreement_tables = library("study.agreement.tables")
DEFAULT_REPLICATES = lazy("study.agreement.bootstrap:DEFAULT_REPLICATES")
DEFAULT_SEED = lazy("study.agreement.bootstrap:DEFAULT_SEED")
MEASUREMENT_LEVELS = LazyChoice("study.agreement.coefficients:LEVELS")
UNIT_LEVELS = LazyChoice("study.agreement.units:LEVELS")


def _names(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def raters_option(f):
    return click.option("--raters", required=True, metavar="A,B[,...]",
                        help="The raters to compare, comma-separated.")(f)


@cli.command("agreement")
@raters_option
@click.option("--level", type=UNIT_LEVELS, default="segment", show_default=True,
              help="Units: segments, or participants (applied anywhere in their transcripts).")
@click.option("--theme", metavar="THEME", help="Only the codes of this theme (e.g. Challenges).")
@click.option("--all", "include_unfinished", is_flag=True,
              help="Also transcripts not every rater marked done (stated in the output).")
@click.option("--participant-turns", "participant_turns_only", is_flag=True,
              help="Segment level: leave the turns of interviewers and others (observers, note-takers) out of the units (stated in the output).")
@click.option("--replicates", type=click.IntRange(0), default=DEFAULT_REPLICATES, show_default=True,
              help="Bootstrap replicates for alpha's 95% interval (0: none).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Bootstrap seed.")
@click.option("--by", type=LazyChoice("study.agreement.breakdown:BY"), help="One row per transcript, or per pair of raters, instead of per code.")
@click.option("--unit", type=click.Choice(("coded", "span")), default="coded", show_default=True,
              help="span: unitized agreement on the coded text itself (Krippendorff's alpha_u per code) "
                   "instead of codes per segment or participant.")
@format_option("table", "json", "csv", "md")
@click.pass_context
def agreement(ctx, raters, level, theme, include_unfinished, participant_turns_only, replicates, seed, by,
              unit, fmt) -> None:
    """Agreement between raters per code (alpha, kappa, AC1, percent), per theme and overall;
    with --by, per transcript or per pair of raters.

    Example: study agreement --raters alice,bob --level participant --format json

    Example: study agreement --raters alice,bob --by transcript

    Example: study agreement --raters alice,bob --unit span
    """
    if unit == "span":
        if by is not None:
            raise click.UsageError("--unit span gives one row per code; leave out --by")
        spans = span_study.span_agreement(open_study(ctx, create=False), auth.CLI, _names(raters), theme, include_unfinished)
        emit_table(agreement_tables.span_table(spans), fmt)
        return
    if by is not None:
        if theme:
            raise click.UsageError("--by summarises every code; leave out --theme")
        rows = breakdown.agreement_by(open_study(ctx, create=False), auth.CLI, _names(raters), by, level, include_unfinished,
                            participant_turns_only)
        emit_table(agreement_tables.breakdown_table(rows, by, level), fmt, [r.to_dict() for r in rows])
        return
    report = study_agreement.agreement_report(open_study(ctx, create=False), auth.CLI, _names(raters), level, theme,
                              include_unfinished, replicates, seed, participant_turns_only)
    if fmt == "json":
        emit(report.to_dict(), "json")
    elif fmt == "csv":
        emit_table(agreement_tables.code_data_table(report), "csv")
    elif fmt == "md":
        emit_table(_code_table(report), "md")
    else:
        click.echo(agreement_table(report))


def _code_table(report: AgreementReport):
    kind = report.codes[0].kappa_kind if report.codes else "kappa"
    return agreement_tables.code_table(
        report, ("code", "units", "prevalence", "percent", "alpha", "alpha_ci", "alpha_band", "kappa", "ac1", "flags"),
        labels={"kappa": kind})


def agreement_table(report: AgreementReport) -> str:
    """The report as readable text: a heading, one row per code, the themes and the summary."""
    overall = report.overall
    heading = (f"Agreement between {', '.join(report.raters)} on {overall.units} {report.level}(s) of "
               f"{len(report.transcripts)} transcript(s) ({report.units_basis})")
    codes = _code_table(report)
    summary = [
        f"Median alpha {coefficient_text(overall.median_alpha)} over {overall.codes_with_alpha} of {overall.codes} codes "
        f"(range {coefficient_text(overall.min_alpha)} to {coefficient_text(overall.max_alpha)}); "
        f"pooled alpha {coefficient_text(overall.pooled_alpha)} ({overall.to_dict()['pooled_alpha_note']}).",
        f"Prevalence: units each rater ({'/'.join(report.raters)}) applied the code to. "
        "Bands: alpha reliable >= .800, tentative .667-.800; kappa after Landis & Koch.",
        "",
        overall.methods,
        *[f"Note: {n}" for n in report.notes],
    ]
    return "\n\n".join([heading, render(codes.display_rows(), "table"),
                         render(agreement_tables.theme_table(report).display_rows(), "table"), "\n".join(summary)])


@cli.command("irr")
@click.argument("csv_file", type=click.Path(path_type=Path))
@click.option("--level", type=MEASUREMENT_LEVELS, default="nominal", show_default=True,
              help="Level of measurement for alpha.")
@click.option("--categories", metavar="a,b,c",
              help="Every possible category in order (AC1 and Brennan-Prediger depend on their number).")
@click.option("--replicates", type=click.IntRange(0), default=DEFAULT_REPLICATES, show_default=True)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@format_option("table", "json", "csv", "md")
def irr_command(csv_file, level, categories, replicates, seed, fmt) -> None:
    """Every agreement coefficient for a ratings CSV (header: rater names; one row per unit).

    Example: study irr ratings.csv --level ordinal --categories 1,2,3,4,5
    """
    result = irr.irr_from_csv(csv_file, level, _names(categories) if categories else None,
                              replicates=replicates, seed=seed)
    emit_table(irr.irr_table(result, str(csv_file)), fmt, result)


@cli.command("disagreements")
@raters_option
@click.option("--level", type=UNIT_LEVELS, default="segment", show_default=True)
@click.option("--all", "include_unfinished", is_flag=True,
              help="Also transcripts not every rater marked done.")
@click.option("--transcript", "transcripts", multiple=True, metavar="NAME", help="Only these transcripts (repeatable).")
@click.option("--code", "code_refs", multiple=True, metavar="THEME/CODE", help="Only units disputing this code (repeatable).")
@click.option("--theme", "themes", multiple=True, metavar="THEME", help="Only disputed codes of this theme (repeatable).")
@click.option("--rater", metavar="RATER", help="Only units where this rater applied a disputed code.")
@click.option("--unresolved", is_flag=True, help="Only units no adjudicator has decided yet.")
@format_option("table", "json", "csv", "md")
@click.pass_context
def disagreements_command(ctx, raters, level, include_unfinished, transcripts, code_refs, themes, rater, unresolved,
                          fmt) -> None:
    """List the units where the raters' codes differ, with each rater's codes.

    Example: study disagreements --raters alice,bob --format csv > to_discuss.csv

    Example: study disagreements --raters alice,bob --transcript P07-2022-07-26 --theme Challenges --unresolved
    """
    names = _names(raters)
    if rater is not None and rater not in names:
        raise click.BadParameter(f"{rater!r} is not one of the raters compared ({', '.join(names)})",
                                 param_hint="--rater")
    study = open_study(ctx, create=False)
    listing.require_names(study, transcripts)  # a filter naming nothing there is an error, not "(none)"
    codes_mod.require_themes(study, themes)
    items = adjudication.disagreements(study, auth.CLI, names, level, include_unfinished)
    items = adjudication.filter_disagreements(items, adjudication.DisagreementFilter(
        tuple(transcripts), codes_mod.full_refs(study, code_refs), tuple(themes), rater, unresolved))
    emit_table(adjudication.disagreement_table(items, names), fmt, [d.to_dict() for d in items])


@cli.command("decisions")
@raters_option
@format_option("table", "json", "csv", "md")
@click.pass_context
def decisions_command(ctx, raters, fmt) -> None:
    """List the decisions on the raters' disagreements, newest first: the consensus codes each set, by whom and why.

    Example: study decisions --raters alice,bob --format csv > decisions.csv
    """
    records = adjudication.resolutions(open_study(ctx, create=False), auth.CLI, _names(raters))
    emit_table(adjudication.decision_table(records), fmt)


@cli.command("adjudicate")
@raters_option
@click.option("--auto", is_flag=True, help="Carry the codes every rater applied into the consensus.")
@click.option("--status", is_flag=True, help="Count disputed, resolved and unresolved segments.")
@click.option("--resolutions", type=click.Path(path_type=Path), metavar="FILE.csv",
              help="Apply decisions from a CSV (transcript,segment,decision,codes,reason); all or none.")
@click.option("--resolve", nargs=2, type=(str, int), metavar="TRANSCRIPT SEGMENT",
              help="Decide one segment (with --decision).")
@click.option("--decision", metavar="DECISION", help="take:<rater> | both | neither | edit")
@click.option("--codes", "code_refs", metavar="'T/C;T/C'", help="For --decision edit: the consensus codes, ';'-separated.")
@click.option("--reason", help="Why (recorded with the decision).")
@click.pass_context
def adjudicate(ctx, raters, auto, status, resolutions, resolve, decision, code_refs, reason) -> None:
    """Build the consensus codings: carry agreed codes, then resolve disagreements.

    Only segments of transcripts every rater marked done are adjudicated; the raters' own
    codings are never changed.

    Example: study adjudicate --raters alice,bob --auto

    Example: study adjudicate --raters alice,bob --resolve P01-2022-07-01 4 --decision take:alice --reason "B missed it"
    """
    modes = [name for name, on in (("--auto", auto), ("--status", status), ("--resolutions", resolutions),
                                   ("--resolve", resolve)) if on]
    if len(modes) != 1:
        raise click.UsageError("choose one of --auto, --status, --resolutions FILE, --resolve TRANSCRIPT SEGMENT")
    if (decision or code_refs) and not resolve:
        raise click.UsageError("--decision and --codes go with --resolve")
    study, names = open_study(ctx, create=False), _names(raters)
    if auto:
        result = adjudication.auto_adjudicate(study, auth.CLI, names)
        click.echo(f"Consensus: {result.agreed_units} of {result.units} segment(s) carry codes every rater "
                   f"applied ({result.codes_added} added, {result.codes_removed} removed); "
                   f"{result.kept_units} already resolved by an adjudicator kept as decided.")
    elif resolutions:
        count = adjudication.import_resolutions_csv(study, auth.CLI, names, resolutions)
        click.echo(f"Applied {count} decision(s).")
    elif resolve:
        if not decision:
            raise click.UsageError("--resolve needs --decision (take:<rater>, both, neither or edit)")
        codes = [c for c in code_refs.split(";") if c.strip()] if code_refs is not None else None
        record = adjudication.resolve(study, auth.CLI, names, resolve[0], resolve[1], decision, codes, reason)
        click.echo(f"{record.transcript} #{record.segment}: {record.decision} -> "
                   f"{'; '.join(record.codes) or '(no codes)'}")
    progress = adjudication.adjudication_progress(study, names, auth.CLI)
    click.echo(f"Disputed segments: {progress.disputed}; resolved {progress.resolved}, "
               f"unresolved {progress.unresolved}.")
