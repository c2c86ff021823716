"""The study database's tables, declared once in SQLAlchemy Core.

``study.store`` maps its ORM classes onto these tables; the read-only listings (``study.listing``)
query them directly, so that ``study transcripts`` starts without loading the ORM.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 4  # 3: codes nest under codes (parent_code_id); 4: a code may sit at the top level (no theme)
WHOLE_TRANSCRIPT = "transcript"  # the unit key of a coding on a whole transcript


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


def _id() -> Column:
    return Column("id", Integer, primary_key=True)


def _at(name: str, **options) -> Column:
    """A timestamp column, in UTC, set when the row is written."""
    return Column(name, DateTime(timezone=True), nullable=False, default=utcnow, **options)


def _key(name: str, target: str, **options) -> Column:
    """A foreign key to ``target`` (``table.column``), required unless ``nullable``."""
    ondelete = options.pop("ondelete", None)
    return Column(name, Integer, ForeignKey(target, ondelete=ondelete), nullable=options.pop("nullable", False),
                  **options)


metadata = MetaData()

study_meta = Table(
    "study_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

participants = Table(
    "participants", metadata,
    _id(),
    Column("label", String(200), nullable=False, unique=True),
    Column("attributes", JSON, nullable=False, default=dict),
)

transcripts = Table(
    "transcripts", metadata,
    _id(),
    Column("name", String(300), nullable=False, unique=True),
    _key("participant_id", "participants.id", nullable=True),
    Column("source_file", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("unit", String(20), nullable=False, default="turn"),
    Column("interviewer", String(200)),
    Column("interview_date", String(32)),
    Column("header", JSON, nullable=False, default=dict),
    Column("turns", JSON, nullable=False, default=list),  # [speaker, start, end, timestamp, role_hint] per turn
    _at("imported_at"),
)

segments = Table(
    "segments", metadata,
    _id(),
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", index=True),
    Column("index", Integer, nullable=False),
    Column("speaker", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # interviewer | participant | other
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("timestamp", String(32)),
    UniqueConstraint("transcript_id", "index"),
)

themes = Table(
    "themes", metadata,
    _id(),
    _key("parent_id", "themes.id", nullable=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("exclusive", Boolean, nullable=False, default=False),
    Column("position", Integer, nullable=False, default=0),
)

codes = Table(
    "codes", metadata,
    _id(),
    _key("theme_id", "themes.id", index=True, nullable=True),  # None: at the top level, in no theme
    Column("name", String(200), nullable=False),
    Column("definition", Text, nullable=False, default=""),
    Column("when_to_use", Text, nullable=False, default=""),
    Column("when_not_to_use", Text, nullable=False, default=""),
    Column("example", Text, nullable=False, default=""),
    Column("keywords", JSON, nullable=False, default=list),
    Column("colour", String(16)),
    Column("retired", Boolean, nullable=False, default=False),
    Column("position", Integer, nullable=False, default=0),
    # a code under a code (None: directly in its theme, or at the top level); a child shares its parent's theme_id
    _key("parent_code_id", "codes.id", nullable=True, index=True),
)

users = Table(
    "users", metadata,
    _id(),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False, default="coder"),  # admin | coder | system
    Column("password_hash", Text),
    _at("created_at"),
)

codings = Table(
    "codings", metadata,
    _id(),
    _key("rater_id", "users.id", index=True),
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", index=True),
    _key("segment_id", "segments.id", ondelete="CASCADE", index=True, nullable=True),
    _key("code_id", "codes.id", index=True),
    Column("unit_key", String(80), nullable=False, default=_default_unit_key),
    Column("span_start", Integer),  # absolute offsets in the transcript text,
    Column("span_end", Integer),  # inside the segment; none: the whole segment
    Column("memo", Text),
    _at("created_at"),
    UniqueConstraint("rater_id", "transcript_id", "code_id", "unit_key", name="uq_codings_key"),
)

# Indexes added since version 3 (``study.database`` creates them when a study opens: an index changes
# no data, so no new version). The units of a source (``study.counting``) group codings by transcript,
# segment and code, counting raters: this index holds all of it, read in order, no table lookups.
ix_codings_units = Index("ix_codings_units", codings.c.transcript_id, codings.c.segment_id, codings.c.code_id,
                         codings.c.rater_id, codings.c.span_start)
# The spans the raters coded (``compared.spans_applied``: what carrying into the consensus copies) are
# few beside the whole-segment codings: a partial index holds only them, so finding them reads no other.
ix_codings_spans = Index("ix_codings_spans", codings.c.transcript_id, codings.c.rater_id, codings.c.segment_id,
                         codings.c.code_id, codings.c.span_start, codings.c.span_end,
                         sqlite_where=codings.c.span_start.is_not(None),
                         postgresql_where=codings.c.span_start.is_not(None))
INDEXES_ADDED_SINCE_V3 = (ix_codings_units, ix_codings_spans)

memos = Table(
    "memos", metadata,
    _id(),
    _key("rater_id", "users.id", index=True),
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", index=True),
    _key("segment_id", "segments.id", ondelete="CASCADE", nullable=True),
    Column("text", Text, nullable=False, default=""),
    _at("updated_at"),
    UniqueConstraint("rater_id", "transcript_id", "segment_id"),
)

coding_flags = Table(
    "coding_flags", metadata,  # a coding whose words were corrected after it was made: look at it again
    _key("coding_id", "codings.id", ondelete="CASCADE", primary_key=True),
    Column("reason", Text, nullable=False),
    Column("by", String(200), nullable=False),
    _at("at"),
)

memo_versions = Table(
    "memo_versions", metadata,
    _id(),
    _key("rater_id", "users.id", index=True),
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", index=True),
    _key("segment_id", "segments.id", ondelete="CASCADE", nullable=True),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("actor", String(200), nullable=False),
    _at("at"),
    UniqueConstraint("rater_id", "transcript_id", "segment_id", "version"),
)

transcript_status = Table(
    "transcript_status", metadata,
    _key("rater_id", "users.id", primary_key=True),
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", primary_key=True),
    Column("done", Boolean, nullable=False, default=False),
    Column("done_at", DateTime(timezone=True)),
)

resolutions = Table(
    "resolutions", metadata,
    _id(),
    Column("raters", String(400), nullable=False),  # comma-joined compared rater names, sorted
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", index=True),
    _key("segment_id", "segments.id", ondelete="CASCADE", nullable=True),
    Column("decision", String(20), nullable=False),  # agreed | take:<rater> | both | neither | edit
    Column("codes", JSON, nullable=False, default=list),  # the consensus code refs for the unit
    Column("adjudicator", String(200), nullable=False),
    Column("reason", Text),
    _at("at"),
)

exclusions = Table(
    "exclusions", metadata,
    _id(),
    _key("transcript_id", "transcripts.id", ondelete="CASCADE", unique=True, nullable=True),
    _key("participant_id", "participants.id", ondelete="CASCADE", unique=True, nullable=True),
    Column("reason", Text),
    Column("by", String(200), nullable=False),
    _at("at"),
)

audit_log = Table(
    "audit_log", metadata,
    _id(),
    _at("at", index=True),
    Column("actor", String(200), nullable=False, index=True),
    Column("action", String(60), nullable=False, index=True),
    Column("target", Text, nullable=False, default=""),
    Column("before", JSON),
    Column("after", JSON),
    Column("undone", Boolean, nullable=False, default=False),
)

app_sessions = Table(
    "app_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    _key("user_id", "users.id", ondelete="CASCADE", index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

sign_in_devices = Table(  # browsers that signed in to an account before (OWASP's device cookies)
    "sign_in_devices", metadata,
    Column("token_hash", String(64), primary_key=True),
    _key("user_id", "users.id", ondelete="CASCADE", index=True),
    _at("last_at", index=True),
)

sign_in_throttle = Table(
    "sign_in_throttle", metadata,
    Column("account", String(200), primary_key=True),
    Column("client", String(100), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    _at("blocked_until"),
    _at("last_at", index=True),
)

sign_in_failures = Table(
    "sign_in_failures", metadata,
    _id(),
    Column("user_name", String(200), nullable=False, index=True),
    _at("at"),
)
