"""The codebook as stored in a study: loading a Codebook into the database, reading it back,
resolving ``Theme/Code`` references, and the admin's edits (add, rename, move, merge, split,
retire, colour).

Codes form a tree under the themes (``Code.parent``), or at the top level in no theme
(``theme_id`` empty, as NVivo and MAXQDA keep every code): any code may have codes below it and
may itself be applied. A path is unique, a name need not be: the codes and sub-themes of one
parent (the top level's codes and top themes too) have different names (ignoring case), nothing
more. A code below a code shares its theme (``theme_id``), so everything that groups codes by
theme keeps working; the ancestor relation in SQL is ``study.code_tree.code_ancestry``."""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import code_tree
from . import codebook as cb
from . import project_memos
from .auth import Actor
from .coding_write import CodingKey, CodingWrite, write_codings
from .errors import CodebookError, NotFound
from .store import Code, Coding, Study, Theme, audit
from .table import Column, Table

if TYPE_CHECKING:  # only named: importing loads every transcript reader, which reading codes never needs
    from .importing.uploads import UploadedFile


def load_into_study(study: Study, book: cb.Codebook, actor: Actor) -> dict:
    """Merge ``book`` into the stored codebook: new themes and codes are added, existing ones
    (matched by path, case-insensitively) updated. Codes are never deleted: codings keep them."""
    with study.session() as session:
        return merge_codebook(session, book, actor)


def merge_codebook(session: Session, book: cb.Codebook, actor: Actor) -> dict:
    """``load_into_study`` inside the caller's transaction (an import that stores more with it)."""
    actor.require_admin("load a codebook")
    added = updated = 0
    added, updated = _merge_codes_under(session, book.top_codes, None, None, top_codes(session))
    top = {t.name.casefold(): t for t in top_themes(session)}
    for position, theme in enumerate(book.themes):
        a, u = _merge_theme(session, theme, None, position, top)
        added, updated = added + a, updated + u
    audit(session, actor.name, "codebook.load", book.name, after={"added": added, "updated": updated})
    return {"added": added, "updated": updated}


def _merge_theme(session: Session, theme: cb.Theme, parent: Theme | None, position: int,
                 siblings: dict[str, Theme]) -> tuple[int, int]:
    """Merge ``theme`` under ``parent``, whose themes ``siblings`` holds by folded name (read once
    per parent, so merging stays linear in the number of themes and codes)."""
    stored = siblings.get(theme.name.casefold())
    if stored is None:
        stored = siblings[theme.name.casefold()] = Theme(name=theme.name, parent=parent)
        session.add(stored)
    stored.description, stored.exclusive, stored.position = theme.description or "", theme.exclusive, position
    added = updated = 0
    added, updated = _merge_codes_under(session, theme.codes, stored, None, list(stored.codes))
    children = {t.name.casefold(): t for t in stored.children}
    for sub_position, sub in enumerate(theme.themes):
        a, u = _merge_theme(session, sub, stored, sub_position, children)
        added, updated = added + a, updated + u
    return added, updated


def _merge_codes_under(session: Session, codes: tuple[cb.Code, ...], theme: Theme | None, parent: Code | None,
                       stored: list[Code]) -> tuple[int, int]:
    """Merge ``codes`` into the stored codes ``stored`` of one parent (the codebook's top-level
    codes, a theme's top codes or a code's children), matched by folded name, then the codes below
    each, depth first."""
    added = updated = 0
    by_name = {c.name.casefold(): c for c in stored}  # looked up once per parent: merging stays linear
    for position, code in enumerate(codes):
        existing = by_name.get(code.name.casefold())
        if existing is None:
            existing = by_name[code.name.casefold()] = Code(theme=theme, parent=parent, name=code.name)
            session.add(existing)
            added += 1
        else:
            updated += 1
        _copy_code_fields(existing, code, position)
        a, u = _merge_codes_under(session, code.codes, theme, existing, list(existing.children))
        added, updated = added + a, updated + u
    return added, updated


