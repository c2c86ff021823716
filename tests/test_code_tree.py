"""Codes form a tree (issue 19, point 1): codes below codes to any depth, names repeated in other
branches, the ancestor relation in SQL, the parent rule, edits that keep codings, and the upgrade
of a schema-2 study on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, select, text

from click.testing import CliRunner

from study import code_tree, codes, codings, findings
from study.auth import CLI
from study.cli import cli
from study.codebook import parse_codebook
from study.errors import CodebookError
from study.schema import SCHEMA_VERSION
from study.store import AuditEntry, Study
from tests.frames_before import apply_parent_rule, counted_for
from tests.factories import add_interview, add_raters, finish_without_carrying, load_small_codebook

TREE = """
name: Tree
themes:
  - name: Attributes
    codes:
      - name: Performance
        definition: How fast the model is.
        colour: "#112233"
        codes:
          - name: Latency
            definition: Time to answer.
            codes:
              - {name: Network, definition: Time on the network.}
          - {name: Throughput, definition: Answers per second.}
  - name: Challenges
    codes:
      - {name: Latency, definition: Waiting is a challenge.}
"""


@pytest.fixture
def tree(study):
    codes.load_into_study(study, parse_codebook(TREE, source="tree.yaml"), CLI)
    add_raters(study, "alice", "bob")
    add_interview(study, "T1", "P1", ["It was slow to answer.", "The network lagged.", "Fine otherwise."])
    return study


def refs(study: Study) -> list[str]:
    return [v.ref for v in codes.code_views(study, include_retired=False)]


def code_id(study: Study, ref: str) -> int:
    with study.session() as session:
        return codes.resolve(session, ref).id


def coded_refs(study: Study, rater: str = "alice") -> list[tuple[int | None, str, str | None]]:
    return sorted((r.segment, r.code, r.memo) for r in codings.codings_of(study, CLI, rater))


def test_codes_load_as_a_tree_in_codebook_order(tree):
    assert refs(tree) == ["Attributes/Performance", "Attributes/Performance/Latency",
                          "Attributes/Performance/Latency/Network", "Attributes/Performance/Throughput",
                          "Challenges/Latency"]
    views = {v.ref: v for v in codes.code_views(tree, include_retired=False)}
    network = views["Attributes/Performance/Latency/Network"]
    assert (network.theme_path, network.ancestors, network.depth) == (("Attributes",), ("Performance", "Latency"), 2)
    assert network.parent_id == views["Attributes/Performance/Latency"].id
    assert views["Attributes/Performance"].colour == "#112233"


def test_a_parent_code_may_itself_be_applied_and_references_of_any_depth_resolve(tree):
    codings.apply_code(tree, CLI, "alice", "T1", 1, "Attributes/Performance")
    codings.apply_code(tree, CLI, "alice", "T1", 3, "Attributes/Performance/Latency/Network")
    codings.apply_code(tree, CLI, "alice", "T1", 5, "Attributes/Network")  # names between may be left out
    assert coded_refs(tree) == [(1, "Attributes/Performance", None),
                                (3, "Attributes/Performance/Latency/Network", None),
                                (5, "Attributes/Performance/Latency/Network", None)]


def test_a_repeated_name_alone_is_ambiguous_and_a_whole_path_is_exact(tree):
    with pytest.raises(CodebookError, match="ambiguous"):
        codings.apply_code(tree, CLI, "alice", "T1", 1, "Latency")
    assert codings.apply_code(tree, CLI, "alice", "T1", 1, "Challenges/Latency")


def test_the_stored_tree_exports_to_yaml_that_loads_to_the_same_codebook(tree):
    book = parse_codebook(codes.codebook_yaml(tree), source="export.yaml")
    assert [c.ref for c in book.codes()] == refs(tree)
    assert [c.name for c in book.find("Attributes/Performance").codes] == ["Latency", "Throughput"]


def test_the_ancestor_relation_holds_every_code_and_each_code_above_it(tree):
    with tree.session() as session:
        counted = counted_for(session, code_tree.WITH_CODES_BELOW)
        own = counted_for(session, code_tree.OWN_CODINGS)
    performance, latency, network = (code_id(tree, r) for r in (
        "Attributes/Performance", "Attributes/Performance/Latency", "Attributes/Performance/Latency/Network"))
    assert counted[network] == (network, latency, performance)  # itself first, then upwards
    assert counted[performance] == (performance,)
    assert own[network] == (network,)


def test_the_parent_rule_counts_a_unit_once_for_a_parent_whatever_it_carries_below(tree):
    performance, latency, network = (code_id(tree, r) for r in (
        "Attributes/Performance", "Attributes/Performance/Latency", "Attributes/Performance/Latency/Network"))
    frame = pd.DataFrame({"transcript_id": [1, 1, 1], "segment_id": [7, 7, 9],
                          "code_id": [latency, network, network]})
    with tree.session() as session:
        counted = counted_for(session, code_tree.WITH_CODES_BELOW)
    rows = apply_parent_rule(frame, counted)
    # segment 7 carries Latency and Network: once each for them, once (not twice) for Performance
    assert sorted(zip(rows["segment_id"], rows["code_id"])) == sorted([
        (7, latency), (7, network), (7, performance), (9, network), (9, latency), (9, performance)])


def test_an_unknown_parent_rule_names_the_rules():
    with pytest.raises(Exception, match="with-codes-below or own-codings"):
        code_tree.check_parent_rule("children")


def test_chips_show_the_shortest_tail_that_tells_repeated_names_apart(tree):
    views = codes.code_views(tree, include_retired=False)
    labels = {v.ref: label for v, label in zip(views, (codes.chip_labels(views)[v.id] for v in views))}
    assert labels == {"Attributes/Performance": "Performance", "Attributes/Performance/Latency": "Performance/Latency",
                      "Attributes/Performance/Latency/Network": "Network", "Attributes/Performance/Throughput":
                      "Throughput", "Challenges/Latency": "Challenges/Latency"}


def test_add_a_code_under_a_code_rename_and_recolour_it(tree):
    ref = codes.add_code(tree, CLI, "Challenges/Latency", "Queues", "Waiting in a queue.", colour="#abcdef")
    assert ref == "Challenges/Latency/Queues"
    assert codes.edit_code(tree, CLI, ref, name="Queueing", colour="teal") == "Challenges/Latency/Queueing"
    view = next(v for v in codes.code_views(tree, include_retired=False) if v.name == "Queueing")
    assert (view.colour, view.ancestors) == ("teal", ("Latency",))
    with pytest.raises(CodebookError, match="colour"):
        codes.edit_code(tree, CLI, "Challenges/Latency/Queueing", colour="url(javascript:x)")


def test_a_name_is_refused_only_beside_a_sibling_of_that_name(tree):
    codes.add_code(tree, CLI, "Attributes/Performance/Throughput", "Latency", "Repeated in another branch.")
    with pytest.raises(CodebookError, match="already exists under 'Attributes/Performance'"):
        codes.add_code(tree, CLI, "Attributes/Performance", "latency", "Twice under one parent.")
    with pytest.raises(CodebookError, match="already exists under 'Attributes/Performance'"):
        codes.edit_code(tree, CLI, "Attributes/Performance/Throughput", name="LATENCY")


def test_move_a_code_with_its_branch_under_another_theme_or_code(tree):
    codings.apply_code(tree, CLI, "alice", "T1", 3, "Attributes/Performance/Latency/Network")
    assert codes.move_code(tree, CLI, "Attributes/Performance/Latency", "Challenges/Latency") == \
        "Challenges/Latency/Latency"
    assert coded_refs(tree) == [(3, "Challenges/Latency/Latency/Network", None)]
    view = next(v for v in codes.code_views(tree, include_retired=False) if v.name == "Network")
    assert view.theme_path == ("Challenges",)  # the branch follows into the new theme
    assert codes.move_code(tree, CLI, "Challenges/Latency/Latency", "Attributes") == "Attributes/Latency"
    with pytest.raises(CodebookError, match="under itself or a code below it"):
        codes.move_code(tree, CLI, "Attributes/Latency", "Attributes/Latency/Network")


def test_merge_carries_codings_and_children_and_is_audited(tree):
    codings.apply_code(tree, CLI, "alice", "T1", 1, "Attributes/Performance/Latency", memo="slow")
    codings.apply_code(tree, CLI, "alice", "T1", 1, "Challenges/Latency", memo="waiting")
    codings.apply_code(tree, CLI, "alice", "T1", 3, "Attributes/Performance/Latency")
    assert codes.merge_codes(tree, CLI, "Attributes/Performance/Latency", "Challenges/Latency") == 1
    assert coded_refs(tree) == [(1, "Challenges/Latency", "waiting\n\nslow"), (3, "Challenges/Latency", None)]
    assert "Challenges/Latency/Network" in refs(tree)
    assert "Attributes/Performance/Latency" not in refs(tree)  # retired, kept
    with tree.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "code.merge")).one()
    assert entry.before["children"] == ["Attributes/Performance/Latency/Network"]
    assert entry.after == {"into": "Challenges/Latency", "moved": 1, "joined": 1,
                           "children": ["Challenges/Latency/Network"]}
    assert len(entry.before["moved"]) == 1 and entry.before["joined"][0]["memo"] == "slow"


def test_a_code_with_codes_in_use_below_it_is_not_retired(tree):
    with pytest.raises(CodebookError, match="Latency, Throughput below it are still in use"):
        codes.retire_code(tree, CLI, "Attributes/Performance")
    codes.retire_code(tree, CLI, "Attributes/Performance/Latency/Network")
    codes.retire_code(tree, CLI, "Attributes/Performance/Latency")  # nothing in use below it now
    assert "Attributes/Performance/Latency" not in refs(tree)


def test_markdown_lists_codes_below_codes_by_their_path_in_the_theme(tree):
    from study.codebook import codebook_to_markdown

    with tree.session() as session:
        text = codebook_to_markdown(codes.stored_codebook(session))
    assert "| Performance/Latency/Network | Time on the network. |" in text


def test_a_code_cannot_merge_into_a_code_below_it(tree):
    with pytest.raises(CodebookError, match="a code below it"):
        codes.merge_codes(tree, CLI, "Attributes/Performance", "Attributes/Performance/Latency")


def test_split_moves_the_chosen_codings_only(tree):
    for segment in (1, 3, 5):
        codings.apply_code(tree, CLI, "alice", "T1", segment, "Attributes/Performance")
    codings.apply_code(tree, CLI, "bob", "T1", 3, "Attributes/Performance")
    moved = codes.move_codings(tree, CLI, "Attributes/Performance", "Attributes/Performance/Throughput",
                               units=[("T1", 3), ("T1", 5)], rater="alice")
    assert moved == 2
    assert coded_refs(tree) == [(1, "Attributes/Performance", None), (3, "Attributes/Performance/Throughput", None),
                                (5, "Attributes/Performance/Throughput", None)]
    assert coded_refs(tree, "bob") == [(3, "Attributes/Performance", None)]
    with pytest.raises(CodebookError, match="no coding"):
        codes.move_codings(tree, CLI, "Challenges/Latency", "Attributes/Performance")


# -- findings: the parent rule -------------------------------------------------------------

PERF, LAT, NET = "Attributes/Performance", "Attributes/Performance/Latency", "Attributes/Performance/Latency/Network"
THR = "Attributes/Performance/Throughput"


@pytest.fixture
def counted(tree):
    """P1 (T1): Network on #1 and Latency on #3; P2 (T2): Performance itself on #1; P3 (T3): nothing.

    With codes below: Network {P1}, Latency {P1}, Performance {P1, P2}. Own codings: Network {P1},
    Latency {P1}, Performance {P2}."""
    add_interview(tree, "T2", "P2", ["Fast enough."])
    add_interview(tree, "T3", "P3", ["No opinion."])
    codings.apply_code(tree, CLI, "alice", "T1", 1, NET)
    codings.apply_code(tree, CLI, "alice", "T1", 3, LAT)
    codings.apply_code(tree, CLI, "alice", "T2", 1, PERF)
    for transcript in ("T1", "T2", "T3"):
        finish_without_carrying(tree, "alice", transcript)
    return tree


def participants_by_ref(table) -> dict[str, list[str]]:
    return {row["ref"]: row["ids"] for row in table.rows}


def test_frequency_counts_a_parent_with_the_codes_below_it_by_default(counted):
    table = findings.frequency_table(counted, CLI, "Attributes")
    assert participants_by_ref(table) == {PERF: ["P1", "P2"], LAT: ["P1"], NET: ["P1"], THR: []}
    assert code_tree.PARENT_RULE_TEXT[code_tree.WITH_CODES_BELOW] in table.notes


def test_frequency_tells_two_codes_of_one_name_apart(counted):
    names = {row["ref"]: row["code"] for row in findings.frequency_table(counted, CLI).rows}
    assert (names[LAT], names["Challenges/Latency"], names[NET]) == ("Performance/Latency", "Challenges/Latency",
                                                                     "Network")


def test_frequency_with_own_codings_counts_only_the_code_itself(counted):
    table = findings.frequency_table(counted, CLI, "Attributes", parent_rule=code_tree.OWN_CODINGS)
    assert participants_by_ref(table) == {PERF: ["P2"], LAT: ["P1"], NET: ["P1"], THR: []}
    assert code_tree.PARENT_RULE_TEXT[code_tree.OWN_CODINGS] in table.notes


def test_a_table_scoped_to_a_code_holds_it_and_the_codes_below_it(counted):
    table = findings.frequency_table(counted, CLI, "Attributes/Performance/Latency", order="codebook")
    assert [row["ref"] for row in table.rows] == [LAT, NET]
    assert table.title.endswith("Attributes/Performance/Latency")


def test_the_matrix_counts_units_once_for_a_parent(counted):
    rows = {r["participant"]: r for r in findings.matrix_table(counted, CLI, "Attributes", counts=True).rows}
    # P1: #1 (Network) and #3 (Latency) both count for Performance: two units, not three codings
    assert (rows["P1"][PERF], rows["P1"][LAT], rows["P1"][NET]) == (2, 2, 1)
    own = {r["participant"]: r for r in findings.matrix_table(counted, CLI, "Attributes", counts=True,
                                                               parent_rule=code_tree.OWN_CODINGS).rows}
    assert (own["P1"][PERF], own["P2"][PERF]) == (0, 1)


def test_the_matrix_counts_a_segment_once_for_a_parent_whatever_it_carries_below(counted):
    """T1 #1 carries Network and now Latency too (Network is below Latency, both below Performance):
    #1 and #3 are two units for Performance and for Latency, not three (the database's rule, which
    ``tests/frames_before.apply_parent_rule`` only mirrors)."""
    codings.mark_done(counted, CLI, "alice", "T1", False)
    codings.apply_code(counted, CLI, "alice", "T1", 1, LAT)
    finish_without_carrying(counted, "alice", "T1")
    rows = {r["participant"]: r for r in findings.matrix_table(counted, CLI, "Attributes", counts=True).rows}
    assert (rows["P1"][PERF], rows["P1"][LAT], rows["P1"][NET]) == (2, 2, 1)


def test_the_cli_selects_the_parent_rule_per_table(counted, db_url):
    def performance(*flags):
        result = CliRunner().invoke(cli, ["--db", db_url, "table", "frequency", "--theme", "Attributes",
                                          "--format", "json", *flags])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)["rows"]
        return next(r["participants"] for r in rows if r["ref"] == PERF)

    assert performance() == 2
    assert performance("--parent-rule", "own-codings") == 1
    result = CliRunner().invoke(cli, ["--db", db_url, "table", "matrix", "--parent-rule", "children"])
    assert result.exit_code == 2 and "with-codes-below" in result.output


# -- the command line --------------------------------------------------------------------------


def run(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db_url, "codebook", *args])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.output


def test_the_cli_creates_renames_recolours_moves_merges_and_splits(tree, db_url):
    for segment in (1, 3):
        codings.apply_code(tree, CLI, "alice", "T1", segment, "Challenges/Latency")
    assert run(db_url, "add", "Challenges/Latency", "Queues", "--definition", "Waiting in line.",
               "--colour", "#00ff00") == "Added Challenges/Latency/Queues\n"
    assert run(db_url, "rename", "Challenges/Latency/Queues", "Queueing") == "Renamed to Challenges/Latency/Queueing\n"
    run(db_url, "colour", "Challenges/Latency/Queueing", "#123456")
    run(db_url, "split", "Challenges/Latency", "Challenges/Latency/Queueing", "--unit", "T1:3")
    assert coded_refs(tree) == [(1, "Challenges/Latency", None), (3, "Challenges/Latency/Queueing", None)]
    with pytest.raises(AssertionError):  # Performance has a Latency already: a sibling of that name is refused
        run(db_url, "move", "Challenges/Latency", "Attributes/Performance")
    out = run(db_url, "merge", "Challenges/Latency", "Attributes/Performance/Latency")
    assert "1 coding(s) moved" in out
    assert coded_refs(tree) == [(1, "Attributes/Performance/Latency", None),
                                (3, "Attributes/Performance/Latency/Queueing", None)]
    view = next(v for v in codes.code_views(tree, include_retired=False) if v.name == "Queueing")
    assert view.colour == "#123456"
    with tree.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("code.%"))
                                                     .order_by(AuditEntry.id))]
    assert actions == ["code.add", "code.update", "code.update", "code.split", "code.merge"]


def test_the_cli_shows_the_tree_indented(tree, db_url):
    lines = run(db_url, "show").splitlines()
    assert any("└ Latency" in line and "Attributes/Performance/Latency " in line for line in lines)
    assert any(" · └ Network " in line for line in lines)
    rows = json.loads(run(db_url, "show", "--format", "json"))
    network = next(r for r in rows if r["code"] == "Network")
    assert (network["parent"], network["depth"]) == ("Attributes/Performance/Latency", 2)


def test_the_cli_split_can_create_its_target_and_names_a_bad_parent(tree, db_url):
    codings.apply_code(tree, CLI, "alice", "T1", 1, "Challenges/Latency")
    run(db_url, "split", "Challenges/Latency", "Challenges/Latency/Slow start", "--unit", "T1:1",
        "--definition", "Slow to start.")
    assert coded_refs(tree) == [(1, "Challenges/Latency/Slow start", None)]
    result = CliRunner().invoke(cli, ["--db", db_url, "codebook", "move", "Challenges/Latency", "Nowhere"])
    assert result.exit_code == 1 and "no theme or code 'Nowhere'" in result.output


# -- the upgrade of a schema-2 study -------------------------------------------------------


def released_study(path: Path, version: int, rows: str) -> None:
    """A SQLite study at ``path`` as schema ``version`` was released (tests/data), holding ``rows``."""
    connection = sqlite3.connect(path)
    statements = (Path(__file__).parent / "data" / f"study_schema_v{version}.sql").read_text().split(";\n")
    for statement in sorted(statements, key=lambda sql: not sql.startswith("CREATE TABLE")):  # tables first
        connection.execute(statement)
    connection.executescript(f"INSERT INTO study_meta VALUES ('schema_version', '{version}');" + rows)
    connection.close()


def test_a_v2_sqlite_study_is_upgraded_and_takes_codes_below_codes(tmp_path):
    path = tmp_path / "v2.db"
    released_study(path, 2, (
        "INSERT INTO themes (id, parent_id, name, description, exclusive, position) VALUES (1, NULL, 'T', '', 0, 0);"
        "INSERT INTO codes (id, theme_id, name, definition, when_to_use, when_not_to_use, example, keywords, colour,"
        " retired, position) VALUES (1, 1, 'Old', 'An old code.', '', '', '', '[]', '#010203', 0, 0);"))
    study = Study.open(f"sqlite:///{path}", create=False)
    try:
        assert codes.add_code(study, CLI, "T/Old", "New", "Below the old code.") == "T/Old/New"
        assert refs(study) == ["T/Old", "T/Old/New"]
    finally:
        study.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT value FROM study_meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),)
        assert connection.execute("SELECT colour FROM codes WHERE id = 1").fetchone() == ("#010203",)


def test_a_v2_postgresql_study_is_upgraded(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL upgrade path (SQLite's is tested on the released v2 file above)")
    study = Study.open(db_url)
    load_small_codebook(study)
    add_raters(study, "alice")
    add_interview(study, "P1", "P1", ["Hard to find one."])
    codings.apply_code(study, CLI, "alice", "P1", 1, "Challenges/Model search")
    study.close()
    engine = create_engine(db_url)
    with engine.begin() as connection:  # back to schema 2's codes table
        connection.execute(text("DROP INDEX ix_codes_parent_code_id"))
        connection.execute(text("ALTER TABLE codes DROP COLUMN parent_code_id"))
        connection.execute(text("UPDATE study_meta SET value = '2' WHERE key = 'schema_version'"))
    engine.dispose()
    study = Study.open(db_url, create=False)
    try:
        ref = codes.add_code(study, CLI, "Challenges/Model search", "Hubs", "Searching model hubs.")
        codings.apply_code(study, CLI, "alice", "P1", 1, ref)
        assert coded_refs(study) == [(1, "Challenges/Model search", None), (1, "Challenges/Model search/Hubs", None)]
        with study.session() as session:
            counted = counted_for(session, code_tree.WITH_CODES_BELOW)
            assert counted[codes.resolve(session, ref).id][1] == codes.resolve(session, "Challenges/Model search").id
    finally:
        study.close()


# -- the upgrade of a schema-3 study: codes at the top level ------------------------------


def test_a_v3_sqlite_study_is_upgraded_and_takes_codes_at_the_top_level(tmp_path):
    path = tmp_path / "v3.db"
    released_study(path, 3, (
        "INSERT INTO themes (id, parent_id, name, description, exclusive, position) VALUES (1, NULL, 'T', '', 0, 0);"
        "INSERT INTO codes (id, theme_id, name, definition, when_to_use, when_not_to_use, example, keywords, colour,"
        " retired, position, parent_code_id) VALUES (1, 1, 'Old', 'An old code.', '', '', '', '[]', '#010203', 0, 0,"
        " NULL);"))
    study = Study.open(f"sqlite:///{path}", create=False)
    try:
        assert codes.add_code(study, CLI, "", "Top", "At the top level.") == "Top"
        assert codes.add_code(study, CLI, "Top", "Below", "Below the top code.") == "Top/Below"
        assert refs(study) == ["Top", "Top/Below", "T/Old"]
    finally:
        study.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("SELECT value FROM study_meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),)
        declared = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'codes'").fetchone()[0]
        assert connection.execute("SELECT theme_id, colour FROM codes WHERE id = 1").fetchone() == (1, "#010203")
    released = (Path(__file__).parent / "data" / "study_schema_v4.sql").read_text()
    assert declared + ";" in released  # the table a new study gets


def test_a_v3_postgresql_study_is_upgraded_and_takes_codes_at_the_top_level(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL upgrade path (SQLite's is tested on the released v3 file above)")
    study = Study.open(db_url)
    load_small_codebook(study)
    add_raters(study, "alice")
    add_interview(study, "P1", "P1", ["Hard to find one."])
    codings.apply_code(study, CLI, "alice", "P1", 1, "Challenges/Model search")
    study.close()
    engine = create_engine(db_url)
    with engine.begin() as connection:  # back to schema 3's codes table
        connection.execute(text("ALTER TABLE codes ALTER COLUMN theme_id SET NOT NULL"))
        connection.execute(text("UPDATE study_meta SET value = '3' WHERE key = 'schema_version'"))
    engine.dispose()
    study = Study.open(db_url, create=False)
    try:
        ref = codes.add_code(study, CLI, "", "Mood", "How they felt.")
        codings.apply_code(study, CLI, "alice", "P1", 1, ref)
        assert coded_refs(study) == [(1, "Challenges/Model search", None), (1, "Mood", None)]
    finally:
        study.close()


def test_top_level_codes_are_edited_like_any_other(tree):
    """Added, moved to and from the top level, renamed and merged; a name is free at the top level
    only when no top code and no top theme has it."""
    assert codes.add_code(tree, CLI, "", "Mood", "How they felt.") == "Mood"
    with pytest.raises(CodebookError, match="already exists under 'the top level'"):
        codes.add_code(tree, CLI, "", "challenges", "Clashes with the theme.")
    with pytest.raises(CodebookError, match="a code named 'Mood' already exists at the top"):
        codes.add_theme(tree, CLI, "Mood")
    assert codes.move_code(tree, CLI, "Challenges/Latency", "") == "Latency"
    assert codes.move_code(tree, CLI, "Latency", "Mood") == "Mood/Latency"
    assert codes.edit_code(tree, CLI, "Mood", name="Feeling") == "Feeling"
    assert "Feeling/Latency" in refs(tree)
    text_ = codes.codebook_yaml(tree)
    book = parse_codebook(text_)
    assert [c.ref for c in book.top_codes] == ["Feeling"]
    assert [c.ref for c in book.codes()][:2] == ["Feeling", "Feeling/Latency"]
