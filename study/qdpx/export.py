"""A study as a ``.qdpx``: texts, codebook, participants, the raters' codings and memos.

- raters are Users; themes and codes are Codes (``codebook``), nested as the tree is, names as
  they are (or unique across the tree, for QualCoder);
- transcripts are TextSources (``plainTextPath="internal://<guid>.txt"``); each rater's coding is
  its own PlainTextSelection, exactly its span when it has one, else its segment, owned by the
  rater (``creatingUser``, ``creationDateTime``) with one Coding (the pieces an import cut one
  selection into at segment bounds are one selection again: ``rejoined``); its memo is the
  selection's Description, where QualCoder and MAXQDA read a coding memo;
- a segment memo is a Note anchored by a PlainTextSelection and referenced from its TextSource
  (QualCoder reads these as annotations); whole-transcript codings are Codings on the TextSource;
- participants are named Cases with their attributes as Variables; a transcript's own metadata
  (its header and interview date) is a Case with no name and one SourceRef, as MAXQDA writes
  source variables.

GUIDs are uuid5 of stable keys and the zip entries carry a fixed date, so exporting the same
study twice gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from bisect import bisect_left, bisect_right
from collections import defaultdict
from itertools import accumulate
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import __version__
from .. import codes as codes_mod
from .. import project_memos
from . import kept
from ..auth import Actor, rater_user
from ..atomic import atomic_write
from ..importing.storing import interview_date
from ..project_memos import ProjectMemo, code_memo_ref
from ..store import CONSENSUS, Coding, Memo, Participant, Study, Transcript, User
from .codebook import CodeElements, code_guid
from .model import (INTERNAL, INTERVIEW_DATE, NS, PROJECT_DESCRIPTION, PROJECT_FILE, SOURCES_FOLDER, case_memo_label,
                    stable_guid, xml_text)
from .groupings import CODE, kept_relations, kept_sets

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same study exports to the same bytes
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_NAME_LENGTH = 60  # of a selection's name: the start of the text it selects
CONSENSUS_USER = "consensus (adjudicated)"
_DIRECTIONS = ("Associative", "OneWay", "Bidirectional")  # a Link's directions in QDA-XML


@dataclass(frozen=True)
class ExportSummary:
    path: str
    raters: tuple[str, ...]
    sources: int
    codes: int
    codings: int
    notes: int
    repeated_names: tuple[str, ...] = ()  # code names used in more than one branch (written as they are)
    unique_names: bool = False
    not_written: tuple[str, ...] = ()  # kept elements (graphs, pictures...) whose place the study no longer holds


def export_qdpx(study: Study, asker: Actor, path: str | Path, raters: Sequence[str] | None = None,
                unique_names: bool = False) -> ExportSummary:
    """Write the study (texts, codebook, participants, the raters' codings and memos) as a .qdpx.

    ``raters`` None: every rater with codings or memos (an admin), or the asker's own (a coder).
    An admin's export also gives back what imports kept as written (``kept``: graphs, pictures,
    time ranges...); what of it has lost its place is named in ``not_written``.
    ``unique_names``: a code name used in two branches is written with its parent, "Latency
    (Performance)", for tools that keep one code per name (QualCoder); else names are as they are.
    """
    path = Path(path)
    with study.session() as session:
        names = _export_raters(session, asker, raters)
        builder = _ProjectBuilder(session, names, unique_names, with_kept=asker.is_admin)
        project = builder.project(path.stem or "study")
    write_archive(path, project, builder.texts)
    return ExportSummary(str(path), names, builder.source_count, builder.code_count, len(builder.codings),
                         builder.note_count, tuple(builder.codebook.repeated), unique_names, builder.not_written)


def _export_raters(session: Session, asker: Actor, raters: Sequence[str] | None) -> tuple[str, ...]:
    if raters is None:
        if not asker.is_admin:
            raters = [asker.name]
        else:
            with_work = select(Coding.rater_id).union(select(Memo.rater_id))
            raters = sorted(session.scalars(select(User.name).where(User.id.in_(with_work))), key=user_name)
    names = tuple(dict.fromkeys(r.strip() for r in raters if r.strip()))
    for name in names:
        asker.require_rater(name, "export the codings")
        rater_user(session, name)  # NotFound for a name that is no rater
    return names


def when(moment: dt.datetime | None) -> str:
    """A stored time as xsd:dateTime in UTC (QualCoder reads creationDateTime on every Note and selection)."""
    moment = moment or _EPOCH
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _ProjectBuilder:
    """Builds the Project element from one session's reads; ``texts`` are the Sources files."""

    def __init__(self, session: Session, raters: tuple[str, ...], unique_names: bool = False, with_kept: bool = False):
        self.session = session
        self.with_kept = with_kept  # what imports kept as written (other coders' picture codings too): an admin's
        self.raters = raters
        self.rater_of = {rater_user(session, r).id: r for r in raters}
        self.user_guid = {r: stable_guid("user", user_name(r)) for r in raters}
        self.codings = list(session.scalars(select(Coding).where(Coding.rater_id.in_(list(self.rater_of)))))
        self.memos = [m for m in session.scalars(select(Memo).where(Memo.rater_id.in_(list(self.rater_of))))
                      if m.text.strip()]
        all_codes = codes_mod.all_codes(session, include_retired=True)
        self.code_order = {c.id: i for i, c in enumerate(all_codes)}
        self.codebook = CodeElements(codes_mod.top_themes(session), {c.code_id for c in self.codings}, unique_names,
                                     codes_mod.top_codes(session), kept.theme_colours(session))
        self.texts: dict[str, str | bytes] = {}
        self.notes: list[ET.Element] = []
        self.memo_files = 0
        self.not_written: tuple[str, ...] = ()
        self.extents: dict[str, dict] = defaultdict(dict)  # transcript -> ``rejoined``'s extents
        rater_id = {name: id_ for id_, name in self.rater_of.items()}
        for (rater, transcript, code_id, start, end), extent in kept.selection_extents(session).items():
            if rater in rater_id:
                self.extents[transcript][(rater_id[rater], code_id, start, end)] = extent
        self.selection_places = kept.referred_selections(session)  # for extents an older import did not keep
        # (rater, transcript) of the transcript memos an import read from notes, whose names it kept
        self.memo_notes = {(ref[1], ref[2]) for ref in kept.kept_of(session).refs.values()
                           if ref[0] == "memo" and ref[3] == "whole"} if with_kept else set()

    @property
    def source_count(self) -> int:
        return len(self.texts) - self.memo_files

    @property
    def note_count(self) -> int:
        return len(self.notes)

    @property
    def code_count(self) -> int:
        return self.codebook.count

    def project(self, name: str) -> ET.Element:
        root = ET.Element("Project", {"xmlns": NS, "name": xml_text(name), "origin": f"study {__version__}"})
        transcripts = list(self.session.scalars(select(Transcript).order_by(Transcript.id)))
        memos = list(project_memos.read(self.session))
        # the project's own description an import kept goes back as the project's Description
        described = next((m for m in memos if m.name == PROJECT_DESCRIPTION), None)
        # a code's memo goes back as a note its Code refers to, as NVivo and ATLAS.ti link it
        on_code = [m for m in memos if code_memo_ref(m.name) in self.codebook.refs]
        for memo in on_code:
            self.codebook.notes[code_memo_ref(memo.name)].append(self.project_memo(memo).get("guid"))
        codes = _container("Codes", self.codebook.elements() + case_codes(transcripts))
        book = None
        if codes is not None:
            book = ET.Element("CodeBook")
            book.append(codes)
        participants = _Variables(transcripts, self.session.scalars(select(Participant).order_by(Participant.id)),
                                  kept.variable_types(self.session))
        # a case memo an import kept goes back as its case's Description, where QualCoder and NVivo read it
        on_case = {m: label for m in memos if (label := case_memo_label(m.name)) in participants.labels}
        variables, cases = participants.elements({label: m.text for m, label in on_case.items()})
        sources = self.sources(transcripts)
        for memo in memos:
            if memo not in on_case and memo is not described and memo not in on_code:
                self.project_memo(memo)
        users = _container("Users", [ET.Element("User", guid=self.user_guid[r], name=xml_text(user_name(r)))
                                     for r in self.user_guid])
        names = {t.name for t in transcripts}
        parts = [users, book, variables, cases, sources, _container("Notes", self.notes),
                 _container("Links", self.links(names)), _container("Sets", self.sets(names))]
        root.extend(part for part in parts if part is not None)
        if described is not None:
            ET.SubElement(root, "Description").text = xml_text(described.text)
        self.restore_kept(root, names)
        return root

    def restore_kept(self, root: ET.Element, transcripts: set[str]) -> None:
        """What an import kept as written (graphs, pictures, time ranges...), put back in place, its
        references renamed to this file's GUIDs; users it names are added to the file's users."""
        store = kept.kept_of(self.session)
        if not store.elements or not self.with_kept:
            return
        new_guids = _NewGuids(self, root, transcripts)
        restorer = kept.Restorer(store, new_guids, self.session, self.texts)
        restorer.restore(root)
        self.texts.update(restorer.files)
        self.add_variables(root, new_guids.variables)
        users = root.find("Users")
        if users is None:
            users = ET.Element("Users")
            root.insert(0, users)
        present = {u.get("guid") for u in users}
        users.extend(ET.Element("User", guid=guid, name=xml_text(user_name(name)))
                     for name, guid in self.user_guid.items() if guid not in present)
        restorer.fill_users(root)
        self.not_written = tuple(restorer.not_written)

    def add_variables(self, root: ET.Element, names: set[str]) -> None:
        """The Variables kept elements refer to that no participant or text holds now (a source's
        own variables, kept with it), typed as a project declared them."""
        container = root.find("Variables")
        present = {v.get("name") for v in container} if container is not None else set()
        missing = sorted(names - present)
        if not missing:
            return
        if container is None:
            container = ET.Element("Variables")
            kept.insert_in_order(root, container)
        declared = kept.variable_types(self.session)
        container.extend(_variable(name, declared.get(name, "Text")) for name in missing)

    def sets(self, transcripts: set[str]) -> list[ET.Element]:
        """The sets an import kept, each member a code or text of this file (a member since renamed
        or removed is left out)."""
        elements = []
        for kept in kept_sets(self.session):
            element = ET.Element("Set", guid=stable_guid("set", kept.name), name=xml_text(kept.name))
            if kept.description:
                ET.SubElement(element, "Description").text = xml_text(kept.description)
            element.extend(ET.Element("MemberCode", targetGUID=code_guid(self.codebook.ref_of[code]))
                           for code in kept.codes if code in self.codebook.ref_of)
            element.extend(ET.Element("MemberSource", targetGUID=source_guid(name)) for name in kept.sources
                           if name in transcripts)
            elements.append(element)
        return elements

    def links(self, transcripts: set[str]) -> list[ET.Element]:
        """The relations an import kept whose two ends are codes or texts of this file."""
        def end(kind: str, member: int | str) -> str | None:
            if kind == CODE:
                return code_guid(self.codebook.ref_of[member]) if member in self.codebook.ref_of else None
            return source_guid(member) if member in transcripts else None

        elements = []
        for kept in kept_relations(self.session):
            origin, target = end(*kept.origin), end(*kept.target)
            if origin and target:
                element = ET.Element("Link", guid=stable_guid("link", kept.name, origin, target))
                if kept.name:
                    element.set("name", xml_text(kept.name))
                if kept.direction in _DIRECTIONS:
                    element.set("direction", kept.direction)
                if kept.colour:
                    element.set("color", kept.colour)
                element.set("originGUID", origin)
                element.set("targetGUID", target)
                elements.append(element)
        return elements

    def sources(self, transcripts: list[Transcript]) -> ET.Element | None:
        codings: dict[int, list[Coding]] = defaultdict(list)
        for coding in self.codings:
            codings[coding.transcript_id].append(coding)
        memos: dict[int, list[Memo]] = defaultdict(list)
        for memo in self.memos:
            memos[memo.transcript_id].append(memo)
        return _container("Sources", [self.source(t, codings[t.id], memos[t.id]) for t in transcripts])

    def source(self, transcript: Transcript, codings: list[Coding], memos: list[Memo]) -> ET.Element:
        guid = source_guid(transcript.name)
        element = ET.Element("TextSource", guid=guid, name=xml_text(transcript.name),
                             plainTextPath=f"{INTERNAL}{guid}.txt")
        memos = sorted(memos, key=lambda m: (self.raters.index(self.rater_of[m.rater_id]), m.segment_id or -1))
        # the first rater's transcript memo is the source's Description, the document memo QualCoder,
        # NVivo and MAXQDA show; its author the source's creator. Other raters' stay Notes, and so
        # does one an import read from a note (it goes back out as that note, named as it was).
        described = next((m for m in memos if m.segment_id is None
                          and (self.rater_of[m.rater_id], transcript.name) not in self.memo_notes), None)
        if described is not None:
            element.set("creatingUser", self.user_guid[self.rater_of[described.rater_id]])
            element.set("modifiedDateTime", when(described.updated_at))
            ET.SubElement(element, "Description").text = xml_text(described.text)
        self.texts[f"{SOURCES_FOLDER}{guid}.txt"] = transcript.text
        segments = {s.id: s for s in transcript.segments}
        whole = sorted((c for c in codings if segments.get(c.segment_id) is None), key=self.order)
        placed = sorted((c for c in codings if segments.get(c.segment_id) is not None), key=self.order)
        for coding, span in rejoined(placed, segments, self.extents.get(transcript.name, {}),
                                     self.selection_places.get(transcript.name, ())):
            element.append(self.selection(transcript, coding, str(segments[coding.segment_id].index), span))
        if transcript.participant is not None:
            element.append(self.case_selection(transcript))
        element.extend(self.coding(c, (transcript.name, "whole")) for c in whole)
        for memo in memos:
            if memo is described:
                continue
            segment = segments.get(memo.segment_id)
            where = (transcript.name, str(segment.index) if segment is not None else "whole")
            anchor = (segment.start, segment.end) if segment is not None else None
            element.append(self.note(memo, where, anchor))
        return element

    def order(self, coding: Coding) -> tuple:
        return (coding.segment_id is None, coding.span or (0, 0), coding.segment_id or 0,
                self.raters.index(self.rater_of[coding.rater_id]), self.code_order.get(coding.code_id, 0))

    def selection(self, transcript: Transcript, coding: Coding, unit: str, span: tuple[int, int]) -> ET.Element:
        rater = self.rater_of[coding.rater_id]
        key = (user_name(rater), transcript.name, unit, coding.code.ref, *map(str, coding.span or ()))
        excerpt = " ".join(transcript.text[span[0]:span[1]].split())
        element = ET.Element("PlainTextSelection", guid=stable_guid("selection", *key),
                             name=xml_text(excerpt[:_NAME_LENGTH]), startPosition=str(span[0]),
                             endPosition=str(span[1]), creatingUser=self.user_guid[rater],
                             creationDateTime=when(coding.created_at))
        if coding.memo:
            ET.SubElement(element, "Description").text = xml_text(coding.memo)
        element.append(self.coding(coding, key[1:]))
        return element

    def case_selection(self, transcript: Transcript) -> ET.Element:
        """The whole text coded with its participant's case code, as NVivo links a case to its
        texts (QualCoder reads case links only so)."""
        label = transcript.participant.label
        owner = {"creatingUser": self.user_guid[self.raters[0]]} if self.raters else {}
        element = ET.Element("PlainTextSelection", guid=stable_guid("case-selection", label, transcript.name),
                             name=xml_text(label), startPosition="0", endPosition=str(len(transcript.text)),
                             **owner, creationDateTime=when(None))  # a fixed date: the same bytes each export
        coding = ET.SubElement(element, "Coding", guid=stable_guid("case-coding", label, transcript.name), **owner)
        ET.SubElement(coding, "CodeRef", targetGUID=case_guid(label))
        return element

    def coding(self, coding: Coding, where: Iterable[str]) -> ET.Element:
        """A Coding; on a whole transcript its memo is a Note it refers to (a Coding has no Description)."""
        rater, ref = self.rater_of[coding.rater_id], coding.code.ref
        guid = stable_guid("coding", user_name(rater), *where, ref)
        element = ET.Element("Coding", guid=guid, creatingUser=self.user_guid[rater],
                             creationDateTime=when(coding.created_at))
        ET.SubElement(element, "CodeRef", targetGUID=code_guid(ref))
        if coding.segment_id is None and coding.memo:
            note = ET.Element("Note", guid=stable_guid("note", guid), name=xml_text(
                f"Memo by {user_name(rater)} on {ref} coding {coding.transcript.name}"),
                creatingUser=self.user_guid[rater], creationDateTime=when(coding.created_at))
            ET.SubElement(note, "PlainTextContent").text = xml_text(coding.memo)
            self.notes.append(note)
            ET.SubElement(element, "NoteRef", targetGUID=note.get("guid"))
        return element

    def project_memo(self, memo: ProjectMemo) -> ET.Element:
        """A note for the memo (added to the notes), its text a file (QualCoder reads a named one
        attached to nothing so, as a journal); its author a user of the file."""
        guid = stable_guid("project-memo", memo.name, memo.text)
        note = ET.Element("Note", guid=guid, name=xml_text(memo.name or "Project memo"),
                          plainTextPath=f"{INTERNAL}{guid}.txt")
        if memo.author:
            note.set("creatingUser", self.user_guid.setdefault(memo.author, stable_guid("user", memo.author)))
        note.set("creationDateTime", memo.created or when(None))  # QualCoder fails on a note without a date
        self.texts[f"{SOURCES_FOLDER}{guid}.txt"] = memo.text
        self.memo_files += 1
        self.notes.append(note)
        return note

    def note(self, memo: Memo, where: tuple[str, str], anchor: tuple[int, int] | None) -> ET.Element:
        """Adds a Note for the memo (anchored at its segment) and returns the NoteRef pointing at it."""
        rater = self.rater_of[memo.rater_id]
        rater = user_name(rater)
        guid = stable_guid("note", "memo", rater, *where)
        note = ET.Element("Note", guid=guid, name=xml_text(f"Memo by {rater} at {where[0]} #{where[1]}"),
                          creatingUser=self.user_guid[self.rater_of[memo.rater_id]],
                          creationDateTime=when(memo.updated_at))
        ET.SubElement(note, "PlainTextContent").text = xml_text(memo.text)
        if anchor is not None:
            ET.SubElement(note, "PlainTextSelection", guid=stable_guid("anchor", rater, *where),
                          startPosition=str(anchor[0]), endPosition=str(anchor[1]),
                          creatingUser=note.get("creatingUser"), creationDateTime=when(memo.updated_at))
        self.notes.append(note)
        return ET.Element("NoteRef", targetGUID=guid)