def _copy_code_fields(stored: Code, code: cb.Code, position: int) -> None:
    stored.definition = code.definition
    stored.when_to_use = code.when_to_use or ""
    stored.when_not_to_use = code.when_not_to_use or ""
    stored.example = code.example or ""
    stored.keywords = list(code.keywords)
    stored.colour = code.colour
    stored.position = position
    stored.retired = False


def _find_theme(session: Session, name: str, parent: Theme | None) -> Theme | None:
    query = select(Theme).where(Theme.parent_id.is_(None) if parent is None else Theme.parent_id == parent.id)
    return next((t for t in session.scalars(query) if t.name.casefold() == name.casefold()), None)


def top_themes(session: Session) -> list[Theme]:
    return list(session.scalars(select(Theme).where(Theme.parent_id.is_(None)).order_by(Theme.position, Theme.id)))


def top_codes(session: Session) -> list[Code]:
    """The codes at the top level of the codebook, in no theme (as other QDA tools keep codes)."""
    return list(session.scalars(select(Code).where(Code.theme_id.is_(None), Code.parent_code_id.is_(None))
                                .order_by(Code.position, Code.id)))


def all_codes(session: Session, include_retired: bool = False) -> list[Code]:
    """Every code in codebook order (the top-level codes, then theme by theme; in a theme each
    code followed by the codes below it, then the sub-themes), read in two queries (walking the relationships read each
    theme's codes and sub-themes one query at a time: 585 queries in a report)."""
    subthemes: dict[int | None, list[Theme]] = defaultdict(list)
    for theme in session.scalars(select(Theme).order_by(Theme.position, Theme.id)):
        subthemes[theme.parent_id].append(theme)
    codes_of: dict[int | None, list[Code]] = defaultdict(list)  # theme id (None: the top level) -> its codes
    below: dict[int, list[Code]] = defaultdict(list)
    for code in session.scalars(select(Code).order_by(Code.position, Code.id)):
        (below[code.parent_code_id] if code.parent_code_id is not None else codes_of[code.theme_id]).append(code)
    codes: list[Code] = []

    def add(code: Code) -> None:
        if include_retired or not code.retired:
            codes.append(code)
        for child in below[code.id]:
            add(child)

    def walk(parent_id: int | None) -> None:
        for theme in subthemes[parent_id]:
            for code in codes_of[theme.id]:
                add(code)
            walk(theme.id)

    for code in codes_of[None]:
        add(code)
    walk(None)
    return codes


def stored_codebook(session: Session, name: str = "Study codebook") -> cb.Codebook:
    """The stored codebook as a Codebook value (for export and display)."""

    def to_theme(theme: Theme) -> cb.Theme:
        return cb.Theme(
            name=theme.name,
            description=theme.description,
            exclusive=theme.exclusive,
            codes=tuple(_to_code(c) for c in theme.codes if not c.retired),  # a retired code's children go with it
            themes=tuple(to_theme(t) for t in theme.children),
        )

    return cb.Codebook(name=name, description="", themes=tuple(to_theme(t) for t in top_themes(session)),
                       top_codes=tuple(_to_code(c) for c in top_codes(session) if not c.retired))


def _to_code(code: Code) -> cb.Code:
    return cb.Code(
        name=code.name, path=code.path, definition=code.definition, when_to_use=code.when_to_use,
        when_not_to_use=code.when_not_to_use, example=code.example, keywords=tuple(code.keywords or ()),
        colour=code.colour, codes=tuple(_to_code(c) for c in code.children if not c.retired),
    )


