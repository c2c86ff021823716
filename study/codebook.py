"""The codebook: themes and codes read from YAML, validated, resolved by reference and exported.

A codebook file looks like::

    name: Pre-trained model reuse
    description: ...
    codes: []               # optional codes at the top level, in no theme (as other QDA tools keep them)
    themes:
      - name: Reuse scenarios
        exclusive: false
        codes:
          - name: Transfer learning
            definition: ...
            keywords: [fine-tune, transfer learning]
            colour: "#4C78A8"
            codes: []       # optional codes under this code, of the same shape
        themes: []          # optional sub-themes of the same shape

Codes form a tree of any depth under the themes (or at the top level): any code may have codes
under it and may itself be applied. A path is unique, a name need not be: names are unique (ignoring case) only among the
codes and sub-themes of one parent, so "Attributes/Latency" and "Challenges/Latency" may both
exist. "Theme/Sub-theme/Code/Child" is a full reference; names between the top theme and the
last may be left out when that still names one code.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from study.errors import CodebookError
from study.markup import markdown_escape

CODEBOOK_FIELDS = ("name", "description", "codes", "themes")
THEME_FIELDS = ("name", "description", "exclusive", "codes", "themes")
CODE_FIELDS = ("name", "definition", "when_to_use", "when_not_to_use", "example", "keywords", "colour", "codes")
ROW_FIELDS = (
    "theme", "code", "path", "definition", "when_to_use", "when_not_to_use", "example", "keywords", "colour",
)

_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Code:
    """One code; ``path`` is the theme path (sub-themes included), then the names of the codes
    above it, then its own name; ``codes`` are the codes directly under it."""

    name: str
    path: tuple[str, ...]
    definition: str
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()
    colour: str | None = None
    codes: tuple[Code, ...] = ()

    @property
    def ref(self) -> str:
        """The canonical reference, e.g. ``"Attributes/Traditional/Popularity"``."""
        return join_ref(self.path)

    def with_descendants(self) -> Iterator[Code]:
        """This code, then the codes below it, depth-first."""
        yield self
        for child in self.codes:
            yield from child.with_descendants()


@dataclass(frozen=True)
class Theme:
    name: str
    description: str = ""
    exclusive: bool = False
    codes: tuple[Code, ...] = ()
    themes: tuple[Theme, ...] = ()

    def all_codes(self) -> Iterator[Code]:
        """This theme's codes (each followed by the codes below it), then those of its sub-themes."""
        for code in self.codes:
            yield from code.with_descendants()
        for theme in self.themes:
            yield from theme.all_codes()


@dataclass(frozen=True)
class Codebook:
    name: str
    description: str
    themes: tuple[Theme, ...]
    top_codes: tuple[Code, ...] = ()  # codes at the top level, in no theme (the file's top-level ``codes``)

    def codes(self) -> tuple[Code, ...]:
        """Every code, depth-first in file order: the top-level codes, then the themes'."""
        return (tuple(c for top in self.top_codes for c in top.with_descendants())
                + tuple(code for theme in self.themes for code in theme.all_codes()))

    def find(self, ref: str) -> Code:
        """The code whose canonical ``ref`` is exactly ``ref``; use ``resolve_code`` for typed references."""
        for code in self.codes():
            if code.ref == ref:
                return code
        raise CodebookError(_unknown_code_message(self, ref))


# --- reading -------------------------------------------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: int
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int]]


class _Sequence(list):
    """A YAML sequence that remembers its line and the line of each item (1-based)."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses aliases (they can blow up exponentially)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (*name) are not supported in a codebook; write the value out",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = _Mapping()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicate_keys = []
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in data:
            data.duplicate_keys.append((key, line))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode):
    data = _Sequence()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file; raises CodebookError listing every problem."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such codebook file; check the path") from None
    except OSError as error:
        raise CodebookError(f"{path}: cannot read the codebook: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CodebookError(
            f"{path}: the codebook is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None
    return parse_codebook(text, source=str(path))


def parse_codebook(text: str, source: str = "<string>") -> Codebook:
    """Validate codebook YAML ``text``; ``source`` names it in error messages."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f"{source}:{mark.line + 1}" if mark else source
        problem = " ".join(part for part in (error.context, error.problem) if part)
        raise CodebookError(
            f"{source}: the codebook is not valid YAML\n{line}: {problem}; check the indentation and quoting there"
        ) from None
    except yaml.YAMLError as error:
        raise CodebookError(f"{source}: the codebook is not valid YAML\n{source}: {error}") from None
    checker = _Checker(text)
    codebook = checker.codebook(data)
    if checker.problems:
        raise CodebookError(checker.report(source))
    return codebook


