"""The import writer: a read project (``archive``) stored in a study, in one transaction.

The codebook, participants, texts, codings and memos of one file are stored together or not at
all. Each source's text becomes a transcript (cut into segments by the normal segmenter), unless
the study holds the same text already, equal up to line endings and trailing whitespace, under
its name or another: then the file's codings join that transcript, so several coders' projects
of one interview merge. Selections are read in the count their tool used (``positions``) and
become ``CodingRecord``s: rater, transcript, start, end, code, memo. One place (``_Writer``)
stores them, each as a span inside the segment it lies in (a selection over several segments is
cut at their bounds; one that covers a segment exactly codes that segment).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes as codes_mod
from .. import project_memos
from ..auth import Actor, importing_rater
from ..coding_write import CodingKey, CodingWrite, write_codings
from ..codings import done_transcripts
from ..errors import Conflict, StudyError
from ..importing.reading import ImportOptions
from ..memos import MemoKey
from ..memos import save as save_memo
from ..importing.storing import add_parsed_transcript
from ..participants import participant_from_file_name, save_participants
from ..project_memos import CODE_MEMO, ProjectMemo
from ..segmenting import overlap
from ..store import Coding, Memo, Participant, Segment, Study, Transcript, User, audit
from ..transcripts import READERS, ParsedTranscript
from . import kept
from .archive import read_project
from .codebook import codebook_from, merged
from .model import (CASE_MEMO, INTERVIEW_DATE, PROJECT_DESCRIPTION, UNKNOWN_USER, QdaCoding, QdaLink,
                    QdaNote, QdaProject, QdaSelection, QdaSource, normal_guid)
from .positions import Reading, TextMatch, choose_reading, comparable, match_text, normal_text
from .groupings import CODE, SOURCE, KeptRelation, KeptSet, keep_relations, keep_sets


@dataclass
class QdpxImportSummary:
    """What an import stored: transcripts, codes, codings and memos, and what it could not place."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already in the study with the same text
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (source, why) texts that could not be read
    codes_added: int = 0
    codings: Counter = field(default_factory=Counter)  # rater -> codings stored
    memos: int = 0  # segment and transcript memos stored
    project_memos: int = 0  # notes attached to nothing, kept as the study's project memos
    coding_memos: int = 0  # codings stored with a memo
    sets: int = 0  # sets (groups of codes and texts) kept that the study did not have
    relations: int = 0  # relations between codes and texts kept that the study did not have
    kept: int = 0  # elements a study has no place for (graphs, pictures, time ranges...) kept for export
    kept_lines: list[str] = field(default_factory=list)  # what was kept as written, one line per kind
    unmapped: list[str] = field(default_factory=list)  # selections or codings that found no segment or code
    skipped: list[str] = field(default_factory=list)  # parts of the file not imported, and why
    readings: list[str] = field(default_factory=list)  # sources whose positions were not read as characters
    credit: str = "coding"  # whose a coding is when its selection's creator differs: CREDITS
    credit_differs: Counter = field(default_factory=Counter)  # (selection's user, coding's user) -> codings
    new_raters: list[str] = field(default_factory=list)  # users of the project added as raters

    @property
    def ok(self) -> bool:
        """True when every text of the file was imported."""
        return not self.left_out

    def headline(self) -> str:
        """One line: what was stored."""
        codings = ", ".join(f"{rater} {n}" for rater, n in self.codings.items()) or "none"
        left = f", {len(self.left_out)} left out" if self.left_out else ""
        return (f"Transcripts: {len(self.imported)} imported, {len(self.unchanged)} already in the study{left}. "
                f"Codes added: {self.codes_added}. Codings: {codings} ({self.coding_memos} with a memo). "
                f"Memos: {self.memos}." + (f" Project memos: {self.project_memos}." if self.project_memos else "")
                + (f" Sets: {self.sets}." if self.sets else "")
                + (f" Relations: {self.relations}." if self.relations else "")
                + (f" Kept for export: {self.kept}." if self.kept else ""))

    def left_out_line(self) -> str | None:
        """The texts not imported, by count and name, and why."""
        if not self.left_out:
            return None
        return (f"{len(self.left_out)} text source(s) left out (everything else was imported): "
                + "; ".join(f"{name}: {why}" for name, why in self.left_out))

    def credit_line(self) -> str | None:
        """Which user was credited where a selection's and its coding's creators differ."""
        if not self.credit_differs:
            return None
        pairs = ", ".join(f"selection by {s}, coding by {c}: {n}" for (s, c), n in self.credit_differs.items())
        whose = "the coding's creator" if self.credit == "coding" else "the selection's creator"
        return (f"{sum(self.credit_differs.values())} coding(s) were made by another user than their selection "
                f"({pairs}); credited to {whose}")

    def details(self) -> list[str]:
        """What was left out, whose credit was chosen, how positions were read, what found no place,
        what was not imported and which raters the import added, one line each."""
        added = f"new raters (users of the project, added as coders without password): {', '.join(self.new_raters)}"
        return ([line for line in (self.left_out_line(), self.credit_line()) if line] + [*self.readings]
                + [f"not placed: {item}" for item in self.unmapped] + [f"skipped: {item}" for item in self.skipped]
                + [f"kept: {item}" for item in self.kept_lines]
                + ([added] if self.new_raters else []))

    def to_dict(self) -> dict:
        return {"imported": self.imported, "unchanged": self.unchanged,
                "left_out": [{"source": s, "problem": p} for s, p in self.left_out], "codes_added": self.codes_added,
                "codings": dict(self.codings), "memos": self.memos, "coding_memos": self.coding_memos,
                "project_memos": self.project_memos, "sets": self.sets, "relations": self.relations, "kept": self.kept, "kept_lines": self.kept_lines,
                "unmapped": self.unmapped, "skipped": self.skipped, "readings": self.readings,
                "new_raters": self.new_raters, "credit": self.credit, "credit_differs": [{"selection": s, "coding": c, "codings": n}
                                                          for (s, c), n in self.credit_differs.items()]}