def resolve(session: Session, ref: str, codes: list[Code] | None = None) -> Code:
    """The stored code a reference names: ``Theme/Code`` or the full path, case-insensitively;
    sub-themes between the top theme and the code may be left out (same rule as the YAML codebook)."""
    if not ref.strip() or any(not part.strip() for part in cb.split_ref(ref)):
        raise CodebookError(f"code reference {ref!r} is empty or has an empty part; write 'Theme/Code'")
    codes = codes if codes is not None else all_codes(session, include_retired=True)
    matches = cb.named_by(codes, ref, lambda c: c.path)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise CodebookError(f"code reference {ref!r} is ambiguous; write one of: {', '.join(c.ref for c in matches)}")
    suggestions = difflib.get_close_matches(ref, [c.ref for c in codes], n=3, cutoff=0.5)
    if suggestions:
        raise CodebookError(f"unknown code {ref!r}", f"did you mean {' or '.join(suggestions)}?")
    raise CodebookError(f"unknown code {ref!r}", "the codebook lists the codes", remedy="show_codebook")


def code_rows(study: Study) -> list[dict]:
    """The current codes as flat rows for a listing (theme is the top theme, path the reference)."""
    return [
        {"theme": c.top_theme, "code": c.name, "path": c.ref, "parent": cb.join_ref(c.path[:-1]),
         "depth": c.depth, "definition": c.definition,
         "when_to_use": c.when_to_use, "when_not_to_use": c.when_not_to_use, "example": c.example,
         "keywords": list(c.keywords), "colour": c.colour}
        for c in code_views(study, include_retired=False)
    ]


# -- reading the codebook for the app and the CLI --------------------------------------

CODE_FIELDS = ("name", "definition", "when_to_use", "when_not_to_use", "example", "colour")

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")


@dataclass(frozen=True)
class CodeView:
    """A code as shown (Codebook page, Code page, lists): its place in the codebook, guidance,
    colour and keywords. ``id`` is the stored code's id."""

    id: int
    ref: str  # Theme/Sub-theme/Code, escaped as references are
    name: str
    theme_path: tuple[str, ...]
    theme_description: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    keywords: tuple[str, ...]
    colour: str | None  # a CSS colour name or #hex, or None; never anything else (see safe_colour)
    retired: bool
    theme_exclusive: bool = False  # the theme allows one of its codes per unit
    ancestors: tuple[str, ...] = ()  # the names of the codes above this one, top first
    parent_id: int | None = None  # the code directly above; None: directly in its theme

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.theme_path, *self.ancestors, self.name)

    @property
    def depth(self) -> int:
        """0 for a code directly in its theme, 1 for a code below it, and so on."""
        return len(self.ancestors)

    @property
    def top_theme(self) -> str:
        """The top theme's name; "" for a code in no theme (at the top level)."""
        return self.theme_path[0] if self.theme_path else ""

    @property
    def theme_ref(self) -> str:
        """The theme as a reference: ``Attributes/Portability``."""
        return cb.join_ref(self.theme_path)

    @property
    def theme_label(self) -> str:
        """The theme for reading: ``Attributes / Portability``."""
        return " / ".join(self.theme_path)


def codebook_table(views: list[CodeView]) -> Table:
    """The codes as the one table `study codebook show` prints and the Codebook page draws: theme,
    code (indented under the code above it, marked when retired), reference and definition."""
    columns = (Column("theme", "theme"), Column("code", "code"), Column("path", "path"),
               Column("definition", "definition", wide=True))
    rows = tuple({"theme": v.theme_label, "code": tree_label(v) + (" (retired)" if v.retired else ""), "path": v.ref,
                  "definition": v.definition} for v in views)
    return Table(title="Codebook", columns=columns, rows=rows, name="codebook")


def tree_label(view: CodeView) -> str:
    """The code's name drawn in the tree: ``└`` marks a code below a code, one ``·`` per further
    level (``"└ Latency"`` under Performance, ``"· └ Network"`` under Latency); dots, not spaces,
    because table renderers strip leading spaces."""
    return f"{'· ' * (view.depth - 1)}└ {view.name}" if view.depth else view.name


