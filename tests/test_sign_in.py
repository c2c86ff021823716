"""Sign-in throttling: per (account, client), growing waits, atomic under simultaneous guesses,
never against a correct password from a client that did not guess; a browser that signed in before
waits only for its own failures; a client's address comes from X-Forwarded-For only through a
proxy the admin named; audited; an admin unlocks."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from study import auth
from study.app.proxies import check_server_settings, server_settings
from study.cli import cli
from study.errors import NotAllowed, SignInThrottled, StudyError
from study.store import AuditEntry, SignInDevice, SignInThrottle

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
    assert all(after == {"client": "10.1.1.1", "known_browser": False} for _, after in entries)


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


# -- a browser that signed in before (OWASP's device cookies) ----------------------------------

SHARED = "192.0.2.10"  # the lab's one address (NAT): the user and a guesser both come from it


def everyday_browser(study, name: str = "alice", password: str = PASSWORD) -> str:
    """The device token of the browser ``name`` signs in with every day."""
    return auth.remember_device(study, auth.sign_in(study, name, password, client=SHARED), None)


def test_guesses_from_a_shared_address_never_make_the_users_own_browser_wait(alice, clock):
    device = everyday_browser(alice)
    for n in range(auth.CLIENT_FREE_ATTEMPTS + 5):  # her name and many others: the address's count too
        with pytest.raises(NotAllowed):
            auth.sign_in(alice, "alice" if n % 2 else f"user-{n}", "guess-guess", client=SHARED)
    with pytest.raises(SignInThrottled, match="from this address"):  # a new browser there waits
        auth.sign_in(alice, "alice", PASSWORD, client=SHARED)
    assert auth.sign_in(alice, "alice", PASSWORD, client=SHARED, device=device).name == "alice"


def test_a_known_browser_waits_for_its_own_failures_only(alice, clock):
    device = everyday_browser(alice)
    for _ in range(auth.FREE_ATTEMPTS):
        fail_from(alice, SHARED, device)
    with pytest.raises(SignInThrottled, match="from this browser"):
        auth.sign_in(alice, "alice", PASSWORD, client=SHARED, device=device)
    assert auth.sign_in(alice, "alice", PASSWORD, client=SHARED).name == "alice"  # the address never failed
    clock.advance(1)
    assert auth.sign_in(alice, "alice", PASSWORD, client=SHARED, device=device).name == "alice"


def test_another_accounts_browser_is_a_stranger(alice, clock):
    auth.add_user(alice, "bob", "coder", "bob-password", auth.CLI)
    bobs = everyday_browser(alice, "bob", "bob-password")
    for _ in range(auth.FREE_ATTEMPTS):
        fail_from(alice, SHARED, bobs)  # guessing alice's password from bob's browser
    with pytest.raises(SignInThrottled, match="from this address"):
        auth.sign_in(alice, "alice", PASSWORD, client=SHARED, device=bobs)
    assert auth.sign_in(alice, "bob", "bob-password", client=SHARED, device=bobs).name == "bob"


@pytest.mark.parametrize("forget", ["unused for the lifetime", "password changed"])
def test_a_browser_is_forgotten_after_its_lifetime_or_a_password_change(alice, clock, forget):
    device = everyday_browser(alice)
    if forget == "password changed":
        auth.set_password(alice, "alice", "a new horse", auth.CLI)
    else:
        clock.advance(auth.DEVICE_LIFETIME.total_seconds() + 1)
    for _ in range(auth.FREE_ATTEMPTS):
        fail(alice, SHARED)
    password = "a new horse" if forget == "password changed" else PASSWORD
    with pytest.raises(SignInThrottled):
        auth.sign_in(alice, "alice", password, client=SHARED, device=device)
    assert auth.remember_device(alice, auth.Actor("alice", "coder"), device) != device  # a new token


def test_device_tokens_are_stored_as_hashes_and_bounded_per_account(alice, clock, monkeypatch):
    monkeypatch.setattr(auth, "MAX_DEVICES", 3)
    devices = []
    for _ in range(5):
        devices.append(everyday_browser(alice))
        clock.advance(1)
    assert auth.remember_device(alice, auth.Actor("alice", "coder"), devices[-1]) == devices[-1]  # kept
    with alice.session() as session:
        stored = set(session.scalars(select(SignInDevice.token_hash)))
    assert len(stored) == 3 and not stored & set(devices)


def test_failures_of_a_known_browser_are_audited_and_an_admin_unlocks_them(alice, clock):
    device = everyday_browser(alice)
    for _ in range(auth.FREE_ATTEMPTS):
        fail_from(alice, SHARED, device)
    with alice.session() as session:
        seen = session.scalars(select(AuditEntry.after).where(AuditEntry.action == "sign_in.failed")).all()
    assert seen == [{"client": SHARED, "known_browser": True}] * auth.FREE_ATTEMPTS
    assert auth.unlock(alice, "alice", auth.CLI) == 1
    assert auth.sign_in(alice, "alice", PASSWORD, client=SHARED, device=device).name == "alice"


def fail_from(study, client: str, device: str, name: str = "alice") -> None:
    with pytest.raises(NotAllowed, match="wrong user name or password"):
        auth.sign_in(study, name, "guess-guess", client=client, device=device)


# -- whose X-Forwarded-For counts -------------------------------------------------------------


def address_seen(monkeypatch, proxies: tuple[str, ...], peer: str, forwarded: str | None) -> str:
    """The client address the app receives from the web server Streamlit runs (uvicorn), started
    with the settings `study app --trusted-proxy ...` gives it, for a request from ``peer``."""
    uvicorn = pytest.importorskip("uvicorn")
    for name, value in server_settings(proxies).items():
        monkeypatch.setenv(name, value)
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["client"][0])

    config = uvicorn.Config(app, lifespan="off")
    config.load()
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope = {"type": "websocket", "client": (peer, 50000), "headers": headers, "scheme": "ws"}
    # a thread of its own: in a worker that ran the browser tests, Playwright's loop is running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, config.loaded_app(scope, None, None)).result()
    return seen[0]


def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for(monkeypatch):
    # without a named proxy the header is never honoured, even from this machine (uvicorn's own default)
    assert address_seen(monkeypatch, (), "127.0.0.1", "6.6.6.6") == "127.0.0.1"
    assert address_seen(monkeypatch, (), "203.0.113.9", "6.6.6.6") == "203.0.113.9"
    # behind a named proxy the client is the address the proxy saw; others still cannot forge
    assert address_seen(monkeypatch, ("127.0.0.1",), "127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert address_seen(monkeypatch, ("127.0.0.1",), "127.0.0.1", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert address_seen(monkeypatch, ("127.0.0.1",), "203.0.113.9", "6.6.6.6") == "203.0.113.9"


def test_the_server_starts_only_with_the_proxies_the_admin_named():
    check_server_settings(server_settings(["127.0.0.1", "10.0.0.0/8"]))
    with pytest.raises(RuntimeError, match="start it with `study app`"):
        check_server_settings({})  # uvicorn would trust 127.0.0.1 by default
    with pytest.raises(RuntimeError):
        check_server_settings({"STUDY_TRUSTED_PROXIES": "", "FORWARDED_ALLOW_IPS": "*"})
    with pytest.raises(StudyError, match="'\\*' is not an IP address"):
        server_settings(["*"])


def test_study_app_refuses_a_proxy_that_is_no_address(db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "app", "--trusted-proxy", "proxy.example.org"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: 'proxy.example.org' is not an IP address or network of a proxy; "
                                     "name each reverse proxy by its address, e.g. 127.0.0.1, or its network, "
                                     "e.g. 10.0.0.0/8")
