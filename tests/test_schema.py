"""The tables are declared once (study.schema, SQLAlchemy Core) and the ORM classes are mapped onto
them: the database a new study gets is schema version 2 exactly as it was first released."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from study import schema
from study.store import SCHEMA_VERSION, Base, Study, Transcript

# sqlite_master of a new study as written by study 0.1 when schema version 2 was released (its
# models were then declared in the ORM); a change to the schema comes with a new version.
RELEASED_V2 = Path(__file__).parent / "data" / "study_schema_v2.sql"


# Tables added since, each created empty when a study opens (a new table needs no new version);
# and indexes, each created when a study opens (an index changes no data).
ADDED_SINCE_V2 = {"sign_in_devices", "coding_flags"}
INDEXES_SINCE_V2 = {index.name for index in schema.INDEXES_ADDED_SINCE_V2}


def test_a_new_sqlite_study_gets_the_released_version_2_tables(tmp_path):
    Study.open(str(tmp_path / "study.db")).close()
    with sqlite3.connect(tmp_path / "study.db") as connection:
        statements = [sql + ";" for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name NOT IN "
            f"({', '.join('?' * len(ADDED_SINCE_V2))}) AND name NOT IN ({', '.join('?' * len(INDEXES_SINCE_V2))}) "
            "ORDER BY name", sorted(ADDED_SINCE_V2) + sorted(INDEXES_SINCE_V2))]
        added = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert SCHEMA_VERSION == 2
    assert "\n".join(statements) + "\n" == RELEASED_V2.read_text()
    assert ADDED_SINCE_V2 <= added


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
    assert INDEXES_SINCE_V2 <= indexes
