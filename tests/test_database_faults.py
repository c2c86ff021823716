"""Database faults are one line saying what is wrong and what to do, never a traceback and never a
success with different output; `study check` reports damage as damage."""
from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from study.cli import cli
from study.store import Study
from tests.disks import IS_ROOT, small_tmpfs
from tests.factories import add_interview, two_coders_study

ROOT = Path(__file__).resolve().parents[1]


def invoke(db: str, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--db", db, *args], input=input)


def assert_one_line_error(result, *needles: str) -> str:
    """Exit 1, no traceback, one line on stderr that contains every needle."""
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.exception
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def small_db(tmp_path) -> Path:
    """A small study on SQLite: two coders' codings on two interviews."""
    path = tmp_path / "study.db"
    study = Study.open(f"sqlite:///{path}")
    two_coders_study(study)
    study.close()
    return path


def test_a_file_that_is_not_a_database_is_named_as_such(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_bytes(random.Random(3).randbytes(8192))
    assert_one_line_error(invoke(str(junk), "transcripts"), "not a study database")


@pytest.mark.parametrize("value, shown", [("seven", "'seven'"), (None, "missing")])
def test_a_damaged_schema_version_is_damage_not_version_0(small_db, value, shown):
    engine = create_engine(f"sqlite:///{small_db}")
    with engine.begin() as connection:
        if value is None:
            connection.execute(text("DELETE FROM study_meta WHERE key = 'schema_version'"))
        else:
            connection.execute(text("UPDATE study_meta SET value = :v WHERE key = 'schema_version'"), {"v": value})
    engine.dispose()
    line = assert_one_line_error(invoke(str(small_db), "transcripts"), shown, "damaged")
    assert "version 0" not in line


def test_check_passes_a_sound_database(db_url):
    Study.open(db_url).close()
    result = invoke(db_url, "check")
    assert result.exit_code == 0 and "no problems found" in result.output


def test_check_reports_rows_that_refer_to_missing_rows(db_url):
    study = Study.open(db_url)
    add_interview(study, "P01", "P01", ["An answer."])
    study.close()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("PRAGMA foreign_keys=OFF"))
        else:
            connection.execute(text("SET session_replication_role = replica"))  # constraints off, as a bad restore
        connection.execute(text("UPDATE segments SET transcript_id = 999"))
    engine.dispose()
    result = invoke(db_url, "check")
    assert result.exit_code == 1
    assert "foreign key" in result.output and "damaged" in result.output.strip().splitlines()[-1]


def test_check_finds_an_index_that_disagrees_with_its_table(small_db):
    engine = create_engine(f"sqlite:///{small_db}")
    with engine.begin() as connection:  # the index no longer matches the rows: what a torn write leaves
        connection.execute(text("PRAGMA writable_schema=ON"))
        connection.execute(text("UPDATE sqlite_schema SET sql = replace(sql, 'transcript_id', 'id') "
                                "WHERE name = 'ix_segments_transcript_id'"))
    engine.dispose()
    result = invoke(str(small_db), "check")
    assert result.exit_code == 1 and "damaged" in result.output


def test_flipped_bytes_give_one_line_or_the_same_output(small_db, tmp_path):
    """Seeded single-bit flips anywhere in the file: each read is the original output, or exit 1 with
    one line. (SQLite stores no checksums: a flip inside a stored text that keeps it valid changes
    that text unnoticed; the listing read here shows names and counts, which a flip in a transcript
    text does not reach.)"""
    commands = [("transcripts", "--format", "json"), ("codings", "export", "--rater", "alice")]
    baseline = {command: invoke(str(small_db), *command).output for command in commands}
    original, rng = small_db.read_bytes(), random.Random(20261128)
    outcomes = {"same": 0, "one-line error": 0}
    flips = 0
    while flips < 60 or (outcomes["one-line error"] == 0 and flips < 600):  # until some flips hit what is read
        flips += 1
        damaged = bytearray(original)
        position = rng.randrange(len(damaged))
        damaged[position] ^= 1 << rng.randrange(8)
        copy = tmp_path / "flipped.db"
        copy.write_bytes(damaged)
        for command in commands:
            result = invoke(str(copy), *command)
            if result.exit_code == 0 and result.output == baseline[command]:
                outcomes["same"] += 1
                continue
            assert_one_line_error(result)
            outcomes["one-line error"] += 1
        for leftover in tmp_path.glob("flipped.db*"):
            leftover.unlink()
    assert outcomes["one-line error"] > 0  # the seed damages something


def _make_read_only(path: Path) -> None:
    """Read-only for us too: root ignores permission bits, so as root the file or folder is made
    immutable (chattr +i); otherwise its write bits are removed."""
    if not IS_ROOT:
        path.chmod(0o555 if path.is_dir() else 0o444)
    elif shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)],
                                                           capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only for root here (no chattr support)")


def _make_writable(path: Path) -> None:
    if IS_ROOT:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_is_one_line(small_db, tmp_path, what):
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "study.db"
    shutil.copy(small_db, path)
    target = path if what == "file" else folder  # a folder: WAL must create study.db-wal and -shm in it
    _make_read_only(target)
    try:
        result = invoke(str(path), "user", "add", "dora", "--role", "coder", input="a-password\n")
    finally:
        _make_writable(target)
    line = assert_one_line_error(result, "writable")
    assert "read-only" in line or "cannot be opened" in line, line


@pytest.fixture
def tiny_disk():
    """A 700 KiB tmpfs (root only): a disk that fills up."""
    with small_tmpfs("700k") as folder:
        yield folder


def test_a_full_disk_is_one_line_and_keeps_the_study(small_db, tiny_disk, tmp_path):
    path = tiny_disk / "study.db"
    shutil.copy(small_db, path)
    before = invoke(str(path), "transcripts", "--format", "json").output
    big = tmp_path / "P99.txt"
    big.write_text("".join(f"Interviewer: Question {i}?\n\nP99: {'An answer that goes on. ' * 40}\n\n"
                           for i in range(400)), encoding="utf-8")
    result = invoke(str(path), "import", str(big))
    assert result.exit_code == 1
    assert "disk is full" in result.output or "size limit" in result.output, result.output
    assert "Traceback" not in result.output
    (tiny_disk / "study.db-wal").unlink(missing_ok=True)
    assert invoke(str(path), "transcripts", "--format", "json").output == before
