"""Accounts, roles and the permission rules every read and write goes through.

Roles: ``admin`` manages the study and sees every rater's codings; ``coder`` codes and sees
only their own; ``system`` is the consensus rater, which never signs in.
"""
from __future__ import annotations

import difflib
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .errors import BadValue, Conflict, InvalidName, NotAllowed, NotFound, SignInThrottled
from .names import check_name, check_rater_name
from .store import CONSENSUS, AppSession, SignInDevice, SignInThrottle, Study, User, audit, get_user, utcnow

ROLES = ("admin", "coder")
FREE_ATTEMPTS = 3  # failed sign-ins in a row for one account from one client before waits begin
CLIENT_FREE_ATTEMPTS = 20  # a client's failures over all account names before its waits begin
MAX_DELAY = timedelta(minutes=15)
THROTTLE_RETENTION = timedelta(days=1)  # idle throttle rows are forgotten after this
THROTTLE_MAX_ROWS = 5000
ACCOUNT_KEY_LENGTH = 200  # the user-name column's length
SESSION_LIFETIME = timedelta(hours=12)
DEVICE_LIFETIME = timedelta(days=180)  # a browser that has not signed in for this long is no longer known
MAX_DEVICES = 20  # browsers remembered per account (the latest)
# OWASP's first Argon2id configuration (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane),
# not argon2-cffi's default (RFC 9106's low-memory profile, 64 MiB x 3 passes x 4 lanes): that cost
# 0.3 s a check on a quiet 2-core server and 1.8 s on a busy one, most of a sign-in. Hashes made
# with other parameters still verify (each hash names its own). Never below OWASP's minimum.
PASSWORD_HASH_COST = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
_hasher = PasswordHasher(**PASSWORD_HASH_COST)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user, or the command line (which owns the database file)."""

    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "system")

    def may_read_rater(self, rater: str) -> bool:
        return self.is_admin or rater == self.name

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise NotAllowed(f"only an admin may {what}; ask your study's admin")

    def require_rater(self, rater: str, what: str) -> None:
        """``what`` (e.g. "read the codings") of ``rater``: an admin's anyone's, a coder's their own only."""
        if not self.may_read_rater(rater):
            raise NotAllowed(f"{self.name} may not {what} of {rater}: coders see and change only their own work")


CLI = Actor("cli", "system")


def add_user(study: Study, name: str, role: str, password: str | None, actor: Actor) -> None:
    actor.require_admin("add users")
    name = check_name("user", name)
    if name.casefold() == CONSENSUS:
        raise InvalidName(f"{name!r} cannot be a user name; choose another")
    if role not in ROLES:
        raise BadValue(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    _check_password(password)
    with study.session() as session:
        user = get_user(session, name)
        if user is not None and user.password_hash:
            raise Conflict(f"user {name!r} exists already", "change their password instead", remedy="change_password",
                             name=name)
        if user is None:
            user = User(name=name)
            session.add(user)
        user.role, user.password_hash = role, _hasher.hash(password) if password else None
        audit(session, actor.name, "user.add", name, after={"role": role})


def set_password(study: Study, name: str, password: str, actor: Actor) -> None:
    if actor.name != name:
        actor.require_admin("change another user's password")
    _check_password(password)
    with study.session() as session:
        user = _existing_user(session, name)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(AppSession).where(AppSession.user_id == user.id))  # signed out everywhere
        session.execute(delete(SignInDevice).where(SignInDevice.user_id == user.id))  # and no browser known
        audit(session, actor.name, "user.passwd", name)


