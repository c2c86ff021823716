"""Sets: the groups of codes and texts other QDA tools keep beside the code tree (ATLAS.ti's code
groups, MAXQDA's document sets, NVivo's sets). A study has no use for them, but a project that
comes in with sets goes back out with them: an import keeps each set's name, description and
members (codes by reference, texts by transcript name) in ``study_meta``, and an export writes
them as Sets again, their members as the file's codes and sources.

Example: ``[s.name for s in kept_sets(session)]``
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

from sqlalchemy.orm import Session

from ..store import Meta, get_setting

KEY = "qdpx_sets"  # study_meta: a JSON list of {"name", "description", "codes", "sources"}


@dataclass(frozen=True)
class KeptSet:
    name: str
    description: str
    codes: tuple[str, ...]  # code references
    sources: tuple[str, ...]  # transcript names


def kept_sets(session: Session) -> tuple[KeptSet, ...]:
    """The sets kept, in the order they came."""
    return tuple(KeptSet(item["name"], item["description"], tuple(item["codes"]), tuple(item["sources"]))
                 for item in json.loads(get_setting(session, KEY) or "[]"))


def keep_sets(session: Session, sets: Iterable[KeptSet]) -> int:
    """Keep the sets in the caller's transaction: a set of a name kept already gains the members it
    lacks (a second import of the same project adds nothing). Returns how many sets are new."""
    kept = {s.name: s for s in kept_sets(session)}
    new = 0
    for found in sets:
        old = kept.get(found.name)
        if old is None:
            new += 1
            kept[found.name] = found
        else:
            kept[found.name] = KeptSet(old.name, old.description or found.description,
                                       tuple(dict.fromkeys(old.codes + found.codes)),
                                       tuple(dict.fromkeys(old.sources + found.sources)))
    if kept:
        session.merge(Meta(key=KEY, value=json.dumps([asdict(s) for s in kept.values()], ensure_ascii=False)))
    return new
