"""Sets and relations: what other QDA tools keep beside the code tree. A set is a named group of
codes and texts (ATLAS.ti's code groups, MAXQDA's document sets, NVivo's sets); a relation is a
named link between two codes or texts (ATLAS.ti's "is associated with", "is cause of"). A study
has no use for either, but a project that comes in with them goes back out with them: an import
keeps them (codes by id, so a code renamed or moved since stays a member; texts by transcript name) in ``study_meta``, and an export writes
them as Sets and Links again, their members and ends as the file's codes and sources.

Example: ``[s.name for s in kept_sets(session)]``
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

from sqlalchemy.orm import Session

from ..store import Meta, get_setting

SETS = "qdpx_sets"  # study_meta: a JSON list of {"name", "description", "codes", "sources"}
RELATIONS = "qdpx_relations"  # study_meta: a JSON list of {"name", "direction", "colour", "origin", "target"}
CODE, SOURCE = "code", "source"  # what an end of a relation is


@dataclass(frozen=True)
class KeptSet:
    name: str
    description: str
    codes: tuple[int, ...]  # code ids
    sources: tuple[str, ...]  # transcript names


@dataclass(frozen=True)
class KeptRelation:
    name: str
    direction: str  # Associative, OneWay or Bidirectional ("" when the file gave none)
    colour: str | None
    origin: tuple[str, int | str]  # (CODE, code id) or (SOURCE, transcript name)
    target: tuple[str, int | str]


def kept_sets(session: Session) -> tuple[KeptSet, ...]:
    """The sets kept, in the order they came."""
    return tuple(KeptSet(item["name"], item["description"], tuple(item["codes"]), tuple(item["sources"]))
                 for item in _read(session, SETS))


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
    _write(session, SETS, kept.values())
    return new


def kept_relations(session: Session) -> tuple[KeptRelation, ...]:
    """The relations kept, in the order they came."""
    return tuple(KeptRelation(item["name"], item["direction"], item["colour"], tuple(item["origin"]),
                              tuple(item["target"])) for item in _read(session, RELATIONS))


def keep_relations(session: Session, relations: Iterable[KeptRelation]) -> int:
    """Keep the relations not kept already (same name and ends) in the caller's transaction;
    returns how many are new."""
    kept = list(kept_relations(session))
    seen = {(r.name, r.origin, r.target) for r in kept}
    new = [r for r in relations if (r.name, r.origin, r.target) not in seen and not seen.add((r.name, r.origin, r.target))]
    _write(session, RELATIONS, kept + new)
    return len(new)


def _read(session: Session, key: str) -> list[dict]:
    return json.loads(get_setting(session, key) or "[]")


def _write(session: Session, key: str, items: Iterable) -> None:
    items = [asdict(item) for item in items]
    if items:
        session.merge(Meta(key=key, value=json.dumps(items, ensure_ascii=False)))
