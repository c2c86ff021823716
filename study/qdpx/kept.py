"""What a project holds that a study has no place for, kept as written so that an export gives
it back: graphs (code maps, networks), picture sources and their region selections, PDF page
regions, audio and video time ranges, notes on relations, note members of sets, a note on the
project, descriptions of variables and notes, cases' references to codes and selections, the
recordings and PDFs a text came from, texts the study cannot read (only in Word, outside the
archive) with their selections and codings, and the attributes of selections, notes and users
an export would not write (a quotation's own name, its editor, a user's id).

Each kept element is stored verbatim (``KeptElement``) with the GUID of the element it lay in,
and the GUIDs it refers to are stored as what they named (a code by id, a text by transcript
name, a user by name...), since an export names everything anew. An export (``restore``) puts
each back where the schema wants it, its references renamed; a PDF or recording a text came from
is written around that text again (``PDFSource`` with its ``Representation``, ``AudioSource`` or
``VideoSource`` with its ``Transcript``). The files they name inside the archive (pictures, PDFs,
recordings) are kept too, up to ``MAX_KEPT_FILE`` bytes each; a larger one, and one the archive
lacks, is named in the import's summary. Only elements the QDA-XML schema allows where they stood are kept (so every
export stays valid); anything else is named as not imported.

Example: ``kept_of(session).elements``
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import Coding, Meta, Segment, Transcript, get_setting
from .model import INTERNAL, SOURCES_FOLDER, normal_guid, stable_guid

KEY = "qdpx_kept"  # study_meta: JSON {"elements": [KeptElement...], "refs": {guid: [kind, *key]}, "files": {...}}
FILE_KEY = "qdpx_file:"  # study_meta: a kept file's bytes (base64), by the SHA-256 of its content
MAX_KEPT_FILE = 20_000_000  # bytes of one picture, PDF or recording kept with its element
FILE_ATTRIBUTES = ("path", "richTextPath", "plainTextPath")  # the attributes naming a file of the archive
SHELL_FILES = ("path", "richTextPath")  # those of a text whose text the study holds (its plain text is the study's)
SHELL = "shell"  # a kept source whose text was imported: its attributes (a PDF or recording: around the text)
PROJECT = "project"  # the project's own attributes: its name, creator and dates
ATTRIBUTES = "attributes"  # an element's attributes the study keeps nowhere (a quotation's name, its editor...)
CODING_NOTES = "coding notes"  # a selection's Coding (its CodeRef) with the NoteRefs it held: put back on that coding
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"  # the one namespace an export writes attributes of (schemaLocation)
# the attributes an export writes of these elements from what the study holds; an import keeps the others
OWN_ATTRIBUTES = {"PlainTextSelection": {"guid", "startPosition", "endPosition", "creatingUser", "creationDateTime"},
                  "TranscriptSelection": {"guid", "fromSyncPoint", "toSyncPoint", "creatingUser", "creationDateTime"},
                  "User": {"guid", "name"},
                  "Note": {"guid", "creatingUser", "creationDateTime", "plainTextPath"}}
NAMED_AS_KEPT = ("PlainTextSelection", "Note")  # whose name an export makes up (an excerpt, "Code memo: ...")


def attributes_xml(element: ET.Element, name_kept: bool, dated: bool = False) -> str | None:
    """The element's attributes an export would not write (``OWN_ATTRIBUTES``; a name only when
    ``name_kept``, its creation date too when ``dated``; of other namespaces only ``XSI``'s), as an
    element to keep; None when there are none."""
    own = OWN_ATTRIBUTES[_local(element.tag)] - ({"creationDateTime"} if dated else set()) | (
        set() if name_kept else {"name"})
    extra = {k: v for k, v in element.attrib.items()
             if k not in own and (not k.startswith("{") or k.startswith(XSI))}
    if not extra or set(extra) == {"name"} and not name_kept:
        return None
    return ET.tostring(ET.Element(element.tag, {"guid": element.get("guid", ""), **extra}), encoding="unicode")

SOURCES = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")
TEXT_CHILDREN = ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"]
# where an element may stand (parent -> its children in the schema's order): only these are kept
ORDER: dict[str, list[str]] = {
    "Project": ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                "Description", "NoteRef"],
    "Sources": list(SOURCES),
    "Graphs": ["Graph"],
    "Case": ["Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"],
    "Variable": ["Description"],
    "Note": TEXT_CHILDREN,
    "TextSource": TEXT_CHILDREN,
    "Representation": TEXT_CHILDREN,
    "Set": ["Description", "MemberCode", "MemberSource", "MemberNote"],
    "Link": ["NoteRef"],
    "PlainTextSelection": ["Description", "Coding", "NoteRef"],
    "PDFSource": ["Description", "PDFSelection", "Representation", "Coding", "NoteRef", "VariableValue"],
    "AudioSource": ["Description", "Transcript", "AudioSelection", "Coding", "NoteRef", "VariableValue"],
    "VideoSource": ["Description", "Transcript", "VideoSelection", "Coding", "NoteRef", "VariableValue"],
    "Transcript": ["Description", "PlainTextContent", "SyncPoint", "TranscriptSelection", "NoteRef"],
}
_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?")


def keepable(parent: str, name: str) -> bool:
    """True when the schema allows ``name`` inside ``parent`` (so it can be written back there)."""
    return name in ORDER.get(parent, ())


@dataclass(frozen=True)
class KeptElement:
    anchor: str | None  # GUID (as compared: ``normal_guid``) of the element it lay in; None: the project
    parent: str  # that element's name
    xml: str  # the element as written, namespace included
    files: tuple[str, ...] = ()  # SHA-256 of the files it names inside the archive, in the order of ``paths``
    paths: tuple[str, ...] = ()  # those files' paths (``internal://x.png``)
    kind: str = ""  # SHELL for a PDF or recording whose text was imported
    words: str = ""  # of a note's coded passage: the words it selected, found again in the note as it is now


@dataclass
class Kept:
    elements: list[KeptElement] = field(default_factory=list)
    refs: dict[str, list] = field(default_factory=dict)  # original GUID -> [kind, *what it named]


def element_xml(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


def shell_xml(outer: ET.Element) -> str:
    """A PDF or recording whose text is imported, as kept: its attributes, and its Representation's
    or Transcript's attributes and sync points (the times of the recording), without the text."""
    shell = ET.Element(outer.tag, dict(outer.attrib))
    for inner in outer:
        if _local(inner.tag) in ("Representation", "Transcript"):
            copy = ET.SubElement(shell, inner.tag, dict(inner.attrib))
            copy.extend(ET.Element(p.tag, dict(p.attrib)) for p in inner if _local(p.tag) == "SyncPoint")
            break
    return ET.tostring(shell, encoding="unicode")


