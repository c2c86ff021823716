"""Shared fixtures: small studies in a temporary SQLite file, and on PostgreSQL when
``STUDY_TEST_PG_URL`` names a server (scripts/test.sh starts one)."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
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
    to have someone act, and at the production cost (RFC 9106's low-memory profile, ~0.3 s a
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


class SampleStudies:
    """The bundled sample study, built once per session (per xdist worker) with and without the
    raters' codings, and handed out as fresh SQLite copies: building it is seconds of imports,
    segmenting and coding; a copy is a file copy."""

    def __init__(self, folder: Path):
        self._folder, self._built = folder, {}

    def copy(self, destination: Path, with_codings: bool = True) -> Path:
        """A fresh copy at ``destination`` (a file path), for the caller alone to change."""
        if with_codings not in self._built:
            self._built[with_codings] = self._build(with_codings)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._built[with_codings], destination)
        return destination

    def _build(self, with_codings: bool) -> Path:
        from study.demo import build_sample_study

        path = self._folder / ("coded.db" if with_codings else "uncoded.db")
        study = Study.open(f"sqlite:///{path}")
        try:
            build_sample_study(study, with_codings=with_codings)
        finally:
            study.close()  # the last connection checkpoints SQLite's WAL into the file copied
        return path


@pytest.fixture(scope="session")
def sample_studies(tmp_path_factory) -> SampleStudies:
    """``sample_studies.copy(path, with_codings=...)``: a private copy of the bundled sample study."""
    return SampleStudies(tmp_path_factory.mktemp("sample-studies"))


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
    import sqlalchemy as sa

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


@pytest.fixture
def study(db_url) -> Study:
    s = Study.open(db_url)
    yield s
    s.close()


@pytest.fixture
def coded(study) -> Study:
    """``study`` as ``tests.factories.two_coders_study`` builds it (ADMIN, ALICE, BOB there)."""
    from tests.factories import two_coders_study

    return two_coders_study(study)


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
