"""REFI-QDA project exchange: a study to and from the ``.qdpx`` files other QDA tools read.

A ``.qdpx`` is a zip of ``project.qde`` (QDA-XML 1.0, schema in ``data/Project.xsd``) and the
sources' plain texts in ``Sources/``. How a study maps onto it:

- raters are Users; themes are non-codable parent Codes and codes their codable children. A
  Description holds the definition, then "When to use:", "When not to use:", "Example:" and
  "Keywords:" lines (a theme's: its description and "Exclusive: yes"), which an import reads back;
- transcripts are TextSources (``plainTextPath="internal://<guid>.txt"``); each coded segment is
  a PlainTextSelection (character offsets into the text) with one Coding per rater and code;
  whole-transcript codings are Codings on the TextSource itself;
- memos and coding memos are Notes, referenced by NoteRef; participants are Cases with their
  attributes as Variables.

GUIDs are uuid5 of stable keys and the zip entries carry a fixed date, so exporting the same
study twice gives the same bytes.

An import treats the file as untrusted: declared sizes are checked before anything is inflated,
XML is parsed with defusedxml and refused if it declares a DTD or entities, and nothing outside
the archive is read. Texts are cut into segments by the normal segmenter; each selection's codes
go on the segments it covers (the rule ``importing.carry_targets`` uses when re-segmenting), and
selections that cover none are reported, not guessed.

Example::

    export_qdpx(study, CLI, "study.qdpx", raters=["alice", "bob"])
    summary = import_qdpx(other_study, CLI, "study.qdpx")
"""
from __future__ import annotations

import bisect
import datetime as dt
import os
import re
import uuid
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence
from xml.etree import ElementTree as ET

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import __version__
from . import codebook as cb
from . import codes as codes_mod
from .auth import Actor, rater_user
from .coding_write import CodingKey, CodingWrite, write_codings
from .codings import done_transcripts, find_transcript, save_memo
from .errors import Conflict, QdpxFormatError, StudyError
from .importing import ImportOptions, add_parsed_transcript, carry_targets
from .participants import ParticipantRow, participant_from_file_name, save_participants
from .store import (
    Code,
    Coding,
    Memo,
    Participant,
    Study,
    Theme,
    Transcript,
    User,
    audit,
)
from .transcripts import (
    DEFAULT_MAX_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    READERS,
    SUSPICIOUS_UNZIPPED_BYTES,
    ParsedTranscript,
)

NS = "urn:QDA-XML:project:1.0"
PROJECT_FILE = "project.qde"
SOURCES_FOLDER = "Sources/"
INTERNAL = "internal://"
UNGROUPED_THEME = "Codes"  # the theme that takes top-level codes (a study's codes live in themes)
UNKNOWN_USER = "imported"  # rater of codings whose file names no user
MAX_SOURCE_BYTES = DEFAULT_MAX_BYTES
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same study exports to the same bytes
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:study:qdpx")


def schema_path() -> Path:
    """The QDA-XML Project schema (XSD) that exports follow."""
    return Path(str(resources.files("study") / "data" / "Project.xsd"))


# ---------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportSummary:
    path: str
    raters: tuple[str, ...]
    sources: int
    codes: int
    codings: int
    notes: int


def export_qdpx(study: Study, asker: Actor, path: str | Path, raters: Sequence[str] | None = None) -> ExportSummary:
    """Write the study (texts, codebook, participants, the raters' codings and memos) as a .qdpx.

    ``raters`` None: every rater with codings or memos (an admin), or the asker's own (a coder).
    """
    path = Path(path)
    with study.session() as session:
        names = _export_raters(session, asker, raters)
        builder = _ProjectBuilder(session, names)
        project = builder.project(path.stem or "study")
    _write_archive(path, project, builder.texts)
    return ExportSummary(str(path), names, len(builder.texts), builder.code_count, len(builder.codings),
                         builder.note_count)


def _export_raters(session: Session, asker: Actor, raters: Sequence[str] | None) -> tuple[str, ...]:
    if raters is None:
        if not asker.is_admin:
            raters = [asker.name]
        else:
            with_work = select(Coding.rater_id).union(select(Memo.rater_id))
            raters = list(session.scalars(select(User.name).where(User.id.in_(with_work)).order_by(User.id)))
    names = tuple(dict.fromkeys(r.strip() for r in raters if r.strip()))
    for name in names:
        asker.require_rater(name, "export the codings")
        rater_user(session, name)  # NotFound for a name that is no rater
    return names


def _guid(kind: str, *key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join((kind, *key))))


