"""Project memos: notes on the whole study rather than on a transcript or a segment, as other QDA
tools keep them (NVivo's and MAXQDA's project memos, QualCoder's journals). A REFI-QDA import keeps
the ones a project brings (a note attached to no source, selection or coding) and an export gives
them back, so they survive the exchange. They are kept in ``study_meta`` as a JSON list; admins
read them. A note on a code is kept as the project memo named ``CODE_MEMO`` + the code's
reference; renaming or moving the code renames its memo (``follow_code_renames``).

Example: ``[m.name for m in project_memos(study, CLI)]``
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Iterable

from sqlalchemy.orm import Session

from .auth import Actor
from .store import Meta, Study, get_setting

KEY = "project_memos"  # study_meta: a JSON list of {"name", "author", "text", "created"}
CODE_MEMO = "Code memo: "  # the project memo a note on a code becomes, the code's reference after it


@dataclass(frozen=True)
class ProjectMemo:
    name: str
    author: str | None
    text: str
    created: str | None = None  # xsd:dateTime as the file gave it


def project_memos(study: Study, asker: Actor) -> tuple[ProjectMemo, ...]:
    """The study's project memos, in the order they were kept."""
    asker.require_admin("read the project memos")
    with study.session() as session:
        return read(session)


def read(session: Session) -> tuple[ProjectMemo, ...]:
    return tuple(ProjectMemo(**item) for item in json.loads(get_setting(session, KEY) or "[]"))


def keep(session: Session, memos: Iterable[ProjectMemo]) -> int:
    """Add the memos not kept already (same name and text), in the caller's transaction; returns
    how many were added."""
    kept = list(read(session))
    seen = {(m.name, m.text) for m in kept}
    new = [m for m in memos if (m.name, m.text) not in seen and not seen.add((m.name, m.text))]
    if new:
        session.merge(Meta(key=KEY, value=json.dumps([asdict(m) for m in kept + new], ensure_ascii=False)))
    return len(new)


def code_memo_ref(name: str) -> str | None:
    """The code reference a project memo of this name is the memo of (``CODE_MEMO``), or None."""
    return name[len(CODE_MEMO):] if name.startswith(CODE_MEMO) else None


def follow_code_renames(session: Session, renamed: dict[str, str]) -> int:
    """Rename the memos of the codes whose reference changed ({before: after}), in the caller's
    transaction, so that a renamed or moved code keeps its memo; returns how many were renamed."""
    kept = list(read(session))
    moved = [replace(m, name=CODE_MEMO + renamed[ref]) if (ref := code_memo_ref(m.name)) in renamed else m
             for m in kept]
    count = sum(a != b for a, b in zip(kept, moved))
    if count:
        session.merge(Meta(key=KEY, value=json.dumps([asdict(m) for m in moved], ensure_ascii=False)))
    return count
