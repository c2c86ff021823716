"""Commands for the study database, transcripts, segments and participants."""
from __future__ import annotations

import re
import sys
from dataclasses import asdict, replace as replace_options
from pathlib import Path

import click

from typing import TYPE_CHECKING

from . import _database_url, cli, open_study, said
from .lazy import LazyChoice, lazy, library
from .output import ROWS, emit, emit_table, format_option

if TYPE_CHECKING:
    from ..importing.batch import ImportSummary
    from ..importing.preview import ImportPreview

names = library("study.names")
listing = library("study.listing")
auth = library("study.auth")
batch = library("study.importing.batch")
reading = library("study.importing.reading")
preview_mod = library("study.importing.preview")
resegmenting = library("study.importing.resegment")
participants_mod = library("study.participants")
roles = library("study.roles")
speakers_mod = library("study.speakers")
transcripts_mod = library("study.transcripts")  # the package: a submodule would load it whole at once
kept_conventions = library("study.taught_conventions")
UNITS = LazyChoice("study.segmenting:UNITS")


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
@click.option("--unit", type=UNITS, default="turn", show_default=True, help="Segment unit.")
@click.option("--interviewer", metavar="NAME", help="The interviewer's speaker label, when detection guesses wrong.")
@click.option("--role", "roles", multiple=True, metavar="SPEAKER=ROLE[,...]",
              help="Set speakers' roles (interviewer, participant or other: an observer, note-taker, interpreter), "
                   "e.g. \"A1=interviewer,A5=interviewer,Lea=other\".")
@click.option("--speaker", "renames", multiple=True, metavar="OLD=NEW",
              help="Rename a speaker, e.g. \"Unknown Speaker=P7\" (repeat for more).")
@click.option("--dry-run", is_flag=True,
              help="Show per file the layout, speakers, roles and first turns; store nothing.")
@click.option("--replace", is_flag=True, help="Replace changed transcripts, keeping codings on unchanged text.")
@click.option("--max-mb", type=float, default=lazy(lambda: lazy("study.transcripts:DEFAULT_MAX_BYTES")() / 1e6), show_default=True,
              help="Refuse files larger than this many megabytes.")
@click.option("--lenient", is_flag=True,
              help="Keep caption cues whose timing line is malformed as text (reported) instead of refusing the file.")
@click.option("--speaker-example", "examples", multiple=True, metavar="LINE",
              help="A line that starts a turn, e.g. \"[Speaker 1] Thanks for joining\": every line of that shape "
                   "starts one, in every file (repeat for more shapes).")
@click.option("--speaker-pattern", "patterns", multiple=True, metavar="REGEX",
              help="A regular expression matching the start of a line that starts a turn, with a group "
                   "(?P<speaker>...) and optionally (?P<timestamp>...).")
@click.option("--save-convention", is_flag=True,
              help="Keep the --speaker-example/--speaker-pattern conventions for this study's later imports.")
@click.pass_context
def import_(ctx, paths, participants_csv, unit, interviewer, roles, renames, dry_run, replace, max_mb,
            lenient, examples, patterns, save_convention) -> None:
    """Import transcripts (.docx .txt .md .vtt .srt .sbv .smi .ass .ttml .eaf .trs .exb .TextGrid .cha .xml .pdf .odt .rtf .doc,
    speaker tables .csv .tsv .xlsx, survey .csv) or folders of them.

    Example: study import transcripts_sample/ --participants transcripts_sample/participants.csv

    Example: study import --dry-run otter.txt --speaker "Unknown Speaker=P7" --role "A1=interviewer"

    Example: study import --dry-run zoom/ --speaker-example "[Speaker 1] Thanks for joining"
    """
    participants = participants_mod.read_participants_csv(participants_csv) if participants_csv else None
    files = reading.expand_paths(paths)  # counted for the progress bar; the batch is given as named
    conventions = _conventions(examples, patterns)
    if save_convention and (dry_run or not conventions):
        raise click.UsageError("--save-convention keeps the conventions taught with --speaker-example or "
                               "--speaker-pattern, on an import (not a dry run)")
    options = reading.ImportOptions(unit=unit, interviewer=interviewer, replace=replace,
                                      max_bytes=int(max_mb * 1e6), roles=_role_pairs(roles),
                                      renames=_rename_pairs(renames), lenient=lenient, describe=said,
                                      conventions=conventions)
    if dry_run:
        options = replace_options(options, conventions=_with_saved(ctx, conventions))
        preview = preview_mod.preview_files(paths, participants=participants, options=options)
        click.echo(_render_preview(preview))
        for _file, message in preview.skipped:
            click.echo(f"Skipped: {message}", err=True)
        for _file, message in preview.failed:
            click.echo(f"Error: {message}", err=True)
        ctx.exit(1 if preview.failed else 0)
    study = open_study(ctx)
    for convention in conventions if save_convention else ():
        kept_conventions.save_convention(study, auth.CLI, convention)
        click.echo(f"Saved for this study's later imports: a turn starts {convention.describe()}.", err=True)
    with click.progressbar(length=len(files), label="Importing", file=sys.stderr,
                           show_pos=True) as bar:
        summary = batch.import_files(study, paths, actor=auth.CLI, participants=participants, options=options,
                                         progress=lambda _path: bar.update(1))
    _print_summary(summary)
    if summary.failed:
        ctx.exit(1)