def code_view(code: Code) -> CodeView:
    """The stored code as shown."""
    theme = code.theme
    return CodeView(code.id, code.ref, code.name, tuple(theme.path) if theme else (),
                    (theme.description or "") if theme else "",
                    code.definition or "", code.when_to_use or "", code.when_not_to_use or "", code.example or "",
                    tuple(code.keywords or ()), safe_colour(code.colour), bool(code.retired),
                    bool(theme.exclusive) if theme else False, code.ancestors, code.parent_code_id)


def code_of_ref(ref: str, exclusive: bool = False) -> CodeView:
    """A code known only by its reference (no stored code: id 0), e.g. for statistics on a made-up table."""
    path = tuple(cb.split_ref(ref))
    return CodeView(0, ref, path[-1], path[:-1], "", "", "", "", "", (), None, False, exclusive)


def chip_labels(views: list[CodeView]) -> dict[int, str]:
    """{code id: the shortest tail of its path that tells it from every other code shown}: the
    name alone unless another code has it ("Attributes/Latency" beside "Challenges/Latency")."""
    labels = code_tree.distinguishing_labels(v.path for v in views)
    return {v.id: labels[v.path] for v in views}


def code_views(study: Study, include_retired: bool) -> list[CodeView]:
    """Every code in codebook order (theme by theme, depth first), retired ones when asked (flagged)."""
    with study.session() as session:
        return [code_view(c) for c in all_codes(session, include_retired=include_retired)]


def codebook_entries(study: Study, actor: Actor) -> list[CodeView]:
    """Every code in codebook order with its theme path and guidance; retired codes only for admins."""
    return code_views(study, include_retired=actor.is_admin)


def safe_colour(colour: str | None) -> str | None:
    """The colour if it is a plain CSS colour name or #hex; None otherwise (a codebook is input)."""
    colour = (colour or "").strip()
    return colour if _COLOUR.fullmatch(colour) else None


def theme_paths(study: Study) -> list[str]:
    """Every theme as ``Theme/Sub-theme``, depth first."""
    with study.session() as session:
        paths: list[str] = []

        def walk(theme) -> None:
            paths.append(cb.join_ref(theme.path))
            for child in theme.children:
                walk(child)

        for theme in top_themes(session):
            walk(theme)
        return paths


def require_themes(study: Study, paths: Sequence[str]) -> None:
    """Refuse a theme path the codebook lacks, naming it and the themes there are: a filter by it
    (a typo, ``Challenge`` for ``Challenges``) would otherwise select nothing and look like an empty result."""
    if not paths:
        return
    known = theme_paths(study)
    if missing := [path for path in dict.fromkeys(paths) if path not in known]:
        raise NotFound(f"no theme {', '.join(map(repr, missing))} in the codebook",
                       f"its themes are {', '.join(known) or 'none yet'}")


def full_refs(study: Study, refs: Sequence[str]) -> tuple[str, ...]:
    """Each code reference as the codebook writes it (``resolve``'s rule: any case, sub-themes may
    be left out); an unknown one is an error naming it."""
    if not refs:
        return ()
    with study.session() as session:
        codes = all_codes(session, include_retired=True)
        return tuple(resolve(session, ref, codes).ref for ref in refs)


def codebook_yaml(study: Study) -> str:
    """The stored codebook (retired codes left out) as YAML, as the codebook export writes it."""
    with study.session() as session:
        return cb.codebook_to_yaml(stored_codebook(session))


# -- edits by an admin -------------------------------------------------------------


def add_code(study: Study, actor: Actor, parent: str, name: str, definition: str, **guidance: str) -> str:
    """Add a code under ``parent``: a theme path (``Theme/Sub-theme``) or a code's reference
    (``Theme/Code``, the new code goes below it); returns its reference."""
    actor.require_admin("add codes")
    name = name.strip()
    if not name:
        raise CodebookError("a code needs a name; e.g. 'Model search'")
    with study.session() as session:
        return _add_code(session, actor.name, parent, name, definition, **guidance).ref


