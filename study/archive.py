"""A study as plain, diffable files, and back: ``archive`` writes a folder, ``restore`` rebuilds
the same study from it in an empty database.

The folder (every file UTF-8, rows in a stable order, so an unchanged study archives to the
same bytes and a changed one to a readable diff)::

    manifest.json            format, schema version, rows per table, SHA-256 of every file
    tables/<table>.jsonl     every row of every table, every column: what restore reads
                             (tables/audit_log.jsonl is the audit log as JSON lines)
    transcripts/<n>-<name>.txt           a transcript's text (tables/transcripts.jsonl points here)
    transcripts/<n>-<name>.segments.csv  its segments with their offsets into that text
    codebook.yaml, participants.csv, codings/<rater>.csv (the consensus too), decisions.csv,
    memos.csv, done.csv      the same content, shaped for reading

Tables are exported generically (all columns, whatever their number), so columns and tables a
newer schema adds travel without a change here. Sign-in sessions, remembered browsers and throttles are left out
(they are not the study); password hashes only when asked for.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import Table

from .auth import Actor
from .errors import StudyError
from .store import (
    SCHEMA_VERSION,
    AuditEntry,
    Base,
    Code,
    Coding,
    Memo,
    Participant,
    Resolution,
    Segment,
    Study,
    Transcript,
    TranscriptStatus,
    User,
    audit,
)

FORMAT = "study-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
NOT_ARCHIVED = {"app_sessions", "sign_in_devices", "sign_in_throttle", "sign_in_failures"}  # sign-in state
KEPT_ON_RESTORE = {"schema_version"}  # study_meta rows the fresh database already has


# -- writing -------------------------------------------------------------------------


def archive(study: Study, actor: Actor, folder: Path, *, with_passwords: bool = False) -> dict[str, int]:
    """Write the whole study to ``folder`` (replaced as a whole, never left half-written);
    returns rows per table. ``with_passwords`` keeps the accounts' password hashes."""
    actor.require_admin("archive the study")
    folder = Path(folder)
    _check_target(folder)
    files: dict[str, bytes] = {}
    with study.engine.connect() as connection:
        counts = _write_tables(connection, files, with_passwords)
    with study.session() as session:
        _write_views(session, files)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": SCHEMA_VERSION,
        "tables": counts, "files": {name: _sha256(data) for name, data in sorted(files.items())},
    }
    files[MANIFEST] = _json(manifest, indent=2).encode("utf-8") + b"\n"
    _replace_folder(folder, files)
    return counts


def _check_target(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise StudyError(f"{folder}: is a file, not a folder", "choose a folder for the archive")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise StudyError(f"{folder}: the folder holds files but no study archive ({MANIFEST})",
                         "choose an empty folder or an earlier archive to replace")


def _archived_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_ARCHIVED]


def _write_tables(connection: Connection, files: dict[str, bytes], with_passwords: bool) -> dict[str, int]:
    counts = {}
    text_files = _transcript_files(connection)
    for table in _archived_tables():
        rows = []
        for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
            record = {column: _plain(value) for column, value in row.items()}
            if table.name == "users" and not with_passwords:
                record["password_hash"] = None
            if table.name == "transcripts":
                files[text_files[record["id"]]] = record["text"].encode("utf-8")
                record["text"] = {"file": text_files[record["id"]]}
            rows.append(_json(record))
        files[f"tables/{table.name}.jsonl"] = "".join(line + "\n" for line in rows).encode("utf-8")
        counts[table.name] = len(rows)
    return counts


def _transcript_files(connection: Connection) -> dict[int, str]:
    rows = connection.execute(select(Transcript.id, Transcript.name).order_by(Transcript.id)).all()
    return {tid: f"transcripts/{tid:04d}-{_slug(name)}.txt" for tid, name in rows}


def _plain(value: Any) -> Any:
    """A column value as JSON can hold it (datetimes as ISO 8601)."""
    return value.isoformat() if isinstance(value, datetime) else value


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unnamed"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else _plain(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def _write_views(session, files: dict[str, bytes]) -> None:
    """The readable files: the same content as tables/, shaped as a researcher reads it."""
    from . import codebook, codes  # the YAML writer, only needed here

    files["codebook.yaml"] = codebook.codebook_to_yaml(codes.stored_codebook(session)).encode("utf-8")
    files["participants.csv"] = _participants_csv(session)
    for transcript in session.scalars(select(Transcript).order_by(Transcript.id)):
        name = f"transcripts/{transcript.id:04d}-{_slug(transcript.name)}.segments.csv"
        files[name] = _csv(["index", "speaker", "role", "start", "end", "timestamp", "text"], [
            [s.index, s.speaker, s.role, s.start, s.end, s.timestamp, transcript.text[s.start:s.end]]
            for s in transcript.segments])
    _codings_csvs(session, files)
    files["decisions.csv"] = _csv(
        ["raters", "transcript", "segment", "decision", "codes", "adjudicator", "reason", "at"],
        [[r.raters, t, seg, r.decision, "; ".join(r.codes or []), r.adjudicator, r.reason, r.at]
         for r, t, seg in session.execute(
             select(Resolution, Transcript.name, Segment.index).join(Transcript, Resolution.transcript_id == Transcript.id)
             .outerjoin(Segment, Resolution.segment_id == Segment.id).order_by(Resolution.id))])
    files["memos.csv"] = _csv(["rater", "transcript", "segment", "text", "updated_at"], [
        [u, t, seg, m.text, m.updated_at] for m, u, t, seg in session.execute(
            select(Memo, User.name, Transcript.name, Segment.index).join(User, Memo.rater_id == User.id)
            .join(Transcript, Memo.transcript_id == Transcript.id)
            .outerjoin(Segment, Memo.segment_id == Segment.id).order_by(Memo.id))])
    files["done.csv"] = _csv(["rater", "transcript", "done", "done_at"], [
        [u, t, s.done, s.done_at] for s, u, t in session.execute(
            select(TranscriptStatus, User.name, Transcript.name).join(User, TranscriptStatus.rater_id == User.id)
            .join(Transcript, TranscriptStatus.transcript_id == Transcript.id)
            .order_by(TranscriptStatus.rater_id, TranscriptStatus.transcript_id))])


