"""The command line starts without the heavy libraries: they load where they are used.

Checked in a fresh interpreter (a test process has them loaded already). Timings live in
benchmarks/bench_cli.py, not here."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from study.cli import cli

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "pandas", "spacy", "plotly", "scipy", "krippendorff", "openpyxl", "docx")

PROBE = """
import json, sys
from study.cli import cli
try:
    cli(sys.argv[1:], prog_name="study", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_by(tmp_path: Path, *args: str, watch: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``watch`` modules in sys.modules after running ``study ARGS`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": str(tmp_path / "study.db")}
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=watch), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    """A study with one transcript, written by the CLI (in its own process, so this one stays light);
    the commands run on it only read."""
    tmp_path = tmp_path_factory.mktemp("startup")
    (tmp_path / "P01.txt").write_text("Interviewer: How do you pick a model?\n\nP01: By downloads.\n",
                                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": str(tmp_path / "study.db")}
    subprocess.run([sys.executable, "-m", "study", "import", "P01.txt"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=300)
    return tmp_path


def test_importing_the_cli_loads_no_heavy_library(tmp_path):
    assert loaded_by(tmp_path, "--version") == []


def test_help_loads_no_heavy_library(tmp_path):
    assert loaded_by(tmp_path, "--help") == []


def test_help_does_not_even_load_the_database_layer(tmp_path):
    assert loaded_by(tmp_path, "--help", watch=("sqlalchemy", "study.database", "study.store")) == []


@pytest.mark.parametrize("args", [("transcripts",), ("segments", "P01"), ("participants",), ("codebook", "show")])
def test_listing_commands_load_no_heavy_library(sample_db, args):
    assert loaded_by(sample_db, *args) == []


@pytest.mark.parametrize("args", [("transcripts",), ("segments", "P01")])
def test_listing_commands_read_without_the_orm(sample_db, args):
    assert loaded_by(sample_db, *args, watch=("sqlalchemy.orm", "study.store")) == []


def test_a_command_still_loads_what_it_uses(sample_db):
    assert "openpyxl" in loaded_by(sample_db, "table", "framework", "--format", "xlsx", "--out", "framework.xlsx")


@pytest.mark.parametrize("table", ["frequency", "framework"])
def test_the_counted_tables_load_no_table_library(sample_db, table):
    """The frequency table is counted in the database, the framework matrix read a batch of
    participants at a time: they need no frame (pandas cost the frequency table a third of its time
    at 500 interviews)."""
    assert "pandas" not in loaded_by(sample_db, "table", table, "--format", "md")


def command_modules() -> dict[str, str]:
    """Every ``study`` command, loaded from every command module, with the module defining it."""
    import importlib
    import pkgutil

    import study.cli as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.endswith("_cmds"):
            importlib.import_module(f"study.cli.{info.name}")
    return {name: command.callback.__module__.rsplit(".", 1)[1] for name, command in cli.commands.items()}


def test_the_command_table_names_every_command_and_its_module():
    from study.cli.commands import COMMANDS

    assert {name: module for name, (module, _help) in COMMANDS.items()} == command_modules()


@pytest.mark.parametrize("width", [40, 60, 80])
def test_help_lists_the_commands_as_click_does_from_the_commands_themselves(width):
    command_modules()
    context = click.Context(cli, info_name="study", terminal_width=width)
    from_table, from_commands = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
    cli.format_commands(context, from_table)
    click.Group.format_commands(cli, context, from_commands)
    assert from_table.getvalue() == from_commands.getvalue()


def test_a_command_loads_only_its_own_module(sample_db):
    assert loaded_by(sample_db, "transcripts", watch=("study.cli.findings_cmds", "study.cli.agreement_cmds",
                                                      "study.cli.transcript_cmds")) == ["study.cli.transcript_cmds"]


def test_quotes_and_coverage_load_no_statistics():
    """Quoting and counting which transcripts count need no arrays: the adjudication module (and
    numpy with it) loads only where the consensus's coverage is asked for."""
    probe = "import sys, study.quotes, study.coverage; print(sorted(m for m in ('numpy', 'study.adjudication') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.replace("'", '"')) == []