def edit_code(study: Study, actor: Actor, ref: str, **fields: str) -> str:
    """Change a code's name (a rename keeps its codings), definition or guidance; returns its reference."""
    actor.require_admin("edit codes")
    if unknown := set(fields) - set(CODE_FIELDS):
        raise CodebookError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(CODE_FIELDS)}")
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"]:
            raise CodebookError("a code needs a name; e.g. 'Model search'")
    if "definition" in fields and not fields["definition"].strip():
        raise CodebookError(f"{ref}: the definition is empty; say what the code means")
    if "colour" in fields:
        fields["colour"] = _colour(ref, fields["colour"])
    with study.session() as session, _code_memos_follow(session):
        return _update_code(session, actor.name, ref, **fields).ref


def merge_codes(study: Study, actor: Actor, source: str, target: str) -> int:
    """Move every coding of ``source`` onto ``target``, the codes below ``source`` under ``target``,
    and retire ``source``; returns codings moved. One audit entry lists every coding carried."""
    actor.require_admin("merge codes")
    with study.session() as session, _code_memos_follow(session):
        return _merge_codes(session, actor.name, source, target)


def retire_code(study: Study, actor: Actor, ref: str, retired: bool = True) -> None:
    """Retire a code (kept with its codings, no longer offered for coding) or bring it back."""
    actor.require_admin("retire codes")
    with study.session() as session:
        _retire_code(session, actor.name, ref, retired)


def add_theme(study: Study, actor: Actor, name: str, parent: str | None = None, description: str = "") -> str:
    """Create a theme (under the theme path ``parent``, or at the top); returns its path as a reference."""
    actor.require_admin("add themes")
    name = _theme_name(name)
    with study.session() as session:
        above = find_theme_by_path(session, parent) if parent else None
        _check_free(session, name, above)
        siblings = above.children if above is not None else top_themes(session)
        theme = Theme(name=name, parent=above, description=description.strip(), position=len(siblings))
        session.add(theme)
        session.flush()
        ref = cb.join_ref(theme.path)
        audit(session, actor.name, "theme.add", ref, after={"description": theme.description})
        return ref


def rename_theme(study: Study, actor: Actor, path: str, name: str) -> str:
    """Rename a theme (its codes and their codings follow); returns its new path."""
    actor.require_admin("rename themes")
    name = _theme_name(name)
    with study.session() as session, _code_memos_follow(session):
        theme = find_theme_by_path(session, path)
        if name.casefold() != theme.name.casefold():
            _check_free(session, name, theme.parent)
        before = cb.join_ref(theme.path)
        theme.name = name
        session.flush()
        audit(session, actor.name, "theme.rename", before, before={"path": before},
              after={"path": cb.join_ref(theme.path)})
        return cb.join_ref(theme.path)


def move_theme(study: Study, actor: Actor, path: str, parent: str | None) -> str:
    """Move a theme (with its sub-themes and codes) under ``parent``, or to the top with None."""
    actor.require_admin("move themes")
    with study.session() as session, _code_memos_follow(session):
        theme = find_theme_by_path(session, path)
        above = find_theme_by_path(session, parent) if parent else None
        walk = above
        while walk is not None:
            if walk.id == theme.id:
                raise CodebookError(f"cannot move theme {path!r} into itself or one of its sub-themes")
            walk = walk.parent
        _check_free(session, theme.name, above)
        before = cb.join_ref(theme.path)
        theme.parent = above
        theme.position = len(above.children) if above is not None else len(top_themes(session))
        session.flush()
        audit(session, actor.name, "theme.move", before, before={"path": before},
              after={"path": cb.join_ref(theme.path)})
        return cb.join_ref(theme.path)