def guids_in(kept: list[KeptElement]) -> set[str]:
    """Every GUID the kept elements name (their own, their references, their anchors)."""
    found = {k.anchor for k in kept if k.anchor}
    for item in kept:
        for element in ET.fromstring(item.xml).iter():
            found.update(g for value in element.attrib.values() if _GUID.fullmatch(value.strip())
                         if (g := normal_guid(value)))
    return found


def kept_of(session: Session) -> Kept:
    data = json.loads(get_setting(session, KEY) or "{}")
    return Kept([KeptElement(**{**e, "files": tuple(e.get("files", ())), "paths": tuple(e.get("paths", ()))})
                 for e in data.get("elements", [])], data.get("refs", {}))


def keep(session: Session, elements: list[KeptElement], refs: dict[str, list], files: dict[str, bytes]) -> int:
    """Keep the elements not kept already (the same XML in the same place), their references and
    files, in the caller's transaction; returns how many are new (of those an import names: not a
    text's or the project's own attributes)."""
    kept = kept_of(session)
    known = _resolved(session, {**kept.refs, **refs})
    seen = {_identity(e, known) for e in kept.elements}
    new = []
    for element in elements:
        identity = _identity(element, known)
        if identity not in seen:
            new.append(element)
            # one file's elements are each their own even where two resolve to one place (two users'
            # selections stored on the same stretch): only what an earlier import kept stands for them
            seen.add((element.kind, "in this file", element.anchor) if element.kind in (SHELL, PROJECT, ATTRIBUTES)
                     else identity)
    if not new:
        return 0
    kept.elements += new
    kept.refs.update(refs)
    for digest, data in files.items():
        key = FILE_KEY + digest[:48]
        if session.get(Meta, key) is None:
            session.add(Meta(key=key, value=base64.b64encode(data).decode("ascii")))
    session.merge(Meta(key=KEY, value=json.dumps({"elements": [asdict(e) for e in kept.elements],
                                                  "refs": kept.refs}, ensure_ascii=False)))
    return sum(e.kind in ("", CODING_NOTES) for e in new)


