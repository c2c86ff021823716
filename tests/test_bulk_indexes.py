"""A bulk load into an empty SQLite table (a restore) builds the table's plain indexes after the
rows instead of growing them row by row; the database ends as a row-by-row load leaves it: the
same indexes, consistent with the rows. Timings live in benchmarks/ (bench_scale.py's restore)."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from study import bulk
from study.schema import audit_log

ROWS = 120


@pytest.fixture
def sqlite_study(study, monkeypatch):
    if study.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's bulk loads COPY and keep their indexes")
    monkeypatch.setattr(bulk, "INDEXES_AFTER", ROWS)  # a restore's hundreds of thousands of rows, in small
    return study


def entries(first: int, count: int = ROWS) -> list[dict]:
    now = datetime(2026, 12, 8, tzinfo=timezone.utc)
    return [{"id": first + n, "at": now, "actor": f"rater{n % 7}", "action": "coding.apply", "target": f"P{n}",
             "before": None, "after": {"n": n}, "undone": False} for n in range(count)]


def indexes(connection) -> list[tuple]:
    return connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = 'audit_log' ORDER BY name")).all()


@pytest.fixture
def seen_while_loading(monkeypatch) -> list:
    """The audit log's indexes as each executemany of a bulk insert finds them."""
    seen = []
    load = bulk._executemany

    def spying(session, table, columns, rows):
        seen.append(indexes(session.connection()))
        load(session, table, columns, rows)
    monkeypatch.setattr(bulk, "_executemany", spying)
    return seen


def test_a_load_into_an_empty_table_builds_its_indexes_after_the_rows(sqlite_study, seen_while_loading):
    with sqlite_study.session() as session:
        session.execute(audit_log.delete())
        before = indexes(session.connection())
        bulk.insert_rows(session, audit_log, entries(1))
    with sqlite_study.engine.connect() as connection:
        assert indexes(connection) == before and len(before) >= 3  # each plain index back, as written
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"  # and holding every row
        assert connection.scalar(select(func.count()).where(audit_log.c.actor == "rater3")) == \
            len([n for n in range(ROWS) if n % 7 == 3])
    assert seen_while_loading == [[]]  # none while the rows went in


def test_a_load_into_a_table_with_rows_keeps_its_indexes(sqlite_study, seen_while_loading):
    with sqlite_study.session() as session:
        bulk.insert_rows(session, audit_log, entries(10_000, 1))
        before = indexes(session.connection())
        bulk.insert_rows(session, audit_log, entries(20_000))
    assert seen_while_loading == [before]


def test_a_failed_load_leaves_the_indexes_in_place(sqlite_study):
    with sqlite_study.engine.connect() as connection:
        before = indexes(connection)
    with pytest.raises((IntegrityError, sqlite3.IntegrityError)):  # the driver's own: its executemany
        with sqlite_study.session() as session:
            session.execute(audit_log.delete())
            bulk.insert_rows(session, audit_log, entries(1) + entries(1, 1))  # one id twice
    with sqlite_study.engine.connect() as connection:
        assert indexes(connection) == before
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
