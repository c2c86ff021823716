"""The ``study`` command: a thin click shell over the library, split by domain like it.

Each command parses its arguments, calls one library function and prints the result;
user mistakes (StudyError) become one line on stderr and exit code 1, never a traceback.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

import click

from ..errors import StudyError, worded
from .commands import COMMANDS

if TYPE_CHECKING:  # the database layer loads with the first command that opens a study, not for --help
    from ..database import Study


# How the command line words each remedy a library error names (study.errors): a flag or a command.
REMEDIES = {
    "replace": "use --replace to replace it (codings on unchanged text are kept)",
    "list_transcripts": "see `study transcripts` for the names",
    "list_transcripts_and_participants": "see `study transcripts` and `study participants` for the names",
    "show_codebook": "see `study codebook show`",
    "load_codebook": "load one with `study codebook load FILE`",
    "add_keywords": "add `keywords: [...]` to codes in the YAML codebook and load it again with `study codebook load`",
    "import_transcripts": "import some with `study import FILES`",
    "add_user": "add one with `study user add {name} --role coder`",
    "add_rater": "{hint}add a new rater with `study user add {name} --role coder`",
    "change_password": "use `study user passwd {name}` to change the password",
    "list_users": "{hint}raters are the users who coded (see `study user list`)",
    "name_raters": "e.g. --raters alice,bob",
    "mark_done": "mark finished transcripts with `study codings done NAME --rater R`, or compare unfinished ones with --all",
    "edit_decision": "give --codes with --decision edit, and no codes with the other decisions",
    "min_participants": "give --min 1 or more",
    "choose_out": "choose another --out",
    "choose_source": "adjudicate the raters' disagreements first, or choose --source RATER",
    "choose_db": "choose another file with --db",
    "init": "run `study init` first",
    "choose_suggester": "choose another --rater, such as {suggester!r}",
    "run_suggester": "run `study suggest run --rater {suggester}` first",
    "participants_table": "pass it with --participants",
    "name_the_file": "name the file itself (`study import FILE`) to import it as one speaker's text",
    "check_database": "restore it from a backup; `study check` lists what is damaged",
    "restore_code": "choose another code, or restore it on the app's Codebook page",
    "mark_done_anyway": "when nothing more is to be coded there, mark it done anyway with --anyway",
    "merge_speakers": "merge them with `study fix merge-speakers TRANSCRIPT '{speaker}' '{into}'`",
    "name_the_speaker": "when nothing marks where the name ends, say it with --speaker-pattern, "
                        "e.g. --speaker-pattern '(?P<speaker>Speaker \\d+) '",
    "move_transcript": "give the transcripts to them with `study fix participant TRANSCRIPT PARTICIPANT`",
}


def said(exc: BaseException) -> str:
    """A library error as the command line says it (remedies as flags and commands)."""
    return worded(exc, REMEDIES)


class StudyGroup(click.Group):
    """Loads a command's module only when that command runs (``COMMANDS`` names them and their short
    help, which ``--help`` lists), and turns StudyError (and OSError on the files named, and
    database failures) into one line on stderr and exit status 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"{__name__}.{COMMANDS[name][0]}")  # registers its commands on ``cli``
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands with their short help, as click lists them, without importing their modules."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)
                 if name in COMMANDS else self.commands[name].get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return self._invoke_translating_database_faults(ctx)
        except StudyError as exc:
            click.echo(f"Error: {said(exc)}", err=True)
            sys.exit(1)
        except OSError as exc:  # a file we were told to read or write: missing folder, a directory...
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)

    def _invoke_translating_database_faults(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, StudyError):
            raise
        except Exception as exc:
            if not _is_database_error(exc) and not isinstance(exc, (ValueError, TypeError, LookupError)):
                raise
            from ..integrity import corrupt, database_fault, stored_value_unreadable

            if _is_database_error(exc):
                raise database_fault(exc, _database_url(ctx)) from None
            # Unreadable stored values (a damaged file) surface as these, raised while the driver
            # converts them or with the file failing its checks: report damage as damage, and
            # anything else as the bug it is.
            study = (ctx.find_root().obj or {}).get("study")
            if stored_value_unreadable(exc):
                raise database_fault(exc, _database_url(ctx)) from None
            if study is not None and _damaged(study):
                raise corrupt(study.url, f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}") from None
            raise


def _is_database_error(exc: BaseException) -> bool:
    """An SQLAlchemy error (none can have been raised if SQLAlchemy was never loaded)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _database_url(ctx: click.Context) -> str:
    from ..database import resolve_url

    obj = ctx.find_root().obj or {}
    study = obj.get("study")
    return study.url if study is not None else resolve_url(obj.get("db_url"))


def _damaged(study: Study) -> bool:
    from ..integrity import check

    try:
        return bool(check(study))
    except StudyError:
        return True


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
    from ..database import Study

    obj = ctx.find_root().obj
    if obj.get("study") is None:
        obj["study"] = Study.open(obj["db_url"], create=create)
        ctx.find_root().call_on_close(obj["study"].close)
    return obj["study"]


def main() -> None:
    """The ``study`` command. Whatever happens, it ends in one line, never a traceback: Ctrl-C is
    "Aborted!" also when it lands while a library is loading (an import cut short can leave a
    half-loaded module whose next use fails some other way), and a failure nobody foresaw is named
    as the bug it is, to report (``STUDY_DEBUG=1`` shows the traceback)."""
    try:
        cli(prog_name="study")
    except KeyboardInterrupt:
        click.echo("Aborted!", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("STUDY_DEBUG"):
            raise
        detail = (str(exc).splitlines() or [""])[0]
        click.echo(f"Error: unexpected {type(exc).__name__}: {detail} -- this is a bug in study; "
                   "please report it with the command you ran (STUDY_DEBUG=1 shows the details)", err=True)
        sys.exit(1)
