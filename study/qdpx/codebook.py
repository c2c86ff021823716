"""Codebooks both ways: the study's code tree as QDA-XML Codes, and back.

A study's themes are non-codable Codes (``isCodable="false"``), its codes codable ones, each with
the codes below it nested inside (a codable parent stays codable: codings on it and below it both
travel). Another tool's top-level codable codes are the study's top-level codes (in no theme), and
go back out at the top level; so do the codes of the theme older imports put them in
(``UNGROUPED_THEME``, no description), so a round trip adds no parent. A
Description holds the definition, then "When to use:", "When not to use:", "Example:" and
"Keywords:" lines (a theme's: its description and "Exclusive: yes"), which an import reads back.

Names are written as they are: NVivo, MAXQDA and ATLAS.ti keep a name used in two branches.
QualCoder keeps one code per name (a second "programming" gets the first one's codings), so an
export for it may ask for ``unique_names``: a name used twice is then written "programming (Work)",
its parent added.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Sequence
from xml.etree import ElementTree as ET

from .. import codebook as cb
from ..store import Code, Theme
from .model import UNGROUPED_THEME, QdaCode, stable_guid, xml_text

_CODE_FIELDS = {"when_to_use": "When to use", "when_not_to_use": "When not to use", "example": "Example",
                "keywords": "Keywords"}
_THEME_FIELDS = {"exclusive": "Exclusive"}
_KEYWORD_SEPARATOR = "; "
_RGB = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")


# ---------------------------------------------------------------- export


class CodeElements:
    """The study's themes and codes as nested QDA-XML Code elements."""

    def __init__(self, themes: Sequence[Theme], keep: set[int], unique_names: bool = False,
                 top_codes: Sequence[Code] = (), theme_colours: dict[str, str] | None = None):
        self.themes = list(themes)
        self.theme_colours = theme_colours or {}  # ``theme_key`` -> the colour a file gave the theme
        self.top_codes = list(top_codes)  # the codes in no theme
        self.keep = keep  # ids of retired codes still exported (they have codings)
        self.count = 0
        themes_all = [t for top in self.themes for t in _themes_in(top)]
        codes = [c for top in self.top_codes for c in self._codes_below(top)]
        codes += [c for t in themes_all for top in t.codes for c in self._codes_below(top)]
        uses = Counter(c.name.casefold() for c in codes)
        self.repeated = sorted({c.name for c in codes if uses[c.name.casefold()] > 1})  # names in two branches
        self.refs = {c.ref for c in codes}
        self.ref_of = {c.id: c.ref for c in codes}  # code id -> reference, for what keeps codes by id
        self.notes: dict[str, list[str]] = defaultdict(list)  # code reference -> GUIDs of the notes on it
        self.code_name = {c.id: c.name for c in codes}
        self.theme_name = {t.id: t.name for t in themes_all}
        if unique_names:
            names = _unique_names([(c.name, _parent_name(c), " - ".join(c.path[:-1])) for c in codes])
            self.code_name = {c.id: name for c, name in zip(codes, names)}
            parent = {t.id: (t.parent.name if t.parent is not None else "") for t in themes_all}
            names = _unique_names([(t.name, parent[t.id], " - ".join(t.path[:-1])) for t in themes_all])
            self.theme_name = {t.id: name for t, name in zip(themes_all, names)}

    def _exported(self, code: Code) -> bool:
        return not code.retired or code.id in self.keep

    def _codes_below(self, code: Code) -> list[Code]:
        """``code`` and the codes below it that are exported (a retired code's branch goes with it,
        unless it has codings)."""
        if not self._exported(code):
            return []
        return [code] + [c for child in code.children for c in self._codes_below(child)]

    def elements(self) -> list[ET.Element]:
        result = [self.code(c) for c in self.top_codes if self._exported(c)]
        for theme in self.themes:
            if _is_ungrouped(theme):  # another tool's top-level codes, as older imports kept them
                result.extend(self.code(c) for c in theme.codes if self._exported(c))
            else:
                result.append(self.theme(theme))
        return result

    def theme(self, theme: Theme) -> ET.Element:
        element = ET.Element("Code", guid=stable_guid("theme", *theme.path), name=xml_text(self.theme_name[theme.id]),
                             isCodable="false")
        if colour := self.theme_colours.get(theme_key(theme.path)):
            element.set("color", colour)
        _description(element, _join_fields(theme.description, _THEME_FIELDS,
                                           {"exclusive": "yes" if theme.exclusive else ""}))
        element.extend(self.code(code) for code in theme.codes if self._exported(code))
        element.extend(self.theme(child) for child in theme.children)
        return element

    def code(self, code: Code) -> ET.Element:
        self.count += 1
        element = ET.Element("Code", guid=code_guid(code.ref), name=xml_text(self.code_name[code.id]), isCodable="true")
        if code.colour and _RGB.fullmatch(code.colour):
            element.set("color", code.colour)
        values = {"when_to_use": code.when_to_use, "when_not_to_use": code.when_not_to_use, "example": code.example,
                  "keywords": _KEYWORD_SEPARATOR.join(code.keywords or ())}
        _description(element, _join_fields(code.definition, _CODE_FIELDS, values))
        element.extend(ET.Element("NoteRef", targetGUID=guid) for guid in self.notes.get(code.ref, ()))
        element.extend(self.code(child) for child in code.children if self._exported(child))
        return element


