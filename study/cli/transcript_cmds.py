"""Commands for the study database, transcripts, segments and participants."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import importing
from ..participants import list_participants, read_participants_csv
from ..segmenting import UNITS
from ..transcripts import DEFAULT_MAX_BYTES
from . import cli, open_study, said
from .output import emit, format_option


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create an empty study database (or check an existing one).

    Example: study --db team.db init
    """
    study = open_study(ctx)
    click.echo(f"Study database ready: {study.url}")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--participants", "participants_csv", type=click.Path(path_type=Path),
              help="CSV with columns participant,transcript and any demographic columns.")
@click.option("--unit", type=click.Choice(UNITS), default="turn", show_default=True, help="Segment unit.")
@click.option("--interviewer", metavar="NAME", help="The interviewer's speaker label, when detection guesses wrong.")
@click.option("--replace", is_flag=True, help="Replace changed transcripts, keeping codings on unchanged text.")
@click.option("--max-mb", type=float, default=DEFAULT_MAX_BYTES / 1e6, show_default=True,
              help="Refuse files larger than this many megabytes.")
@click.pass_context
def import_(ctx, paths, participants_csv, unit, interviewer, replace, max_mb) -> None:
    """Import transcripts (.docx .txt .md .vtt .srt .csv files or folders of them).

    Example: study import transcripts_sample/ --participants transcripts_sample/participants.csv
    """
    study = open_study(ctx)
    participants = read_participants_csv(participants_csv) if participants_csv else None
    files = importing.expand_paths(paths)
    options = importing.ImportOptions(unit=unit, interviewer=interviewer, replace=replace,
                                      max_bytes=int(max_mb * 1e6), describe=said)
    with click.progressbar(length=len(files), label="Importing", file=sys.stderr,
                           show_pos=True) as bar:
        summary = importing.import_files(study, files, participants=participants, options=options,
                                         progress=lambda _path: bar.update(1))
    _print_summary(summary)
    if summary.failed:
        ctx.exit(1)


def _print_summary(summary: importing.ImportSummary) -> None:
    click.echo(f"Imported {len(summary.imported)}, replaced {len(summary.replaced)}, "
               f"unchanged {len(summary.unchanged)}, failed {len(summary.failed)}.")
    for name in summary.unchanged:
        click.echo(f"  unchanged (already imported): {name}")
    for item in summary.not_carried:
        click.echo(f"  coding not carried over: {item}")
    for path, message in summary.failed:
        click.echo(f"Error: {message}", err=True)


@cli.command()
@format_option()
@click.pass_context
def transcripts(ctx, fmt) -> None:
    """List the transcripts with participant, segments and words.

    Example: study transcripts --format json
    """
    emit(importing.transcript_rows(open_study(ctx, create=False)), fmt)


@cli.command()
@click.argument("name")
@format_option()
@click.pass_context
def segments(ctx, name, fmt) -> None:
    """List one transcript's segments with speaker, role, offsets and text.

    Example: study segments P01-2022-07-01 --format json
    """
    emit(importing.segment_rows(open_study(ctx, create=False), name), fmt)


@cli.command()
@format_option()
@click.pass_context
def participants(ctx, fmt) -> None:
    """List participants, their transcripts and attributes.

    Example: study participants --format csv
    """
    rows = list_participants(open_study(ctx, create=False))
    if fmt != "json":
        rows = [{"participant": r["participant"], "transcripts": r["transcripts"], **r["attributes"]} for r in rows]
    emit(rows, fmt)


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--unit", type=click.Choice(UNITS), required=True, help="The new segment unit.")
@click.pass_context
def resegment(ctx, names, unit) -> None:
    """Cut transcripts anew (all, or those named), carrying codings over by overlap.

    Example: study resegment --unit sentence P01-2022-07-01
    """
    summary = importing.resegment(open_study(ctx, create=False), list(names), unit)
    click.echo(f"Resegmented {len(summary.transcripts)} transcript(s) into {unit}s; "
               f"{summary.carried} coding(s) carried, {len(summary.not_carried)} not carried.")
    for item in summary.not_carried:
        click.echo(f"  not carried: {item}")
