"""After a bulk load PostgreSQL's planner knows the table's new size (ANALYZE in the same
transaction), so the findings queries use their indexes at once instead of planning for the empty
table until autovacuum samples it. SQLite keeps no statistics: nothing to check there."""
from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import event, func, select, text

from study import archive, bulk, codings
from study.auth import CLI
from study.database import Study
from study.demo import CODINGS_DIR
from study.schema import codings as codings_table
from tests.conftest import _postgres_database, uncoded_sample_study


def planner_rows(study: Study, table: str) -> float:
    """The planner's row count for ``table`` (pg_class.reltuples: -1 until the table is first analyzed)."""
    with study.engine.connect() as connection:
        return connection.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table})


def stored(study: Study) -> int:
    with study.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(codings_table))


@pytest.fixture
def postgres(study):
    if study.engine.dialect.name != "postgresql":
        pytest.skip("statistics are PostgreSQL's")
    uncoded_sample_study(study)
    return study


def test_a_codings_import_of_many_rows_leaves_the_planner_knowing_them(postgres, monkeypatch):
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 10)  # the sample's files hold hundreds of rows, not 10,000
    codings.import_codings_csv(postgres, CLI, "alice", sorted(CODINGS_DIR.glob("*.csv"))[0])
    assert stored(postgres) > 10
    assert planner_rows(postgres, "codings") == stored(postgres)


def test_a_restored_study_leaves_the_planner_knowing_every_table_each_sampled_once(postgres, tmp_path, monkeypatch):
    codings.import_codings_csv(postgres, CLI, "alice", sorted(CODINGS_DIR.glob("*.csv"))[0])
    archive.archive(postgres, CLI, tmp_path / "archive")
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 10)  # the large tables are sampled by the bulk insert itself
    for url in _postgres_database(os.environ["STUDY_TEST_PG_URL"]):
        restored = Study.open(url)
        analyzed = Counter()
        event.listen(restored.engine, "before_cursor_execute", lambda conn, cursor, sql, *rest:
                     analyzed.update([sql.split('"')[1]] if sql.startswith("ANALYZE") else []))
        archive.restore(restored, CLI, tmp_path / "archive")
        assert planner_rows(restored, "codings") == stored(restored) == stored(postgres)
        assert planner_rows(restored, "segments") > 0 and planner_rows(restored, "users") > 0
        assert {"codings", "segments", "users"} <= set(analyzed) and set(analyzed.values()) == {1}
        restored.close()


def test_an_import_into_a_table_the_planner_knows_larger_leaves_the_statistics_to_autovacuum(postgres, monkeypatch):
    """The planner scales a table's known row density by its pages as they are now: sampling the
    whole table again inside the import would only slow it down."""
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 10)
    with postgres.engine.begin() as connection:  # autovacuum must not analyze between the two imports
        connection.execute(text("ALTER TABLE codings SET (autovacuum_enabled = false)"))
    alice, bob = sorted(CODINGS_DIR.glob("*.csv"))
    codings.import_codings_csv(postgres, CLI, "alice", alice)
    first = stored(postgres)
    codings.import_codings_csv(postgres, CLI, "bob", bob)
    assert first < stored(postgres) < 2 * first  # bob's codings do not double the table
    assert planner_rows(postgres, "codings") == first


def test_opening_a_study_counts_the_tables_the_planner_never_counted(postgres):
    """A study's raters are a handful of rows, under the 50 changes autovacuum waits for: without
    statistics the planner guesses a page's worth and plans the findings queries from it."""
    with postgres.engine.begin() as connection:  # as a fresh database holds them: never analyzed
        connection.execute(text("ALTER TABLE users SET (autovacuum_enabled = false)"))
        connection.execute(text("DELETE FROM pg_statistic WHERE starelid = 'users'::regclass"))
        connection.execute(text("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE relname = 'users'"))
        raters = connection.scalar(text("SELECT count(*) FROM users"))
    assert raters > 0 and planner_rows(postgres, "users") == -1
    reopened = Study.open(postgres.url)
    assert planner_rows(reopened, "users") == raters
    reopened.close()


def test_a_table_analyzed_empty_is_counted_again_once_it_holds_rows(postgres):
    with postgres.engine.begin() as connection:
        connection.execute(text("ALTER TABLE exclusions SET (autovacuum_enabled = false)"))
        connection.execute(text("ANALYZE exclusions"))
    assert planner_rows(postgres, "exclusions") == 0
    with postgres.engine.begin() as connection:
        connection.execute(text("INSERT INTO exclusions (transcript_id, reason, \"by\", \"at\") "
                                "SELECT id, 'test', 'cli', now() FROM transcripts LIMIT 1"))
    reopened = Study.open(postgres.url)
    assert planner_rows(reopened, "exclusions") == 1
    reopened.close()
