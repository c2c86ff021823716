"""Memos: a rater's notes on a segment or on a whole transcript, versioned so none is ever lost.

Every save appends a version (``memo_versions``) beside the current text (``memos``); an old
version is restored by saving its text again, as a new version. A save may name the version it
was based on: when a newer one was stored meanwhile (another tab, another device) the save is
refused with both texts (``MemoConflict``), never silently overwritten. Emptying a memo that
holds text is refused unless the caller says the rater confirmed it (``MemoWouldEmpty``).

Example::

    version = save(session, actor, rater_id, transcript_id, None, "First thoughts", base_version=0)
    history(session, actor, rater_id, transcript_id, None)[0].text  # "First thoughts"
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .auth import Actor
from .errors import Conflict, NotAllowed, NotFound, StudyError
from .store import Memo, MemoVersion, User, audit, utcnow

MAX_CHARS = 100_000  # a memo is a note, not a document; bounds what one save can store


@dataclass(frozen=True)
class MemoKey:
    """Which memo: one rater's, on one segment of a transcript (segment None: the transcript memo)."""

    rater_id: int
    transcript_id: int
    segment_id: int | None


@dataclass(frozen=True)
class Version:
    version: int
    text: str
    actor: str
    at: datetime | None


class MemoConflict(Conflict):
    """The memo changed since the version the save was based on: both texts are kept for the rater."""

    def __init__(self, key: MemoKey, stored: Version, mine: str):
        self.key, self.stored, self.mine = key, stored, mine
        super().__init__(f"this memo was changed elsewhere (version {stored.version}) since you began editing",
                         "choose which text to keep")


class MemoWouldEmpty(StudyError):
    """Saving would erase a memo that holds text, and the rater has not confirmed it."""

    def __init__(self, key: MemoKey, stored: Version):
        self.key, self.stored = key, stored
        super().__init__("saving would erase this memo",
                         "confirm that it should be cleared (earlier versions stay in its history)")


def save(session: Session, actor: Actor, key: MemoKey, text: str, base_version: int | None = None,
         confirm_empty: bool = True, action: str = "memo") -> int:
    """Store ``text`` as the memo's newest version and return its number (unchanged text: the
    current number). ``base_version``: the version the rater edited (0: none); None skips the check.
    ``action`` names the audit entry ("memo" is what undo reverses)."""
    _check_writer(session, actor, key)
    text = _checked_text(text)
    current = _current(session, key)
    if text == current.text:
        return current.version
    if base_version is not None and base_version != current.version:
        raise MemoConflict(key, current, text)
    if not text.strip() and current.text.strip() and not confirm_empty:
        raise MemoWouldEmpty(key, current)
    memo = _memo_row(session, key)
    if memo is None:
        memo = Memo(rater_id=key.rater_id, transcript_id=key.transcript_id, segment_id=key.segment_id)
        session.add(memo)
    memo.text, memo.updated_at = text, utcnow()
    if current.version == 0 and current.text:
        _append(session, key, 1, current.text, "(before versions)")  # a memo older than versioning
        current = Version(1, current.text, "", None)
    version = current.version + 1
    _append(session, key, version, text, actor.name)
    detail = {"rater_id": key.rater_id, "transcript_id": key.transcript_id, "segment_id": key.segment_id}
    audit(session, actor.name, action, f"transcript {key.transcript_id} segment {key.segment_id}",
          before={**detail, "text": current.text, "version": current.version},
          after={**detail, "text": text, "version": version})
    return version


def restore(session: Session, actor: Actor, key: MemoKey, version: int, base_version: int | None = None) -> int:
    """Make an earlier version the current text again (as a new version); returns its number."""
    old = next((v for v in history(session, actor, key) if v.version == version), None)
    if old is None:
        raise NotFound(f"this memo has no version {version}", "reload its history")
    return save(session, actor, key, old.text, base_version=base_version, action="memo.restore")


def history(session: Session, asker: Actor, key: MemoKey) -> list[Version]:
    """Every version of the memo, newest first (a memo older than versioning: its current text)."""
    _check_reader(session, asker, key)
    rows = session.scalars(select(MemoVersion).where(*_where(MemoVersion, key)).order_by(MemoVersion.version.desc()))
    versions = [Version(r.version, r.text, r.actor, r.at) for r in rows]
    if not versions:
        memo = _memo_row(session, key)
        if memo is not None and memo.text:
            versions = [Version(0, memo.text, "", memo.updated_at)]
    return versions


def current_versions(session: Session, asker: Actor, rater_id: int, transcript_id: int) -> dict[int | None, int]:
    """{segment id (None: the transcript memo): newest version number} of a rater's memos in a transcript."""
    _check_reader(session, asker, MemoKey(rater_id, transcript_id, None))
    return dict(session.execute(
        select(MemoVersion.segment_id, func.max(MemoVersion.version))
        .where(MemoVersion.rater_id == rater_id, MemoVersion.transcript_id == transcript_id)
        .group_by(MemoVersion.segment_id)
    ).all())


def _current(session: Session, key: MemoKey) -> Version:
    newest = session.scalar(select(MemoVersion).where(*_where(MemoVersion, key))
                            .order_by(MemoVersion.version.desc()).limit(1))
    if newest is not None:
        return Version(newest.version, newest.text, newest.actor, newest.at)
    memo = _memo_row(session, key)
    return Version(0, memo.text if memo else "", "", memo.updated_at if memo else None)


def _append(session: Session, key: MemoKey, version: int, text: str, actor: str) -> None:
    session.add(MemoVersion(rater_id=key.rater_id, transcript_id=key.transcript_id, segment_id=key.segment_id,
                            version=version, text=text, actor=actor))
    session.flush()


def _memo_row(session: Session, key: MemoKey) -> Memo | None:
    return session.scalar(select(Memo).where(*_where(Memo, key)))


def _where(model, key: MemoKey) -> list:
    return [model.rater_id == key.rater_id, model.transcript_id == key.transcript_id,
            model.segment_id.is_(None) if key.segment_id is None else model.segment_id == key.segment_id]


def _rater_name(session: Session, key: MemoKey) -> str:
    rater = session.get(User, key.rater_id)
    if rater is None:
        raise NotFound(f"no rater with id {key.rater_id}")
    return rater.name


def _check_writer(session: Session, actor: Actor, key: MemoKey) -> None:
    rater = _rater_name(session, key)
    if actor.name != rater and not actor.is_admin:
        raise NotAllowed(f"{actor.name} may not change the memos of {rater}")


def _check_reader(session: Session, asker: Actor, key: MemoKey) -> None:
    asker.require_rater(_rater_name(session, key), "read the memos")


def check_text(text: str) -> str:
    """``text`` if any database can store it as a memo; else a StudyError saying why (not text,
    too long, a NUL character, which PostgreSQL refuses)."""
    return _checked_text(text)


def _checked_text(text: str) -> str:
    if not isinstance(text, str):
        raise StudyError("a memo must be text")
    if len(text) > MAX_CHARS:
        raise StudyError(f"this memo has {len(text):,} characters, more than the {MAX_CHARS:,} a memo may hold",
                         "shorten it")
    if "\x00" in text:
        raise StudyError("this memo contains a NUL character, which cannot be stored", "remove it")
    return text