def move_code(study: Study, actor: Actor, ref: str, parent: str) -> str:
    """Move a code (with its codings and the codes below it) under ``parent``: a theme path or
    another code's reference; returns its new reference."""
    actor.require_admin("move codes")
    with study.session() as session, _code_memos_follow(session):
        code = resolve(session, ref)
        theme, above = find_parent(session, parent)
        if above is not None and (above.id == code.id or code.id in _ancestor_ids(above)):
            raise CodebookError(f"cannot move {code.ref!r} under itself or a code below it",
                                "choose a parent outside its branch")
        _check_name_free(session, code.name, theme, above, code)
        before = code.ref
        code.parent = above
        code.position = _next_position(session, theme, above)
        for moved in _branch(code):
            moved.theme = theme
        session.flush()
        audit(session, actor.name, "code.move", before, before={"ref": before}, after={"ref": code.ref})
        return code.ref


def move_codings(study: Study, actor: Actor, source: str, target: str,
                 units: list[tuple[str, int | None]] | None = None, rater: str | None = None) -> int:
    """Split a code: move the codings of ``source`` on ``units`` ((transcript, segment index or
    None for the whole transcript); every unit when None) and of ``rater`` (every rater when None)
    onto ``target``; returns codings moved. ``source`` stays; one audit entry lists each coding."""
    actor.require_admin("split codes")
    with study.session() as session:
        source_code, target_code = resolve(session, source), resolve(session, target)
        chosen = [c for c in session.scalars(select(Coding).where(Coding.code_id == source_code.id))
                  if (rater is None or c.rater.name == rater)
                  and (units is None or (c.transcript.name, c.segment.index if c.segment else None) in units)]
        if not chosen:
            raise CodebookError(f"no coding of {source_code.ref!r} matches the units and rater given",
                                "check them against the codings of the code")
        moved, joined = _carry_codings(session, actor.name, chosen, target_code)
        audit(session, actor.name, "code.split", source_code.ref,
              before={"code": source_code.ref, "moved": moved, "joined": joined},
              after={"into": target_code.ref, "moved": len(moved), "joined": len(joined)})
        return len(moved) + len(joined)


def code_units(study: Study, actor: Actor, ref: str) -> list[tuple[str, int | None, int]]:
    """The units carrying the code: (transcript, segment index or None for the whole transcript,
    how many raters' codings), in transcript then segment order: what a split chooses from."""
    actor.require_admin("split codes")
    with study.session() as session:
        code = resolve(session, ref)
        counts: dict[tuple[str, int | None], int] = defaultdict(int)
        for coding in session.scalars(select(Coding).where(Coding.code_id == code.id)):
            counts[(coding.transcript.name, coding.segment.index if coding.segment else None)] += 1
    return [(t, s, n) for (t, s), n in sorted(counts.items(), key=lambda i: (i[0][0], -1 if i[0][1] is None else i[0][1]))]


@contextmanager
def _code_memos_follow(session: Session) -> Iterator[None]:
    """Around an edit that may change codes' references (a rename, a move, a merge's codes below):
    each changed code's memo (``project_memos.CODE_MEMO``) is renamed with it, in the same transaction."""
    before = {c.id: c.ref for c in all_codes(session, include_retired=True)}
    yield
    session.flush()
    project_memos.follow_code_renames(session, {before[c.id]: c.ref for c in all_codes(session, include_retired=True)
                                                if before.get(c.id, c.ref) != c.ref})


def find_parent(session: Session, ref: str) -> tuple[Theme | None, Code | None]:
    """What a parent reference names: a theme path (theme, None), else a code (its theme, the code);
    an empty reference names the top level of the codebook (None, None)."""
    if not ref.strip():
        return None, None
    try:
        return find_theme_by_path(session, ref), None
    except NotFound:
        pass
    try:
        code = resolve(session, ref)
    except CodebookError:
        raise NotFound(f"no theme or code {ref!r} in the codebook", "the codebook lists them",
                       remedy="show_codebook") from None
    return code.theme, code


