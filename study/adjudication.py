"""Disagreements between raters, and the consensus an adjudicator builds from them.

The consensus is the codings of the system rater ``consensus``. Codes every compared rater
applied to a segment are carried into it automatically (``auto_adjudicate``); codes only some
applied are disagreements, which an admin resolves per segment (``resolve``): take one rater's
codes, both (union), neither (only the agreed codes), or an edited list. Each decision is a
Resolution row and an audit entry. The compared raters' own codings are never changed.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import asdict, astuple, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import codes as codes_mod
from . import compared
from .agreement.units import BASIS_DONE, Unit, UnitTable, check_raters, code_infos, compared_basis, unit_table
from .audit_log import memo_per_change
from .auth import CLI, Actor, consensus_user, rater_user
from .coding_write import CodingKey, CodingWrite, write_codings
from .consensus import (  # noqa: F401  (named as adjudication.* too)
    AGREED,
    AUTOMATIC,
    CARRIED_ON_DONE,
    AutoResult,
    chunks,
    carry,
    finished_and_counted,
    transcript_names,
    consensus_raters,
    raters_key,
)
from .csv_quotes import EXTRA_CELLS_FIX, extra_cells_problem
from .errors import BadValue, CodingsFileError, NotFound, StudyError
from .schema import participants, segments, transcripts
from .table import Column, Table, TablePage, minute_text, page_offset
from .store import (
    CONSENSUS,
    Code,
    Coding,
    Resolution,
    Segment,
    Study,
    Transcript,
    audit,
    utcnow,
)

CARRIED = "every compared rater applied these codes"
DECISIONS = ("take:<rater>", "both", "neither", "edit")
RESOLUTION_COLUMNS = ("transcript", "segment", "decision", "codes", "reason")


@dataclass(frozen=True)
class Disagreement:
    """A unit on which the raters' codes differ: who applied what, and which codes are disputed."""

    transcript: str | None
    segment: int | None
    speaker: str | None
    text: str
    codes: dict[str, tuple[str, ...]]
    disputed: tuple[str, ...]
    participant: str | None = None
    resolution: str | None = None  # the adjudicator's latest decision on the unit, if any

    def to_dict(self) -> dict:
        return {"transcript": self.transcript, "segment": self.segment, "participant": self.participant,
                "speaker": self.speaker, "text": self.text,
                "codes": {r: list(c) for r, c in self.codes.items()}, "disputed": list(self.disputed),
                "resolution": self.resolution}


@dataclass(frozen=True)
class ResolutionRecord:
    """One decision on one segment: the consensus codes it set, by whom, when and why."""

    transcript: str
    segment: int
    decision: str
    codes: tuple[str, ...]
    adjudicator: str
    reason: str | None
    at: datetime


# -- disagreements -------------------------------------------------------------------


def disagreements(study: Study, asker: Actor, raters: Sequence[str], level: str = "segment",
                  include_unfinished: bool = False) -> list[Disagreement]:
    """Every unit where some but not all raters applied a code, in reading order. Admins only."""
    asker.require_admin("see the disagreements between raters")
    if level == "segment":
        return _segment_disagreements(study, asker, check_raters(raters), include_unfinished)[0]
    table = unit_table(study, asker, raters, level, include_unfinished=include_unfinished)
    return _disagreements_in(table, {})


