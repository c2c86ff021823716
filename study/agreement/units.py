"""The units raters are compared on, read from a study in one pass.

A unit is a segment, or (participant level) a participant with all of their transcripts.
Each compared rater gives each unit a 1 or 0 per code: ``UnitTable.presence[unit, code,
rater]``. Agreement and adjudication both read this table, so they always count the same
units the same way.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlalchemy import distinct, func, literal, select
from sqlalchemy.orm import Session

from .. import codes as codes_mod
from .. import compared
from ..auth import Actor, rater_user
from ..codebook import split_ref
from ..codes import CodeView
from ..errors import BadValue, NotFound, StudyError
from ..excluded import excluded_transcript_ids
from ..schema import participants, segments, transcripts
from ..store import Coding, Study, Transcript, TranscriptStatus
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

    @property
    def unit_count(self) -> int:
        return len(self.units)

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


UNFINISHED_NOTE = ("units include transcripts not every rater marked done; a rater who did not code "
                   "a unit counts as not applying the code there")


@dataclass(frozen=True)
class ComparedBasis:
    """What raters are compared on: the raters (checked, with their ids) and the transcripts, those
    every rater marked done or (``include_unfinished``) those any of them coded or marked done."""

    raters: tuple[str, ...]
    rater_ids: list[int]
    transcript_ids: list[int]
    include_unfinished: bool

    @property
    def basis(self) -> str:
        return BASIS_ALL if self.include_unfinished else BASIS_DONE

    @property
    def notes(self) -> list[str]:
        return [UNFINISHED_NOTE] if self.include_unfinished else []


def compared_basis(study: Study, session: Session, asker: Actor, raters,
                   include_unfinished: bool) -> ComparedBasis:
    """The basis every comparison of ``raters`` starts from, once ``asker`` may compare them
    (``visibility``); call it first in ``session``: the permission check reads in a session of its own."""
    raters = check_raters(raters)
    require_may_compare(study, asker, raters, include_unfinished)
    rater_ids = [rater_user(session, r).id for r in raters]
    return ComparedBasis(raters, rater_ids, basis_ids(session, raters, rater_ids, include_unfinished),
                         include_unfinished)


def unit_table(study: Study, asker: Actor, raters, level: str = "segment", theme: str | None = None,
               include_unfinished: bool = False, participant_turns_only: bool = False) -> UnitTable:
    """The units the raters are compared on, with each rater's codes, from one grouped query
    (``compared.applied``: which raters applied each code where, never every coding).

    Units are the segments (or participants) of the transcripts every rater marked done, or with
    ``include_unfinished`` of every transcript any of them coded or marked done. With
    ``participant_turns_only``, the segments of interviewers and others (observers, note-takers,
    interpreters) are left out of the segment level.
    """
    if level not in LEVELS:
        raise BadValue(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    with study.session() as session:
        basis = compared_basis(study, session, asker, raters, include_unfinished)
        whole_transcripts = level == "participant"  # a participant's units gather their transcripts' codings
        found = _Applied(session, basis.transcript_ids, basis.rater_ids, whole_transcripts)
        segments = _Segments(session, basis.transcript_ids, not whole_transcripts)
    names = segments.names(found.transcripts)
    codes = code_infos(study, found.refs(), theme)
    code_index = found.code_index(codes)
    raters, notes = basis.raters, basis.notes
    if level == "segment":
        kept = segments.rows
        if participant_turns_only:
            kept, note = _participant_turns(segments.rows, found, code_index)
            notes.append(note)
        units = tuple(segments.unit(row) for row in kept)
        whole = found.whole_codings(code_index)
        if whole:
            notes.append(f"{whole} whole-transcript coding(s) ignored: segment level compares "
                         "segment codings only (the participant level counts them)")
        unit_of = {u.segment_id: i for i, u in enumerate(units)}
        presence = found.presence(found.segment_units(unit_of), len(units), code_index, len(codes), len(raters))
    else:
        units, unit_of = _participant_units(segments, found, code_index, names)
        presence = found.presence(found.transcript_units(unit_of), len(units), code_index, len(codes), len(raters))
    return UnitTable(raters, level, basis.basis, tuple(names.values()), units, codes, presence, tuple(notes))


def basis_transcripts(study: Study, asker: Actor, raters: tuple[str, ...], include_unfinished: bool) -> set[str]:
    """The names of the transcripts ``raters`` are compared on (``unit_table``'s rule), for an
    ``asker`` who may compare them."""
    with study.session() as session:
        ids = compared_basis(study, session, asker, raters, include_unfinished).transcript_ids
        return set(session.scalars(select(Transcript.name).where(Transcript.id.in_(ids))))


def basis_ids(session: Session, raters: tuple[str, ...], rater_ids: list[int],
              include_unfinished: bool) -> list[int]:
    """The compared transcripts' ids: done by every rater, or (unfinished included) done or coded by any."""
    left_out = excluded_transcript_ids(session)
    done = select(TranscriptStatus.transcript_id).where(
        TranscriptStatus.rater_id.in_(rater_ids), TranscriptStatus.done.is_(True))
    if include_unfinished:
        coded = select(Coding.transcript_id).where(Coding.rater_id.in_(rater_ids)).distinct()
        transcripts = (set(session.scalars(coded)) | set(session.scalars(done))) - left_out
        if not transcripts:
            raise StudyError(f"none of {', '.join(raters)} has coded any transcript yet")
        return sorted(transcripts)
    everyone = done.group_by(TranscriptStatus.transcript_id).having(
        func.count(distinct(TranscriptStatus.rater_id)) == len(set(rater_ids)))
    transcripts = sorted(set(session.scalars(everyone)) - left_out)
    if not transcripts:
        raise StudyError(f"no transcript is marked done by all of {', '.join(raters)}",
                         "mark finished transcripts done, or include unfinished ones", remedy="mark_done")
    return transcripts


class _Applied:
    """``compared.applied`` over the compared transcripts, as arrays: per (transcript, segment,
    code) row the raters' bits and the number of codings behind it."""

    def __init__(self, session: Session, transcript_ids: list[int], rater_ids: list[int], per_transcript: bool = False):
        if per_transcript:  # rows per (transcript, code) only: what the participant level reads (no segment, no count)
            rows = [(tid, None, code, bits, 0, 0) for start in range(0, len(transcript_ids), compared.BATCH)
                    for tid, code, bits in session.execute(compared.transcript_applied_query(
                        transcript_ids[start:start + compared.BATCH], rater_ids))]
        else:
            rows = list(compared.applied(session, transcript_ids, rater_ids))
        transcript, segment, code, raters, codings_, _ = zip(*rows) if rows else ((),) * 6
        self.transcript = np.array(transcript, dtype=np.int64)
        self.segment = np.array(segment, dtype=float)  # NaN: a whole-transcript coding
        self.code = np.array(code, dtype=np.int64)
        self.raters = np.array(raters, dtype=np.int64)
        self.codings = np.array(codings_, dtype=np.int64)
        self.transcripts = set(self.transcript.tolist())
        refs = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
        self.ref_of = {c: refs[c] for c in set(self.code.tolist())}

    def refs(self) -> set[str]:
        return set(self.ref_of.values())

    def code_index(self, codes: tuple[CodeView, ...]) -> np.ndarray:
        """Per row, the index of its code among ``codes`` (-1: not compared)."""
        index = {c.ref: i for i, c in enumerate(codes)}
        lookup = {code: index.get(ref, -1) for code, ref in self.ref_of.items()}
        return np.array([lookup[c] for c in self.code.tolist()], dtype=np.int64)

    def whole_codings(self, code_index: np.ndarray) -> int:
        return int(self.codings[np.isnan(self.segment) & (code_index >= 0)].sum())

    def presence(self, unit: np.ndarray, n_units: int, code_index: np.ndarray, n_codes: int,
                 n_raters: int) -> np.ndarray:
        """Units x codes x raters: set where a rater's bit is set on a row of a compared code
        (``unit``: per row, the index of its unit; -1 for none)."""
        presence = np.zeros((n_units, n_codes, n_raters), dtype=bool)
        keep = (unit >= 0) & (code_index >= 0)
        for r in range(n_raters):
            on = keep & (self.raters >> r & 1).astype(bool)
            presence[unit[on], code_index[on], r] = True
        return presence

    def segment_units(self, unit_of: dict[int, int]) -> np.ndarray:
        """Per row, the index of its segment's unit (-1: a whole-transcript coding, or a segment left out)."""
        keys = np.array(sorted(unit_of), dtype=float)
        if not len(keys):
            return np.full(len(self.segment), -1, dtype=np.int64)
        values = np.array([unit_of[int(k)] for k in keys], dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, np.nan_to_num(self.segment, nan=-1.0)), len(keys) - 1)
        return np.where(keys[at] == self.segment, values[at], -1)  # NaN never equals: whole-transcript rows

    def transcript_units(self, unit_of: dict[int, int]) -> np.ndarray:
        """Per row, the index of its transcript's unit."""
        return np.array([unit_of[t] for t in self.transcript.tolist()], dtype=np.int64)


