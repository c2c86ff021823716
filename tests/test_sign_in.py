"""Sign-in throttling: per (account, client), growing waits, atomic under simultaneous guesses,
never against a correct password from a client that did not guess; audited; an admin unlocks."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from study import auth
from study.cli import cli
from study.errors import NotAllowed, SignInThrottled
from study.store import AuditEntry, SignInThrottle

PASSWORD = "correct horse"
ADMIN = auth.Actor("root", "admin")


@pytest.fixture
def alice(study):
    auth.add_user(study, "alice", "coder", PASSWORD, auth.CLI)
    return study


@pytest.fixture
def clock(monkeypatch):
    """auth's clock, moved by hand: ``clock.advance(seconds)``."""
    class Clock:
        now = auth.utcnow()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    clock = Clock()
    monkeypatch.setattr(auth, "utcnow", lambda: clock.now)
    return clock


def fail(study, client: str, name: str = "alice") -> None:
    with pytest.raises(NotAllowed, match="wrong user name or password"):
        auth.sign_in(study, name, "guess-guess", client=client)


def test_a_guessing_client_waits_but_the_owner_elsewhere_signs_in_at_once(alice, clock):
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, "10.0.0.66")
    with pytest.raises(SignInThrottled, match="wait 1 s"):
        auth.sign_in(alice, "alice", PASSWORD, client="10.0.0.66")  # even the right password waits here
    assert auth.sign_in(alice, "alice", PASSWORD, client="10.0.0.7") == auth.Actor("alice", "coder")


def test_waits_double_after_each_failure_past_the_free_attempts(alice, clock):
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, "c")
    # failure 3 -> 1 s, failure 4 -> 2 s, failure 5 -> 4 s (2 ** (failures - FREE_ATTEMPTS))
    for wait in (1, 2, 4):
        clock.advance(wait - 0.5)
        with pytest.raises(SignInThrottled, match=r"wait \d+ s"):
            auth.sign_in(alice, "alice", "guess-guess", client="c")
        clock.advance(0.6)
        fail(alice, "c")
    assert auth.retry_delay(100) == auth.MAX_DELAY


def test_a_correct_password_after_some_failures_resets_the_count(alice, clock):
    for _ in range(auth.FREE_ATTEMPTS - 1):
        fail(alice, "c")
    assert auth.sign_in(alice, "alice", PASSWORD, client="c").name == "alice"
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, "c")  # a fresh allowance: none of these is refused as throttled


def test_twelve_simultaneous_guesses_are_not_all_checked(alice, clock):  # time stands still
    def attempt(_):
        try:
            auth.sign_in(alice, "alice", "guess-guess", client="botnet-1")
        except SignInThrottled:
            return "throttled"
        except NotAllowed:
            return "checked"
        return "signed in"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count("checked") == auth.FREE_ATTEMPTS
    assert outcomes.count("throttled") == 12 - auth.FREE_ATTEMPTS


def test_unknown_names_are_checked_against_a_hash_like_known_ones(alice, monkeypatch):
    verified, real = [], auth._hasher  # the cheap hasher (tests/conftest.py)

    class Spy:
        def hash(self, password):
            return real.hash(password)

        def verify(self, stored, password):
            verified.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(auth, "_hasher", Spy())
    fail(alice, "c", name="nobody")
    fail(alice, "c", name="alice")
    assert len(verified) == 2 and all(h.startswith("$argon2") for h in verified)


def test_failed_and_throttled_sign_ins_are_audited(alice, clock):
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, "10.1.1.1")
    with pytest.raises(SignInThrottled):
        auth.sign_in(alice, "alice", PASSWORD, client="10.1.1.1")
    with alice.session() as session:
        entries = session.execute(select(AuditEntry.action, AuditEntry.after).where(
            AuditEntry.target == "alice", AuditEntry.action.like("sign_in%"))).all()
    actions = [action for action, _ in entries]
    assert actions.count("sign_in.failed") == auth.FREE_ATTEMPTS and actions.count("sign_in.throttled") == 1
    assert all(after == {"client": "10.1.1.1"} for _, after in entries)


def test_throttle_rows_are_bounded_by_count_and_age(alice, clock, monkeypatch):
    monkeypatch.setattr(auth, "THROTTLE_MAX_ROWS", 10)
    for i in range(15):
        fail(alice, f"10.0.0.{i}", name=f"nobody-{i}")
    with alice.session() as session:
        assert session.scalar(select(func.count()).select_from(SignInThrottle)) <= 10
    clock.advance(auth.THROTTLE_RETENTION.total_seconds() + 1)
    fail(alice, "10.9.9.9", name="someone")
    with alice.session() as session:
        assert session.scalar(select(func.count()).select_from(SignInThrottle)) == 2  # that attempt's two rows


def test_an_admin_unlocks_an_account(alice, clock):
    auth.add_user(alice, "root", "admin", "root-password", auth.CLI)
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, "c")
    with pytest.raises(NotAllowed, match="only an admin"):
        auth.unlock(alice, "alice", auth.Actor("alice", "coder"))
    assert auth.unlock(alice, "alice", ADMIN) == 1
    assert auth.sign_in(alice, "alice", PASSWORD, client="c").name == "alice"


def test_user_unlock_command(alice, db_url, clock):
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, "c")
    result = CliRunner().invoke(cli, ["--db", db_url, "user", "unlock", "alice"])
    assert result.exit_code == 0, result.output
    assert "Unlocked alice" in result.output
    assert auth.sign_in(alice, "alice", PASSWORD, client="c").name == "alice"
