"""Shared fixtures: small studies in a temporary SQLite file, and on PostgreSQL when
``STUDY_TEST_PG_URL`` names a server (scripts/test.sh starts one)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from study.store import Study

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebook" / "ptm_reuse.yaml"
REAL = Path(os.environ.get("STUDY_REAL_TRANSCRIPTS", ROOT.parent / "shared" / "real_transcripts"))

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("STUDY_TEST_PG_URL") else [])


@pytest.fixture(autouse=True)
def cheap_password_hashes(request, monkeypatch):
    """Argon2 at its lightest in this process: most tests add accounts to have someone act, and at
    the production cost (RFC 9106's low-memory profile, ~0.3 s a hash) those hashes were most of
    their setup. Tests of the hashing itself are marked ``real_password_hashes``."""
    if request.node.get_closest_marker("real_password_hashes"):
        yield
        return
    from argon2 import PasswordHasher

    from study import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    auth._dummy_hash.cache_clear()  # made with whichever hasher was current when first needed
    yield
    auth._dummy_hash.cache_clear()


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