class _NewGuids:
    """The GUID this export wrote for what an original GUID named (``kept.Restorer``), or None."""

    def __init__(self, builder: _ProjectBuilder, root: ET.Element, transcripts: set[str]):
        self.builder, self.root, self.transcripts = builder, root, transcripts
        self._selections: dict[tuple, str] | None = None
        self.variables: set[str] = set()  # the variables kept elements named

    def __call__(self, kind: str, *key) -> str | None:
        return getattr(self, kind, lambda *_: None)(*key)

    def code(self, code_id: int) -> str | None:
        ref = self.builder.codebook.ref_of.get(code_id)
        return code_guid(ref) if ref is not None else None

    def source(self, name: str) -> str | None:
        return source_guid(name) if name in self.transcripts else None

    def user(self, name: str) -> str:
        return self.builder.user_guid.setdefault(name, stable_guid("user", user_name(name)))

    def variable(self, name: str) -> str:
        self.variables.add(name)
        return stable_guid("variable", name)

    def case(self, participant_id: int) -> str | None:
        participant = self.builder.session.get(Participant, participant_id)
        return case_guid(participant.label) if participant is not None else None

    def set(self, name: str) -> str:
        return stable_guid("set", name)

    def note(self, name: str, text: str) -> str:
        return stable_guid("project-memo", name, text)

    def coding_memo(self, rater: str, transcript: str, ref: str) -> str | None:
        """The note this export wrote for the memo of a rater's coding of a whole text (``coding``)."""
        guid = stable_guid("note", stable_guid("coding", user_name(rater), transcript, "whole", ref))
        return guid if any(n.get("guid") == guid for n in self.builder.notes) else None

    def memo(self, rater: str, transcript: str, where: str) -> str | None:
        """The note this export wrote for a rater's memo on a segment (by index) or a whole text."""
        guid = stable_guid("note", "memo", user_name(rater), transcript, where)
        return guid if any(n.get("guid") == guid for n in self.builder.notes) else None

    def link(self, name: str, origin: list, target: list) -> str | None:
        ends = [self.code(member) if kind == CODE else self.source(member) for kind, member in (origin, target)]
        return stable_guid("link", name, *ends) if all(ends) else None

    def selection(self, transcript: str, start: int, end: int) -> str | None:
        """The selection written at that place, else the overlapping one of the text whose ends lie
        nearest (a coding is stored cut to the segment it lies in)."""
        if self._selections is None:
            self._selections = defaultdict(list)
            for source in self.root.iter("TextSource"):
                for selection in source.iter("PlainTextSelection"):
                    self._selections[source.get("name")].append(
                        (int(selection.get("startPosition")), int(selection.get("endPosition")), selection.get("guid")))
        place = kept.nearest(self._selections.get(transcript, []), start, end)
        return place[2] if place else None


