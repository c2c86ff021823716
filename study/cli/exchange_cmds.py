"""Commands for exchanging a study with other QDA tools (REFI-QDA .qdpx) and for assisted coding.

Shape: ``study qdpx export|import`` (like ``study codings export|import``), and
``study suggest run|evaluate``.
"""
from __future__ import annotations

from pathlib import Path

import click

from . import cli, open_study
from .lazy import LazyChoice, lazy, library
from .output import emit, emit_table, format_option

auth = library("study.auth")
qdpx = library("study.qdpx")
project_memos = library("study.project_memos")
suggest = library("study.suggest")
UNITS = LazyChoice("study.segmenting:UNITS")
CREDITS = LazyChoice("study.qdpx.importer:CREDITS")
DEFAULT_SUGGESTER = lazy("study.suggest:DEFAULT_SUGGESTER")


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@cli.group("qdpx")
def qdpx_group() -> None:
    """Exchange a study with other QDA tools (MAXQDA, ATLAS.ti, NVivo, ...) as a REFI-QDA .qdpx project."""


@qdpx_group.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .qdpx file to write.")
@click.option("--raters", metavar="A,B", help="Only these raters' codings and memos (default: every rater's).")
@click.option("--unique-names", is_flag=True,
              help="For QualCoder, which keeps one code per name: write a name used in two branches with its "
                   "parent, 'Latency (Performance)'.")
@click.pass_context
def qdpx_export(ctx, out, raters, unique_names) -> None:
    """Export transcripts, codebook, participants and codings as a REFI-QDA project.

    Themes become non-codable parent codes, codes codable ones nested as the tree is, raters
    users, coded segments selections; the same study always exports to the same bytes.

    Example: study qdpx export --out study.qdpx --raters alice,bob

    Example: study qdpx export --out for-qualcoder.qdpx --unique-names
    """
    summary = qdpx.export_qdpx(open_study(ctx, create=False), auth.CLI, out, _names(raters), unique_names)
    click.echo(f"Wrote {summary.path}: {summary.sources} transcript(s), {summary.codes} code(s), "
               f"{summary.codings} coding(s) by {', '.join(summary.raters) or 'no rater'}, {summary.notes} note(s).")
    for item in summary.not_written:
        click.echo(f"Not written: {item}.")
    if summary.repeated_names and not unique_names:
        click.echo(f"Code names used in more than one branch, written as they are: {', '.join(summary.repeated_names)}. "
                   "QualCoder keeps one code per name; for it, export with --unique-names.")


@qdpx_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--unit", type=UNITS, default="turn", show_default=True,
              help="Segment unit for the imported texts.")
@click.option("--credit", type=CREDITS, default="coding", show_default=True,
              help="Whose a coding is where its selection was made by another user (NVivo writes both): "
                   "the coding's creator or the selection's.")
@click.pass_context
def qdpx_import(ctx, file, unit, credit) -> None:
    """Import a REFI-QDA project: text sources as transcripts, its code tree into the codebook
    (non-codable codes become themes, codable ones codes, parents included), each user's codings
    as a rater's, kept as spans inside segments.

    Texts missing from the file (or unreadable) are left out and named; everything else is
    imported together or not at all. A text the study has already (equal up to line endings and
    trailing whitespace) takes the file's codings, so several coders' projects of the same
    interviews merge. NVivo's positions (UTF-16 units) are converted.

    Example: study qdpx import from-maxqda.qdpx

    Example: study qdpx import from-nvivo.qdpx --credit selection
    """
    summary = qdpx.import_qdpx(open_study(ctx), auth.CLI, file, unit, credit)
    click.echo(summary.headline())
    for item in summary.details():
        click.echo(f"  {item}")
    if summary.credit_differs:
        other = "selection" if credit == "coding" else "coding"
        click.echo(f"To credit the {other}'s creator instead, import again into a fresh study with --credit {other}.")
    if summary.codings:
        click.echo("Mark the transcripts each rater finished as done (`study codings done NAME --rater R`) "
                   "before measuring agreement; the file does not say.")


