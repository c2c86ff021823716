"""The guarded reader: a ``.qdpx`` archive (or a ``.qdc`` codebook) into ``model`` values.

The file is untrusted: declared sizes are checked before anything is inflated, XML is parsed
with defusedxml and refused if it declares a DTD or entities, nothing outside the archive is
read, and a GUID used by two sources, codes or users is refused rather than guessed at.
Namespaces are matched by prefix: tools write ``urn:QDA-XML:project:1.0`` but also ``…:0:4``
and ``urn:QDA-XML:codebook:1:0``.
"""
from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from ..errors import QdpxFormatError
from ..names import shown_name, unsafe_character
from ..participants import ParticipantRow
from ..transcripts import MAX_COMPRESSION_RATIO, MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS, SUSPICIOUS_UNZIPPED_BYTES
from .model import (
    INTERNAL,
    MAX_CODE_DEPTH,
    MAX_CODE_NAME,
    MAX_SOURCE_BYTES,
    PROJECT_FILE,
    SOURCES_FOLDER,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSelection,
    QdaSource,
    normal_guid,
)

_INTEGER = re.compile(r"[+-]?\d+")
_RGB = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_MEDIA = {"PDFSource": "PDF source", "PictureSource": "picture source", "AudioSource": "audio source",
          "VideoSource": "video source"}


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [c for c in element if local(c.tag) == name]


def child(element: ET.Element | None, name: str) -> ET.Element | None:
    found = children(element, name)
    return found[0] if found else None


