"""The CLI contract that automation depends on: command names, JSON keys, errors on stderr."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from study.cli import cli
from tests.conftest import CODEBOOK, SAMPLE


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    return invoke


def imported_with_the_cli(study):
    """The sample transcripts, participants and codebook, imported by the CLI."""
    runner, url = CliRunner(), study.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(cli, ["--db", url, "import", str(SAMPLE), "--participants", str(SAMPLE / "participants.csv")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["--db", url, "codebook", "load", str(CODEBOOK)], catch_exceptions=False).exit_code == 0


@pytest.fixture
def sample_study(run, study_from):
    study_from(imported_with_the_cli)
    return run


def test_transcripts_json_lists_name_participant_segments_words(sample_study):
    rows = json.loads(sample_study("transcripts", "--format", "json").stdout)
    assert len(rows) >= 8
    assert all({"name", "participant", "segments", "words"} <= set(r) for r in rows)
    assert len({r["name"] for r in rows}) == len(rows)
    assert all(r["segments"] > 0 and r["words"] > 0 for r in rows)


def test_segments_json_has_offsets_roles_and_text(sample_study):
    name = json.loads(sample_study("transcripts", "--format", "json").stdout)[0]["name"]
    rows = json.loads(sample_study("segments", name, "--format", "json").stdout)
    assert set(rows[0]) == {"index", "speaker", "role", "start", "end", "text", "timestamp"}
    assert [r["index"] for r in rows] == list(range(len(rows)))
    assert {r["role"] for r in rows} == {"interviewer", "participant"}
    assert all(r["end"] - r["start"] == len(r["text"]) for r in rows)


def test_codebook_show_json_has_theme_code_path_definition(sample_study):
    rows = json.loads(sample_study("codebook", "show", "--format", "json").stdout)
    assert {"theme", "code", "path", "definition"} <= set(rows[0])
    assert {r["theme"] for r in rows} == {"Reuse scenarios", "Decision stages", "Selection factors", "Attributes",
                                          "Challenges"}
    assert "Attributes/Traditional/Popularity" in {r["path"] for r in rows}


def test_participants_json_carries_csv_attributes(sample_study):
    rows = json.loads(sample_study("participants", "--format", "json").stdout)
    assert all(r["transcripts"] for r in rows)
    assert all(r["attributes"] for r in rows)


def test_listings_have_a_readable_table_by_default(sample_study):
    title, header, *_ = sample_study("transcripts").stdout.splitlines()
    assert title == "Transcripts" and header.split()[:4] == ["transcript", "participant", "segments", "words"]


def test_codebook_export_round_trips_through_yaml(sample_study, tmp_path):
    out = tmp_path / "book.yaml"
    assert sample_study("codebook", "export", "--format", "yaml", "--out", str(out)).exit_code == 0
    assert sample_study("codebook", "load", str(out)).stdout.startswith("Codebook")
    assert "0 code(s) added" in sample_study("codebook", "load", str(out)).stdout


def test_import_reports_failures_on_stderr_and_exits_non_zero(run, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "ok.txt").write_text("Interviewer: Why?\n\nP1: Because.\n", encoding="utf-8")
    result = run("import", str(tmp_path / "empty.txt"), str(tmp_path / "ok.txt"))
    assert result.exit_code == 1
    assert "Imported 1" in result.stdout and "failed 1" in result.stdout
    assert "empty.txt" in result.stderr and "Traceback" not in result.stderr


def test_user_errors_are_one_line_on_stderr_without_traceback(db_url, tmp_path):
    missing = tmp_path / "missing.yaml"
    proc = subprocess.run([sys.executable, "-m", "study", "--db", db_url, "codebook", "load", str(missing)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "missing.yaml" in proc.stderr and "Traceback" not in proc.stderr


def test_segments_of_an_unknown_transcript_is_a_clear_error(run):
    run("init")
    result = run("segments", "nope", "--format", "json")
    assert result.exit_code == 1 and "no transcript named 'nope'" in result.stderr


def test_resegment_changes_the_unit(sample_study):
    name = json.loads(sample_study("transcripts", "--format", "json").stdout)[0]["name"]
    before = len(json.loads(sample_study("segments", name, "--format", "json").stdout))
    assert sample_study("resegment", "--unit", "sentence", name).exit_code == 0
    after = len(json.loads(sample_study("segments", name, "--format", "json").stdout))
    assert after > before