VARIABLE_TYPES = "qdpx_variable_types"  # study_meta: JSON {variable: its typeOfVariable, as a project declared it}


def variable_types(session: Session) -> dict[str, str]:
    """{variable: the type a project declared for it} (a study keeps attribute values as text)."""
    return json.loads(get_setting(session, VARIABLE_TYPES) or "{}")


def keep_variable_types(session: Session, types: dict[str, str]) -> None:
    """Keep the declared types of variables not typed already, in the caller's transaction."""
    kept = variable_types(session)
    new = {name: kind for name, kind in types.items() if name not in kept}
    if new:
        session.merge(Meta(key=VARIABLE_TYPES, value=json.dumps({**kept, **new}, ensure_ascii=False)))


THEME_COLOURS = "qdpx_theme_colours"  # study_meta: JSON {theme key (``codebook.theme_key``): "#rrggbb"}


def theme_colours(session: Session) -> dict[str, str]:
    """{theme key: the colour a file gave that theme} (a study's themes have no colour of their own)."""
    return json.loads(get_setting(session, THEME_COLOURS) or "{}")


def keep_theme_colours(session: Session, colours: dict[str, str]) -> None:
    """Keep these themes' colours (a newer file's win), in the caller's transaction."""
    known = theme_colours(session)
    if any(known.get(key) != colour for key, colour in colours.items()):
        session.merge(Meta(key=THEME_COLOURS, value=json.dumps({**known, **colours}, ensure_ascii=False)))


EXTENTS = "qdpx_extents"  # study_meta: JSON [[rater, transcript, code id, start, end, its start, its end]...]
Extents = dict[tuple[str, str, int, int, int], tuple[int, int]]


def selection_extents(session: Session) -> Extents:
    """{(rater, transcript, code id, start, end) of codings: the selection's own (start, end)} of each
    selection an import stored otherwise than it came: cut at segment bounds (one coding per segment,
    start and end those of the first and last) or reaching past a segment (over a speaker's label).
    An export writes those codings as that selection again, and joins no others (two codings of
    neighbouring segments stay two selections, whatever their dates)."""
    return {tuple(item[:5]): tuple(item[5:]) for item in json.loads(get_setting(session, EXTENTS) or "[]")}


def referred_selections(session: Session) -> dict[str, set[tuple[int, int]]]:
    """{transcript: (start, end) of each file selection a kept element refers to (a quotation's own
    name, a note on it...)}: where selections lay, for a study imported before ``EXTENTS`` was kept."""
    places: dict[str, set[tuple[int, int]]] = {}
    for ref in kept_of(session).refs.values():
        if ref[0] == "selection" and len(ref) == 4:
            places.setdefault(ref[1], set()).add((ref[2], ref[3]))
    return places


def keep_selection_extents(session: Session, extents: Extents) -> None:
    """Keep these selections' extents, with those kept already (a new one wins), in the caller's transaction."""
    known = selection_extents(session)
    if any(known.get(key) != extent for key, extent in extents.items()):
        known.update(extents)
        session.merge(Meta(key=EXTENTS, value=json.dumps(sorted([*key, *extent] for key, extent in known.items()),
                                                         ensure_ascii=False)))


def holds_paragraphs(text: str, piece: str) -> bool:
    """Whether ``piece`` stands in ``text`` as whole paragraphs (blank-line separated), not inside one."""
    return f"\n\n{piece.strip()}\n\n" in f"\n\n{text.strip()}\n\n"


def joined_paragraphs(texts: list[str]) -> str:
    """The texts of a memo, one paragraph each, leaving out one that the texts before hold already as
    whole paragraphs (a study's export writes a coding's memo and the annotation it came from both):
    how an import joins a selection's Description and its notes, in that order."""
    parts: list[str] = []
    for text in (t.strip() for t in texts if t and t.strip()):
        if not any(holds_paragraphs(part, text) for part in parts):
            parts.append(text)
    return "\n\n".join(parts)


def without_paragraphs(text: str, piece: str) -> str:
    """``text`` without the whole paragraphs that are ``piece`` (a word inside a paragraph is kept)."""
    padded, cut = f"\n\n{text.strip()}\n\n", f"\n\n{piece.strip()}\n\n"
    while cut in padded:
        padded = padded.replace(cut, "\n\n")
    return padded.strip()


