"""Many rows into one table inside the caller's transaction: the way bulk work (an import, a
restore, carrying a whole study's agreements) writes, a few statements instead of one per row.

SQLite takes the rows through the driver's ``executemany`` (into an empty table, its indexes
built after the rows); PostgreSQL through ``COPY``, the fastest way in, then (for many rows into
a table the planner thinks smaller) ``ANALYZE``. A large
load into PostgreSQL checks its foreign keys in one pass each instead of row by row (see
``_keys_dropped``). Values are passed as SQLAlchemy would bind them (a JSON column takes a Python
value; a timestamp a ``datetime``). Callers keep their checks and their audit: this module only
writes.

Example::

    insert_rows(session, schema.audit_log, [{"actor": "cli", "action": "x", "target": "", ...}])
    with held(session, schema.codings, len(rows)) as holding:
        ...  # read what is stored, check
        if holding:
            insert_rows(session, schema.codings, rows)
        else:
            inserted = insert_new(session, schema.codings, rows, ("rater_id", "transcript_id", "code_id", "unit_key"))
"""
from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:  # the listing commands read without the ORM (tests/test_startup.py)
    from sqlalchemy.orm import Session

CHUNK = 5000  # rows per executemany on SQLite (memory, not a limit of SQLite's)
BULK_CACHE_KIB = 65536  # SQLite page cache while a bulk insert runs: its indexes' pages stay in memory
FEW = 50  # fewer rows than this go in as one plain insert
ANALYZE_AFTER = 10_000  # rows in one bulk insert from which PostgreSQL's planner statistics may need refreshing
KEYS_AT_ONCE_AFTER = 10_000  # rows in one bulk insert from which PostgreSQL may check its foreign keys at once
KEYS_AT_ONCE_SHARE = 10  # ... when the insert is at least a tenth of the table it ends as
INDEXES_AFTER = 10_000  # rows into an empty SQLite table from which its indexes are built after the load
LOCK_WAIT = "2s"  # how long a bulk insert waits for the table locks of checking its keys at once


def insert_rows(session: Session, table: Table, rows: Sequence[dict] | Sequence[tuple],
                columns: Sequence[str] | None = None) -> None:
    """Insert ``rows`` (dicts with the same keys; or, given ``columns``, tuples of those columns'
    values, which a caller of many rows builds for less) into ``table``; a conflict is an error,
    as for any insert."""
    if not rows:
        return
    session.flush()  # what the session holds goes first: ids and the audit log keep their order
    if columns is None:
        columns = list(rows[0])
        values = map(_getter(columns), rows)
    else:
        columns, values = list(columns), rows
    if len(rows) < FEW:  # a click's row or two: a plain insert costs less than setting up a COPY
        session.execute(table.insert(), [dict(zip(columns, row)) for row in values])
        return
    if _dialect(session) == "postgresql":
        planned = _planned_rows(session, table, len(rows))
        _copy(session, table.name, table, columns, values)
        _refresh_after(session, table, planned, len(rows))
        return
    with _indexes_built_after(session, table, len(rows)):
        _executemany(session, table, columns, values)


@contextmanager
def _indexes_built_after(session: Session, table: Table, rows: int) -> Iterator[None]:
    """SQLite: a load of ``INDEXES_AFTER`` rows or more into an empty table (a restore) goes in
    without the table's plain indexes, which are then built from the loaded rows, one sorted pass
    each, instead of growing row by row out of their order (450,638 codings, six indexes: 3.9 ->
    2.7 s CPU). Unique indexes and the table's own keys stay, so a conflict is found as before.
    In the caller's transaction: a failed load rolls back with the indexes in place. A load into
    a table that holds rows keeps its indexes (rebuilding them over the rows there costs more)."""
    if rows < INDEXES_AFTER or session.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{table.name}")')).scalar():
        yield
        return
    indexes = session.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql LIKE 'CREATE INDEX%' "
        "ORDER BY name"), {"t": table.name}).all()
    connection = session.connection()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:  # as the schema wrote it (a bind-parameter-like colon stays text)
        connection.exec_driver_sql(sql)


