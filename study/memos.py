"""Memos: a rater's notes on a segment or on a whole transcript, versioned so none is ever lost.

Every save appends a version (``memo_versions``) beside the current text (``memos``); an old
version is restored by saving its text again, as a new version. A save may name the version it
was based on: when a newer one was stored meanwhile (another tab, another device) the save is
refused with both texts (``MemoConflict``), never silently overwritten. Emptying a memo that
holds text is refused unless the caller says the rater confirmed it (``MemoWouldEmpty``).

This module is the one writer of memos and their versions: saves from the Code page, the CLI,
undo and REFI-QDA imports (``save``), and memos following their segment when a transcript is
replaced, cut anew or fixed (``carry``), history and all. Saves of one rater run one at a time
(``_one_at_a_time``): two tabs saving at once end as if one saved after the other.

Example::

    version = save(session, actor, rater_id, transcript_id, None, "First thoughts", base_version=0)
    history(session, actor, rater_id, transcript_id, None)[0].text  # "First thoughts"
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from .auth import Actor
from .errors import BadValue, Conflict, NotAllowed, NotFound, StudyError
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
         confirm_empty: bool = True, action: str = "memo", at: datetime | None = None) -> int:
    """Store ``text`` as the memo's newest version and return its number (unchanged text: the
    current number). ``base_version``: the version the rater edited (0: none); None skips the check.
    ``action`` names the audit entry ("memo" is what undo reverses); ``at`` is when the text was
    written, if not now (an imported project says)."""
    _check_writer(session, actor, key)
    text = _checked_text(text)
    _one_at_a_time(session, key.rater_id)
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
    memo.text, memo.updated_at = text, at or utcnow()
    current = _versioned(session, key, current)
    version = current.version + 1
    _append(session, key, version, text, actor.name, at)
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


def _append(session: Session, key: MemoKey, version: int, text: str, actor: str, at: datetime | None = None) -> None:
    session.add(MemoVersion(rater_id=key.rater_id, transcript_id=key.transcript_id, segment_id=key.segment_id,
                            version=version, text=text, actor=actor, **({"at": at} if at else {})))
    session.flush()


def _versioned(session: Session, key: MemoKey, current: Version) -> Version:
    """``current``, stored as version 1 first when the memo is older than versioning."""
    if current.version == 0 and current.text:
        _append(session, key, 1, current.text, "(before versions)")
        return Version(1, current.text, "", None)
    return current


def _one_at_a_time(session: Session, rater_id: int) -> None:
    """Hold the rater's row until the transaction ends, so that two saves of one rater's memos run
    one after the other: the second reads the version the first stored, never the same number.
    A write, not a SELECT ... FOR UPDATE: it takes SQLite's write lock too (pysqlite reads outside
    the transaction until the first write), and on PostgreSQL a row lock that no key change needs,
    so it never waits for rows merely referring to the rater."""
    session.execute(update(User).where(User.id == rater_id).values(id=User.id)
                    .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Carried:
    """A rater's memo that followed its segment: where to, and whether it joined a memo there."""

    rater: str
    segment_id: int | None  # None: the rater's transcript memo
    joined: bool
    versions: int


def carry(session: Session, actor: Actor, transcript_id: int, segment_id: int, target_id: int | None,
          note: str = "") -> list[Carried]:
    """Every rater's memo on segment ``segment_id`` moved to ``target_id`` (None: the rater's
    memo on the whole transcript), history and all, before the segment goes. Where the rater
    already has a memo there, the two are joined: the moved memo's versions follow the memo's
    own (their texts, authors and times kept), then one version holding both texts, ``note``
    (say, "(segment 7)") before the moved text. Admins only; the caller audits the change it
    belongs to (a replacement, re-segmenting, a fix)."""
    actor.require_admin("move memos")
    carried = []
    for memo in session.scalars(select(Memo).where(Memo.transcript_id == transcript_id,
                                                   Memo.segment_id == segment_id).order_by(Memo.id)).all():
        _one_at_a_time(session, memo.rater_id)
        source = MemoKey(memo.rater_id, transcript_id, segment_id)
        target = MemoKey(memo.rater_id, transcript_id, target_id)
        moved = _versions(session, source, memo)
        if _memo_row(session, target) is None:
            _move_whole(session, memo, source, target, note if target_id is None else "", actor)
            carried.append(Carried(_rater_name(session, source), target_id, False, len(moved)))
        else:
            _join(session, memo, moved, target, note, actor)
            carried.append(Carried(_rater_name(session, source), target_id, True, len(moved)))
    session.flush()
    return carried


def _versions(session: Session, key: MemoKey, memo: Memo) -> list[MemoVersion]:
    rows = list(session.scalars(select(MemoVersion).where(*_where(MemoVersion, key)).order_by(MemoVersion.version)))
    if not rows and memo.text:  # a memo older than versioning
        rows = [MemoVersion(version=1, text=memo.text, actor="(before versions)", at=memo.updated_at)]
    return rows


def _move_whole(session: Session, memo: Memo, source: MemoKey, target: MemoKey, note: str, actor: Actor) -> None:
    """The memo and its versions, as they are, to a place where the rater has no memo yet."""
    session.execute(update(MemoVersion).where(*_where(MemoVersion, source))
                    .values(segment_id=target.segment_id).execution_options(synchronize_session=False))
    memo.segment_id = target.segment_id
    session.flush()
    if note and memo.text:
        current = _versioned(session, target, _current(session, target))
        memo.text = f"{note} {memo.text}"
        _append(session, target, current.version + 1, memo.text, actor.name)


def _join(session: Session, memo: Memo, moved: list[MemoVersion], target: MemoKey, note: str, actor: Actor) -> None:
    """The moved memo's history after the target's, then both texts as the newest version."""
    into = _memo_row(session, target)
    current = _versioned(session, target, _current(session, target))
    rows = [(v.text, v.actor, v.at) for v in moved]
    session.execute(delete(MemoVersion).where(*_where(MemoVersion, MemoKey(memo.rater_id, memo.transcript_id,
                                                                           memo.segment_id))))
    session.delete(memo)
    session.flush()
    for number, (text, author, at) in enumerate(rows, start=current.version + 1):
        _append(session, target, number, text, author, at)
    moved_text = f"{note} {memo.text}".strip() if note else memo.text
    joined = "\n\n".join(t for t in (into.text, moved_text) if t.strip())
    into.text, into.updated_at = joined, utcnow()
    _append(session, target, current.version + len(rows) + 1, joined, actor.name)


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
        raise BadValue("a memo must be text")
    if len(text) > MAX_CHARS:
        raise BadValue(f"this memo has {len(text):,} characters, more than the {MAX_CHARS:,} a memo may hold",
                         "shorten it")
    if "\x00" in text:
        raise BadValue("this memo contains a NUL character, which cannot be stored", "remove it")
    return text