def rejoined(codings: list[Coding], segments: dict, extents: dict[tuple[int, int, int, int], tuple[int, int]],
             places: Iterable[tuple[int, int]] = ()) -> list[tuple[Coding, tuple[int, int]]]:
    """(first piece, span) of each selection to write: a coding, or the pieces an import cut one
    selection into at segment bounds, as one. ``extents``: {(rater id, code id, start, end) of a
    selection's codings: its own (start, end)}, kept by the import; the selection goes out there
    when its codings are all still held, with one memo, each where the import put it (the part of
    each segment it covers); else each coding goes out where it is. ``places``: where the file's
    selections lay that kept elements refer to, for the extents an older import did not keep
    (``_found_extents``)."""
    def reach(coding: Coding) -> tuple[int, int]:
        segment = segments[coding.segment_id]
        return coding.span or (segment.start, segment.end)

    by_reach = {(c.rater_id, c.code_id, reach(c)): c for c in codings}
    ordered = sorted(segments.values(), key=lambda s: s.start)
    bounds = ([s.start for s in ordered], list(accumulate((s.end for s in ordered), max)))

    def pieces_of(rater: int, code: int, start: int, end: int) -> list[Coding] | None:
        return _pieces(ordered, bounds, start, end, lambda place: by_reach.get((rater, code, place)))

    extents = {**_found_extents(set(places), extents, by_reach, reach, pieces_of), **extents}
    spans: dict[int, tuple[int, int]] = {}
    joined: set[int] = set()  # codings written as part of an earlier one's selection
    for (rater, code, start, end), extent in sorted(extents.items()):
        pieces = pieces_of(rater, code, start, end)
        if pieces and not any(p.id in joined or p.id in spans for p in pieces) and len(
                {p.memo or "" for p in pieces}) == 1:
            joined.update(p.id for p in pieces[1:])
            spans[pieces[0].id] = extent
    return [(c, spans.get(c.id, reach(c))) for c in codings if c.id not in joined]