def refresh_statistics(connection: Connection, table: Table) -> None:
    """ANALYZE ``table`` on PostgreSQL. After a bulk load its planner statistics still describe
    the table as it was (empty, after a restore), so the findings and agreement queries would scan
    and hash where their indexes serve, until autovacuum samples it again. ANALYZE inside the
    transaction counts the rows it inserted. SQLite keeps no statistics unless asked (its planner
    then relies on the indexes alone, as every query here was checked with): nothing to do there."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f'ANALYZE "{table.name}"'))


def refresh_unseen(connection: Connection, names: Sequence[str]) -> list[str]:
    """ANALYZE those of the tables ``names`` PostgreSQL's planner has not counted: never analyzed,
    or analyzed empty and holding rows since; returns their names. Autovacuum samples a table only
    once 50 of its rows changed, so a study's small tables (its raters, its exclusions) may never
    be: the planner then guesses a page's worth of rows (some 200 raters for 7) and plans the
    findings queries, which join on them, from estimates 20 times too low (one tally at 500
    interviews: 7-8 s instead of 2.7 s). Called when a study opens; one catalog read once every
    table has been counted. SQLite keeps no statistics unless asked: nothing to do there."""
    if connection.dialect.name != "postgresql":
        return []
    unseen = list(connection.scalars(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema() "
        "AND (c.reltuples < 0 OR c.reltuples = 0 AND c.relpages = 0 AND pg_relation_size(c.oid) > 0) "
        "AND c.relname = ANY(:names) ORDER BY c.relname"), {"names": list(names)}))
    for name in unseen:
        connection.execute(text(f'ANALYZE "{name}"'))
    return unseen


def _planned_rows(session: Session, table: Table, inserting: int) -> float:
    """The rows PostgreSQL's planner last counted in ``table`` (-1: never analyzed). An insert too
    small to refresh statistics or check keys at once does not ask (infinity: a click's batch of
    codings costs no catalog read)."""
    if inserting < min(ANALYZE_AFTER, KEYS_AT_ONCE_AFTER):
        return math.inf
    return session.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                           {"t": f'"{table.name}"'}).scalar_one()


def _refresh_after(session: Session, table: Table, planned: float, inserted: int) -> None:
    """ANALYZE after a bulk insert that at least doubled the table as the planner last counted it
    (a restore, a first import into an empty table). A table analyzed before keeps its row density,
    and the planner scales it by the table's pages as they are now, so its size estimate follows
    the insert; autovacuum refreshes the rest after the commit (from a tenth of the rows changed).
    Sampling a large table costs the import (0.2 s of server CPU for the codings of a 100,000-segment study)."""
    if inserted >= ANALYZE_AFTER and inserted >= planned:
        refresh_statistics(session.connection(), table)


@contextmanager
def held(session: Session, table: Table, rows: int) -> Iterator[bool]:
    """Hold every other writer off ``table`` for a bulk write of ``rows`` rows, where the backend
    can at a fair price; yields whether it does. If it does, what the caller reads from now on no
    one else changes before the commit, so the rows it finds new go in with ``insert_rows`` (no
    conflict to skip); if not, with ``insert_new``.

    SQLite: the database's write lock (a write that changes nothing takes it). PostgreSQL: for a
    large load, its foreign keys dropped now and added back on leaving (``_keys_dropped``), whose
    locks hold off readers too; a smaller load, or locks not had within ``LOCK_WAIT``, holds
    nothing (PostgreSQL locks row by row)."""
    if _dialect(session) == "sqlite":
        session.execute(text("UPDATE study_meta SET value = value WHERE 0"))
        yield True
        return
    if rows < KEYS_AT_ONCE_AFTER:
        yield False
        return
    session.flush()
    keys = _keys_dropped(session, table, rows, _planned_rows(session, table, rows))
    if keys is None:
        yield False
        return
    yield True
    session.execute(text(f'ALTER TABLE "{table.name}" '
                         + ", ".join(f'ADD CONSTRAINT "{name}" {definition}' for name, definition in keys)))


def last_id(session: Session, table: Table) -> int:
    """The largest id ``table`` holds (0: none). While ``held`` holds the table, the rows the
    caller inserts next are those above it, in the order inserted."""
    session.flush()
    return session.execute(text(f'SELECT coalesce(max(id), 0) FROM "{table.name}"')).scalar_one()


def insert_new(session: Session, table: Table, rows: Sequence[dict], key: Sequence[str]) -> set[tuple]:
    """Insert rows whose ``key`` (a unique constraint's columns) the caller found unstored, when
    ``held`` could not hold the table; returns the keys this call inserted. A row a concurrent
    writer stored meanwhile is skipped (and not returned)."""
    if not rows:
        return set()
    session.flush()
    planned = _planned_rows(session, table, len(rows))
    inserted = _copy_new(session, table, rows, key)
    _refresh_after(session, table, planned, len(inserted))
    return inserted


def _executemany(session: Session, table: Table, columns: list[str], rows: Iterable[tuple]) -> None:
    """The driver's executemany on the session's connection (its transaction), each value bound
    as SQLAlchemy binds it for the column (a timestamp as SQLAlchemy's SQLite text, JSON as text);
    a value repeated (a batch's one timestamp) is converted once."""
    dialect = session.get_bind().dialect
    converted = [(n, _binder(process)) for n, c in enumerate(columns)
                 if (process := table.c[c].type._cached_bind_processor(dialect)) is not None]
    rows = iter(rows)
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    cursor = session.connection().connection.driver_connection.cursor()
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    # The default 2 MB cache holds few of the index pages a study-wide insert touches: each is
    # read and written again many times. The connection goes back to the pool with its own size.
    cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        while True:
            batch = []
            for row in islice(rows, CHUNK):
                row = list(row)
                for n, bind in converted:
                    row[n] = bind(row[n])
                batch.append(row)
            if not batch:
                break
            cursor.executemany(statement, batch)
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.close()


@contextmanager
def rows_in_bulk() -> Iterator[None]:
    """Python's cycle collector paused while a bulk operation builds its rows. An import makes
    a few containers per row, all kept to the end and none in a cycle: the collector's passes
    over them, repeated as they grow, cost a fifth of the work and find nothing."""
    with collector_paused():
        yield


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off inside the block (and on again after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _binder(process):
    """``process`` (a column type's bind processor) remembering the last value it converted."""
    last = [object(), None]

    def bind(value):
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]
    return bind


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _copy(session: Session, target: str, table: Table, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` (tuples of ``columns``' values) into ``target`` (``table`` or a temporary copy
    of its shape); a JSON column's value goes as SQLAlchemy's JSON type writes it (None as JSON null)."""
    json_at = [n for n, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    cursor = session.connection().connection.driver_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{target}" ({names}) FROM STDIN') as copy:
        if not json_at:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            row = list(row)
            for n in json_at:
                row[n] = _JSON_NULL if row[n] is None else json.dumps(row[n])
            copy.write_row(row)


_JSON_NULL = json.dumps(None)  # an audit entry's absent before (or after), one per row


def _copy_new(session: Session, table: Table, rows: Sequence[dict], key: Sequence[str]) -> set[tuple]:
    """COPY into a temporary table of ``table``'s shape, then one INSERT ... SELECT that skips the
    keys already stored and returns those it stored."""
    columns = list(rows[0])
    staging = f"bulk_{table.name}"
    names = ", ".join(f'"{c}"' for c in columns)
    session.execute(text(f'DROP TABLE IF EXISTS "{staging}"'))
    session.execute(text(f'CREATE TEMPORARY TABLE "{staging}" ON COMMIT DROP AS '
                         f'SELECT {names} FROM "{table.name}" WITH NO DATA'))
    _copy(session, staging, table, columns, map(_getter(columns), rows))
    keys = ", ".join(f'"{c}"' for c in key)
    found = session.execute(text(
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{staging}" '
        f"ON CONFLICT ({keys}) DO NOTHING RETURNING {keys}")).all()
    return {tuple(row) for row in found}


def _keys_dropped(session: Session, table: Table, rows: int, planned: float) -> list[tuple[str, str]] | None:
    """The foreign keys of ``table`` dropped for a large insert, to be checked after it, one pass
    per key over the whole table, instead of by a trigger per row and key: PostgreSQL's advice for
    bulk loads ("Populating a Database": drop the foreign keys, load, add them again). At L (75,000
    codings into 375,000) the per-row checks cost 2.1 s of server CPU, the four passes 0.4-0.6 s;
    the passes grow with the table, so only an insert of at least a tenth of it is done this way.
    None: not dropped (a smaller insert, no keys, or locks not had).

    All in the caller's transaction: the keys are added back with their own definitions, and an
    insert that fails, or a row the passes refuse, rolls everything back. Dropping a foreign key
    locks its table and the table it refers to (ACCESS EXCLUSIVE): until the commit, other users'
    statements on those tables wait (the app's pages pause for the seconds the import takes;
    nothing they read is half-written). When a lock cannot be had within ``LOCK_WAIT`` (a long
    read holds one), or the database user may not alter the table, nothing is dropped."""
    if rows < KEYS_AT_ONCE_AFTER or rows * KEYS_AT_ONCE_SHARE < max(planned, 0) + rows:
        return None
    keys = _foreign_keys(session, table)
    return keys if keys and _dropped(session, table, keys) else None


def _foreign_keys(session: Session, table: Table) -> list[tuple[str, str]]:
    """(name, definition) of ``table``'s foreign keys as PostgreSQL holds them."""
    return [tuple(row) for row in session.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"), {"t": f'"{table.name}"'})]


def _dropped(session: Session, table: Table, keys: list[tuple[str, str]]) -> bool:
    """Drop ``keys`` from ``table`` unless their locks take longer than ``LOCK_WAIT`` or the user
    may not (a savepoint undoes the attempt); whether they were dropped."""
    wait = session.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
    try:
        with session.begin_nested():
            session.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": LOCK_WAIT})
            session.execute(text(f'ALTER TABLE "{table.name}" '
                                 + ", ".join(f'DROP CONSTRAINT "{name}"' for name, _ in keys)))
        return True
    except DBAPIError:  # lock wait over, deadlock, or not the tables' owner: the per-row checks do
        return False
    finally:
        session.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": wait})


def _getter(columns: Sequence[str]):
    """A row's values of ``columns``, as a tuple even for one column."""
    return itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))