def _conventions(examples: tuple[str, ...], patterns: tuple[str, ...]):
    """The conventions taught on the command line: examples first, then patterns."""
    return (*(transcripts_mod.convention_from_example(line) for line in examples),
            *(transcripts_mod.convention_from_pattern(pattern) for pattern in patterns))


def _with_saved(ctx: click.Context, conventions):
    """The conventions taught now and those the study keeps, if the study exists (a dry run creates nothing)."""
    from sqlalchemy.engine import make_url

    from ..errors import StudyError

    url = _database_url(ctx)  # the default ./study.db when no --db was given
    if url.startswith("sqlite") and not Path(make_url(url).database or "").is_file():
        return conventions
    try:
        study = open_study(ctx, create=False)
    except StudyError:  # no study there: nothing saved
        return conventions
    return kept_conventions.with_saved(study, conventions)  # saved ones it cannot read are said, not skipped


_ROLE_PAIR = re.compile(r"\s*(?P<speaker>[^=]+?)\s*=\s*(?P<role>\w+)\s*(?:,|$)")


def _role_pairs(values: tuple[str, ...]) -> dict[str, str]:
    """``("A1=interviewer,A5=participant",)`` -> {"A1": "interviewer", "A5": "participant"}; a name may hold commas."""
    pairs: dict[str, str] = {}
    for value in values:
        position = 0
        for match in _ROLE_PAIR.finditer(value):
            if match.start() != position:
                break
            pairs[match["speaker"]] = roles.check_role(match["role"])
            position = match.end()
        if position != len(value) or not value.strip():
            raise click.BadParameter(f"{value!r}: write SPEAKER=interviewer, SPEAKER=participant or SPEAKER=other, "
                                     "several separated by commas", param_hint="--role")
    return pairs


