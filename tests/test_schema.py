"""The tables are declared once (study.schema, SQLAlchemy Core) and the ORM classes are mapped onto
them: the database a new study gets is schema version 4 exactly as it was first released."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from study import schema
from study.store import SCHEMA_VERSION, Base, Study, Transcript

# sqlite_master of a new study as written when schema version 4 was released (a code may sit at the
# top level, in no theme); a change to the schema comes with a new version. study_schema_v2.sql and
# study_schema_v3.sql are versions 2 and 3 as released, which the upgrade tests open
# (tests/test_code_tree.py).
RELEASED_V4 = Path(__file__).parent / "data" / "study_schema_v4.sql"


# Tables added since, each created empty when a study opens (a new table needs no new version).
ADDED_SINCE_V3: set[str] = set()
# The full-text index of the segments (study.search_index): an FTS5 table, its own tables and the
# triggers on segments and transcripts that keep it current, all named after it.
SEARCH_INDEX = "search_segments"
# Indexes added since, each created when a study opens (an index changes no data: no new version).
INDEXES_SINCE_V3 = {index.name for index in schema.INDEXES_ADDED_SINCE_V3}


def test_a_new_sqlite_study_gets_the_released_version_4_tables(tmp_path):
    Study.open(str(tmp_path / "study.db")).close()
    with sqlite3.connect(tmp_path / "study.db") as connection:
        statements = [sql + ";" for (sql, table, name) in connection.execute(
            "SELECT sql, tbl_name, name FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            if table not in ADDED_SINCE_V3 and name not in INDEXES_SINCE_V3 and not name.startswith(SEARCH_INDEX)]
        added = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert SCHEMA_VERSION == 4
    assert "\n".join(statements) + "\n" == RELEASED_V4.read_text()
    assert ADDED_SINCE_V3 | {SEARCH_INDEX} <= added


def test_the_orm_maps_the_one_table_declaration():
    assert Base.metadata is schema.metadata
    assert Transcript.__table__ is schema.transcripts
    assert {mapper.local_table.name for mapper in Base.registry.mappers} == set(schema.metadata.tables)


def test_a_study_made_before_an_index_was_added_gets_it_when_it_opens(tmp_path):
    Study.open(str(tmp_path / "study.db")).close()
    with sqlite3.connect(tmp_path / "study.db") as connection:
        connection.execute("DROP INDEX ix_codings_units")
    Study.open(str(tmp_path / "study.db")).close()
    with sqlite3.connect(tmp_path / "study.db") as connection:
        indexes = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert INDEXES_SINCE_V3 <= indexes
