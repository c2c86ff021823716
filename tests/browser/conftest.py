"""Real-browser fixtures: the app served by `study app` on a free port, driven by Playwright
through Debian's Chromium (/usr/bin/chromium; never a downloaded browser).

Use ``demo_app`` (the sample study with the raters' codings) or ``fresh_demo_app`` (the same
study without codings, for tests that code), ``page_as("alice")`` for a signed-in page, and
``screenshot(page, "name")`` to save ``docs/screenshots/name.png``. Mark tests ``browser``.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from study.demo import DEMO_ACCOUNTS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# The README's screenshots are refreshed only when asked (STUDY_UPDATE_SCREENSHOTS=1), so that a
# test run leaves the working tree as it was.
SCREENSHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("STUDY_UPDATE_SCREENSHOTS")
               else Path(tempfile.gettempdir()) / "study-screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}
PASSWORDS = {account.name: account.password for account in DEMO_ACCOUNTS}
# The app marks each finished page run with this element (app.py); a page is loaded when it is
# present, the script is not running and no lazy-loaded widget still shows as a skeleton.
READY = '[data-testid="study-page-ready"]'


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def study_command() -> list[str]:
    """The `study` command, installed or run from this checkout."""
    installed = shutil.which("study")
    return [installed] if installed else [sys.executable, "-c", "from study.cli import main; main()"]


class AppServer:
    """`study --db URL app --port N` in a subprocess of its own process group, until stopped
    (the whole group: nothing it started outlives the tests)."""

    def __init__(self, db_url: str, log: Path):
        self.db_url, self.port = db_url, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [*study_command(), "--db", db_url, "app", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.log_path = log

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited ({self.process.returncode}):\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the app did not answer within {timeout} s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        stop_process_group(self.process)
        self._log.close()


def stop_process_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM to the process group ``process`` leads (started with start_new_session=True), then
    SIGKILL to whatever of it is left after ``timeout`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group, and the leader if it hung
    except ProcessLookupError:
        pass
    process.wait()


def start_app(db_path: Path) -> AppServer:
    server = AppServer(f"sqlite:///{db_path}", db_path.with_suffix(".log"))
    try:
        server.wait_until_up()
    except Exception:
        server.stop()
        raise
    return server


def sample_app(tmp_path_factory, sample_studies, name: str, with_codings: bool) -> Iterator[AppServer]:
    """`study app` serving its own copy of the sample study, until the fixture using it ends."""
    server = start_app(sample_studies.copy(tmp_path_factory.mktemp(name) / "study.db", with_codings))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory, sample_studies) -> Iterator[AppServer]:
    """The sample study (with the sample raters' codings) served by `study app`; ``.url``, ``.db_url``."""
    yield from sample_app(tmp_path_factory, sample_studies, "demo", with_codings=True)


@pytest.fixture(scope="session")
def fresh_demo_app(tmp_path_factory, sample_studies) -> Iterator[AppServer]:
    """The sample study without codings: for tests that code transcripts from scratch."""
    yield from sample_app(tmp_path_factory, sample_studies, "fresh", with_codings=False)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright's sync API."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (scripts/ensure_system_packages.sh)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_until_loaded(page, timeout: float = 20_000) -> None:
    """Wait until the page's script run has finished and every lazy widget has rendered."""
    page.wait_for_selector(READY, state="attached", timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached",
                           timeout=timeout)
    page.wait_for_function('() => !document.querySelector(\'[data-testid="stSkeleton"]\')', timeout=timeout)


def sign_in(page, base_url: str, name: str, password: str | None = None) -> None:
    """Sign in on the sign-in page and wait until the first page after it is loaded."""
    page.goto(base_url)
    wait_until_loaded(page)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password if password is not None else PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(f'{READY}:not([data-page="Sign in"])', state="attached", timeout=20_000)
    wait_until_loaded(page)


@pytest.fixture
def page_as(browser, request) -> Callable:
    """``page_as("alice")`` -> a page signed in as that demo account in its own context, loaded.
    Pass ``app=`` another AppServer (e.g. ``fresh_demo_app``) to use it instead of ``demo_app``."""
    contexts = []

    def open_page(name: str, app: AppServer | None = None, password: str | None = None):
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, (app or request.getfixturevalue("demo_app")).url, name, password)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save the visible page as docs/screenshots/<name>.png (the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture(name="screenshot")
def screenshot_fixture() -> Callable:
    return screenshot
