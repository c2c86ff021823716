"""Codebooks both ways: the study's themes and codes as QDA-XML Codes, and back.

Themes are non-codable parent Codes, codes their codable children. A Description holds the
definition, then "When to use:", "When not to use:", "Example:" and "Keywords:" lines (a theme's:
its description and "Exclusive: yes"), which an import reads back.

Code names must be unique across the whole tree for QualCoder (it keeps one code per name and
sends the codings of a second "Latency" to the first), so a name used twice is exported as
"Latency (Attributes)", its theme added; an import strips that suffix again when the bare name
is used elsewhere in the file.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Sequence
from xml.etree import ElementTree as ET

from .. import codebook as cb
from ..store import Code, Theme
from .model import NAME_SUFFIX as _SUFFIX
from .model import UNGROUPED_THEME, QdaCode, bare_name, stable_guid, xml_text

_CODE_FIELDS = {"when_to_use": "When to use", "when_not_to_use": "When not to use", "example": "Example",
                "keywords": "Keywords"}
_THEME_FIELDS = {"exclusive": "Exclusive"}
_KEYWORD_SEPARATOR = "; "
_RGB = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")


# ---------------------------------------------------------------- export


class CodeElements:
    """The study's themes as QDA-XML Code elements, with names unique across the tree."""

    def __init__(self, themes: Sequence[Theme], keep: set[int]):
        self.themes = list(themes)
        self.keep = keep  # ids of retired codes still exported (they have codings)
        self.count = 0
        codes = [c for t in self.themes for c in _codes_in(t) if not c.retired or c.id in keep]
        self.code_names = _unique_names([(c.name, c.theme.name, " - ".join(c.path[:-1])) for c in codes])
        self.code_name = {c.id: name for c, name in zip(codes, self.code_names)}
        themes_all = [t for top in self.themes for t in _themes_in(top)]
        parent = {t.id: (t.parent.name if t.parent is not None else "") for t in themes_all}
        names = _unique_names([(t.name, parent[t.id], " - ".join(t.path[:-1])) for t in themes_all])
        self.theme_name = {t.id: name for t, name in zip(themes_all, names)}

    def elements(self) -> list[ET.Element]:
        return [self.theme(t) for t in self.themes]

    def theme(self, theme: Theme) -> ET.Element:
        element = ET.Element("Code", guid=stable_guid("theme", *theme.path), name=xml_text(self.theme_name[theme.id]),
                             isCodable="false")
        _description(element, _join_fields(theme.description, _THEME_FIELDS,
                                           {"exclusive": "yes" if theme.exclusive else ""}))
        for code in theme.codes:
            if not code.retired or code.id in self.keep:
                element.append(self.code(code))
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
        return element


def code_guid(ref: str) -> str:
    return stable_guid("code", ref)


def _codes_in(theme: Theme) -> list[Code]:
    return list(theme.codes) + [c for t in theme.children for c in _codes_in(t)]


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


def codebook_from(codes: Sequence[QdaCode], coded: set[str], name: str = "Imported codebook"
                  ) -> tuple[cb.Codebook, dict[str, str]]:
    """The file's codes as a Codebook (parent codes become themes; top-level codes go in a theme
    of their own) and {code GUID: Theme/Code reference}."""
    refs: dict[str, str] = {}
    groups = [c for c in codes if _is_theme(c)]
    loose = [c for c in codes if not _is_theme(c)]
    if loose:
        groups.append(QdaCode("", UNGROUPED_THEME, "", None, False, tuple(loose)))
    used = Counter(bare_name(_clean_name(c.name)).casefold() for top in codes for c in top.walk())
    context = _Context(coded, refs, used)
    themes = tuple(context.theme(code, (), set(), set()) for code in groups)
    return cb.Codebook(name, "", themes), refs


def _is_theme(code: QdaCode) -> bool:
    return bool(code.children) or not code.codable


class _Context:
    def __init__(self, coded: set[str], refs: dict[str, str], used: Counter):
        self.coded, self.refs, self.used = coded, refs, used

    def name(self, code: QdaCode, parent: str) -> str:
        """The code's name, without the " (Parent)" an export added to make it unique."""
        name = _clean_name(code.name)
        match = _SUFFIX.fullmatch(name)
        if match and self.used[match[1].casefold()] > 1 and (
                match[2].casefold() == parent.casefold() or " - " in match[2]):
            return match[1]
        return name

    def theme(self, code: QdaCode, parent: tuple[str, ...], siblings: set[str], code_names: set[str]) -> cb.Theme:
        """A theme from a parent code; ``code_names`` are those taken in its top-level theme."""
        name = _unique(self.name(code, parent[-1] if parent else ""), siblings)
        path = parent + (name,)
        description, fields = _split_fields(code.description, _THEME_FIELDS)
        own = [code] if code.codable and code.guid in self.coded else []  # a coded parent keeps its codings
        leaves = own + [c for c in code.children if not _is_theme(c)]
        sub_names: set[str] = set()
        return cb.Theme(
            name=name, description=description, exclusive=fields.get("exclusive", "").strip().lower() == "yes",
            codes=tuple(self.code(leaf, path, code_names) for leaf in leaves),
            themes=tuple(self.theme(c, path, sub_names, code_names) for c in code.children if _is_theme(c)),
        )

    def code(self, code: QdaCode, theme_path: tuple[str, ...], taken: set[str]) -> cb.Code:
        name = _unique(self.name(code, theme_path[-1]), taken)
        definition, fields = _split_fields(code.description, _CODE_FIELDS)
        keywords = tuple(k.strip() for k in fields.get("keywords", "").split(_KEYWORD_SEPARATOR.strip()) if k.strip())
        result = cb.Code(name=name, path=theme_path + (name,), definition=definition,
                         when_to_use=fields.get("when_to_use", ""), when_not_to_use=fields.get("when_not_to_use", ""),
                         example=fields.get("example", ""), keywords=keywords, colour=code.colour)
        self.refs[code.guid] = result.ref
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
    return replace(stored, themes=_merged_themes(stored.themes, imported.themes))


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
        names = {c.name.casefold() for c in old.codes}
        result[index] = replace(old, codes=old.codes + tuple(c for c in theme.codes if c.name.casefold() not in names),
                                themes=_merged_themes(old.themes, theme.themes))
    return tuple(result)