def relocated(text: str, words: str, start: int, end: int) -> tuple[int, int] | None:
    """Where a passage that selected ``words`` at ``start``-``end`` lies in ``text`` now: there if
    those are still its words, else the occurrence of them nearest; None when they are gone."""
    if text[start:end] == words:
        return start, end
    found = [m.start() for m in re.finditer(re.escape(words), text)] if words else []
    if not found:
        return None
    at = min(found, key=lambda index: (abs(index - start), index))
    return at, at + len(words)


def nearest(places: list[tuple], start: int, end: int) -> tuple | None:
    """Of ``places`` ((start, end, ...) each), the one overlapping ``start``-``end`` whose ends lie
    nearest, the first on a tie; None when none overlaps. The selection an export names for a kept
    reference to a selection (a coding is stored cut to the segments it lies in)."""
    near = [(abs(s - start) + abs(e - end), i) for i, (s, e, *_) in enumerate(places) if min(e, end) > max(s, start)]
    return places[min(near)[1]] if near else None


def selection_places(session: Session) -> dict[str, list[tuple[int, int]]]:
    """{transcript: the places an export writes selections at}: each coding's span, else its
    segment, in the export's order, and a participant's whole text (its case's selection)."""
    places: dict[str, list[tuple[int, int]]] = {}
    rows = session.execute(select(Transcript.name, Coding.span_start, Coding.span_end, Segment.start, Segment.end)
                           .join(Transcript, Coding.transcript_id == Transcript.id)
                           .join(Segment, Coding.segment_id == Segment.id))
    for name, span_start, span_end, start, end in rows:
        places.setdefault(name, []).append((start, end) if span_start is None else (span_start, span_end))
    for name, text in session.execute(select(Transcript.name, Transcript.text)
                                      .where(Transcript.participant_id.is_not(None))):
        places.setdefault(name, []).append((0, len(text)))
    return {name: sorted(set(found)) for name, found in places.items()}


def _resolved(session: Session, refs: dict[str, list]) -> dict[str, list]:
    """``refs`` with each selection read as the place an export writes it at: the place a file's
    selection had and the place the study's own export wrote it at are then one (an export writes
    a coding's cut of the selection, and importing that export again must not keep its elements twice)."""
    if not any(ref[0] == "selection" for ref in refs.values()):
        return refs
    places = selection_places(session)
    resolved = {}
    for guid, ref in refs.items():
        place = nearest(places.get(ref[1], []), ref[2], ref[3]) if ref[0] == "selection" else None
        resolved[guid] = ["selection", ref[1], *place] if place else ref
    return resolved


def _unindented(tree: ET.Element) -> None:
    """The tree without the indentation an export adds (the export indents it anew)."""
    for node in tree.iter():
        node.tail = None
        if node.text is not None and not node.text.strip():
            node.text = None


def _identity(element: KeptElement, refs: dict[str, list]) -> tuple:
    """What makes a kept element the same as another: its place and XML with every GUID it names
    read as what that GUID names (a code by id, a text by name...), so the study's own export
    imported again, whose GUIDs are new, matches what it kept."""
    def named(value: str) -> str:
        guid = normal_guid(value) if _GUID.fullmatch(value.strip()) else None
        return json.dumps(refs[guid]) if guid in refs else value

    if element.kind in (SHELL, PROJECT, ATTRIBUTES):  # one per element and one per study: the first import's
        return element.kind, named(element.anchor or "")
    tree = ET.fromstring(element.xml)
    for node in tree.iter():
        for name, value in node.attrib.items():
            node.set(name, named(value))
    _unindented(tree)
    return (named(element.anchor or ""), element.parent, element.kind, ET.tostring(tree, encoding="unicode"))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kept_file(session: Session, sha: str) -> bytes | None:
    value = session.scalar(select(Meta.value).where(Meta.key == FILE_KEY + sha[:48]))
    return base64.b64decode(value) if value is not None else None


# ---------------------------------------------------------------- writing back


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _plain(element: ET.Element) -> ET.Element:
    """The element with its namespace dropped from every tag (the export writes a default namespace)."""
    for item in element.iter():
        item.tag = _local(item.tag)
    return element