@dataclass(frozen=True)
class CodingRecord:
    """One coding as the file gives it, positions already in the stored transcript's text."""

    rater: str
    start: int | None  # None: the whole transcript
    end: int | None
    code: str  # Theme/Code reference
    memo: str = ""
    created: dt.datetime | None = None
    selection: str | None = None  # the GUID of its selection


@dataclass(frozen=True)
class MemoRecord:
    rater: str
    position: int | None  # None: on the whole transcript
    text: str
    created: dt.datetime | None = None
    note: str | None = None  # GUID of the note it was, if any


CREDITS = ("coding", "selection")  # whose a coding is when the selection's creator differs from the coding's


def import_qdpx(study: Study, actor: Actor, path: str | Path, unit: str = "turn",
                credit: str = "coding") -> QdpxImportSummary:
    """Import a REFI-QDA project: its text sources as transcripts (segmented into ``unit``s), its
    codes into the codebook (non-codable codes become themes, top-level codes stay at the top) and
    each user's codings as a rater's,
    kept as spans. Texts that cannot be read are left out (and named in the summary); the rest is
    stored together or not at all. Where a selection's creator differs from its coding's (NVivo),
    ``credit`` says whose the coding is: "coding" or "selection"."""
    actor.require_admin("import a REFI-QDA project")
    if credit not in CREDITS:
        raise StudyError(f"no credit {credit!r}; a coding is credited to the creator of the "
                         + " or the ".join(CREDITS))
    path = Path(path)
    project = read_project(path)
    summary = QdpxImportSummary(skipped=list(project.skipped), credit=credit, kept_lines=list(project.kept_lines))
    summary.left_out = [(s.name, problem) for s in project.sources if (problem := _unreadable(s))]
    try:
        _store(study, actor, path, project, unit, summary)
    except StudyError as exc:
        if str(path) not in str(exc):
            reword(exc, lambda what: f"{path}: {what}")
        raise
    return summary


def reword(exc: StudyError, change) -> None:
    """Change what the error says went wrong (e.g. name the file), keeping its kind and its fix."""
    exc.what = change(getattr(exc, "what", None) or str(exc))
    fix = getattr(exc, "fix", None)
    exc.args = (f"{exc.what}; {fix}" if fix else exc.what,)


