"""What a findings table counts (M) and how provisional it is.

The rule for M, one function for every table, figure, export and the report: a transcript counts
for a source when **every rater whose codings make the source marked it done** (for the
consensus: every compared rater, ``adjudication.consensus_raters``) and no admin excluded it;
M is the participants with at least one counted transcript. Transcripts included but not yet
finished by all of them are *not yet coded*: left out of M and named. ``counted_transcripts``
is the rule as one SQL query (Core), so aggregation in the database can join on it;
``source_coverage`` reads it for a source, with the exclusions and, for the consensus, what the
adjudication decided, carried and left open.

``Coverage.warning`` is the line a table leads with while its numbers are provisional: open
disagreements, a consensus that does not hold every finished transcript's agreements, or
transcripts not yet coded.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from .audit_log import memo_per_change
from .auth import Actor
from .consensus import consensus_raters
from .excluded import excluded_query, excluded_transcript_ids
from .names import natural_key
from .schema import participants, transcript_status, transcripts, users
from .sources import Source
from .store import CONSENSUS, Study


def counted_transcripts(raters: Sequence[str]) -> Select:
    """The rule for M as a query: ids of the transcripts every one of ``raters`` marked done
    (none when there are no raters). Exclusions are applied by the caller (``excluded_transcript_ids``).

    Example: ``session.scalars(counted_transcripts(["alice", "bob"]))``."""
    names = sorted(set(raters))
    # ">=" where "=" means the same (a rater has one status per transcript: its primary key):
    # PostgreSQL's planner guesses an equality on an aggregate keeps 0.5% of the groups (one
    # transcript of 500), a ">=" a third. From one transcript it planned the findings queries
    # this is joined into as nested loops over every unit: minutes at 500 interviews, not seconds.
    finished = (select(transcript_status.c.transcript_id)
                .join(users, transcript_status.c.rater_id == users.c.id)
                .where(transcript_status.c.done.is_(True), users.c.name.in_(names))
                .group_by(transcript_status.c.transcript_id)
                .having(func.count(users.c.id) >= len(names)))
    return finished if names else finished.where(False)


def counted_query(raters: Sequence[str]) -> Select:
    """The transcripts a source counts, as a query: ``counted_transcripts`` less the excluded ones."""
    return counted_transcripts(raters).where(transcript_status.c.transcript_id.not_in(excluded_query()))


def counting_raters(study: Study, source: Source) -> tuple[str, ...]:
    """Whose done marks decide what ``source`` counts: its raters, or for the consensus the raters
    it is built from."""
    if source.raters != (CONSENSUS,):
        return source.raters
    with study.session() as session:
        return consensus_raters(session)


def name_list(names: Sequence[str]) -> str:
    """``alice``, ``alice and bob``, ``alice, bob and carol``."""
    names = list(names)
    if len(names) < 2:
        return names[0] if names else "nobody"
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Coverage:
    """What a findings table counts: M's participants and their counted transcripts, the included
    transcripts not yet coded, those an admin excluded, and for the consensus what the adjudication
    decided, carried as agreed and left open."""

    transcripts: tuple[str, ...]  # counted: finished by every one of ``raters``
    participants: tuple[str, ...]  # M
    raters: tuple[str, ...] = ()  # whose done marks decide
    not_coded: tuple[str, ...] = ()  # included, not (yet) finished by every one of them
    excluded: tuple[str, ...] = ()
    consensus_of: tuple[str, ...] = ()  # the consensus: the raters it is built from
    uncovered: tuple[str, ...] = ()  # ... counted transcripts whose agreements it does not hold
    open_disagreements: int = 0
    decided: int = 0  # segments an adjudicator decided
    carried: int = 0  # segments carried as agreed

    @property
    def included(self) -> tuple[str, ...]:
        """Every transcript no admin excluded, counted or not yet coded (natural order)."""
        return tuple(sorted(self.transcripts + self.not_coded, key=natural_key))

    @property
    def provisional(self) -> bool:
        return bool(self.uncovered or self.open_disagreements or self.not_coded)

    @property
    def warning(self) -> str:
        """The line a table leads with while its counts are provisional; else empty."""
        if not self.provisional:
            return ""
        lead = "partial consensus" if self.uncovered else "provisional counts"
        parts = [f"Warning: {lead}."]
        if self.uncovered:
            parts.append(f"The consensus does not cover {len(self.uncovered)} of the {len(self.transcripts)} "
                         f"transcripts {', '.join(self.consensus_of)} finished ({', '.join(self.uncovered)}): "
                         "their agreements are not carried into it. Carry the agreements into the consensus, or "
                         "choose another source.")
        if self.open_disagreements:
            parts.append(f"{self.open_disagreements} disagreement(s) between {name_list(self.consensus_of)} are still "
                         "open: the consensus holds only what was adjudicated or agreed so far. Adjudicate them "
                         "before reporting.")
        if self.not_coded:
            parts.append(f"Not yet coded: {', '.join(self.not_coded)} ({len(self.not_coded)} transcript(s) not "
                         f"marked done by {name_list(self.raters)}), left out of M.")
        parts.append("These counts may change.")
        return " ".join(parts)

    def describe(self) -> str:
        """One sentence: what M counts, what was left out and why, what is still open."""
        return self.counted(not_coded=True, adjudication=True)

    def counted(self, not_coded: bool = False, adjudication: bool = False) -> str:
        """What M counts and the admin's exclusions; with ``not_coded`` the transcripts left out,
        with ``adjudication`` the consensus's counts. A report's methods say those two in sentences
        of their own (``report.methods_paragraph``), so they ask for neither."""
        finished_by = f" finished by {name_list(self.raters)}" if self.raters else ""
        text = (f"Included: {len(self.participants)} participant(s) ({', '.join(self.participants) or 'none'}) "
                f"with {len(self.transcripts)} transcript(s){finished_by}")
        if not_coded and self.not_coded:
            text += f"; not yet coded: {', '.join(self.not_coded)} (left out of M)"
        if self.excluded:
            text += f"; excluded by an admin: {', '.join(self.excluded)}"
        if adjudication and self.consensus_of:
            text += (f"; in the consensus of {name_list(self.consensus_of)}, {self.decided} segment(s) were decided "
                     f"by an adjudicator, {self.carried} carried as agreed, and {self.open_disagreements} "
                     "disagreement(s) are still open")
        return text + "."

    def to_dict(self) -> dict:
        return {"transcripts": list(self.transcripts), "participants": list(self.participants),
                "raters": list(self.raters), "not_coded": list(self.not_coded),
                "excluded": list(self.excluded), "consensus_of": list(self.consensus_of),
                "uncovered": list(self.uncovered), "open_disagreements": self.open_disagreements,
                "decided": self.decided, "carried": self.carried, "warning": self.warning,
                "description": self.describe()}


def source_coverage(study: Study, asker: Actor, source: Source) -> Coverage:
    """What findings from ``source`` count (the rule in the module doc): counted transcripts and
    M's participants (natural order), those not yet coded, exclusions, and for the consensus the
    adjudication's state (``adjudication.consensus_coverage``).

    Read once per change to the study (every change is audited): a report's many tables share it.
    """
    for rater in source.raters:
        asker.require_rater(rater, "read the codings")
    return _coverage(study, asker, source)


@memo_per_change
def _coverage(study: Study, asker: Actor, source: Source) -> Coverage:
    raters = counting_raters(study, source)
    with study.session() as session:
        left_out = excluded_transcript_ids(session)
        counted = set(session.scalars(counted_transcripts(raters)))
        rows = session.execute(select(transcripts.c.id, transcripts.c.name, participants.c.label)
                               .join(participants, transcripts.c.participant_id == participants.c.id)).all()
    ordered = sorted(rows, key=lambda row: natural_key(row.name))
    kept = [row for row in ordered if row.id in counted and row.id not in left_out]
    coverage = dict(
        transcripts=tuple(row.name for row in kept),
        participants=tuple(sorted({row.label for row in kept}, key=natural_key)),
        raters=raters,
        not_coded=tuple(row.name for row in ordered if row.id not in counted and row.id not in left_out),
        excluded=tuple(row.name for row in ordered if row.id in left_out),
    )
    if source.raters != (CONSENSUS,):
        return Coverage(**coverage)
    from .adjudication import consensus_coverage  # loaded for the consensus only: it brings the statistics

    reach = consensus_coverage(study, asker)
    return Coverage(**coverage, consensus_of=reach.raters, uncovered=reach.uncovered,
                    open_disagreements=reach.open_disagreements, decided=reach.decided, carried=reach.carried)
