"""The turn starts a study keeps: conventions taught once (``transcripts.taught``), saved for the
study and applied to every later import; listed, and forgotten one by one. Admins save and forget;
each change is audited.

Example: ``save_convention(study, CLI, convention_from_example("[Speaker 1] Thanks"))``
"""
from __future__ import annotations

import json
from typing import Sequence

from .auth import Actor
from .errors import NotFound
from .store import Meta, Study, audit, get_setting
from .transcripts import Convention, ConventionError, convention_from_pattern

KEY = "taught_conventions"  # study_meta: a JSON list of {"pattern", "example"}


def saved_conventions(study: Study) -> tuple[Convention, ...]:
    """The study's saved conventions, in the order they were saved."""
    with study.session() as session:
        return read_saved(get_setting(session, KEY))


def save_convention(study: Study, actor: Actor, convention: Convention) -> tuple[Convention, ...]:
    """Keep ``convention`` for the study's later imports (once: saving it again changes nothing);
    returns the study's conventions."""
    actor.require_admin("save how turns start")
    with study.session() as session:
        saved = read_saved(get_setting(session, KEY))
        if any(c.pattern == convention.pattern for c in saved):
            return saved
        kept = (*saved, convention)
        _write(session, kept)
        audit(session, actor.name, "convention.save", convention.example or convention.pattern,
              after={"pattern": convention.pattern, "example": convention.example})
        return kept


def forget_convention(study: Study, actor: Actor, number: int) -> Convention:
    """Forget the study's convention numbered ``number`` (from 1, as listed); returns it."""
    actor.require_admin("forget how turns start")
    with study.session() as session:
        saved = read_saved(get_setting(session, KEY))
        if not 1 <= number <= len(saved):
            raise NotFound(f"no saved turn convention number {number}",
                           f"the study has {len(saved)}" + (f", numbered 1 to {len(saved)}" if saved else ""))
        gone = saved[number - 1]
        _write(session, saved[:number - 1] + saved[number:])
        audit(session, actor.name, "convention.forget", gone.example or gone.pattern,
              before={"pattern": gone.pattern, "example": gone.example})
        return gone


def with_saved(study: Study, conventions: Sequence[Convention]) -> tuple[Convention, ...]:
    """``conventions`` (taught now, tried first), then the study's saved ones not among them."""
    given = {c.pattern for c in conventions}
    return (*conventions, *(c for c in saved_conventions(study) if c.pattern not in given))


def read_saved(value: str | None) -> tuple[Convention, ...]:
    """The conventions a stored value holds: a JSON list of {"pattern", "example"}, each pattern one
    that ``convention_from_pattern`` takes. A value written otherwise (an archive edited by hand) is
    a ConventionError saying what is wrong, never a crash in a later import."""
    try:
        items = json.loads(value or "[]")
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        raise ConventionError("the saved turn conventions are not a JSON list", _FIX)
    conventions = []
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("pattern"), str)
                and isinstance(item.get("example"), (str, type(None)))):
            raise ConventionError(f"the saved turn conventions hold {json.dumps(item)[:60]}, which is not "
                                  '{"pattern": text, "example": text or null}', _FIX)
        try:
            convention_from_pattern(item["pattern"])
        except ConventionError as exc:
            raise ConventionError(f"the saved turn conventions: {exc.what}", _FIX) from None
        conventions.append(Convention(item["pattern"], item.get("example")))
    return tuple(conventions)


_FIX = "they were not saved by study (an edited archive?); restore the study from an archive study wrote"


def _write(session, conventions: Sequence[Convention]) -> None:
    value = json.dumps([{"pattern": c.pattern, "example": c.example} for c in conventions], ensure_ascii=False)
    session.merge(Meta(key=KEY, value=value))
