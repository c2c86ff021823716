"""Writing the archive: every table row for row (what restore reads), then the same content
shaped for reading. Rows are streamed from one read transaction straight to disk, so memory
stays that of one row and the files show the study at one moment."""
from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from itertools import count as numbered, groupby, islice
from pathlib import Path
from typing import Iterator

from sqlalchemy import DateTime, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import Table

from .. import schema as s
from ..auth import Actor
from ..database import Study
from ..schema import SCHEMA_VERSION, metadata
from .folder import FORMAT, FORMAT_VERSION, FolderWriter, HashedText, earlier_archive

NOT_ARCHIVED = {"app_sessions", "sign_in_devices", "sign_in_throttle", "sign_in_failures"}  # sign-in state
_BATCH = 5_000  # rows fetched at a time


def archived_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if t.name not in NOT_ARCHIVED]


def archive(study: Study, actor: Actor, folder: Path, *, with_passwords: bool = False) -> dict[str, int]:
    """Write the whole study to ``folder``, updating an earlier archive there in place (its files
    only: any other file, ``.git`` included, is kept); returns rows per table. ``with_passwords``
    keeps the accounts' password hashes."""
    actor.require_admin("archive the study")
    folder = Path(folder)
    out = FolderWriter(folder, earlier_archive(folder))
    try:
        with _snapshot(study) as connection:
            counts = _write_tables(connection, out, with_passwords)
            _write_views(connection, out)
        files = {name: digest for name, (_, digest) in sorted(out.written.items())}
        out.finish({"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": SCHEMA_VERSION,
                    "tables": counts, "files": files})
    except BaseException:
        out.abandon()
        raise
    return counts


@contextmanager
def _snapshot(study: Study) -> Iterator[Connection]:
    """One read transaction: every table as of the same moment, even while coders write."""
    with study.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            connection.exec_driver_sql("BEGIN")  # pysqlite starts no transaction for reads by itself
        try:
            yield connection
        finally:
            connection.rollback()


def _write_tables(connection: Connection, out: FolderWriter, with_passwords: bool) -> dict[str, int]:
    counts = {}
    for table in archived_tables():
        names = [column.name for column in table.columns]
        dates = [i for i, column in enumerate(table.columns) if isinstance(column.type, DateTime)]
        count = 0
        with out.text(f"tables/{table.name}.jsonl") as file:
            lines = []
            for values in _streamed(connection, select(table).order_by(*table.primary_key.columns)):
                values = list(values)
                for i in dates:
                    if values[i] is not None:
                        values[i] = values[i].isoformat()
                record = dict(zip(names, values))
                if table.name == "users" and not with_passwords:
                    record["password_hash"] = None
                if table.name == "transcripts":
                    name = text_file(record["id"], record["name"])
                    out.data(name, record["text"].encode("utf-8"))
                    record["text"] = {"file": name}
                lines.append(_json(record))
                if len(lines) == _BATCH:
                    file.write("\n".join(lines) + "\n")
                    count, lines = count + len(lines), []
            if lines:
                file.write("\n".join(lines) + "\n")
                count += len(lines)
        counts[table.name] = count
    return counts


def _streamed(connection: Connection, query) -> Iterator[tuple]:
    """The rows of ``query`` as tuples, each value as SQLAlchemy returns it (its column type's own
    result processor: a timestamp a ``datetime``, JSON a value), read through the driver's cursor in
    batches: an archive reads every row of the study, and SQLAlchemy's row objects cost more than
    the rows (a server-side cursor on PostgreSQL, so memory holds one batch)."""
    dialect = connection.dialect
    convert = [(n, process) for n, column in enumerate(query.selected_columns)
               if (process := column.type._cached_result_processor(dialect, None)) is not None]
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    cursor = driver.cursor(name=f"archive_{next(_cursors)}") if dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(_BATCH):
            if not convert:
                yield from batch
                continue
            for row in batch:
                row = list(row)
                for n, process in convert:
                    row[n] = process(row[n])
                yield row
    finally:
        cursor.close()


_cursors = numbered()  # PostgreSQL's server-side cursors open at once need names of their own