def _rename_pairs(values: tuple[str, ...]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        old, equals, new = value.partition("=")
        if not equals or not old.strip() or not new.strip():
            raise click.BadParameter(f"{value!r}: write OLD NAME=NEW NAME", param_hint="--speaker")
        pairs[old.strip()] = names.check_name("speaker", new)
    return pairs


def _render_preview(preview: ImportPreview) -> str:
    """The dry run's report: per transcript its layout, speakers with roles and why, first turns."""
    lines: list[str] = []
    for t in preview.transcripts:
        lines.append(f"{t.file} -> transcript {t.name!r}, participant {t.participant!r}")
        lines.append(f"  layout: {_layout(t.layout, t.layout_score)}"
                     + (f"; runner-up: {_layout(t.runner_up, t.runner_up_score)}" if t.runner_up else ""))
        width = max(len(s.name) for s in t.speakers)
        for s in t.speakers:
            lines.append(f"  {s.name:<{width}}  {s.role:<11}  {s.turns:>4} turns  {s.words:>6} words  ({s.reason})")
        lines.extend(f"  note: {warning}" for warning in t.warnings)
        if t.words:
            lines.append(f"  words: {t.words.describe()}")
            lines.extend(f"    not speech: {_shortened(part)}" for part in t.words.notes_text[:NOTES_SHOWN])
            if len(t.words.notes_text) > NOTES_SHOWN:
                lines.append(f"    ... and {len(t.words.notes_text) - NOTES_SHOWN} more parts not speech")
        lines.append("  first turns:")
        lines.extend(f"    {speaker}: {words}" for speaker, words in t.opening)
    files = len({t.file for t in preview.transcripts})
    lines.append(f"Dry run, nothing stored: {len(preview.transcripts)} transcript(s) from {files} file(s) "
                 f"would be imported; {len(preview.failed)} file(s) failed"
                 + (f", {len(preview.skipped)} skipped (not transcripts)." if preview.skipped else "."))
    return "\n".join(lines)


NOTES_SHOWN = 5  # parts of the notes the dry run quotes


def _shortened(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _layout(name: str | None, score: float | None) -> str:
    if not name:
        return "(not reported)"
    return f"{name} (score {score:.2f})" if score is not None else name


def _print_summary(summary: ImportSummary) -> None:
    click.echo(f"Imported {len(summary.imported)}, replaced {len(summary.replaced)}, "
               f"unchanged {len(summary.unchanged)}, failed {len(summary.failed)}.")
    for name in summary.unchanged:
        click.echo(f"  unchanged (already imported): {name}")
    for item in summary.participants_moved:
        click.echo(f"  given to the participant the table names: {item}")
    for item in summary.not_carried:
        click.echo(f"  coding not carried over: {item}")
    for item in summary.warnings:
        click.echo(f"  kept as text: {item}")
    for _path, message in summary.skipped:
        click.echo(f"Skipped: {message}", err=True)
    for path, message in summary.failed:
        click.echo(f"Error: {message}", err=True)


@cli.command()
@click.argument("name")
@click.option("--set-role", "set_roles", multiple=True, metavar="SPEAKER=ROLE[,...]",
              help="Change speakers' roles (interviewer, participant or other); codings, memos and decisions stay.")
@format_option()
@click.pass_context
def speakers(ctx, name, set_roles, fmt) -> None:
    """List a transcript's speakers with role, turns and words; change a role with --set-role.

    Example: study speakers P01-2022-07-01 --set-role "A5=interviewer"
    """
    study = open_study(ctx, create=False)
    for speaker, role in _role_pairs(set_roles).items():
        changed = speakers_mod.set_speaker_role(study, auth.CLI, name, speaker, role)
        click.echo(f"{changed.name} is now {changed.role} in {name}.", err=True)
    emit([asdict(s) for s in speakers_mod.transcript_speakers(study, auth.CLI, name)], fmt)


@cli.command()
@format_option()
@click.pass_context
def transcripts(ctx, fmt) -> None:
    """List the transcripts with participant, segments and words.

    Example: study transcripts --format json
    """
    rows = listing.transcript_rows(open_study(ctx, create=False))
    emit_table(listing.transcript_table(rows), fmt, rows)


@cli.command()
@click.argument("name")
@format_option()
@click.pass_context
def segments(ctx, name, fmt) -> None:
    """List one transcript's segments with speaker, role, offsets and text.

    Example: study segments P01-2022-07-01 --format json
    """
    emit(listing.segment_rows(open_study(ctx, create=False), name), fmt)


@cli.command()
@click.option("--load", "table", type=click.Path(path_type=Path), metavar="CSV",
              help="Save a participants table first (participant, transcript, attributes); transcripts already "
                   "imported go to the participant it names.")
@format_option()
@click.pass_context
def participants(ctx, table, fmt) -> None:
    """List participants, their transcripts and attributes.

    Example: study participants --format csv

    Example: study participants --load participants.csv
    """
    study = open_study(ctx, create=False)
    if table is not None:
        applied = participants_mod.load_participants(study, auth.CLI, table)
        click.echo(f"Saved {applied.participants} participant(s); {len(applied.moved)} transcript(s) given "
                   "to another participant.", err=True)
        for moved in applied.moved:
            click.echo(f"  {moved}", err=True)
        for name in applied.not_in_study:
            click.echo(f"  not applied: no transcript named {name!r} in the study (import it with this table)",
                       err=True)
    rows = participants_mod.list_participants(study)
    emit_table(participants_mod.participant_table(rows), fmt, rows)


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--unit", type=UNITS, required=True, help="The new segment unit.")
@click.pass_context
def resegment(ctx, names, unit) -> None:
    """Cut transcripts anew (all, or those named), carrying codings over by overlap.

    Example: study resegment --unit sentence P01-2022-07-01
    """
    summary = resegmenting.resegment(open_study(ctx, create=False), list(names), unit, auth.CLI)
    click.echo(f"Resegmented {len(summary.transcripts)} transcript(s) into {unit}s; "
               f"{summary.carried} coding(s) carried, {len(summary.not_carried)} not carried.")
    for item in summary.not_carried:
        click.echo(f"  not carried: {item}")


@cli.command()
@click.option("--forget", type=ROWS, metavar="N", help="Forget the saved convention numbered N (as listed).")
@format_option()
@click.pass_context
def conventions(ctx, forget, fmt) -> None:
    """List the turn conventions this study keeps (taught with --speaker-example or --speaker-pattern
    and --save-convention); every import reads with them. Forget one with --forget N.

    Example: study conventions --forget 1
    """
    study = open_study(ctx)
    if forget is not None:
        gone = kept_conventions.forget_convention(study, auth.CLI, forget)
        click.echo(f"Forgotten: a turn starts {gone.describe()}.", err=True)
    rows = [{"number": n, "example": c.example or "", "pattern": c.pattern}
            for n, c in enumerate(kept_conventions.saved_conventions(study), start=1)]
    if not rows and fmt in ("table", "md"):
        click.echo("No saved turn conventions: the readers decide where turns start.", err=True)
        return
    emit(rows, fmt)
