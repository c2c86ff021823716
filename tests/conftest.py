"""Shared fixtures: small studies in a temporary SQLite file, and on PostgreSQL when
``STUDY_TEST_PG_URL`` names a server (scripts/test.sh starts one)."""
from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from study import auth
from study.store import Study

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebook" / "ptm_reuse.yaml"
REAL = Path(os.environ.get("STUDY_REAL_TRANSCRIPTS", ROOT.parent / "shared" / "real_transcripts"))

PRODUCTION_HASHER = auth._hasher
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("STUDY_TEST_PG_URL") else [])


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Argon2 at its lightest in this process, from the first fixture on: most tests add accounts
    to have someone act, and at the production cost (OWASP's minimum for Argon2id, ~0.05-0.3 s a
    hash) those hashes were most of their setup. Tests of the hashing are marked
    ``real_password_hashes``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        auth._dummy_hash.cache_clear()  # made with whichever hasher was current when first needed
        yield
    auth._dummy_hash.cache_clear()


@pytest.fixture(autouse=True)
def real_password_hashes(request, monkeypatch):
    """The production hasher again, for tests marked ``real_password_hashes``."""
    if request.node.get_closest_marker("real_password_hashes"):
        monkeypatch.setattr(auth, "_hasher", PRODUCTION_HASHER)
        auth._dummy_hash.cache_clear()
        yield
        auth._dummy_hash.cache_clear()
        return
    yield


def coded_sample_study(study: Study) -> None:
    from study.demo import build_sample_study

    build_sample_study(study, with_codings=True)


def uncoded_sample_study(study: Study) -> None:
    from study.demo import build_sample_study

    build_sample_study(study, with_codings=False)