def _store(study: Study, actor: Actor, path: Path, project: QdaProject, unit: str, summary: QdpxImportSummary) -> None:
    with study.session() as session:
        code_refs = _load_codebook(session, actor, project, summary)
        save_participants(session, list(project.cases))
        writer = _Writer(session, actor, summary, path)
        names = _transcript_names(project.sources)
        empty = {s.guid for s in project.sources if not s.problem and not (s.text or "").strip()}
        if empty:
            summary.skipped.append(f"{len(empty)} empty text source(s) not imported")
        left_out = {s.guid for s in project.sources if _unreadable(s)}
        stored = _StoredTexts(session)
        placed: dict[str, str] = {}  # source GUID -> the transcript its text is
        points: list[kept.KeptElement] = []  # selections of no characters
        for source in project.sources:
            if source.guid in empty or source.guid in left_out:
                continue
            transcript, match = _place_text(session, actor, path, names[source.guid], source, project, unit, summary,
                                            stored)
            placed[source.guid] = transcript.name
            records = _Records(project, source, code_refs, summary)
            codings, memos = records.read(transcript, match)
            writer.selections.update(records.placed)
            points += records.points
            writer.notes.update(records.notes)
            writer.write(transcript, codings, memos, records.written_as)
        writer.store_codings()
        kept.keep_selection_extents(session, writer.extents)
        _report_unplaced(project, [s for s in project.sources if s.guid in left_out], summary)
        memos = _project_memos(project, code_refs)
        summary.project_memos = project_memos.keep(session, [memo for _, memo in memos])
        code_ids = _code_ids(session, code_refs)
        summary.sets = keep_sets(session, _sets(project, code_ids, placed, summary))
        relations, links = _relations(project, code_ids, placed, summary)
        summary.relations = keep_relations(session, relations)
        inside = {link.guid for link in links}  # what lay in a link kept whole is part of it
        elements = [e for e in project.kept if e.anchor not in inside] + [
            kept.KeptElement(None, "Links", link.xml) for link in links] + points
        if writer.repeating:  # kept whole: what was kept of their parts apart (a name, a note reference) is inside
            whole = {normal_guid(ET.fromstring(e.xml).get("guid")) for e in writer.repeating}
            elements = [e for e in elements if e.anchor not in whole] + writer.repeating
            summary.kept_lines.append(f"{len(writer.repeating)} selection(s) that code only what another selection "
                                      "of the same user and code codes already (a study holds that coding once) kept "
                                      "as written for export")
        if points:
            summary.kept_lines.append(f"{len(points)} selection(s) of no characters (a point in a text, which a "
                                      "study cannot code) kept as written for export")
        participants = dict(session.execute(select(Participant.label, Participant.id)).all())
        refs = _kept_refs(project, code_ids, placed, writer.selections, memos, elements, participants)
        wanted = kept.guids_in(elements)
        refs.update((guid, ref) for guid, ref in writer.notes.items() if guid in wanted)
        summary.kept = kept.keep(session, elements, refs, project.kept_files)
        kept.keep_variable_types(session, project.variable_types)


def _kept_refs(project: QdaProject, code_ids: dict[str, int], placed: dict[str, str],
               selections: dict[str, list], memos: list[tuple[str | None, ProjectMemo]],
               elements: list[kept.KeptElement], participants: dict[str, int]) -> dict[str, list]:
    """{GUID: [kind, *what it named]} of everything kept elements refer to, as an export finds it
    again: a code and a case (participant) by id, so that renaming one keeps them; a text by
    transcript name, a selection by its place, a note by the project memo it became, a relation by
    its name and ends."""
    def end(guid: str) -> list | None:
        if guid in code_ids:
            return [CODE, code_ids[guid]]
        return [SOURCE, placed[guid]] if guid in placed else None

    refs: dict[str, list] = {guid: list(named) for guid, named in project.named.items() if named[0] != "case"}
    refs.update((guid, ["case", participants[label]]) for guid, (kind, label) in project.named.items()
                if kind == "case" and label in participants)
    refs.update((guid, ["code", code_id]) for guid, code_id in code_ids.items())
    refs.update((guid, ["source", name]) for guid, name in placed.items())
    refs.update((guid, ["selection", *where]) for guid, where in selections.items())
    refs.update((guid, ["note", memo.name, memo.text]) for guid, memo in memos if guid)
    for link in project.relations:
        if (origin := end(link.origin)) and (target := end(link.target)):
            refs[link.guid] = ["link", link.name, origin, target]
    wanted = kept.guids_in(elements)
    return {guid: ref for guid, ref in refs.items() if guid in wanted}


def _code_ids(session: Session, code_refs: dict[str, str]) -> dict[str, int]:
    """Code GUID -> the stored code's id: sets and relations keep codes by id, so a code renamed or
    moved after the import is still their member."""
    stored = {c.ref.casefold(): c.id for c in codes_mod.all_codes(session, include_retired=True)}
    return {guid: stored[ref.casefold()] for guid, ref in code_refs.items() if ref.casefold() in stored}


def _sets(project: QdaProject, code_refs: dict[str, int], placed: dict[str, str],
          summary: QdpxImportSummary) -> list[KeptSet]:
    """The project's sets, members by code id and transcript name; members that were not
    imported (a text left out, a case) are counted in the summary."""
    kept, dropped = [], 0
    for found in project.sets:
        codes = tuple(code_refs[g] for g in found.codes if g in code_refs)
        sources = tuple(dict.fromkeys(placed[g] for g in found.sources if g in placed))
        dropped += sum(g not in code_refs for g in found.codes) + sum(
            g not in placed and g not in project.kept_sources for g in found.sources)
        kept.append(KeptSet(found.name, found.description, codes, sources))
    if dropped:
        summary.skipped.append(f"{dropped} member(s) of sets not kept: their codes or texts were not imported")
    return kept