def read_project(path: str | Path) -> QdaProject:
    """The parsed contents of a .qdpx file (nothing stored); QdpxFormatError if it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise QdpxFormatError(path, "file not found", "check the path")
    if not zipfile.is_zipfile(path):
        raise QdpxFormatError(path, "is not a .qdpx project (not a zip archive)",
                              "export it again from your QDA tool as a REFI-QDA project")
    try:
        with zipfile.ZipFile(path) as archive:
            return _ArchiveReader(path, archive).project()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        raise QdpxFormatError(path, f"the zip archive is damaged or encrypted ({exc})", "export it again") from None


def read_codebook(path: str | Path) -> tuple[tuple[QdaCode, ...], tuple[str, ...]]:
    """The codes of a REFI-QDA codebook (.qdc, or the CodeBook of a project file) and what was skipped."""
    path = Path(path)
    if not path.is_file():
        raise QdpxFormatError(path, "file not found", "check the path")
    data = path.read_bytes()[: MAX_UNZIPPED_BYTES + 1]
    if len(data) > MAX_UNZIPPED_BYTES:
        raise QdpxFormatError(path, "is larger than any codebook; refusing to read it")
    root = parse_xml(path, path.name, data, ("CodeBook", "Project"))
    book = root if local(root.tag) == "CodeBook" else child(root, "CodeBook")
    reader = _Elements(path, path.name)
    codes = tuple(reader.code(c) for c in children(child(book, "Codes"), "Code"))
    reader.unique_guids("codes", [(c.guid, c.name) for top in codes for c in top.walk()])
    sets = len(children(child(root, "Sets"), "Set"))
    skipped = (f"{sets} set(s) (code groups) not imported: a study groups codes by theme only",) if sets else ()
    return codes, skipped


def parse_xml(path: Path, member: str, data: bytes, roots: tuple[str, ...]) -> ET.Element:
    """The root element of untrusted QDA-XML, refused unless it is one of ``roots`` in a QDA-XML namespace."""
    try:
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise QdpxFormatError(path, f"{member} declares a DTD or entities, which QDA-XML never needs "
                                    "(a possible 'billion laughs' attack); refusing to open it") from None
    except ET.ParseError as exc:
        raise QdpxFormatError(path, f"{member} is not well-formed XML ({exc})", "export the project again") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise QdpxFormatError(path, f"{member} declares a text encoding Python cannot read ({exc})",
                              "export it again as UTF-8") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if local(root.tag) not in roots or not namespace.startswith("urn:QDA-XML:"):
        raise QdpxFormatError(path, f"{member} is not QDA-XML (its root is {root.tag!r}, not "
                                    f"{' or '.join(roots)} in a urn:QDA-XML namespace)")
    return root


class _Elements:
    """Reads the parts of QDA-XML shared by projects and codebooks."""

    def __init__(self, path: Path, member: str):
        self.path, self.member = path, member

    def error(self, problem: str, fix: str = "export the project again from your QDA tool") -> QdpxFormatError:
        return QdpxFormatError(self.path, f"{self.member}: {problem}", fix)

    def guid(self, element: ET.Element, what: str) -> str:
        value = normal_guid(element.get("guid"))
        if not value:
            raise self.error(f"a {what} has no guid attribute, which QDA-XML requires")
        return value

    def unique_guids(self, what: str, items: list[tuple[str, str]]) -> None:
        """Refuse a GUID two items share: which one a reference means cannot be known."""
        seen: dict[str, str] = {}
        for guid, name in items:
            if guid in seen:
                raise self.error(f"two {what} share the GUID {guid} ({seen[guid]!r} and {name!r}), so references "
                                 "to it are ambiguous")
            seen[guid] = name

    def code(self, element: ET.Element, depth: int = 1) -> QdaCode:
        """A Code and the codes under it; refused when its name is unusable or it lies deeper
        than ``MAX_CODE_DEPTH`` (checked before going deeper, so no depth exhausts the stack)."""
        guid = self.guid(element, "Code")
        if depth > MAX_CODE_DEPTH:
            raise self.error(f"code {guid} lies {depth} levels deep; a codebook may nest codes at most "
                             f"{MAX_CODE_DEPTH} levels deep", "flatten the code tree in your QDA tool and export again")
        description = child(element, "Description")
        return QdaCode(
            guid, self.code_name(element, guid),
            (description.text or "") if description is not None else "",
            _six_digit_colour(element.get("color")),
            element.get("isCodable", "true").strip().lower() in ("true", "1"),
            tuple(self.code(c, depth + 1) for c in children(element, "Code")),
        )

    def code_name(self, element: ET.Element, guid: str) -> str:
        """The code's name as written, refused when blank, too long for a code or theme, or holding
        characters that would show it as another name."""
        name = element.get("name") or ""
        words = " ".join(name.split())
        fix = "rename the code in your QDA tool and export again"
        if not words:
            raise self.error(f"code {guid} has a blank name", fix)
        if problem := unsafe_character(words):
            raise self.error(f"the name of code {guid}, {shown_name(words)}, {problem}", fix)
        if len(words) > MAX_CODE_NAME:
            raise self.error(f"the name of code {guid}, {shown_name(words)}, is {len(words):,} characters long; "
                             f"a code name holds at most {MAX_CODE_NAME}", fix)
        return name


class _ArchiveReader(_Elements):
    """Reads one .qdpx archive, checking declared sizes before inflating anything."""

    def __init__(self, path: Path, archive: zipfile.ZipFile):
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise QdpxFormatError(path, f"holds {len(members):,} files, far more than a project needs "
                                        "(a possible zip bomb); refusing to open it")
        self.archive = archive
        self.members = {m.filename: m for m in members if not m.is_dir()}
        self.by_folded_name = {name.casefold(): info for name, info in self.members.items()}
        self.inflated = 0
        self.skipped: list[str] = []
        self.not_imported: Counter = Counter()
        super().__init__(path, self._project_member())

    def _project_member(self) -> str:
        """project.qde, or the one .qde file a tool named otherwise."""
        if PROJECT_FILE.casefold() in self.by_folded_name:
            return self.by_folded_name[PROJECT_FILE.casefold()].filename
        others = [name for name in self.members if name.casefold().endswith(".qde") and "/" not in name]
        return others[0] if len(others) == 1 else PROJECT_FILE

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

    def project(self) -> QdaProject:
        data = self.read(self.member, MAX_UNZIPPED_BYTES)
        if data is None:
            raise QdpxFormatError(self.path, f"has no {PROJECT_FILE}, so it is not a REFI-QDA project",
                                  "export the project again as .qdpx from your QDA tool")
        root = parse_xml(self.path, self.member, data, ("Project",))
        users = {}
        for user in children(child(root, "Users"), "User"):
            guid = self.guid(user, "User")
            name = user.get("name")  # a blank name stays blank: the import refuses it
            users[guid] = name if name is not None else (user.get("id") or f"user-{guid[:8]}")
        self.unique_guids("users", [(self.guid(u, "User"), u.get("name") or "") for u in
                                    children(child(root, "Users"), "User")])
        codes = tuple(self.code(c) for c in children(child(child(root, "CodeBook"), "Codes"), "Code"))
        self.unique_guids("codes", [(c.guid, c.name) for top in codes for c in top.walk()])
        source_elements = list(child(root, "Sources") or [])
        self.unique_guids("sources", [(self.guid(s, local(s.tag)), s.get("name") or "") for s in source_elements])
        sources = tuple(s for s in map(self.source, source_elements) if s is not None)
        notes = self.notes(root)
        cases, case_of_source, source_variables, case_labels = self.cases(root, sources)
        case_guids = {normal_guid(c.get("guid")) for c in children(child(root, "Cases"), "Case")} - {None}
        codes = _without(codes, case_guids)  # NVivo lists its cases in the codebook too
        self.link_coded_cases(sources, case_labels, case_of_source)
        for kind in ("Sets", "Graphs"):
            count = len(list(child(root, kind) or []))
            if count:
                self.not_imported[f"{kind[:-1].lower()}(s)"] += count
        self.skipped.extend(f"{n} {what} not imported" for what, n in self.not_imported.items())
        return QdaProject(root.get("origin") or "", normal_guid(root.get("creatingUserGUID")), users, codes, sources,
                          notes, cases, case_of_source, source_variables, self.links(root), tuple(self.skipped),
                          frozenset(case_guids))

    def source(self, element: ET.Element) -> QdaSource | None:
        kind = local(element.tag)
        if kind != "TextSource":
            self.not_imported[_MEDIA.get(kind, kind) + "(s)"] += 1
            return None
        guid = self.guid(element, "TextSource")
        name = element.get("name") or guid
        text, problem = self.text_of(element)
        where = f"source {name!r}"
        selections = tuple(self.selection(s, where) for s in children(element, "PlainTextSelection"))
        codings = tuple(self.coding(c, where) for c in children(element, "Coding"))
        variables = tuple(self.variable_value(v) for v in children(element, "VariableValue"))
        description = child(element, "Description")
        return QdaSource(guid, name, text, problem, selections, codings, self.note_refs(element),
                         tuple(v for v in variables if v is not None),
                         (description.text or "").strip() if description is not None else "",
                         normal_guid(element.get("creatingUser") or element.get("modifyingUser")),
                         element.get("modifiedDateTime") or element.get("creationDateTime"))

    def selection(self, element: ET.Element, where: str) -> QdaSelection:
        guid = self.guid(element, "PlainTextSelection")
        where = f"{where}, selection {guid}"
        description = child(element, "Description")
        return QdaSelection(
            guid, self.position(element, "startPosition", where), self.position(element, "endPosition", where),
            normal_guid(element.get("creatingUser") or element.get("modifyingUser")),
            tuple(self.coding(c, where) for c in children(element, "Coding")), self.note_refs(element),
            (description.text or "").strip() if description is not None else "",
            element.get("creationDateTime"),
        )

    def position(self, element: ET.Element, attribute: str, where: str) -> int:
        value = (element.get(attribute) or "").strip()
        if not _INTEGER.fullmatch(value) or len(value) > 12:
            raise self.error(f"{where}: {attribute} {value!r} is not a whole number of characters")
        return int(value)

    def coding(self, element: ET.Element, where: str) -> QdaCoding:
        ref = child(element, "CodeRef")
        if ref is None or not normal_guid(ref.get("targetGUID")):
            raise self.error(f"{where}: a Coding names no code (CodeRef)")
        return QdaCoding(normal_guid(ref.get("targetGUID")), normal_guid(element.get("creatingUser")),
                         self.note_refs(element), element.get("creationDateTime"))

    @staticmethod
    def note_refs(element: ET.Element) -> tuple[str, ...]:
        return tuple(g for g in (normal_guid(n.get("targetGUID")) for n in children(element, "NoteRef")) if g)

    def notes(self, root: ET.Element) -> dict[str, QdaNote]:
        notes = {}
        for note in children(child(root, "Notes"), "Note"):
            guid = self.guid(note, "Note")
            text, problem = self.text_of(note)
            if problem:
                self.skipped.append(f"note {note.get('name') or guid}: {problem}")
                continue
            anchor = child(note, "PlainTextSelection")
            selection = None
            if anchor is not None:
                where = f"note {guid}"
                selection = (self.position(anchor, "startPosition", where), self.position(anchor, "endPosition", where))
            user = normal_guid(note.get("creatingUser") or note.get("modifyingUser"))
            notes[guid] = QdaNote(guid, text, user, selection, note.get("creationDateTime") or note.get("modifiedDateTime"),
                                  (note.get("name") or "").strip())
        return notes

    def links(self, root: ET.Element) -> dict[str, tuple[str, ...]]:
        """{selection GUID: note GUIDs} from Links (NVivo joins annotations to selections so)."""
        joined: dict[str, list[str]] = {}
        for link in children(child(root, "Links"), "Link"):
            origin, target = normal_guid(link.get("originGUID")), normal_guid(link.get("targetGUID"))
            if origin and target:
                joined.setdefault(target, []).append(origin)
                joined.setdefault(origin, []).append(target)
        return {k: tuple(v) for k, v in joined.items()}

    def text_of(self, element: ET.Element) -> tuple[str | None, str | None]:
        """(text, None), or (None, why not) for a source or note's plain text."""
        content = child(element, "PlainTextContent")
        if content is not None:
            return content.text or "", None
        path = (element.get("plainTextPath") or "").strip()
        if not path:
            if element.get("richTextPath"):
                return None, "only a rich-text (.docx) version and no plain text, which positions refer to"
            return None, "no plain text (only text sources with a plain-text version are imported)"
        member = self.member_named(path)
        if member is None:
            if path.startswith(INTERNAL):
                return None, f"{path} is missing from the archive"
            return None, (f"its text, {path}, is not inside the archive (files outside a project are never "
                          "read); export the project with its sources included")
        data = self.read(member, MAX_SOURCE_BYTES)
        # REFI-QDA asks for UTF-8; a file that says it is UTF-16 (a byte order mark) is read as that
        encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError:
            return None, f"{path} is not UTF-8 text, as REFI-QDA requires"

    def member_named(self, path: str) -> str | None:
        """The archive member a source's path names: ``internal://x.txt`` is ``Sources/x.txt``; a path
        without ``internal://`` (some tools write ``Sources/x.txt``, ``x.txt`` or a path on their own
        disk) names the member of that path, else the one of that file name in ``Sources/``. Only
        archive members are ever read."""
        name = path[len(INTERNAL):] if path.startswith(INTERNAL) else re.sub(r"^[a-z]+://", "", path)
        name = name.replace("\\", "/").lstrip("/")
        while name.startswith("./"):
            name = name[2:]
        candidates = [SOURCES_FOLDER + name, name]
        if not path.startswith(INTERNAL):
            candidates.append(SOURCES_FOLDER + name.rsplit("/", 1)[-1])
        for candidate in candidates:
            info = self.members.get(candidate) or self.by_folded_name.get(candidate.casefold())
            if info is not None:
                return info.filename
        return None

    def variable_value(self, element: ET.Element) -> tuple[str, str] | None:
        ref = child(element, "VariableRef")
        typed = [c for c in element if local(c.tag) != "VariableRef"]
        guid = normal_guid(ref.get("targetGUID")) if ref is not None else None
        if not guid or not typed:
            return None
        return guid, (typed[0].text or "").strip()

    def link_coded_cases(self, sources: tuple[QdaSource, ...], case_labels: dict[str, str],
                         case_of_source: dict[str, str]) -> None:
        """A text coded whole with a case's code (NVivo's way, and ours for QualCoder) belongs to that
        case's participant; a case code on part of a text is counted as not imported."""
        partial = 0
        for source in sources:
            length = len((source.text or "").replace("\r\n", "\n").rstrip())  # the least any tool counts
            whole = [c for c in source.codings if c.code in case_labels]
            for selection in source.selections:
                found = [c for c in selection.codings if c.code in case_labels]
                if selection.start <= 0 and selection.end >= length:
                    whole += found
                else:
                    partial += len(found)
            for coding in whole:
                case_of_source.setdefault(source.guid, case_labels[coding.code])
        if partial:
            self.skipped.append(f"{partial} coding(s) that assign part of a text to a case, not a code, not imported")

    def cases(self, root: ET.Element, sources: tuple[QdaSource, ...]):
        """(participants, {source GUID: participant}, {source GUID: {variable: value}}, {case GUID:
        participant}).

        A named Case is a participant; a Case with no name and one SourceRef (MAXQDA, Quirkos) holds
        that source's own variables, as do VariableValues inside a source."""
        variables = {normal_guid(v.get("guid")): v.get("name") or "" for v in
                     children(child(root, "Variables"), "Variable")}
        found: list[tuple[str, dict[str, str], list[str]]] = []
        labels: dict[str, str] = {}
        source_variables: dict[str, dict[str, str]] = {}
        for source in sources:
            values = {variables[g]: v for g, v in source.variables if variables.get(g)}
            if values:
                source_variables[source.guid] = values
        for case in children(child(root, "Cases"), "Case"):
            values = {}
            for value in children(case, "VariableValue"):
                pair = self.variable_value(value)
                if pair and variables.get(pair[0]):
                    values[variables[pair[0]]] = pair[1]
            refs = [g for g in (normal_guid(s.get("targetGUID")) for s in children(case, "SourceRef")) if g]
            if not (case.get("name") or "").strip() and len(refs) == 1:
                source_variables.setdefault(refs[0], {}).update(values)
                continue
            label = " ".join((case.get("name") or self.guid(case, "Case")).split())
            found.append((label, values, refs))
            labels[self.guid(case, "Case")] = label
        rows = tuple(ParticipantRow(label, None, values) for label, values, _ in found)  # only the values it has
        return rows, {guid: label for label, _, refs in found for guid in refs}, source_variables, labels


def _without(codes: tuple[QdaCode, ...], guids: set[str]) -> tuple[QdaCode, ...]:
    """The code tree without the codes (and their children) whose GUIDs are in ``guids``."""
    return tuple(replace(c, children=_without(c.children, guids)) for c in codes if c.guid not in guids)


def _six_digit_colour(value: str | None) -> str | None:
    if not value or not _RGB.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:]
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits))