_ONE_MOMENT = dt.timedelta(minutes=1)  # an older import stored an undated selection's pieces one after another


def _found_extents(places: set[tuple[int, int]], extents: dict, by_reach: dict, reach, pieces_of) -> dict:
    """The extents of selections an import cut before it kept extents (``kept.referred_selections``
    gives where they lay): at each such place that is no kept extent, a rater's codings of one code
    stored as that selection is cut (a coding per segment it covers, or one reaching less far than
    it) and made at one moment; pieces that could be one selection or another go with the one of
    more pieces. A place names no user: where it could be one piece of several raters' made at
    different moments, which one it was is unknown, and none is moved."""
    starts = sorted((place[0], rater, code, place) for rater, code, place in by_reach)  # by where codings begin
    options = []  # (pieces, key of the extent, the selection's place)
    for start, end in sorted(places - set(extents.values())):
        first = bisect_left(starts, (start,))
        for rater, code in sorted({(r, c) for _, r, c, _ in starts[first:bisect_left(starts, (end,), first)]}):
            pieces = pieces_of(rater, code, start, end)
            if pieces and (len(pieces) > 1 or reach(pieces[0]) != (start, end)) and _at_one_moment(pieces):
                options.append((pieces, (rater, code, reach(pieces[0])[0], reach(pieces[-1])[1]), (start, end)))
    found: dict[tuple[int, int, int, int], tuple[int, int]] = {}
    used: set[int] = set()
    for pieces, key, place in sorted(options, key=lambda option: -len(option[0])):
        if len(pieces) > 1 and not used & {p.id for p in pieces}:
            found.setdefault(key, place)
            used |= {p.id for p in pieces}
    singles: dict[tuple[int, int], list] = defaultdict(list)
    for pieces, key, place in options:
        if len(pieces) == 1 and pieces[0].id not in used:
            singles[place].append((pieces[0], key))
    for place, held in singles.items():
        if _at_one_moment([piece for piece, _ in held]):
            found.update((key, place) for _, key in held if key not in found)
    return found


