"""Commands about the study database itself."""
from __future__ import annotations

import click

from ..errors import DatabaseCorrupt
from . import cli, open_study
from .lazy import library

integrity = library("study.integrity")


@cli.command()
@click.pass_context
def check(ctx) -> None:
    """Check the study database for damage: SQLite's integrity and foreign-key checks
    (on PostgreSQL, rows referring to missing rows). Exit status 1 when anything is found.

    Example: study --db team.db check
    """
    study = open_study(ctx, create=False)
    problems = integrity.check(study)
    for problem in problems:
        click.echo(f"{problem.kind}: {problem.detail}", err=True)
    if problems:
        raise DatabaseCorrupt(f"{study.url}: the database is damaged ({len(problems)} problem(s) above)",
                              "restore it from a backup")
    click.echo(f"{study.url}: no problems found")
