"""The README's commands for the sample study run as written: setting it up, editing the codebook
and importing the codings, in the README's order, on a fresh study from the checkout's sample files."""
from __future__ import annotations

import re
import shlex

from click.testing import CliRunner

from study.cli import cli
from tests.conftest import ROOT

# The commands that act on the sample study itself (others name files of the reader's own).
SAMPLE_COMMANDS = re.compile(r"^study (init|import transcripts_sample/|codebook |codings import )")


def readme_commands() -> list[list[str]]:
    """Each such command of the README's code blocks, as arguments after ``study``, in order."""
    commands, fenced = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and SAMPLE_COMMANDS.match(line):
            commands.append(shlex.split(line, comments=True)[1:])
    return commands


def test_the_readmes_sample_study_commands_run_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the README's paths are relative to the checkout
    commands = readme_commands()
    edits = {args[1] for args in commands if args[0] == "codebook"}
    assert {"load", "add", "rename", "move", "merge", "split", "colour"} <= edits
    url = f"sqlite:///{tmp_path / 'study.db'}"
    runner = CliRunner()
    for args in commands:
        result = runner.invoke(cli, ["--db", url, *args])
        assert result.exit_code == 0, f"study {shlex.join(args)}: {result.output}"