def _at_one_moment(codings: list[Coding]) -> bool:
    moments = [c.created_at for c in codings]
    return max(moments) - min(moments) <= _ONE_MOMENT


def _pieces(ordered: list, bounds: tuple[list[int], list[int]], start: int, end: int, coding_at) -> list[Coding] | None:
    """The codings an import stored for a selection from ``start`` to ``end``, one per segment it
    covers (``coding_at(place)``: the coding at that place); None when one is missing (removed
    since). A segment where the selection covers only blanks had none. ``ordered``: the segments
    by start; ``bounds``: their starts and the running maximum of their ends, which find the
    stretch of them that can touch the selection."""
    starts, reached = bounds
    pieces = []
    for segment in ordered[bisect_right(reached, start):bisect_left(starts, end)]:
        if segment.end <= start:
            continue
        place = (max(start, segment.start), min(end, segment.end))
        piece = coding_at(place)
        if piece is None and segment.transcript.text[place[0]:place[1]].strip():
            return None
        if piece is not None:
            pieces.append(piece)
    return pieces or None


def user_name(rater: str) -> str:
    """The rater's name in the file; the consensus travels as a rater of its own, since an import
    never writes into a study's consensus."""
    return CONSENSUS_USER if rater == CONSENSUS else rater


def source_guid(name: str) -> str:
    return stable_guid("source", name)


