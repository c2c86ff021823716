"""Restoring: the archive read whole and checked (paths, hashes, every row, the counts), then
written in one transaction of batched inserts (COPY on PostgreSQL), audited with the rest.

Accounts come back without passwords and admin rights unless the person restoring asks for them:
an archive is files anyone could have edited, and an admin planted in one would be handed the study.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import Table

from .. import bulk, search_index
from .. import schema as s
from ..auth import Actor
from ..database import Study
from ..errors import ArchiveError
from ..store import audit
from .folder import MANIFEST, member, read_manifest, sha256
from .rows import RowError, TableRows, check_keys, check_rules, column_check
from .writing import archived_tables

KEPT_ON_RESTORE = {"schema_version"}  # study_meta rows the fresh database already has
MAX_FILE_BYTES = 2_000_000_000  # one archived file: past any study's table (an L study's codings are ~80 MB)
_FIX = "restore from the archive as written, or archive the study again"


@dataclass(frozen=True)
class Account:
    name: str
    role: str  # as restored
    archived_role: str
    password: bool  # its password hash restored


@dataclass(frozen=True)
class Restored:
    """What a restore wrote: rows per table, and every account with the role it now has."""

    counts: dict[str, int]
    accounts: tuple[Account, ...]

    def headline(self) -> str:
        return ", ".join(f"{n} {table}" for table, n in self.counts.items() if n)

    def account_lines(self) -> list[str]:
        lines = []
        for a in self.accounts:
            kept = "password kept" if a.password else "no password"
            demoted = f", archived as {a.archived_role}" if a.role != a.archived_role else ""
            lines.append(f"{a.name}: {a.role}{demoted}, {kept}")
        return lines


def restore(study: Study, actor: Actor, folder: Path, *, with_accounts: bool = False) -> Restored:
    """Rebuild the archived study in ``study``, which must be empty. Everything is read and checked
    first (paths, hashes, each row against the schema and the study's rules, the counts against the
    manifest); nothing is written unless all of it holds. ``with_accounts`` keeps password hashes
    and admin rights; without it every account comes back a coder without a password."""
    actor.require_admin("restore a study")
    folder = Path(folder)
    with bulk.rows_in_bulk():  # every row is kept to the end: nothing for the cycle collector
        tables = read_archive(folder)
    _check_empty(study)
    accounts = _accounts(tables["users"], with_accounts)
    counts = {}
    with study.session() as session:
        connection = session.connection()
        with search_index.filled_at_once(connection):
            for table in archived_tables():
                rows = tables[table.name].rows
                if table.name == "study_meta":
                    connection.execute(table.delete().where(table.c.key.notin_(KEPT_ON_RESTORE)))
                    rows = [r for r in rows if r["key"] not in KEPT_ON_RESTORE]
                with bulk.held(session, table, len(rows)):  # a large table's keys checked once, after its rows
                    _insert(session, table, rows)
                counts[table.name] = len(rows)
        # the planner's statistics still say empty where a bulk insert did not refresh them (a small table)
        bulk.refresh_unseen(connection, [name for name, count in counts.items() if count])
        _advance_sequences(connection)
        audit(session, actor.name, "study.restore", str(folder), after={
            "tables": counts, "accounts": {a.name: a.role for a in accounts}, "with_accounts": with_accounts})
    return Restored(counts, accounts)


def read_archive(folder: Path) -> dict[str, TableRows]:
    """Every archived table's rows, checked; ArchiveError (one line) for the first problem."""
    manifest = read_manifest(folder)
    files = manifest["files"]
    for name, digest in sorted(files.items()):
        if sha256(_read(member(folder, name))) != digest:
            raise ArchiveError(f"{folder / name}: changed since the archive was written (its hash differs from "
                               "the manifest's)", _FIX)
    tables = {}
    for table in archived_tables():
        rows = tables[table.name] = _table_rows(folder, manifest, table)
        if manifest["tables"].get(table.name, 0) != len(rows.rows):
            raise ArchiveError(f"{rows.path}: holds {len(rows.rows):,} rows, the manifest counts "
                               f"{manifest['tables'].get(table.name, 0):,}", _FIX)
    check_keys(tables)
    check_rules(tables)
    return tables


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise ArchiveError(f"{path}: listed in the manifest but missing", "restore from a complete archive")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ArchiveError(f"{path}: {path.stat().st_size:,} bytes, over the {MAX_FILE_BYTES:,} an archived "
                               "file may hold", _FIX)
        return path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot be read ({exc.strerror})", "check its permissions") from None