class _Segments:
    """The compared transcripts' segments in reading order (by transcript id, then index), with
    their text, read with two Core queries per batch of transcripts; without ``rows``, only which
    transcripts have segments (``segmented``, by id), neither the segments nor the text."""

    def __init__(self, session: Session, transcript_ids: list[int], rows: bool = True):
        self.transcripts: dict[int, tuple[str, str | None, str]] = {}  # id -> name, participant, text
        self.rows, self.segmented = [], []
        text = transcripts.c.text if rows else literal("")
        for start in range(0, len(transcript_ids), compared.BATCH):
            chunk = transcript_ids[start:start + compared.BATCH]
            for tid, name, label, body in session.execute(
                    select(transcripts.c.id, transcripts.c.name, participants.c.label, text)
                    .outerjoin(participants, participants.c.id == transcripts.c.participant_id)
                    .where(transcripts.c.id.in_(chunk))):
                self.transcripts[tid] = (name, label, body)
            if rows:
                self.rows += session.execute(
                    select(segments.c.transcript_id, segments.c.id, segments.c.index, segments.c.speaker,
                           segments.c.role, segments.c.start, segments.c.end)
                    .where(segments.c.transcript_id.in_(chunk))
                    .order_by(segments.c.transcript_id, segments.c.index)).all()
            else:
                self.segmented += session.scalars(select(segments.c.transcript_id).distinct()
                                                  .where(segments.c.transcript_id.in_(chunk)))
        self.segmented = sorted(self.segmented) if not rows else list(dict.fromkeys(r.transcript_id for r in self.rows))

    def unit(self, row) -> Unit:
        transcript_id, segment_id, index, speaker, _, start, end = row
        name, participant, text = self.transcripts[transcript_id]
        return Unit(f"{name}#{index}", name, index, segment_id, transcript_id, speaker, participant, text[start:end])

    def names(self, coded: set[int]) -> dict[int, str]:
        """{id: name} in reading order: transcripts with segments by id, then those without by name."""
        with_segments = self.segmented
        without = sorted((t for t in self.transcripts if t not in set(with_segments)),
                         key=lambda t: self.transcripts[t][0])
        return {t: self.transcripts[t][0] for t in with_segments + without}


