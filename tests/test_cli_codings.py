"""The codings and user commands, end to end through the CLI."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from study.cli import cli
from tests.conftest import CODEBOOK


@pytest.fixture
def run(db_url, tmp_path):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    (tmp_path / "P1.txt").write_text("Interviewer: How do you pick models?\n\nP1: By downloads and the license.\n",
                                     encoding="utf-8")
    assert invoke("import", str(tmp_path / "P1.txt")).exit_code == 0
    assert invoke("codebook", "load", str(CODEBOOK)).exit_code == 0
    assert invoke("user", "add", "alice", input="alice-password\n").exit_code == 0  # the rater the tests code as
    return invoke


def test_apply_refuses_an_unknown_rater_in_one_line_saying_how_to_add_one(run):
    refused = run("codings", "apply", "P1", "1", "--code", "Challenges/Model search", "--rater", "alcie")
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1
    assert "no rater named 'alcie'" in refused.stderr and "`study user add alcie --role coder`" in refused.stderr
    assert "alcie" not in run("user", "list").stdout


def test_apply_export_import_round_trip(run, tmp_path):
    assert run("codings", "apply", "P1", "1", "--code", "Attributes/Popularity", "--rater", "alice",
               "--memo", "downloads").exit_code == 0
    exported = run("codings", "export", "--rater", "alice").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows == [{"transcript": "P1", "segment": "1", "code": "Attributes/Traditional/Popularity",
                     "memo": "downloads", "rater": "alice", "start": "", "end": ""}]
    (tmp_path / "bob.csv").write_text(exported, encoding="utf-8")
    assert run("codings", "import", str(tmp_path / "bob.csv"), "--rater", "bob").stdout == \
        "Applied 1 coding(s) for bob. bob was not a user: added as a new rater (coder, no password).\n"
    assert run("codings", "import", str(tmp_path / "bob.csv"), "--rater", "bob").stdout == \
        "Applied 0 coding(s) for bob.\n"  # known now: nothing more to say
    assert json.loads(run("codings", "export", "--rater", "bob", "--format", "json").stdout)[0]["rater"] == "bob"


def test_import_errors_name_the_line_and_apply_nothing(run, tmp_path):
    (tmp_path / "bad.csv").write_text("transcript,segment,code\nP1,1,Attributes/Popularity\nP1,9,Attributes/Popularity\n",
                                      encoding="utf-8")
    result = run("codings", "import", str(tmp_path / "bad.csv"), "--rater", "dave")
    assert result.exit_code == 1 and "line 3" in result.stderr and "no segment 9" in result.stderr
    assert run("codings", "export", "--rater", "dave").exit_code == 1  # dave was never created


def test_done_locks_and_undo_reverts(run):
    run("codings", "apply", "P1", "1", "--code", "Challenges/Model search", "--rater", "alice")
    run("codings", "apply", "P1", "1", "--code", "Attributes/Popularity", "--rater", "alice")
    assert "coding.apply P1#1 Attributes/Traditional/Popularity" in run("codings", "undo", "--rater", "alice").stdout
    assert run("codings", "done", "P1", "--rater", "alice").exit_code == 0
    locked = run("codings", "apply", "P1", "1", "--code", "Attributes/License", "--rater", "alice")
    assert locked.exit_code == 1 and "reopen" in locked.stderr
    assert run("codings", "done", "P1", "--rater", "alice", "--reopen").exit_code == 0
    assert run("codings", "apply", "P1", "1", "--code", "Attributes/Portability/License", "--rater", "alice").exit_code == 0


def test_done_with_uncoded_turns_says_how_many_and_takes_anyway(run):
    run("codings", "apply", "P1", "1", "--code", "Challenges/Model search", "--rater", "alice")
    run("codings", "remove", "P1", "1", "--code", "Challenges/Model search", "--rater", "alice")
    asked = run("codings", "done", "P1", "--rater", "alice")
    # P1 has one answer (segment 1) and alice's only code on it was removed
    assert asked.exit_code == 1 and asked.stderr == (
        "Error: P1: 1 of 1 participant turn(s) have no code yet; when nothing more is to be coded there, mark it "
        "done anyway with --anyway\n")
    assert run("codings", "done", "P1", "--rater", "alice", "--anyway").exit_code == 0
    assert "P1" in run("codings", "apply", "P1", "1", "--code", "Challenges/Model search", "--rater",
                       "alice").stderr  # done: locked


def test_done_all_marks_every_included_transcript_or_none(run, tmp_path):
    for name in ("P2", "P3"):
        (tmp_path / f"{name}.txt").write_text(f"Interviewer: And you?\n\n{name}: The card, mostly.\n", encoding="utf-8")
        assert run("import", str(tmp_path / f"{name}.txt")).exit_code == 0
    assert run("exclude", "P3", "--kind", "transcript", "--reason", "a test upload").exit_code == 0
    run("codings", "apply", "P1", "1", "--code", "Challenges/Model search", "--rater", "alice")
    refused = run("codings", "done", "--all", "--rater", "alice")
    assert refused.exit_code == 1 and refused.stderr.startswith(
        "Error: P2: 1 of 1 participant turn(s) have no code yet;")  # P3 is excluded: not asked for
    assert run("codings", "apply", "P1", "1", "--code", "Attributes/Popularity", "--rater", "alice").exit_code == 0
    marked = run("codings", "done", "--all", "--rater", "alice", "--anyway")
    assert marked.exit_code == 0 and marked.stdout == "Marked done: 2 transcript(s) for alice.\n"
    for name in ("P1", "P2"):  # done: locked
        assert run("codings", "apply", name, "1", "--code", "Attributes/License", "--rater", "alice").exit_code == 1
    assert run("codings", "apply", "P3", "1", "--code", "Attributes/License", "--rater", "alice").exit_code == 0
    assert run("codings", "done", "--all", "--rater", "alice", "--reopen").stdout == "Reopened: 2 transcript(s) for alice.\n"


@pytest.mark.parametrize("args", [(), ("P1", "--all")])
def test_done_needs_transcripts_or_all_but_not_both(run, args):
    result = run("codings", "done", *args, "--rater", "alice")
    assert result.exit_code == 2 and "name the transcripts, or give --all" in result.stderr


def test_user_add_reads_the_password_from_stdin_and_lists_it(run):
    assert run("user", "add", "carol", "--role", "admin", input="long-password\n").exit_code == 0
    users = json.loads(run("user", "list", "--format", "json").stdout)
    assert {"name": "carol", "role": "admin", "can_sign_in": True} in users
    short = run("user", "passwd", "carol", input="short\n")
    assert short.exit_code == 1 and "too short" in short.stderr


def test_files_that_cannot_be_written_or_read_are_one_line_errors(run, tmp_path):
    result = run("codebook", "export", "--out", str(tmp_path / "missing" / "book.yaml"))
    assert result.exit_code == 1 and result.stderr == (f"Error: {tmp_path / 'missing' / 'book.yaml'}: cannot write the "
                                                       "file (No such file or directory); nothing was written; "
                                                       "choose another --out\n")
    result = run("codings", "import", str(tmp_path), "--rater", "alice")
    assert result.exit_code == 1 and "Is a directory" in result.stderr and "Traceback" not in result.stderr