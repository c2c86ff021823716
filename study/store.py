"""The study database: SQLAlchemy models, opening, schema version, transactions.

SQLite (``./study.db``) by default; any SQLAlchemy URL (PostgreSQL for teams) through
``--db URL`` or the ``STUDY_DB`` environment variable.
"""
from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from .errors import DatabaseCorrupt, SchemaVersionError, StudyError

SCHEMA_VERSION = 2
DEFAULT_URL = "sqlite:///study.db"
CONSENSUS = "consensus"  # the system rater that holds adjudicated codings
WHOLE_TRANSCRIPT = "transcript"  # the unit key of a coding on a whole transcript
POOL_SIZE, POOL_OVERFLOW = 10, 40  # connections kept, and opened beyond them under load (PostgreSQL allows 100)
T = TypeVar("T")


def unit_key(segment_id: int | None, span: tuple[int, int] | None = None) -> str:
    """The unit a coding is on, as the unique key sees it: ``transcript``, ``segment:ID`` or
    ``segment:ID:START-END`` (a span; absolute transcript offsets)."""
    if segment_id is None:
        return WHOLE_TRANSCRIPT
    return f"segment:{segment_id}" if span is None else f"segment:{segment_id}:{span[0]}-{span[1]}"


def _default_unit_key(context) -> str:
    params = context.get_current_parameters()
    start, end = params.get("span_start"), params.get("span_end")
    return unit_key(params.get("segment_id"), None if start is None else (start, end))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Meta(Base):
    __tablename__ = "study_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    attributes: Mapped[dict] = mapped_column(default=dict)
    transcripts: Mapped[list[Transcript]] = relationship(back_populates="participant")


class Transcript(Base):
    __tablename__ = "transcripts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    source_file: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(20), default="turn")
    interviewer: Mapped[str | None] = mapped_column(String(200))
    interview_date: Mapped[str | None] = mapped_column(String(32))
    header: Mapped[dict] = mapped_column(default=dict)
    turns: Mapped[list] = mapped_column(default=list)  # [speaker, start, end, timestamp, role_hint] per turn
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    participant: Mapped[Participant | None] = relationship(back_populates="transcripts")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="transcript", order_by="Segment.index", cascade="all, delete-orphan"
    )


