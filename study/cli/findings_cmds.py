"""Commands for findings: ``study table <kind>``, ``study saturation`` and ``study report``."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .. import exports
from ..table import Table
from . import cli, open_study
from .lazy import LazyChoice, lazy, library
from .output import format_option, render, table_text

auth = library("study.auth")
atomic = library("study.atomic")
charts = library("study.charts")
quotes_mod = library("study.quotes")
findings = library("study.findings")
coverage_mod = library("study.coverage")
sources = library("study.sources")
report_mod = library("study.report")
report_formats = library("study.report_formats")
saturation_mod = library("study.saturation")
DEFAULT_THRESHOLD = lazy("study.saturation:DEFAULT_THRESHOLD")

TABLE_FORMATS = ("table",) + exports.FORMATS
SUFFIX_FORMATS = {ext: fmt for fmt, ext in exports.EXTENSIONS.items()} | {".png": "png", ".svg": "svg",
                                                                          ".pdf": "pdf", ".htm": "html"}


def _is_binary(fmt: str) -> bool:
    """Whether ``fmt`` writes bytes (charts are consulted only for a format tables do not know)."""
    if fmt in exports.BINARY_FORMATS:
        return True
    return fmt not in TABLE_FORMATS and fmt in charts.STATIC_FORMATS


def source_options(command):
    """The shared --source and --combine options of every findings command."""
    command = click.option("--combine", type=LazyChoice("study.sources:COMBINES"), default="union", show_default=True,
                           help="How several raters combine: union (any applied it) or majority "
                                "(more than half did).")(command)
    return click.option("--source", metavar="RATER[,RATER...]|consensus",
                        help="Whose codings: consensus, one rater, or several (see --combine). Default: "
                             "consensus when it has codings, else the union of all coders.")(command)


def parent_rule_option(command):
    """The shared --parent-rule option of the tables that count codes."""
    return click.option("--parent-rule", type=LazyChoice("study.code_tree:PARENT_RULES"), default="with-codes-below",
                        show_default=True,
                        help="How a code with codes below it counts: with-codes-below (a participant counts when "
                             "a segment carries the code or any code below it) or own-codings.")(command)


def out_option(command):
    return click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Write to this file (its suffix picks the format when --format is not given).")(command)


def resolve_format(fmt: str | None, out: Path | None, default: str = "table") -> str:
    """The output format: --format, else the --out file's suffix, else ``default``; binary formats need --out."""
    if fmt is None:
        fmt = SUFFIX_FORMATS.get(out.suffix.lower(), default) if out else default
    if out is None and _is_binary(fmt):
        raise click.UsageError(f"--format {fmt} writes a binary file; give --out FILE (e.g. --out findings.{fmt})")
    return fmt


def deliver_table(table: Table, fmt: str | None, out: Path | None) -> None:
    fmt = resolve_format(fmt, out)
    if fmt == "table":
        _deliver_text(table_text(table) + "\n", out)
    elif fmt in exports.BINARY_FORMATS:
        atomic.write_bytes(out, exports.to_bytes(table, fmt))
        click.echo(f"Wrote {out}")
    else:
        _deliver_text(exports.to_text(table, fmt), out)


