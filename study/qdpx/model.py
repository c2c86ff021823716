"""What a REFI-QDA project holds, read into plain values, and the names both directions share.

The reader (``archive``) turns a ``.qdpx`` or ``.qdc`` into these values; the import writer
(``importer``) stores them; the exporter writes the same shapes back. Positions stay as the
file wrote them (``positions`` decides how to read them).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..participants import ParticipantRow
from ..transcripts import DEFAULT_MAX_BYTES

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_FILE = "project.qde"
SOURCES_FOLDER = "sources/"  # lower case, as MAXQDA and ATLAS.ti write it (ATLAS.ti reads no other); read either way
INTERNAL = "internal://"
UNGROUPED_THEME = "Codes"  # the theme older imports put top-level codes in (now they stay at the top level)
INTERVIEW_DATE = "Interview date"  # the source variable of a date neither a transcript's name nor header gives
PROJECT_DESCRIPTION = "Project description"  # the project memo a file's own Description becomes
CASE_MEMO = "Case memo: "  # the project memo a case's Description becomes, the participant named after it
UNKNOWN_USER = "imported"  # rater of codings whose file names no user
MAX_SOURCE_BYTES = DEFAULT_MAX_BYTES

_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:study:qdpx")


def schema_path() -> Path:
    """The QDA-XML Project schema (XSD) that exports follow."""
    return Path(str(resources.files("study") / "data" / "Project.xsd"))


def stable_guid(kind: str, *key: str) -> str:
    """A GUID derived from a stable key, so the same study exports to the same bytes."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join((kind, *key))))


def case_memo_label(name: str) -> str | None:
    """The participant a project memo of this name is the case memo of (``CASE_MEMO``), or None."""
    return name[len(CASE_MEMO):] if name.startswith(CASE_MEMO) else None


def normal_guid(value: str | None) -> str | None:
    """A GUID as compared on import: no braces, lower case (tools differ in both)."""
    return value.strip().strip("{}").lower() if value and value.strip() else None


MAX_CODE_NAME = 200  # the longest code or theme name a study stores (themes.name, codes.name)
MAX_CODE_DEPTH = 100  # codes nested deeper are refused when read: no tool writes them, and every walk recurses


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (they would make the file unreadable)."""
    return _XML_INVALID.sub("", text)


@dataclass(frozen=True)
class QdaCode:
    guid: str
    name: str
    description: str
    colour: str | None
    codable: bool
    children: tuple[QdaCode, ...]
    notes: tuple[str, ...] = ()  # GUIDs of the notes on the code (its memo, as NVivo and ATLAS.ti link it)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class QdaCoding:
    code: str  # GUID of the code
    user: str | None
    notes: tuple[str, ...]
    created: str | None = None


@dataclass(frozen=True)
class QdaSelection:
    guid: str
    start: int
    end: int
    user: str | None
    codings: tuple[QdaCoding, ...]
    notes: tuple[str, ...]
    description: str = ""  # a coding memo (QualCoder and MAXQDA write it here)
    created: str | None = None
    xml: str = ""  # the element as written: kept when the study cannot hold it (a point; a repeat of another)


@dataclass(frozen=True)
class QdaSource:
    guid: str
    name: str
    text: str | None  # as the file holds it (line ends untouched), None when it cannot be read
    problem: str | None  # why the text cannot be imported
    selections: tuple[QdaSelection, ...]
    codings: tuple[QdaCoding, ...]  # on the whole source
    notes: tuple[str, ...]
    variables: tuple[tuple[str, str], ...] = ()  # (variable GUID, value) written on the source itself
    description: str = ""  # the source's memo (QualCoder, NVivo and MAXQDA keep a document memo here)
    user: str | None = None  # who created the source: the author of its memo
    modified: str | None = None

    def all_codings(self):
        yield from self.codings
        for selection in self.selections:
            yield from selection.codings


@dataclass(frozen=True)
class QdaNote:
    guid: str
    text: str
    user: str | None
    selection: tuple[int, int] | None = None  # where in the source the note is anchored (an annotation)
    created: str | None = None
    name: str = ""


@dataclass(frozen=True)
class QdaSet:
    """A Set: a named group of codes, sources and notes (by GUID)."""

    guid: str
    name: str
    description: str
    codes: tuple[str, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class QdaLink:
    """A Link joining no note: a relation between two codes or sources (by GUID)."""

    guid: str
    name: str
    direction: str
    colour: str | None
    origin: str
    target: str
    xml: str = ""  # as written, kept when an end is not a code or text (a selection, a case, a picture)


@dataclass(frozen=True)
class QdaProject:
    origin: str  # the writing tool, e.g. "NVivo for Windows 12.6"
    creator: str | None
    users: dict[str, str]  # guid -> name
    codes: tuple[QdaCode, ...]
    sources: tuple[QdaSource, ...]
    notes: dict[str, QdaNote]
    cases: tuple[ParticipantRow, ...]
    case_of_source: dict[str, str]  # source guid -> participant label
    source_variables: dict[str, dict[str, str]]  # source guid -> {variable: value} (transcript metadata)
    linked_notes: dict[str, tuple[str, ...]]  # selection guid -> note guids joined by Links
    skipped: tuple[str, ...] = field(default=())
    case_guids: frozenset[str] = frozenset()  # codings naming one assign text to a case (reported, not imported)
    description: str = ""  # the project's own Description (QualCoder's project memo)
    case_memos: dict[str, str] = field(default_factory=dict)  # participant -> the case's Description
    sets: tuple[QdaSet, ...] = ()
    relations: tuple[QdaLink, ...] = ()
    kept: tuple = ()  # kept.KeptElement: what the study has no place for, kept as written for export
    kept_files: dict[str, bytes] = field(default_factory=dict)  # SHA-256 -> the files kept elements name
    named: dict[str, tuple] = field(default_factory=dict)  # GUID -> (kind, name) of users, variables, cases, sets
    variable_types: dict[str, str] = field(default_factory=dict)  # variable -> typeOfVariable, as declared
    kept_lines: tuple[str, ...] = ()  # what was kept as written, one line per kind
    kept_sources: frozenset[str] = frozenset()  # GUIDs of sources kept whole (pictures, recordings without text)