def set_role(study: Study, name: str, role: str, actor: Actor) -> None:
    actor.require_admin("change roles")
    if role not in ROLES:
        raise BadValue(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    with study.session() as session:
        user = _existing_user(session, name)
        before, user.role = user.role, role
        audit(session, actor.name, "user.role", name, before={"role": before}, after={"role": role})


def sign_in(study: Study, name: str, password: str, client: str | None = None,
            device: str | None = None) -> Actor:
    """The actor for valid credentials, signing in from ``client`` (the browser's address; None for
    this machine) with ``device``, the token of the browser's device cookie if it has one.

    Throttling follows OWASP's device cookies. A browser that signed in to this account before
    (``remember_device``) counts only its own failures: failures from elsewhere never make it
    wait. Any other attempt counts per (account, client address): after FREE_ATTEMPTS failures in
    a row, each further attempt waits twice as long as the last (up to MAX_DELAY), and an address
    failing across many account names is slowed the same way after CLIENT_FREE_ATTEMPTS. So a
    guesser sharing the user's address (NAT, a proxy) slows new browsers there, never the user's
    own; an admin can lift any wait (``unlock``). The attempt is counted before the password is
    checked, in one locked transaction, so simultaneous guesses cannot all slip under the limit.
    Unknown names cost the same hash check as known ones. Every failure is audited.
    """
    # Keys any database stores (PostgreSQL refuses NUL): no name with one, or longer, exists.
    account = name.replace("\x00", "\ufffd")[:ACCOUNT_KEY_LENGTH]
    client = client.replace("\x00", "\ufffd")[:100] if isinstance(client, str) and client else "local"
    with study.session() as session:
        counters = _counters(account, client, _known_browser(session, account, device))
    seen = {"client": client, "known_browser": counters[0].client != client}
    _reserve_attempt(study, counters, seen)
    with study.session() as session:
        user = get_user(session, name) if account == name else None
        stored = user.password_hash if user is not None and user.password_hash else None
    if _verifies(stored or _dummy_hash(), password) and stored is not None:
        with study.session() as session:
            _forget_failure(session, counters)
            audit(session, user.name, "sign_in", user.name, after=seen)
        return Actor(user.name, user.role)
    with study.session() as session:
        _restart_waits(session, counters)
        audit(session, account, "sign_in.failed", account, after=seen)
    raise NotAllowed("wrong user name or password")


def remember_device(study: Study, actor: Actor, device: str | None) -> str:
    """The device token of the browser ``actor`` has just signed in with, for a long-lived cookie:
    the one it showed when it is this account's (its time renewed), else a new one. Only its hash
    is stored; a browser unused for DEVICE_LIFETIME, or a password change, forgets it."""
    with study.session() as session:
        user = _existing_user(session, actor.name)
        row = session.get(SignInDevice, _token_hash(device)) if isinstance(device, str) and device else None
        if row is None or row.user_id != user.id or _as_utc(row.last_at) < utcnow() - DEVICE_LIFETIME:
            device = secrets.token_urlsafe(32)
            row = SignInDevice(token_hash=_token_hash(device), user_id=user.id)
            session.add(row)
        row.last_at = utcnow()
        session.flush()
        _prune_devices(session, user.id)
    return device


def unlock(study: Study, name: str, actor: Actor) -> int:
    """Lift every sign-in wait on account ``name`` (from any client); the number of clients freed."""
    actor.require_admin("unlock accounts")
    with study.session() as session:
        _existing_user(session, name)
        freed = session.execute(delete(SignInThrottle).where(SignInThrottle.account == name)).rowcount
        audit(session, actor.name, "user.unlock", name, after={"clients": freed})
    return freed


def retry_delay(failures: int, free: int = FREE_ATTEMPTS) -> timedelta:
    """How long a client waits after ``failures`` failed sign-ins in a row: nothing for the first
    ``free``, then 1 s, 2 s, 4 s... up to MAX_DELAY."""
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free, 20)), MAX_DELAY)


@dataclass(frozen=True)
class _Counter:
    """One throttle row an attempt counts on: failures for ``account`` ("" for every account)
    from ``client`` (an address, or a known browser's key), free for the first ``free``."""

    account: str
    client: str
    free: int


def _counters(account: str, client: str, browser: str | None) -> list[_Counter]:
    """A known browser counts its own failures only; any other attempt counts for the account and
    for the whole address."""
    if browser is not None:
        return [_Counter(account, browser, FREE_ATTEMPTS)]
    return [_Counter(account, client, FREE_ATTEMPTS), _Counter("", client, CLIENT_FREE_ATTEMPTS)]


def _known_browser(session: Session, account: str, device: str | None) -> str | None:
    """The throttle key of a browser that signed in to ``account`` before (its device token, shown
    within DEVICE_LIFETIME of its last sign-in); None for any other browser."""
    if not isinstance(device, str) or not device or len(device) > 200:
        return None
    row = session.get(SignInDevice, _token_hash(device))
    if row is None or _as_utc(row.last_at) < utcnow() - DEVICE_LIFETIME:
        return None
    user = session.get(User, row.user_id)
    return f"device:{row.token_hash}" if user is not None and user.name == account else None


