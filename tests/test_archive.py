"""study archive / study restore: the whole study as plain files, rebuilt row for row."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from study import adjudication, auth, bulk, codes, codings, schema, search, workspace
from study.agreement import visibility
from study.archive import archive, restore, restoring
from study.cli import cli
from study.codebook import load_codebook
from study.errors import ArchiveError, NotAllowed, StudyError
from study.search_index import TABLE
from study.store import SCHEMA_VERSION, Base, Study, Transcript
from tests.conftest import _postgres_database
from tests.factories import ADMIN, ALICE, BOB, add_interview, two_coders_study
SKIPPED = {"app_sessions", "sign_in_devices", "sign_in_throttle", "sign_in_failures"}


def rich_study(study):
    """Two coders' codings and memos, done marks, a consensus with a decision, a setting."""
    two_coders_study(study)
    with study.session() as session:
        p01 = session.scalar(select(Transcript).where(Transcript.name == "P01"))
        first = p01.segments[1].id
    workspace.save_memo(study, ALICE, p01.id, first, "downloads as a proxy for quality")
    workspace.save_memo(study, ALICE, p01.id, None, "a short interview")
    codings.mark_done(study, ALICE, "alice", "P01", anyway=True)
    codings.mark_done(study, BOB, "bob", "P01", anyway=True)
    adjudication.auto_adjudicate(study, ADMIN, ["alice", "bob"])
    adjudication.resolve(study, ADMIN, ["alice", "bob"], "P01", 1, "take:alice", reason="alice read it closer")
    visibility.set_coders_see_agreement(study, ADMIN, True)
    # a code below a code made after it: the restore must not need parents before children
    codes.add_code(study, ADMIN, "Challenges", "Child", "Made first.")
    codes.add_code(study, ADMIN, "Challenges", "Parent", "Made second.")
    codes.move_code(study, ADMIN, "Challenges/Child", "Challenges/Parent")
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
    restore(empty, ADMIN, tmp_path / "a", with_accounts=True)
    before, after = table_rows(rich), table_rows(empty)
    restored_entry = after["audit_log"].pop()  # the restore itself is audited, after the archived log
    assert restored_entry[3] == "study.restore"
    for table in before:
        assert after[table] == before[table], table
    assert sum(map(len, before.values())) > 30  # the fixture really filled the tables


@pytest.fixture
def in_bulk(monkeypatch):
    """The small fixture restored as a large study is: every table by COPY on PostgreSQL, and its
    foreign keys dropped and checked once after its rows (``bulk.held``)."""
    monkeypatch.setattr(bulk, "FEW", 2)
    monkeypatch.setattr(bulk, "KEYS_AT_ONCE_AFTER", 4)  # the fixture's 8 segments and its codings


def foreign_keys(study: Study) -> list[tuple]:
    """Every foreign key as the database holds it (SQLite: none to drop, an empty list)."""
    if study.engine.dialect.name != "postgresql":
        return []
    with study.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1, 2"))]


def search_rows(study: Study) -> list[tuple]:
    """Each segment's row of the search index, as the database holds it."""
    words = "rowid, words" if study.engine.dialect.name == "sqlite" else "segment_id, words::text"
    with study.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(f"SELECT {words} FROM {TABLE} ORDER BY 1"))]


def test_a_restore_in_bulk_rebuilds_every_row_the_keys_and_the_search_index(rich, empty, tmp_path, in_bulk):
    archive(rich, ADMIN, tmp_path / "a", with_passwords=True)
    restore(empty, ADMIN, tmp_path / "a", with_accounts=True)
    before, after = table_rows(rich), table_rows(empty)
    assert after["audit_log"].pop()[3] == "study.restore"
    assert after == before
    assert foreign_keys(empty) == foreign_keys(rich)
    assert search_rows(empty) == search_rows(rich) and len(search_rows(rich)) == len(before["segments"]) >= 4