class Segment(Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("transcript_id", "index"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # interviewer | participant
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[str | None] = mapped_column(String(32))
    transcript: Mapped[Transcript] = relationship(back_populates="segments")

    @property
    def text(self) -> str:
        return self.transcript.text[self.start : self.end]


class Theme(Base):
    __tablename__ = "themes"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent: Mapped[Theme | None] = relationship(remote_side="Theme.id", back_populates="children")
    children: Mapped[list[Theme]] = relationship(back_populates="parent", order_by="Theme.position")
    codes: Mapped[list[Code]] = relationship(back_populates="theme", order_by="Code.position")

    @property
    def path(self) -> tuple[str, ...]:
        return (self.parent.path if self.parent else ()) + (self.name,)


class Code(Base):
    __tablename__ = "codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    when_not_to_use: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list] = mapped_column(default=list)
    colour: Mapped[str | None] = mapped_column(String(16))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    theme: Mapped[Theme] = relationship(back_populates="codes")

    @property
    def path(self) -> tuple[str, ...]:
        return self.theme.path + (self.name,)

    @property
    def ref(self) -> str:
        from .codebook import join_ref  # the one escaping rule for references

        return join_ref(self.path)

    @property
    def top_theme(self) -> str:
        return self.path[0]


class User(Base):
    """A rater; with a password hash also an account that can sign in to the app."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="coder")  # admin | coder | system
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coding(Base):
    """A rater's code on a unit: a whole transcript, a segment, or a span inside a segment.

    Written only through ``study.coding_write``, which keeps ``unit_key`` in step with the
    segment and span, so one unique key covers rater, transcript, unit, code and span."""

    __tablename__ = "codings"
    __table_args__ = (UniqueConstraint("rater_id", "transcript_id", "code_id", "unit_key", name="uq_codings_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    unit_key: Mapped[str] = mapped_column(String(80), default=_default_unit_key)
    span_start: Mapped[int | None] = mapped_column(Integer)  # absolute offsets in the transcript text,
    span_end: Mapped[int | None] = mapped_column(Integer)  # inside the segment; none: the whole segment
    memo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rater: Mapped[User] = relationship()
    code: Mapped[Code] = relationship()
    segment: Mapped[Segment | None] = relationship()
    transcript: Mapped[Transcript] = relationship()

    @property
    def span(self) -> tuple[int, int] | None:
        return None if self.span_start is None else (self.span_start, self.span_end)


class Memo(Base):
    """A rater's memo on a segment, or on a whole transcript (segment_id empty)."""

    __tablename__ = "memos"
    __table_args__ = (UniqueConstraint("rater_id", "transcript_id", "segment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MemoVersion(Base):
    """Every text a memo has held, numbered from 1 per memo: nothing typed is ever lost, and a
    save names the version it was based on so that edits from two tabs are detected."""

    __tablename__ = "memo_versions"
    __table_args__ = (UniqueConstraint("rater_id", "transcript_id", "segment_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TranscriptStatus(Base):
    __tablename__ = "transcript_status"
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Resolution(Base):
    """An adjudicator's decision on one disputed (unit, code) between raters."""

    __tablename__ = "resolutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    raters: Mapped[str] = mapped_column(String(400))  # comma-joined compared rater names, sorted
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))  # agreed | take:<rater> | both | neither | edit
    codes: Mapped[list] = mapped_column(default=list)  # the consensus code refs for the unit
    adjudicator: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Exclusion(Base):
    """A transcript or a participant an admin left out of findings and agreement (kept, reversible)."""

    __tablename__ = "exclusions"
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int | None] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), unique=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"),
                                                       unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Append-only: who did what, when, with the state before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class AppSession(Base):
    """A signed-in browser: the hash of the token its cookie holds, until it expires or signs out."""

    __tablename__ = "app_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInThrottle(Base):
    """Failed sign-ins for one account from one client address (account "" counts a client's
    failures over every account name): how many in a row, and until when the next is refused."""

    __tablename__ = "sign_in_throttle"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class SignInFailure(Base):
    """No longer written (study.auth throttles with SignInThrottle); kept so old databases open."""

    __tablename__ = "sign_in_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
    """An open study database. ``with study.session() as s:`` is one transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Study:
        engine = _make_engine(resolve_url(url))
        study = cls(engine)
        try:
            study._ensure_schema(create)
        except (SQLAlchemyError, UnicodeDecodeError) as exc:  # the latter: SQLite quoting a damaged schema
            from .integrity import database_fault  # integrity builds on this module

            engine.dispose()
            raise database_fault(exc, study.url) from None
        except StudyError:
            engine.dispose()
            raise
        return study

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def transaction(self, work: Callable[[Session], T], attempts: int = 6) -> T:
        """``work(session)`` in one transaction, run again from the start when a concurrent
        writer got in the way (a unique key taken meanwhile, a locked SQLite file, a PostgreSQL
        serialization failure or deadlock); ``work`` must be safe to repeat."""
        for attempt in range(attempts):
            try:
                with self.session() as session:
                    return work(session)
            except (IntegrityError, OperationalError, DBAPIError, PoolTimeout) as exc:
                if not _is_transient(exc):
                    raise
                if attempt == attempts - 1:
                    raise StudyError(f"{self.url} stayed busy with other writers after {attempts} attempts, "
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
                raise StudyError(f"no study at {self.url}", "create the study first", remedy="init")
            Base.metadata.create_all(self.engine)
            with self.session() as s:
                s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            return
        self._check_version()
        Base.metadata.create_all(self.engine)  # tables added since are created empty

    def _check_version(self) -> None:
        with self.session() as s:
            version = _stored_version(s.get(Meta, "schema_version"), self.url)
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.url} was written by a newer version of study (schema {version}, this one "
                    f"reads {SCHEMA_VERSION}); upgrade study with `pip install -U study`"
                )
            if version < SCHEMA_VERSION:
                _upgrade(s, version)


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


def _upgrade_1_to_2(session: Session) -> None:
    """Codings gain spans and a unit key the unique constraint can see (v1 keyed whole-transcript
    codings on a NULL segment, so duplicates of them could be stored: they are joined here)."""
    _join_duplicate_whole_codings(session)
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # SQLite cannot drop a constraint: rebuild the table
        for column in ("rater_id", "transcript_id", "segment_id", "code_id"):
            connection.execute(text(f"DROP INDEX IF EXISTS ix_codings_{column}"))
        connection.execute(text("ALTER TABLE codings RENAME TO codings_v1"))
        Coding.__table__.create(connection)
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


def _join_duplicate_whole_codings(session: Session) -> None:
    rows = session.execute(text(
        "SELECT id, rater_id, transcript_id, code_id, memo FROM codings WHERE segment_id IS NULL ORDER BY id")).all()
    kept: dict[tuple, tuple[int, list[str]]] = {}
    for id_, rater_id, transcript_id, code_id, memo in rows:
        key = (rater_id, transcript_id, code_id)
        if key not in kept:
            kept[key] = (id_, [memo] if memo else [])
            continue
        if memo and memo not in kept[key][1]:
            kept[key][1].append(memo)
        session.execute(text("DELETE FROM codings WHERE id = :id"), {"id": id_})
    for id_, memos in kept.values():
        if len(memos) > 1:
            session.execute(text("UPDATE codings SET memo = :memo WHERE id = :id"),
                            {"memo": "\n\n".join(memos), "id": id_})


def _stored_version(row: Meta | None, url: str) -> int:
    """The schema version the file records; a missing or unreadable record is damage, not version 0."""
    value = row.value if row is not None else None
    if value is None or not value.strip().isdigit():
        raise DatabaseCorrupt(
            f"{url}: the schema version record is {'missing' if value is None else repr(value[:20])}, "
            f"not a number: the database is damaged or was not made by study", "restore it from a backup"
        )
    return int(value)


def _upgrade(session: Session, version: int) -> None:
    """Bring an older schema to SCHEMA_VERSION, one step at a time."""
    steps: dict[int, object] = {1: _upgrade_1_to_2}  # version -> function(session) upgrading it to version + 1
    while version < SCHEMA_VERSION:
        step = steps.get(version)
        if step is None:
            raise SchemaVersionError(
                f"this database has schema version {version}, which this study version cannot "
                f"upgrade; export it with the version that made it"
            )
        step(session)
        version += 1
    session.merge(Meta(key="schema_version", value=str(version)))


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
        raise StudyError(f"cannot use database URL {url!r}: {exc}") from None
    return engine


def audit(session: Session, actor: str, action: str, target: str, before=None, after=None) -> AuditEntry:
    entry = AuditEntry(actor=actor, action=action, target=target, before=before, after=after)
    session.add(entry)
    return entry


CODERS_SEE_AGREEMENT = "coders_see_agreement"  # setting: "yes" lets coders see agreement on finished work


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row is not None else None


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))