def _segment_disagreements(study: Study, asker: Actor, raters: tuple[str, ...],
                           include_unfinished: bool = False) -> tuple[list[Disagreement], int]:
    """(the segment-level disagreements, the segments compared), as ``_disagreements_in`` finds them
    in ``unit_table``, from ``compared.applied``'s groups: only the disputed segments are read, with
    their text, never a unit per segment of the study (issue 20: the Adjudicate page at 500 interviews)."""
    everyone = compared.everyone(len(raters))
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, include_unfinished)
        rater_ids, transcript_ids = basis.rater_ids, basis.transcript_ids
        on_segment: dict[int, list[tuple[int, int]]] = defaultdict(list)  # segment id -> [(code id, raters' bits)]
        for row in compared.applied(session, transcript_ids, rater_ids):
            if row.segment_id is not None:
                on_segment[row.segment_id].append((row.code_id, row.raters))
        disputed = sorted(s for s, held in on_segment.items() if any(bits != everyone for _, bits in held))
        units = sum(session.scalar(select(func.count()).select_from(Segment).where(
            Segment.transcript_id.in_(transcript_ids[start:start + compared.BATCH])))
            for start in range(0, len(transcript_ids), compared.BATCH))
        ref_of = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
        places = _places(session, transcript_ids, set(disputed))
        decided = _latest(session, raters_key(raters))
    code_infos(study, {ref_of[code] for held in on_segment.values() for code, _ in held})  # no codebook: the error
    result = []
    for segment_id in sorted(disputed, key=lambda s: places[s][:2]):
        _, index, name, participant, speaker, text = places[segment_id]
        held = sorted((ref_of[code], bits) for code, bits in on_segment[segment_id])
        decision = decided.get(segment_id)
        result.append(Disagreement(
            name, index, speaker, text,
            {r: tuple(ref for ref, bits in held if bits >> i & 1) for i, r in enumerate(raters)},
            tuple(ref for ref, bits in held if bits != everyone), participant,
            decision.decision if decision is not None and decision.decision != AGREED else None))
    return result, units


def _places(session: Session, transcript_ids: list[int], wanted: set[int]) -> dict[int, tuple]:
    """{segment id: (transcript id, index, transcript, participant, speaker, text)} of the ``wanted``
    segments of ``transcript_ids``, read a batch of transcripts at a time (an IN list of segment ids
    would cost more to compile than to run), each transcript's text read once."""
    found = {}
    for start in range(0, len(transcript_ids), compared.BATCH):
        batch = transcript_ids[start:start + compared.BATCH]
        texts = {tid: (name, label, text) for tid, name, label, text in session.execute(
            select(transcripts.c.id, transcripts.c.name, participants.c.label, transcripts.c.text)
            .outerjoin(participants, participants.c.id == transcripts.c.participant_id)
            .where(transcripts.c.id.in_(batch)))}
        for segment_id, transcript_id, index, speaker, begin, end in session.execute(
                select(segments.c.id, segments.c.transcript_id, segments.c.index, segments.c.speaker,
                       segments.c.start, segments.c.end).where(segments.c.transcript_id.in_(batch))):
            if segment_id in wanted:
                name, label, text = texts[transcript_id]
                found[segment_id] = (transcript_id, index, name, label, speaker, text[begin:end])
    return found


def _disagreements_in(table: UnitTable, decided: dict[int, Resolution]) -> list[Disagreement]:
    disputed = disputed_codes(table)
    result = []
    for u in np.flatnonzero(disputed.any(axis=1)):
        unit = table.units[u]
        decision = decided.get(unit.segment_id)
        result.append(Disagreement(
            unit.transcript, unit.segment, unit.speaker, unit.text,
            {r: table.codes_of(u, i) for i, r in enumerate(table.raters)},
            tuple(sorted(table.codes[c].ref for c in np.flatnonzero(disputed[u]))),
            unit.participant, decision.decision if decision is not None and decision.decision != AGREED else None,
        ))
    return result


@dataclass(frozen=True)
class Docket:
    """What an adjudicator works through: the disputed segments between ``raters`` (in reading
    order, each with its latest decision), among ``units`` segments of finished transcripts."""

    raters: tuple[str, ...]
    items: tuple[Disagreement, ...]
    units: int

    @property
    def progress(self) -> AdjudicationProgress:
        """As ``adjudication_progress`` counts it: disputed segments, and those an adjudicator decided."""
        return AdjudicationProgress(self.units, len(self.items), sum(1 for d in self.items if d.resolution))

    def decided(self, record: ResolutionRecord) -> Docket:
        """The docket after ``record`` (a decision this process made): its segment shows the decision,
        without reading every disagreement again."""
        items = tuple(replace(d, resolution=record.decision) if (d.transcript, d.segment) ==
                      (record.transcript, record.segment) else d for d in self.items)
        return replace(self, items=items)


def docket(study: Study, asker: Actor, raters: Sequence[str]) -> Docket:
    """The segment-level disagreements between ``raters`` and how many segments were compared, in
    one read (admins only)."""
    asker.require_admin("see the disagreements between raters")
    raters = _compared(raters)
    items, units = _segment_disagreements(study, asker, raters)
    return Docket(raters, tuple(items), units)