def _table_rows(folder: Path, manifest: dict, table: Table) -> TableRows:
    name = f"tables/{table.name}.jsonl"
    rows = TableRows(table, folder / name)
    if name not in manifest["files"]:
        if table.name in manifest["tables"] or manifest["schema_version"] == s.SCHEMA_VERSION:
            raise ArchiveError(f"{folder / MANIFEST}: lists no {name}, though the archive's schema has the table "
                               f"{table.name} ({manifest['tables'].get(table.name, 0):,} rows counted)", _FIX)
        return rows  # a table the archive's older schema did not have yet
    try:
        lines = _read(rows.path).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise ArchiveError(f"{rows.path}: is not UTF-8 text", _FIX) from None
    if lines and lines[-1] == "":
        lines.pop()
    read = _RowReader(folder, manifest, rows)
    rows.rows = [read(line, number) for number, line in enumerate(lines, start=1)]
    rows.lines = list(range(1, len(lines) + 1))
    return rows


class _RowReader:
    """Reads one table's JSON lines into rows the table takes, each value checked."""

    def __init__(self, folder: Path, manifest: dict, rows: TableRows) -> None:
        self.folder, self.manifest, self.rows = folder, manifest, rows
        current = manifest["schema_version"] == s.SCHEMA_VERSION
        self.columns = [(c.name, column_check(c), current and c.default is None and c.server_default is None
                         and not c.nullable and not c.primary_key) for c in rows.table.columns]
        self.known = {c.name for c in rows.table.columns}
        self.pointers = rows.table.name == "transcripts"  # its text is a file of the archive

    def __call__(self, line: str, number: int) -> dict:
        where = f"{self.rows.path}, line {number}"
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ArchiveError(f"{where}: not a JSON row ({getattr(exc, 'msg', type(exc).__name__)})", _FIX) from None
        if not isinstance(record, dict):
            raise ArchiveError(f"{where}: not a row (a JSON object of columns)", _FIX)
        if not record.keys() <= self.known:
            raise ArchiveError(f"{where}: {self.rows.table.name} has no column {min(record.keys() - self.known)!r}",
                               _FIX)
        row = {}
        for name, check, required in self.columns:
            if name not in record:
                if required:
                    raise ArchiveError(f"{where}: the row has no {name}", _FIX)
                continue  # added after this archive was written: the column's default applies
            value = record[name]
            if self.pointers and name == "text" and isinstance(value, dict):
                value = _transcript_text(self.folder, self.manifest, where, value)
            try:
                row[name] = check(value)
            except RowError as exc:
                raise ArchiveError(f"{where}: {exc}", _FIX) from None
        return row


def _transcript_text(folder: Path, manifest: dict, where: str, pointer: dict) -> str:
    """A transcript's text from the file its row names: one of the archive's own, hashed, files."""
    name = pointer.get("file")
    if set(pointer) != {"file"} or not isinstance(name, str) or not name.startswith("transcripts/") \
            or name not in manifest["files"]:
        raise ArchiveError(f"{where}: the text names {json.dumps(pointer)[:80]}, not a transcript file the "
                           "manifest lists", _FIX)
    try:
        return _read(member(folder, name)).decode("utf-8")
    except UnicodeDecodeError:
        raise ArchiveError(f"{folder / name}: is not UTF-8 text", _FIX) from None


def _check_empty(study: Study) -> None:
    with study.connection() as connection:
        for table in (s.transcripts, s.codes, s.users, s.audit_log):
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise ArchiveError(f"{study.url} already holds a study ({table.name} is not empty)",
                                   "restore into a new, empty database")


def _accounts(users: TableRows, with_accounts: bool) -> tuple[Account, ...]:
    """Each account as it will be restored; without ``with_accounts``, coders without passwords
    (the consensus rater keeps its system role: it signs nobody in)."""
    accounts = []
    for row in users.rows:
        archived = row.get("role", "coder")
        if not with_accounts:
            row["password_hash"] = None
            if archived == "admin":
                row["role"] = "coder"
        accounts.append(Account(row["name"], row.get("role", "coder"), archived, row.get("password_hash") is not None))
    return tuple(accounts)


def _insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Rows grouped by the columns they carry (an older archive lacks newer columns, whose defaults
    then apply), each group in bulk (``bulk.insert_rows``: COPY on PostgreSQL)."""
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    for group in groups.values():
        bulk.insert_rows(session, table, group)


def _advance_sequences(connection: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move: move them past."""
    if connection.dialect.name != "postgresql":
        return
    for table in archived_tables():
        if "id" in table.c and table.c.id.primary_key:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
