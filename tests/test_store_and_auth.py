"""The database: schema version checks, URLs; accounts: hashing, sign-in throttling, roles."""
from __future__ import annotations

import pytest
from argon2 import Type, extract_parameters
from sqlalchemy import create_engine, text

from study import auth
from study.errors import NotAllowed, SchemaVersionError, StudyError
from study.store import SCHEMA_VERSION, Meta, Study, User, resolve_url


def test_a_new_database_records_the_schema_version(study):
    with study.session() as session:
        assert session.get(Meta, "schema_version").value == str(SCHEMA_VERSION)


def test_a_database_from_a_newer_version_is_refused_with_advice(db_url):
    Study.open(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE study_meta SET value = :v WHERE key = 'schema_version'"), {"v": SCHEMA_VERSION + 1})
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="newer version of study.*upgrade"):
        Study.open(db_url)


def test_an_older_unknown_schema_is_refused_not_guessed(db_url):
    Study.open(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE study_meta SET value = '0' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="schema version 0"):
        Study.open(db_url)


def test_a_foreign_database_is_not_taken_over(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER)"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="not a study database"):
        Study.open(url)


def test_opening_without_create_needs_an_existing_study(tmp_path):
    with pytest.raises(StudyError, match="no study at"):
        Study.open(str(tmp_path / "missing.db"), create=False)


def test_bare_paths_mean_sqlite(tmp_path, monkeypatch):
    monkeypatch.delenv("STUDY_DB", raising=False)
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url(None) == "sqlite:///study.db"
    monkeypatch.setenv("STUDY_DB", "postgresql+psycopg://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"


@pytest.mark.real_password_hashes
def test_passwords_are_hashed_with_argon2_and_verified(study):
    auth.add_user(study, "alice", "coder", "correct horse", auth.CLI)
    with study.session() as session:
        stored = session.query(User).filter_by(name="alice").one().password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    # at no less than OWASP's minimum for Argon2id (Password Storage Cheat Sheet: 19 MiB of memory,
    # 2 iterations, 1 degree of parallelism), not a test's cheap one
    used = extract_parameters(stored)
    assert used.type is Type.ID and used.memory_cost >= 19 * 1024 and used.time_cost >= 2 and used.parallelism >= 1
    assert auth.sign_in(study, "alice", "correct horse") == auth.Actor("alice", "coder")
    with pytest.raises(NotAllowed, match="wrong user name or password"):
        auth.sign_in(study, "alice", "wrong horse")


def test_failed_sign_ins_are_throttled(study):
    auth.add_user(study, "alice", "coder", "correct horse", auth.CLI)
    for _ in range(auth.FREE_ATTEMPTS):
        with pytest.raises(NotAllowed, match="wrong"):
            auth.sign_in(study, "alice", "guess-guess")
    with pytest.raises(NotAllowed, match="too many failed sign-ins"):
        auth.sign_in(study, "alice", "correct horse")


def test_only_admins_manage_users(study):
    with pytest.raises(NotAllowed):
        auth.add_user(study, "mallory", "admin", "long-password", actor=auth.Actor("alice", "coder"))
    with pytest.raises(NotAllowed):
        auth.set_password(study, "bob", "long-password", actor=auth.Actor("alice", "coder"))


@pytest.mark.parametrize("name,role,password,problem", [
    ("consensus", "coder", "long-password", "cannot be a user name"),
    ("carol", "owner", "long-password", "unknown role"),
    ("carol", "coder", "short", "too short"),
])
def test_bad_accounts_are_refused_with_reasons(study, name, role, password, problem):
    with pytest.raises(StudyError, match=problem):
        auth.add_user(study, name, role, password, auth.CLI)


def test_a_browser_session_resumes_until_signed_out(study):
    auth.add_user(study, "alice", "coder", "correct horse", auth.CLI)
    token = auth.start_session(study, auth.sign_in(study, "alice", "correct horse"))
    assert auth.resume_session(study, token) == auth.Actor("alice", "coder")
    assert auth.resume_session(study, token + "x") is None and auth.resume_session(study, None) is None
    auth.end_session(study, token)
    assert auth.resume_session(study, token) is None


def test_sessions_carry_the_current_role_and_end_with_a_password_change(study):
    auth.add_user(study, "alice", "coder", "correct horse", auth.CLI)
    token = auth.start_session(study, auth.Actor("alice", "coder"))
    auth.set_role(study, "alice", "admin", auth.CLI)
    assert auth.resume_session(study, token) == auth.Actor("alice", "admin")
    auth.set_password(study, "alice", "battery staple", auth.CLI)
    assert auth.resume_session(study, token) is None


def test_an_expired_session_does_not_resume(study, monkeypatch):
    auth.add_user(study, "alice", "coder", "correct horse", auth.CLI)
    monkeypatch.setattr(auth, "SESSION_LIFETIME", auth.timedelta(seconds=-1))
    token = auth.start_session(study, auth.Actor("alice", "coder"))
    assert auth.resume_session(study, token) is None