def _ancestor_ids(code: Code) -> set[int]:
    found = set()
    while code.parent is not None:
        code = code.parent
        found.add(code.id)
    return found


def _branch(code: Code) -> list[Code]:
    """The code and every code below it."""
    return [code] + [c for child in code.children for c in _branch(child)]


def _check_name_free(session: Session, name: str, theme: Theme | None, parent: Code | None,
                     moving: Code | None = None) -> None:
    """Names are unique among one parent's codes and, in a theme (or at the top level), its
    sub-themes (the top themes): paths stay unique."""
    if parent is not None:
        siblings = [(c.name, c) for c in parent.children]
    elif theme is not None:
        siblings = [(c.name, c) for c in theme.codes] + [(t.name, None) for t in theme.children]
    else:
        siblings = [(c.name, c) for c in top_codes(session)] + [(t.name, None) for t in top_themes(session)]
    if any(n.casefold() == name.casefold() and (c is None or c is not moving) for n, c in siblings):
        where = cb.join_ref(parent.path if parent is not None else theme.path if theme is not None else ())
        where = where or "the top level"
        raise CodebookError(f"a code or sub-theme named {name!r} already exists under {where!r}",
                            "choose another name or parent; names repeat only in different branches")


def _next_position(session: Session, theme: Theme | None, parent: Code | None) -> int:
    """The position after the last code of the parent (a code, a theme or the top level)."""
    if parent is not None:
        return len(parent.children)
    return len(theme.codes) if theme is not None else len(top_codes(session))


def _colour(ref: str, colour: str | None) -> str | None:
    colour = (colour or "").strip()
    if colour and safe_colour(colour) is None:
        raise CodebookError(f"{ref}: colour {colour!r} is neither #hex nor a colour name",
                            "write it like #4C78A8")
    return colour or None


def _theme_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CodebookError("a theme needs a name; e.g. 'Challenges'")
    return name


def _check_free(session: Session, name: str, parent: Theme | None) -> None:
    where = f"under {cb.join_ref(parent.path)!r}" if parent is not None else "at the top of the codebook"
    if _find_theme(session, name, parent) is not None:
        raise CodebookError(f"a theme named {name!r} already exists {where}")
    codes = parent.codes if parent is not None else top_codes(session)
    if any(c.name.casefold() == name.casefold() for c in codes):
        raise CodebookError(f"a code named {name!r} already exists {where}", "choose another name")


def import_codebook(study: Study, actor: Actor, upload: UploadedFile) -> dict:
    """Merge an uploaded codebook YAML into the study; returns ``{"added": n, "updated": m}``."""
    actor.require_admin("import a codebook")
    try:
        text = upload.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{upload.name}: the codebook is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return load_into_study(study, cb.parse_codebook(text, source=upload.name), actor)


# -- the edits inside one session --------------------------------------------------


def _add_code(session: Session, actor: str, parent_ref: str, name: str, definition: str, **fields) -> Code:
    theme, parent = find_parent(session, parent_ref)
    _check_name_free(session, name, theme, parent)
    if not definition.strip():
        raise CodebookError(f"code {name!r}: the definition is empty; say what the code means")
    if "colour" in fields:
        fields["colour"] = _colour(name, fields["colour"])
    position = _next_position(session, theme, parent)
    code = Code(theme=theme, parent=parent, name=name, definition=definition, position=position, **fields)
    session.add(code)
    session.flush()
    audit(session, actor, "code.add", code.ref, after={"definition": definition, **fields})
    return code


def _update_code(session: Session, actor: str, ref: str, **fields) -> Code:
    code = resolve(session, ref)
    before = {k: getattr(code, k) for k in fields}
    if "name" in fields:
        _check_name_free(session, fields["name"], code.theme, code.parent, code)
    for key, value in fields.items():
        setattr(code, key, value)
    session.flush()
    audit(session, actor, "code.update", code.ref, before=before, after=fields)
    return code