def _relations(project: QdaProject, code_refs: dict[str, int], placed: dict[str, str],
               summary: QdpxImportSummary) -> tuple[list[KeptRelation], list[QdaLink]]:
    """(the project's relations between codes and texts, ends by code id and transcript name;
    the links with an end that is neither, a selection, a case or a picture, kept as written)."""
    def end(guid: str) -> tuple[str, str] | None:
        if guid in code_refs:
            return (CODE, code_refs[guid])
        return (SOURCE, placed[guid]) if guid in placed else None

    relations, whole = [], []
    for link in project.relations:
        origin, target = end(link.origin), end(link.target)
        if origin and target:
            relations.append(KeptRelation(link.name, link.direction, link.colour, origin, target))
        else:
            whole.append(link)
    if whole:
        summary.kept_lines.append(f"{len(whole)} link(s) with an end that is not a code or text (a selection, a "
                                  "case, a picture) kept as written for export")
    return relations, whole


def _unreadable(source: QdaSource) -> str | None:
    """Why the source's text cannot be imported, or None."""
    return source.problem


def _report_unplaced(project: QdaProject, left_out: list[QdaSource], summary: QdpxImportSummary) -> None:
    """Counts, in the summary, the codings that went with texts left out (kept with them for
    export; their notes are project memos)."""
    codings = sum(c.code not in project.case_guids for s in left_out for c in s.all_codings())
    if codings:
        summary.skipped.append(f"{codings} coding(s) on the text source(s) left out not imported (kept with them "
                               "for export)")


def _project_memos(project: QdaProject, code_refs: dict[str, str]) -> list[tuple[str | None, ProjectMemo]]:
    """The notes attached to no source, selection or coding: the project's own memos, and the
    memos of cases and codes (a participant and a code have no memo of their own: each is kept as
    a project memo named for it, ``CASE_MEMO`` and ``CODE_MEMO``, which an export puts back);
    each with the GUID of the note it was, if any. A note on a text left out is a project memo too."""
    referenced = set().union(*(_note_refs(project, s) for s in project.sources if not _unreadable(s)))
    memos: list[tuple[str | None, ProjectMemo]] = []
    for code in (c for top in project.codes for c in top.walk()):
        for guid in code.notes:
            note = project.notes.get(guid)
            if note is not None and note.text.strip() and code.guid in code_refs and guid not in referenced:
                referenced.add(guid)
                memos.append((guid, _kept(f"{CODE_MEMO}{code_refs[code.guid]}", note, project)))
    if project.description:  # the project's own memo (QualCoder writes it so)
        memos.append((None, ProjectMemo(PROJECT_DESCRIPTION, project.users.get(project.creator or ""),
                                        project.description)))
    # a participant has attributes, not a memo: a case's memo is kept as a project memo named for it
    memos += [(None, ProjectMemo(f"{CASE_MEMO}{label}", None, text)) for label, text in project.case_memos.items()]
    memos += [(guid, _kept(note.name, note, project)) for guid, note in project.notes.items()
              if guid not in referenced and note.text.strip()]
    return memos


def _kept(name: str, note: QdaNote, project: QdaProject) -> ProjectMemo:
    """A note kept as a project memo of that name: its author, text and date."""
    moment = _moment(note.created)
    return ProjectMemo(name, project.users.get(note.user) if note.user else None, note.text.strip(),
                       moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None)


def _note_refs(project: QdaProject, source: QdaSource) -> set[str]:
    refs = set(source.notes)
    for selection in source.selections:
        refs.update(selection.notes)
        refs.update(project.linked_notes.get(selection.guid, ()))
    for coding in source.all_codings():
        refs.update(coding.notes)
    return refs