def _reserve_attempt(study: Study, counters: list[_Counter], seen: dict) -> None:
    """Count this attempt as a failure before the password is checked (a success forgets it), or
    refuse it while the client must wait. One transaction holding the rows' locks."""
    account = counters[0].account
    with study.session() as session:
        rows = [_locked_throttle(session, c.account, c.client, utcnow()) for c in counters]
        now = utcnow()  # read once the locks are held: a wait set by the attempt before is measured from it
        waits = [_as_utc(row.blocked_until) - now for row in rows]
        if max(waits) > timedelta(0):
            audit(session, account, "sign_in.throttled", account, after=seen)
            wait = max(1, round(max(waits).total_seconds()))
            where = "this browser" if seen["known_browser"] else "this address"
            refusal = SignInThrottled(
                f"too many failed sign-ins for {account!r} from {where}",
                f"wait {wait} s and try again, or ask your study's admin to unlock the account", wait)
        else:
            refusal = None
            for row, counter in zip(rows, counters):
                row.failures += 1
                row.last_at, row.blocked_until = now, now + retry_delay(row.failures, counter.free)
            _prune_throttle(session, now)
    if refusal is not None:  # raised after the block, so that the audit entry is committed
        raise refusal


def _locked_throttle(session: Session, account: str, client: str, now) -> SignInThrottle:
    """The throttle row for (account, client), created if missing, locked until the transaction ends
    (row lock on PostgreSQL; SQLite's write lock, taken by the insert, covers the whole file; a
    SELECT first would read outside the transaction under pysqlite, and a write after it would
    put back stale values)."""
    table = SignInThrottle.__table__
    values = {"account": account, "client": client, "failures": 0, "blocked_until": now, "last_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())
    return session.scalars(
        select(SignInThrottle).where(SignInThrottle.account == account, SignInThrottle.client == client)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def _restart_waits(session: Session, counters: list[_Counter]) -> None:
    """A confirmed failure: the client's waits count from now, not from before the (slow) check."""
    for counter in counters:
        row = _locked_throttle(session, counter.account, counter.client, utcnow())  # never a stale read written back
        row.blocked_until = max(_as_utc(row.blocked_until), utcnow() + retry_delay(row.failures, counter.free))


def _forget_failure(session: Session, counters: list[_Counter]) -> None:
    """A success clears the account's count for this client and takes back its reserved attempt
    from the client's count over all accounts."""
    for counter in counters:
        if counter.account:
            session.execute(delete(SignInThrottle).where(SignInThrottle.account == counter.account,
                                                         SignInThrottle.client == counter.client))
            continue
        client_row = session.get(SignInThrottle, ("", counter.client), with_for_update=True)
        if client_row is not None and client_row.failures > 0:
            client_row.failures -= 1
            client_row.blocked_until = utcnow() + retry_delay(client_row.failures, counter.free)


def _prune_devices(session: Session, user_id: int) -> None:
    """Forget browsers unused for DEVICE_LIFETIME, and all but a user's MAX_DEVICES latest."""
    session.execute(delete(SignInDevice).where(SignInDevice.last_at < utcnow() - DEVICE_LIFETIME))
    kept = select(SignInDevice.token_hash).where(SignInDevice.user_id == user_id) \
        .order_by(SignInDevice.last_at.desc()).limit(MAX_DEVICES)
    session.execute(delete(SignInDevice).where(SignInDevice.user_id == user_id,
                                               SignInDevice.token_hash.not_in(kept.scalar_subquery())))


def _prune_throttle(session: Session, now) -> None:
    """Keep the throttle table bounded: rows idle past THROTTLE_RETENTION go, and beyond
    THROTTLE_MAX_ROWS the least recently used go (their clients start afresh, nothing worse)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.last_at < now - THROTTLE_RETENTION))
    excess = session.scalar(select(func.count()).select_from(SignInThrottle)) - THROTTLE_MAX_ROWS
    if excess > 0:
        oldest = select(SignInThrottle.last_at).order_by(SignInThrottle.last_at).offset(excess - 1).limit(1)
        session.execute(delete(SignInThrottle).where(SignInThrottle.last_at <= oldest.scalar_subquery()))


def _as_utc(moment):
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment  # SQLite: naive


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown names against, so that they take as long as known ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def start_session(study: Study, actor: Actor) -> str:
    """A new browser session for a signed-in actor: the token for its cookie (only a hash is stored)."""
    token = secrets.token_urlsafe(32)
    with study.session() as session:
        user = _existing_user(session, actor.name)
        session.add(AppSession(token_hash=_token_hash(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME))
    return token


def resume_session(study: Study, token: str | None) -> Actor | None:
    """The actor a session token belongs to, with the user's current role; None when unknown or expired."""
    if not isinstance(token, str) or not token:
        return None
    key = _token_hash(token)
    with study.session() as session:  # one statement: every click and every page run asks
        row = session.execute(
            select(AppSession.expires_at, User.name, User.role, User.password_hash)
            .outerjoin(User, User.id == AppSession.user_id).where(AppSession.token_hash == key)
        ).first()
        if row is None:
            return None
        if _as_utc(row.expires_at) < utcnow() or row.name is None or not row.password_hash:
            session.execute(delete(AppSession).where(AppSession.token_hash == key))
            return None
        return Actor(row.name, row.role)


def end_session(study: Study, token: str | None) -> None:
    """Sign a browser out: its token no longer resumes anything."""
    if token:
        with study.session() as session:
            session.execute(delete(AppSession).where(AppSession.token_hash == _token_hash(token)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def users(study: Study) -> list[dict]:
    with study.session() as session:
        rows = session.scalars(select(User).where(User.role != "system").order_by(User.id)).all()
        return [{"name": u.name, "role": u.role, "can_sign_in": bool(u.password_hash)} for u in rows]


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str | None) -> None:
    if password is not None and len(password) < 8:
        raise BadValue("the password is too short: use at least 8 characters")


def _existing_user(session: Session, name: str) -> User:
    user = get_user(session, check_name("user", name))
    if user is None:
        raise NotFound(f"no user named {name!r}", "an admin adds the user first", remedy="add_user", name=name)
    return user


def require_rater_id(session: Session, actor: Actor, rater_id: int | None, what: str, write: bool = False) -> None:
    """``actor`` may read (or, with ``write``, change) the work of the rater with id ``rater_id``:
    an admin anyone's, a coder their own only."""
    if actor.is_admin:
        return
    user = session.get(User, rater_id) if rater_id is not None else None
    if user is None or user.name != actor.name:
        raise NotAllowed(f"{actor.name} may not {what} of another rater: coders see and change only their own work")


def rater_user(session: Session, name: str) -> User:
    """The rater named ``name``; NotFound (with the closest names) when there is none. A lookup
    only: whoever asks still checks what ``actor`` may read of the rater's work."""
    name = check_name("rater", name)
    user = get_user(session, name)
    if user is None:
        hint = _close_names(session, name)
        raise NotFound(f"no rater named {name!r}", f"{hint}raters are the users who coded", remedy="list_users",
                       hint=hint)
    return user


def _close_names(session: Session, name: str) -> str:
    close = difflib.get_close_matches(name, list(session.scalars(select(User.name))), n=2)
    return f"did you mean {' or '.join(close)}? " if close else ""


def writable_rater(session: Session, actor: Actor, name: str) -> User:
    """The rater whose work ``actor`` changes: the actor themselves, or anyone for an admin (checked
    before the lookup, so a coder learns nothing of other names). An unknown name is refused,
    naming it, the closest names and how to add it: a mistyped ``--rater`` never becomes a new
    rater (only ``importing_rater`` adds one), and none writes into the consensus by its name."""
    name = check_rater_name(name)
    actor.require_rater(name, "change the work")
    user = get_user(session, name)
    if user is None:
        hint = _close_names(session, name)
        raise NotFound(f"no rater named {name!r}", f"{hint}an admin adds a new rater as a user first",
                       remedy="add_rater", name=name, hint=hint)
    return user


def importing_rater(session: Session, actor: Actor, name: str, where: str = "") -> tuple[User, bool]:
    """The rater an import of another coder's work (a codings file, a project) writes for, and
    whether the import added them: a new name becomes a coder without password (a file may name
    raters who never sign in), never a name the system uses, such as the consensus's. The import
    says in its summary whom it added. ``where`` prefixes a name error."""
    name = check_rater_name(name, where=where)
    actor.require_rater(name, "change the work")
    user = get_user(session, name)
    if user is not None:
        return user, False
    user = User(name=name, role="coder")
    session.add(user)
    session.flush()
    return user, True


def consensus_user(session: Session) -> User:
    """The system rater holding the adjudicated codings (created on first use)."""
    user = get_user(session, CONSENSUS)
    if user is None:
        user = User(name=CONSENSUS, role="system")
        session.add(user)
        session.flush()
    return user
