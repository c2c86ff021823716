"""What a findings table counts: the transcripts and participants included (M), exclusions, and
for the consensus how far it reaches (finished transcripts not covered, disagreements still open).

``source_coverage`` is read by every findings table (``study.findings``) and the report's methods;
``Coverage.warning`` is the line a table leads with when its consensus is partial.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .adjudication import consensus_coverage
from .audit_log import memo_per_change
from .auth import Actor
from .exclusion import excluded_transcript_ids
from .names import natural_key
from .sources import Source
from .store import CONSENSUS, Participant, Study, Transcript

@dataclass(frozen=True)
class Coverage:
    """What a findings table counts: the transcripts and participants included (M), those an admin
    excluded, and for the consensus, the finished transcripts it does not cover and the
    disagreements still open."""

    transcripts: tuple[str, ...]
    participants: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    consensus_of: tuple[str, ...] = ()  # the consensus: the raters it is built from
    finished: tuple[str, ...] = ()  # the consensus: transcripts every one of them finished
    uncovered: tuple[str, ...] = ()  # ... whose agreements it does not hold
    open_disagreements: int = 0

    @property
    def warning(self) -> str:
        """The line a table carries at its top when its source is a partial consensus; else empty."""
        if not self.uncovered:
            return ""
        return (f"Warning: partial consensus. The consensus does not cover {len(self.uncovered)} of the "
                f"{len(self.finished)} transcripts {', '.join(self.consensus_of)} finished "
                f"({', '.join(self.uncovered)}): their agreements are not carried into it, so these counts "
                "are incomplete. Carry the agreements into the consensus, or choose another source.")

    def describe(self) -> str:
        """One sentence: what M counts, what was left out, what is still open."""
        text = (f"Included: {len(self.participants)} participant(s) ({', '.join(self.participants) or 'none'}) "
                f"with {len(self.transcripts)} transcript(s)")
        if self.excluded:
            text += f"; excluded by an admin: {', '.join(self.excluded)}"
        if self.consensus_of:
            text += (f"; the consensus of {', '.join(self.consensus_of)} covers "
                     f"{len(self.finished) - len(self.uncovered)} of the {len(self.finished)} transcript(s) "
                     f"they finished, with {self.open_disagreements} disagreement(s) still open")
        return text + "."

    def to_dict(self) -> dict:
        return {"transcripts": list(self.transcripts), "participants": list(self.participants),
                "excluded": list(self.excluded), "consensus_of": list(self.consensus_of),
                "finished": list(self.finished), "uncovered": list(self.uncovered),
                "open_disagreements": self.open_disagreements, "warning": self.warning,
                "description": self.describe()}


def source_coverage(study: Study, asker: Actor, source: Source) -> Coverage:
    """What findings from ``source`` count: included transcripts and participants (natural order),
    exclusions, and for the consensus what it covers (``adjudication.consensus_coverage``).

    Read once per change to the study (every change is audited): a report's many tables share it.
    """
    return _coverage(study, asker, source)


@memo_per_change
def _coverage(study: Study, asker: Actor, source: Source) -> Coverage:
    with study.session() as session:
        left_out = excluded_transcript_ids(session)
        rows = session.execute(select(Transcript.id, Transcript.name, Participant.label)
                               .join(Participant, Transcript.participant_id == Participant.id)).all()
    included = [(name, label) for tid, name, label in rows if tid not in left_out]
    excluded = sorted((name for tid, name, _ in rows if tid in left_out), key=natural_key)
    coverage = Coverage(tuple(sorted((n for n, _ in included), key=natural_key)),
                        tuple(sorted({label for _, label in included}, key=natural_key)), tuple(excluded))
    if source.raters != (CONSENSUS,):
        return coverage
    reach = consensus_coverage(study, asker)
    return Coverage(coverage.transcripts, coverage.participants, coverage.excluded, reach.raters,
                    reach.finished, reach.uncovered, reach.open_disagreements)