class _ProjectBuilder:
    """Builds the Project element from one session's reads; ``texts`` are the Sources files."""

    def __init__(self, session: Session, raters: tuple[str, ...]):
        self.session = session
        self.raters = raters
        self.rater_of = {rater_user(session, r).id: r for r in raters}
        self.user_guid = {r: _guid("user", r) for r in raters}
        self.codings = list(session.scalars(select(Coding).where(Coding.rater_id.in_(list(self.rater_of)))))
        self.memos = [m for m in session.scalars(select(Memo).where(Memo.rater_id.in_(list(self.rater_of))))
                      if m.text.strip()]
        all_codes = codes_mod.all_codes(session, include_retired=True)
        self.code_order = {c.id: i for i, c in enumerate(all_codes)}
        self.used_codes = {c.code_id for c in self.codings}
        self.texts: dict[str, str] = {}
        self.notes: list[ET.Element] = []
        self.code_count = 0

    @property
    def note_count(self) -> int:
        return len(self.notes)

    def project(self, name: str) -> ET.Element:
        root = ET.Element("Project", {"xmlns": NS, "name": _xml_text(name), "origin": f"study {__version__}"})
        transcripts = list(self.session.scalars(select(Transcript).order_by(Transcript.id)))
        parts = [self.users(), self.codebook(), *self.variables_and_cases(transcripts), self.sources(transcripts)]
        parts.append(_container("Notes", self.notes))
        root.extend(part for part in parts if part is not None)
        return root

    def users(self) -> ET.Element | None:
        return _container("Users", [
            ET.Element("User", guid=self.user_guid[r], name=_xml_text(r)) for r in self.raters
        ])

    # -- codebook

    def codebook(self) -> ET.Element | None:
        codes = _container("Codes", [self.theme(t) for t in codes_mod.top_themes(self.session)])
        if codes is None:
            return None
        book = ET.Element("CodeBook")
        book.append(codes)
        return book

    def theme(self, theme: Theme) -> ET.Element:
        element = ET.Element("Code", guid=_guid("theme", *theme.path), name=_xml_text(theme.name), isCodable="false")
        _description(element, _theme_description(theme))
        for code in theme.codes:
            if not code.retired or code.id in self.used_codes:
                element.append(self.code(code))
        element.extend(self.theme(child) for child in theme.children)
        return element

    def code(self, code: Code) -> ET.Element:
        self.code_count += 1
        element = ET.Element("Code", guid=_guid("code", code.ref), name=_xml_text(code.name), isCodable="true")
        if code.colour and _RGB.fullmatch(code.colour):
            element.set("color", code.colour)
        _description(element, _code_description(code))
        return element

    # -- participants

    def variables_and_cases(self, transcripts: list[Transcript]) -> tuple[ET.Element | None, ET.Element | None]:
        participants: dict[int, Participant] = {}
        sources: dict[int, list[str]] = defaultdict(list)
        for t in transcripts:
            if t.participant is not None:
                participants.setdefault(t.participant.id, t.participant)
                sources[t.participant.id].append(_guid("source", t.name))
        kinds = _variable_kinds(p.attributes for p in participants.values())
        variables = _container("Variables", [
            ET.Element("Variable", guid=_guid("variable", name), name=_xml_text(name), typeOfVariable=kind)
            for name, kind in kinds.items()
        ])
        cases = []
        for pid, participant in participants.items():
            case = ET.Element("Case", guid=_guid("case", participant.label), name=_xml_text(participant.label))
            for name, kind in kinds.items():
                value = participant.attributes.get(name)
                if _simple(value) and str(value).strip():
                    case.append(_variable_value(name, kind, value))
            case.extend(ET.Element("SourceRef", targetGUID=guid) for guid in sources[pid])
            cases.append(case)
        return variables, _container("Cases", cases)

    # -- sources, selections, codings, notes

    def sources(self, transcripts: list[Transcript]) -> ET.Element | None:
        codings: dict[int, dict[int | None, list[Coding]]] = defaultdict(lambda: defaultdict(list))
        for coding in self.codings:
            codings[coding.transcript_id][coding.segment_id].append(coding)
        memos: dict[int, dict[int | None, list[Memo]]] = defaultdict(lambda: defaultdict(list))
        for memo in self.memos:
            memos[memo.transcript_id][memo.segment_id].append(memo)
        return _container("Sources", [self.source(t, codings[t.id], memos[t.id]) for t in transcripts])

    def source(self, transcript: Transcript, codings: dict, memos: dict) -> ET.Element:
        guid = _guid("source", transcript.name)
        element = ET.Element("TextSource", guid=guid, name=_xml_text(transcript.name),
                             plainTextPath=f"{INTERNAL}{guid}.txt")
        self.texts[f"{SOURCES_FOLDER}{guid}.txt"] = transcript.text
        for segment in transcript.segments:
            if segment.id not in codings and segment.id not in memos:
                continue
            where = (transcript.name, str(segment.index))
            selection = ET.SubElement(element, "PlainTextSelection", guid=_guid("selection", *where),
                                      name=_xml_text(f"{segment.speaker} #{segment.index}"),
                                      startPosition=str(segment.start), endPosition=str(segment.end))
            selection.extend(self.coding(c, where) for c in self.in_order(codings.get(segment.id, [])))
            selection.extend(self.memo_ref(m, where) for m in memos.get(segment.id, []))
        where = (transcript.name, "whole")
        element.extend(self.coding(c, where) for c in self.in_order(codings.get(None, [])))
        element.extend(self.memo_ref(m, where) for m in memos.get(None, []))
        return element

    def in_order(self, codings: list[Coding]) -> list[Coding]:
        rank = {r: i for i, r in enumerate(self.raters)}
        return sorted(codings, key=lambda c: (rank[self.rater_of[c.rater_id]], self.code_order[c.code_id]))

    def coding(self, coding: Coding, where: tuple[str, str]) -> ET.Element:
        rater, ref = self.rater_of[coding.rater_id], coding.code.ref
        element = ET.Element("Coding", guid=_guid("coding", rater, *where, ref), creatingUser=self.user_guid[rater])
        ET.SubElement(element, "CodeRef", targetGUID=_guid("code", ref))
        if coding.memo:
            title = f"{rater} on {ref} at {where[0]} #{where[1]}"
            element.append(self.note(("coding", rater, *where, ref), rater, title, coding.memo))
        return element

    def memo_ref(self, memo: Memo, where: tuple[str, str]) -> ET.Element:
        rater = self.rater_of[memo.rater_id]
        return self.note(("memo", rater, *where), rater, f"Memo by {rater} at {where[0]} #{where[1]}", memo.text)

    def note(self, key: tuple[str, ...], rater: str, title: str, text: str) -> ET.Element:
        """Adds a Note and returns the NoteRef pointing at it."""
        guid = _guid("note", *key)
        note = ET.Element("Note", guid=guid, name=_xml_text(title), creatingUser=self.user_guid[rater])
        ET.SubElement(note, "PlainTextContent").text = _xml_text(text)
        self.notes.append(note)
        return ET.Element("NoteRef", targetGUID=guid)


