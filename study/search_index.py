"""The full-text index of the segments' words, kept by the database itself.

Every segment's text (its stretch of ``transcripts.text``) is indexed in ``search_segments``:
on SQLite an FTS5 table (unicode61 tokenizer, accents removed), on PostgreSQL a ``tsvector``
column under a GIN index. Triggers on ``segments`` and ``transcripts`` keep it current, so every
write path (import, re-segmenting, corrections, restore, removal) updates it without knowing of
it. A study made before the index existed gets it, filled, the first time it is opened.

Case and accents are folded by one table (``FOLD``): PostgreSQL's triggers fold with it (a
``translate`` built from it, no extension needed) and ``study.search`` folds the words asked
for and the words it highlights with the same table.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

TABLE = "search_segments"
_FOLDED_RANGE = range(0x41, 0x2000)  # Latin, Greek, Cyrillic, Armenian, Hebrew, ...: what `translate` maps


def _folded_char(char: str) -> str:
    """The letter a character is searched as: lower case, without accents (one character, or itself)."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else char.lower() if len(char.lower()) == 1 else char


@lru_cache(maxsize=1)
def fold_pairs() -> tuple[str, str]:
    """(from, to): every character in the folded range that searches as another one."""
    pairs = [(chr(cp), _folded_char(chr(cp))) for cp in _FOLDED_RANGE]
    pairs = [(a, b) for a, b in pairs if a != b and a.isalnum() and b.isalnum()]
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    source, target = fold_pairs()
    return str.maketrans(source, target)


def fold(words: str) -> str:
    """``words`` as the index holds them: ``fold("Élan VITAL")`` is ``"elan vital"``."""
    return words.translate(_fold_table())


def has_index(connection: Connection) -> bool:
    return TABLE in inspect(connection).get_table_names()


def ensure_index(connection: Connection) -> None:
    """Create the index, its triggers and (for a study made before it) its rows, unless present."""
    if has_index(connection):
        return
    if connection.dialect.name == "sqlite":
        _create_sqlite(connection)
    elif connection.dialect.name == "postgresql":
        _create_postgresql(connection)
    else:  # another backend: search reads the segments without an index (study.search says so)
        return


def _segment_text(whole: str = "t.text", origin: str = "") -> str:
    """A segment's text cut from its transcript's text ``whole`` (an SQL expression), or from the
    stretch of it that begins at character ``origin``: offsets are characters, as substr counts."""
    start = f"s.start - {origin}" if origin else "s.start"
    return f'substr({whole}, {start} + 1, s."end" - s.start)'


_SEGMENT_TEXT = _segment_text()


def _pg_words(segment_text: str) -> str:
    """PostgreSQL's indexed words of a segment's text (an SQL expression): the one rule the
    triggers and the fill at once share."""
    return f"to_tsvector('simple', {TABLE}_fold({segment_text}))"


def _create_sqlite(connection: Connection) -> None:
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(words, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON segments BEGIN
            INSERT INTO {TABLE}(rowid, words) SELECT s.id, {_SEGMENT_TEXT}
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id WHERE s.id = NEW.id; END""",
        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE OF start, "end", transcript_id ON segments BEGIN
            DELETE FROM {TABLE} WHERE rowid = OLD.id;
            INSERT INTO {TABLE}(rowid, words) SELECT s.id, {_SEGMENT_TEXT}
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id WHERE s.id = NEW.id; END""",
        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON segments BEGIN
            DELETE FROM {TABLE} WHERE rowid = OLD.id; END""",
        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_text AFTER UPDATE OF text ON transcripts BEGIN
            DELETE FROM {TABLE} WHERE rowid IN (SELECT id FROM segments WHERE transcript_id = NEW.id);
            INSERT INTO {TABLE}(rowid, words) SELECT s.id, {_SEGMENT_TEXT}
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id WHERE t.id = NEW.id; END""",
        # a study made before the index: fill it (the NOT IN keeps a concurrent opener's rows single)
        f"""INSERT INTO {TABLE}(rowid, words) SELECT s.id, {_SEGMENT_TEXT}
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id
            WHERE s.id NOT IN (SELECT rowid FROM {TABLE})""",
    ]
    for statement in statements:
        connection.exec_driver_sql(statement)


