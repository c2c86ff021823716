"""Commands that decide which transcripts count: exclude, include (undo) and remove."""
from __future__ import annotations

import click

from . import cli, open_study
from .lazy import LazyChoice, library
from .output import emit_table, format_option

auth = library("study.auth")
exclusion = library("study.exclusion")


def kind_option(command):
    return click.option("--kind", type=LazyChoice("study.exclusion:KINDS"),
                        help="Whether NAME is a transcript or a participant (needed only when it names both).")(command)


@cli.command("exclude")
@click.argument("name", required=False)
@kind_option
@click.option("--reason", help="Why (recorded with the exclusion).")
@format_option("table", "json", "csv", "md")
@click.pass_context
def exclude_command(ctx, name, kind, reason, fmt) -> None:
    """Leave a transcript, or a participant's every transcript, out of findings and agreement (kept;
    undo with `study include`). Without NAME, list what is excluded.

    Example: study exclude P13-test-upload --reason "uploaded by mistake"
    """
    study = open_study(ctx, create=False)
    if name is None:
        records = exclusion.exclusions(study)
        emit_table(exclusion.exclusion_table(records), fmt, [r.to_dict() for r in records])
        return
    record = exclusion.exclude(study, auth.CLI, name, kind, reason)
    click.echo(f"Excluded {record.kind} {record.name} from findings and agreement "
               f"({len(record.transcripts)} transcript(s): {', '.join(record.transcripts) or 'none'}).")


@cli.command("include")
@click.argument("name")
@kind_option
@click.pass_context
def include_command(ctx, name, kind) -> None:
    """Count an excluded transcript or participant again.

    Example: study include P13-test-upload
    """
    record = exclusion.include(open_study(ctx, create=False), auth.CLI, name, kind)
    click.echo(f"Included {record.kind} {record.name} again.")


@cli.command("remove")
@click.argument("name")
@kind_option
@click.option("--yes", is_flag=True, help="Confirm: delete it and everything coded on it (kept in the audit log).")
@click.pass_context
def remove_command(ctx, name, kind, yes) -> None:
    """Delete a transcript (or a participant and their transcripts) with its codings, memos and
    decisions; the audit log keeps all of it. `study exclude` is the reversible alternative.

    Example: study remove P13-test-upload --yes
    """
    if not yes:
        raise click.UsageError(f"removing {name!r} deletes it and everything coded on it; add --yes to confirm "
                               "(or use `study exclude` to leave it out reversibly)")
    removed = exclusion.remove(open_study(ctx, create=False), auth.CLI, name, kind)
    click.echo(f"Removed {removed.kind} {removed.name}: {len(removed.transcripts)} transcript(s), "
               f"{removed.segments} segment(s), {removed.codings} coding(s), {removed.memos} memo(s); "
               "all of it is kept in the audit log.")
