"""Agreement's units and adjudication's carrying as they were computed before the grouped query
(issue 20): every coding of the compared raters read into a frame, the units x codes x raters table
set from it, and the agreements carried unit by unit from that table. Kept only for the equivalence
tests (tests/test_compared_equivalence.py), which compare them with ``study.agreement.units`` and
``study.adjudication`` on the same studies."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, replace

import numpy as np
import pandas as pd
from sqlalchemy import select

from study.agreement.units import LEVELS, BASIS_ALL, BASIS_DONE, Unit, UnitTable, check_raters, code_infos
from study.agreement.visibility import require_may_compare
from study.auth import CLI, Actor, consensus_user, rater_user
from study.codes import CodeView
from study.coding_write import CodingKey, CodingWrite, write_codings
from study.codings import done_by, segments_frame
from study.consensus import AGREED, AutoResult, raters_key
from study.errors import BadValue, StudyError
from study.excluded import excluded_transcript_ids
from study import codes as codes_mod
from study.store import Coding, Resolution, Study, Transcript, audit, utcnow
from tests.frames_before import read_codings_frame

def unit_table(study: Study, asker: Actor, raters, level: str = "segment", theme: str | None = None,
               include_unfinished: bool = False, participant_turns_only: bool = False) -> UnitTable:
    """The units the raters are compared on, with each rater's codes, in one read of the codings.

    Units are the segments (or participants) of the transcripts every rater marked done, or with
    ``include_unfinished`` of every transcript any of them coded or marked done. With
    ``participant_turns_only``, the segments of interviewers and others (observers, note-takers,
    interpreters) are left out of the segment level.
    """
    raters = check_raters(raters)
    if level not in LEVELS:
        raise BadValue(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    require_may_compare(study, asker, raters, include_unfinished)
    frame = read_codings_frame(study, asker, list(raters))
    transcripts = _basis_transcripts(study, raters, frame, include_unfinished)
    segments = segments_frame(study, sorted(transcripts))
    names = tuple(dict.fromkeys(segments.transcript))  # reading order
    names += tuple(sorted(transcripts - set(names)))  # transcripts without segments, if any
    frame = frame[frame.transcript.isin(transcripts)]
    codes = code_infos(study, set(frame.code), theme)
    frame = frame[frame.code.isin({c.ref for c in codes})]
    notes = []
    if include_unfinished:
        notes.append("units include transcripts not every rater marked done; a rater who did not code "
                      "a unit counts as not applying the code there")
    if level == "segment":
        if participant_turns_only:
            segments, frame, note = _participant_turns(segments, frame)
            notes.append(note)
        units, unit_of_segment = _segment_units(segments)
        whole = frame.segment_id.isna()
        if whole.any():
            notes.append(f"{int(whole.sum())} whole-transcript coding(s) ignored: segment level compares "
                         "segment codings only (the participant level counts them)")
        frame = frame[~whole]
        unit_index = frame.segment_id.astype("int64").map(unit_of_segment)
    else:
        units, unit_of_transcript = _participant_units(segments, frame, names)
        unit_index = frame.transcript.map(unit_of_transcript)
    presence = _presence(frame, unit_index, len(units), codes, raters)
    basis = BASIS_ALL if include_unfinished else BASIS_DONE
    return UnitTable(raters, level, basis, names, units, codes, presence, tuple(notes))


def _presence(frame: pd.DataFrame, unit_index: pd.Series, n_units: int, codes: tuple[CodeView, ...],
              raters: tuple[str, ...]) -> np.ndarray:
    """Units x codes x raters booleans, set from the codings in one vectorised assignment."""
    presence = np.zeros((n_units, len(codes), len(raters)), dtype=bool)
    code_index = {c.ref: i for i, c in enumerate(codes)}
    rater_index = {r: i for i, r in enumerate(raters)}
    presence[unit_index.to_numpy(dtype=np.int64), frame.code.map(code_index).to_numpy(dtype=np.int64),
             frame.rater.map(rater_index).to_numpy(dtype=np.int64)] = True
    return presence


def _excluded_transcripts(study: Study) -> set[str]:
    """Names of the transcripts left out of findings and agreement."""
    with study.session() as session:
        ids = excluded_transcript_ids(session)
        return set(session.scalars(select(Transcript.name).where(Transcript.id.in_(ids)))) if ids else set()


def _basis_transcripts(study: Study, raters: tuple[str, ...], frame: pd.DataFrame,
                       include_unfinished: bool) -> set[str]:
    done = done_by(study, CLI, list(raters))  # the asker's right to compare them was checked
    left_out = _excluded_transcripts(study)
    done = {r: names - left_out for r, names in done.items()}
    if include_unfinished:
        transcripts = set(frame.transcript).union(*done.values()) - left_out
        if not transcripts:
            raise StudyError(f"none of {', '.join(raters)} has coded any transcript yet")
        return transcripts
    transcripts = set.intersection(*done.values())
    if not transcripts:
        raise StudyError(f"no transcript is marked done by all of {', '.join(raters)}",
                         "mark finished transcripts done, or include unfinished ones", remedy="mark_done")
    return transcripts


def _participant_turns(segments: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    kept = segments[segments.role == "participant"]
    dropped = frame.segment_id.notna() & ~frame.segment_id.isin(set(kept.segment_id))
    left = segments.role[segments.role != "participant"].value_counts()
    said = " and ".join(f"{n} {role}" for role, n in sorted(left.items())) or "0 interviewer"
    note = (f"participant turns only: {said} segment(s) left out"
            + (f", with {int(dropped.sum())} coding(s) on them" if dropped.any() else ""))
    return kept, frame[~dropped], note


def _segment_units(segments: pd.DataFrame) -> tuple[tuple[Unit, ...], dict[int, int]]:
    units = tuple(
        Unit(f"{r.transcript}#{r.segment}", r.transcript, int(r.segment), int(r.segment_id), int(r.transcript_id),
             r.speaker, r.participant, r.text)
        for r in segments.itertuples(index=False)
    )
    return units, {u.segment_id: i for i, u in enumerate(units)}


def _participant_units(segments: pd.DataFrame, frame: pd.DataFrame,
                       transcripts: tuple[str, ...]) -> tuple[tuple[Unit, ...], dict[str, int]]:
    """One unit per participant; a transcript without a participant is a unit of its own."""
    participant_of = {**dict(zip(frame.transcript, frame.participant)),
                      **dict(zip(segments.transcript, segments.participant))}
    labels = tuple(dict.fromkeys(participant_of.get(t) or t for t in transcripts))
    units = tuple(Unit(label, participant=label) for label in labels)
    index = {label: i for i, label in enumerate(labels)}
    return units, {t: index[participant_of.get(t) or t] for t in transcripts}


def auto_adjudicate(study, actor, raters, adjudicator_reason="every compared rater applied these codes"):
    """Carry the codes all raters applied into the consensus, unit by unit from the table."""
    table = unit_table(study, actor, raters, "segment")
    with study.session() as session:
        key = raters_key(table.raters)
        user = consensus_user(session)
        ids = {c.ref: c.id for c in codes_mod.all_codes(session, include_retired=True)}
        rater_ids = [rater_user(session, r).id for r in table.raters]
        decisions = {r.segment_id: r for r in session.scalars(
            select(Resolution).where(Resolution.raters == key).order_by(Resolution.id))}
        current: dict[int, set] = defaultdict(set)
        for segment_id, code_id, start, end in session.execute(
                select(Coding.segment_id, Coding.code_id, Coding.span_start, Coding.span_end).where(
                    Coding.rater_id == user.id, Coding.segment_id.is_not(None))):
            current[segment_id].add((code_id, None if start is None else (start, end)))
        disputed = table.disputed().any(axis=1)
        agreed = table.presence.all(axis=2)
        added = removed = agreed_units = kept = 0
        for u, unit in enumerate(table.units):
            latest = decisions.get(unit.segment_id)
            if latest is not None and latest.decision != AGREED:
                kept += 1
                continue
            refs = tuple(table.codes[c].ref for c in np.flatnonzero(agreed[u]))
            spans: dict[int, set] = defaultdict(set)
            for code_id, start, end in session.execute(select(Coding.code_id, Coding.span_start, Coding.span_end).where(
                    Coding.segment_id == unit.segment_id, Coding.rater_id.in_(rater_ids))):
                spans[code_id].add((code_id, None if start is None else (start, end)))
            wanted = set()
            for code_id in (ids[r] for r in refs):
                wanted |= spans.get(code_id) or {(code_id, None)}
            now = current[unit.segment_id]
            writes = [CodingWrite(CodingKey(user.id, unit.transcript_id, unit.segment_id, c, span), applied=False)
                      for c, span in sorted(now - wanted, key=str)]
            writes += [CodingWrite(CodingKey(user.id, unit.transcript_id, unit.segment_id, c, span))
                       for c, span in sorted(wanted - now, key=str)]
            write_codings(session, CLI, writes, audited=False, consensus=True, carried=True)
            added, removed = added + len(wanted - now), removed + len(now - wanted)
            agreed_units += bool(refs)
            if (latest is None and refs) or (latest is not None and tuple(latest.codes) != refs):
                session.add(Resolution(raters=key, transcript_id=unit.transcript_id, segment_id=unit.segment_id,
                                       decision=AGREED, codes=list(refs), adjudicator=actor.name,
                                       reason=adjudicator_reason, at=utcnow()))
        result = AutoResult(len(table.units), agreed_units, added, removed, int(disputed.sum()), kept)
        audit(session, actor.name, "adjudicate.auto", key, after=asdict(result))
    return result


def consensus_coverage(study, asker):
    """What the consensus covers, from the units table (``adjudication.ConsensusCoverage``)."""
    from study.adjudication import ConsensusCoverage
    from study.consensus import consensus_raters

    with study.session() as session:
        raters = consensus_raters(session)
    try:
        table = unit_table(study, asker, raters, "segment")
    except StudyError:
        return ConsensusCoverage(raters, (), (), 0)
    with study.session() as session:
        decided = {r.segment_id: r for r in session.scalars(
            select(Resolution).where(Resolution.raters == raters_key(table.raters)).order_by(Resolution.id))}
        user = consensus_user(session)
        refs = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
        held: dict[int, set[str]] = defaultdict(set)
        for segment_id, code_id in session.execute(select(Coding.segment_id, Coding.code_id).where(
                Coding.rater_id == user.id, Coding.segment_id.is_not(None))):
            held[segment_id].add(refs[code_id])
    agreed, disputed = table.presence.all(axis=2), table.disputed().any(axis=1)
    uncovered, still_open, by_adjudicator, carried = set(), 0, 0, 0
    for u, unit in enumerate(table.units):
        latest = decided.get(unit.segment_id)
        if latest is not None and latest.decision != AGREED:
            by_adjudicator += 1
            continue
        carried += latest is not None and bool(latest.codes)
        still_open += bool(disputed[u])
        if not {table.codes[c].ref for c in np.flatnonzero(agreed[u])} <= held[unit.segment_id]:
            uncovered.add(unit.transcript)
    return ConsensusCoverage(table.raters, table.transcripts, tuple(t for t in table.transcripts if t in uncovered),
                             still_open, by_adjudicator, carried)


def adjudication_progress(study, raters, asker):
    """Disputed segments and those an adjudicator resolved, from the units table."""
    from study.adjudication import AdjudicationProgress

    table = unit_table(study, asker, raters, "segment")
    with study.session() as session:
        decided = {r.segment_id: r for r in session.scalars(
            select(Resolution).where(Resolution.raters == raters_key(table.raters)).order_by(Resolution.id))}
    disputed = [u for u, d in zip(table.units, table.disputed().any(axis=1)) if d]
    resolved = sum(1 for u in disputed if u.segment_id in decided and decided[u.segment_id].decision != AGREED)
    return AdjudicationProgress(len(table.units), len(disputed), resolved)


def agreement_by(study, asker, raters, by="transcript", level="segment", participant_turns_only=False,
                 include_unfinished=False):
    """Agreement per transcript (slices of the old table, found unit by unit) or per pair of raters,
    each group summarised by the full report (``report_from_table``)."""
    from itertools import combinations

    from study.agreement.breakdown import GroupAgreement
    from study.agreement.study_agreement import report_from_table

    def group(table, label):
        overall = report_from_table(table, replicates=0).overall
        disputed = int(table.disputed().any(axis=1).sum())
        units = len(table.units)
        return GroupAgreement(label, table.raters, len(table.transcripts), units, disputed,
                              float(np.round(1 - disputed / units, 6)) if units else None,
                              overall.median_alpha, overall.pooled_alpha, overall.codes_with_alpha)

    if by == "transcript":
        table = unit_table(study, asker, raters, "segment", None, False, participant_turns_only)
        result = []
        for name in table.transcripts:
            keep = [i for i, u in enumerate(table.units) if u.transcript == name]
            part = replace(table, transcripts=(name,), units=tuple(table.units[i] for i in keep),
                           presence=table.presence[keep])
            result.append(group(part, name))
        return result
    return [group(unit_table(study, asker, pair, level, None, include_unfinished, participant_turns_only),
                  " & ".join(pair))
            for pair in combinations(check_raters(raters), 2)]