def _pg_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# The characters most text is made of, first in PostgreSQL's ``translate`` (each mapped as
# ``fold`` maps it: itself, or its lower case): ``translate`` looks each character of the text up
# in its list from the start, and a character the fold leaves alone (most of them) was looked up
# through all 1,433 pairs. At 100,000 segments, 100 s of server CPU for a restore's index, 4 s
# with these first. No "%": the statement is sent as the driver's format string.
_COMMON_FIRST = (" etaoinshrdlucmfwygpbvkxjqz.,'?!-:;\"()/0123456789\n\t"
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ\u2019\u2018\u201c\u201d\u2026\u2013\u2014")


def _pg_fold_pairs() -> tuple[str, str]:
    """``fold_pairs`` as PostgreSQL's ``translate`` takes them quickest: the common characters
    first, mapped as the fold maps them (the same mapping: ``translate`` takes a character's first entry)."""
    source, target = fold_pairs()
    return _COMMON_FIRST + source, fold(_COMMON_FIRST) + target


def _pg_fold_body() -> str:
    source, target = _pg_fold_pairs()
    return f" SELECT translate(words, {_pg_literal(source)}, {_pg_literal(target)}) "


def _pg_fold_function() -> str:
    return f"""CREATE OR REPLACE FUNCTION {TABLE}_fold(words text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $${_pg_fold_body()}$$"""


def keep_fold_current(connection: Connection) -> bool:
    """PostgreSQL: replace the fold function of a study made by an earlier version when its body is
    not this version's (the same mapping, in the order ``_pg_fold_pairs`` gives: an older body made
    every import's index triggers 25 times slower); returns whether it did. Concurrent openers
    replace it one at a time (a transaction-scoped advisory lock), the later ones finding it current."""
    if connection.dialect.name != "postgresql" or _pg_fold_is_current(connection):
        return False
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"{TABLE}_fold"})
    if _pg_fold_is_current(connection):
        return False
    connection.exec_driver_sql(_pg_fold_function())
    return True


def _pg_fold_is_current(connection: Connection) -> bool:
    """Whether the fold function is this version's (or missing: the index is not built yet)."""
    stored = connection.scalar(text("SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure(:f)"),
                               {"f": f"{TABLE}_fold(text)"})
    return stored is None or stored == _pg_fold_body()


def _create_postgresql(connection: Connection) -> None:
    words = _pg_words(_SEGMENT_TEXT)
    statements = [
        _pg_fold_function(),
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            segment_id integer PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
            words tsvector NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_words ON {TABLE} USING gin (words)",
        f"""CREATE OR REPLACE FUNCTION {TABLE}_segment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            INSERT INTO {TABLE}(segment_id, words) SELECT s.id, {words}
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id WHERE s.id = NEW.id
            ON CONFLICT (segment_id) DO UPDATE SET words = EXCLUDED.words;
            RETURN NULL; END $$""",
        f"""CREATE OR REPLACE FUNCTION {TABLE}_transcript() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            UPDATE {TABLE} x SET words = {words}
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id
            WHERE t.id = NEW.id AND x.segment_id = s.id;
            RETURN NULL; END $$""",
        f"DROP TRIGGER IF EXISTS {TABLE}_segment ON segments",
        f"""CREATE TRIGGER {TABLE}_segment AFTER INSERT OR UPDATE OF start, "end", transcript_id ON segments
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_segment()""",
        f"DROP TRIGGER IF EXISTS {TABLE}_transcript ON transcripts",
        f"""CREATE TRIGGER {TABLE}_transcript AFTER UPDATE OF text ON transcripts
            FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text) EXECUTE FUNCTION {TABLE}_transcript()""",
        _FILL_FUNCTION,
        f"SELECT {TABLE}_fill()",
    ]
    for statement in statements:
        connection.exec_driver_sql(statement)


# Every segment's row, a transcript at a time: its text is read and decompressed once (``|| ''``
# makes a plain copy), cut into blocks of _BLOCK characters, and each segment cut from the blocks it
# spans. Joined per segment, PostgreSQL decompresses the whole transcript for each one (at 500
# interviews of 200 segments, 9 minutes); cut from the whole text, each substr counts the characters
# of all of it (11 of the 15 s of server CPU the fill took at that size).
_BLOCK = 2000
_BLOCK_TEXT = _segment_text(f"array_to_string(blocks[s.start / {_BLOCK} + 1 : s.\"end\" / {_BLOCK} + 1], '')",
                            f"s.start / {_BLOCK} * {_BLOCK}")
_FILL_FUNCTION = f"""CREATE OR REPLACE FUNCTION {TABLE}_fill() RETURNS void LANGUAGE plpgsql AS $$
    DECLARE t integer; whole text; blocks text[];
    BEGIN
        FOR t IN SELECT id FROM transcripts LOOP
            SELECT text || '' INTO whole FROM transcripts WHERE id = t;
            blocks := ARRAY(SELECT substr(whole, k * {_BLOCK} + 1, {_BLOCK})
                            FROM generate_series(0, length(whole) / {_BLOCK}) k ORDER BY k);
            INSERT INTO {TABLE}(segment_id, words)
            SELECT s.id, {_pg_words(_BLOCK_TEXT)}
            FROM segments s WHERE s.transcript_id = t ON CONFLICT (segment_id) DO NOTHING;
        END LOOP;
    END $$"""


@contextmanager
def filled_at_once(connection: Connection) -> Iterator[None]:
    """Segments inserted inside are indexed once at the end, a transcript at a time (``_FILL_FUNCTION``),
    not by the trigger per segment, which decompresses the segment's whole transcript each time
    (a restore of 500 interviews on PostgreSQL: 14 minutes). SQLite's trigger reads no compressed text."""
    if connection.dialect.name != "postgresql" or not has_index(connection):
        yield
        return
    connection.exec_driver_sql(f"ALTER TABLE segments DISABLE TRIGGER {TABLE}_segment")
    yield
    connection.exec_driver_sql(f"ALTER TABLE segments ENABLE TRIGGER {TABLE}_segment")
    connection.exec_driver_sql(_FILL_FUNCTION)
    connection.exec_driver_sql(f"SELECT {TABLE}_fill()")

