"""The figure browser (``study.static_images``): started first by ``study report``, and stopped
with its whole process group however the command ends: done, a bad option, an error, Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest
from click.testing import CliRunner

from study import charts, report_formats, static_images
from study.cli import cli
from tests.test_findings import coded_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def drawing():
    if problem := charts.static_export_problem():
        pytest.skip(problem)


def running_in_group(group: int) -> list[int]:
    """Processes of the process group ``group`` that still run (zombies only wait to be reaped)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return found


def small_figure() -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))


def test_a_session_left_on_an_error_stops_the_whole_browser_group(drawing):
    with pytest.raises(RuntimeError, match="the build failed"):
        with static_images.StaticSession() as session:
            assert session.images([small_figure()]).result()[0].startswith(b"\x89PNG")
            group = session.browser_pid()
            assert running_in_group(group)  # the browser and its helpers
            raise RuntimeError("the build failed")
    assert running_in_group(group) == []


def test_a_session_left_while_the_browser_still_starts_leaves_nothing_running(drawing):
    with pytest.raises(KeyboardInterrupt):
        with static_images.StaticSession() as session:
            raise KeyboardInterrupt  # at once: the browser is still coming up
    group = session.browser_pid()
    assert group is None or running_in_group(group) == []


def test_a_bad_option_after_out_stops_the_browser_it_started(drawing, db_url, tmp_path, monkeypatch):
    sessions = []

    class Recorded(static_images.StaticSession):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            sessions.append(self)

    monkeypatch.setattr(report_formats, "StaticSession", Recorded)
    result = CliRunner().invoke(cli, ["--db", db_url, "report", "--out", str(tmp_path / "r.docx"), "--min", "many"])
    assert result.exit_code == 2 and "many" in result.output
    assert len(sessions) == 1  # --out is read first, and starts the browser at once
    group = sessions[0].browser_pid()
    assert group is None or running_in_group(group) == []
    assert not (tmp_path / "r.docx").exists()


def test_html_report_starts_no_browser(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(report_formats, "StaticSession", None)  # would fail if called
    with report_formats.figure_session(tmp_path / "r.html") as images:
        assert images is None


def test_ctrl_c_during_study_report_stops_the_browser(drawing, study, db_url, tmp_path):
    coded_study(study)
    command = [sys.executable, "-m", "study", "--db", db_url, "report", "--out", str(tmp_path / "r.docx")]
    # Ctrl-C as a terminal delivers it: a test runner started in the background (CI, xdist workers)
    # ignores SIGINT, its children inherit that, and Python then never turns SIGINT into Ctrl-C
    process = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    browsers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not browsers and process.poll() is None and time.monotonic() < deadline:
            browsers = children_of(process.pid)
            time.sleep(0.02)
        assert browsers, "study report did not start its browser"
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends to the command (the browser has its own group)
        process.communicate(timeout=60)
        assert process.returncode != 0
        assert all(running_in_group(browser) == [] for browser in browsers)
        assert not (tmp_path / "r.docx").exists()
    finally:
        for group in (process.pid, *browsers):
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        process.wait(timeout=30)
