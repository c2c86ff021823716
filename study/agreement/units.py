"""The units raters are compared on, read from a study in one pass.

A unit is a segment, or (participant level) a participant with all of their transcripts.
Each compared rater gives each unit a 1 or 0 per code: ``UnitTable.presence[unit, code,
rater]``. Agreement and adjudication both read this table, so they always count the same
units the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import codes as codes_mod
from ..codes import CodeView
from ..codebook import split_ref
from ..auth import CLI, Actor
from ..codings import done_by, read_codings_frame, segments_frame
from ..errors import BadValue, NotFound, StudyError
from ..exclusion import excluded_transcripts
from ..store import Study
from .visibility import require_may_compare

LEVELS = ("segment", "participant")
BASIS_DONE = "done by all raters"
BASIS_ALL = "all coded transcripts (unfinished included)"


@dataclass(frozen=True)
class Unit:
    """One unit of analysis: a segment, or a participant (every transcript of theirs)."""

    label: str
    transcript: str | None = None
    segment: int | None = None
    segment_id: int | None = None
    transcript_id: int | None = None
    speaker: str | None = None
    participant: str | None = None
    text: str = ""


@dataclass(frozen=True, eq=False)
class UnitTable:
    """Units x codes x raters presence (True: the rater applied the code on the unit)."""

    raters: tuple[str, ...]
    level: str
    basis: str
    transcripts: tuple[str, ...]
    units: tuple[Unit, ...]
    codes: tuple[CodeView, ...]
    presence: np.ndarray
    notes: tuple[str, ...] = ()

    def disputed(self) -> np.ndarray:
        """Units x codes: True where some but not all raters applied the code."""
        return self.presence.any(axis=2) & ~self.presence.all(axis=2)

    def codes_of(self, unit: int, rater: int) -> tuple[str, ...]:
        """The sorted code refs one rater applied on one unit."""
        return tuple(sorted(self.codes[c].ref for c in np.flatnonzero(self.presence[unit, :, rater])))


def check_raters(raters) -> tuple[str, ...]:
    """The compared raters, stripped; at least two, each named once."""
    names = tuple(r.strip() for r in raters if r and r.strip())
    if len(names) < 2:
        raise BadValue(f"compare at least two raters (got {', '.join(names) or 'none'})",
                         "name two or more raters, e.g. alice and bob", remedy="name_raters")
    if len(set(names)) != len(names):
        raise BadValue(f"a rater is named twice in {', '.join(names)}; name each rater once")
    return names


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


def _basis_transcripts(study: Study, raters: tuple[str, ...], frame: pd.DataFrame,
                       include_unfinished: bool) -> set[str]:
    done = done_by(study, CLI, list(raters))  # the asker's right to compare them was checked
    left_out = excluded_transcripts(study)
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


def code_infos(study: Study, used: set[str], theme: str | None = None) -> tuple[CodeView, ...]:
    """The codebook's codes in order: current ones, and retired ones still ``used``; only those of
    ``theme`` (a theme path, sub-themes included) when given."""
    with study.session() as session:
        codes = session_code_infos(session, used)
    if theme is not None:
        wanted = [p.strip().casefold() for p in split_ref(theme) if p.strip()]
        codes = [c for c in codes if [p.casefold() for p in split_ref(c.theme_ref)][: len(wanted)] == wanted]
        if not codes:
            raise NotFound(f"no theme {theme!r} with codes in the codebook", "the codebook lists the themes",
                           remedy="show_codebook")
    if not codes:
        raise StudyError("the codebook has no codes", "load a codebook first", remedy="load_codebook")
    return tuple(codes)


def session_code_infos(session, used: set[str]) -> list[CodeView]:
    """``code_infos`` without a theme, read in an open session."""
    return [
        codes_mod.code_view(c)
        for c in codes_mod.all_codes(session, include_retired=True)
        if not c.retired or c.ref in used
    ]


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
