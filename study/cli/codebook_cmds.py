"""Commands for the codebook: load, show, export, and edit the tree of codes."""
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
    """Load, show, export and edit the study's codebook (a tree of codes)."""


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


# -- editing the tree (admin; every edit is audited) ------------------------------------------


@codebook.command("add")
@click.argument("parent")
@click.argument("name")
@click.option("--definition", required=True, help="What the code means.")
@click.option("--when-to-use", default="", help="When to apply it.")
@click.option("--when-not-to-use", default="", help="When not to apply it.")
@click.option("--example", default="", help="An example of its use.")
@click.option("--colour", help="#hex or a colour name, e.g. #4C78A8.")
@click.pass_context
def add(ctx, parent, name, definition, when_to_use, when_not_to_use, example, colour) -> None:
    """Create a code NAME under PARENT: a theme path, or a code (the new code goes below it).

    Example: study codebook add "Attributes/Performance" Latency --definition "Time to answer."
    """
    guidance = {"when_to_use": when_to_use, "when_not_to_use": when_not_to_use, "example": example}
    if colour is not None:
        guidance["colour"] = colour
    ref = codes.add_code(open_study(ctx, create=False), auth.CLI, parent, name, definition, **guidance)
    click.echo(f"Added {ref}")


@codebook.command("rename")
@click.argument("ref")
@click.argument("name")
@click.pass_context
def rename(ctx, ref, name) -> None:
    """Rename a code; its codings and the codes below it follow.

    Example: study codebook rename "Attributes/Performance/Latency" Delay
    """
    click.echo(f"Renamed to {codes.edit_code(open_study(ctx, create=False), auth.CLI, ref, name=name)}")


@codebook.command("colour")
@click.argument("ref")
@click.argument("colour")
@click.pass_context
def colour(ctx, ref, colour) -> None:
    """Set a code's colour (#hex or a colour name; "" for none).

    Example: study codebook colour "Challenges/Latency" "#E45756"
    """
    ref = codes.edit_code(open_study(ctx, create=False), auth.CLI, ref, colour=colour)
    click.echo(f"{ref}: colour {colour or 'none'}")


@codebook.command("move")
@click.argument("ref")
@click.argument("parent")
@click.pass_context
def move(ctx, ref, parent) -> None:
    """Move a code, with its codings and the codes below it, under PARENT (a theme path or a code).

    Example: study codebook move "Challenges/Latency" "Attributes/Performance"
    """
    click.echo(f"Moved to {codes.move_code(open_study(ctx, create=False), auth.CLI, ref, parent)}")


@codebook.command("merge")
@click.argument("source")
@click.argument("target")
@click.pass_context
def merge(ctx, source, target) -> None:
    """Merge SOURCE into TARGET: its codings and the codes below it move to TARGET; SOURCE is retired.

    Example: study codebook merge "Challenges/Latency" "Attributes/Performance/Latency"
    """
    moved = codes.merge_codes(open_study(ctx, create=False), auth.CLI, source, target)
    click.echo(f"Merged {source} into {target}: {moved} coding(s) moved; the audit log lists each.")


def _unit(text: str) -> tuple[str, int | None]:
    """TRANSCRIPT:SEGMENT, or TRANSCRIPT alone for a whole-transcript coding."""
    name, _, index = text.rpartition(":")
    if name and index.strip().isdigit():
        return name, int(index)
    return text, None


@codebook.command("split")
@click.argument("source")
@click.argument("target")
@click.option("--unit", "units", multiple=True, metavar="TRANSCRIPT[:SEGMENT]", required=True,
              help="A unit whose coding moves (repeat); TRANSCRIPT alone for a whole-transcript coding.")
@click.option("--rater", help="Only this rater's codings (default: every rater's).")
@click.option("--definition", help="Create TARGET first with this definition (under the part of TARGET before its last /).")
@click.pass_context
def split(ctx, source, target, units, rater, definition) -> None:
    """Split a code: move its codings on the units given to TARGET (SOURCE keeps the rest).

    Example: study codebook split "Attributes/Performance" "Attributes/Performance/Throughput" --unit P1:3 --unit P2:5
    """
    study = open_study(ctx, create=False)
    if definition is not None:
        parts = cb.split_ref(target)
        if len(parts) < 2:
            raise click.UsageError("with --definition, TARGET must name its parent too, e.g. Theme/New code")
        target = codes.add_code(study, auth.CLI, cb.join_ref(parts[:-1]), parts[-1], definition)
    moved = codes.move_codings(study, auth.CLI, source, target, [_unit(u) for u in units], rater)
    click.echo(f"Moved {moved} coding(s) from {source} to {target}.")