def _container(tag: str, children: list[ET.Element]) -> ET.Element | None:
    """``<tag>`` holding ``children``; None when there are none (the schema wants at least one)."""
    if not children:
        return None
    element = ET.Element(tag)
    element.extend(children)
    return element


def _description(element: ET.Element, text: str) -> None:
    if text:
        ET.SubElement(element, "Description").text = _xml_text(text)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (they would make the file unreadable)."""
    return _XML_INVALID.sub("", text)


def _write_archive(path: Path, project: ET.Element, texts: dict[str, str]) -> None:
    ET.indent(project)
    xml = ET.tostring(project, encoding="utf-8", xml_declaration=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            _add_member(archive, PROJECT_FILE, xml)
            for name, text in texts.items():
                _add_member(archive, name, text.encode("utf-8"))
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StudyError(f"{path}: cannot write the project ({exc.strerror}); choose another --out") from None


def _add_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


# -- descriptions that carry a code's fields

_CODE_FIELDS = {"when_to_use": "When to use", "when_not_to_use": "When not to use", "example": "Example",
                "keywords": "Keywords"}
_THEME_FIELDS = {"exclusive": "Exclusive"}
_KEYWORD_SEPARATOR = "; "


def _code_description(code: Code) -> str:
    values = {"when_to_use": code.when_to_use, "when_not_to_use": code.when_not_to_use, "example": code.example,
              "keywords": _KEYWORD_SEPARATOR.join(code.keywords or ())}
    return _join_fields(code.definition, _CODE_FIELDS, values)


def _theme_description(theme: Theme) -> str:
    return _join_fields(theme.description, _THEME_FIELDS, {"exclusive": "yes" if theme.exclusive else ""})


def _join_fields(text: str, labels: dict[str, str], values: dict[str, str]) -> str:
    lines = "\n".join(f"{labels[key]}: {value}" for key, value in values.items() if value)
    return "\n\n".join(part for part in ((text or "").strip(), lines) if part)


def _split_fields(description: str, labels: dict[str, str]) -> tuple[str, dict[str, str]]:
    """(main text, {field: value}) from a Description written by ``_join_fields``; text from other
    tools, whose last paragraph does not start with one of the labels, is all main text."""
    head, _, block = description.rpartition("\n\n")
    key_of = {label: key for key, label in labels.items()}
    pattern = re.compile(rf"({'|'.join(map(re.escape, key_of))}): ?(.*)")
    values: dict[str, str] = {}
    current = None
    for line in block.split("\n"):
        match = pattern.fullmatch(line)
        if match and key_of[match[1]] not in values:
            current = key_of[match[1]]
            values[current] = match[2]
        elif current is None:
            return description.strip(), {}
        else:
            values[current] += "\n" + line
    return head.strip(), values


# -- participants' attributes as typed variables

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_VALUE_ELEMENT = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue",
                  "Float": "FloatValue", "Date": "DateValue", "DateTime": "DateTimeValue"}


def _simple(value) -> bool:
    return isinstance(value, (str, int, float))  # bool is an int


def _variable_kinds(attribute_sets: Iterable[dict]) -> dict[str, str]:
    """{attribute: QDA-XML variable type}: Integer, Float or Date when every value reads as one, else Text."""
    values: dict[str, list[str]] = {}
    for attributes in attribute_sets:
        for name, value in attributes.items():
            if _simple(value):
                values.setdefault(name, [])
                if str(value).strip():
                    values[name].append(str(value))
    return {name: _kind_of(found) for name, found in values.items()}


def _kind_of(values: list[str]) -> str:
    if not values:
        return "Text"
    if all(_INTEGER.fullmatch(v) for v in values):
        return "Integer"
    if all(_DECIMAL.fullmatch(v) for v in values):
        return "Float"
    if all(_is_date(v) for v in values):
        return "Date"
    return "Text"


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _variable_value(name: str, kind: str, value) -> ET.Element:
    element = ET.Element("VariableValue")
    ET.SubElement(element, "VariableRef", targetGUID=_guid("variable", name))
    ET.SubElement(element, _VALUE_ELEMENT[kind]).text = _xml_text(str(value))
    return element


_RGB = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")


# ---------------------------------------------------------------- reading a .qdpx


@dataclass(frozen=True)
class _QdaCode:
    guid: str
    name: str
    description: str
    colour: str | None
    codable: bool
    children: tuple[_QdaCode, ...]


@dataclass(frozen=True)
class _QdaCoding:
    code: str  # GUID of the code
    user: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _QdaSelection:
    start: int
    end: int
    user: str | None
    codings: tuple[_QdaCoding, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _QdaSource:
    guid: str
    name: str
    text: str | None
    problem: str | None  # why the text cannot be imported
    selections: tuple[_QdaSelection, ...]
    codings: tuple[_QdaCoding, ...]  # on the whole source
    notes: tuple[str, ...]
    removed_returns: tuple[int, ...] = ()  # offsets of the \r dropped from \r\n line ends

    def offset(self, position: int) -> int:
        """A position in the file's text as a position in the imported text."""
        return position - bisect.bisect_left(self.removed_returns, position)

    def all_codings(self) -> Iterable[_QdaCoding]:
        yield from self.codings
        for selection in self.selections:
            yield from selection.codings