def code_infos(study: Study, used: set[str], theme: str | None = None) -> tuple[CodeView, ...]:
    """The codebook's codes in order: current ones, and retired ones still ``used``; only those of
    ``theme`` (a theme path, sub-themes included) when given."""
    with study.session() as session:
        return compared_codes(codebook_views(session), used, theme)


def codebook_views(session) -> list[CodeView]:
    """Every code of the codebook in order, retired ones included: what ``compared_codes`` chooses from."""
    return [codes_mod.code_view(c) for c in codes_mod.all_codes(session, include_retired=True)]


def compared_codes(views: list[CodeView], used: set[str], theme: str | None = None) -> tuple[CodeView, ...]:
    """``code_infos`` chosen from the codebook's ``views`` (``codebook_views``), read once for many choices."""
    codes = [v for v in views if not v.retired or v.ref in used]
    if theme is not None:
        wanted = [p.strip().casefold() for p in split_ref(theme) if p.strip()]
        codes = [c for c in codes if [p.casefold() for p in split_ref(c.theme_ref)][: len(wanted)] == wanted]
        if not codes:
            raise NotFound(f"no theme {theme!r} with codes in the codebook", "the codebook lists the themes",
                           remedy="show_codebook")
    if not codes:
        raise StudyError("the codebook has no codes", "load a codebook first", remedy="load_codebook")
    return tuple(codes)


def _participant_turns(rows: list, found: _Applied, code_index: np.ndarray) -> tuple[list, str]:
    """The participants' segments, and the note saying what was left out."""
    kept = [r for r in rows if r.role == "participant"]
    left = Counter(r.role for r in rows if r.role is not None and r.role != "participant")
    kept_ids = np.array(sorted(r.id for r in kept), dtype=float)
    on_segment = ~np.isnan(found.segment) & (code_index >= 0)
    dropped = int(found.codings[on_segment & ~np.isin(found.segment, kept_ids)].sum())
    return kept, participant_turns_note(left, dropped)


def participant_turns_note(left: Counter, dropped: int) -> str:
    """What participant turns only left out: ``left`` {role: segments}, with ``dropped`` codings on them."""
    said = " and ".join(f"{n} {role}" for role, n in sorted(left.items())) or "0 interviewer"
    return (f"participant turns only: {said} segment(s) left out"
            + (f", with {dropped} coding(s) on them" if dropped else ""))


def _participant_units(segments: _Segments, found: _Applied, code_index: np.ndarray,
                       names: dict[int, str]) -> tuple[tuple[Unit, ...], dict[int, int]]:
    """One unit per participant; a transcript without a participant is a unit of its own (as is
    one neither segmented nor coded with a compared code: nothing says whose it is)."""
    coded = set(found.transcript[code_index >= 0].tolist())
    segmented = set(segments.segmented)
    label_of = participant_labels(names, {t: held[1] for t, held in segments.transcripts.items()}, coded | segmented)
    labels = tuple(dict.fromkeys(label_of.values()))
    units = tuple(Unit(label, participant=label) for label in labels)
    index = {label: i for i, label in enumerate(labels)}
    return units, {t: index[label] for t, label in label_of.items()}


def participant_labels(names: dict[int, str], participant_of: dict[int, str | None], known: set[int]) -> dict[int, str]:
    """{transcript id: the label of its participant-level unit}: its participant's, or its own name
    when it has no participant or is not ``known`` (neither segmented nor coded with a compared code)."""
    return {t: (participant_of.get(t) if t in known else None) or name for t, name in names.items()}
