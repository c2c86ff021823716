"""Writing the archive: every table row for row (what restore reads), then the same content
shaped for reading (the codings' readable files beside their table: an L study's 450,000 codings
are read once). Rows are streamed from one read transaction straight to disk, so memory
stays that of one row and the files show the study at one moment."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from itertools import count as numbered
from itertools import groupby, islice
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path

from sqlalchemy import DateTime, exists, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import Table

from .. import schema as s
from ..auth import Actor
from ..database import Study, ended_safely
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
            refs = _code_refs(connection)
            counts = _write_tables(connection, out, with_passwords, refs)
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


def _write_tables(connection: Connection, out: FolderWriter, with_passwords: bool,
                 refs: dict[int, str]) -> dict[str, int]:
    counts = {}
    for table in archived_tables():
        with ExitStack() as files:
            rows = (_codings_rows(connection, out, refs, files) if table.name == "codings"
                    else _streamed(connection, select(table).order_by(*table.primary_key.columns)))
            counts[table.name] = _write_jsonl(out, table, rows, with_passwords)
    return counts


def _write_jsonl(out: FolderWriter, table: Table, rows: Iterable[Sequence], with_passwords: bool) -> int:
    """tables/<table>.jsonl: one JSON object per row, every column (a transcript's text in a file of
    its own, a password hash only when asked for); returns the rows written."""
    names = [column.name for column in table.columns]
    if table.name == "users" and not with_passwords:
        rows = _replaced(rows, names.index("password_hash"), lambda row: None)
    if table.name == "transcripts":
        id_, name, text = names.index("id"), names.index("name"), names.index("text")

        def text_outside(row: Sequence) -> dict:
            file_name = text_file(row[id_], row[name])
            out.data(file_name, row[text].encode("utf-8"))
            return {"file": file_name}

        rows = _replaced(rows, text, text_outside)
    line, count = _json_line(names), 0
    with out.text(f"tables/{table.name}.jsonl") as file:
        for batch in batched(rows, _BATCH):
            file.write("\n".join(map(line, batch)) + "\n")
            count += len(batch)
    return count


def _replaced(rows: Iterable[Sequence], column: int, value: Callable[[Sequence], object]) -> Iterator[list]:
    for row in rows:
        row = list(row)
        row[column] = value(row)
        yield row


def _codings_rows(connection: Connection, out: FolderWriter, refs: dict[int, str], files: ExitStack) -> Iterator[list]:
    """The codings' rows for tables/codings.jsonl, each also written to its rater's codings/<rater>.csv
    (the consensus too, in coding order): the codings are read once, with their transcript's name
    and segment's number beside them. ``files`` keeps the raters' files open."""
    c, t, seg = s.codings, s.transcripts, s.segments
    width, at = len(c.columns), list(c.columns.keys())
    rater, code, memo, created = (at.index(n) for n in ("rater_id", "code_id", "memo", "created_at"))
    header = ["transcript", "segment", "code", "memo", "created_at"]
    sheets = {uid: _CsvFile(files.enter_context(out.text(f"codings/{name}.csv")), header)
              for uid, name in _rater_files(connection)}
    # outer joins: the table file holds every row, as tables/ always does; a coding whose rater or
    # transcript is missing (a database without foreign keys enforced) has no readable line
    for row in _streamed(connection, select(*c.columns, t.c.name, seg.c.index)
                         .outerjoin(t, c.c.transcript_id == t.c.id).outerjoin(seg, c.c.segment_id == seg.c.id)
                         .order_by(c.c.id)):
        yield row[:width]
        sheet, name = sheets.get(row[rater]), row[width]
        if sheet is not None and name is not None:
            sheet.add((name, row[width + 1], refs[row[code]], row[memo], row[created]))
    for sheet in sheets.values():
        sheet.flush()


def _rater_files(connection: Connection) -> list[tuple[int, str]]:
    """(user id, file name) of every rater with codings, in user order: the name made safe for a
    file, with the user id added when another rater's name made safe is the same."""
    u, c = s.users, s.codings
    raters = connection.execute(select(u.c.id, u.c.name).where(exists().where(c.c.rater_id == u.c.id))
                                .order_by(u.c.id)).all()
    used, named = set(), []
    for uid, rater in raters:
        name = _slug(rater) if _slug(rater) not in used else f"{_slug(rater)}-{uid}"
        used.add(name)
        named.append((uid, name))
    return named


def _streamed(connection: Connection, query) -> Iterator[Sequence]:
    """The rows of ``query`` as tuples or lists, each value as SQLAlchemy returns it (its column
    type's own result processor: JSON a value), timestamps as ISO 8601 text, read through the
    driver's cursor in batches: an archive reads every row of the study, and SQLAlchemy's row
    objects cost more than the rows (a server-side cursor on PostgreSQL, so memory holds one batch)."""
    dialect = connection.dialect
    convert = [(n, process) for n, column in enumerate(query.selected_columns)
               if (process := _written(column.type, column.type._cached_result_processor(dialect, None)))]
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