def insert_in_order(parent: ET.Element, element: ET.Element) -> None:
    """Put ``element`` into ``parent`` after every child the schema places before or with it."""
    order = ORDER.get(_local(parent.tag), [])
    rank = order.index(_local(element.tag)) if _local(element.tag) in order else len(order)
    at = len(parent)
    for index, existing in enumerate(parent):
        if _local(existing.tag) in order and order.index(_local(existing.tag)) > rank:
            at = index
            break
    parent.insert(at, element)


class Restorer:
    """Puts kept elements back into an export being built.

    ``new_guid(kind, key)`` gives the GUID the export wrote for what an original GUID named, or
    None when the export holds no such thing (then the original GUID is left as it is)."""

    def __init__(self, kept: Kept, new_guid, session: Session, texts: dict[str, str | bytes] | None = None):
        self.kept, self.new_guid, self.session = kept, new_guid, session
        self.texts = texts or {}  # archive member -> the texts the export writes itself (its notes' files)
        self.files: dict[str, bytes] = {}  # archive member -> bytes to write
        self.not_written: list[str] = []
        self.written: set[tuple[int, str]] = set()  # (parent, element as text): one copy each
        self.unplaced: Counter = Counter()  # (element, attribute names) kept whose element the export lacks

    def put(self, parent: ET.Element, element: ET.Element, append: bool = False) -> None:
        """Puts the element into ``parent`` unless the same is there already (a reference kept by
        the import of a file and by the import of its export)."""
        key = (id(parent), ET.tostring(element, encoding="unicode"))
        if key in self.written:
            return
        self.written.add(key)
        parent.append(element) if append else insert_in_order(parent, element)

    def renamed(self, guid: str | None) -> str | None:
        ref = self.kept.refs.get(normal_guid(guid) or "")
        return self.new_guid(ref[0], *ref[1:]) if ref else None

    def element(self, item: KeptElement) -> ET.Element:
        element = _plain(ET.fromstring(item.xml))
        _unindented(element)
        for node in element.iter():
            for name in [n for n in node.attrib if n.startswith("{") and not n.startswith(XSI)]:
                del node.attrib[name]  # a vendor's: the schema has no place for it (the import named it)
            for name, value in node.attrib.items():
                if name != "guid" and _GUID.fullmatch(value.strip()) and (new := self.renamed(value)):
                    node.set(name, new)
        written = set()
        for path, sha in zip(item.paths, item.files):
            data = kept_file(self.session, sha)
            if data is not None:
                self.files["Sources/" + path[len(INTERNAL):]] = data
                written.add(path)
        for node in element.iter():  # a file inside the archive that was not kept is not named
            for name in FILE_ATTRIBUTES:
                if (node.get(name) or "").strip().startswith(INTERNAL) and node.get(name).strip() not in written:
                    del node.attrib[name]
        return element

    def restore(self, root: ET.Element) -> None:
        by_guid = {normal_guid(e.get("guid")): e for e in root.iter() if e.get("guid")}
        shells = {item.anchor: item for item in self.kept.elements if item.kind == SHELL}
        project = next((item for item in self.kept.elements if item.kind == PROJECT), None)
        if project is not None:  # the first project imported names the study's
            self.fill(root, project)
        for item in self.kept.elements:
            if item.kind in (SHELL, PROJECT) or item.kind == ATTRIBUTES and item.parent == "User":
                continue
            if item.kind == ATTRIBUTES:
                self.fill_attributes(by_guid, item)
                continue
            if item.kind == CODING_NOTES:
                self.put_coding_notes(by_guid, item)
                continue
            if item.anchor is None:
                self.place_in_project(root, item)
                continue
            target = by_guid.get(normal_guid(self.renamed(item.anchor)))
            if target is not None and _local(target.tag) == "TextSource" and item.parent in (
                    "PDFSource", "AudioSource", "VideoSource") and item.anchor in shells:
                target = self.wrap(root, target, shells[item.anchor], by_guid)
            if target is None or _local(target.tag) != item.parent:
                self.not_written.append(f"a kept <{_local(ET.fromstring(item.xml).tag)}> in a <{item.parent}> the "
                                        "export does not hold (removed or renamed since the import)")
                continue
            element = self.element(item)
            if item.parent == "Note" and item.words and not self.placed_in_note(target, element, item.words):
                continue
            self.put(target, element)
        for anchor, shell in shells.items():  # a text's own attributes, or the PDF or recording it came from
            target = by_guid.get(normal_guid(self.renamed(anchor)))
            if target is None or _local(target.tag) != "TextSource":
                continue
            if _local(ET.fromstring(shell.xml).tag) == "TextSource":
                self.fill(target, shell)
            else:
                self.wrap(root, target, shell, by_guid)
        self.unfold_notes(root)

    def placed_in_note(self, note: ET.Element, passage: ET.Element, words: str) -> bool:
        """Moves a note's coded passage onto its words in the note as the export writes it (the
        memo it became may be edited, or joined with another note's text); False, and named in
        ``not_written``, when the note no longer holds them."""
        place = relocated(self.note_text(note, strip=False), words, int(passage.get("startPosition")),
                          int(passage.get("endPosition")))
        if place is None:
            excerpt = " ".join(words.split())
            self.not_written.append(f"a coded passage of note {note.get('name') or note.get('guid')!r}: its words "
                                    f"({excerpt[:40] + ('…' if len(excerpt) > 40 else '')!r}) are no longer in the "
                                    "note (its memo was edited in the study)")
            return False
        passage.set("startPosition", str(place[0]))
        passage.set("endPosition", str(place[1]))
        return True

    def put_coding_notes(self, by_guid: dict[str | None, ET.Element], item: KeptElement) -> None:
        """The note references a selection's coding held, onto the coding of that code the export
        wrote at the selection's place (a selection per rater: any of them at that place)."""
        target = by_guid.get(normal_guid(self.renamed(item.anchor)))
        kept_coding = self.element(item)
        code = kept_coding.find("CodeRef").get("targetGUID") if kept_coding.find("CodeRef") is not None else None
        places = [] if target is None else [s for s in by_guid.values() if _local(s.tag) == "PlainTextSelection" and (
            s.get("startPosition"), s.get("endPosition")) == (target.get("startPosition"), target.get("endPosition"))]
        coding = next((c for s in places for c in s if _local(c.tag) == "Coding" and any(
            r.get("targetGUID") == code for r in c if _local(r.tag) == "CodeRef")), None)
        if coding is None:
            self.not_written.append("a kept note reference on a coding the export does not hold (removed or "
                                    "recoded since the import)")
            return
        for ref in (r for r in kept_coding if _local(r.tag) == "NoteRef"):
            self.put(coding, ref, append=True)

    def unfold_notes(self, root: ET.Element) -> None:
        """A selection's Description without the texts of the notes put back on it (an annotation
        linked to it, a note it or its coding refers to), which an import folded into its coding's
        memo: each text goes out where it came from, once (a selection left with no memo has no
        Description). A note whose text the memo no longer holds (edited or cleared in the study)
        is not put back there: the memo as it is now goes out, and the note is named in ``not_written``."""
        notes = {normal_guid(n.get("guid")): self.note_text(n) for n in root.iter("Note")}
        selections = {normal_guid(s.get("guid")): s for s in root.iter()
                      if s.tag in ("PlainTextSelection", "TranscriptSelection") and s.get("guid")}
        on: dict[str, list[str]] = {}
        for selection_guid, selection in selections.items():
            on[selection_guid] = [normal_guid(r.get("targetGUID")) for r in selection.iter("NoteRef")]
        links: dict[tuple[str, str], list[ET.Element]] = {}  # (note, selection) -> the links joining them
        for link in root.iter("Link"):
            ends = [normal_guid(link.get("originGUID")), normal_guid(link.get("targetGUID"))]
            for one, other in (ends, ends[::-1]):
                if one in notes and other in selections:
                    on[other].append(one)
                    links.setdefault((one, other), []).append(link)
        edited: set[str] = set()  # notes taken off a selection whose memo no longer holds their text
        for selection_guid, note_guids in on.items():
            selection = selections[selection_guid]
            description = selection.find("Description")
            text = description.text or "" if description is not None else ""
            gone = {note for note in note_guids if notes.get(note) and not holds_paragraphs(text, notes[note])}
            if gone:
                edited |= gone
                _drop_note_refs(root, selection, gone, [link for note in gone
                                                        for link in links.get((note, selection_guid), [])])
            if description is None or not note_guids:
                continue
            memo = _paragraphs(text)
            for note in set(note_guids) - gone:
                if notes.get(note):
                    text = without_paragraphs(text, notes[note])
            text = _paragraphs(text)
            order = [notes[n] for n in _read_order(selection, links, selection_guid) if n not in gone and notes.get(n)]
            if joined_paragraphs([text, *order]) != memo:
                # a note stands before the memo's own words (a paragraph added after an annotation):
                # an import reads the Description first, so it keeps the whole memo, notes included
                text = memo
            if text:
                description.text = text
            else:
                selection.remove(description)
        self.drop_unreferenced(root, edited)

    def drop_unreferenced(self, root: ET.Element, notes: set[str]) -> None:
        """Of ``notes``, those nothing refers to any more out of the export (and their files), each
        named in ``not_written``."""
        referred = {normal_guid(value) for e in root.iter() if e.tag != "Note"
                    for name, value in e.attrib.items() if name.endswith("GUID")}
        container = root.find("Notes")
        for note in [n for n in (container if container is not None else ())
                     if normal_guid(n.get("guid")) in notes - referred]:
            container.remove(note)
            path = (note.get("plainTextPath") or "").strip()
            self.files.pop("Sources/" + path[len(INTERNAL):], None)
            self.not_written.append(f"note {note.get('name') or note.get('guid')!r}: the memo it was part of was "
                                    "edited in the study and no longer holds its text; the memo goes out as it is now")
        for name in ("Notes", "Links"):
            found = root.find(name)
            if found is not None and len(found) == 0:
                root.remove(found)

    def note_text(self, note: ET.Element, strip: bool = True) -> str:
        """A note's text as this export writes it: its content, else the file put back with it."""
        content = note.find("PlainTextContent")
        if content is not None:
            text = content.text or ""
        else:
            path = (note.get("plainTextPath") or "").strip()
            name = path[len(INTERNAL):] if path.startswith(INTERNAL) else None
            data = self.files.get("Sources/" + name, self.texts.get(SOURCES_FOLDER + name)) if name else None
            text = data.decode("utf-8-sig", "replace") if isinstance(data, bytes) else data or ""
        return text.strip() if strip else text

    def fill(self, target: ET.Element, item: KeptElement) -> None:
        """The kept element's attributes the export did not write (a creator, dates, a rich-text
        version, a schema location; a project's, quotation's or note's own name)."""
        own_name = _local(target.tag) in ("Project", *NAMED_AS_KEPT)
        for name, value in self.element(item).attrib.items():
            if name not in ("guid", "origin", "plainTextPath") and ("}" not in name or name.startswith(XSI)) and (
                    name in ("name", "creationDateTime") and own_name or name not in target.attrib):
                target.set(name, value)

    def fill_attributes(self, by_guid: dict[str | None, ET.Element], item: KeptElement) -> None:
        """An element's kept attributes onto the element the export wrote for it; named in
        ``not_written`` when the export holds none (a user's are skipped then: a user with no work
        in the study is not written at all)."""
        target = by_guid.get(normal_guid(self.renamed(item.anchor)))
        if target is not None and _local(target.tag) == item.parent:
            self.fill(target, item)
        elif item.parent != "User":
            names = ", ".join(k.rsplit("}", 1)[-1] for k in ET.fromstring(item.xml).attrib if k != "guid")
            self.unplaced[(item.parent, names)] += 1

    def fill_users(self, root: ET.Element) -> None:
        """The users' kept attributes (an id), once the export's users are all written; then what
        found no element is named in ``not_written``, counted by kind."""
        by_guid = {normal_guid(u.get("guid")): u for u in root.iter("User")}
        for item in self.kept.elements:
            if item.kind == ATTRIBUTES and item.parent == "User":
                self.fill_attributes(by_guid, item)
        self.not_written += [f"the {names} of {n} <{parent}>(s) the export does not hold (a memo or coding removed "
                             "since the import, or a note that became a memo)"
                             for (parent, names), n in sorted(self.unplaced.items())]
        self.unplaced.clear()

    def place_in_project(self, root: ET.Element, item: KeptElement) -> None:
        element = self.element(item)
        if item.parent == "Project":
            self.put(root, element)
            return
        container = next((c for c in root if _local(c.tag) == item.parent), None)
        if container is None:
            container = ET.Element(item.parent)
            insert_in_order(root, container)
        self.put(container, element, append=True)

    def wrap(self, root: ET.Element, text: ET.Element, shell: KeptElement, by_guid: dict) -> ET.Element:
        """The TextSource of a text that came from a PDF or recording, written inside it again."""
        outer = self.element(shell)
        outer.set("guid", text.get("guid"))
        outer.set("name", text.get("name"))
        sources = next(c for c in root if _local(c.tag) == "Sources")
        sources.insert(list(sources).index(text), outer)
        sources.remove(text)
        template = next((c for c in outer if _local(c.tag) in ("Representation", "Transcript")), None)
        if template is not None:
            outer.remove(template)
        description = text.find("Description")
        if description is not None:  # the memo of the whole, its author the recording's or PDF's creator
            text.remove(description)
            outer.append(description)
            for name in ("creatingUser", "modifiedDateTime"):
                if text.get(name):
                    outer.set(name, text.get(name))
        if _local(outer.tag) == "PDFSource":
            text.tag = "Representation"
            text.set("guid", stable_guid("representation", text.get("guid")))
            for name, value in (template.attrib.items() if template is not None else ()):
                if name not in ("guid", "plainTextPath", "richTextPath"):
                    text.set(name, value)
            insert_in_order(outer, text)
        else:
            for part in _transcript_parts(text, template):
                insert_in_order(outer, part)
        by_guid[normal_guid(outer.get("guid"))] = outer
        return outer


