"""Installed like a library: the built wheel, in a fresh virtual environment, gives `study demo`
and `study app` that work from any folder (the sample study and the app travel in the wheel)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "study", "transcripts_sample", "codebook")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtual environment with the wheel built from this checkout installed (its dependencies
    come from the test's own environment, so nothing is downloaded again)."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:  # a copy, so the build leaves nothing in the checkout
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "sample"))
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(tmp / "dist")],
                   check=True, capture_output=True, timeout=600)
    wheel = next((tmp / "dist").glob("study-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies (and pip) from this environment, after the venv's own packages
    (site / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300, env=_clean_env())
    return venv


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STUDY_DB")}
    return {**env, **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_installed_package_is_the_one_imported(installed, tmp_path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import study; print(study.__file__)"],
                           cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(installed)) and not where.startswith(str(ROOT))


def test_demo_builds_the_sample_study_from_any_folder(installed, tmp_path):
    done = subprocess.run([str(installed / "bin" / "study"), "--db", str(tmp_path / "demo.db"), "demo", "--no-app"],
                          cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "P10-2022-08-04" in done.stdout and "admin / study-demo" in done.stdout


def test_the_app_serves_from_the_installed_package(installed, tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [str(installed / "bin" / "study"), "--db", str(tmp_path / "app.db"), "app", "--port", str(port)],
        cwd=tmp_path, env=_clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        health = _get_when_up(f"http://127.0.0.1:{port}/_stcore/health", server)
        assert health == (200, b"ok")
        status, page = _get_when_up(f"http://127.0.0.1:{port}/", server)
        assert status == 200 and b"<html" in page.lower()
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the whole process group: Streamlit and anything it started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def _get_when_up(url: str, server: subprocess.Popen, wait: float = 180.0) -> tuple[int, bytes]:
    deadline = time.monotonic() + wait
    while True:
        if server.poll() is not None:
            pytest.fail(f"the app stopped: {server.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
