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
from urllib.parse import unquote
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
    QdaLink,
    QdaNote,
    QdaProject,
    QdaSelection,
    QdaSet,
    QdaSource,
    normal_guid,
)
from .kept import (ATTRIBUTES, CODING_NOTES, FILE_ATTRIBUTES, MAX_KEPT_FILE, PROJECT, SHELL, SHELL_FILES, KeptElement,
                   attributes_xml, digest, element_xml, keepable, shell_xml)
from .positions import normal_text
from .unread import kept_lines, local, unread_elements, unread_lines

_INTEGER = re.compile(r"[+-]?\d+")
_RGB = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_SOURCES = ("TextSource", "PDFSource", "AudioSource", "VideoSource", "PictureSource")


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
    # all a .qdc holds that is not read is named; of a project, whose codebook alone was asked for, its sets
    skipped = unread_lines(root) if local(root.tag) == "CodeBook" else []
    sets = len(children(child(root, "Sets"), "Set"))  # a codebook's import keeps no sets (a project's does)
    skipped += [f"{sets} set(s) (groups of codes or sources) not imported"] if sets else []
    return codes, tuple(skipped + reader.colour_line())


def parse_xml(path: Path, member: str, data: bytes, roots: tuple[str, ...]) -> ET.Element:
    """The root element of untrusted QDA-XML, refused unless it is one of ``roots`` in a QDA-XML namespace."""
    try:
        root = defusedxml.ElementTree.fromstring(_inline_carriage_returns_kept(_utf16_as_utf8(data)), forbid_dtd=True)
    except DefusedXmlException:
        raise QdpxFormatError(path, f"{member} declares a DTD or entities, which QDA-XML never needs "
                                    "(a possible 'billion laughs' attack); refusing to open it") from None
    except ET.ParseError as exc:
        raise QdpxFormatError(path, f"{member} is not well-formed XML ({exc})", "export the project again") from None
    except (LookupError, ValueError, UnicodeError) as exc:
        raise QdpxFormatError(path, f"{member} declares a text encoding Python cannot read ({exc})",
                              "export it again as UTF-8") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    # a writer that forgot the namespace (Taguette's first codebooks) is read when the parts are QDA-XML's
    shaped = not namespace and any(local(str(c.tag)) in ("Codes", "CodeBook", "Sources") for c in root)
    if local(root.tag) not in roots or not (namespace.startswith("urn:QDA-XML:") or shaped):
        raise QdpxFormatError(path, f"{member} is not QDA-XML (its root is {root.tag!r}, not "
                                    f"{' or '.join(roots)} in a urn:QDA-XML namespace)")
    return root


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _utf16_as_utf8(data: bytes) -> bytes:
    """XML written as UTF-16 (it starts with a byte order mark) as UTF-8, its declaration dropped:
    read as what it is even where the declaration names another encoding (a Windows writer's)."""
    if data[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data
    try:
        return _DECLARATION.sub("", data.decode("utf-16"), count=1).encode("utf-8")
    except UnicodeDecodeError:
        return data  # the parser names what is wrong


# a text held inside the XML: its run of characters up to the closing tag (a CDATA section, which
# starts with "<", is left as it is)
_INLINE_TEXT = re.compile(rb"(<(?:[\w.-]+:)?PlainTextContent(?:\s[^>]*)?>)([^<]*)(?=</)")


def _inline_carriage_returns_kept(data: bytes) -> bytes:
    """``data`` with each CR of an inline text (a PlainTextContent) written as a character reference:
    an XML reader turns every CR LF it reads into LF, but the tool that wrote the text counted its
    selections' positions over the CRs too (QualCoder's transcripts, Windows line ends)."""
    if b"\r" not in data:
        return data
    return _INLINE_TEXT.sub(lambda m: m[1] + m[2].replace(b"\r", b"&#13;"), data)


class _Elements:
    """Reads the parts of QDA-XML shared by projects and codebooks."""

    def __init__(self, path: Path, member: str):
        self.path, self.member = path, member
        self.skipped: list[str] = []
        self.odd_colours: list[tuple[str, str]] = []  # (code name, colour) not in #RRGGBB form

    def colour_line(self) -> list[str]:
        """The colours not kept, counted, with the first as an example."""
        if not self.odd_colours:
            return []
        name, colour = self.odd_colours[0]
        return [f"{len(self.odd_colours)} code colour(s) not in #RRGGBB form not kept (e.g. {colour!r} on {name!r})"]

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

    @staticmethod
    def note_refs(element: ET.Element) -> tuple[str, ...]:
        return tuple(g for g in (normal_guid(n.get("targetGUID")) for n in children(element, "NoteRef")) if g)

    def code(self, element: ET.Element, depth: int = 1) -> QdaCode:
        """A Code and the codes under it; refused when its name is unusable or it lies deeper
        than ``MAX_CODE_DEPTH`` (checked before going deeper, so no depth exhausts the stack)."""
        guid = self.guid(element, "Code")
        if depth > MAX_CODE_DEPTH:
            raise self.error(f"code {guid} lies {depth} levels deep; a codebook may nest codes at most "
                             f"{MAX_CODE_DEPTH} levels deep", "flatten the code tree in your QDA tool and export again")
        description = child(element, "Description")
        name = self.code_name(element, guid)
        colour = _six_digit_colour(element.get("color"))
        if colour is None and (element.get("color") or "").strip():
            self.odd_colours.append((name, element.get("color").strip()))
        return QdaCode(
            guid, name,
            (description.text or "") if description is not None else "",
            colour,
            element.get("isCodable", "true").strip().lower() in ("true", "1"),
            tuple(self.code(c, depth + 1) for c in children(element, "Code")),
            self.note_refs(element),
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
        # names as written, "\\" read as "/" (Windows zip tools write it so)
        self.members = {m.filename.replace("\\", "/"): m for m in members if not m.is_dir()}
        self.by_folded_name = {name.casefold(): info for name, info in self.members.items()}
        self.inflated = 0
        self.not_imported: Counter = Counter()
        self.kept: list[KeptElement] = []
        self.kept_files: dict[str, bytes] = {}
        self.kept_sources: frozenset[str] = frozenset()  # GUIDs of sources kept whole (pictures...)
        self.inside_kept: set[str] = set()  # GUIDs of the elements inside texts kept whole (not read)
        self.kept_references: Counter = Counter()
        member = self._project_member()
        self.folder = member.rpartition("/")[0] + "/" if "/" in member else ""  # a project zipped in its folder
        super().__init__(path, member)

    def _project_member(self) -> str:
        """project.qde, or the one .qde file a tool named otherwise; in the archive's top folder, else
        (a project folder zipped again by hand) the one .qde the archive holds."""
        if PROJECT_FILE.casefold() in self.by_folded_name:
            return self.by_folded_name[PROJECT_FILE.casefold()].filename.replace("\\", "/")
        found = [name for name in self.members if name.casefold().endswith(".qde") and not _junk(name)]
        top = [name for name in found if "/" not in name]
        if len(top) == 1 or (not top and len(found) == 1):
            return (top or found)[0]
        return PROJECT_FILE

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
            self.keep_attributes(user, guid, False)
            name = user.get("name")  # a blank name stays blank: the import refuses it
            users[guid] = name if name is not None else (user.get("id") or f"user-{guid[:8]}")
        self.unique_guids("users", [(self.guid(u, "User"), u.get("name") or "") for u in
                                    children(child(root, "Users"), "User")])
        codes = tuple(self.code(c) for c in children(child(child(root, "CodeBook"), "Codes"), "Code"))
        self.unique_guids("codes", [(c.guid, c.name) for top in codes for c in top.walk()])
        source_elements = [s for s in child(root, "Sources") or [] if local(str(s.tag)) in _SOURCES]
        self.unique_guids("sources", [(self.guid(s, local(s.tag)), s.get("name") or "") for s in source_elements]
                          + [(self.guid(t, "Transcript"), t.get("name") or "") for s in source_elements
                             for t in children(s, "Transcript")[1:]])
        sources = tuple(text for s in source_elements for text in self.source(s))
        on_codings = {guid for text in sources for coding in text.codings for guid in coding.notes}
        notes = self.notes(root, {guid for top in codes for c in top.walk() for guid in c.notes}
                           | {guid for text in sources for guid in text.notes} | on_codings, on_codings)
        cases, case_of_source, source_variables, case_labels = self.cases(root, sources)
        case_guids = {normal_guid(c.get("guid")) for c in children(child(root, "Cases"), "Case")} - {None}
        codes = _without(codes, case_guids)  # NVivo lists its cases in the codebook too
        self.link_coded_cases(sources, case_labels, case_of_source)
        links_to_cases = {s.guid for text in sources for s in text.selections
                          if s.codings and all(c.code in case_labels for c in s.codings)}
        self.kept = [k for k in self.kept if k.kind != ATTRIBUTES or k.anchor not in links_to_cases]  # named by case
        links, relations = self.links(root, set(notes))
        self.keep_notes_on_selections(root, sources)
        self.skipped.extend(f"{n} {what} not imported" for what, n in self.not_imported.items())
        self.skipped.extend(unread_lines(root, keepable) + self.colour_line())
        self.kept += [self.kept_element(anchor, parent, element) for anchor, parent, element in unread_elements(root)
                      if keepable(parent, local(element.tag))]
        self.keep_references_to_kept_sources(root, {s.guid for s in sources if not s.problem})
        # what lies in a source kept whole is part of it (its regions, its quotations' attributes)
        self.kept = [k for k in self.kept if k.anchor not in self.inside_kept]
        self.kept.append(KeptElement(None, "", ET.tostring(ET.Element(root.tag, dict(root.attrib)), encoding="unicode"),
                                     kind=PROJECT))
        return QdaProject(root.get("origin") or "", normal_guid(root.get("creatingUserGUID")), users, codes, sources,
                          notes, cases, case_of_source, source_variables, links, tuple(self.skipped),
                          frozenset(case_guids), _description(root), self.case_memos(root), self.sets(root),
                          relations, tuple(self.kept), self.kept_files, self.named(root, users, case_labels),
                          {v.get("name"): v.get("typeOfVariable").strip() for v in children(child(root, "Variables"),
                                                                                          "Variable")
                           if v.get("name") and (v.get("typeOfVariable") or "").strip()},
                          tuple(kept_lines(root, keepable) + [
                              f"{n} {_KEPT_REFERENCES[what]} kept as written for export"
                              for what, n in sorted(self.kept_references.items())]), self.kept_sources)

    def named(self, root: ET.Element, users: dict[str, str], case_labels: dict[str, str]) -> dict[str, tuple]:
        """{GUID: (kind, name)} of the users, variables, cases and sets, for the references of kept elements."""
        found = {guid: ("user", name) for guid, name in users.items()}
        found.update((normal_guid(v.get("guid")), ("variable", v.get("name") or "")) for v in
                     children(child(root, "Variables"), "Variable") if normal_guid(v.get("guid")))
        found.update((guid, ("case", label)) for guid, label in case_labels.items())
        found.update((s.guid, ("set", s.name)) for s in self.sets(root))
        return found

    def keep_references_to_kept_sources(self, root: ET.Element, texts: set[str]) -> None:
        """A case's or set's reference to a source kept whole (a picture, a recording without
        transcript, a text that could not be read), kept as written: the study holds no text for it
        to name."""
        whole = {normal_guid(s.get("guid")) for s in child(root, "Sources") or []
                 if isinstance(s.tag, str) and local(s.tag) in _SOURCES} - texts - {None}
        self.kept_sources = frozenset(whole)
        for parent, ref in (("Case", "SourceRef"), ("Set", "MemberSource")):
            elements = children(child(root, "Cases"), "Case") if parent == "Case" else (
                children(child(root, "Sets"), "Set") + _codebook_sets(root))
            for element in elements:
                refs = [normal_guid(m.get("targetGUID")) for m in children(element, ref)]
                if parent == "Case" and not (element.get("name") or "").strip() and len(refs) == 1 and refs[0] in whole:
                    # a source's own variables (MAXQDA): the case goes out whole with its source
                    self.kept.append(self.kept_element(None, "Cases", element))
                    continue
                for member in children(element, ref):
                    if normal_guid(member.get("targetGUID")) in whole and normal_guid(element.get("guid")):
                        self.kept.append(KeptElement(normal_guid(element.get("guid")), parent, element_xml(member)))
                        self.kept_references[f"{parent}/{ref}"] += 1

    def keep_attributes(self, element: ET.Element, guid: str, name_kept: bool, written_as: str = "",
                        dated: bool = False) -> None:
        """Keeps the element's attributes an export would not write (``kept.OWN_ATTRIBUTES``), to
        give them back to the element written for it (``written_as``: its name in the export
        before a recording's text is wrapped, when it differs; ``dated``: its creation date too,
        which the export writes from another's)."""
        xml = attributes_xml(element, name_kept, dated)
        if xml is not None:
            self.kept.append(KeptElement(guid, written_as or local(element.tag), xml, kind=ATTRIBUTES))

    def keep_shell(self, outer: ET.Element, guid: str) -> None:
        """Keeps the PDF or recording a text is read from, to write it around the text again (its
        text is the study's: its file is not kept)."""
        self.kept.append(replace(self.kept_element(guid, "Sources", outer, shell_xml(outer), SHELL_FILES),
                                 kind=SHELL))

    def kept_element(self, anchor: str | None, parent: str, element: ET.Element, xml: str | None = None,
                     attributes: tuple[str, ...] = FILE_ATTRIBUTES) -> KeptElement:
        """The element kept as written, with the files it names inside the archive (a picture, a
        PDF, a recording, a Word text); a file too large to keep is named in the summary."""
        files, paths = [], []
        for node, attribute in ((n, a) for n in element.iter() for a in attributes):
            path = (node.get(attribute) or "").strip()
            member = self.member_named(path) if path.startswith(INTERNAL) else None
            if member is None:
                if path.startswith(INTERNAL) and attribute != "plainTextPath":  # a missing text is named as left out
                    self.skipped.append(f"{path} is missing from the archive; {_named(node)} is kept without it")
                continue
            size = self.members.get(member, self.by_folded_name.get(member.casefold())).file_size
            if size > MAX_KEPT_FILE:
                self.skipped.append(f"{path} ({size:,} bytes) is larger than the {MAX_KEPT_FILE:,} bytes a study "
                                    f"keeps of a file; its <{local(node.tag)}> is kept without it")
                continue
            data = self.read(member, MAX_KEPT_FILE)
            self.kept_files[digest(data)] = data
            files.append(digest(data))
            paths.append(path)
        return KeptElement(anchor, parent, xml or element_xml(element), tuple(files), tuple(paths))

    def source(self, element: ET.Element) -> list[QdaSource]:
        """The texts of a source: a TextSource's own, a PDF's plain-text representation, an audio or
        video recording's transcripts (each its own text; the first keeps the recording's GUID, which
        cases refer to, and what the recording holds). A source without text is counted as not imported."""
        kind = local(element.tag)
        guid = self.guid(element, kind)
        name = element.get("name") or ""
        if kind == "TextSource":
            texts = [self.text_source(element, guid, name or guid)]
        elif kind == "PDFSource" and (representation := child(element, "Representation")) is not None:
            texts = [self.text_source(representation, guid, name or representation.get("name") or guid, outer=element)]
        else:
            transcripts = children(element, "Transcript") if kind in ("AudioSource", "VideoSource") else []
            texts = [self.transcript(t, guid if i == 0 else self.guid(t, "Transcript"),
                                     _transcript_name(name, t, i, len(transcripts)), element if i == 0 else None)
                     for i, t in enumerate(transcripts)]
        if not texts:  # a picture, or a PDF or recording without text: kept whole (``unread``)
            return []
        if all(text.problem for text in texts):  # a text only in Word, or outside the archive...
            self.kept.append(self.kept_element(None, "Sources", element))
            self.inside_kept |= {normal_guid(e.get("guid")) for e in element.iter()} - {None}
            self.kept_references["Sources/unreadable"] += 1
        elif kind != "TextSource" or set(element.attrib) & _SOURCE_ATTRIBUTES:
            self.keep_shell(element, guid)
        return texts

    def text_source(self, element: ET.Element, guid: str, name: str, outer: ET.Element | None = None) -> QdaSource:
        """A TextSource, or the Representation of a PDF (``outer``, whose codings, notes, variables and
        memo are the text's too)."""
        text, problem = _plain(*self.text_of(element))
        where = f"source {name!r}"
        selections = tuple(self.selection(s, where, text) for s in children(element, "PlainTextSelection"))
        return self.with_outer(QdaSource(
            guid, name, text, problem, selections, self.codings(element, where), self.note_refs(element),
            self.variables(element), _description(element), _user(element),
            element.get("modifiedDateTime") or element.get("creationDateTime")), outer, where)

    def transcript(self, element: ET.Element, guid: str, name: str, recording: ET.Element | None) -> QdaSource:
        """A recording's Transcript: its text, and its selections placed by their sync points."""
        text, problem = _plain(*self.text_of(element))
        where = f"source {name!r}"
        points = {}
        for point in children(element, "SyncPoint"):
            value = (point.get("position") or "").strip()
            if normal_guid(point.get("guid")) and _INTEGER.fullmatch(value) and len(value) <= 12:
                points[normal_guid(point.get("guid"))] = int(value)
        selections = []
        for selection in children(element, "TranscriptSelection"):
            placed = self.transcript_selection(selection, points, where, _user(element), text)
            if placed is not None:
                selections.append(placed)
        source = QdaSource(guid, name, text, problem, tuple(selections), (), self.note_refs(element), (),
                           _description(element), _user(element),
                           element.get("modifiedDateTime") or element.get("creationDateTime"))
        return self.with_outer(source, recording, where)

    def transcript_selection(self, element: ET.Element, points: dict[str, int], where: str,
                             transcriber: str | None, text: str | None = None) -> QdaSelection | None:
        """A TranscriptSelection as a selection from its start sync point to its end one, made by its
        creator or else the transcript's (QualCoder names no one on the selection or its codings);
        None (and reported) when either end names no sync point of the transcript."""
        guid = self.guid(element, "TranscriptSelection")
        start, end = (points.get(normal_guid(element.get(a)) or "") for a in ("fromSyncPoint", "toSyncPoint"))
        codings = self.codings(element, f"{where}, selection {guid}")
        if start is None or end is None:
            self.skipped.append(f"{where}: transcript selection {guid} names no sync point of the transcript, so "
                                f"where it lies is unknown; its {len(codings)} coding(s) not imported")
            return None
        self.keep_attributes(element, guid, _own_name(element, text), "PlainTextSelection")
        return QdaSelection(guid, start, end, _user(element) or transcriber, codings, self.note_refs(element),
                            _description(element), element.get("creationDateTime"))

    def with_outer(self, source: QdaSource, outer: ET.Element | None, where: str) -> QdaSource:
        """The text with what its PDF or recording holds: codings of the whole, notes, variables, memo."""
        if outer is None:
            return source
        return replace(source, codings=self.codings(outer, where) + source.codings,
                       notes=self.note_refs(outer) + source.notes, variables=self.variables(outer) + source.variables,
                       description="\n\n".join(d for d in (_description(outer), source.description) if d),
                       user=_user(outer) or source.user)

    def codings(self, element: ET.Element, where: str) -> tuple[QdaCoding, ...]:
        return tuple(self.coding(c, where) for c in children(element, "Coding"))

    def variables(self, element: ET.Element) -> tuple[tuple[str, str], ...]:
        return tuple(v for v in map(self.variable_value, children(element, "VariableValue")) if v is not None)

    def selection(self, element: ET.Element, where: str, text: str | None = None) -> QdaSelection:
        guid = self.guid(element, "PlainTextSelection")
        where = f"{where}, selection {guid}"
        start, end = self.position(element, "startPosition", where), self.position(element, "endPosition", where)
        if start != end:
            self.keep_attributes(element, guid, _own_name(element, text))
        return QdaSelection(guid, start, end, _user(element), self.codings(element, where), self.note_refs(element),
                            _description(element), element.get("creationDateTime"),
                            element_xml(element))

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

    def notes(self, root: ET.Element, named: set[str] = frozenset(), dated: set[str] = frozenset()
              ) -> dict[str, QdaNote]:
        """The notes by GUID; a code's, a text's (a memo) and a whole text's coding's keep their own
        names (the export names them for their code, text or coding), the last its date too (the
        export dates it as its coding)."""
        notes = {}
        for note in children(child(root, "Notes"), "Note"):
            guid = self.guid(note, "Note")
            text, problem = self.text_of(note)
            if problem:
                self.skipped.append(f"note {note.get('name') or guid}: {problem}")
                continue
            self.keep_attributes(note, guid, guid in named, dated=guid in dated)
            anchor = child(note, "PlainTextSelection")
            selection = None
            for coded in (s for s in children(note, "PlainTextSelection") if children(s, "Coding")):
                # a study codes no memo's text: the coded passage of a note is kept as written
                where = (self.position(coded, "startPosition", f"note {guid}"),
                         self.position(coded, "endPosition", f"note {guid}"))
                self.kept.append(replace(self.kept_element(guid, "Note", coded), words=text[where[0]:where[1]]))
                self.kept_references["Note/PlainTextSelection"] += 1
            if anchor is not None:
                where = f"note {guid}"
                selection = (self.position(anchor, "startPosition", where), self.position(anchor, "endPosition", where))
            user = normal_guid(note.get("creatingUser") or note.get("modifyingUser"))
            notes[guid] = QdaNote(guid, text, user, selection, note.get("creationDateTime") or note.get("modifiedDateTime"),
                                  (note.get("name") or "").strip())
        return notes

    def links(self, root: ET.Element, notes: set[str]) -> tuple[dict[str, tuple[str, ...]], tuple[QdaLink, ...]]:
        """({selection GUID: note GUIDs}, relations) from Links: NVivo joins annotations to
        selections so; a link that joins no note is a relation (ATLAS.ti's between codes)."""
        joined: dict[str, list[str]] = {}
        relations = []
        for link in children(child(root, "Links"), "Link"):
            origin, target = normal_guid(link.get("originGUID")), normal_guid(link.get("targetGUID"))
            if origin and target and (origin in notes or target in notes):
                joined.setdefault(target, []).append(origin)
                joined.setdefault(origin, []).append(target)
            elif origin and target:
                relations.append(QdaLink(normal_guid(link.get("guid")) or "", " ".join((link.get("name") or "").split()),
                                         (link.get("direction") or "").strip(), _six_digit_colour(link.get("color")),
                                         origin, target, element_xml(link)))
            else:
                self.not_imported["link(s) missing an end"] += 1
        return {k: tuple(v) for k, v in joined.items()}, tuple(relations)

    def keep_notes_on_selections(self, root: ET.Element, sources: tuple[QdaSource, ...]) -> None:
        """The links that join a note (an NVivo annotation, a memo linked to a code) and a
        selection's references to notes, kept as written, with each note whose text became a
        coding's memo (its name, author and date have no place in a study): an export writes them
        back beside that memo."""
        selections = {s.guid for text in sources if not text.problem for s in text.selections}
        notes = {normal_guid(n.get("guid")): n for n in children(child(root, "Notes"), "Note")}
        on_selections: set[str] = set()
        for link in children(child(root, "Links"), "Link"):
            ends = {normal_guid(link.get("originGUID")), normal_guid(link.get("targetGUID"))}
            if None in ends or not ends & set(notes):
                continue
            self.kept.append(KeptElement(None, "Links", element_xml(link)))
            annotation = bool(ends & selections)
            on_selections |= ends & set(notes) if annotation else set()
            self.kept_references["Links/annotation" if annotation else "Links/note"] += 1
        # a recording's transcript selection is written as a text's selection before it is wrapped again
        for element in (e for text in root.iter() if local(str(text.tag)) in ("TextSource", "Representation",
                                                                             "Transcript")
                        for e in children(text, "PlainTextSelection") + children(text, "TranscriptSelection")):
            guid = normal_guid(element.get("guid"))
            if guid not in selections:
                continue
            for ref in children(element, "NoteRef"):
                if normal_guid(ref.get("targetGUID")) in notes:
                    self.kept.append(KeptElement(guid, "PlainTextSelection", element_xml(ref)))
                    on_selections.add(normal_guid(ref.get("targetGUID")))
                    self.kept_references["PlainTextSelection/NoteRef"] += 1
            for coding in children(element, "Coding"):
                refs = [r for r in children(coding, "NoteRef") if normal_guid(r.get("targetGUID")) in notes]
                if refs and child(coding, "CodeRef") is not None:
                    kept = ET.Element(coding.tag)
                    kept.extend([child(coding, "CodeRef"), *refs])
                    self.kept.append(KeptElement(guid, "PlainTextSelection", element_xml(kept), kind=CODING_NOTES))
                    on_selections.update(normal_guid(r.get("targetGUID")) for r in refs)
                    self.kept_references["Coding/NoteRef"] += len(refs)
        # a note kept whole carries all its attributes: none is kept apart for it
        self.kept = [k for k in self.kept if not (k.kind == ATTRIBUTES or k.parent == "Note")
                     or k.anchor not in on_selections]
        self.kept += [self.kept_element(None, "Notes", notes[guid]) for guid in sorted(on_selections)]

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
        if "%" in name:  # a path written as a URL: "My%20Interview.txt"
            candidates += [unquote(c) for c in candidates]
        for candidate in candidates:
            candidate = self.folder + candidate
            info = self.members.get(candidate) or self.by_folded_name.get(candidate.casefold())
            if info is not None:
                return info.filename.replace("\\", "/")
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
            label = self.case_label(case)
            found.append((label, values, refs))
            labels[self.guid(case, "Case")] = label
        rows = tuple(ParticipantRow(label, None, values) for label, values, _ in found)  # only the values it has
        return rows, {guid: label for label, _, refs in found for guid in refs}, source_variables, labels

    def case_label(self, case: ET.Element) -> str:
        """The participant a named Case is: its name, spaces collapsed (its GUID when blank)."""
        return " ".join((case.get("name") or self.guid(case, "Case")).split())

    def sets(self, root: ET.Element) -> tuple[QdaSet, ...]:
        """The project's Sets, their members by GUID."""
        def members(element: ET.Element, kind: str) -> tuple[str, ...]:
            return tuple(g for g in (normal_guid(m.get("targetGUID")) for m in children(element, kind)) if g)

        return tuple(QdaSet(self.guid(s, "Set"), " ".join((s.get("name") or "").split()) or self.guid(s, "Set"),
                            _description(s), members(s, "MemberCode"), members(s, "MemberSource"),
                            members(s, "MemberNote"))
                     for s in children(child(root, "Sets"), "Set") + _codebook_sets(root))

    def case_memos(self, root: ET.Element) -> dict[str, str]:
        """{participant: the case's Description} (QualCoder and NVivo keep a case memo there)."""
        return {self.case_label(case): text for case in children(child(root, "Cases"), "Case")
                if (text := _description(case))}


_KEPT_REFERENCES = {"Case/SourceRef": "case reference(s) to a picture, a recording or PDF without text or a text "
                                      "left out",
                    "Set/MemberSource": "set member(s) that are a picture, a recording or PDF without text or a text "
                                        "left out",
                    "Sources/unreadable": "text source(s) left out, with their selections, codings and notes,",
                    "Links/annotation": "annotation(s) (a note joined to a selection by a link, its text also the "
                                        "coding's memo),",
                    "Links/note": "link(s) joining a note to a code, text or note,",
                    "PlainTextSelection/NoteRef": "note(s) on a selection (their text also the coding's memo),",
                    "Coding/NoteRef": "note(s) on a coding of a selection (their text also the coding's memo),",
                    "Note/PlainTextSelection": "coded passage(s) of notes (a study codes no memo's text),"}
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _plain(text: str | None, problem: str | None) -> tuple[str | None, str | None]:
    """(text, None), or (None, why not) when the text holds control characters (it is not plain text)."""
    if problem is None and _CONTROL_CHARACTER.search(normal_text(text or "")):
        return None, "its text holds control characters, so it is not plain text"
    return text, problem
_SOURCE_ATTRIBUTES = {"richTextPath", "creatingUser", "creationDateTime", "modifyingUser", "modifiedDateTime"}


def _own_name(selection: ET.Element, text: str | None) -> bool:
    """True when the selection's name is not words of its text: the user's own (ATLAS.ti's quotation
    names), which an export, naming a selection by the words it selects, would lose."""
    words = " ".join((selection.get("name") or "").split()).rstrip(".…")
    return bool(words) and text is not None and words not in " ".join(text.split())


def _codebook_sets(root: ET.Element) -> list[ET.Element]:
    """Sets a tool wrote inside a project's CodeBook, as codebooks (.qdc) hold them."""
    return children(child(child(root, "CodeBook"), "Sets"), "Set")


def _junk(name: str) -> bool:
    """A file an archiver adds beside the project (macOS's resource forks)."""
    return name.startswith("__MACOSX/") or name.rpartition("/")[2].startswith("._")


def _named(element: ET.Element) -> str:
    """The element as a message names it: ``<PictureSource> 'Site map'``."""
    name = (element.get("name") or "").strip()
    return f"<{local(element.tag)}> {name!r}" if name else f"<{local(element.tag)}> {element.get('guid') or ''}".rstrip()


def _description(element: ET.Element) -> str:
    description = child(element, "Description")
    return (description.text or "").strip() if description is not None else ""


def _user(element: ET.Element) -> str | None:
    """Who made the element: its creator, else its last modifier."""
    return normal_guid(element.get("creatingUser") or element.get("modifyingUser"))


def _transcript_name(recording: str, transcript: ET.Element, index: int, count: int) -> str:
    """The recording's name (ATLAS.ti leaves it blank: then the transcript's); a second transcript
    of one recording is told apart by its own name."""
    own = (transcript.get("name") or "").strip()
    name = recording.strip() or own or normal_guid(transcript.get("guid")) or "transcript"
    if count > 1 and index > 0:
        name = f"{name} ({own or index + 1})"
    return name


def _without(codes: tuple[QdaCode, ...], guids: set[str]) -> tuple[QdaCode, ...]:
    """The code tree without the codes (and their children) whose GUIDs are in ``guids``."""
    return tuple(replace(c, children=_without(c.children, guids)) for c in codes if c.guid not in guids)


def _six_digit_colour(value: str | None) -> str | None:
    if not value or not _RGB.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:]
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits))