@dataclass(frozen=True)
class _QdaNote:
    text: str
    user: str | None


@dataclass(frozen=True)
class _QdaProject:
    creator: str | None
    users: dict[str, str]  # guid -> name
    codes: tuple[_QdaCode, ...]
    sources: tuple[_QdaSource, ...]
    notes: dict[str, _QdaNote]
    cases: tuple[ParticipantRow, ...]
    case_of_source: dict[str, str]  # source guid -> participant label
    skipped: tuple[str, ...]


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _normal_guid(value: str | None) -> str | None:
    return value.strip().strip("{}").lower() if value else None


class _ArchiveReader:
    """Reads one .qdpx archive, checking declared sizes before inflating anything."""

    def __init__(self, path: Path, archive: zipfile.ZipFile):
        self.path, self.archive = path, archive
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise QdpxFormatError(path, f"holds {len(members):,} files, far more than a project needs "
                                        "(a possible zip bomb); refusing to open it")
        self.members = {m.filename: m for m in members if not m.is_dir()}
        self.by_folded_name = {name.casefold(): info for name, info in self.members.items()}
        self.inflated = 0
        self.skipped: list[str] = []

    def read(self, name: str, limit: int) -> bytes | None:
        info = self.members.get(name) or self.by_folded_name.get(name.casefold())
        if info is None:
            return None
        size = info.file_size
        bomb = size > SUSPICIOUS_UNZIPPED_BYTES and size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        if size > limit or self.inflated + size > MAX_UNZIPPED_BYTES or bomb:
            raise QdpxFormatError(self.path, f"{info.filename} would unzip to {size:,} bytes, more than a project "
                                             "needs (a possible zip bomb); refusing to open it")
        self.inflated += size
        return self.archive.read(info)

    def project(self) -> _QdaProject:
        data = self.read(PROJECT_FILE, MAX_UNZIPPED_BYTES)
        if data is None:
            raise QdpxFormatError(self.path, f"has no {PROJECT_FILE}, so it is not a REFI-QDA project; "
                                             "export the project again as .qdpx from your QDA tool")
        root = self.parse(data)
        users = {}
        for user in root.iterfind(f"{_tag('Users')}/{_tag('User')}"):
            guid = self.guid(user, "User")
            users[guid] = (user.get("name") or user.get("id") or "").strip() or f"user-{guid[:8]}"
        codes = tuple(self.code(c) for c in root.iterfind(f"{_tag('CodeBook')}/{_tag('Codes')}/{_tag('Code')}"))
        sources = tuple(s for s in map(self.source, self.children(root, "Sources")) if s is not None)
        notes = {}
        for note in root.iterfind(f"{_tag('Notes')}/{_tag('Note')}"):
            guid = self.guid(note, "Note")
            text, problem = self.text_of(note, f"note {note.get('name') or guid}")
            if problem:
                self.skipped.append(problem)
            else:
                notes[guid] = _QdaNote(text, _normal_guid(note.get("creatingUser")))
        cases, case_of_source = self.cases(root)
        return _QdaProject(_normal_guid(root.get("creatingUserGUID")), users, codes, sources, notes, cases,
                           case_of_source, tuple(self.skipped))

    def parse(self, data: bytes) -> ET.Element:
        try:
            root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
        except DefusedXmlException:
            raise QdpxFormatError(self.path, f"{PROJECT_FILE} declares a DTD or entities, which QDA-XML never "
                                             "needs (a possible 'billion laughs' attack); refusing to open it") from None
        except ET.ParseError as exc:
            raise QdpxFormatError(self.path, f"{PROJECT_FILE} is not well-formed XML ({exc}); "
                                             "export the project again") from None
        if root.tag != _tag("Project"):
            raise QdpxFormatError(self.path, f"{PROJECT_FILE} is not a QDA-XML 1.0 project (its root is "
                                             f"{root.tag!r}, not Project in namespace {NS})")
        return root

    @staticmethod
    def children(root: ET.Element, container: str) -> list[ET.Element]:
        found = root.find(_tag(container))
        return list(found) if found is not None else []

    def guid(self, element: ET.Element, what: str) -> str:
        value = _normal_guid(element.get("guid"))
        if not value:
            raise QdpxFormatError(self.path, f"{PROJECT_FILE}: a {what} has no guid attribute, which "
                                             "QDA-XML requires; export the project again")
        return value

    def code(self, element: ET.Element) -> _QdaCode:
        description = element.find(_tag("Description"))
        colour = element.get("color")
        return _QdaCode(
            self.guid(element, "Code"), element.get("name") or "", (description.text or "") if description is not None else "",
            _six_digit_colour(colour), element.get("isCodable", "true").strip().lower() in ("true", "1"),
            tuple(self.code(child) for child in element.iterfind(_tag("Code"))),
        )

    def source(self, element: ET.Element) -> _QdaSource | None:
        kind = element.tag.removeprefix(f"{{{NS}}}")
        name = element.get("name") or element.get("guid") or "(unnamed)"
        if kind != "TextSource":
            self.skipped.append(f"source {name!r}: a {kind}; only text sources are imported")
            return None
        guid = self.guid(element, "TextSource")
        text, problem = self.text_of(element, f"source {name!r}")
        removed: tuple[int, ...] = ()
        if text is not None:
            removed = tuple(m.start() for m in re.finditer("\r\n", text))
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        where = f"source {name!r}"
        selections = tuple(self.selection(s, where) for s in element.iterfind(_tag("PlainTextSelection")))
        codings = tuple(self.coding(c, where) for c in element.iterfind(_tag("Coding")))
        return _QdaSource(guid, name, text, problem, selections, codings, self.note_refs(element), removed)

    def selection(self, element: ET.Element, where: str) -> _QdaSelection:
        where = f"{where}, selection {element.get('guid')}"
        return _QdaSelection(
            self.position(element, "startPosition", where), self.position(element, "endPosition", where),
            _normal_guid(element.get("creatingUser")),
            tuple(self.coding(c, where) for c in element.iterfind(_tag("Coding"))), self.note_refs(element),
        )

    def position(self, element: ET.Element, attribute: str, where: str) -> int:
        value = (element.get(attribute) or "").strip()
        if not _INTEGER.fullmatch(value):
            raise QdpxFormatError(self.path, f"{PROJECT_FILE}: {where}: {attribute} {value!r} is not a whole "
                                             "number of characters; export the project again")
        return int(value)

    def coding(self, element: ET.Element, where: str) -> _QdaCoding:
        ref = element.find(_tag("CodeRef"))
        if ref is None or not ref.get("targetGUID"):
            raise QdpxFormatError(self.path, f"{PROJECT_FILE}: {where}: a Coding names no code (CodeRef); "
                                             "export the project again")
        return _QdaCoding(_normal_guid(ref.get("targetGUID")), _normal_guid(element.get("creatingUser")),
                          self.note_refs(element))

    @staticmethod
    def note_refs(element: ET.Element) -> tuple[str, ...]:
        return tuple(_normal_guid(n.get("targetGUID")) for n in element.iterfind(_tag("NoteRef")) if n.get("targetGUID"))

    def text_of(self, element: ET.Element, what: str) -> tuple[str | None, str | None]:
        """(text, None), or (None, why not) for a source or note's plain text."""
        content = element.find(_tag("PlainTextContent"))
        if content is not None:
            return content.text or "", None
        path = (element.get("plainTextPath") or "").strip()
        if not path:
            return None, f"{what}: no plain text (only text sources with a plain-text version are imported)"
        if not path.startswith(INTERNAL):
            return None, f"{what}: its text is a file outside the project ({path}); export with the sources included"
        data = self.read(SOURCES_FOLDER + path[len(INTERNAL):], MAX_SOURCE_BYTES)
        if data is None:
            return None, f"{what}: {path} is missing from the archive"
        try:
            return data.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, f"{what}: {path} is not UTF-8 text, as REFI-QDA requires"

    def cases(self, root: ET.Element) -> tuple[tuple[ParticipantRow, ...], dict[str, str]]:
        variables = {_normal_guid(v.get("guid")): v.get("name") or ""
                     for v in root.iterfind(f"{_tag('Variables')}/{_tag('Variable')}")}
        found: list[tuple[str, dict[str, str], list[str]]] = []
        for case in root.iterfind(f"{_tag('Cases')}/{_tag('Case')}"):
            label = (case.get("name") or self.guid(case, "Case")).strip()
            values = {}
            for value in case.iterfind(_tag("VariableValue")):
                ref = value.find(_tag("VariableRef"))
                name = variables.get(_normal_guid(ref.get("targetGUID"))) if ref is not None else None
                typed = [child for child in value if child.tag != _tag("VariableRef")]
                if name and typed:
                    values[name] = (typed[0].text or "").strip()
            sources = [_normal_guid(s.get("targetGUID")) for s in case.iterfind(_tag("SourceRef"))]
            found.append((label, values, sources))
        used = list(dict.fromkeys(name for _, values, _ in found for name in values))
        rows = tuple(ParticipantRow(label, None, {name: values.get(name, "") for name in used})
                     for label, values, _ in found)
        return rows, {guid: label for label, _, sources in found for guid in sources if guid}