class SampleStudies:
    """The bundled sample study, built once per session (per xdist worker) with and without the
    raters' codings (``StudyTemplates``), and handed out as fresh SQLite copies: building it is
    seconds of imports, segmenting and coding; a copy is a file copy."""

    def __init__(self, templates: StudyTemplates):
        self._templates = templates

    def copy(self, destination: Path, with_codings: bool = True) -> Path:
        """A fresh copy at ``destination`` (a new file path), for the caller alone to change."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        builder = coded_sample_study if with_codings else uncoded_sample_study
        self._templates.copy_into(f"sqlite:///{destination}", builder)
        return destination


@pytest.fixture(scope="session")
def sample_studies(study_templates) -> SampleStudies:
    """``sample_studies.copy(path, with_codings=...)``: a private copy of the bundled sample study."""
    return SampleStudies(study_templates)


@pytest.fixture
def real_transcripts() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real transcripts not present at {REAL}")
    return REAL


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'study.db'}"
        return
    yield from _postgres_database(os.environ["STUDY_TEST_PG_URL"])


def _postgres_database(server_url: str):
    name = f"study_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = server_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class StudyTemplates:
    """Studies a builder made once per session and backend, copied for each test that asks: a
    SQLite file copy, or a PostgreSQL ``CREATE DATABASE ... TEMPLATE``. For fixtures whose
    building (imports, codings, each its own audited transaction) cost more than their tests."""

    def __init__(self, folder: Path):
        self._folder, self._templates, self._dropped = folder, {}, []

    def copy_into(self, db_url: str, builder: Callable[[Study], object]) -> None:
        """Fill the empty, never opened database at ``db_url`` with what ``builder`` writes."""
        backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        key = (builder, backend)
        if key not in self._templates:
            self._templates[key] = self._build(db_url, backend, builder)
        template = self._templates[key]
        if backend == "sqlite":
            target = Path(db_url.removeprefix("sqlite:///"))
            assert not target.exists(), f"{target} was opened before its copy: ask for study_from, not study too"
            shutil.copyfile(template, target)
            return
        name = db_url.rsplit("/", 1)[1]
        with _admin(db_url) as conn:  # the test's empty database, recreated as a copy of the template
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def _build(self, db_url: str, backend: str, builder) -> str | Path:
        if backend == "sqlite":
            path = self._folder / f"{builder.__module__}.{builder.__qualname__}.db"
            url = f"sqlite:///{path}"
        else:
            path = f"study_template_{uuid.uuid4().hex[:12]}"
            with _admin(db_url) as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{path}"'))
            self._dropped.append((db_url, path))
            url = f"{db_url.rsplit('/', 1)[0]}/{path}"
        study = Study.open(url)
        try:
            builder(study)
        except BaseException:
            study.close()
            self._discard(backend, path)  # the next test builds afresh and fails with the real cause
            raise
        study.close()  # no connection left: a template must have none; SQLite's WAL checkpointed
        return path

    def _discard(self, backend: str, path) -> None:
        if backend == "sqlite":
            for leftover in path.parent.glob(path.name + "*"):  # the file, its WAL and shared memory
                leftover.unlink()

    def drop(self) -> None:
        for db_url, name in self._dropped:
            with _admin(db_url) as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _admin(db_url: str):
    """An autocommit connection to the server's ``postgres`` database, for CREATE/DROP DATABASE."""
    engine = sa.create_engine(db_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def study_templates(tmp_path_factory) -> Iterator[StudyTemplates]:
    templates = StudyTemplates(tmp_path_factory.mktemp("study-templates"))
    yield templates
    templates.drop()


@pytest.fixture
def study_from(request, db_url, study_templates) -> Iterator[Callable[[Callable[[Study], object]], Study]]:
    """``study_from(builder)``: the test's database (``db_url``, each backend) holding what
    ``builder(study)`` writes, built once per session and copied; ``builder`` must be a module-level
    function that writes the same whatever test asks (no per-test paths or clock-dependent reads)."""
    assert "study" not in request.fixturenames, "study_from fills db_url itself: a test cannot also ask for study"
    opened = []

    def open_copy(builder):
        study_templates.copy_into(db_url, builder)
        opened.append(Study.open(db_url))
        return opened[-1]

    yield open_copy
    for study in opened:
        study.close()


@pytest.fixture
def study(db_url) -> Study:
    s = Study.open(db_url)
    yield s
    s.close()


@pytest.fixture
def coded(study_from) -> Study:
    """A study as ``tests.factories.two_coders_study`` builds it (ADMIN, ALICE, BOB there)."""
    from tests.factories import two_coders_study

    return study_from(two_coders_study)


# The browser tests share Chromium and the sample apps (session fixtures): as one unit of work
# they start them once, on one worker, instead of on every worker that gets a browser file.
BROWSER_TESTS = "tests/browser"
# Handed out first, longest first, so that no long unit starts last and runs alone at the end.
FIRST_UNITS = (BROWSER_TESTS, "tests/test_install.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``-n N --dist loadfile`` (scripts/test.sh): each test file goes to one worker whole, so that
    module fixtures are built once, and the browser folder counts as one file."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class StudyScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return BROWSER_TESTS if path.startswith(BROWSER_TESTS + "/") else path

        def _assign_work_unit(self, node) -> None:
            for unit in reversed(FIRST_UNITS):
                if unit in self.workqueue:
                    self.workqueue.move_to_end(unit, last=False)
            super()._assign_work_unit(node)

    return StudyScheduling(config, log)


# -- where the suite's time goes ----------------------------------------------------------------
# The end of every run lists its slowest units of work (a test file, or the browser folder) with
# their worker and when each worker finished: with loadfile one long unit sets the run's floor,
# and CI's log is then enough to see which (pytest's --durations lists tests, not files).
UNITS_SHOWN = 15


def _unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return BROWSER_TESTS if path.startswith(BROWSER_TESTS + "/") else path


class UnitTimes:
    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.worker: dict[str, str] = {}
        self.worker_done: dict[str, float] = {}
        self.start = time.monotonic()

    def add(self, report) -> None:
        unit = _unit_of(report.nodeid)
        self.seconds[unit] = self.seconds.get(unit, 0.0) + report.duration  # setup, call and teardown
        node = getattr(report, "node", None)  # the xdist worker that ran it (the controller's view)
        worker = node.gateway.id if node is not None else "main"
        self.worker[unit] = worker
        self.worker_done[worker] = time.monotonic() - self.start

    def lines(self) -> list[str]:
        slowest = sorted(self.seconds.items(), key=lambda item: -item[1])[:UNITS_SHOWN]
        lines = [f"{seconds:8.1f} s  {self.worker[unit]:>4}  {unit}" for unit, seconds in slowest]
        for worker, done in sorted(self.worker_done.items()):
            total = sum(s for unit, s in self.seconds.items() if self.worker[unit] == worker)
            lines.append(f"worker {worker}: {total:.0f} s of tests, its last one ended {done:.0f} s into the run")
        return lines


UNIT_TIMES = UnitTimes()


def pytest_runtest_logreport(report) -> None:
    UNIT_TIMES.add(report)


def pytest_terminal_summary(terminalreporter) -> None:
    if UNIT_TIMES.seconds:
        terminalreporter.write_sep("=", f"slowest {UNITS_SHOWN} units of work (files; the browser folder is one)")
        for line in UNIT_TIMES.lines():
            terminalreporter.write_line(line)