def test_a_row_the_database_refuses_midway_undoes_the_whole_restore(rich, empty, tmp_path, in_bulk, monkeypatch):
    """A coding of no segment that every check missed (skipped here): the keys, checked once after
    the codings, refuse it, and nothing of the restore stays; the keys and the search index's trigger
    are as they were."""
    archive(rich, ADMIN, tmp_path / "a")
    edit_rows(tmp_path / "a", "codings", lambda rows: rows[-1].update(segment_id=10**6))
    rehashed(tmp_path / "a")
    monkeypatch.setattr(restoring, "check_keys", lambda tables: None)
    monkeypatch.setattr(restoring, "check_rules", lambda tables: None)
    keys = foreign_keys(empty)
    with pytest.raises(Exception, match="(?i)foreign key"):  # the driver's error, as the database words it
        restore(empty, ADMIN, tmp_path / "a")
    assert all(not rows for table, rows in table_rows(empty).items() if table != "study_meta")
    assert search_rows(empty) == [] and foreign_keys(empty) == keys
    add_interview(empty, "P09", "P09", ["a zebra crossing"])
    assert [hit.transcript for hit in search.search(empty, ADMIN, "zebra", search.Filters()).hits] == ["P09"]


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


def test_each_table_line_is_the_standard_json_of_its_row(rich, tmp_path):
    """Every line is what json.dumps writes for its object (keys sorted, UTF-8 kept, the standard
    separators), whatever the values: text with quotes, escapes and percent signs, JSON columns,
    booleans, timestamps, nulls. Archives written before keep their bytes."""
    with rich.session() as session:
        p01 = session.scalar(select(Transcript).where(Transcript.name == "P01"))
        transcript, segment = p01.id, p01.segments[2].id
    tricky = 'she said "100%"\tthen\nleft \\ \x01 — naïve 🙂 %s %(x)s'
    workspace.save_memo(rich, ALICE, transcript, segment, tricky)
    archive(rich, ADMIN, tmp_path / "a")
    seen = set()
    for table in (tmp_path / "a" / "tables").glob("*.jsonl"):
        for line in table.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert line == json.dumps(row, ensure_ascii=False, sort_keys=True), table.name
            seen.update(type(v).__name__ for v in row.values())
            if table.name == "memos.jsonl" and row["segment_id"] == segment:
                assert row["text"] == tricky
    assert {"int", "str", "bool", "NoneType", "dict", "list"} <= seen  # the fixture holds every kind


def test_each_raters_codings_file_says_what_the_codings_table_holds(rich, tmp_path):
    """codings/<rater>.csv: every coding of the rater, in coding order, named as a reader names it."""
    archive(rich, ADMIN, tmp_path / "a")
    c, t, seg, u = schema.codings, schema.transcripts, schema.segments, schema.users
    with rich.session() as session:
        refs = {code.id: code.ref for code in codes.all_codes(session, include_retired=True)}
        stored = session.execute(select(u.c.name, t.c.name, seg.c.index, c.c.code_id, c.c.memo)
                                 .join(u, c.c.rater_id == u.c.id).join(t, c.c.transcript_id == t.c.id)
                                 .outerjoin(seg, c.c.segment_id == seg.c.id).order_by(c.c.id)).all()
    raters = sorted({rater for rater, *_ in stored})
    assert len(raters) >= 3  # two coders and the consensus
    for rater in raters:
        with (tmp_path / "a" / "codings" / f"{rater}.csv").open(encoding="utf-8") as f:
            written = [(r["transcript"], r["segment"], r["code"], r["memo"]) for r in csv.DictReader(f)]
        assert written == [(name, "" if index is None else str(index), refs[code], memo or "")
                           for who, name, index, code, memo in stored if who == rater], rater


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


# -- archiving again: the archive owns its files and nothing else ----------------------------------


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_archiving_again_updates_in_place_and_keeps_git_and_the_researchers_files(rich, tmp_path):
    folder = tmp_path / "a"
    archive(rich, ADMIN, folder)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "README.md").write_text("Our study's archive.\n")
    (folder / "transcripts" / "reading-notes.txt").write_text("mine\n")
    p02_files = sorted(p.name for p in (folder / "transcripts").glob("*-P02.*"))
    assert p02_files == ["0002-P02.segments.csv", "0002-P02.txt"]
    with rich.session() as session:  # P02 leaves the study
        session.delete(session.scalar(select(Transcript).where(Transcript.name == "P02")))
    archive(rich, ADMIN, folder)
    assert (folder / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (folder / "README.md").read_text() == "Our study's archive.\n"
    assert (folder / "transcripts" / "reading-notes.txt").read_text() == "mine\n"
    assert not list((folder / "transcripts").glob("*-P02.*"))  # its own files the study no longer has: gone
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["transcripts"] == 1 and "README.md" not in manifest["files"]
    assert not [p for p in folder.rglob(".*.tmp")]  # no temporary file left behind


def test_a_folder_holding_only_a_git_repository_takes_an_archive(rich, tmp_path):
    folder = tmp_path / "repo"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "config").write_text("[core]\n")
    archive(rich, ADMIN, folder)
    assert (folder / ".git" / "config").read_text() == "[core]\n" and (folder / "manifest.json").is_file()


