"""Commands for the codebook: load, show, export."""
from __future__ import annotations

from pathlib import Path

import click

from . import cli, open_study
from .lazy import library
from .output import emit, emit_table, format_option, render

atomic = library("study.atomic")
cb = library("study.codebook")
codes = library("study.codes")
auth = library("study.auth")


@cli.group()
def codebook() -> None:
    """Load, show and export the study's codebook."""


@codebook.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def load(ctx, file) -> None:
    """Load a YAML codebook into the study (new codes added, existing ones updated).

    Example: study codebook load codebook/ptm_reuse.yaml
    """
    book = cb.load_codebook(file)
    result = codes.load_into_study(open_study(ctx), book, auth.CLI)
    click.echo(f"Codebook {book.name!r}: {result['added']} code(s) added, {result['updated']} updated.")


@codebook.command("show")
@format_option("table", "json", "csv", "md")
@click.pass_context
def show(ctx, fmt) -> None:
    """List the codes with theme, path and definition.

    Example: study codebook show --format json
    """
    study = open_study(ctx, create=False)
    if fmt in ("table", "md"):
        emit_table(codes.codebook_table(codes.code_views(study, include_retired=False)), fmt)
    else:
        emit(codes.code_rows(study), fmt)  # every field of every code, for scripts


@codebook.command("export")
@format_option("yaml", "csv", "md", default="yaml")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of standard output.")
@click.pass_context
def export(ctx, fmt, out) -> None:
    """Export the stored codebook as YAML, CSV or Markdown.

    Example: study codebook export --format md --out codebook.md
    """
    study = open_study(ctx, create=False)
    with study.session() as session:
        book = codes.stored_codebook(session)
    if fmt == "yaml":
        text = cb.codebook_to_yaml(book)
    elif fmt == "csv":
        text = render(cb.codebook_to_rows(book), "csv") + "\n"
    else:
        text = cb.codebook_to_markdown(book)
    if out:
        atomic.write_text(out, text)
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)