def _participants_csv(session) -> bytes:
    people = session.scalars(select(Participant).order_by(Participant.id)).all()
    keys = sorted({k for p in people for k in (p.attributes or {})})
    return _csv(["participant", *keys], [[p.label, *[(p.attributes or {}).get(k) for k in keys]] for p in people])


def _codings_csvs(session, files: dict[str, bytes]) -> None:
    rows = session.execute(
        select(User.id, User.name, Transcript.name, Segment.index, Code, Coding.memo, Coding.created_at)
        .join(User, Coding.rater_id == User.id).join(Transcript, Coding.transcript_id == Transcript.id)
        .join(Code, Coding.code_id == Code.id).outerjoin(Segment, Coding.segment_id == Segment.id)
        .order_by(User.id, Coding.id)).all()
    by_rater: dict[tuple[int, str], list[list]] = {}
    for uid, rater, transcript, segment, code, memo, at in rows:
        by_rater.setdefault((uid, rater), []).append([transcript, segment, code.ref, memo, at])
    used: set[str] = set()
    for (uid, rater), coded in by_rater.items():
        name = _slug(rater) if _slug(rater) not in used else f"{_slug(rater)}-{uid}"
        used.add(name)
        files[f"codings/{name}.csv"] = _csv(["transcript", "segment", "code", "memo", "created_at"], coded)


def _replace_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file into a new folder beside ``folder``, then swap it in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, data in files.items():
            path = fresh / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if folder.exists():
            old = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
            fresh.rename(folder)
            shutil.rmtree(old)
        else:
            fresh.rename(folder)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


# -- restoring -----------------------------------------------------------------------


def restore(study: Study, actor: Actor, folder: Path) -> dict[str, int]:
    """Rebuild the archived study in ``study``, which must be empty; returns rows per table.
    Every file is checked against the manifest first; the restore is one transaction."""
    actor.require_admin("restore a study")
    folder = Path(folder)
    manifest = _read_manifest(folder)
    _check_empty(study)
    counts = {}
    with study.engine.begin() as connection:
        for table in _archived_tables():
            rows = _archived_rows(folder, manifest, table)
            if table.name == "study_meta":
                connection.execute(table.delete().where(table.c.key.notin_(KEPT_ON_RESTORE)))
                rows = [r for r in rows if r["key"] not in KEPT_ON_RESTORE]
            if rows:
                connection.execute(insert(table), rows)
            counts[table.name] = len(rows)
        _advance_sequences(connection)
    with study.session() as session:
        audit(session, actor.name, "study.restore", str(folder), after={"tables": counts})
    return counts


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise StudyError(f"{folder}: no {MANIFEST}, so this is not a study archive",
                         "name the folder an archive was written to")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StudyError(f"{path}: not a readable manifest ({exc})", "archive the study again") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise StudyError(f"{path}: not a study archive manifest", "archive the study again")
    if int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
        raise StudyError(f"{path}: archived by a newer study (schema {manifest['schema_version']}, this one "
                         f"reads {SCHEMA_VERSION})", "upgrade study, then restore")
    for name, digest in sorted(manifest["files"].items()):
        file = folder / name
        if not file.is_file():
            raise StudyError(f"{file}: listed in the manifest but missing", "restore from a complete archive")
        if _sha256(file.read_bytes()) != digest:
            raise StudyError(f"{file}: changed since the archive was written (its hash differs from the "
                             "manifest's)", "restore from the archive as written, or archive the study again")
    return manifest


def _check_empty(study: Study) -> None:
    with study.session() as session:
        for model in (Transcript, Code, User, AuditEntry):
            if session.scalar(select(func.count()).select_from(model)):
                raise StudyError(f"{study.url} already holds a study ({model.__table__.name} is not empty)",
                                 "restore into a new, empty database")


def _archived_rows(folder: Path, manifest: dict, table: Table) -> list[dict]:
    name = f"tables/{table.name}.jsonl"
    if name not in manifest["files"]:
        return []  # a table this archive's schema did not have yet
    rows = []
    for number, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StudyError(f"{folder / name}, line {number}: not JSON ({exc.msg})", "archive the study again") from None
        rows.append(_typed(folder, table, record))
    return rows


def _typed(folder: Path, table: Table, record: dict) -> dict:
    """An archived row as the table takes it: only known columns, datetimes parsed, text files read."""
    row = {}
    for column in table.columns:
        if column.name not in record:
            continue  # added after this archive was written: the column's default applies
        value = record[column.name]
        if isinstance(value, dict) and set(value) == {"file"} and table.name == "transcripts":
            value = (folder / value["file"]).read_text(encoding="utf-8")
        elif value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        row[column.name] = value
    return row


def _advance_sequences(connection: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move: move them past."""
    if connection.dialect.name != "postgresql":
        return
    for table in _archived_tables():
        if "id" in table.c and table.c.id.primary_key:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