def _deliver_text(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        atomic.write_text(out, text)
        click.echo(f"Wrote {out}")


def table_format(*formats: str):
    """The shared --format option; without it the --out file's suffix decides, else a terminal table."""
    return format_option(*(formats or TABLE_FORMATS), default=None)


# -- study table ---------------------------------------------------------------------------


@cli.group("table")
def table_group() -> None:
    """The paper's tables: frequency, matrix, factors, demographics, co-occurrence, framework."""


@table_group.command("frequency")
@click.option("--theme", help="A theme (path), e.g. Challenges or Attributes/Portability, or a code (it and the codes below it); default all.")
@click.option("--order", type=LazyChoice("study.findings:ORDERS"), default="count", show_default=True,
              help="count: most mentioned first; codebook: codebook order.")
@parent_rule_option
@source_options
@table_format()
@out_option
@click.pass_context
def table_frequency(ctx, theme, order, source, combine, parent_rule, fmt, out) -> None:
    """How many participants mentioned each code ("N of M"), with ids, definition and a quote.

    Example: study table frequency --theme Challenges --format latex --out challenges.tex
    """
    table = findings.frequency_table(open_study(ctx, create=False), auth.CLI, theme, source, combine, order,
                                     parent_rule=parent_rule)
    deliver_table(table, fmt, out)


@table_group.command("matrix")
@click.option("--theme")
@click.option("--counts", is_flag=True, help="Count coded segments instead of 1/0 presence.")
@parent_rule_option
@source_options
@table_format()
@out_option
@click.pass_context
def table_matrix(ctx, theme, counts, source, combine, parent_rule, fmt, out) -> None:
    """Participant x code: whether (or, with --counts, how often) each participant mentioned each code.

    Example: study table matrix --theme Challenges --counts --format csv
    """
    table = findings.matrix_table(open_study(ctx, create=False), auth.CLI, theme, source, combine, counts,
                                  parent_rule=parent_rule)
    deliver_table(table, fmt, out)


@table_group.command("factors")
@click.option("--theme", required=True, help="The theme whose sub-themes group the factors, e.g. Attributes.")
@click.option("--min", "minimum", type=int, default=2, show_default=True,
              help="Keep factors mentioned by at least this many participants.")
@parent_rule_option
@source_options
@table_format()
@out_option
@click.pass_context
def table_factors(ctx, theme, minimum, source, combine, parent_rule, fmt, out) -> None:
    """Codes grouped by sub-theme with participant counts (the paper's attribute-factor table).

    Example: study table factors --theme Attributes --min 2 --format md
    """
    table = findings.factors_table(open_study(ctx, create=False), auth.CLI, theme, minimum, source, combine,
                                   parent_rule=parent_rule)
    deliver_table(table, fmt, out)


@table_group.command("demographics")
@source_options
@table_format()
@out_option
@click.pass_context
def table_demographics(ctx, source, combine, fmt, out) -> None:
    """The participants counted (M: those whose transcripts the source covers) and their
    attributes, with the count of each value per attribute.

    Example: study table demographics --format docx --out participants.docx
    """
    study = open_study(ctx, create=False)
    coverage = coverage_mod.source_coverage(study, auth.CLI, sources.choose_source(study, auth.CLI, source, combine))
    deliver_table(findings.demographics_table(study, coverage), fmt, out)


@table_group.command("cooccurrence")
@click.option("--theme")
@click.option("--level", type=LazyChoice("study.findings:LEVELS"), default="segment", show_default=True,
              help="Count shared segments or shared participants.")
@parent_rule_option
@source_options
@table_format()
@out_option
@click.pass_context
def table_cooccurrence(ctx, theme, level, source, combine, parent_rule, fmt, out) -> None:
    """Code x code: how many segments (or participants) carry both codes.

    Example: study table cooccurrence --level participant --format csv
    """
    table = findings.cooccurrence_table(open_study(ctx, create=False), auth.CLI, theme, level, source, combine,
                                        parent_rule=parent_rule)
    deliver_table(table, fmt, out)


@table_group.command("framework")
@click.option("--theme", help="One theme: its sub-themes become the columns. Default: every theme.")
@source_options
@table_format("md", "json", "xlsx", "docx", "html", "csv")
@out_option
@click.pass_context
def table_framework(ctx, theme, source, combine, fmt, out) -> None:
    """Participant x theme cells quoting the coded segments and memos (a framework-analysis matrix).

    Example: study table framework --theme Attributes --format xlsx --out framework.xlsx
    """
    table = findings.framework_table(open_study(ctx, create=False), auth.CLI, theme, source, combine)
    deliver_table(table, resolve_format(fmt, out, default="md"), out)


# -- study quotes ---------------------------------------------------------------------------


@cli.command("quotes")
@click.option("--code", "codes", multiple=True, metavar="REF", help="A code (Theme/Code); repeat for several.")
@click.option("--theme", help="Every code under this theme (with --code: only codes under it).")
@click.option("--participant", help="Only this participant's quotes.")
@click.option("--transcript", help="Only quotes from this transcript.")
@source_options
@table_format("table", "csv", "md", "docx", "xlsx", "json", "html", "latex")
@out_option
@click.pass_context
def quotes_cmd(ctx, codes, theme, participant, transcript, source, combine, fmt, out) -> None:
    """Every coded span or segment for a code across the study, with participant, transcript,
    position and rater(s).

    Example: study quotes --code "Challenges/Model search" --format docx --out model-search.docx
    """
    table = quotes_mod.quotes_table(open_study(ctx, create=False), auth.CLI, list(codes) or None, theme, participant,
                                    transcript, source, combine)
    deliver_table(table, fmt, out)


# -- study saturation -----------------------------------------------------------------------


@cli.command("saturation")
@click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True,
              help="A participant adds information when their new codes exceed this share of the codes seen before.")
