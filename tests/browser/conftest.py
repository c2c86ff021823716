"""Real-browser fixtures: the app served by `study app` on a free port, driven by Playwright
through Debian's Chromium (/usr/bin/chromium; never a downloaded browser).

Use ``demo_app`` (the sample study with the raters' codings) or ``fresh_demo_app`` (the same
study without codings, for tests that code), ``page_as("alice")`` for a signed-in page, and
``screenshot(page, "name")`` to save ``docs/screenshots/name.png``. Mark tests ``browser``.
A failed test's report shows its open pages (screenshot path, DOM state, console tail) and the
tail of each running app server's log.
"""
from __future__ import annotations

import os
import re
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

from study.app.session_handoff import COOKIE
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
# How long a wait for the app may take before the test fails: a bound, never a pause (a wait ends
# as soon as its condition holds). A run takes seconds on a 2-core machine at load 15.
LOAD_TIMEOUT = 60_000


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
        RUNNING.append(self)

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
        RUNNING.remove(self)

    def log_tail(self, lines: int = 25) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


RUNNING: list[AppServer] = []  # the app servers up now, whose logs a failed test shows


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
    return start_server(f"sqlite:///{db_path}", db_path.with_suffix(".log"))


def start_server(url: str, log: Path) -> AppServer:
    """`study app` over the study at ``url`` (its output in ``log``), up and answering; stopped if it never is."""
    server = AppServer(url, log)
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
        sync_api.expect.set_options(timeout=LOAD_TIMEOUT // 2)  # Playwright's 5 s is short under load
        yield chromium
        chromium.close()


def wait_until_loaded(page, timeout: float = LOAD_TIMEOUT) -> None:
    """Wait until the page's script run has finished and every lazy widget has rendered."""
    page.wait_for_selector(READY, state="attached", timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached",
                           timeout=timeout)
    page.wait_for_function('() => !document.querySelector(\'[data-testid="stSkeleton"]\')', timeout=timeout)


def sign_in(page, base_url: str, name: str, password: str | None = None) -> None:
    """Sign in on the sign-in page and wait until the first page after it is loaded and the
    browser holds the session cookie (a reload or another address is then still signed in)."""
    page.goto(base_url)
    wait_until_loaded(page)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password if password is not None else PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(f'{READY}:not([data-page="Sign in"])', state="attached", timeout=LOAD_TIMEOUT)
    wait_until_loaded(page)
    wait_for_session_cookie(page)


def has_session_cookie(page) -> bool:
    return any(c["name"] == COOKIE and c["value"] for c in page.context.cookies())


def wait_for_session_cookie(page, present: bool = True, timeout: float = 20) -> None:
    """Wait until the server has set (or, after signing out, cleared) the session cookie."""
    eventually(page, lambda: has_session_cookie(page) == present,
               f"the {COOKIE} cookie {'set' if present else 'cleared'}", timeout)


def eventually(page, check: Callable[[], object], what: str, timeout: float = 30) -> None:
    """Wait until ``check()`` is true (polled every 50 ms, the page kept serviced meanwhile); fail
    naming ``what`` was awaited. For effects outside the page: a cookie, a row in the study."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}, in vain")
        page.wait_for_timeout(50)


@pytest.fixture
def page_as(browser, request) -> Callable:
    """``page_as("alice")`` -> a page signed in as that demo account in its own context, loaded.
    Pass ``app=`` another AppServer (e.g. ``fresh_demo_app``) to use it instead of ``demo_app``."""
    contexts = []

    def open_page(name: str, app: AppServer | None = None, password: str | None = None):
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        record_console(context)
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


# -- what a failed browser test shows ------------------------------------------------------------

FAILURES = Path(tempfile.gettempdir()) / "study-browser-failures"
CONSOLE_LINES = 30


def record_console(context) -> None:
    """Keep the last console messages and uncaught page errors of a context's pages (a failed
    test prints them)."""
    log: list[str] = []
    context.study_console = log

    def keep(line: str) -> None:
        log.append(line[:500])
        del log[:-CONSOLE_LINES]

    context.on("console", lambda message: message.type in ("verbose", "debug") or keep(f"{message.type}: {message.text}"))
    context.on("weberror", lambda error: keep(f"page error: {error.error}"))


PAGE_STATE = """() => {
    const deep = (root, sel) => [...root.querySelectorAll(sel), ...[...root.querySelectorAll("*")]
        .filter(e => e.shadowRoot).flatMap(e => deep(e.shadowRoot, sel))];  // components live in shadow roots
    const attrs = (el) => el ? Object.fromEntries([...el.attributes].filter(a => a.name.startsWith("data-"))
                                                   .map(a => [a.name, a.value.slice(0, 80)])) : null;
    const text = (sel) => deep(document, sel).map(e => e.innerText.slice(0, 300));
    return {ready: attrs(deep(document, '[data-testid="study-page-ready"]')[0]),
            app: attrs(deep(document, '[data-testid="stApp"]')[0]),
            workspaces: deep(document, '[data-testid="coding-workspace"]').map(attrs),
            exceptions: text('[data-testid="stException"]'), alerts: text('[data-testid="stAlert"]')};
}"""


def describe_page(page, name: str) -> str:
    """One failed test's page: its address, a screenshot, its DOM state and console tail."""
    from playwright.sync_api import Error as PlaywrightError

    lines = [f"page {page.url}"]
    try:
        FAILURES.mkdir(parents=True, exist_ok=True)
        path = FAILURES / f"{name}.png"
        page.screenshot(path=str(path), timeout=10_000)
        lines.append(f"  screenshot: {path}")
        lines.append(f"  state: {page.evaluate(PAGE_STATE)}")
    except PlaywrightError as exc:  # a closed or hung page: say so, and show the rest
        lines.append(f"  (could not read the page: {str(exc).splitlines()[0]})")
    lines += [f"  console {line}" for line in getattr(page.context, "study_console", [])]
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test reports, while its pages are still open: each page's screenshot
    path, DOM state and console tail, and the tail of every running app server's log."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or "browser" not in item.funcargs:
        return
    pages = [p for context in item.funcargs["browser"].contexts for p in context.pages][-3:]
    test = re.sub(r"[^\w.-]+", "_", item.name)[:80]
    parts = [describe_page(page, f"{test}-{n}") for n, page in enumerate(pages)]
    parts += [f"app server {server.url} log tail:\n{server.log_tail()}" for server in servers_of(item)]
    report.sections.append(("browser diagnostics", "\n\n".join(parts)))


def servers_of(item) -> list:
    """The app servers up now: those this module started and those the test's fixtures hold. (A
    test module imports this file as ``tests.browser.conftest``, a second copy of the module that
    pytest loaded as ``conftest``, with a RUNNING list of its own.)"""
    found = {server.url: server for server in RUNNING}
    for value in item.funcargs.values():
        if hasattr(value, "log_tail") and hasattr(value, "url"):
            found.setdefault(value.url, value)
    return list(found.values())