def _transcript_names(sources: Sequence[QdaSource]) -> dict[str, str]:
    """A distinct transcript name per source (its name, numbered when two share one)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for source in sources:
        base = " ".join(source.name.split())[:280] or source.guid
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name.casefold())
        names[source.guid] = name
    return names


# ---------------------------------------------------------------- texts

def _place_text(session: Session, actor: Actor, path: Path, name: str, source: QdaSource, project: QdaProject,
                unit: str, summary: QdpxImportSummary, stored: _StoredTexts) -> tuple[Transcript, TextMatch | None]:
    """The transcript the source's text is (stored now, or found), and how its positions map onto it."""
    text = normal_text(source.text or "")
    existing = session.scalar(select(Transcript).where(Transcript.name == name))
    if existing is not None:
        match = match_text(text, existing.text)
        if match is None:
            raise Conflict(f"{path}: the study already has a different transcript named {name!r}",
                           "rename the source in your QDA tool or import into another study")
        summary.unchanged.append(name)
        return existing, match
    same = stored.find(text)
    if same is not None:
        summary.unchanged.append(f"{name} (as {same[0].name})" if same[0].name != name else name)
        return same
    participant = project.case_of_source.get(source.guid) or participant_from_file_name(name)
    options = ImportOptions(unit=unit, actor=actor.name)
    metadata = dict(project.source_variables.get(source.guid, {}))
    date = metadata.pop(INTERVIEW_DATE, None)  # our own export's: the date, not a header field
    try:
        add_parsed_transcript(None, name, _parsed(text, metadata), participant, options,
                              source=f"{path.name}/{name}", session=session)
    except StudyError as exc:
        raise StudyError(f"{path}: source {name!r}: {exc}") from None
    summary.imported.append(name)
    transcript = session.scalar(select(Transcript).where(Transcript.name == name))
    if date:
        transcript.interview_date = date
    stored.add(transcript)
    return transcript, None


class _StoredTexts:
    """The study's transcripts found by their text up to line ends and trailing whitespace; each
    stored text is read once per import (a project of hundreds of texts compared each with all)."""

    def __init__(self, session: Session):
        self.session = session
        self.ids: dict[str, int] | None = None  # digest of the comparable text -> the first transcript holding it

    def find(self, text: str) -> tuple[Transcript, TextMatch] | None:
        """A stored transcript whose text equals ``text`` up to line ends and trailing whitespace."""
        if self.ids is None:
            self.ids = {}
            for id_, stored in self.session.execute(select(Transcript.id, Transcript.text).order_by(Transcript.id)):
                self.ids.setdefault(_digest(stored), id_)
        found = self.ids.get(_digest(text))
        if found is None:
            return None
        transcript = self.session.get(Transcript, found)
        match = match_text(text, transcript.text)  # the digest found it; the texts themselves decide
        return (transcript, match) if match is not None else None

    def add(self, transcript: Transcript) -> None:
        if self.ids is not None:
            self.ids.setdefault(_digest(transcript.text), transcript.id)


def _digest(text: str) -> str:
    return hashlib.sha256(comparable(text)[0].encode("utf-8")).hexdigest()


def _parsed(text: str, metadata: dict[str, str]) -> ParsedTranscript:
    """``text`` with the speaker turns the plain-text reader finds in it, offsets into ``text`` itself
    (the reader moves a leading metadata header out of the text; here it stays, outside any turn)."""
    parsed = READERS[".txt"](text.encode("utf-8"))
    shift = len(text) - len(parsed.text)
    turns = tuple(replace(t, start=t.start + shift, end=t.end + shift) for t in parsed.turns)
    return ParsedTranscript(text, turns, {**parsed.metadata, **metadata})


# ---------------------------------------------------------------- records


def _moment(value: str | None) -> dt.datetime | None:
    """An xsd:dateTime from the file as a UTC time; None when absent or unreadable."""
    try:
        moment = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def _placed(source: str, xml: str, start: int, end: int) -> kept.KeptElement:
    """A selection kept as written in its text (a point, which a study cannot code; one that only
    repeats another's coding), its positions those of the stored text."""
    element = ET.fromstring(xml)
    element.set("startPosition", str(start))
    element.set("endPosition", str(end))
    return kept.KeptElement(source, "TextSource", kept.element_xml(element))