def _six_digit_colour(value: str | None) -> str | None:
    if not value or not _RGB.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:]
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits))


def _read_project(path: str | Path) -> _QdaProject:
    """The parsed contents of a .qdpx file (nothing stored); QdpxFormatError if it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise QdpxFormatError(path, "file not found; check the path")
    if not zipfile.is_zipfile(path):
        raise QdpxFormatError(path, "is not a .qdpx project (not a zip archive); export it again from your "
                                    "QDA tool as a REFI-QDA project")
    try:
        with zipfile.ZipFile(path) as archive:
            return _ArchiveReader(path, archive).project()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise QdpxFormatError(path, f"the zip archive is damaged or encrypted ({exc}); export it again") from None


# ---------------------------------------------------------------- import


@dataclass
class QdpxImportSummary:
    """What an import did: transcripts, codes and codings added, and what it could not place."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already in the study with the same text
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, why)
    codes_added: int = 0
    codings: Counter = field(default_factory=Counter)  # rater -> codings added
    memos: int = 0
    unmapped: list[str] = field(default_factory=list)  # selections or codings that found no segment or code
    skipped: list[str] = field(default_factory=list)  # parts of the file not imported, and why

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {"imported": self.imported, "unchanged": self.unchanged,
                "failed": [{"source": s, "problem": p} for s, p in self.failed], "codes_added": self.codes_added,
                "codings": dict(self.codings), "memos": self.memos, "unmapped": self.unmapped,
                "skipped": self.skipped}


