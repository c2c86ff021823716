"""Thematic saturation: how many codes each interview added that no earlier interview had.

Participants are M (``study.coverage``: those with a transcript the source counts), taken in
interview order (their first transcript's date; undated interviews after dated ones, by
transcript name); a participant not yet coded is left out, not scored as adding nothing. Participant *i* adds ``new[i]`` codes, bringing the
total to ``cumulative[i]``.

Rule: participant *i* still adds information when ``new[i] > threshold * cumulative[i-1]``
(the codes seen before them). For the first participant nothing was seen before, so any code
at all is new information (and none is not). ``saturation_at`` is the last participant who
still added information: after them, no interview added more than ``threshold`` (default 5%)
new codes. When that is the last participant, saturation was not reached (``reached`` False);
with no codes at all, ``saturation_at`` is None.

Example: new [3, 2, 1, 0] -> cumulative [3, 5, 6, 6]; with threshold 0.25, P2 adds 2 > 0.75 and
P3 adds 1 <= 1.25, so saturation_at is P2.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from .auth import Actor
from .coverage import Coverage
from .errors import BadValue
from .findings import gather, natural_key
from .sources import Source
from .store import Participant, Study, Transcript

DEFAULT_THRESHOLD = 0.05


@dataclass(frozen=True)
class Saturation:
    participants: tuple[str, ...]
    new: tuple[int, ...]
    cumulative: tuple[int, ...]
    new_codes: tuple[tuple[str, ...], ...]
    saturation_at: str | None
    threshold: float
    source: Source
    coverage: Coverage | None = None

    @property
    def reached(self) -> bool:
        """Whether interviews after ``saturation_at`` added (almost) nothing new."""
        return self.saturation_at is not None and self.saturation_at != self.participants[-1]

    def to_dict(self) -> dict:
        return {
            "participants": list(self.participants), "new": list(self.new), "cumulative": list(self.cumulative),
            "saturation_at": self.saturation_at, "reached": self.reached, "threshold": self.threshold,
            "new_codes": [list(c) for c in self.new_codes], "source": self.source.to_dict(),
            "coverage": self.coverage.to_dict() if self.coverage else None,
        }


def adds_information(new: int, seen_before: int, threshold: float) -> bool:
    """Whether ``new`` codes exceed ``threshold`` of the ``seen_before`` codes (any code, when none were seen)."""
    return new > threshold * seen_before


def saturation_point(participants: list[str], new: list[int], threshold: float = DEFAULT_THRESHOLD) -> str | None:
    """The last participant who still added information (the rule in the module doc)."""
    last, seen = None, 0
    for participant, added in zip(participants, new):
        if adds_information(added, seen, threshold):
            last = participant
        seen += added
    return last


def interview_order(study: Study, transcripts: Sequence[str] | None = None) -> list[str]:
    """Participants by the date of their first interview, then transcript name: of ``transcripts``
    (names) when given, else of every transcript."""
    query = (select(Participant.label, Transcript.interview_date, Transcript.name)
             .join(Participant, Transcript.participant_id == Participant.id))
    if transcripts is not None:
        query = query.where(Transcript.name.in_(list(transcripts)))
    with study.session() as session:
        rows = session.execute(query).all()
    first: dict[str, tuple] = {}
    for label, date, name in rows:
        key = (date is None, date or "", natural_key(name))
        first[label] = min(first.get(label, key), key)
    return sorted(first, key=lambda label: (first[label], natural_key(label)))


def saturation(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
               combine: str = "union", threshold: float = DEFAULT_THRESHOLD) -> Saturation:
    """New and cumulative unique codes per participant in interview order, and where saturation came."""
    if not 0 <= threshold < 1:
        raise BadValue(f"the threshold is a share of the codes seen so far, between 0 and 1 (got {threshold})")
    evidence = gather(study, asker, theme, source, combine)
    mentioned = evidence.tally.codes_of()
    order = interview_order(study, evidence.coverage.transcripts)
    seen: set[int] = set()
    new_codes = []
    for participant in order:
        fresh = mentioned.get(participant, set()) - seen
        new_codes.append(tuple(c.ref for c in evidence.codes if c.id in fresh))
        seen |= fresh
    new = [len(c) for c in new_codes]
    cumulative = [sum(new[: i + 1]) for i in range(len(new))]
    return Saturation(tuple(order), tuple(new), tuple(cumulative), tuple(new_codes),
                      saturation_point(order, new, threshold), threshold, evidence.source, evidence.coverage)