@dataclass(frozen=True)
class DisagreementFilter:
    """Which disagreements to show; empty fields do not filter. ``themes`` are theme paths (a code
    under a sub-theme is under its theme too); ``rater`` keeps units where that rater applied a
    disputed code the others did not all apply."""

    transcripts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    rater: str | None = None
    unresolved_only: bool = False

    def keeps(self, item: Disagreement) -> bool:
        if self.transcripts and item.transcript not in self.transcripts:
            return False
        if self.codes and not set(self.codes) & set(item.disputed):
            return False
        if self.themes and not any(ref.startswith(theme + "/") for ref in item.disputed for theme in self.themes):
            return False
        if self.rater and not set(item.codes.get(self.rater, ())) & set(item.disputed):
            return False
        return not (self.unresolved_only and item.resolution)


def filter_disagreements(items: Sequence[Disagreement], where: DisagreementFilter) -> list[Disagreement]:
    """The disagreements ``where`` keeps, in their order. Example: ``filter_disagreements(items,
    DisagreementFilter(transcripts=("P07",), themes=("Challenges",)))``."""
    return [item for item in items if where.keeps(item)]


def disputed_codes(table: UnitTable) -> np.ndarray:
    """Units x codes: True where some but not all raters applied the code."""
    return table.disputed()


def disagreement_table(items: Sequence[Disagreement], raters: Sequence[str]) -> Table:
    """The disagreements as one table for the CLI and the pages: one row per unit (its transcript,
    or its participant at participant level), the text, each rater's codes, the disputed codes and
    the adjudicator's decision so far."""
    participants = bool(items) and all(d.transcript is None for d in items)
    columns = (
        Column("transcript", "participant" if participants else "transcript"),
        Column("segment", "segment", numeric=True), Column("speaker", "speaker"), Column("text", "text", wide=True),
        *(Column(f"codes of {r}", r) for r in raters), Column("disputed", "disputed"), Column("resolution", "resolution"),
    )
    rows = tuple(
        {"transcript": d.transcript if d.transcript is not None else d.participant, "segment": d.segment,
         "speaker": d.speaker, "text": d.text, **{f"codes of {r}": "; ".join(d.codes[r]) for r in raters},
         "disputed": "; ".join(d.disputed), "resolution": d.resolution or ""}
        for d in items
    )
    return Table(title=f"Disagreements between {', '.join(raters)}", columns=columns, rows=rows,
                 name="disagreements")