def import_qdpx(study: Study, actor: Actor, path: str | Path, unit: str = "turn") -> QdpxImportSummary:
    """Import a REFI-QDA project: its text sources as transcripts (segmented into ``unit``s), its
    codes into the codebook (parent codes become themes) and each user's codings as a rater's."""
    actor.require_admin("import a REFI-QDA project")
    path = Path(path)
    project = _read_project(path)
    summary = QdpxImportSummary(skipped=list(project.skipped))
    code_refs = _load_codebook(study, actor, project, summary)
    with study.session() as session:
        save_participants(session, list(project.cases))
    names = _transcript_names(project.sources)
    for source in project.sources:
        name = names[source.guid]
        if source.problem:
            summary.failed.append((name, source.problem))
            continue
        participant = project.case_of_source.get(source.guid) or participant_from_file_name(name)
        try:
            outcome = _store_text(study, actor, path, name, source.text, participant, unit)
        except StudyError as exc:
            summary.failed.append((name, str(exc)))
            continue
        (summary.imported if outcome == "imported" else summary.unchanged).append(name)
        with study.session() as session:
            _CodingWriter(session, actor, project, code_refs, summary).write(find_transcript(session, name), source)
    unattached = len(project.notes) - _referenced_notes(project)
    if unattached:
        summary.skipped.append(f"{unattached} note(s) attached to no source, selection or coding "
                               "(project memos) were not imported")
    return summary


def _referenced_notes(project: _QdaProject) -> int:
    refs = set()
    for source in project.sources:
        refs.update(source.notes)
        for selection in source.selections:
            refs.update(selection.notes)
        for coding in source.all_codings():
            refs.update(coding.notes)
    return len(refs & set(project.notes))


def _transcript_names(sources: Sequence[_QdaSource]) -> dict[str, str]:
    """A distinct transcript name per source (its name, numbered when two share one)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for source in sources:
        base = " ".join(source.name.split())[:280] or source.guid
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        names[source.guid] = name
    return names


_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _store_text(study: Study, actor: Actor, path: Path, name: str, text: str, participant: str, unit: str) -> str:
    """Add the source's text as a transcript; "unchanged" when the study has it already."""
    with study.session() as session:
        existing = session.scalar(select(Transcript).where(Transcript.name == name))
        if existing is not None:
            if existing.text == text:
                return "unchanged"
            raise Conflict(f"{path}: the study already has a different transcript named {name!r}; rename the "
                           "source in your QDA tool or import into another study")
    if _CONTROL_CHARACTER.search(text):
        raise QdpxFormatError(path, f"source {name!r} holds control characters, so it is not plain text")
    options = ImportOptions(unit=unit, actor=actor.name)
    return add_parsed_transcript(study, name, _parsed(text), participant, options, source=f"{path.name}/{name}")


