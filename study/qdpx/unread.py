"""What of a QDA-XML project the reader does not read, counted so that an import can say so.

Tools write far more than a study holds (graphs, picture and time-range selections, notes in
sets) and each new version may add elements no one has named yet. Rather than list what is
dropped, ``READ`` lists what the reader reads: every element outside it that carries something
(text, attributes or children) is counted where it stands, by name, and reported as not
imported. So no part of a file is lost without the import saying so.
"""
from __future__ import annotations

from collections import Counter
from xml.etree import ElementTree as ET

from .model import normal_guid

_TEXT = {"Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"}
_VALUES = {"VariableRef", "TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"}

# parent element -> the children the reader reads (by local name)
READ: dict[str, set[str]] = {
    "Project": {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Description", "Sets",
                "Graphs"},  # a NoteRef on the project is kept as written (its note is a project memo)
    "Sets": {"Set"},
    "Set": {"Description", "MemberCode", "MemberSource"},  # a note member is counted
    "Graphs": set(),  # each Graph is counted
    "Users": {"User"},
    "CodeBook": {"Codes", "Sets"},  # a .qdc holds its Sets too
    "Codes": {"Code"},
    "Code": {"Description", "Code", "NoteRef"},
    "Variables": {"Variable"},
    "Variable": set(),
    "Cases": {"Case"},
    "Case": {"VariableValue", "SourceRef", "Description"},
    "VariableValue": _VALUES,
    "Sources": {"TextSource", "PDFSource", "AudioSource", "VideoSource"},
    "TextSource": _TEXT,
    "Representation": _TEXT,
    "PDFSource": {"Description", "Representation", "Coding", "NoteRef", "VariableValue"},
    "AudioSource": {"Description", "Transcript", "Coding", "NoteRef", "VariableValue"},
    "VideoSource": {"Description", "Transcript", "Coding", "NoteRef", "VariableValue"},
    "Transcript": {"Description", "PlainTextContent", "SyncPoint", "TranscriptSelection", "NoteRef"},
    "TranscriptSelection": {"Description", "Coding", "NoteRef"},
    "PlainTextSelection": {"Description", "Coding", "NoteRef"},
    "Coding": {"CodeRef", "NoteRef"},
    "Notes": {"Note"},
    "Note": {"PlainTextContent", "PlainTextSelection"},
    "Links": {"Link"},
}

# what a person calls the parts most often left out
_SAID = {
    "Set/MemberNote": "note member(s) of sets",
    "Graphs/Graph": "graph(s) (code maps)",
    "Sources/PictureSource": "picture source(s)",
    "PDFSource/PDFSelection": "PDF region selection(s) (areas of a page, not text)",
    "AudioSource/AudioSelection": "audio selection(s) (time ranges, not transcript text)",
    "VideoSource/VideoSelection": "video selection(s) (time ranges, not transcript text)",
    "Case/CodeRef": "case code reference(s)",
    "Case/SelectionRef": "case selection reference(s)",
    "Sources/PDFSource": "PDF source(s) without a plain-text representation",
    "Sources/AudioSource": "audio source(s) without a transcript",
    "Sources/VideoSource": "video source(s) without a transcript",
    "Link/NoteRef": "note(s) on relations",
    "Project/NoteRef": "note(s) on the project",
    "Variable/Description": "variable description(s)",
    "Note/Description": "note description(s)",
}


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def unread_elements(root: ET.Element) -> list[tuple[str | None, str, ET.Element]]:
    """(GUID of the element it lies in, None for the project; that element's name; the element)
    for each element outside ``READ`` that carries something (what lies inside one is part of
    it). A PDF or recording with no text to read is one such element, whole."""
    found = []
    stack: list[tuple[ET.Element, str | None]] = [(root, None)]
    while stack:  # no recursion: any depth of nesting is walked
        parent, anchor = stack.pop()
        reads = READ.get(local(parent.tag), set())
        for element in parent:
            if not isinstance(element.tag, str):  # a comment or processing instruction
                continue
            if local(element.tag) in reads and not _textless(parent, element):
                stack.append((element, normal_guid(element.get("guid")) or anchor))
            elif _carries_something(element):
                found.append((anchor, local(parent.tag), element))
    return list(reversed(found))


def unread(root: ET.Element, keeps=lambda parent, name: False) -> tuple[Counter, Counter]:
    """({what: count} not imported, {what: count} kept as written for export): ``keeps(parent, name)``
    says which are kept."""
    lost, kept = Counter(), Counter()
    for _, parent, element in unread_elements(root):
        name = local(element.tag)
        (kept if keeps(parent, name) else lost)[_said(parent, name)] += 1
    return lost, kept


def unread_lines(root: ET.Element, keeps=lambda parent, name: False) -> list[str]:
    """One line per kind of element not imported: "2 set(s) (groups of codes or sources) not imported",
    and one for the attributes of other namespaces than QDA-XML's (a vendor's own)."""
    lines = [f"{n} {what} not imported" for what, n in sorted(unread(root, keeps)[0].items())]
    foreign = vendor_attributes(root)
    if foreign:
        lines.append(f"{sum(foreign.values())} attribute(s) of another namespace than QDA-XML's not imported: "
                     + ", ".join(f"{what} ({n})" for what, n in sorted(foreign.items())))
    return lines


_KNOWN_NAMESPACES = ("{http://www.w3.org/2001/XMLSchema-instance}", "{http://www.w3.org/XML/1998/namespace}")


def vendor_attributes(root: ET.Element) -> Counter:
    """{"aggregate on <Code>": count} of the attributes in a vendor's namespace on QDA-XML's
    elements (what a vendor's elements hold is part of them, named with them)."""
    found: Counter = Counter()
    qda = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    for element in root.iter():
        if not isinstance(element.tag, str) or not (element.tag.startswith(qda) if qda else "}" not in element.tag):
            continue
        for name in element.attrib:
            if name.startswith("{") and not name.startswith(_KNOWN_NAMESPACES):
                found[f"{local(name)} on <{local(element.tag)}>"] += 1
    return found


def kept_lines(root: ET.Element, keeps) -> list[str]:
    """One line per kind of element kept as written for export: "1 graph(s) (code maps) kept as
    written for export (a study does not show them)"."""
    return [f"{n} {what} kept as written for export (a study does not show them)"
            for what, n in sorted(unread(root, keeps)[1].items())]


def _textless(parent: ET.Element, element: ET.Element) -> bool:
    """A PDF without its plain text, or a recording without a transcript."""
    if local(parent.tag) != "Sources" or local(element.tag) not in ("PDFSource", "AudioSource", "VideoSource"):
        return False
    return not any(local(c.tag) in ("Representation", "Transcript") for c in element if isinstance(c.tag, str))


def _said(parent: str, name: str) -> str:
    return _SAID.get(f"{parent}/{name}") or f"<{name}> element(s) in <{parent}>"


def _carries_something(element: ET.Element) -> bool:
    """False for an empty placeholder (``<Description />``, ``<Sets/>``), which holds nothing to lose."""
    if len(element) or (element.text or "").strip():
        return True
    return bool(element.attrib) and local(element.tag) != "Description"
