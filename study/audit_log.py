"""Reading the audit log: every change to a study is an entry (``store.audit`` writes them);
these read them back for the Audit page, and give the newest entry as a cache key."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import String, cast, func, or_, select

from .auth import Actor
from .store import AuditEntry, Study

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

AUDIT_COLUMNS = ["at", "actor", "action", "target", "before", "after", "undone"]


@dataclass(frozen=True)
class AuditFilter:
    """What to show of the audit log; empty fields do not filter."""

    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    limit: int = 1000


def audit_log(study: Study, actor: Actor, where: AuditFilter = AuditFilter()) -> tuple[pd.DataFrame, int]:
    """The newest audit entries that match (at most ``where.limit``), and how many match in all.
    ``text`` searches the target and the before/after values, case-insensitively."""
    import pandas as pd  # only the Audit page asks for a frame; keep the CLI start-up light

    actor.require_admin("read the audit log")
    conditions = []
    if where.actors:
        conditions.append(AuditEntry.actor.in_(where.actors))
    if where.actions:
        conditions.append(AuditEntry.action.in_(where.actions))
    if where.since is not None:
        conditions.append(AuditEntry.at >= where.since)
    if where.until is not None:
        conditions.append(AuditEntry.at <= where.until)
    if where.text.strip():
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", where.text.strip()) + "%"
        conditions.append(or_(*(column.ilike(pattern, escape="\\") for column in (
            AuditEntry.target, cast(AuditEntry.before, String), cast(AuditEntry.after, String)))))
    with study.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
        entries = session.scalars(
            select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(where.limit)
        ).all()
        records = [_audit_record(e) for e in entries]
    return pd.DataFrame.from_records(records, columns=AUDIT_COLUMNS), total


def _audit_record(entry: AuditEntry) -> dict:
    return {
        "at": entry.at, "actor": entry.actor, "action": entry.action, "target": entry.target,
        "before": _compact(entry.before), "after": _compact(entry.after), "undone": entry.undone,
    }


def _compact(value: dict | None) -> str:
    if not value:
        return ""
    return ", ".join(f"{k}={v}" for k, v in value.items())


def audit_choices(study: Study, actor: Actor) -> tuple[list[str], list[str]]:
    """The actors and the actions that occur in the audit log, for filter menus."""
    actor.require_admin("read the audit log")
    with study.session() as session:
        actors = sorted(session.scalars(select(AuditEntry.actor).distinct()))
        actions = sorted(session.scalars(select(AuditEntry.action).distinct()))
    return actors, actions


def study_version(study: Study) -> int:
    """A number that grows with every change to the study (every change is audited): a cache key."""
    with study.session() as session:
        return session.scalar(select(func.max(AuditEntry.id))) or 0


def memo_per_change(read: Callable[..., T]) -> Callable[..., T]:
    """``read(study, *args)`` done once per change to the study: every change is audited, so
    ``study_version`` keys the memo and a change makes the next call read afresh. The arguments
    must be hashable; what is returned is shared, so callers must not change it in place.

    Example: a report's tables, figures and agreement share one read of the codings."""
    @functools.lru_cache(maxsize=8)
    def cached(study: Study, version: int, *args) -> T:
        return read(study, *args)

    @functools.wraps(read)
    def memo(study: Study, *args) -> T:
        return cached(study, study_version(study), *args)

    memo.cache_clear = cached.cache_clear
    return memo