def _parsed(text: str) -> ParsedTranscript:
    """``text`` with the speaker turns the plain-text reader finds in it, offsets into ``text`` itself
    (the reader moves a leading metadata header out of the text; here it stays, outside any turn)."""
    parsed = READERS[".txt"](text.encode("utf-8"))
    shift = len(text) - len(parsed.text)
    turns = tuple(replace(t, start=t.start + shift, end=t.end + shift) for t in parsed.turns)
    return ParsedTranscript(text, turns, parsed.metadata)


class _CodingWriter:
    """Puts one source's codings and notes on the segments of its stored transcript."""

    def __init__(self, session: Session, actor: Actor, project: _QdaProject, code_refs: dict[str, str],
                 summary: QdpxImportSummary):
        self.session, self.actor, self.project, self.summary = session, actor, project, summary
        self.code_refs = code_refs
        self.codes = codes_mod.all_codes(session, include_retired=True)
        self.code_ids: dict[str, int] = {}
        self.raters: dict[str, User] = {}
        self.done: dict[int, set[int]] = {}

    def write(self, transcript: Transcript, source: _QdaSource) -> None:
        segments = list(transcript.segments)
        existing = set(self.session.execute(
            select(Coding.rater_id, Coding.segment_id, Coding.code_id).where(Coding.transcript_id == transcript.id)))
        memos: dict[tuple[int, int | None], list[str]] = defaultdict(list)
        placed: list[tuple[_QdaCoding, int | None, str | None]] = []  # (coding, segment id, default user)
        for selection in source.selections:
            start, end = source.offset(selection.start), source.offset(selection.end)
            fits = 0 <= start < end <= len(transcript.text)
            targets = carry_targets((start, end), segments) if fits else []
            if not targets:
                self.unmapped(source, transcript, selection, fits)
                continue
            for segment in targets:
                placed.extend((coding, segment.id, selection.user) for coding in selection.codings)
                for note in selection.notes:
                    self.add_note(memos, note, transcript, segment.id, selection.user)
        placed.extend((coding, None, None) for coding in source.codings)
        for note in source.notes:
            self.add_note(memos, note, transcript, None, None)
        added = sum(self.add_coding(existing, transcript, *item) for item in placed)
        for (rater_id, segment_id), texts in memos.items():
            save_memo(self.session, self.actor, rater_id, transcript.id, segment_id, "\n\n".join(texts))
            self.summary.memos += 1
        audit(self.session, self.actor.name, "qdpx.import", transcript.name,
              after={"codings": added, "memos": len(memos)})

    def add_coding(self, existing: set, transcript: Transcript, coding: _QdaCoding, segment_id: int | None,
                   default_user: str | None) -> int:
        ref = self.code_refs.get(coding.code)
        if ref is None:
            self.summary.unmapped.append(f"{transcript.name}: a coding names code {coding.code}, which is not "
                                         "in the file's codebook")
            return 0
        rater = self.rater(coding.user or default_user)
        if transcript.id in self.done_by(rater):
            self.summary.skipped.append(f"{transcript.name}: {rater.name}'s coding {ref}: {rater.name} marked "
                                        "this transcript done; reopen it to import into it")
            return 0
        code_id = self.code_id(ref)
        key = (rater.id, segment_id, code_id)
        if key in existing:
            return 0
        memo = "\n\n".join(self.project.notes[n].text for n in coding.notes if n in self.project.notes)
        write = CodingWrite(CodingKey(rater.id, transcript.id, segment_id, code_id), memo=memo or None)
        write_codings(self.session, self.actor, [write], audited=False)  # audited once per transcript
        existing.add(key)
        self.summary.codings[rater.name] += 1
        return 1

    def add_note(self, memos: dict, guid: str, transcript: Transcript, segment_id: int | None,
                 default_user: str | None) -> None:
        note = self.project.notes.get(guid)
        if note is None:
            return
        rater = self.rater(note.user or default_user)
        if transcript.id not in self.done_by(rater):
            memos[(rater.id, segment_id)].append(note.text)

    def rater(self, guid: str | None) -> User:
        guid = guid or self.project.creator
        name = self.project.users.get(guid) if guid else None
        name = (name or (f"user-{guid[:8]}" if guid else UNKNOWN_USER)).strip()[:200] or UNKNOWN_USER
        if name not in self.raters:
            self.raters[name] = rater_user(self.session, name, create=True)
        return self.raters[name]

    def done_by(self, rater: User) -> set[int]:
        if rater.id not in self.done:
            self.done[rater.id] = done_transcripts(self.session, rater.id)
        return self.done[rater.id]

    def code_id(self, ref: str) -> int:
        if ref not in self.code_ids:
            self.code_ids[ref] = codes_mod.resolve(self.session, ref, self.codes).id
        return self.code_ids[ref]

    def unmapped(self, source: _QdaSource, transcript: Transcript, selection: _QdaSelection, fits: bool) -> None:
        codes = ", ".join(self.code_refs.get(c.code, c.code) for c in selection.codings) or "no codes"
        why = ("covers no segment (it lies outside the speakers' turns, or mostly in text no segment holds)"
               if fits else f"its offsets are outside the text ({len(transcript.text)} characters)")
        self.summary.unmapped.append(
            f"{transcript.name} [{selection.start}:{selection.end}] ({codes}): {why}")