class _Checker:
    """Builds a Codebook from loaded YAML, collecting every problem instead of stopping at the first."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.problems: list[tuple[int, str]] = []

    def report(self, source: str) -> str:
        count = len(self.problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''} in the codebook"
        body = [f"{source}:{line}: {message}" for line, message in sorted(self.problems, key=lambda p: p[0])]
        return "\n".join([head, *body])

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    # -- levels --

    def codebook(self, data: Any) -> Codebook:
        if data is None:
            self.problem(1, "the codebook is empty; it needs at least 'name' and 'themes'")
            return Codebook("", "", ())
        if not isinstance(data, _Mapping):
            self.problem(1, f"the codebook must be a mapping with {', '.join(CODEBOOK_FIELDS)}, not {_kind(data)}")
            return Codebook("", "", ())
        where = "codebook"
        self.fields(data, CODEBOOK_FIELDS, where)
        name = self.text(data, "name", where, required=True)
        description = self.text(data, "description", where)
        siblings: dict[str, tuple[str, int]] = {}  # top-level codes and top themes share one set of names
        codes = self.codes(data, where, (), siblings)
        for item, _ in self.items(data, "themes", where):
            if isinstance(item, _Mapping) and isinstance(item.get("name"), str) and item["name"].strip():
                self.unique(item["name"].strip(), (item["name"].strip(),), item.line, dict(siblings), "theme")
        themes = self.themes(data, where, parent_path=())
        if "themes" not in data and not codes:
            self.problem(data.line, "codebook: 'themes' is missing; add a list of themes (or of top-level 'codes')")
        elif "themes" in data and not data["themes"] and not codes:
            self.problem(data.key_lines["themes"], "codebook: 'themes' is empty; add at least one theme")
        return Codebook(name, description, themes, codes)

    def themes(self, data: _Mapping, where: str, parent_path: tuple[str, ...]) -> tuple[Theme, ...]:
        items = self.items(data, "themes", where)
        seen: dict[str, int] = {}
        themes = []
        for index, (item, line) in enumerate(items, start=1):
            label = f"theme #{index} of {where}" if parent_path else f"theme #{index}"
            if not isinstance(item, _Mapping):
                self.problem(line, f"{label}: a theme must be a mapping with {', '.join(THEME_FIELDS)}, not {_kind(item)}")
                continue
            theme = self.theme(item, label, parent_path, seen)
            themes.append(theme)
        return tuple(themes)

    def theme(
        self,
        data: _Mapping,
        label: str,
        parent_path: tuple[str, ...],
        seen: dict[str, int],
    ) -> Theme:
        name = self.name(data, label)
        path = (*parent_path, name or "?")
        where = f"theme '{join_ref(path)}'" if name else label
        self.fields(data, THEME_FIELDS, where)
        if name:
            key = name.casefold()
            if key in seen:
                self.problem(
                    data.line,
                    f"{where}: duplicate theme name (first on line {seen[key]}); theme names must be unique "
                    "at one level, ignoring case",
                )
            else:
                seen[key] = data.line
        description = self.text(data, "description", where)
        exclusive = self.flag(data, "exclusive", where)
        siblings: dict[str, tuple[str, int]] = {}  # names are unique among one parent's codes and sub-themes
        codes = self.codes(data, where, path, siblings)
        for item, _ in self.items(data, "themes", where):  # sub-theme vs sub-theme: themes() reports those
            if isinstance(item, _Mapping) and isinstance(item.get("name"), str) and item["name"].strip():
                self.unique(item["name"].strip(), (*path, item["name"].strip()), item.line, dict(siblings),
                            "sub-theme")
        themes = self.themes(data, where, path)
        return Theme(name, description, exclusive, codes, themes)

    def codes(
        self, data: _Mapping, where: str, parent_path: tuple[str, ...], siblings: dict[str, tuple[str, int]]
    ) -> tuple[Code, ...]:
        codes = []
        for index, (item, line) in enumerate(self.items(data, "codes", where), start=1):
            label = f"code #{index} of {where}"
            if not isinstance(item, _Mapping):
                self.problem(line, f"{label}: a code must be a mapping with {', '.join(CODE_FIELDS)}, not {_kind(item)}")
                continue
            codes.append(self.code(item, label, parent_path, siblings))
        return tuple(codes)

    def code(
        self, data: _Mapping, label: str, parent_path: tuple[str, ...], siblings: dict[str, tuple[str, int]]
    ) -> Code:
        name = self.name(data, label)
        path = (*parent_path, name)
        where = f"code '{join_ref(path)}'" if name else label
        self.fields(data, CODE_FIELDS, where)
        if name:
            self.unique(name, path, data.line, siblings, "code")
        return Code(
            name=name,
            path=path,
            definition=self.text(data, "definition", where, required=True),
            when_to_use=self.text(data, "when_to_use", where),
            when_not_to_use=self.text(data, "when_not_to_use", where),
            example=self.text(data, "example", where),
            keywords=self.keywords(data, where),
            colour=self.colour(data, where),
            codes=self.codes(data, where, path, {}),
        )

    def unique(self, name: str, path: tuple[str, ...], line: int, siblings: dict[str, tuple[str, int]],
               kind: str) -> None:
        """Record ``name`` among its siblings, or report that another code or sub-theme has it."""
        key = name.casefold()
        if key not in siblings:
            siblings[key] = (join_ref(path), line)
            return
        first_ref, first_line = siblings[key]
        parent = join_ref(path[:-1]) or "the top level"
        self.problem(
            line,
            f"{kind} '{join_ref(path)}': duplicate name under '{parent}' (first defined on line {first_line} as "
            f"'{first_ref}'); the codes and sub-themes of one parent need different names, ignoring case",
        )

    # -- fields --

    def fields(self, data: _Mapping, allowed: tuple[str, ...], where: str) -> None:
        for key, line in data.duplicate_keys:
            self.problem(line, f"{where}: field '{key}' is given twice; keep one")
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(
                    data.key_lines[key], f"{where}: unknown field '{key}'{hint}; allowed fields: {', '.join(allowed)}"
                )

    def items(self, data: _Mapping, key: str, where: str) -> list[tuple[Any, int]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, _Sequence):
            self.problem(data.key_lines[key], f"{where}: '{key}' must be a list (items starting with '- '), not {_kind(value)}")
            return []
        return list(zip(value, value.item_lines))

    def name(self, data: _Mapping, label: str) -> str:
        name = self.text(data, "name", label, required=True)
        line = data.key_lines.get("name", data.line)
        if "\n" in name:
            self.problem(line, f"{label}: name must be a single line")
            return " ".join(name.split())
        return name

    def text(self, data: _Mapping, key: str, where: str, required: bool = False) -> str:
        line = data.key_lines.get(key, data.line)
        value = data.get(key)
        if value is None:
            if required:
                state = "is empty" if key in data else "is missing"
                self.problem(line, f"{where}: '{key}' {state}; it is required")
            return ""
        if not isinstance(value, str):
            self.problem(line, f"{where}: '{key}' must be text, not {_kind(value)}; put it in quotes")
            return str(value)
        value = value.strip()
        if required and not value:
            self.problem(line, f"{where}: '{key}' is empty; it is required")
        return value

    def flag(self, data: _Mapping, key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(data.key_lines[key], f"{where}: '{key}' must be true or false, not {_kind(value)}")
            return False
        return value

    def keywords(self, data: _Mapping, where: str) -> tuple[str, ...]:
        value = data.get("keywords")
        if value is None:
            return ()
        line = data.key_lines["keywords"]
        if not isinstance(value, _Sequence):
            self.problem(line, f"{where}: 'keywords' must be a list like [fine-tune, transfer learning], not {_kind(value)}")
            return ()
        keywords: list[str] = []
        for item, item_line in zip(value, value.item_lines):
            if not isinstance(item, str) or not item.strip():
                self.problem(item_line, f"{where}: keyword {item!r} must be non-empty text; put it in quotes")
                continue
            keyword = normalise_keyword(item)
            if keyword not in keywords:
                keywords.append(keyword)
        return tuple(keywords)

    def colour(self, data: _Mapping, where: str) -> str | None:
        if "colour" not in data:
            return None
        line = data.key_lines["colour"]
        value = data["colour"]
        if value is None:
            if "#" in self.lines[line - 1]:
                self.problem(line, f"{where}: 'colour' is empty because an unquoted # starts a YAML comment; "
                                   'write it in quotes, e.g. colour: "#4C78A8"')
            return None
        if not isinstance(value, str) or not _COLOUR.fullmatch(value.strip()):
            self.problem(line, f"{where}: 'colour' must be # and six hex digits in quotes, e.g. \"#4C78A8\", not {value!r}")
            return None
        return value.strip()


def normalise_keyword(keyword: str) -> str:
    """Keywords are compared lowercased with single spaces: ``" Fine  Tune "`` -> ``"fine tune"``."""
    return " ".join(keyword.lower().split())


def _kind(value: Any) -> str:
    """How a wrongly typed YAML value is named in messages."""
    if value is None:
        return "nothing"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text"}
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    for kind, name in names.items():
        if isinstance(value, kind):
            return f"{name} ({value!r})"
    return f"{type(value).__name__} ({value!r})"


# --- references ----------------------------------------------------------------------------------

# A reference joins the names on a code's path with "/". A name may hold any character: inside a
# reference a "/" of a name is written "\/" and a backslash "\\", so "CI/CD" under "Practices" is
# "Practices/CI\/CD". This rule is the only one: every reference is built by ``join_ref`` and read
# by ``split_ref`` (CLI arguments, CSV columns, exports, the app).
_SEPARATOR = re.compile(r"(?<!\\)((?:\\\\)*)/")


def escape_name(name: str) -> str:
    r"""A name as written inside a reference: ``\\`` for a backslash, ``\/`` for a slash."""
    return name.replace("\\", "\\\\").replace("/", "\\/")


def join_ref(path) -> str:
    r"""The reference of a path of names: ``join_ref(("Practices", "CI/CD")) == "Practices/CI\/CD"``."""
    return "/".join(escape_name(part) for part in path)


def split_ref(ref: str) -> list[str]:
    """The names a reference joins, unescaped: the inverse of ``join_ref``."""
    parts, start = [], 0
    for match in _SEPARATOR.finditer(ref):
        parts.append(ref[start:match.end(1)])
        start = match.end()
    parts.append(ref[start:])
    return [re.sub(r"\\(.)", r"\1", part) for part in parts]



def resolve_code(codebook: Codebook, ref: str) -> Code:
    """The code a typed reference names, ignoring case and surrounding spaces.

    ``"Attributes/Popularity"``, ``"attributes/traditional/popularity"`` and, when the code name is
    unique in the codebook, ``"Popularity"`` all find Attributes/Traditional/Popularity.
    """
    if not ref.strip() or any(not part.strip() for part in split_ref(ref)):
        raise CodebookError(f"code reference {ref!r} is empty or has an empty part; write 'Theme/Code'")
    matches = named_by(codebook.codes(), ref, lambda code: code.path)
    if len(matches) == 1:
        return matches[0]
    if matches:
        refs = ", ".join(code.ref for code in matches)
        raise CodebookError(f"code reference {ref!r} is ambiguous; write one of: {refs}")
    raise CodebookError(_unknown_code_message(codebook, ref))


def named_by(items, ref: str, path_of) -> list:
    """The items (codes, stored or read) whose path the typed ``ref`` names: the one whose whole
    path it spells (ignoring case and spaces) if there is one, else every item ``ref_matches``."""
    items = list(items)
    folded = tuple(part.strip().casefold() for part in split_ref(ref))
    exact = [item for item in items if tuple(part.casefold() for part in path_of(item)) == folded]
    return exact or [item for item in items if ref_matches(path_of(item), ref)]


def ref_matches(path: tuple[str, ...], ref: str) -> bool:
    """Whether the typed ``ref`` names the code at ``path`` (theme path then code name).

    Case and spaces around "/" are ignored; sub-themes and codes between the top-level theme and
    the code may be left out but not reordered; a bare code name matches on the name alone.
    """
    parts = [part.strip().casefold() for part in split_ref(ref)]
    folded = [part.casefold() for part in path]
    if parts[-1] != folded[-1]:
        return False
    if len(parts) == 1:
        return True
    if parts[0] != folded[0]:
        return False
    remaining = iter(folded[1:-1])
    return all(part in remaining for part in parts[1:-1])


def _unknown_code_message(codebook: Codebook, ref: str) -> str:
    by_key: dict[str, str] = {}
    for code in codebook.codes():
        by_key[code.ref.casefold()] = code.ref
        by_key[join_ref((code.path[0], code.name)).casefold()] = code.ref
    close = difflib.get_close_matches(ref.strip().casefold(), list(by_key), n=3, cutoff=0.6)
    if not close:
        names = {code.name.casefold(): code.ref for code in codebook.codes()}
        last = ref.rsplit("/", 1)[-1].strip().casefold()
        close = [names[name] for name in difflib.get_close_matches(last, list(names), n=3, cutoff=0.6)]
        suggestions = list(dict.fromkeys(close))
    else:
        suggestions = list(dict.fromkeys(by_key[key] for key in close))
    hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else "; check it against the codebook"
    return f"unknown code {ref!r} in codebook '{codebook.name}'{hint}"


# --- export --------------------------------------------------------------------------------------


class _FlowList(list):
    """Keywords are written inline, [a, b], as people write them by hand."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def codebook_to_yaml(codebook: Codebook) -> str:
    """The codebook as YAML that ``parse_codebook`` reads back to an equal Codebook."""
    data: dict[str, Any] = {"name": codebook.name, "description": codebook.description}
    if codebook.top_codes:
        data["codes"] = [_code_data(code) for code in codebook.top_codes]
    data["themes"] = [_theme_data(theme) for theme in codebook.themes]
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _theme_data(theme: Theme) -> dict[str, Any]:
    data: dict[str, Any] = {"name": theme.name, "description": theme.description, "exclusive": theme.exclusive}
    if theme.codes:
        data["codes"] = [_code_data(code) for code in theme.codes]
    if theme.themes:
        data["themes"] = [_theme_data(sub) for sub in theme.themes]
    return data


