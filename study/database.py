"""Opening a study database: its URL, the engine, the schema version and its upgrades, transactions.

SQLite (``./study.db``) by default; any SQLAlchemy URL (PostgreSQL for teams) through
``--db URL`` or the ``STUDY_DB`` environment variable. Built on SQLAlchemy Core alone: the ORM
(``study.store``) loads with the first ``session()``, so a listing that reads through
``connection()`` starts without it.
"""
from __future__ import annotations

import os
import random
import re
import sys
import threading
import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from . import bulk, search_index
from .errors import BadValue, DatabaseCorrupt, DatabaseFault, NotFound, SchemaVersionError, StudyError
from .integrity import database_fault
from .schema import INDEXES_ADDED_SINCE_V3, SCHEMA_VERSION, WHOLE_TRANSCRIPT, codings, metadata, study_meta

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///study.db"
POOL_SIZE, POOL_OVERFLOW = 10, 40  # connections kept, and opened beyond them under load (PostgreSQL allows 100)
T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else $STUDY_DB, else ./study.db. A bare path means SQLite."""
    url = url or os.environ.get("STUDY_DB") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser()}"
    return url


class Study:
    """An open study database. ``with study.session() as s:`` is one ORM transaction;
    ``with study.connection() as c:`` one SQLAlchemy Core transaction (no ORM loaded)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions: sessionmaker | None = None
        # SQLite lets one writer in at a time, and a writer kept waiting polls for the lock 1, 2, 5,
        # 10, 15... ms apart: the transactions of this process queue here instead, each let in the
        # moment the one before ends (two coders clicking at once: median 82 -> 56 ms under load).
        self._writers = threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Study:
        engine = _make_engine(resolve_url(url))
        study = cls(engine)
        try:
            study._ensure_schema(create)
        except (SQLAlchemyError, UnicodeDecodeError) as exc:  # the latter: SQLite quoting a damaged schema
            engine.dispose()
            raise database_fault(exc, study.url) from None
        except StudyError:
            engine.dispose()
            raise
        return study

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self._sessions is None:
            from sqlalchemy.orm import sessionmaker

            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        with ended_safely(self._sessions.begin()) as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def transaction(self, work: Callable[[Session], T], attempts: int = 6) -> T:
        """``work(session)`` in one transaction, run again from the start when a concurrent
        writer got in the way (a unique key taken meanwhile, a locked SQLite file, a PostgreSQL
        serialization failure or deadlock); ``work`` must be safe to repeat."""
        for attempt in range(attempts):
            try:
                with self._writers, self.session() as session:
                    return work(session)
            except (IntegrityError, OperationalError, DBAPIError, PoolTimeout) as exc:
                if not _is_transient(exc):
                    raise
                if attempt == attempts - 1:
                    raise DatabaseFault(f"{self.url} stayed busy with other writers after {attempts} attempts, "
                                     "so nothing was written", "try again") from None
                time.sleep(random.uniform(0.005, 0.02) * 2**attempt)  # jitter so retries do not collide again
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _ensure_schema(self, create: bool) -> None:
        tables = set(inspect(self.engine).get_table_names())
        if "study_meta" not in tables:
            if tables - {"study_meta"}:
                raise SchemaVersionError(f"{self.url} holds tables that are not a study database",
                                         "choose another database", remedy="choose_db")
            if not create:
                raise NotFound(f"no study at {self.url}", "create the study first", remedy="init")
            metadata.create_all(self.engine)
            with self.connection() as connection:
                connection.execute(study_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                search_index.ensure_index(connection)
            return
        self._check_version()
        if set(metadata.tables) - tables:
            metadata.create_all(self.engine)  # tables added since are created empty
        for index in INDEXES_ADDED_SINCE_V3:
            index.create(self.engine, checkfirst=True)
        with self.connection() as connection:
            bulk.refresh_unseen(connection, list(metadata.tables))
            if search_index.TABLE in tables:
                search_index.keep_fold_current(connection)
        if search_index.TABLE not in tables:
            with self.connection() as connection:  # a study made before the index: built and filled once
                search_index.ensure_index(connection)

    def _check_version(self) -> None:
        with self.connection() as connection:
            version = _stored_version(connection.scalar(
                select(study_meta.c.value).where(study_meta.c.key == "schema_version")), self.url)
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.url} was written by a newer version of study (schema {version}, this one "
                    f"reads {SCHEMA_VERSION}); upgrade study with `pip install -U study`"
                )
            if version < SCHEMA_VERSION:
                _upgrade(connection, version)