class _Records:
    """A source's codings and memos as records, positions in the stored transcript's text."""

    def __init__(self, project: QdaProject, source: QdaSource, code_refs: dict[str, str], summary: QdpxImportSummary):
        self.project, self.source, self.code_refs, self.summary = project, source, code_refs, summary
        self.placed: dict[str, list] = {}  # selection GUID -> [transcript, start, end] in the stored text
        self.notes: dict[str, list] = {}  # GUID of a note on a whole text's coding -> [kind, rater, text, code]
        self.points: list[kept.KeptElement] = []  # its selections of no characters, kept as written
        self.written_as: dict[str, tuple[str, str]] = {}  # selection GUID -> (its source's GUID, its element)
        self.reading: Reading = choose_reading(source.text or "", project.origin,
                                               [(s.start, s.end) for s in source.selections])
        if self.reading.utf16 or self.reading.crlf_as_one:
            summary.readings.append(f"{source.name}: positions read as {self.reading.name}")

    def user(self, *guids: str | None) -> str:
        for guid in (*guids, self.project.creator):
            if guid:
                name = self.project.users.get(guid)
                return name if name is not None else f"user-{guid[:8]}"
        return UNKNOWN_USER

    def read(self, transcript: Transcript, match: TextMatch | None) -> tuple[list[CodingRecord], list[MemoRecord]]:
        def position(value: int) -> int | None:
            index = self.reading.index(value)
            if index is None:
                return None
            return match.position(index) if match is not None else index

        codings: list[CodingRecord] = []
        memos: list[MemoRecord] = []
        for selection in self.source.selections:
            start, end = position(selection.start), position(selection.end)
            if start is not None and start == end and selection.xml:
                self.points.append(_placed(self.source.guid, selection.xml, start, end))
                continue
            if start is None or end is None or start >= end:
                codes = ", ".join(self.code_refs.get(c.code, c.code) for c in selection.codings) or "no codes"
                why = (f"its positions are outside the text ({len(transcript.text)} characters)"
                       if start is None or end is None else "it ends before it starts")
                self.summary.unmapped.append(f"{transcript.name} [{selection.start}:{selection.end}] ({codes}): {why}")
                continue
            self.placed[selection.guid] = [transcript.name, start, end]
            if selection.xml:
                self.written_as[selection.guid] = (self.source.guid, selection.xml)
            notes = self.note_texts(selection.notes + self.project.linked_notes.get(selection.guid, ()))
            annotation = kept.joined_paragraphs([selection.description, *notes])
            for coding in selection.codings:
                ref = self.ref(transcript, coding.code)
                if ref is not None:
                    memo = kept.joined_paragraphs([annotation, *self.note_texts(coding.notes)])
                    codings.append(CodingRecord(self.coder(coding, selection), start, end, ref, memo,
                                                _moment(coding.created or selection.created), selection.guid))
            if not selection.codings and annotation:
                memos.append(MemoRecord(self.user(selection.user), start, annotation, _moment(selection.created)))
        for coding in self.source.codings:
            ref = self.ref(transcript, coding.code)
            if ref is not None:
                memo = "\n\n".join(self.note_texts(coding.notes))
                self.notes.update((g, ["coding_memo", self.user(coding.user), transcript.name, ref])
                                  for g in coding.notes)
                codings.append(CodingRecord(self.user(coding.user), None, None, ref, memo, _moment(coding.created)))
        if self.source.description:
            memos.append(MemoRecord(self.user(self.source.user), None, self.source.description,
                                    _moment(self.source.modified)))
        for guid in self.source.notes:
            note = self.project.notes.get(guid)
            if note is not None and note.text.strip():
                at = position(note.selection[0]) if note.selection else None
                memos.append(MemoRecord(self.user(note.user), at, note.text, _moment(note.created), guid))
        return codings, memos

    def coder(self, coding: QdaCoding, selection: QdaSelection) -> str:
        """The rater a coding is credited to; where its selection's creator is another user, the one
        the summary's ``credit`` names (the difference is counted, so the import can say so)."""
        if coding.user and selection.user and coding.user != selection.user:
            by_selection, by_coding = self.user(selection.user), self.user(coding.user)
            if by_selection != by_coding:
                self.summary.credit_differs[(by_selection, by_coding)] += 1
                return by_coding if self.summary.credit == "coding" else by_selection
        return self.user(coding.user, selection.user)

    def ref(self, transcript: Transcript, code: str) -> str | None:
        ref = self.code_refs.get(code)
        if ref is None and not self.is_case(code):
            self.summary.unmapped.append(f"{transcript.name}: a coding names code {code}, which is not in the "
                                         "file's codebook")
        return ref

    def is_case(self, guid: str) -> bool:
        return guid in self.project.case_guids

    def note_texts(self, guids: Sequence[str]) -> list[str]:
        notes = (self.project.notes.get(g) for g in dict.fromkeys(guids))
        return [n.text.strip() for n in notes if n is not None and n.text.strip()]


# ---------------------------------------------------------------- the one place records are stored