def batched(rows, size: int) -> Iterator[list]:
    """``rows`` in lists of ``size`` (itertools.batched, Python 3.12)."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def text_file(transcript_id: int, name: str) -> str:
    return f"transcripts/{transcript_id:04d}-{_slug(name)}.txt"


_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # one encoder for every row


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unnamed"


def _csv_rows(file: HashedText, header: list[str], rows, dates: tuple[int, ...] = ()) -> None:
    """A CSV of ``rows`` (None written empty; the values at ``dates`` are datetimes, written ISO 8601),
    written a batch of rows at a time (the CSV writer writes each row by a call of ``write``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for batch in batched(rows, _BATCH):
        if dates:
            batch = [list(row) for row in batch]
            for row in batch:
                for i in dates:
                    if row[i] is not None:
                        row[i] = row[i].isoformat()
        writer.writerows(batch)
        file.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    file.write(buffer.getvalue())


def _write_views(connection: Connection, out: FolderWriter) -> None:
    """The readable files: the same content as tables/, shaped as a researcher reads it."""
    from .. import codebook, codes  # the codebook's YAML writer and code references, only needed here

    with Session(bind=connection) as session:
        out.data("codebook.yaml", codebook.codebook_to_yaml(codes.stored_codebook(session)).encode("utf-8"))
        refs = {code.id: code.ref for code in codes.all_codes(session, include_retired=True)}
    _participants_csv(connection, out)
    _segments_csvs(connection, out)
    _codings_csvs(connection, out, refs)
    t, seg = s.transcripts, s.segments
    with out.text("decisions.csv") as file:
        r = s.resolutions
        _csv_rows(file, ["raters", "transcript", "segment", "decision", "codes", "adjudicator", "reason", "at"], (
            [raters, name, index, decision, "; ".join(refs_ or []), adjudicator, reason, at]
            for raters, name, index, decision, refs_, adjudicator, reason, at in _streamed(connection, select(
                r.c.raters, t.c.name, seg.c.index, r.c.decision, r.c.codes, r.c.adjudicator, r.c.reason, r.c.at)
                .join(t, r.c.transcript_id == t.c.id).outerjoin(seg, r.c.segment_id == seg.c.id).order_by(r.c.id))),
                  dates=(7,))
    with out.text("memos.csv") as file:
        m, u = s.memos, s.users
        _csv_rows(file, ["rater", "transcript", "segment", "text", "updated_at"], _streamed(connection, select(
            u.c.name, t.c.name, seg.c.index, m.c.text, m.c.updated_at).join(u, m.c.rater_id == u.c.id)
            .join(t, m.c.transcript_id == t.c.id).outerjoin(seg, m.c.segment_id == seg.c.id).order_by(m.c.id)),
                  dates=(4,))
    with out.text("done.csv") as file:
        d, u = s.transcript_status, s.users
        _csv_rows(file, ["rater", "transcript", "done", "done_at"], _streamed(connection, select(
            u.c.name, t.c.name, d.c.done, d.c.done_at).join(u, d.c.rater_id == u.c.id)
            .join(t, d.c.transcript_id == t.c.id).order_by(d.c.rater_id, d.c.transcript_id)), dates=(3,))


def _participants_csv(connection: Connection, out: FolderWriter) -> None:
    people = connection.execute(select(s.participants.c.label, s.participants.c.attributes)
                                .order_by(s.participants.c.id)).all()
    keys = sorted({k for _, attributes in people for k in (attributes or {})})
    with out.text("participants.csv") as file:
        _csv_rows(file, ["participant", *keys],
                  ([label, *[(attributes or {}).get(k) for k in keys]] for label, attributes in people))


def _segments_csvs(connection: Connection, out: FolderWriter) -> None:
    """transcripts/<n>-<name>.segments.csv: two streams in transcript order (each text read once,
    beside its segments), not two queries per transcript."""
    t, seg = s.transcripts, s.segments
    texts = _streamed(connection, select(t.c.id, t.c.name, t.c.text).order_by(t.c.id))
    rows = groupby(_streamed(connection, select(seg.c.transcript_id, seg.c.index, seg.c.speaker, seg.c.role,
                                                seg.c.start, seg.c.end, seg.c.timestamp)
                                         .order_by(seg.c.transcript_id, seg.c.index)), key=lambda row: row[0])
    pending = next(rows, None)
    for tid, name, text in texts:
        while pending is not None and pending[0] < tid:  # segments of no transcript cannot be (foreign key)
            pending = next(rows, None)
        segments = pending[1] if pending is not None and pending[0] == tid else ()
        with out.text(text_file(tid, name)[:-len(".txt")] + ".segments.csv") as file:
            _csv_rows(file, ["index", "speaker", "role", "start", "end", "timestamp", "text"],
                      ([*row[1:], text[row[4]:row[5]]] for row in segments))


def _codings_csvs(connection: Connection, out: FolderWriter, refs: dict[int, str]) -> None:
    """codings/<rater>.csv, one per rater (the consensus too), in coding order."""
    c, u, t, seg = s.codings, s.users, s.transcripts, s.segments
    rows = _streamed(connection, select(u.c.id, u.c.name, t.c.name, seg.c.index, c.c.code_id, c.c.memo, c.c.created_at)
                     .join(u, c.c.rater_id == u.c.id).join(t, c.c.transcript_id == t.c.id)
                     .outerjoin(seg, c.c.segment_id == seg.c.id).order_by(u.c.id, c.c.id))
    used: set[str] = set()
    for (uid, rater), coded in groupby(rows, key=lambda row: (row[0], row[1])):
        name = _slug(rater) if _slug(rater) not in used else f"{_slug(rater)}-{uid}"
        used.add(name)
        with out.text(f"codings/{name}.csv") as file:
            _csv_rows(file, ["transcript", "segment", "code", "memo", "created_at"],
                      ((transcript, segment, refs[code_id], memo, at) for _, _, transcript, segment, code_id, memo, at in coded),
                      dates=(4,))