def case_guid(label: str) -> str:
    return stable_guid("case", label)


def case_codes(transcripts: list[Transcript]) -> list[ET.Element]:
    """A code per participant with texts, sharing its Case's GUID, as NVivo writes its cases into
    the codebook: the code QualCoder turns into the case's links to texts (and an import drops)."""
    labels = dict.fromkeys(t.participant.label for t in transcripts if t.participant is not None)
    return [ET.Element("Code", guid=case_guid(label), name=xml_text(label), isCodable="true") for label in labels]


class _Variables:
    """Participants' attributes and transcripts' metadata as typed Variables and Cases."""

    def __init__(self, transcripts: list[Transcript], others: Iterable[Participant] = (),
                 declared: dict[str, str] | None = None):
        self.transcripts = transcripts
        self.declared = declared or {}  # the types projects declared (a Text "007" stays Text)
        self.participants: dict[int, Participant] = {}
        self.sources: dict[int, list[str]] = defaultdict(list)
        for t in transcripts:
            if t.participant is not None:
                self.participants.setdefault(t.participant.id, t.participant)
                self.sources[t.participant.id].append(source_guid(t.name))
        for participant in others:  # a participant with no text yet is a case all the same
            self.participants.setdefault(participant.id, participant)

    @property
    def labels(self) -> set[str]:
        """The participants written as cases."""
        return {p.label for p in self.participants.values()}

    def elements(self, memos: dict[str, str]) -> tuple[ET.Element | None, ET.Element | None]:
        """(Variables, Cases); ``memos``: {participant: memo}, written as the case's Description."""
        person = _variable_kinds((p.attributes for p in self.participants.values()), self.declared)
        metadata = {t.id: transcript_metadata(t) for t in self.transcripts}
        own = {f"{name} (transcript)" if name in person else name: kind
               for name, kind in _variable_kinds(metadata.values(), self.declared).items()}
        variables = [_variable(name, kind) for name, kind in {**person, **own}.items()]
        cases = [self.case(p, person, memos.get(p.label, "")) for p in self.participants.values()]
        for t in self.transcripts:
            values = {(f"{k} (transcript)" if k in person else k): v for k, v in metadata[t.id].items()}
            if values:
                case = ET.Element("Case", guid=stable_guid("source-case", t.name))
                case.extend(_variable_value(name, own[name], v) for name, v in values.items() if name in own)
                ET.SubElement(case, "SourceRef", targetGUID=source_guid(t.name))
                cases.append(case)
        return _container("Variables", variables), _container("Cases", cases)

    def case(self, participant: Participant, kinds: dict[str, str], memo: str = "") -> ET.Element:
        case = ET.Element("Case", guid=case_guid(participant.label), name=xml_text(participant.label))
        if memo:
            ET.SubElement(case, "Description").text = xml_text(memo)
        for name, kind in kinds.items():
            value = participant.attributes.get(name)
            # an empty value is written where the type allows it: the attribute exists, and stays
            if _simple(value) and (str(value).strip() or (name in participant.attributes and kind == "Text")):
                case.append(_variable_value(name, kind, value))
        case.extend(ET.Element("SourceRef", targetGUID=guid) for guid in self.sources[participant.id])
        return case