def _paragraphs(text: str) -> str:
    """The text's paragraphs, each stripped, one blank line between them."""
    return "\n\n".join(part.strip() for part in text.split("\n\n") if part.strip())


def _read_order(selection: ET.Element, links: dict[tuple[str, str], list[ET.Element]], guid: str) -> list[str]:
    """The notes on a selection in the order an import joins them after its Description: those it
    refers to, those linked to it, those its codings refer to."""
    def refs(parent: ET.Element) -> list[str]:
        return [normal_guid(r.get("targetGUID")) for r in parent if r.tag == "NoteRef"]

    linked = [note for note, selection_guid in links if selection_guid == guid]
    return list(dict.fromkeys(refs(selection) + linked + [n for c in selection if c.tag == "Coding" for n in refs(c)]))


def _drop_note_refs(root: ET.Element, selection: ET.Element, notes: set[str], links: list[ET.Element]) -> None:
    """The selection (and its codings) without references to ``notes``, and the project without ``links``."""
    for parent in list(selection.iter()):
        for ref in [r for r in parent if r.tag == "NoteRef" and normal_guid(r.get("targetGUID")) in notes]:
            parent.remove(ref)
    container = root.find("Links")
    for link in links:
        if container is not None and link in list(container):
            container.remove(link)


def _transcript_parts(text: ET.Element, template: ET.Element | None) -> list[ET.Element]:
    """A TextSource as a recording's Transcript (its selections placed by sync points at their
    start and end, as QualCoder writes them), and the codings of the whole and the variables,
    which belong on the recording itself."""
    transcript = ET.Element("Transcript", {k: v for k, v in text.attrib.items() if k != "richTextPath"})
    transcript.set("guid", stable_guid("transcript", text.get("guid")))
    for name, value in (template.attrib.items() if template is not None else ()):
        if name not in ("guid", "plainTextPath", "richTextPath"):
            transcript.set(name, value)
    times = {p.get("position"): p.get("timeStamp") for p in (template if template is not None else ())
             if p.get("timeStamp") is not None}
    points: dict[int, str] = {}
    selections, outside = [], []
    for child in list(text):
        name = _local(child.tag)
        if name == "PlainTextSelection":
            ends = []
            for attribute in ("startPosition", "endPosition"):
                position = int(child.get(attribute))
                if position not in points:
                    points[position] = stable_guid("sync-point", transcript.get("guid"), str(position))
                ends.append(points[position])
            selection = ET.Element("TranscriptSelection", {k: v for k, v in child.attrib.items()
                                                           if k not in ("startPosition", "endPosition")})
            selection.set("fromSyncPoint", ends[0])
            selection.set("toSyncPoint", ends[1])
            selection.extend(list(child))
            selections.append(selection)
        elif name in ("Coding", "VariableValue"):
            outside.append(child)
        else:
            transcript.append(child)
    for position in (int(p) for p in times if p and p.lstrip("-").isdigit()):
        points.setdefault(position, stable_guid("sync-point", transcript.get("guid"), str(position)))
    for position, guid in sorted(points.items()):
        point = ET.Element("SyncPoint", guid=guid, position=str(position))
        if times.get(str(position)) is not None:
            point.set("timeStamp", times[str(position)])
        insert_in_order(transcript, point)
    for selection in selections:
        insert_in_order(transcript, selection)
    return [transcript, *outside]

