"""Which codings the findings read: one rater, the adjudicated consensus, or several raters combined.

- ``consensus`` (default when the consensus rater has codings): the adjudicated set.
- one rater's name: that rater's codings.
- several names (``alice,bob``) with ``combine``: ``union`` keeps a code on a segment when any of
  them applied it; ``majority`` when more than half of them did (2 of 2, 2 of 3, 3 of 4).
  Participant-level presence is derived after combining, segment by segment.

Without a source, admins get the consensus when it has codings, else the union of every coder
(stated in each output); a coder gets their own codings. Only admins may read other raters.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from .auth import Actor, rater_user
from .errors import BadValue, NotFound
from .store import CONSENSUS, Coding, Study, User

COMBINES = ("union", "majority")


@dataclass(frozen=True)
class Source:
    """The raters whose codings count, and how several are combined (``single`` for one)."""

    raters: tuple[str, ...]
    combine: str = "single"
    note: str = ""  # why this source was chosen, when it was not asked for

    @property
    def name(self) -> str:
        return ",".join(self.raters)

    @property
    def votes_needed(self) -> int:
        """How many of the raters must apply a code on a segment for it to count."""
        return len(self.raters) // 2 + 1 if self.combine == "majority" else 1

    def describe(self) -> str:
        """One sentence for captions and methods: which codings the findings rest on."""
        if not self.raters:
            text = "no codings (no rater has coded yet)"
        elif self.raters == (CONSENSUS,):
            text = "the consensus codings (adjudicated)"
        elif len(self.raters) == 1:
            text = f"the codings of {self.raters[0]}"
        elif self.combine == "majority":
            text = (f"the majority of {', '.join(self.raters)} (a code counts on a segment when at least "
                    f"{self.votes_needed} of the {len(self.raters)} raters applied it)")
        else:
            text = f"the union of {', '.join(self.raters)} (a code counts when any of them applied it)"
        return f"{text}; {self.note}" if self.note else text

    def to_dict(self) -> dict:
        return {"name": self.name, "raters": list(self.raters), "combine": self.combine,
                "description": self.describe()}


def choose_source(study: Study, asker: Actor, source: str | Source | None = None,
                  combine: str = "union") -> Source:
    """The source named by ``source`` (``consensus``, ``alice`` or ``alice,bob``), or the default.

    Example: ``choose_source(study, CLI, "alice,bob", "majority")``.
    """
    if isinstance(source, Source):
        chosen = source
    elif source is None or not source.strip():
        chosen = _default_source(study, asker)
    else:
        chosen = _named_source(study, source, combine)
    for rater in chosen.raters:
        asker.require_rater(rater, "read the codings")
    return chosen


def _named_source(study: Study, text: str, combine: str) -> Source:
    if combine not in COMBINES:
        raise BadValue(f"unknown way to combine raters {combine!r}; choose one of {', '.join(COMBINES)}")
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    with study.session() as session:
        if CONSENSUS in names and not has_codings(session, CONSENSUS):
            raise NotFound("the consensus rater has no codings yet",
                           "adjudicate the raters' disagreements first, or read a rater's codings",
                           remedy="choose_source")
        for name in names:
            rater_user(session, name)  # NotFound names the missing rater
    return Source(names, "single" if len(names) == 1 else combine)


def _default_source(study: Study, asker: Actor) -> Source:
    if not asker.is_admin:
        return Source((asker.name,), note="your own codings: coders see only their own")
    with study.session() as session:
        if has_codings(session, CONSENSUS):
            return Source((CONSENSUS,))
        coders = tuple(coders_with_codings(session))
    note = "there are no consensus codings yet" if coders else ""
    return Source(coders, "union" if len(coders) > 1 else "single", note=note)


def has_codings(session, name: str) -> bool:
    """Whether the rater ``name`` has applied any code."""
    return bool(session.scalar(
        select(func.count()).select_from(Coding).join(User, Coding.rater_id == User.id).where(User.name == name)
    ))


def coders_with_codings(session) -> list[str]:
    """Names of the raters (not the consensus) who have applied at least one code, sorted."""
    return list(session.scalars(
        select(User.name).join(Coding, Coding.rater_id == User.id)
        .where(User.name != CONSENSUS).group_by(User.name).order_by(User.name)
    ))


def joined_memos(memos: Iterable[str | None]) -> str | None:
    """A unit's coding memos as one: each text once, in the order given, blank ones left out
    (None when none is left)."""
    texts = list(dict.fromkeys(m for m in memos if isinstance(m, str) and m.strip()))
    return "; ".join(texts) or None


# -- the sources a reader may choose (the Findings page's menu) ------------------------


@dataclass(frozen=True)
class SourceChoice:
    """A source the Findings page offers: its label, and what ``study.sources.choose_source`` takes."""

    label: str
    source: str
    combine: str = "union"


def findings_sources(study: Study, actor: Actor) -> list[SourceChoice]:
    """The sources the actor may read findings from: the consensus (once it has codings), each
    coder, and all coders combined (union, majority); a coder only their own codings."""
    if not actor.is_admin:
        return [SourceChoice(f"your codings ({actor.name})", actor.name)]
    with study.session() as session:
        coders = coders_with_codings(session)
        consensus = has_codings(session, CONSENSUS)
    # in the order study.sources picks a default: the consensus, else every coder combined
    choices = [SourceChoice("consensus (adjudicated)", CONSENSUS)] if consensus else []
    if len(coders) > 1:
        everyone = ",".join(coders)
        choices += [SourceChoice("all coders: union (any applied it)", everyone, "union"),
                    SourceChoice("all coders: majority (most applied it)", everyone, "majority")]
    return choices + [SourceChoice(f"coder: {name}", name) for name in coders]
