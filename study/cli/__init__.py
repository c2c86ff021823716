"""The ``study`` command: a thin click shell over the library, split by domain like it.

Each command parses its arguments, calls one library function and prints the result;
user mistakes (StudyError) become one line on stderr and exit code 1, never a traceback.
"""
from __future__ import annotations

import sys

import click

from ..errors import StudyError
from ..store import Study


class StudyGroup(click.Group):
    """Turns StudyError (and OSError on the files named) into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StudyError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except OSError as exc:  # a file we were told to read or write: missing folder, a directory...
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)


@click.group(cls=StudyGroup)
@click.option(
    "--db", "db_url", envvar="STUDY_DB", default=None, metavar="URL",
    help="Study database: a SQLAlchemy URL or a file path (default ./study.db; env STUDY_DB).",
)
@click.version_option(package_name="study")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """Code interview transcripts, measure agreement between raters, and rebuild findings.

    Example: study init && study import transcripts_sample/ --participants transcripts_sample/participants.csv
    """
    ctx.obj = {"db_url": db_url}


def open_study(ctx: click.Context, create: bool = True) -> Study:
    """The study database named by --db (created on first use unless ``create`` is False)."""
    obj = ctx.find_root().obj
    if obj.get("study") is None:
        obj["study"] = Study.open(obj["db_url"], create=create)
        ctx.find_root().call_on_close(obj["study"].close)
    return obj["study"]


def main() -> None:
    cli(prog_name="study")


from . import commands  # noqa: E402,F401  (registers every command on ``cli``)
