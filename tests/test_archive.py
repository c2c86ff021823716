"""study archive / study restore: the whole study as plain files, rebuilt row for row."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from study import adjudication, codings, workspace
from study.agreement import visibility
from study.archive import archive, restore
from study.cli import cli
from study.errors import NotAllowed, StudyError
from study.store import SCHEMA_VERSION, Base, Study, Transcript
from tests.conftest import _postgres_database
from tests.factories import ADMIN, ALICE, BOB, two_coders_study
SKIPPED = {"app_sessions", "sign_in_devices", "sign_in_throttle", "sign_in_failures"}


def rich_study(study):
    """Two coders' codings and memos, done marks, a consensus with a decision, a setting."""
    two_coders_study(study)
    with study.session() as session:
        p01 = session.scalar(select(Transcript).where(Transcript.name == "P01"))
        first = p01.segments[1].id
    workspace.save_memo(study, ALICE, p01.id, first, "downloads as a proxy for quality")
    workspace.save_memo(study, ALICE, p01.id, None, "a short interview")
    codings.mark_done(study, ALICE, "alice", "P01")
    codings.mark_done(study, BOB, "bob", "P01")
    adjudication.auto_adjudicate(study, ADMIN, ["alice", "bob"])
    adjudication.resolve(study, ADMIN, ["alice", "bob"], "P01", 1, "take:alice", reason="alice read it closer")
    visibility.set_coders_see_agreement(study, ADMIN, True)
    return study


@pytest.fixture
def rich(study_from):
    return study_from(rich_study)


@pytest.fixture
def empty(db_url, tmp_path):
    """A second, empty study on the same backend as ``study``."""
    if db_url.startswith("sqlite"):
        target = Study.open(f"sqlite:///{tmp_path / 'restored.db'}")
        yield target
        target.close()
        return
    for url in _postgres_database(db_url.rsplit("/", 1)[0] + "/postgres"):
        target = Study.open(url)
        yield target
        target.close()


def table_rows(study: Study) -> dict[str, list[tuple]]:
    with study.engine.connect() as connection:
        return {t.name: [tuple(r) for r in connection.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables if t.name not in SKIPPED}


def test_restore_rebuilds_every_table_row_for_row(rich, empty, tmp_path):
    archive(rich, ADMIN, tmp_path / "a", with_passwords=True)
    restore(empty, ADMIN, tmp_path / "a")
    before, after = table_rows(rich), table_rows(empty)
    restored_entry = after["audit_log"].pop()  # the restore itself is audited, after the archived log
    assert restored_entry[3] == "study.restore"
    for table in before:
        assert after[table] == before[table], table
    assert sum(map(len, before.values())) > 30  # the fixture really filled the tables


def test_archiving_an_unchanged_study_twice_gives_identical_files(rich, tmp_path):
    archive(rich, ADMIN, tmp_path / "a")
    archive(rich, ADMIN, tmp_path / "b")
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert first == second
    archive(rich, ADMIN, tmp_path / "a")  # replacing an earlier archive
    assert {p.relative_to(tmp_path / "a"): p.read_bytes()
            for p in (tmp_path / "a").rglob("*") if p.is_file()} == first


def test_the_archive_is_plain_readable_files(rich, tmp_path):
    archive(rich, ADMIN, tmp_path / "a")
    folder = tmp_path / "a"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["tables"]["transcripts"] == 2
    with (folder / "codings" / "alice.csv").open(encoding="utf-8") as f:
        alice = list(csv.DictReader(f))
    # alice applied Challenges/Model search on segment 1 and License (under Attributes/Portability in
    # the small codebook) on segment 3 of P01
    assert {(r["transcript"], r["segment"], r["code"]) for r in alice} == {
        ("P01", "1", "Challenges/Model search"), ("P01", "3", "Attributes/Portability/License")}
    assert (folder / "codings" / "consensus.csv").is_file()
    text = next(folder.glob("transcripts/*-P01.txt")).read_text(encoding="utf-8")
    with next(folder.glob("transcripts/*-P01.segments.csv")).open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert text[int(row["start"]):int(row["end"])] == row["text"]
    assert "I search by downloads." in text
    audit_lines = (folder / "tables" / "audit_log.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["action"] for line in audit_lines)
    with (folder / "decisions.csv").open(encoding="utf-8") as f:
        assert [r["reason"] for r in csv.DictReader(f) if r["reason"]] == ["alice read it closer"]
    with (folder / "done.csv").open(encoding="utf-8") as f:
        assert {(r["rater"], r["transcript"]) for r in csv.DictReader(f)} == {("alice", "P01"), ("bob", "P01")}
    assert "downloads as a proxy for quality" in (folder / "memos.csv").read_text(encoding="utf-8")
    assert "Model search" in (folder / "codebook.yaml").read_text(encoding="utf-8")


def test_every_column_of_every_table_is_carried(rich, tmp_path):
    """Generic export: a column another change adds is archived without touching archive.py."""
    archive(rich, ADMIN, tmp_path / "a")
    for table in Base.metadata.sorted_tables:
        if table.name in SKIPPED:
            continue
        lines = (tmp_path / "a" / "tables" / f"{table.name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert all(set(json.loads(line)) == set(table.c.keys()) for line in lines), table.name


def test_password_hashes_stay_out_unless_asked_for(rich, tmp_path):
    archive(rich, ADMIN, tmp_path / "a")
    users = [json.loads(line) for line in (tmp_path / "a" / "tables" / "users.jsonl").read_text().splitlines()]
    assert users and all(u["password_hash"] is None for u in users)


def test_restore_refuses_a_changed_file_and_writes_nothing(rich, empty, tmp_path):
    archive(rich, ADMIN, tmp_path / "a")
    (tmp_path / "a" / "codings" / "alice.csv").write_text("tampered\n", encoding="utf-8")
    with pytest.raises(StudyError, match=r"alice\.csv: changed since the archive was written"):
        restore(empty, ADMIN, tmp_path / "a")
    assert table_rows(empty)["transcripts"] == []


def test_restore_refuses_a_database_that_holds_a_study(rich, tmp_path):
    archive(rich, ADMIN, tmp_path / "a")
    with pytest.raises(StudyError, match="already holds a study"):
        restore(rich, ADMIN, tmp_path / "a")


def test_archive_refuses_a_folder_of_other_files(rich, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StudyError, match="no study archive"):
        archive(rich, ADMIN, tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_only_an_admin_archives_or_restores(rich, tmp_path):
    with pytest.raises(NotAllowed):
        archive(rich, ALICE, tmp_path / "a")
    with pytest.raises(NotAllowed):
        restore(rich, ALICE, tmp_path / "a")


def test_the_cli_archives_and_restores(rich, db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI round trip runs on SQLite; the library test covers PostgreSQL")
    runner = CliRunner()
    folder = tmp_path / "cli-archive"
    result = runner.invoke(cli, ["--db", db_url, "archive", str(folder)])
    assert result.exit_code == 0, result.output
    restored = tmp_path / "restored-by-cli.db"
    result = runner.invoke(cli, ["--db", str(restored), "restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 transcripts" in result.output
    result = runner.invoke(cli, ["--db", str(restored), "restore", str(tmp_path / "nowhere")])
    assert result.exit_code != 0 and "Traceback" not in result.output