@qdpx_group.command("project-memos")
@format_option("table", "json", "csv")
@click.pass_context
def qdpx_project_memos(ctx, fmt) -> None:
    """List the project memos other tools' projects brought (notes on the whole project, not on a
    text: NVivo's and MAXQDA's project memos, QualCoder's journals); an export gives them back.

    Example: study qdpx project-memos --format csv
    """
    memos = project_memos.project_memos(open_study(ctx, create=False), auth.CLI)
    emit([{"name": m.name, "author": m.author or "", "created": m.created or "", "text": m.text} for m in memos], fmt,
         ["name", "author", "created", "text"])


@qdpx_group.command("export-codebook")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .qdc file to write.")
@click.pass_context
def qdpx_export_codebook(ctx, out) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc) that NVivo, MAXQDA, ATLAS.ti and QualCoder load.

    Example: study qdpx export-codebook --out codebook.qdc
    """
    result = qdpx.export_codebook(open_study(ctx, create=False), auth.CLI, out)
    click.echo(f"Wrote {result.path}: {result.codes} code(s).")


@qdpx_group.command("import-codebook")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def qdpx_import_codebook(ctx, file) -> None:
    """Merge a REFI-QDA codebook (.qdc) into the codebook as the tree it is: non-codable codes
    become themes, codable ones codes (parents too); codes the study has keep their definitions.

    Example: study qdpx import-codebook from-nvivo.qdc
    """
    result = qdpx.import_codebook(open_study(ctx), auth.CLI, file)
    click.echo(f"Codes added: {result.codes}.")
    for item in result.skipped:
        click.echo(f"  skipped: {item}")


@cli.group("suggest")
def suggest_group() -> None:
    """Suggest codes from the codebook's keywords, and measure suggestions against a human rater."""


@suggest_group.command("run")
@click.argument("transcripts", nargs=-1)
@click.option("--rater", type=str, default=DEFAULT_SUGGESTER, show_default=True,
              help="The pseudo-rater (a coder without password) that holds the suggestions.")
@click.option("--dry-run", is_flag=True, help="List the suggestions and store nothing.")
@format_option("table", "json", "csv")
@click.pass_context
def suggest_run(ctx, transcripts, rater, dry_run, fmt) -> None:
    """Code the participant segments (of all transcripts, or those named) by keyword.

    The suggestions replace the pseudo-rater's earlier ones on those transcripts, which are marked
    done for it, so `study agreement --raters alice,keywords` compares them too.

    Example: study suggest run --rater keywords

    Example: study suggest run P01-2022-07-05 --dry-run --format csv
    """
    run = suggest.suggest_codings(open_study(ctx, create=False), auth.CLI, rater, list(transcripts) or None, dry_run)
    line = (f"{len(run.suggestions)} suggestion(s) on {run.segments} participant segment(s) of "
            f"{len(run.transcripts)} transcript(s)")
    if dry_run:
        emit([s.to_dict() for s in run.suggestions], fmt)
        click.echo(f"Dry run: {line}; nothing stored.", err=True)
    else:
        click.echo(f"Stored {line} as the codings of {run.rater} ({run.replaced} earlier one(s) replaced).")


@suggest_group.command("evaluate")
@click.option("--against", "reference", required=True, metavar="RATER", help="The human rater to measure against.")
@click.option("--rater", type=str, default=DEFAULT_SUGGESTER, show_default=True,
              help="The pseudo-rater whose suggestions are measured.")
@click.option("--learned", is_flag=True,
              help="Instead, cross-validate a TF-IDF + logistic-regression suggester trained on --against's codings.")
@click.option("--folds", type=click.IntRange(2), default=5, show_default=True,
              help="With --learned: folds, grouped by transcript.")
@click.option("--all", "include_unfinished", is_flag=True,
              help="Also transcripts not both marked done (keyword suggestions only).")
@format_option("table", "json", "csv", "md")
@click.pass_context
def suggest_evaluate(ctx, reference, rater, learned, folds, include_unfinished, fmt) -> None:
    """Per-code precision, recall, F1 and Krippendorff's alpha of suggestions against a human rater,
    on participant segments, with micro and macro averages.

    Example: study suggest evaluate --against alice

    Example: study suggest evaluate --against alice --learned --folds 5 --format json
    """
    study = open_study(ctx, create=False)
    if learned:
        result = suggest.learned_suggestions_evaluation(study, auth.CLI, reference, folds)
    else:
        result = suggest.evaluate_suggestions(study, auth.CLI, reference, rater, include_unfinished)
    emit_table(suggest.evaluation_table(result), fmt, result.to_dict())
