"""`study app` is the server process itself: a SIGTERM sent to it (a service manager, a container
stop) stops Streamlit, and the port is free again."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.browser.conftest import ROOT, free_port, stop_process_group

pytest.importorskip("streamlit")


def _port_is_free(port: int) -> bool:
    """Free for a new server: bindable as servers bind (SO_REUSEADDR), so the closed health checks'
    TIME_WAIT entries do not count as a server still listening."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_until_up(process: subprocess.Popen, port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "study app exited before serving"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"study app did not answer within {timeout} s")


def test_sigterm_to_study_app_stops_the_server_and_frees_the_port(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "study", "--db", str(tmp_path / "study.db"), "app", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _wait_until_up(process, port)
        os.kill(process.pid, signal.SIGTERM)  # to `study app` only, as a service manager would
        process.wait(timeout=60)
        deadline = time.monotonic() + 10
        while not _port_is_free(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _port_is_free(port), "the Streamlit server outlived `study app`"
    finally:
        stop_process_group(process)
