"""The study database's health: what a database failure means in one line, and ``check`` (SQLite's
integrity and foreign-key checks; on PostgreSQL, orphaned references).

Example: ``problems = check(study)``; ``raise database_fault(exc, study.url)`` turns a driver error
into a DatabaseFault that says what is wrong and what to do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .errors import DatabaseCorrupt, DatabaseFault
from .schema import metadata

if TYPE_CHECKING:  # the database module opens studies and turns its faults into errors with this one
    from .database import Study

RESTORE = "restore it from a backup"
# What SQLite (and PostgreSQL) say, in lower case -> (what is wrong, what to do). First match wins.
_FAULTS = (
    ("readonly database", DatabaseFault, "the database is read-only",
     "make the file and its folder writable (SQLite also writes -wal and -shm files beside it), "
     "or work on a copy"),
    ("unable to open database file", DatabaseFault, "the database file cannot be opened or created",
     "check that its folder exists and is writable (SQLite writes -wal and -shm files beside it)"),
    ("disk is full", DatabaseFault, "the disk is full; nothing of this change was saved",
     "free some space and run the command again"),
    ("could not extend file", DatabaseFault, "the disk is full; nothing of this change was saved",
     "free some space and run the command again"),
    ("database or disk is full", DatabaseFault, "the database reached its size limit; nothing of this "
     "change was saved", "free some space and run the command again"),
    ("file is not a database", DatabaseCorrupt, "the file is not a study database, or its header is damaged",
     "check the path; if it is your study, restore it from a backup"),
    ("malformed", DatabaseCorrupt, "the database is damaged (malformed pages)", RESTORE),
    ("database corruption", DatabaseCorrupt, "the database is damaged", RESTORE),
    ("database is locked", DatabaseFault, "the database is busy (another program holds a lock)",
     "wait for it to finish and run the command again"),
    ("disk i/o error", DatabaseFault, "reading or writing the database failed (disk I/O error)",
     "check the disk, then run the command again"),
    ("permission denied", DatabaseFault, "the database refused access (permission denied)",
     "ask its owner for access or check the URL's user"),
)


def database_fault(exc: BaseException, url: str) -> DatabaseFault:
    """One DatabaseFault (or DatabaseCorrupt) for a driver error: what is wrong with ``url``, and what
    to do. Errors that are not about the database itself keep the driver's first line."""
    original = getattr(exc, "orig", None) or exc
    if isinstance(original, UnicodeDecodeError) and isinstance(original.object, bytes):
        original = original.object.decode("utf-8", "replace")  # SQLite's message quoting damaged bytes
    message = (str(original).strip().splitlines() or [type(original).__name__])[0]
    lowered = message.lower()
    for needle, kind, what, todo in _FAULTS:
        if needle in lowered:
            return kind(f"{url}: {what}", todo, remedy="check_database" if kind is DatabaseCorrupt else None)
    if isinstance(exc, (ValueError, LookupError, TypeError, OverflowError)):
        return corrupt(url, f"a stored value cannot be read ({message})")
    return DatabaseFault(f"{url}: the database failed: {message}")


def corrupt(url: str, problem: str) -> DatabaseCorrupt:
    """Damage found in ``url``: restore a backup (front ends add how to list the damage)."""
    return DatabaseCorrupt(f"{url}: the database is damaged: {problem}", RESTORE, remedy="check_database")


def stored_value_unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while SQLAlchemy converted a stored value (a date, JSON, a number):
    what a damaged record that SQLite still returns looks like."""
    frame = exc.__traceback__
    while frame is not None:
        if "sqlalchemy" in frame.tb_frame.f_code.co_filename.replace("\\", "/").split("/"):
            return True
        frame = frame.tb_next
    return False


@dataclass(frozen=True)
class Problem:
    """One finding of ``check``: what kind (integrity, foreign key, orphan) and what it says."""

    kind: str
    detail: str


def check(study: Study) -> list[Problem]:
    """Every problem the database's own checks find; empty when it is sound."""
    try:
        with study.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                return _sqlite_problems(connection)
            return _orphans(connection)
    except DBAPIError as exc:
        raise database_fault(exc, study.url) from None


def _sqlite_problems(connection) -> list[Problem]:
    problems = [Problem("integrity", row[0]) for row in connection.execute(text("PRAGMA integrity_check"))
                if row[0] != "ok"]
    problems += [
        Problem("foreign key", f"{table} row {rowid} refers to a missing row of {parent}")
        for table, rowid, parent, _ in connection.execute(text("PRAGMA foreign_key_check"))
    ]
    return problems


def _orphans(connection) -> list[Problem]:
    """Rows whose foreign key names a missing row (what PostgreSQL's constraints should make impossible,
    and what a restored dump with constraints dropped can hold)."""
    problems = []
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            column, target = key.parent, key.column
            query = text(
                f'SELECT count(*) FROM "{table.name}" child WHERE child."{column.name}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{target.table.name}" parent WHERE parent."{target.name}" = child."{column.name}")'
            )
            count = connection.execute(query).scalar()
            if count:
                problems.append(Problem("foreign key", f"{count} {table.name} row(s) refer to a missing "
                                                       f"{target.table.name} row ({column.name})"))
    return problems