def disagreement_page(items: Sequence[Disagreement], raters: Sequence[str], number: int = 1,
                      size: int = 50) -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of ``disagreement_table(items)``: a page
    builds and draws its own rows, whatever the number of disagreements."""
    pages = max(1, -(-len(items) // size))
    offset = page_offset(min(number, pages), size)
    return TablePage(disagreement_table(items[offset:offset + size], raters), len(items), offset, size)


# -- consensus -----------------------------------------------------------------------


def auto_adjudicate(study: Study, actor: Actor, raters: Sequence[str]) -> AutoResult:
    """Carry the codes all raters applied into the consensus, segment by segment.

    Runs on the segments of transcripts every rater marked done (none an admin excluded).
    Segments an adjudicator already resolved keep their decision; on the others the consensus
    becomes exactly the agreed codes, recorded as Resolution(decision="agreed")
    (``consensus.carry``, the rule marking done follows too). Safe to run again.
    """
    actor.require_admin("adjudicate")
    names = _compared(raters)
    with study.session() as session:
        transcript_ids = _finished_by_all(session, names)
        if not codes_mod.all_codes(session, include_retired=True):
            raise StudyError("the codebook has no codes", "load a codebook first", remedy="load_codebook")
        carried = carry(session, names, transcript_ids, actor.name, CARRIED).values()
        result = AutoResult(*(sum(field) for field in zip(*(astuple(r) for r in carried))))
        audit(session, actor.name, "adjudicate.auto", raters_key(names), after=asdict(result))
    return result


def _finished_by_all(session: Session, raters: tuple[str, ...]) -> list[int]:
    """The transcripts every one of ``raters`` marked done and no admin excluded, by id."""
    transcripts = finished_and_counted(session, raters)
    if not transcripts:
        raise StudyError(f"no transcript is marked done by all of {', '.join(raters)}",
                         "mark finished transcripts done, or include unfinished ones", remedy="mark_done")
    return transcripts


@dataclass(frozen=True)
class ConsensusCoverage:
    """How far the consensus reaches: the transcripts every compared rater finished, those of them
    whose agreements are not (all) carried into it, and the disagreements still open on them."""

    raters: tuple[str, ...]
    finished: tuple[str, ...]
    uncovered: tuple[str, ...]
    open_disagreements: int
    decided: int = 0  # segments an adjudicator decided (take, both, neither, edit)
    carried: int = 0  # segments whose agreed codes were carried (decision ``agreed`` with codes)


def consensus_coverage(study: Study, asker: Actor) -> ConsensusCoverage:
    """What the consensus covers, read from the codings (not from history): a finished transcript
    is covered when every code all compared raters applied on its undecided segments is in it.
    Read once per change to the study (a report's tables and methods share it)."""
    asker.require_admin("see what the consensus covers")
    return _consensus_coverage(study, asker)


@memo_per_change
def _consensus_coverage(study: Study, asker: Actor) -> ConsensusCoverage:
    with study.session() as session:
        raters = consensus_raters(session)
        try:
            names = _compared(raters)
            transcript_ids = _finished_by_all(session, names)
        except StudyError:  # fewer than two raters, or nothing finished by all of them
            return ConsensusCoverage(raters, (), (), 0)
        rater_ids = [rater_user(session, r).id for r in names]
        latest = _latest_in(session, raters_key(names), transcript_ids)
        decided = {s for s, (decision, _) in latest.items() if decision != AGREED}
        still_open = len(compared.disputed_segments(session, transcript_ids, rater_ids) - decided)
        carried = sum(1 for decision, codes in latest.values() if decision == AGREED and codes)
        held = _consensus_codes(session, transcript_ids)
        uncovered = {t for t, s, c, _ in compared.agreed(session, transcript_ids, rater_ids)
                     if s not in decided and (s, c) not in held}
        by_adjudicator = len(decided)
        finished = _reading_order(session, transcript_ids)
        return ConsensusCoverage(names, tuple(finished.values()), tuple(n for t, n in finished.items() if t in uncovered),
                                 still_open, by_adjudicator, carried)


def _latest_in(session: Session, key: str, transcript_ids: Sequence[int]) -> dict[int, tuple[str, list]]:
    """{segment id: (decision, codes) of its latest Resolution} in the transcripts, for one set of raters."""
    latest = {}
    for chunk in chunks(list(transcript_ids)):
        latest.update((s, (d, c)) for s, d, c in session.execute(
            select(Resolution.segment_id, Resolution.decision, Resolution.codes)
            .where(Resolution.raters == key, Resolution.transcript_id.in_(chunk), Resolution.segment_id.is_not(None))
            .order_by(Resolution.id)))
    return latest


def _consensus_codes(session: Session, transcript_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(segment id, code id) of the consensus's segment codings in the transcripts."""
    user = consensus_user(session)
    held = set()
    for chunk in chunks(list(transcript_ids)):
        held.update(session.execute(select(Coding.segment_id, Coding.code_id).where(
            Coding.rater_id == user.id, Coding.transcript_id.in_(chunk), Coding.segment_id.is_not(None))).all())
    return held


def _reading_order(session: Session, transcript_ids: Sequence[int]) -> dict[int, str]:
    """{id: name} of the transcripts as agreement lists them: by id, those without segments last by name."""
    names = transcript_names(session, transcript_ids)
    with_segments = set(session.scalars(select(Segment.transcript_id).distinct()))
    return {t: names[t] for t in sorted(names, key=lambda t: (t not in with_segments, names[t] if t not in
                                                                with_segments else "", t))}


def resolve(study: Study, actor: Actor, raters: Sequence[str], transcript: str, segment_index: int,
            decision: str, codes: Sequence[str] | None = None, reason: str | None = None) -> ResolutionRecord:
    """Set the consensus codes of one segment by an adjudicator's decision.

    ``decision``: ``take:<rater>`` (that rater's codes), ``both`` (every code any rater applied),
    ``neither`` (only the codes all applied) or ``edit`` (exactly ``codes``, a list of refs).
    """
    actor.require_admin("adjudicate")
    names = _compared(raters)
    with study.session() as session:  # one transcript's units: a decision costs what it touches
        codebook = codes_mod.all_codes(session, include_retired=True)
        table = _transcript_table(session, names, _finished_transcript(session, names, transcript), codebook)
        return _Consensus(session, table, codebook).decide(actor, transcript, segment_index, decision, codes, reason)


def _finished_transcript(session: Session, raters: tuple[str, ...], name: str) -> Transcript:
    """The transcript ``name``, when every one of ``raters`` marked it done and no admin excluded it."""
    transcript = session.scalar(select(Transcript).where(Transcript.name == name))
    if transcript is None or not finished_and_counted(session, raters, [transcript.id]):
        raise StudyError(f"{name!r} is not a transcript that all of {', '.join(raters)} marked done; only "
                         "finished transcripts are adjudicated", "the transcripts list shows who finished which",
                         remedy="list_transcripts")
    return transcript


@dataclass(frozen=True)
class AdjudicationProgress:
    """Segments in transcripts every rater marked done, those the raters disagree on, and how many
    of those an adjudicator decided (carrying agreed codes is not deciding)."""

    units: int
    disputed: int
    resolved: int

    @property
    def unresolved(self) -> int:
        return self.disputed - self.resolved


def adjudication_progress(study: Study, raters: Sequence[str], asker: Actor) -> AdjudicationProgress:
    """How many segments the raters disagree on, and how many of those an adjudicator resolved."""
    asker.require_admin("see the adjudication's progress")
    names = _compared(raters)
    with study.session() as session:
        transcript_ids = _finished_by_all(session, names)
        rater_ids = [rater_user(session, r).id for r in names]
        disputed = compared.disputed_segments(session, transcript_ids, rater_ids)
        units = sum(session.scalar(select(func.count()).select_from(Segment).where(Segment.transcript_id.in_(chunk)))
                    for chunk in chunks(transcript_ids))
        latest = dict(session.execute(select(Resolution.segment_id, Resolution.decision)
                                      .where(Resolution.raters == raters_key(names)).order_by(Resolution.id)).all())
    resolved = sum(1 for s in disputed if latest.get(s, AGREED) != AGREED)
    return AdjudicationProgress(units, len(disputed), resolved)


def import_resolutions_csv(study: Study, actor: Actor, raters: Sequence[str], path: Path) -> int:
    """Apply a CSV of decisions (transcript, segment, decision, codes, reason), all rows or none.

    ``codes`` (for ``edit``) are code refs separated by ";". Returns the number of rows applied.
    """
    actor.require_admin("adjudicate")
    path = Path(path)
    rows = _read_resolutions_csv(path)
    table = _adjudication_table(study, actor, raters)
    problems = []
    with study.session() as session:
        consensus = _Consensus(session, table)
        for line, row in rows:
            try:
                codes = [c for c in (row.get("codes") or "").split(";") if c.strip()]
                consensus.decide(actor, row.get("transcript", "").strip(), _segment(row.get("segment", "")),
                                 row.get("decision", "").strip(), codes if codes or _is_edit(row) else None,
                                 row.get("reason") or None)
            except StudyError as exc:
                problems.append(f"{path}, line {line}: {exc}")
        if problems:  # raising inside the transaction rolls every row back
            raise CodingsFileError(f"{path}: nothing was applied; fix these rows:\n" + "\n".join(problems))
    return len(rows)


def decision_table(records: Sequence[ResolutionRecord]) -> Table:
    """The decisions, newest first, as the one table `study decisions` lists and the Adjudicate
    page shows: the segment, the decision, the consensus codes it set, by whom, why and when."""
    columns = (Column("transcript", "transcript"), Column("segment", "segment", numeric=True),
               Column("decision", "decision"), Column("codes", "codes"), Column("adjudicator", "by"),
               Column("reason", "reason", wide=True), Column("at", "at (UTC)", format=minute_text))
    rows = tuple({"transcript": r.transcript, "segment": r.segment, "decision": r.decision,
                  "codes": "; ".join(r.codes), "adjudicator": r.adjudicator, "reason": r.reason or "", "at": r.at}
                 for r in reversed(records))
    return Table(title="Adjudication decisions, newest first", columns=columns, rows=rows, name="decisions")


def resolutions(study: Study, asker: Actor, raters: Sequence[str], offset: int = 0, limit: int | None = None,
                newest_first: bool = False) -> list[ResolutionRecord]:
    """Every recorded decision for these raters, oldest first (the adjudication's history), or
    ``limit`` of them from ``offset`` (``newest_first``: from the latest back), read in one query."""
    asker.require_admin("see the adjudication's decisions")
    key = raters_key(check_raters(raters))
    query = (select(Transcript.name, Segment.index, Resolution.decision, Resolution.codes, Resolution.adjudicator,
                    Resolution.reason, Resolution.at)
             .join_from(Resolution, Transcript, Transcript.id == Resolution.transcript_id)
             .outerjoin(Segment, Segment.id == Resolution.segment_id)
             .where(Resolution.raters == key)
             .order_by(Resolution.id.desc() if newest_first else Resolution.id).offset(offset).limit(limit))
    with study.session() as session:
        return [ResolutionRecord(name, index, decision, tuple(codes), adjudicator, reason, at)
                for name, index, decision, codes, adjudicator, reason, at in session.execute(query)]


def decisions_page(study: Study, asker: Actor, raters: Sequence[str], number: int = 1, size: int = 50) -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of ``decision_table``, newest first, read
    and counted in the database: what the Adjudicate page's history shows."""
    asker.require_admin("see the adjudication's decisions")
    key = raters_key(check_raters(raters))
    with study.session() as session:
        total = session.scalar(select(func.count()).select_from(Resolution).where(Resolution.raters == key))
    offset = page_offset(min(number, max(1, -(-total // size))), size)
    newest = resolutions(study, asker, raters, offset, size, newest_first=True)
    return TablePage(decision_table(newest[::-1]), total, offset, size)


# -- internals -------------------------------------------------------------------------


def _transcript_table(session: Session, raters: tuple[str, ...], transcript: Transcript,
                      codebook: Sequence[Code]) -> UnitTable:
    """The segment units of one transcript with the raters' codes (the codes they applied there),
    read in an open session; ``codebook``: ``codes.all_codes`` with the retired ones."""
    users = {rater_user(session, r).id: i for i, r in enumerate(raters)}
    participant = transcript.participant.label if transcript.participant else None
    units = tuple(Unit(f"{transcript.name}#{s.index}", transcript.name, s.index, s.id, transcript.id, s.speaker,
                       participant, transcript.text[s.start:s.end]) for s in transcript.segments)
    rows = session.execute(select(Coding.rater_id, Coding.segment_id, Coding.code_id).where(
        Coding.transcript_id == transcript.id, Coding.rater_id.in_(list(users)),
        Coding.segment_id.is_not(None))).all()
    used = {r.code_id for r in rows}
    codes = tuple(codes_mod.code_view(c) for c in codebook if c.id in used)
    ref_of = {c.id: c.ref for c in codes}
    code_index = {c.ref: i for i, c in enumerate(codes)}
    unit_index = {u.segment_id: i for i, u in enumerate(units)}
    presence = np.zeros((len(units), len(codes), len(raters)), dtype=bool)
    for rater_id, segment_id, code_id in rows:
        presence[unit_index[segment_id], code_index[ref_of[code_id]], users[rater_id]] = True
    return UnitTable(raters, "segment", BASIS_DONE, (transcript.name,), units, codes, presence)



def _adjudication_table(study: Study, asker: Actor, raters: Sequence[str]) -> UnitTable:
    """Segments of transcripts every rater finished, with every code of the codebook."""
    return unit_table(study, asker, _compared(raters), "segment")


def _compared(raters: Sequence[str]) -> tuple[str, ...]:
    """The raters to adjudicate between: two or more, never the consensus itself."""
    names = check_raters(raters)
    if CONSENSUS in names:
        raise BadValue(f"{CONSENSUS!r} is the adjudicated result, not a rater to adjudicate between")
    return names


def _latest(session: Session, key: str, transcript_id: int | None = None) -> dict[int, Resolution]:
    """{segment id: the latest Resolution on it} for one set of compared raters (in one transcript)."""
    query = select(Resolution).where(Resolution.raters == key).order_by(Resolution.id)
    if transcript_id is not None:
        query = query.where(Resolution.transcript_id == transcript_id)
    return {r.segment_id: r for r in session.scalars(query)}


def _is_edit(row: dict) -> bool:
    return (row.get("decision") or "").strip() == "edit"


def _segment(value: str) -> int:
    value = (value or "").strip()
    try:
        return int(value)
    except ValueError:
        raise BadValue(f"segment {value!r} is not a segment index (a whole number); "
                         "adjudication is per segment") from None


def _read_resolutions_csv(path: Path) -> list[tuple[int, dict]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = {(f or "").strip() for f in reader.fieldnames or []}
            missing = {"transcript", "segment", "decision"} - header
            if missing:
                raise CodingsFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}; the header must "
                                       f"be {','.join(RESOLUTION_COLUMNS)}")
            rows = []
            for n, row in enumerate(reader, start=2):
                if any((cell or "").strip() for cell in row.get(None, ())):  # cells past the header: never dropped
                    raise CodingsFileError(f"{path}, {extra_cells_problem(n, len(reader.fieldnames) + len(row[None]), len(reader.fieldnames))}",
                                           EXTRA_CELLS_FIX)
                rows.append((n, {k.strip(): (v or "") for k, v in row.items() if k}))
            return rows
    except FileNotFoundError:
        raise CodingsFileError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise CodingsFileError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None


class _Consensus:
    """The consensus rater's codings on the compared units, changed within one session."""

    def __init__(self, session: Session, table: UnitTable, codebook: Sequence[Code] | None = None):
        self.session, self.table = session, table
        self.key = raters_key(table.raters)
        self.user = consensus_user(session)
        self.code_cache = list(codebook) if codebook is not None else codes_mod.all_codes(session, include_retired=True)
        self.code_ids = {c.ref: c.id for c in self.code_cache}
        self.code_cache_by_id = {c.id: c for c in self.code_cache}
        self.unit_of = {(u.transcript, u.segment): i for i, u in enumerate(table.units)}
        # a one-transcript table (a decision, a transcript finished) reads that transcript only
        only = table.units[0].transcript_id if len(table.transcripts) == 1 and table.units else None
        self.decisions = _latest(session, self.key, only)
        # segment id -> the consensus's (code id, span) there; span None: the whole segment
        self.current: dict[int, set[tuple[int, tuple[int, int] | None]]] = defaultdict(set)
        held = select(Coding.segment_id, Coding.code_id, Coding.span_start, Coding.span_end).where(
            Coding.rater_id == self.user.id, Coding.segment_id.is_not(None))
        for segment_id, code_id, start, end in session.execute(
                held if only is None else held.where(Coding.transcript_id == only)):
            self.current[segment_id].add((code_id, None if start is None else (start, end)))
        self.rater_ids = {r: rater_user(session, r).id for r in table.raters}
        self.transcript_of = {u.segment_id: u.transcript_id for u in table.units}

    def decide(self, actor: Actor, transcript: str, index: int, decision: str, codes: Sequence[str] | None,
               reason: str | None) -> ResolutionRecord:
        """Apply one adjudicator's decision on one segment."""
        u = self._unit(transcript, index)
        refs = self._target(u, decision, codes)
        segment_id = self.table.units[u].segment_id
        before = {self.code_cache_by_id[c].ref for c, _ in self.current[segment_id]}
        self.set_codes(segment_id, refs, self._spans_from(decision))
        row = self.record(segment_id, decision, refs, actor.name, reason)
        audit(self.session, actor.name, "adjudicate.resolve", f"{transcript}#{index}",
              before={"codes": sorted(before)},
              after={"raters": self.key, "decision": decision, "codes": list(refs), "reason": reason})
        return ResolutionRecord(transcript, index, decision, refs, actor.name, reason, row.at)

    def _unit(self, transcript: str, index: int) -> int:
        if (transcript, index) in self.unit_of:
            return self.unit_of[(transcript, index)]
        if transcript in self.table.transcripts:
            raise NotFound(f"transcript {transcript!r} has no segment {index}")
        raise StudyError(f"{transcript!r} is not a transcript that all of {', '.join(self.table.raters)} marked "
                         "done; only finished transcripts are adjudicated", "the transcripts list shows who finished which",
                         remedy="list_transcripts")

    def _target(self, u: int, decision: str, codes: Sequence[str] | None) -> tuple[str, ...]:
        """The consensus code refs a decision gives unit ``u``."""
        if (codes is not None) != (decision == "edit"):
            raise BadValue("codes go with the decision 'edit' only",
                             "give codes with the decision 'edit', and no codes with the other decisions",
                             remedy="edit_decision")
        presence = self.table.presence[u]  # codes x raters
        if decision.startswith("take:"):
            rater = decision.removeprefix("take:").strip()
            if rater not in self.table.raters:
                raise BadValue(f"cannot take {rater!r}: compared raters are {', '.join(self.table.raters)}")
            chosen = presence[:, self.table.raters.index(rater)]
        elif decision == "both":
            chosen = presence.any(axis=1)
        elif decision == "neither":
            chosen = presence.all(axis=1)
        elif decision == "edit":
            return tuple(sorted({codes_mod.resolve(self.session, ref, self.code_cache).ref for ref in codes}))
        else:
            raise BadValue(f"unknown decision {decision!r}; choose one of {', '.join(DECISIONS)}")
        return tuple(sorted(self.table.codes[c].ref for c in np.flatnonzero(chosen)))

    def _spans_from(self, decision: str) -> tuple[str, ...]:
        """Whose spans the consensus keeps: the taken rater's; everyone's for both and neither;
        nobody's for an edit (its codes code the whole segment)."""
        if decision.startswith("take:"):
            return (decision.removeprefix("take:").strip(),)
        return () if decision == "edit" else self.table.raters

    def _rater_spans(self, segment_id: int, raters: Sequence[str]) -> dict[int, set]:
        """{code id: the (code id, span) units the raters coded it with on the segment}."""
        found: dict[int, set] = defaultdict(set)
        for code_id, start, end in self.session.execute(
                select(Coding.code_id, Coding.span_start, Coding.span_end).where(
                    Coding.segment_id == segment_id, Coding.rater_id.in_([self.rater_ids[r] for r in raters]))):
            found[code_id].add((code_id, None if start is None else (start, end)))
        return found

    def set_codes(self, segment_id: int, refs: Sequence[str], spans_from: Sequence[str] = ()) -> tuple[int, int]:
        """Make the consensus codes of a segment exactly ``refs``, on the spans the raters in
        ``spans_from`` coded them with (the whole segment when none did); returns (added, removed)."""
        spans = self._rater_spans(segment_id, spans_from) if spans_from else {}
        wanted = set()
        for code_id in (self.code_ids[r] for r in refs):
            wanted |= spans.get(code_id) or {(code_id, None)}
        current = set(self.current[segment_id])
        transcript_id = self.transcript_of[segment_id]
        writes = [CodingWrite(CodingKey(self.user.id, transcript_id, segment_id, code_id, span), applied=False)
                  for code_id, span in sorted(current - wanted, key=str)]
        writes += [CodingWrite(CodingKey(self.user.id, transcript_id, segment_id, code_id, span))
                   for code_id, span in sorted(wanted - current, key=str)]
        # the decision is audited; it settles codings the raters made, a since-retired code among them
        write_codings(self.session, CLI, writes, audited=False, consensus=True, carried=True)
        self.current[segment_id] = wanted
        return len(wanted - current), len(current - wanted)

    def record(self, segment_id: int, decision: str, refs: Sequence[str], adjudicator: str,
               reason: str | None) -> Resolution:
        row = Resolution(raters=self.key, transcript_id=self.transcript_of[segment_id], segment_id=segment_id,
                         decision=decision, codes=list(refs), adjudicator=adjudicator, reason=reason, at=utcnow())
        self.session.add(row)
        self.session.flush()
        self.decisions[segment_id] = row
        return row
