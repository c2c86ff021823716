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

_TEXT = {"Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"}
_VALUES = {"VariableRef", "TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"}

# parent element -> the children the reader reads (by local name)
READ: dict[str, set[str]] = {
    "Project": {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Description", "NoteRef",
                "Sets", "Graphs"},
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
    "Variable/Description": "variable description(s)",
    "Note/Description": "note description(s)",
}


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def unread(root: ET.Element) -> Counter:
    """{what: count} of the elements outside ``READ`` that carry something, counted where they stand
    (what lies inside one is part of it)."""
    found: Counter = Counter()
    stack = [root]
    while stack:  # no recursion: any depth of nesting is walked
        parent = stack.pop()
        reads = READ.get(local(parent.tag), set())
        for element in parent:
            if not isinstance(element.tag, str):  # a comment or processing instruction
                continue
            if local(element.tag) in reads:
                stack.append(element)
            elif _carries_something(element):
                found[_said(local(parent.tag), local(element.tag))] += 1
    return found


def unread_lines(root: ET.Element) -> list[str]:
    """One line per kind of element not imported: "2 set(s) (groups of codes or sources) not imported"."""
    return [f"{n} {what} not imported" for what, n in sorted(unread(root).items())]


def _said(parent: str, name: str) -> str:
    return _SAID.get(f"{parent}/{name}") or f"<{name}> element(s) in <{parent}>"


def _carries_something(element: ET.Element) -> bool:
    """False for an empty placeholder (``<Description />``, ``<Sets/>``), which holds nothing to lose."""
    if len(element) or (element.text or "").strip():
        return True
    return bool(element.attrib) and local(element.tag) != "Description"