@click.option("--theme", help="Count only this theme's codes.")
@source_options
@format_option(default=None, known_later=lambda: ("table", "json", *charts.FIGURE_FORMATS))
@out_option
@click.pass_context
def saturation_cmd(ctx, threshold, theme, source, combine, fmt, out) -> None:
    """New and cumulative unique codes per participant in interview order, and where saturation came.

    Example: study saturation --threshold 0.05 --format png --out saturation.png
    """
    result = saturation_mod.saturation(open_study(ctx, create=False), auth.CLI, theme, source, combine, threshold)
    fmt = resolve_format(fmt, out)
    if fmt in charts.FIGURE_FORMATS:
        if out is None:
            raise click.UsageError(f"--format {fmt} draws the curve into a file; give --out FILE")
        charts.write_figure(charts.saturation_figure(result), out)
        click.echo(f"Wrote {out}")
    elif fmt == "json":
        _deliver_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", out)
    else:
        rows = [{"participant": p, "new": n, "cumulative": c}
                for p, n, c in zip(result.participants, result.new, result.cumulative)]
        text = render(rows, "table", ["participant", "new", "cumulative"])
        lead = f"{result.coverage.warning}\n" if result.coverage.warning else ""
        _deliver_text(f"{lead}{text}\n{report_mod.saturation_sentence(result)}\nSource: {result.source.describe()}. "
                      f"{result.coverage.describe()}\n", out)


# -- study report ---------------------------------------------------------------------------


def _start_figure_browser(ctx: click.Context, _param, out: Path) -> Path:
    """Start the report's figure browser as the very first step (``--out`` is eager: the other
    options' defaults load the report's libraries): it comes up in its own process while they
    load and the report is built. Held by the root context, so it is stopped however the command
    ends, a bad option, an error or Ctrl-C included."""
    ctx.meta["figure_browser"] = ctx.find_root().with_resource(report_formats.figure_session(out))
    return out


@cli.command("report")
@source_options
@click.option("--raters", help="Raters compared for agreement, e.g. alice,bob (default: every coder, if two or more).")
@click.option("--title", type=str, default=lazy("study.report:DEFAULT_TITLE"), show_default=True)
@click.option("--min", "factors_min", type=int, default=2, show_default=True,
              help="Factor tables keep codes mentioned by at least this many participants.")
@click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True, help="Saturation threshold.")
@click.option("--all", "include_unfinished", is_flag=True,
              help="Measure agreement on every coded transcript, not only those every rater marked done.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), is_eager=True,
              callback=_start_figure_browser, help="report.docx, report.md or report.html")
@click.pass_context
def report_cmd(ctx, source, combine, raters, title, factors_min, threshold, include_unfinished, out) -> None:
    """One document: methods, numbered tables and figures, and an appendix of quotes.

    Example: study report --source consensus --raters alice,bob --out report.docx
    """
    if out.suffix.lower() not in report_formats.REPORT_FORMATS:
        raise click.UsageError(f"--out must end in {', '.join(report_formats.REPORT_FORMATS)} (got {out.name})")
    rater_list = [r.strip() for r in raters.split(",") if r.strip()] if raters else None
    images = ctx.meta["figure_browser"]  # already coming up
    built = report_mod.build_report(open_study(ctx, create=False), auth.CLI, source, combine, rater_list, title,
                                    factors_min, threshold, include_unfinished, images,
                                    quotes_file=report_mod.quotes_file_name(out))
    report_mod.write_report(built, out, images)
    click.echo(f"Wrote {out} ({len(built.tables)} tables, {len(built.figures)} figures)")
    if built.every_quote is not None:
        click.echo(f"The appendix shows a share of the quotes; every quote is in {out.parent / built.every_quote.name}")