def transcript_metadata(transcript: Transcript) -> dict[str, str]:
    """A transcript's header fields as exported source variables, and its interview date when an
    import could not find it again in its name or header (so a round trip adds no field)."""
    header = {str(k): str(v) for k, v in (transcript.header or {}).items() if _simple(v)}
    values = {k: v for k, v in header.items() if v.strip()}
    if transcript.interview_date and interview_date(transcript.name, header) != transcript.interview_date:
        values[INTERVIEW_DATE] = transcript.interview_date
    return values


def _container(tag: str, children: list[ET.Element]) -> ET.Element | None:
    """``<tag>`` holding ``children``; None when there are none (the schema wants at least one)."""
    if not children:
        return None
    element = ET.Element(tag)
    element.extend(children)
    return element


def write_archive(path: Path, project: ET.Element, texts: dict[str, str | bytes] | None, member: str = PROJECT_FILE) -> None:
    """The project (and its texts) as a zip at ``path`` (the bare XML when ``texts`` is None),
    written whole or not at all."""
    ET.indent(project)
    xml = ET.tostring(project, encoding="utf-8", xml_declaration=True)
    with atomic_write(path) as file:
        if texts is None:
            file.write(xml)
        else:
            with zipfile.ZipFile(file, "w") as archive:
                _add_member(archive, member, xml)
                for name, text in texts.items():
                    _add_member(archive, name, text if isinstance(text, bytes) else text.encode("utf-8"))


