"""A large bulk insert into PostgreSQL checks its foreign keys in one pass each (dropped before
the insert, added back after it, in the same transaction), unless it cannot lock the tables
quickly; either way the keys are the same afterwards and still refuse a row they should."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from study import bulk, coding_write, codings
from study.auth import CLI
from study.demo import CODINGS_DIR
from study.schema import audit_log
from study.schema import codings as codings_table
from tests.conftest import uncoded_sample_study


def foreign_keys(study) -> dict[str, tuple[int, str]]:
    """{name: (oid, definition)} of the codings table's foreign keys."""
    with study.engine.connect() as connection:
        return {name: (oid, definition) for oid, name, definition in connection.execute(text(
            "SELECT oid, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'codings'::regclass AND contype = 'f'"))}


def stored(study) -> int:
    with study.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(codings_table))


def refuses_a_coding_of_no_segment(study) -> bool:
    row = {"rater_id": 1, "transcript_id": 1, "segment_id": 10**9, "code_id": 1, "unit_key": "x",
           "created_at": func.now()}
    try:
        with study.engine.begin() as connection:
            connection.execute(codings_table.insert().values(**row))
    except IntegrityError:
        return True
    return False


@pytest.fixture
def postgres(study, monkeypatch):
    if study.engine.dialect.name != "postgresql":
        pytest.skip("foreign keys checked at once are PostgreSQL's bulk path")
    uncoded_sample_study(study)
    monkeypatch.setattr(bulk, "KEYS_AT_ONCE_AFTER", 10)  # the sample's files hold hundreds of rows, not 10,000
    return study


def test_a_large_import_checks_its_keys_at_once_and_keeps_them(postgres):
    before = foreign_keys(postgres)
    alice = min(CODINGS_DIR.glob("*.csv"))
    imported = codings.import_codings_csv(postgres, CLI, "alice", alice)
    after = foreign_keys(postgres)
    assert imported == stored(postgres) > 10
    assert {name: definition for name, (_, definition) in after.items()} == \
        {name: definition for name, (_, definition) in before.items()}
    assert all(after[name][0] != oid for name, (oid, _) in before.items())  # dropped and added again
    assert refuses_a_coding_of_no_segment(postgres)


def test_an_import_that_cannot_lock_the_tables_soon_checks_row_by_row(postgres, monkeypatch):
    monkeypatch.setattr(bulk, "LOCK_WAIT", "200ms")
    before = foreign_keys(postgres)
    with postgres.engine.connect() as reader:  # another user's open transaction that has read a segment
        reader.execute(text("SELECT id FROM segments LIMIT 1")).all()
        imported = codings.import_codings_csv(postgres, CLI, "alice", min(CODINGS_DIR.glob("*.csv")))
        assert reader.execute(text("SELECT count(*) FROM segments")).scalar() > 0  # never blocked, still open
    assert imported == stored(postgres) > 10
    assert foreign_keys(postgres) == before  # the same constraints, never dropped
    assert refuses_a_coding_of_no_segment(postgres)


def test_a_small_import_checks_row_by_row(postgres, monkeypatch):
    monkeypatch.setattr(bulk, "KEYS_AT_ONCE_AFTER", 10_000)
    before = foreign_keys(postgres)
    codings.import_codings_csv(postgres, CLI, "alice", min(CODINGS_DIR.glob("*.csv")))
    assert foreign_keys(postgres) == before


def test_a_writer_arriving_during_a_held_import_waits_and_finds_the_coding_stored(postgres, monkeypatch):
    """The import holds the tables from before it reads what is stored until its commit, so its
    new codings go straight in: another writer of one of them waits, then finds it there (no
    second row, no second audit entry, no failure on either side)."""
    other: dict = {}

    class FactsWhileHeld(coding_write._Facts):  # the import reads what is stored: another writer starts now
        def __init__(self, session, writes, *known):
            if len(writes) >= 10 and "thread" not in other:
                key = writes[0].key
                other["key"] = key
                other["thread"] = threading.Thread(target=lambda: other.update(changed=postgres.transaction(
                    lambda s: coding_write.write_codings(s, CLI, [coding_write.CodingWrite(key)]))))
                other["thread"].start()
                other["waited"] = waits_for_a_lock(postgres)
            super().__init__(session, writes, *known)

    monkeypatch.setattr(coding_write, "_Facts", FactsWhileHeld)
    imported = codings.import_codings_csv(postgres, CLI, "alice", min(CODINGS_DIR.glob("*.csv")))
    other["thread"].join(timeout=60)
    assert other["waited"] and other["changed"] == 0
    assert imported == stored(postgres) > 10
    key = other["key"]
    with postgres.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(codings_table).where(
            codings_table.c.rater_id == key.rater_id, codings_table.c.transcript_id == key.transcript_id,
            codings_table.c.code_id == key.code_id, codings_table.c.unit_key == key.unit_key)) == 1
        assert connection.scalar(select(func.count()).select_from(audit_log)
                                 .where(audit_log.c.action == "coding.apply")) == imported


def waits_for_a_lock(study, seconds: float = 20) -> bool:
    """Whether another session of the study's database comes to wait for a lock within ``seconds``."""
    deadline = time.monotonic() + seconds
    with study.engine.connect() as connection:
        while time.monotonic() < deadline:
            if connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND datname = current_database()")):
                return True
            connection.rollback()
            time.sleep(0.05)
    return False