def theme_key(path: Sequence[str]) -> str:
    """A theme's path as the colours a file gave themes are kept by (a study's themes have no
    colour of their own), letter case aside."""
    return cb.join_ref(tuple(" ".join(p.split()).casefold() for p in path))


def code_guid(ref: str) -> str:
    return stable_guid("code", ref)


def _is_ungrouped(theme: Theme) -> bool:
    """The theme an import made for another tool's top-level codes (plain, with no sub-theme)."""
    return (theme.name == UNGROUPED_THEME and not (theme.description or "").strip() and not theme.exclusive
            and not theme.children)


def _parent_name(code: Code) -> str:
    if code.parent is not None:
        return code.parent.name
    return code.theme.name if code.theme is not None else ""


def _themes_in(theme: Theme) -> list[Theme]:
    return [theme] + [t for c in theme.children for t in _themes_in(c)]


def _unique_names(items: list[tuple[str, str, str]]) -> list[str]:
    """Names unique ignoring case: (name, parent, full parent path) -> "name", else "name (parent)",
    else "name (full path)", else numbered."""
    counts = Counter(name.casefold() for name, _, _ in items)
    names = [name if counts[name.casefold()] == 1 else f"{name} ({parent})" for name, parent, _ in items]
    counts = Counter(n.casefold() for n in names)
    names = [n if counts[n.casefold()] == 1 else f"{item[0]} ({item[2]})" for n, item in zip(names, items)]
    taken: set[str] = set()
    return [_unique(n, taken) for n in names]


def _description(element: ET.Element, text: str) -> None:
    if text:
        ET.SubElement(element, "Description").text = xml_text(text)


def _join_fields(text: str, labels: dict[str, str], values: dict[str, str]) -> str:
    lines = "\n".join(f"{labels[key]}: {value}" for key, value in values.items() if value)
    return "\n\n".join(part for part in ((text or "").strip(), lines) if part)


# ---------------------------------------------------------------- import


def codebook_from(codes: Sequence[QdaCode], name: str = "Imported codebook", stored: cb.Codebook | None = None,
                  coded: frozenset[str] = frozenset()) -> ImportedCodebook:
    """The file's code tree as a Codebook: a non-codable code is a theme, a codable one a code with
    the codes below it (a codable parent stays one); top-level codable codes are top-level codes,
    in no theme. A codable code nobody coded (``coded``:
    GUIDs the file's codings name) where the ``stored`` codebook has a theme of that path is that
    theme: a tool without uncodable groupings (NVivo) sends the study's themes back so. Names are
    kept as written; only two codes of one parent that share a name are told apart, numbered, and
    reported."""
    reader = _Reader(_theme_paths(stored.themes if stored else ()), coded)
    themes: list[cb.Theme] = []
    top: list[cb.Code] = []
    taken: set[str] = set()  # top-level codes and top themes share one set of names
    for code in codes:
        if code.codable and not reader.is_theme(code, ()):
            top.append(reader.code(code, (), taken))
        else:
            themes.append(reader.theme(code, (), taken))
    return ImportedCodebook(cb.Codebook(name, "", tuple(themes), tuple(top)), reader.refs, tuple(reader.notes),
                            reader.theme_colours)


@dataclass(frozen=True)
class ImportedCodebook:
    book: cb.Codebook
    refs: dict[str, str]  # code GUID -> the stored code's reference
    notes: tuple[str, ...]  # what could not be kept as written
    theme_colours: dict[str, str] = field(default_factory=dict)  # ``theme_key`` -> colour (``kept.theme_colours``)


