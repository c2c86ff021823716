"""Accounts, roles and the permission rules every read and write goes through.

Roles: ``admin`` manages the study and sees every rater's codings; ``coder`` codes and sees
only their own; ``system`` is the consensus rater, which never signs in.
"""
from __future__ import annotations

import difflib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .errors import NotAllowed, NotFound, StudyError
from .names import check_rater_name
from .store import CONSENSUS, AppSession, SignInFailure, Study, User, audit, get_user, utcnow

ROLES = ("admin", "coder")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()


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
        if not self.may_read_rater(rater):
            raise NotAllowed(f"{self.name} may not {what} of {rater}: coders see only their own codings")


CLI = Actor("cli", "system")


def add_user(study: Study, name: str, role: str, password: str | None, actor: Actor = CLI) -> None:
    actor.require_admin("add users")
    name = name.strip()
    if not name or name.casefold() == CONSENSUS:
        raise StudyError(f"{name!r} cannot be a user name; choose another")
    if role not in ROLES:
        raise StudyError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    _check_password(password)
    with study.session() as session:
        user = get_user(session, name)
        if user is not None and user.password_hash:
            raise StudyError(f"user {name!r} exists already; use `study user passwd {name}` to change the password")
        if user is None:
            user = User(name=name)
            session.add(user)
        user.role, user.password_hash = role, _hasher.hash(password) if password else None
        audit(session, actor.name, "user.add", name, after={"role": role})


def set_password(study: Study, name: str, password: str, actor: Actor = CLI) -> None:
    if actor.name != name:
        actor.require_admin("change another user's password")
    _check_password(password)
    with study.session() as session:
        user = _existing_user(session, name)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(AppSession).where(AppSession.user_id == user.id))  # signed out everywhere
        audit(session, actor.name, "user.passwd", name)


def set_role(study: Study, name: str, role: str, actor: Actor = CLI) -> None:
    actor.require_admin("change roles")
    if role not in ROLES:
        raise StudyError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    with study.session() as session:
        user = _existing_user(session, name)
        before, user.role = user.role, role
        audit(session, actor.name, "user.role", name, before={"role": before}, after={"role": role})


def sign_in(study: Study, name: str, password: str) -> Actor:
    """The actor for valid credentials; refused after too many recent failures."""
    with study.session() as session:
        since = utcnow() - FAILURE_WINDOW
        failures = session.scalar(
            select(func.count()).select_from(SignInFailure).where(
                SignInFailure.user_name == name, SignInFailure.at >= since
            )
        )
        if failures >= MAX_FAILURES:
            raise NotAllowed("too many failed sign-ins; wait 15 minutes and try again")
        user = get_user(session, name)
        if user is not None and user.password_hash and _verifies(user.password_hash, password):
            session.execute(delete(SignInFailure).where(SignInFailure.user_name == name))
            audit(session, name, "sign_in", name)
            return Actor(user.name, user.role)
        session.add(SignInFailure(user_name=name))  # committed when this block ends, before the refusal
    raise NotAllowed("wrong user name or password")


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
    with study.session() as session:
        app_session = session.get(AppSession, _token_hash(token))
        if app_session is None:
            return None
        expires = app_session.expires_at
        if expires.tzinfo is None:  # SQLite returns naive datetimes
            expires = expires.replace(tzinfo=timezone.utc)
        user = session.get(User, app_session.user_id)
        if expires < utcnow() or user is None or not user.password_hash:
            session.delete(app_session)
            return None
        return Actor(user.name, user.role)


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
        raise StudyError("the password is too short: use at least 8 characters")


def _existing_user(session: Session, name: str) -> User:
    user = get_user(session, name)
    if user is None:
        raise NotFound(f"no user named {name!r}; add one with `study user add {name} --role coder`")
    return user


def rater_user(session: Session, name: str, create: bool = False) -> User:
    """The rater named ``name`` (created as a coder without password when ``create``; a name the
    system uses, such as the consensus's, is refused then)."""
    if create:
        name = check_rater_name(name)
    user = get_user(session, name)
    if user is None:
        if not create:
            known = list(session.scalars(select(User.name)))
            close = difflib.get_close_matches(name, known, n=2)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise NotFound(f"no rater named {name!r}; {hint}raters are the users who coded (see `study user list`)")
        user = User(name=name, role="coder")
        session.add(user)
        session.flush()
    return user


def consensus_user(session: Session) -> User:
    """The system rater holding the adjudicated codings (created on first use)."""
    user = get_user(session, CONSENSUS)
    if user is None:
        user = User(name=CONSENSUS, role="system")
        session.add(user)
        session.flush()
    return user