@contextmanager
def ended_safely(session: AbstractContextManager[Session]) -> Iterator[Session]:
    """The session ``session`` opens, ended (committed or rolled back, and closed) with Python's
    cycle collector paused. On CPython 3.11 a collection that starts while a session ends can
    corrupt the heap (the process dies later, anywhere): ending sets attributes new to each loaded
    object's state, and building the state's ``__dict__`` for them allocates, which may start a
    collection; when that collection frees the state's own object (dropped by the caller, held in
    a cycle), the object's weakref callback (``InstanceState._cleanup``) sets attributes on the
    same state, growing a second dict over the same values and freeing them under the first.
    Paused, such objects are freed after the end, when nothing else writes their states. Seen as
    ``study archive`` on PostgreSQL segfaulting in most runs."""
    opened = session.__enter__()
    try:
        yield opened
    except BaseException:
        with bulk.collector_paused():
            if not session.__exit__(*sys.exc_info()):
                raise
    else:
        with bulk.collector_paused():
            session.__exit__(None, None, None)


def _is_transient(exc: Exception) -> bool:
    """Whether a failed transaction may succeed when run again: a race, not a fault."""
    if isinstance(exc, IntegrityError):
        return True  # a concurrent writer took the same unique key; the rerun finds its row
    if isinstance(exc, PoolTimeout):
        return True  # every connection was busy with other writers for a while
    code = getattr(getattr(exc, "orig", None), "pgcode", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock
        return True
    message = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in message or "database is busy" in message


def _upgrade_1_to_2(connection: Connection) -> None:
    """Codings gain spans and a unit key the unique constraint can see (v1 keyed whole-transcript
    codings on a NULL segment, so duplicates of them could be stored: they are joined here)."""
    _join_duplicate_whole_codings(connection)
    if connection.dialect.name == "sqlite":  # SQLite cannot drop a constraint: rebuild the table
        for column in ("rater_id", "transcript_id", "segment_id", "code_id"):
            connection.execute(text(f"DROP INDEX IF EXISTS ix_codings_{column}"))
        connection.execute(text("ALTER TABLE codings RENAME TO codings_v1"))
        codings.create(connection)
        connection.execute(text(
            "INSERT INTO codings (id, rater_id, transcript_id, segment_id, code_id, memo, created_at, unit_key) "
            "SELECT id, rater_id, transcript_id, segment_id, code_id, memo, created_at, "
            f"CASE WHEN segment_id IS NULL THEN '{WHOLE_TRANSCRIPT}' ELSE 'segment:' || segment_id END "
            "FROM codings_v1"))
        connection.execute(text("DROP TABLE codings_v1"))
        return
    for statement in (
        "ALTER TABLE codings ADD COLUMN unit_key VARCHAR(80)",
        "ALTER TABLE codings ADD COLUMN span_start INTEGER",
        "ALTER TABLE codings ADD COLUMN span_end INTEGER",
        f"UPDATE codings SET unit_key = CASE WHEN segment_id IS NULL THEN '{WHOLE_TRANSCRIPT}' "
        "ELSE 'segment:' || CAST(segment_id AS VARCHAR) END",
        "ALTER TABLE codings ALTER COLUMN unit_key SET NOT NULL",
        "ALTER TABLE codings DROP CONSTRAINT IF EXISTS codings_rater_id_transcript_id_segment_id_code_id_key",
        "ALTER TABLE codings ADD CONSTRAINT uq_codings_key UNIQUE (rater_id, transcript_id, code_id, unit_key)",
    ):
        connection.execute(text(statement))


def _upgrade_2_to_3(connection: Connection) -> None:
    """Codes nest: a code may hang under another code (``parent_code_id``). Every existing code sits
    directly in its theme, so the new column starts empty; both backends add a nullable column."""
    connection.execute(text("ALTER TABLE codes ADD COLUMN parent_code_id INTEGER REFERENCES codes (id)"))
    connection.execute(text("CREATE INDEX ix_codes_parent_code_id ON codes (parent_code_id)"))


def _upgrade_3_to_4(connection: Connection) -> None:
    """A code may sit at the top level of the codebook, in no theme (as other QDA tools keep their
    top-level codes): ``codes.theme_id`` may be empty. Every existing code keeps its theme. SQLite
    cannot drop a NOT NULL constraint, but dropping one changes nothing stored, so the table's
    declaration is edited in place (SQLite's documented procedure for such changes, "ALTER TABLE",
    section 7) rather than the table rebuilt under the foreign keys that point at it."""
    if connection.dialect.name != "sqlite":
        connection.execute(text("ALTER TABLE codes ALTER COLUMN theme_id DROP NOT NULL"))
        return
    declared = connection.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'codes'"))
    nullable = re.sub(r"\btheme_id INTEGER NOT NULL\b", "theme_id INTEGER", declared, count=1)
    if nullable == declared:
        raise DatabaseCorrupt("the codes table is not declared as study writes it, so it cannot be upgraded",
                              "restore the study from a backup")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.execute(text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'codes'"),
                       {"sql": nullable})
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def _join_duplicate_whole_codings(connection: Connection) -> None:
    rows = connection.execute(text(
        "SELECT id, rater_id, transcript_id, code_id, memo FROM codings WHERE segment_id IS NULL ORDER BY id")).all()
    kept: dict[tuple, tuple[int, list[str]]] = {}
    for id_, rater_id, transcript_id, code_id, memo in rows:
        key = (rater_id, transcript_id, code_id)
        if key not in kept:
            kept[key] = (id_, [memo] if memo else [])
            continue
        if memo and memo not in kept[key][1]:
            kept[key][1].append(memo)
        connection.execute(text("DELETE FROM codings WHERE id = :id"), {"id": id_})
    for id_, memos in kept.values():
        if len(memos) > 1:
            connection.execute(text("UPDATE codings SET memo = :memo WHERE id = :id"),
                               {"memo": "\n\n".join(memos), "id": id_})


def _stored_version(value: str | None, url: str) -> int:
    """The schema version the file records; a missing or unreadable record is damage, not version 0."""
    if value is None or not value.strip().isdigit():
        raise DatabaseCorrupt(
            f"{url}: the schema version record is {'missing' if value is None else repr(value[:20])}, "
            f"not a number: the database is damaged or was not made by study", "restore it from a backup"
        )
    return int(value)


def _upgrade(connection: Connection, version: int) -> None:
    """Bring an older schema to SCHEMA_VERSION, one step at a time."""
    steps: dict[int, Callable[[Connection], None]] = {1: _upgrade_1_to_2, 2: _upgrade_2_to_3, 3: _upgrade_3_to_4}  # version -> its upgrade to version + 1
    while version < SCHEMA_VERSION:
        step = steps.get(version)
        if step is None:
            raise SchemaVersionError(
                f"this database has schema version {version}, which this study version cannot "
                f"upgrade; export it with the version that made it"
            )
        step(connection)
        version += 1
    connection.execute(update(study_meta).where(study_meta.c.key == "schema_version").values(value=str(version)))


def _make_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            # one app server holds every coder's session: room for each of them to wait for the write lock
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                                   pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    except (ArgumentError, ImportError) as exc:
        raise BadValue(f"cannot use database URL {url!r}: {exc}") from None
    return engine