def _written(kind, process: Callable | None) -> Callable | None:
    """What turns a value of column type ``kind``, as the driver returns it, into what the archive
    writes: the type's result processor, and for a timestamp its ISO 8601 text."""
    if not isinstance(kind, DateTime):
        return process
    if process is None:
        return lambda value: None if value is None else value.isoformat()
    return lambda value: None if value is None else process(value).isoformat()


_cursors = numbered()  # PostgreSQL's server-side cursors open at once need names of their own


def batched(rows, size: int) -> Iterator[list]:
    """``rows`` in lists of ``size`` (itertools.batched, Python 3.12)."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def text_file(transcript_id: int, name: str) -> str:
    return f"transcripts/{transcript_id:04d}-{_slug(name)}.txt"


_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # one encoder for every row


def _json_line(names: list[str]) -> Callable[[Sequence], str]:
    """A function from a row's values (in ``names``' order) to the JSON object ``_json`` writes for
    them keyed by ``names`` (keys sorted), without building the dict: the keys are written once
    into a template and each value on its own (``_json_value``); twice as fast on a study's codings."""
    order = sorted(range(len(names)), key=names.__getitem__)
    template = "{" + ", ".join(_json(names[i]).replace("%", "%%") + ": %s" for i in order) + "}"
    picked = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
    return lambda row: template % tuple(map(_json_value, picked(row)))


def _json_value(value: object) -> str:
    """``value`` as ``_json`` writes it inside an object: the same text (the encoder's own string
    escaping, ``int.__repr__``, null), ints and strings, nearly every value, without its per-call setup."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _json(value)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unnamed"


class _CsvFile:
    """A CSV written a batch of rows at a time (the CSV writer writes each row by a call of ``write``);
    None is written empty. ``flush`` writes what is left."""

    def __init__(self, file: HashedText, header: list[str]) -> None:
        self._file, self._buffer = file, io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._writer.writerow(header)
        self._rows: list[Sequence] = []

    def add(self, row: Sequence) -> None:
        self._rows.append(row)
        if len(self._rows) == _BATCH:
            self.flush()

    def flush(self) -> None:
        self._writer.writerows(self._rows)
        self._rows = []
        self._file.write(self._buffer.getvalue())
        self._buffer.seek(0)
        self._buffer.truncate()


def _csv_rows(file: HashedText, header: list[str], rows: Iterable[Sequence]) -> None:
    """A CSV of ``rows``, a batch at a time."""
    sheet = _CsvFile(file, header)
    for row in rows:
        sheet.add(row)
    sheet.flush()


def _code_refs(connection: Connection) -> dict[int, str]:
    """Every code's reference (``Theme/Code``) by id, retired codes too: how codings/ names codes."""
    from .. import codes  # only needed here

    with ended_safely(Session(bind=connection)) as session:
        return {code.id: code.ref for code in codes.all_codes(session, include_retired=True)}


def _write_views(connection: Connection, out: FolderWriter) -> None:
    """The readable files: the same content as tables/, shaped as a researcher reads it (the
    codings' files are written beside tables/codings.jsonl, by ``_codings_rows``)."""
    from .. import codebook, codes  # the codebook's YAML writer, only needed here

    with ended_safely(Session(bind=connection)) as session:
        out.data("codebook.yaml", codebook.codebook_to_yaml(codes.stored_codebook(session)).encode("utf-8"))
    _participants_csv(connection, out)
    _segments_csvs(connection, out)
    t, seg = s.transcripts, s.segments
    with out.text("decisions.csv") as file:
        r = s.resolutions
        _csv_rows(file, ["raters", "transcript", "segment", "decision", "codes", "adjudicator", "reason", "at"], (
            [raters, name, index, decision, "; ".join(refs_ or []), adjudicator, reason, at]
            for raters, name, index, decision, refs_, adjudicator, reason, at in _streamed(connection, select(
                r.c.raters, t.c.name, seg.c.index, r.c.decision, r.c.codes, r.c.adjudicator, r.c.reason, r.c.at)
                .join(t, r.c.transcript_id == t.c.id).outerjoin(seg, r.c.segment_id == seg.c.id).order_by(r.c.id))))
    with out.text("memos.csv") as file:
        m, u = s.memos, s.users
        _csv_rows(file, ["rater", "transcript", "segment", "text", "updated_at"], _streamed(connection, select(
            u.c.name, t.c.name, seg.c.index, m.c.text, m.c.updated_at).join(u, m.c.rater_id == u.c.id)
            .join(t, m.c.transcript_id == t.c.id).outerjoin(seg, m.c.segment_id == seg.c.id).order_by(m.c.id)))
    with out.text("done.csv") as file:
        d, u = s.transcript_status, s.users
        _csv_rows(file, ["rater", "transcript", "done", "done_at"], _streamed(connection, select(
            u.c.name, t.c.name, d.c.done, d.c.done_at).join(u, d.c.rater_id == u.c.id)
            .join(t, d.c.transcript_id == t.c.id).order_by(d.c.rater_id, d.c.transcript_id)))


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
