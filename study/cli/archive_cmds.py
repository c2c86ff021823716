"""Commands that write a study out as plain files and rebuild it: ``study archive`` and ``study restore``."""
from __future__ import annotations

from pathlib import Path

import click

from . import cli, open_study
from .lazy import library

archive_mod = library("study.archive")
auth = library("study.auth")


@cli.command("archive")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-passwords", is_flag=True, help="Keep the accounts' password hashes (left out by default).")
@click.pass_context
def archive(ctx, folder, with_passwords) -> None:
    """Write the whole study as plain, diffable files (for version control or a paper's artifact).

    An earlier archive in FOLDER is updated in place: its own files are rewritten or removed, every
    other file (.git, a README) is kept. An unchanged study archives to the same bytes.

    Example: study archive study-archive/ && git -C study-archive diff --stat
    """
    counts = archive_mod.archive(open_study(ctx, create=False), auth.CLI, folder, with_passwords=with_passwords)
    click.echo(f"Wrote {folder}: " + ", ".join(f"{n} {table}" for table, n in counts.items() if n) + ".")


@cli.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--with-accounts", is_flag=True,
              help="Keep the archived password hashes and admin rights (by default every account comes back a "
                   "coder without a password).")
@click.pass_context
def restore(ctx, folder, with_accounts) -> None:
    """Rebuild an archived study in an empty database (--db), after checking every file and row.

    Example: study --db restored.db restore study-archive/ && study --db restored.db user passwd alice
    """
    restored = archive_mod.restore(open_study(ctx), auth.CLI, folder, with_accounts=with_accounts)
    click.echo(f"Restored {folder}: {restored.headline()}.")
    click.echo("Accounts:" if restored.accounts else "Accounts: none.")
    for line in restored.account_lines():
        click.echo(f"  {line}")
    if not with_accounts and restored.accounts:
        click.echo("Set passwords with 'study user passwd NAME' and admin rights with 'study user role NAME admin' "
                   "(or restore with --with-accounts to keep the archived ones).")
