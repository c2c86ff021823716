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

    The folder is replaced as a whole; an unchanged study archives to the same bytes.

    Example: study archive study-archive/ && git -C study-archive diff --stat
    """
    counts = archive_mod.archive(open_study(ctx, create=False), auth.CLI, folder, with_passwords=with_passwords)
    click.echo(f"Wrote {folder}: " + ", ".join(f"{n} {table}" for table, n in counts.items() if n) + ".")


@cli.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.pass_context
def restore(ctx, folder) -> None:
    """Rebuild an archived study in an empty database (--db), after checking every file's hash.

    Example: study --db restored.db restore study-archive/
    """
    counts = archive_mod.restore(open_study(ctx), auth.CLI, folder)
    click.echo(f"Restored {folder}: " + ", ".join(f"{n} {table}" for table, n in counts.items() if n) + ".")