def test_archive_refuses_a_folder_whose_manifest_is_not_a_study_archives(rich, tmp_path):
    folder = tmp_path / "webapp"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"name": "My web app", "start_url": "/"}')
    (folder / "index.html").write_text("<html></html>")
    before = files_of(folder)
    with pytest.raises(ArchiveError, match=r"manifest.json: is not a study archive's manifest, so the folder is "
                                           r"left as it is"):
        archive(rich, ADMIN, folder)
    assert files_of(folder) == before


def test_archive_refuses_to_overwrite_a_file_it_did_not_write_and_changes_nothing(rich, tmp_path):
    folder = tmp_path / "a"
    archive(rich, ADMIN, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]["decisions.csv"]  # so the earlier archive did not write it: the researcher did
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "decisions.csv").write_text("our own decisions, kept by hand\n")
    before = files_of(folder)
    with pytest.raises(ArchiveError, match=r"holds files the archive did not write where it would write its own: "
                                           r"decisions\.csv; move them away"):
        archive(rich, ADMIN, folder)
    assert files_of(folder) == before


def test_archiving_again_never_deletes_outside_the_folder(rich, tmp_path):
    folder, victim = tmp_path / "a", tmp_path / "victim.txt"
    victim.write_text("keep me")
    archive(rich, ADMIN, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["../victim.txt"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArchiveError, match=r"names the file '\.\./victim\.txt', which is not a plain path inside"):
        archive(rich, ADMIN, folder)
    assert victim.read_text() == "keep me"


def test_the_cli_archives_into_a_git_folder_twice(rich, db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("the CLI runs on SQLite; the library tests cover PostgreSQL")
    folder = tmp_path / "a"
    (folder / ".git").mkdir(parents=True)
    for _ in range(2):
        result = CliRunner().invoke(cli, ["--db", db_url, "archive", str(folder)])
        assert result.exit_code == 0, result.output
    assert (folder / ".git").is_dir()


# -- restoring: accounts --------------------------------------------------------------------------


def test_accounts_come_back_as_coders_without_passwords_unless_asked(rich, empty, tmp_path):
    archive(rich, ADMIN, tmp_path / "a", with_passwords=True)
    restored = restore(empty, ADMIN, tmp_path / "a")
    with empty.connection() as connection:
        users = {name: (role, hashed) for name, role, hashed in connection.execute(
            select(schema.users.c.name, schema.users.c.role, schema.users.c.password_hash))}
    assert users == {"ann": ("coder", None), "alice": ("coder", None), "bob": ("coder", None),
                     "consensus": ("system", None)}
    assert restored.account_lines() == ["ann: coder, archived as admin, no password", "alice: coder, no password",
                                        "bob: coder, no password", "consensus: system, no password"]


def test_with_accounts_the_archived_roles_and_passwords_are_kept_and_named(rich, empty, tmp_path):
    archive(rich, ADMIN, tmp_path / "a", with_passwords=True)
    restored = restore(empty, ADMIN, tmp_path / "a", with_accounts=True)
    assert restored.account_lines()[0] == "ann: admin, password kept"
    assert auth.sign_in(empty, "ann", "password-123").role == "admin"


# -- restoring: a malformed archive is one line, and nothing is written --------------------------


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory) -> Path:
    """The rich study archived once (SQLite), with its password hashes: copied and spoilt per test."""
    folder = tmp_path_factory.mktemp("archives")
    study = Study.open(f"sqlite:///{folder / 'rich.db'}")
    rich_study(study)
    archive(study, ADMIN, folder / "good", with_passwords=True)
    study.close()
    return folder / "good"


def rehashed(folder: Path) -> Path:
    """The manifest's digests and row counts made to match the files again, as someone who edits an
    archive would."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in manifest["files"]:
        path = folder / name
        if path.is_file():
            manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file() and name.startswith("tables/"):
            manifest["tables"][name[len("tables/"):-len(".jsonl")]] = len(path.read_text(encoding="utf-8").splitlines())
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def edit_rows(folder: Path, table: str, change) -> None:
    """``change(rows)`` on tables/<table>.jsonl's rows (a list of dicts, changed in place)."""
    path = folder / "tables" / f"{table}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(rows)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def first(rows, **match):
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def _outside_text(folder: Path) -> None:
    (folder.parent / "secret.txt").write_text("Interviewer: the admin password is hunter2\n")
    edit_rows(folder, "transcripts", lambda rows: rows[0].update(text={"file": "../secret.txt"}))


def _listed_outside(folder: Path) -> None:
    (folder.parent / "secret.txt").write_text("secret")
    edit_manifest(folder, lambda m: m["files"].update({"../secret.txt": "0" * 64}))


def _linked_outside(folder: Path) -> None:
    (folder.parent / "secret.txt").write_text("Interviewer: secret\n")
    text = next(folder.glob("transcripts/*-P01.txt"))
    text.unlink()
    text.symlink_to(folder.parent / "secret.txt")


def _unlisted_text(folder: Path) -> None:
    (folder / "transcripts" / "planted.txt").write_text("Interviewer: planted\n")
    edit_rows(folder, "transcripts", lambda rows: rows[0].update(text={"file": "transcripts/planted.txt"}))


def _dropped_table(folder: Path) -> None:
    (folder / "tables" / "codings.jsonl").unlink()
    edit_manifest(folder, lambda m: m["files"].pop("tables/codings.jsonl"))


def _line_removed(folder: Path) -> None:
    edit_rows(folder, "codings", lambda rows: rows.pop())
    rehashed(folder)
    edit_manifest(folder, lambda m: m["tables"].update(codings=m["tables"]["codings"] + 1))


def _theme_cycle(folder: Path) -> None:
    def change(rows):
        rows[0]["parent_id"] = rows[1]["id"]
        rows[1]["parent_id"] = rows[0]["id"]
    edit_rows(folder, "themes", change)


def _code_cycle(folder: Path) -> None:
    def change(rows):
        rows[0]["parent_code_id"] = rows[1]["id"]
        rows[1]["parent_code_id"] = rows[0]["id"]
    edit_rows(folder, "codes", change)


def _saved_conventions(folder: Path, value: str) -> None:
    edit_rows(folder, "study_meta", lambda rows: rows.append({"key": "taught_conventions", "value": value}))


def _planted_system_user(folder: Path) -> None:
    edit_rows(folder, "users", lambda rows: rows.append({**rows[0], "id": 99, "name": "root", "role": "system"}))


MALFORMED = {
    # (spoil the archive, what the one line says)
    "text file outside the archive": (_outside_text, r"transcripts\.jsonl, line 1: the text names "
                                                     r"\{\"file\": \"\.\./secret\.txt\"\}, not a transcript file"),
    "manifest lists a file outside": (_listed_outside, r"names the file '\.\./secret\.txt', which is not a plain path"),
    "text linked outside": (_linked_outside, r"P01\.txt: leads outside the archive folder"),
    "text file not in the manifest": (_unlisted_text, r"transcripts/planted\.txt\"\}, not a transcript file the "
                                                      r"manifest lists"),
    "a dropped table the manifest counts": (_dropped_table, r"lists no tables/codings\.jsonl, though the archive's "
                                                            r"schema has the table codings \(4 rows counted\)"),
    "a row fewer than counted": (_line_removed, r"codings\.jsonl: holds 3 rows, the manifest counts 4"),
    "text in an integer column": (lambda f: edit_rows(f, "segments", lambda rows: rows[0].update(start="12")),
                                  r"segments\.jsonl, line 1: start \"12\" is not a whole number"),
    "true in an integer column": (lambda f: edit_rows(f, "segments", lambda rows: rows[0].update(index=True)),
                                  r"index true is not a whole number"),
    "an integer out of range": (lambda f: edit_rows(f, "codings", lambda rows: rows[0].update(span_start=2**40)),
                                r"span_start 1099511627776 is out of range"),
    "a segment beyond its text": (lambda f: edit_rows(f, "segments", lambda rows: rows[0].update(end=10**6)),
                                  r"segment 0 spans 13-1000000, outside its transcript's text"),
    "a span outside its segment": (lambda f: edit_rows(f, "codings", lambda rows: rows[0].update(
        span_start=0, span_end=5, unit_key=f"segment:{rows[0]['segment_id']}:0-5")), r"the span 0-5 lies outside its segment"),
    "a unit key not the coding's": (lambda f: edit_rows(f, "codings", lambda rows: rows[0].update(unit_key="transcript")),
                                    r"unit_key \"transcript\" is not the coding's unit"),
    "a coding of a code not there": (lambda f: edit_rows(f, "codings", lambda rows: rows[0].update(code_id=999)),
                                     r"code_id 999 names no row of codes"),
    "two rows with one id": (lambda f: edit_rows(f, "codes", lambda rows: rows[1].update(id=rows[0]["id"])),
                             r"codes\.jsonl, line 2: id \d+ is taken by line 1 already"),
    "a theme its own ancestor": (_theme_cycle, r"theme \d+ is its own ancestor"),
    "a code its own ancestor": (_code_cycle, r"code \d+ is its own ancestor"),
    "a code under a code not there": (lambda f: edit_rows(f, "codes", lambda rows: rows[0].update(parent_code_id=999)),
                                      r"parent_code_id 999 names no row of codes"),
    # saved turn conventions are a JSON list of {"pattern", "example"}, each a pattern an import may run
    "a saved convention that is no regular expression": (
        lambda f: _saved_conventions(f, '[{"pattern": "(unclosed", "example": null}]'),
        r"study_meta\.jsonl, line \d+: the saved turn conventions: the speaker pattern .*is no regular expression"),
    "saved conventions that are no JSON": (lambda f: _saved_conventions(f, "not json"),
                                           r"the saved turn conventions are not a JSON list"),
    "a saved convention that is no object": (lambda f: _saved_conventions(f, '[{"pattern": "(?P<speaker>A): "}, 5]'),
                                             r"the saved turn conventions hold 5, which is not"),
    "a planted system account": (_planted_system_user, r"'root' has the role 'system', which only the consensus"),
    "an unknown role": (lambda f: edit_rows(f, "users", lambda rows: rows[0].update(role="owner")),
                        r"role \"owner\" is none of admin, coder, system"),
    "a name too long for its column": (lambda f: edit_rows(f, "participants", lambda rows: rows[0].update(label="p" * 201)),
                                       r"label is 201 characters long, over the column's 200"),
    "a NUL in a memo": (lambda f: edit_rows(f, "memos", lambda rows: rows[0].update(text="a\x00b")),
                        r"text holds a NUL character"),
    "a name that reorders text": (lambda f: edit_rows(f, "users", lambda rows: rows[1].update(name="ali\u202ece")),
                                  r"users\.jsonl, line 2: the user name 'ali\\u202ece' contains U\+202E"),
    "a date that is none": (lambda f: edit_rows(f, "codings", lambda rows: rows[0].update(created_at="yesterday")),
                            r"created_at \"yesterday\" is not a date and time"),
    "a turn beyond the text": (lambda f: edit_rows(f, "transcripts", lambda rows: rows[0]["turns"].append(
        ["P01", 0, 10**6, None, None])), r"the turn .* does not lie inside the text"),
    "an unknown column": (lambda f: edit_rows(f, "codes", lambda rows: rows[0].update(owner="mallory")),
                          r"codes has no column 'owner'"),
    "a row that is no object": (lambda f: (f / "tables" / "codes.jsonl").write_text("[1, 2]\n"),
                                r"codes\.jsonl, line 1: not a row"),
    "a line that is no JSON": (lambda f: (f / "tables" / "codes.jsonl").write_text("{\"id\": \n"),
                               r"codes\.jsonl, line 1: not a JSON row"),
    "a text that is not UTF-8": (lambda f: next(f.glob("transcripts/*-P01.txt")).write_bytes(b"\xff\xfe\xfa"),
                                 r"P01\.txt: is not UTF-8 text"),
    "a manifest that is no JSON": (lambda f: (f / "manifest.json").write_text("{"), r"not a readable manifest"),
    "a schema version as text": (lambda f: edit_manifest(f, lambda m: m.update(schema_version="2")),
                                 r"schema_version '2' is not a schema version"),
    "a newer schema": (lambda f: edit_manifest(f, lambda m: m.update(schema_version=99)), r"archived by a newer study"),
    "counts that are not counts": (lambda f: edit_manifest(f, lambda m: m["tables"].update(codings=-1)),
                                   r"'tables' is not a count of rows per table"),
    "files that are not digests": (lambda f: edit_manifest(f, lambda m: m.update(files=["codebook.yaml"])),
                                   r"'files' is not a SHA-256 digest per file"),
}


# Spoilt in the manifest itself, or re-hashed by the spoiling: left as they are.
AS_SPOILT = {"manifest lists a file outside", "a dropped table the manifest counts", "a row fewer than counted",
             "a manifest that is no JSON", "a schema version as text", "a newer schema", "counts that are not counts",
             "files that are not digests"}


@pytest.mark.parametrize("spoil", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_archive_is_one_line_and_nothing_is_written(good_archive, tmp_path, spoil):
    spoil_archive, problem = MALFORMED[spoil]
    folder = tmp_path / "archive"
    shutil.copytree(good_archive, folder, symlinks=True)
    spoil_archive(folder)
    if spoil not in AS_SPOILT:
        rehashed(folder)
    target = Study.open(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        with pytest.raises(ArchiveError, match=problem) as caught:
            restore(target, ADMIN, folder)
        assert "\n" not in str(caught.value) and str(folder) in str(caught.value)
        assert all(not rows for table, rows in table_rows(target).items() if table != "study_meta")
    finally:
        target.close()


def test_a_planted_admin_comes_back_a_coder_without_its_password_and_is_named(good_archive, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(good_archive, folder)
    edit_rows(folder, "users", lambda rows: rows.append({**first(rows, name="ann"), "id": 77, "name": "mallory"}))
    rehashed(folder)
    restored = tmp_path / "restored.db"
    result = CliRunner().invoke(cli, ["--db", str(restored), "restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert "  mallory: coder, archived as admin, no password" in result.output
    assert "study user passwd NAME" in result.output
    target = Study.open(f"sqlite:///{restored}")
    try:
        with pytest.raises(StudyError):
            auth.sign_in(target, "mallory", "password-123")
    finally:
        target.close()


def test_the_cli_says_a_malformed_archive_in_one_line(good_archive, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(good_archive, folder)
    edit_rows(folder, "segments", lambda rows: rows[0].update(start="12"))
    rehashed(folder)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "restored.db"), "restore", str(folder)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "segments.jsonl, line 1: start \"12\" is not a whole number" in result.output
    assert "bug" not in result.output



def full_codebook_study(study):
    """The bundled 54-code codebook, loaded as ``study codebook load`` does."""
    codes.load_into_study(study, load_codebook(Path(__file__).parents[1] / "codebook" / "ptm_reuse.yaml"), auth.CLI)


def test_archive_in_fresh_processes_ends_cleanly(db_url, study_from, tmp_path):
    """``study archive`` as a user runs it, a new process each time, ends with its files written.
    On PostgreSQL it segfaulted in most runs (on SQLite the collector's timing never met it): on
    CPython 3.11 a collection starting while an ORM session ended (here the one reading the codes)
    freed memory still in use; see ``database.ended_safely``."""
    if db_url.startswith("sqlite"):
        pytest.skip("three processes cost seconds; the crash was only ever seen on PostgreSQL")
    url = study_from(full_codebook_study).engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    for run in range(3):
        folder = tmp_path / f"archive{run}"
        done = subprocess.run([sys.executable, "-m", "study", "--db", url, "archive", str(folder)],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, f"run {run} ended with {done.returncode}: {done.stderr[-1500:]}"
        assert json.loads((folder / "manifest.json").read_text())["tables"]["codes"] == 54
