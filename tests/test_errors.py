"""Library errors carry what went wrong and what would fix it; each front end words the fix."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

import study
from study.app.display import said as app_said
from study.cli import cli
from study.cli import said as cli_said
from study.errors import Conflict, StudyError, worded

LIBRARY = Path(study.__file__).parent


def test_an_error_keeps_what_and_fix_apart():
    exc = Conflict("P01.txt: a different transcript named 'P01' is already in the study",
                   "replace it", remedy="replace")
    assert exc.what.endswith("already in the study") and exc.fix == "replace it" and exc.remedy == "replace"
    assert str(exc) == "P01.txt: a different transcript named 'P01' is already in the study; replace it"


def test_each_front_end_words_the_remedy_its_own_way():
    exc = Conflict("P01.txt: a different transcript named 'P01' is already in the study",
                   "replace it", remedy="replace")
    assert "--replace" in cli_said(exc) and "tick" not in cli_said(exc)
    assert "tick 'Replace transcripts of the same name'" in app_said(exc) and "--" not in app_said(exc)


def test_a_remedy_template_is_filled_from_the_details():
    exc = StudyError("no user named 'zoe'", "an admin adds the user first", remedy="add_user", name="zoe")
    assert cli_said(exc) == "no user named 'zoe'; add one with `study user add zoe --role coder`"
    assert app_said(exc) == "no user named 'zoe'; ask your study's admin to add them"


def test_without_a_wording_of_its_own_a_front_end_says_the_plain_fix():
    exc = StudyError("the codebook has no codes", "load a codebook first", remedy="unknown")
    assert worded(exc, {}) == "the codebook has no codes; load a codebook first"
    assert worded(StudyError("just what"), {"x": "y"}) == "just what"


def test_the_cli_says_the_fix_as_a_command(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "transcripts"])
    assert result.exit_code == 1
    assert "no study at" in result.output and "run `study init` first" in result.output


def _library_messages():
    """Every string literal inside a raise statement in study/, outside the two front ends."""
    for path in LIBRARY.rglob("*.py"):
        if {"cli", "app"} & set(path.relative_to(LIBRARY).parts[:-1]):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for const in ast.walk(node.exc):
                    if isinstance(const, ast.Constant) and isinstance(const.value, str):
                        yield path.name, const.value


def test_no_library_message_names_a_flag_or_a_command():
    import re

    offending = [(name, text) for name, text in _library_messages()
                 if re.search(r"(^|\s)--[a-z]|`study [a-z]", text)]
    assert offending == []


@pytest.mark.parametrize("raised, said, status", [
    (KeyboardInterrupt(), "Aborted!", 130),
    # a Ctrl-C landing while a library loads can leave it half-loaded; its next use fails like this
    (ImportError("cannot import name 'DEFAULT_THRESHOLD' from 'study.saturation'"),
     "Error: unexpected ImportError: cannot import name 'DEFAULT_THRESHOLD' from 'study.saturation' -- this is a "
     "bug in study; please report it with the command you ran (STUDY_DEBUG=1 shows the details)", 1),
])
def test_the_command_ends_in_one_line_whatever_escapes(monkeypatch, capsys, raised, said, status):
    import study.cli

    def escaping(**_):
        raise raised

    monkeypatch.setattr(study.cli, "cli", escaping)
    monkeypatch.delenv("STUDY_DEBUG", raising=False)
    with pytest.raises(SystemExit) as ended:
        study.cli.main()
    assert ended.value.code == status
    assert capsys.readouterr().err == said + "\n"


def test_study_debug_shows_the_traceback_of_an_unexpected_failure(monkeypatch):
    import study.cli

    def escaping(**_):
        raise RuntimeError("boom")

    monkeypatch.setattr(study.cli, "cli", escaping)
    monkeypatch.setenv("STUDY_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        study.cli.main()