def _add_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


# -- attributes as typed variables

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_VALUE_ELEMENT = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue",
                  "Float": "FloatValue", "Date": "DateValue", "DateTime": "DateTimeValue"}


def _simple(value) -> bool:
    return isinstance(value, (str, int, float))  # bool is an int


def _variable_kinds(attribute_sets: Iterable[dict], declared: dict[str, str] | None = None) -> dict[str, str]:
    """{attribute: QDA-XML variable type}: the type a project declared for it when every value is
    one (``declared``); else Integer, Float or Date when every value reads as one, else Text."""
    values: dict[str, list[str]] = {}
    for attributes in attribute_sets:
        for name, value in attributes.items():
            if _simple(value):
                values.setdefault(name, [])
                if str(value).strip():
                    values[name].append(str(value))
    declared = declared or {}
    return {name: declared[name] if _fits(declared.get(name), found) else _kind_of(found)
            for name, found in values.items()}


def _fits(kind: str | None, values: list[str]) -> bool:
    """True when every value is one of the declared ``kind`` (Text holds anything)."""
    test = {"Text": lambda v: True, "Integer": _INTEGER.fullmatch, "Float": _DECIMAL.fullmatch, "Date": _is_date,
            "DateTime": _is_date_time, "Boolean": lambda v: v in ("true", "false", "1", "0")}.get(kind or "")
    return test is not None and all(test(v) for v in values)


def _kind_of(values: list[str]) -> str:
    if not values:
        return "Text"
    if all(_INTEGER.fullmatch(v) for v in values):
        return "Integer"
    if all(_DECIMAL.fullmatch(v) for v in values):
        return "Float"
    if all(_is_date(v) for v in values):
        return "Date"
    if all(_is_date_time(v) for v in values):
        return "DateTime"
    if all(v in ("true", "false") for v in values):  # xsd:boolean's words (its 1 and 0 read as Integer)
        return "Boolean"
    return "Text"


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: str) -> bool:
    """An xsd:dateTime as tools write it: 2024-03-01T10:00:00, with seconds' fractions and a zone or not."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _variable(name: str, kind: str) -> ET.Element:
    return ET.Element("Variable", guid=stable_guid("variable", name), name=xml_text(name), typeOfVariable=kind)


def _variable_value(name: str, kind: str, value) -> ET.Element:
    element = ET.Element("VariableValue")
    ET.SubElement(element, "VariableRef", targetGUID=stable_guid("variable", name))
    ET.SubElement(element, _VALUE_ELEMENT[kind]).text = xml_text(str(value))
    return element