# -- the codebook: parent codes become themes


def _load_codebook(study: Study, actor: Actor, project: _QdaProject, summary: QdpxImportSummary) -> dict[str, str]:
    """Merge the file's codes into the stored codebook; returns {code GUID: Theme/Code reference}.
    Codes and themes the study has already keep their definitions and order; new ones are added."""
    coded = {c.code for s in project.sources for c in s.all_codings()}
    imported, refs = _codebook_from(project.codes, coded)
    if not imported.themes:
        return refs
    with study.session() as session:
        stored = codes_mod.stored_codebook(session)
    result = codes_mod.load_into_study(study, _merged(stored, imported), actor=actor.name)
    summary.codes_added = result["added"]
    return refs


def _codebook_from(codes: Sequence[_QdaCode], coded: set[str]) -> tuple[cb.Codebook, dict[str, str]]:
    refs: dict[str, str] = {}
    groups = [c for c in codes if _is_theme(c)]
    loose = [c for c in codes if not _is_theme(c)]
    if loose:
        groups.append(_QdaCode("", UNGROUPED_THEME, "", None, False, tuple(loose)))
    sibling_names: set[str] = set()
    themes = tuple(_theme_from(code, (), coded, refs, sibling_names, set()) for code in groups)
    return cb.Codebook("Imported codebook", "", themes), refs


def _is_theme(code: _QdaCode) -> bool:
    return bool(code.children) or not code.codable


def _theme_from(code: _QdaCode, parent: tuple[str, ...], coded: set[str], refs: dict[str, str],
                sibling_names: set[str], code_names: set[str]) -> cb.Theme:
    """A theme from a parent code; ``code_names`` are those taken in its top-level theme."""
    name = _unique(_clean_name(code.name), sibling_names)
    path = parent + (name,)
    if not parent:
        code_names = set()
    description, fields = _split_fields(code.description, _THEME_FIELDS)
    own = [code] if code.codable and code.guid in coded else []  # a coded parent keeps its codings on a code of its name
    leaves = own + [c for c in code.children if not _is_theme(c)]
    sub_names: set[str] = set()
    return cb.Theme(
        name=name, description=description, exclusive=fields.get("exclusive", "").strip().lower() == "yes",
        codes=tuple(_code_from(leaf, path, refs, code_names) for leaf in leaves),
        themes=tuple(_theme_from(c, path, coded, refs, sub_names, code_names) for c in code.children if _is_theme(c)),
    )


def _code_from(code: _QdaCode, theme_path: tuple[str, ...], refs: dict[str, str], taken: set[str]) -> cb.Code:
    name = _unique(_clean_name(code.name), taken)
    definition, fields = _split_fields(code.description, _CODE_FIELDS)
    keywords = tuple(k.strip() for k in fields.get("keywords", "").split(_KEYWORD_SEPARATOR.strip()) if k.strip())
    result = cb.Code(name=name, path=theme_path + (name,), definition=definition,
                     when_to_use=fields.get("when_to_use", ""), when_not_to_use=fields.get("when_not_to_use", ""),
                     example=fields.get("example", ""), keywords=keywords, colour=code.colour)
    refs[code.guid] = result.ref
    return result


def _clean_name(name: str) -> str:
    """A code or theme name usable in a ``Theme/Code`` reference: one line, no slash."""
    return " ".join(name.replace("/", "-").split())[:200] or "(unnamed)"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, numbered "(2)", "(3)", ... when taken (ignoring case); records it as taken."""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate.casefold())
    return candidate


def _merged(stored: cb.Codebook, imported: cb.Codebook) -> cb.Codebook:
    """The stored codebook with the imported themes and codes it lacks appended (matched by name, ignoring case)."""
    return replace(stored, themes=_merged_themes(stored.themes, imported.themes))


def _merged_themes(stored: Sequence[cb.Theme], imported: Sequence[cb.Theme]) -> tuple[cb.Theme, ...]:
    result = list(stored)
    for theme in imported:
        index = next((i for i, t in enumerate(result) if t.name.casefold() == theme.name.casefold()), None)
        if index is None:
            result.append(theme)
            continue
        old = result[index]
        names = {c.name.casefold() for c in old.codes}
        result[index] = replace(old, codes=old.codes + tuple(c for c in theme.codes if c.name.casefold() not in names),
                                themes=_merged_themes(old.themes, theme.themes))
    return tuple(result)


__all__ = [
    "NS",
    "UNGROUPED_THEME",
    "UNKNOWN_USER",
    "ExportSummary",
    "QdpxFormatError",
    "QdpxImportSummary",
    "export_qdpx",
    "import_qdpx",
    "schema_path",
]