def _merge_codes(session: Session, actor: str, source_ref: str, target_ref: str) -> int:
    """Move every coding of ``source`` to ``target``, the codes below ``source`` under ``target``,
    and retire ``source``; returns codings moved. Where a rater had both codes on one unit, the
    two memos are joined; the audit entry lists every coding touched and every code moved, so the
    merge can be traced and undone by hand."""
    source, target = resolve(session, source_ref), resolve(session, target_ref)
    if source.id == target.id:
        raise CodebookError(f"cannot merge {source.ref!r} into itself")
    if source.id in _ancestor_ids(target):
        raise CodebookError(f"cannot merge {source.ref!r} into {target.ref!r}, a code below it",
                            "move that code out of its branch first, or merge the other way")
    for child in source.children:
        _check_name_free(session, child.name, target.theme, target)
    before_ref = source.ref
    moved, joined = _carry_codings(
        session, actor, session.scalars(select(Coding).where(Coding.code_id == source.id)).all(), target)
    children = list(source.children)
    before_children = [child.ref for child in children]
    for child in children:
        child.parent, child.position = target, len(target.children)
        for below in _branch(child):
            below.theme = target.theme
    source.retired = True
    session.flush()
    audit(session, actor, "code.merge", before_ref,
          before={"code": before_ref, "moved": moved, "joined": joined, "children": before_children},
          after={"into": target.ref, "moved": len(moved), "joined": len(joined),
                 "children": [child.ref for child in children]})
    return len(moved)


def _carry_codings(session: Session, actor: str, chosen, target: Code) -> tuple[list[dict], list[dict]]:
    """Move the codings ``chosen`` (of one code) onto ``target``, joining memos where the rater
    had ``target`` on the unit already; returns the audit records of those moved and joined."""
    moved, joined, writes = [], [], []
    targets = {CodingKey.of(c): c.memo for c in session.scalars(select(Coding).where(Coding.code_id == target.id))}
    for coding in chosen:
        record = {"rater_id": coding.rater_id, "transcript_id": coding.transcript_id,
                  "segment_id": coding.segment_id, "span": list(coding.span) if coding.span else None,
                  "memo": coding.memo}
        key = CodingKey.of(coding)
        into = key._replace(code_id=target.id)
        memos = [m for m in (targets.get(into), coding.memo) if m]
        writes += [CodingWrite(key, applied=False), CodingWrite(into, memo="\n\n".join(dict.fromkeys(memos)))]
        (joined if into in targets else moved).append(record)
        targets[into] = writes[-1].memo
    # moving codings is the admin's change to the codebook: it moves finished work too, audited as one entry
    write_codings(session, Actor(actor, "system"), writes, audited=False, consensus=True, check_done=False,
                  carried=True)
    return moved, joined


def _retire_code(session: Session, actor: str, ref: str, retired: bool = True) -> Code:
    code = resolve(session, ref)
    if retired and (active := [c.name for c in code.children if not c.retired]):
        # a retired code leaves the offered and exported codebook: the codes below it would go with it
        raise CodebookError(f"cannot retire {code.ref!r}: {', '.join(active)} below it are still in use",
                            "move or retire the codes below it first, or merge it into another code")
    code.retired = retired
    audit(session, actor, "code.retire" if retired else "code.restore", code.ref)
    return code


def find_theme_by_path(session: Session, path: str) -> Theme:
    parts = [p.strip() for p in cb.split_ref(path) if p.strip()]
    theme = None
    for part in parts:
        theme = _find_theme(session, part, theme)
        if theme is None:
            raise NotFound(f"no theme {path!r} in the codebook", "the codebook lists the themes", remedy="show_codebook")
    if theme is None:
        raise NotFound("name a theme, like 'Challenges'")
    return theme