class _Writer:
    """Stores records: codings as spans inside their segments, memos on segments or transcripts."""

    def __init__(self, session: Session, actor: Actor, summary: QdpxImportSummary, path: Path):
        self.session, self.actor, self.summary, self.path = session, actor, summary, path
        self.codes = codes_mod.all_codes(session, include_retired=True)
        self.code_ids: dict[str, int] = {}
        self.raters: dict[str, User] = {}
        self.done: dict[int, set[int]] = {}
        self.known: dict[int, set[tuple]] = {}  # transcript id -> (rater, code, unit) stored or queued
        self.pending: list[CodingWrite] = []  # codings queued for ``store_codings``, in the file's order
        self.selections: dict[str, list] = {}  # selection GUID -> [transcript, start, end], for kept references
        self.notes: dict[str, list] = {}  # note GUID -> ["memo", rater, transcript, segment index or "whole"]
        self.extents: kept.Extents = {}  # of selections stored otherwise than they came: ``kept.selection_extents``
        self.repeating: list[kept.KeptElement] = []  # selections that only repeat another's coding, kept as written

    def write(self, transcript: Transcript, codings: list[CodingRecord], memos: list[MemoRecord],
              written_as: dict[str, tuple[str, str]] | None = None) -> None:
        segments = list(transcript.segments)
        ends = [segment.end for segment in segments]
        ends = ends if ends == sorted(ends) else None  # a search by position needs them in order
        writes: dict[CodingKey, tuple[str, CodingWrite]] = {}
        repeats: list[tuple[str, str]] = []  # (coding, its selection's GUID) another selection made already
        repeated, stored_from = set(), set()  # GUIDs of those selections, and of the selections stored
        places: dict[str, tuple[int, int]] = {}  # where each repeating selection lies in the stored text
        for record in codings:
            rater = self.rater(record.rater)
            if self.is_done(rater, transcript, f"{rater.name}'s coding {record.code}"):
                continue
            pieces = [(None, None)] if record.start is None else self.pieces(record, segments, ends)
            if not pieces:
                self.summary.unmapped.append(
                    f"{transcript.name} [{record.start}:{record.end}] ({record.code}): covers no segment (it lies "
                    "outside the speakers' turns)")
                continue
            keys = [CodingKey(rater.id, transcript.id, segment.id if segment is not None else None,
                              self.code_id(record.code), span) for segment, span in pieces]
            if record.start is not None and all(key in writes for key in keys):
                repeats.append((f"[{record.start}:{record.end}] {record.code} by {rater.name}", record.selection))
                repeated.add(record.selection)
                places[record.selection] = (record.start, record.end)
                continue
            stored_from.add(record.selection)
            extent = (record.start, record.end)
            if record.start is not None and (len(pieces) > 1 or _hull(pieces) != extent):
                self.extents[(rater.name, transcript.name, self.code_id(record.code), *_hull(pieces))] = extent
            for key in keys:
                writes.setdefault(key, (rater.name, CodingWrite(key, memo=record.memo or None, created=record.created)))
        for guid in repeated - stored_from:  # what was kept of it (its name) is not the stored selection's
            self.selections.pop(guid, None)
            if guid in (written_as or {}):  # kept whole as written: its name, memo, dates and notes go back out
                self.repeating.append(_placed(*written_as[guid], *places[guid]))
        # a selection partly stored (another of its codings was new) is named, not kept twice
        repeats = [line for line, guid in repeats if guid in stored_from or guid not in (written_as or {})]
        if repeats:
            self.summary.skipped.append(
                f"{transcript.name}: {len(repeats)} selection(s) code only what another selection of the same user "
                "and code codes already on these turns, and are stored as that coding (their own extent, name and "
                "memo not kept): " + "; ".join(repeats[:5]) + ("; ..." if len(repeats) > 5 else ""))
        stored = self.store(transcript, list(writes.values()))
        notes = self.memos(transcript, segments, memos)
        audit(self.session, self.actor.name, "qdpx.import", transcript.name, after={"codings": stored, "memos": notes})

    @staticmethod
    def pieces(record: CodingRecord, segments: list[Segment], ends: list[int] | None = None
               ) -> list[tuple[Segment, tuple[int, int] | None]]:
        """(segment, span inside it, None when the whole segment) for each segment the record covers.
        Segments follow each other in the text: the search starts at the first one ending after the
        record starts and stops at the first starting after it ends (not every segment per coding)."""
        result = []
        first = bisect_right(ends, record.start) if ends is not None else 0  # ``ends``: the segments' ends, in order
        for segment in segments[first:]:
            if ends is not None and segment.start >= record.end:
                break
            if overlap((record.start, record.end), (segment.start, segment.end)) <= 0:
                continue
            start, end = max(record.start, segment.start), min(record.end, segment.end)
            if (start, end) == (segment.start, segment.end):
                result.append((segment, None))
            elif segment.transcript.text[start:end].strip():
                result.append((segment, (start, end)))
        return result

    def store(self, transcript: Transcript, writes: list[tuple[str, CodingWrite]]) -> int:
        """Queues the transcript's codings for ``store_codings``; counts the new ones per rater
        (neither stored nor queued by an earlier source of the same text). Returns how many are new."""
        if transcript.id not in self.known:
            self.known[transcript.id] = set(self.session.execute(
                select(Coding.rater_id, Coding.code_id, Coding.unit_key).where(Coding.transcript_id == transcript.id)))
        known = self.known[transcript.id]
        new = [(rater, w) for rater, w in writes if (w.key.rater_id, w.key.code_id, w.key.unit_key) not in known]
        known.update((w.key.rater_id, w.key.code_id, w.key.unit_key) for _, w in writes)
        self.pending.extend(w for _, w in writes)
        for rater, write in new:
            self.summary.codings[rater] += 1
            self.summary.coding_memos += bool(write.memo)
        return len(new)

    def store_codings(self) -> None:
        """Stores every queued coding through the one write path, in one batch (its checks read
        once, the new codings inserted in bulk); the import audits them per transcript."""
        write_codings(self.session, self.actor, self.pending, audited=False)
        self.pending = []

    def memos(self, transcript: Transcript, segments: list[Segment], memos: list[MemoRecord]) -> int:
        texts: dict[tuple[int, int | None], list[str]] = {}
        dates: dict[tuple[int, int | None], dt.datetime] = {}
        for memo in memos:
            rater = self.rater(memo.rater)
            if self.is_done(rater, transcript, f"{rater.name}'s memo"):
                continue
            segment = None if memo.position is None else next(
                (s for s in segments if s.start <= memo.position < s.end), None)
            key = (rater.id, segment.id if segment else None)
            texts.setdefault(key, []).append(memo.text.strip())
            if memo.note:
                self.notes[memo.note] = ["memo", rater.name, transcript.name,
                                         str(segment.index) if segment else "whole"]
            if memo.created is not None:
                dates[key] = max(dates.get(key, memo.created), memo.created)
        for (rater_id, segment_id), new in texts.items():
            old = self.session.scalar(select(Memo.text).where(
                Memo.rater_id == rater_id, Memo.transcript_id == transcript.id,
                Memo.segment_id.is_(None) if segment_id is None else Memo.segment_id == segment_id)) or ""
            parts = [old] if old.strip() else []
            parts += [t for t in dict.fromkeys(new) if t not in old]
            text = "\n\n".join(parts)
            if text != old:
                # a new memo keeps the date the file gives it
                save_memo(self.session, self.actor, MemoKey(rater_id, transcript.id, segment_id), text,
                          at=None if old else dates.get((rater_id, segment_id)))
                self.summary.memos += 1
        return len(texts)

    def rater(self, name: str) -> User:
        if name not in self.raters:
            user, added = importing_rater(self.session, self.actor, name, where=f"{self.path}: a user of the project")
            if added:
                self.summary.new_raters.append(user.name)
            self.raters[name] = user
        return self.raters[name]

    def is_done(self, rater: User, transcript: Transcript, what: str) -> bool:
        """True (and reported) when the rater marked the transcript done: an import does not reopen it."""
        if rater.id not in self.done:
            self.done[rater.id] = done_transcripts(self.session, self.actor, rater.id)
        if transcript.id in self.done[rater.id]:
            self.summary.skipped.append(f"{transcript.name}: {what}: {rater.name} marked this transcript done; "
                                        "reopen it to import into it")
            return True
        return False

    def code_id(self, ref: str) -> int:
        if ref not in self.code_ids:
            self.code_ids[ref] = codes_mod.resolve(self.session, ref, self.codes).id
        return self.code_ids[ref]


def _hull(pieces: list[tuple[Segment, tuple[int, int] | None]]) -> tuple[int, int]:
    """Where the codings a selection is stored as begin and end (a whole segment's: its bounds)."""
    (first, head), (last, tail) = pieces[0], pieces[-1]
    return (head or (first.start, first.end))[0], (tail or (last.start, last.end))[1]


# ---------------------------------------------------------------- the codebook


def _load_codebook(session: Session, actor: Actor, project: QdaProject, summary: QdpxImportSummary) -> dict[str, str]:
    """Merge the file's code tree into the stored codebook; returns {code GUID: code reference}.
    Codes and themes the study has already keep their definitions and order; new ones are added."""
    stored = codes_mod.stored_codebook(session)
    coded = frozenset(c.code for s in project.sources for c in s.all_codings())
    imported = codebook_from(project.codes, stored=stored, coded=coded)
    summary.skipped.extend(imported.notes)
    if not imported.book.themes and not imported.book.top_codes:
        return imported.refs
    result = codes_mod.merge_codebook(session, merged(stored, imported.book), actor)
    kept.keep_theme_colours(session, imported.theme_colours)
    summary.codes_added = result["added"]
    return imported.refs