def _code_data(code: Code) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": code.name,
        "definition": code.definition,
        "when_to_use": code.when_to_use,
        "when_not_to_use": code.when_not_to_use,
        "example": code.example,
        "keywords": _FlowList(code.keywords),
    }
    if code.colour is not None:
        data["colour"] = code.colour
    if code.codes:
        data["codes"] = [_code_data(child) for child in code.codes]
    return data


def codebook_to_rows(codebook: Codebook) -> list[dict[str, str]]:
    """One flat row per code (columns ``ROW_FIELDS``), for CSV and spreadsheets."""
    return [
        {
            "theme": join_ref(code.path[:-1]),
            "code": code.name,
            "path": code.ref,
            "definition": code.definition,
            "when_to_use": code.when_to_use,
            "when_not_to_use": code.when_not_to_use,
            "example": code.example,
            "keywords": "; ".join(code.keywords),
            "colour": code.colour or "",
        }
        for code in codebook.codes()
    ]


_TABLE_COLUMNS = ("Code", "Definition", "When to use", "When not to use", "Example", "Keywords")


def _cell(text: str) -> str:
    return "<br>".join(markdown_escape(line) for line in text.split("\n"))


def codebook_to_markdown(codebook: Codebook) -> str:
    """The codebook as Markdown: a heading per theme and a table of its codes."""
    lines = [f"# {_cell(codebook.name)}", ""]
    if codebook.description:
        lines += [markdown_escape(codebook.description), ""]
    lines += _codes_markdown(codebook.top_codes)
    for theme in codebook.themes:
        lines += _theme_markdown(theme, level=2)
    return "\n".join(lines).rstrip("\n") + "\n"


def _theme_markdown(theme: Theme, level: int) -> list[str]:
    lines = [f"{'#' * min(level, 6)} {_cell(theme.name)}", ""]
    if theme.description:
        lines += [markdown_escape(theme.description), ""]
    if theme.exclusive:
        lines += ["*The codes of this theme are mutually exclusive: a segment gets at most one of them.*", ""]
    lines += _codes_markdown(theme.codes)
    for sub in theme.themes:
        lines += _theme_markdown(sub, level + 1)
    return lines


def _codes_markdown(codes: tuple[Code, ...]) -> list[str]:
    """A table of the codes of one parent (a theme or the top level) and the codes below them."""
    if not codes:
        return []
    lines = ["| " + " | ".join(_TABLE_COLUMNS) + " |", "|" + "---|" * len(_TABLE_COLUMNS)]
    depth = len(codes[0].path) - 1  # the parent's path; a code below a code shows "Parent/Child"
    for code in (c for top in codes for c in top.with_descendants()):
        cells = (join_ref(code.path[depth:]), code.definition, code.when_to_use, code.when_not_to_use, code.example,
                 ", ".join(code.keywords))
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines + [""]