def _theme_paths(themes: Sequence[cb.Theme], parent: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The folded paths of the themes and sub-themes."""
    paths = set()
    for theme in themes:
        path = parent + (theme.name.casefold(),)
        paths |= {path} | _theme_paths(theme.themes, path)
    return paths


class _Reader:
    def __init__(self, theme_paths: set[tuple[str, ...]] = frozenset(), coded: frozenset[str] = frozenset()):
        self.refs: dict[str, str] = {}
        self.notes: list[str] = []
        self.theme_colours: dict[str, str] = {}  # ``theme_key`` -> the file's colour of that theme
        self.theme_paths, self.coded = theme_paths, coded

    def is_theme(self, code: QdaCode, parent: tuple[str, ...]) -> bool:
        """Non-codable, or codable but uncoded where the study has a theme of that path."""
        if not code.codable:
            return True
        path = tuple(p.casefold() for p in parent) + (" ".join(code.name.split()).casefold(),)
        return code.guid not in self.coded and path in self.theme_paths

    def name(self, code: QdaCode, parent: tuple[str, ...], taken: set[str]) -> str:
        name = " ".join(code.name.split())
        unique = _unique(name, taken)
        if unique != name:
            self.notes.append(f"code {name!r} under {cb.join_ref(parent) or 'the top level'} is stored as "
                              f"{unique!r}: another code of that parent has its name")
        return unique

    def theme(self, code: QdaCode, parent: tuple[str, ...], taken: set[str]) -> cb.Theme:
        """A theme from a non-codable code; its codable children are its codes, the others sub-themes."""
        name = self.name(code, parent, taken)
        path = parent + (name,)
        if code.colour:
            self.theme_colours[theme_key(path)] = code.colour
        description, fields = _split_fields(code.description, _THEME_FIELDS)
        inside: set[str] = set()  # a theme's codes and sub-themes share one set of names
        codes = self.codes([c for c in code.children if not self.is_theme(c, path)], path, inside)
        themes = tuple(self.theme(c, path, inside) for c in code.children if self.is_theme(c, path))
        return cb.Theme(name=name, description=description,
                        exclusive=fields.get("exclusive", "").strip().lower() == "yes", codes=codes, themes=themes)

    def codes(self, codes: Sequence[QdaCode], parent: tuple[str, ...], taken: set[str] | None = None
              ) -> tuple[cb.Code, ...]:
        taken = set() if taken is None else taken
        return tuple(self.code(c, parent, taken) for c in codes)

    def code(self, code: QdaCode, parent: tuple[str, ...], taken: set[str]) -> cb.Code:
        if not code.codable:  # below a code there are only codes
            self.notes.append(f"code {code.name!r} under {cb.join_ref(parent)} is not codable in the file; a study "
                              "keeps groupings (themes) above codes only, so it is stored as a code")
        name = self.name(code, parent, taken)
        path = parent + (name,)
        definition, fields = _split_fields(code.description, _CODE_FIELDS)
        keywords = tuple(k.strip() for k in fields.get("keywords", "").split(_KEYWORD_SEPARATOR.strip()) if k.strip())
        self.refs[code.guid] = cb.join_ref(path)
        return cb.Code(name=name, path=path, definition=definition, when_to_use=fields.get("when_to_use", ""),
                       when_not_to_use=fields.get("when_not_to_use", ""), example=fields.get("example", ""),
                       keywords=keywords, colour=code.colour, codes=self.codes(code.children, path))


def _unique(name: str, taken: set[str]) -> str:
    """``name``, numbered "(2)", "(3)", ... when taken (ignoring case); records it as taken."""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate.casefold())
    return candidate


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


def merged(stored: cb.Codebook, imported: cb.Codebook) -> cb.Codebook:
    """The stored codebook with the imported themes and codes it lacks appended (matched by name, ignoring case)."""
    return replace(stored, themes=_merged_themes(stored.themes, imported.themes),
                   top_codes=_merged_codes(stored.top_codes, imported.top_codes))


def _merged_themes(stored: Sequence[cb.Theme], imported: Sequence[cb.Theme]) -> tuple[cb.Theme, ...]:
    result = list(stored)
    at = {t.name.casefold(): i for i, t in reversed(list(enumerate(result)))}  # the first of a name, found in O(1)
    for theme in imported:
        index = at.get(theme.name.casefold())
        if index is None:
            at[theme.name.casefold()] = len(result)
            result.append(theme)
            continue
        old = result[index]
        result[index] = replace(old, codes=_merged_codes(old.codes, theme.codes),
                                themes=_merged_themes(old.themes, theme.themes))
    return tuple(result)


def _merged_codes(stored: Sequence[cb.Code], imported: Sequence[cb.Code]) -> tuple[cb.Code, ...]:
    """The stored codes (definitions kept), the codes below each merged the same way, then the
    imported codes they lack."""
    result = list(stored)
    at = {c.name.casefold(): i for i, c in reversed(list(enumerate(result)))}
    for code in imported:
        index = at.get(code.name.casefold())
        if index is None:
            at[code.name.casefold()] = len(result)
            result.append(code)
        else:
            result[index] = replace(result[index], codes=_merged_codes(result[index].codes, code.codes))
    return tuple(result)
