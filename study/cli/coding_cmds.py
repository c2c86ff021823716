"""Commands for codings and user accounts."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import cli, open_study
from .lazy import LazyChoice, library
from .output import NUMBER, emit, format_option

auth = library("study.auth")
codings = library("study.codings")


@cli.group("codings")
def codings_group() -> None:
    """Import, export, apply and undo a rater's codings."""


@codings_group.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path))
@click.option("--rater", required=True, help="Whose codings these are (added as a new rater if unknown, and said so).")
@click.pass_context
def codings_import(ctx, csv_file, rater) -> None:
    """Apply a CSV of codings (transcript,segment,code[,memo]); all rows or none.

    Example: study codings import alice.csv --rater alice
    """
    count = codings.import_codings_csv(open_study(ctx, create=False), auth.CLI, rater, csv_file)
    added = f" {rater} was not a user: added as a new rater (coder, no password)." if count.new_rater else ""
    click.echo(f"Applied {count} coding(s) for {rater}.{added}")


@codings_group.command("export")
@click.option("--rater", required=True)
@format_option("csv", "json", "table", default="csv")
@click.pass_context
def codings_export(ctx, rater, fmt) -> None:
    """Print a rater's codings (the same columns the import reads).

    Example: study codings export --rater alice --format csv > alice.csv
    """
    rows = codings.export_codings(open_study(ctx, create=False), auth.CLI, rater)
    emit(rows, fmt, list(codings.EXPORT_COLUMNS))


@codings_group.command("apply")
@click.argument("transcript")
@click.argument("segment", required=False, type=NUMBER)
@click.option("--code", "code_ref", required=True, help="Theme/Code")
@click.option("--rater", required=True, help="An existing rater (add one with `study user add NAME`).")
@click.option("--memo")
@click.pass_context
def codings_apply(ctx, transcript, segment, code_ref, rater, memo) -> None:
    """Apply a code to a segment (or, without SEGMENT, to the whole transcript).

    Example: study codings apply P01-2022-07-01 4 --code "Challenges/Model search" --rater alice
    """
    codings.apply_code(open_study(ctx, create=False), auth.CLI, rater, transcript, segment, code_ref, memo)
    click.echo("Applied.")


@codings_group.command("remove")
@click.argument("transcript")
@click.argument("segment", required=False, type=NUMBER)
@click.option("--code", "code_ref", required=True)
@click.option("--rater", required=True)
@click.pass_context
def codings_remove(ctx, transcript, segment, code_ref, rater) -> None:
    """Remove a code from a segment (or from the whole transcript).

    Example: study codings remove P01-2022-07-01 4 --code "Challenges/Model search" --rater alice
    """
    codings.remove_code(open_study(ctx, create=False), auth.CLI, rater, transcript, segment, code_ref)
    click.echo("Removed.")


@codings_group.command("done")
@click.argument("transcripts", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every transcript no admin excluded, instead of naming them.")
@click.option("--rater", required=True)
@click.option("--reopen", is_flag=True, help="Mark as not done again.")
@click.option("--anyway", is_flag=True, help="Mark done even when participant turns have no code yet.")
@click.pass_context
def codings_done(ctx, transcripts, every, rater, reopen, anyway) -> None:
    """Mark transcripts as finished by a rater (only finished ones count for agreement and findings).
    A transcript whose participant turns are not all coded is refused, saying how many, unless --anyway;
    with several (or --all), all are marked or none.

    Example: study codings done P01-2022-07-01 P02-2022-07-04 --rater alice

    Example: study codings done --all --rater alice
    """
    if every == bool(transcripts):
        raise click.UsageError("name the transcripts, or give --all for every one (not both)")
    marked = codings.mark_transcripts_done(open_study(ctx, create=False), auth.CLI, rater,
                                           None if every else transcripts, not reopen, anyway)
    click.echo(f"{'Reopened' if reopen else 'Marked done'}: {marked} transcript(s) for {rater}.")


@codings_group.command("undo")
@click.option("--rater", required=True)
@click.option("--steps", type=int, default=1, show_default=True)
@click.pass_context
def codings_undo(ctx, rater, steps) -> None:
    """Undo a rater's last coding actions.

    Example: study codings undo --rater alice --steps 3
    """
    for line in codings.undo(open_study(ctx, create=False), auth.CLI, rater, steps) or ["nothing to undo"]:
        click.echo(line)


@cli.group("user")
def user_group() -> None:
    """Accounts for the browser app."""


def _password(prompt: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=prompt)


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=LazyChoice("study.auth:ROLES"), default="coder", show_default=True)
@click.pass_context
def user_add(ctx, name, role) -> None:
    """Add an account; the password is prompted for (or read from standard input).

    Example: echo 's3cret-pass' | study user add alice --role coder
    """
    auth.add_user(open_study(ctx), name, role, _password(True), auth.CLI)
    click.echo(f"Added {role} {name}.")


@user_group.command("passwd")
@click.argument("name")
@click.pass_context
def user_passwd(ctx, name) -> None:
    """Set a user's password (prompted, or read from standard input).

    Example: study user passwd alice
    """
    auth.set_password(open_study(ctx, create=False), name, _password(True), auth.CLI)
    click.echo(f"Password changed for {name}.")


@user_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["admin", "coder"]))
@click.pass_context
def user_role(ctx, name, role) -> None:
    """Give an account admin rights or take them (after a restore, accounts are coders).

    Example: study user role alice admin
    """
    auth.set_role(open_study(ctx, create=False), name, role, auth.CLI)
    click.echo(f"{name} is now {role}.")


@user_group.command("unlock")
@click.argument("name")
@click.pass_context
def user_unlock(ctx, name) -> None:
    """Lift the waits that failed sign-ins put on an account, from every address.

    Example: study user unlock alice
    """
    freed = auth.unlock(open_study(ctx, create=False), name, auth.CLI)
    click.echo(f"Unlocked {name} ({freed} address(es) were waiting).")


@user_group.command("list")
@format_option()
@click.pass_context
def user_list(ctx, fmt) -> None:
    """List accounts and raters.

    Example: study user list
    """
    emit(auth.users(open_study(ctx, create=False)), fmt)
