"""Output files are written whole or not at all: a failure midway leaves the previous file as it was
and no partial or 0-byte file behind."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from study import atomic
from study.cli import cli
from study.errors import StudyError
from study.store import Study
from tests.disks import small_tmpfs
from tests.factories import two_coders_study



def test_a_writer_failing_midway_leaves_the_old_file_and_nothing_else(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("the report of yesterday\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic.atomic_write(target, "w", encoding="utf-8") as file:
            file.write("half of today's rep")
            raise RuntimeError("the renderer failed")
    assert target.read_text(encoding="utf-8") == "the report of yesterday\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_finished_write_replaces_the_file_with_ordinary_permissions(tmp_path):
    target = tmp_path / "table.csv"
    atomic.write_text(target, "a,b\r\n1,2\r\n")
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"  # newlines as given
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(StudyError, match="missing/out.md: cannot write the file"):
        atomic.write_text(tmp_path / "missing" / "out.md", "x")


@pytest.fixture
def full_disk():
    """A small tmpfs filled to the last byte (root only): every write to it fails midway."""
    with small_tmpfs("256k") as folder:
        (folder / "codebook.yaml").write_text("the codebook as exported last week\n", encoding="utf-8")
        try:
            with open(folder / "filler", "wb") as filler:
                while True:
                    filler.write(b"\0" * 4096)
                    filler.flush()
        except OSError:
            pass
        yield folder


@pytest.mark.parametrize("command, out", [
    (["codebook", "export", "--format", "yaml", "--out"], "codebook.yaml"),
    (["qdpx", "export", "--out"], "study.qdpx"),
])
def test_exports_to_a_full_disk_leave_no_partial_file(tmp_path, full_disk, command, out):
    db = tmp_path / "study.db"
    study = Study.open(f"sqlite:///{db}")
    two_coders_study(study)
    study.close()
    before = {p.name: p.read_bytes() for p in full_disk.iterdir() if p.name != "filler"}
    result = CliRunner().invoke(cli, ["--db", str(db), *command, str(full_disk / out)])
    assert result.exit_code == 1, result.output
    assert "cannot write the file" in result.output and len(result.output.strip().splitlines()) == 1
    after = {p.name: p.read_bytes() for p in full_disk.iterdir() if p.name != "filler"}
    assert after == before  # the old codebook export untouched; no new, partial or temporary file
