"""Codebook: browse the tree of themes and codes with their guidance; admins add codes under a
theme or a code, edit, rename, recolour, move, merge, split, retire and import them; everyone can
download it as YAML."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import (
    Typed,
    act,
    flash,
    labelled,
    merged_config,
    plain,
    said,
    show_flash,
    table_styler,
    wrapped,
)
from study import codebook as cb
from study import codes
from study.codes import CodeView
from study.importing.uploads import UploadedFile
from study.errors import StudyError

study, actor = get_study(), require_actor()
THEMES = set(codes.theme_paths(study))
TOP_LEVEL = "the top level (no theme)"
NO_COLOUR = "#000000"  # the colour picker's value for a code without a colour (black is never saved)
TABLE_PX = 470  # the table's column at 1280 px, beside the code's guidance
GUIDANCE = (("definition", "Definition"), ("when_to_use", "When to use"),
            ("when_not_to_use", "When not to use"), ("example", "Example"))


def filtered(entries: list[CodeView]) -> list[CodeView]:
    left, right = st.columns([1, 2])
    themes = list(dict.fromkeys(e.top_theme for e in entries))
    theme = left.selectbox("Theme", ["All themes", *themes], format_func=lambda t: t or TOP_LEVEL)
    needle = right.text_input("Search", placeholder="a word in a name, definition or keyword").strip().casefold()
    shown = [e for e in entries if theme == "All themes" or e.top_theme == theme]
    if needle:
        shown = [e for e in shown if needle in " ".join(
            [e.name, e.definition, e.when_to_use, e.example, *e.keywords]).casefold()]
    return shown


def code_table(entries: list[CodeView]) -> CodeView | None:
    """The codes as one table; returns the entry of the selected row."""
    table = codes.codebook_table(entries)
    shown = replace(table, columns=tuple(c for c in table.columns if c.key != "path"))  # path: theme and code again
    room = wrapped(shown, max_height=640, width=TABLE_PX, selectable=True)  # long definitions wrap, never cut to 105 px
    event = st.dataframe(
        table_styler(table), hide_index=True, width="stretch", **{**room, "column_config": merged_config(room, {
            "theme": st.column_config.TextColumn("Theme"), "code": st.column_config.TextColumn("Code"),
            "definition": st.column_config.TextColumn("Definition")})},
        on_select="rerun", selection_mode="single-row", key="codes_table",
        column_order=("theme", "code", "definition"),
    )
    rows = event.selection.rows
    return entries[rows[0]] if rows and rows[0] < len(entries) else None


def code_detail(entry: CodeView, entries: list[CodeView]) -> None:
    st.subheader(plain(entry.name), anchor=False)
    st.caption(plain(" / ".join(entry.path[:-1])) + (" · retired" if entry.retired else ""))
    below = [e.name for e in entries if e.parent_id == entry.id and not e.retired]
    if below:
        labelled("Codes below", ", ".join(below))
    for key, label in GUIDANCE:
        labelled(label, getattr(entry, key))
    if entry.keywords:
        labelled("Keywords", ", ".join(entry.keywords))
    if entry.theme_description:
        labelled("About the theme", entry.theme_description)


def parents(entries: list[CodeView], leaving_out: CodeView | None = None) -> list[str]:
    """Where a code may go: every theme path, the top level (""), then every code outside
    ``leaving_out``'s branch."""
    def outside(entry: CodeView) -> bool:
        return leaving_out is None or entry.path[:len(leaving_out.path)] != leaving_out.path

    return [*codes.theme_paths(study), ""] + [e.ref for e in entries if not e.retired and outside(e)]


def parent_label(ref: str) -> str:
    if not ref:
        return TOP_LEVEL
    return f"theme · {ref}" if ref in THEMES else f"code · {ref}"


def edit_forms(entry: CodeView, entries: list[CodeView]) -> None:
    ref = entry.ref
    edit, move, merge, split, retire = st.tabs(["Edit or rename", "Move", "Merge", "Split",
                                                "Retire" if not entry.retired else "Restore"])
    with move:
        here = cb.join_ref(entry.path[:-1])
        options = [p for p in parents(entries, entry) if p != here]
        target = st.selectbox("Move under", options, index=None, placeholder="choose a theme or a code",
                              format_func=parent_label, key=f"move-{ref}")
        st.button("Move", disabled=target is None, key=f"move-button-{ref}", on_click=act,
                  args=(codes.move_code, study, actor, ref, target),
                  kwargs={"done": lambda new_ref: f"Moved to {new_ref}; its codings and the codes below it went with it."})
    with edit, st.form(f"edit-{ref}", border=False):
        st.text_input("Name", entry.name, key=f"edit-{ref}-name")
        for key, label in GUIDANCE:
            st.text_area(label, getattr(entry, key), height=100 if key == "definition" else 80, key=f"edit-{ref}-{key}")
        st.color_picker("Colour", entry.colour if entry.colour and len(entry.colour) == 7 and entry.colour[0] == "#"
                        else NO_COLOUR, key=f"edit-{ref}-colour")
        st.form_submit_button("Save changes", type="primary", on_click=save_code, args=(ref, entry))
    with merge:
        others = [e.ref for e in entries if e.ref != ref and not e.retired]
        st.caption("Every coding of this code moves to the code you choose, and so do the codes below it; "
                   "this code is then retired. The audit log lists each coding moved.")
        target = st.selectbox("Merge into", others, index=None, placeholder="choose a code", key=f"merge-{ref}")
        st.button("Merge", disabled=target is None, on_click=act, args=(codes.merge_codes, study, actor, ref, target),
                  kwargs={"done": lambda moved: f"Merged into {target}: {moved} coding(s) moved."})
    with split:
        split_form(entry, entries)
    with retire:
        if entry.retired:
            st.caption("Offer this code for coding again.")
            st.button("Restore", on_click=act, args=(codes.retire_code, study, actor, ref, False),
                      kwargs={"done": f"Restored {ref}."})
        else:
            st.caption("A retired code keeps its codings but is no longer offered for coding.")
            st.button("Retire", on_click=act, args=(codes.retire_code, study, actor, ref),
                      kwargs={"done": f"Retired {ref}."})


def split_form(entry: CodeView, entries: list[CodeView]) -> None:
    """Split a code by moving the codings of the units chosen to another code (made first if new)."""
    ref = entry.ref
    units = codes.code_units(study, actor, ref)
    if not units:
        st.caption("No coding carries this code: there is nothing to split.")
        return
    st.caption("Choose the units whose codings move to another code; the rest stay with this one.")
    labels = {f"{t} · {'whole transcript' if s is None else f'#{s}'} ({n} coding{'s' if n != 1 else ''})": (t, s)
              for t, s, n in units}
    chosen = st.multiselect("Units", list(labels), key=f"split-units-{ref}")
    others = [e.ref for e in entries if e.ref != ref and not e.retired]
    target = st.selectbox("Move their codings to", others, index=None, placeholder="choose a code",
                          key=f"split-target-{ref}", help="To split into a new code, add it first (Add a code).")
    st.button("Move codings", disabled=target is None or not chosen, key=f"split-button-{ref}", on_click=act,
              args=(codes.move_codings, study, actor, ref, target, [labels[c] for c in chosen]),
              kwargs={"done": lambda moved: f"Moved {moved} coding(s) to {target}."})


def save_code(ref: str, entry: CodeView) -> None:
    """Write the fields of the edit form that changed (a changed name renames the code)."""
    stored = {"name": entry.name, **{key: getattr(entry, key) for key, _ in GUIDANCE},
              "colour": (entry.colour or NO_COLOUR).lower()}
    shown = {k: st.session_state[f"edit-{ref}-{k}"] for k in stored}
    shown["colour"] = shown["colour"].lower()  # the picker may answer in either case
    changed = {k: v for k, v in shown.items() if v != stored[k] and not (k == "colour" and v == NO_COLOUR)}
    if not changed:
        flash("success", "Nothing changed.")
        return
    act(codes.edit_code, study, actor, ref, **changed, done=lambda new_ref: f"Saved {new_ref}.")


def add_code_form(entries: list[CodeView]) -> None:
    with st.form("add-code", clear_on_submit=True):
        theme = st.selectbox("Under", parents(entries), format_func=parent_label,
                             help="A theme, or a code: the new code goes below it.")
        name = st.text_input("Name")
        guidance = {key: st.text_area(label, height=80) for key, label in GUIDANCE}
        if st.form_submit_button("Add code", type="primary", icon=":material/add:"):
            try:
                ref = codes.add_code(study, actor, theme or "", name, guidance.pop("definition"), **guidance)
            except StudyError as exc:
                flash("error", said(exc))
            else:
                flash("success", f"Added {ref}.")
            st.rerun()


def themes_section() -> None:
    """Create, rename and move themes (a theme moves with its sub-themes and codes)."""
    paths = codes.theme_paths(study)
    create, rename, move = st.tabs(["Create", "Rename", "Move"])
    with create, st.form("theme-add", clear_on_submit=True, border=False):
        name = st.text_input("Name of the new theme", help="Any characters, '/' included.")
        parent = st.selectbox("Under", [None, *paths], format_func=lambda p: "the top of the codebook" if p is None else p)
        description = st.text_area("Description (optional)", height=68)
        if st.form_submit_button("Create theme", type="primary", icon=":material/add:"):
            act(codes.add_theme, study, actor, name, parent, description, done=lambda ref: f"Created theme {ref}.")
            st.rerun()
    with rename:
        theme = st.selectbox("Theme", paths, index=None, placeholder="choose a theme", key="theme-rename-which")
        st.text_input("New name", key="theme-rename-name")
        # the name is read when the button acts: typed, then clicked at once, it is the name used
        st.button("Rename theme", disabled=theme is None, key="theme-rename",
                  on_click=act, args=(codes.rename_theme, study, actor, theme, Typed("theme-rename-name")),
                  kwargs={"done": lambda ref: f"Renamed to {ref}; its codes and codings follow."})
    with move:
        theme = st.selectbox("Theme", paths, index=None, placeholder="choose a theme", key="theme-move-which")
        parent = st.selectbox("Move under", [None, *[p for p in paths if p != theme]], key="theme-move-parent",
                              format_func=lambda p: "the top of the codebook" if p is None else p)
        st.button("Move theme", disabled=theme is None, key="theme-move", on_click=act,
                  args=(codes.move_theme, study, actor, theme, parent),
                  kwargs={"done": lambda ref: f"Moved to {ref}."})


def yaml_section() -> None:
    st.download_button("Download codebook (YAML)", codes.codebook_yaml(study), file_name="codebook.yaml",
                       mime="application/x-yaml", icon=":material/download:")
    if not actor.is_admin:
        return
    with st.form("import-yaml", clear_on_submit=True):
        upload = st.file_uploader("Import a codebook (YAML)", type=["yaml", "yml"],
                                  help="New themes and codes are added; codes with the same path are updated.")
        if st.form_submit_button("Import", icon=":material/upload:") and upload is not None:
            try:
                result = codes.import_codebook(study, actor, UploadedFile(upload.name, upload.getvalue()))
            except StudyError as exc:
                flash("error", said(exc))
            else:
                flash("success", f"Codebook imported: {result['added']} code(s) added, {result['updated']} updated.")
            st.rerun()


st.title("Codebook")
show_flash()
entries = codes.codebook_entries(study, actor)
if not entries:
    st.info("The codebook is empty." + (" Import one below." if actor.is_admin else ""))
else:
    live = [e for e in entries if not e.retired]
    st.caption(f"{len(live)} codes in {len({e.top_theme for e in live} - {''})} themes. "
               "Select a code to read its guidance" + (" or change it." if actor.is_admin else "."))
shown = filtered(entries) if entries else []
table, detail = st.columns([3, 2], gap="large")
with table:
    selected = code_table(shown) if shown else None
    if entries and not shown:
        st.info("No code matches.")
with detail:
    if selected is not None:
        code_detail(selected, entries)
        if actor.is_admin:
            edit_forms(selected, entries)
    elif shown:
        st.caption("Select a row to see the code's definition, when to use it and an example.")
if actor.is_admin:
    with st.expander("Add a code", icon=":material/add:"):
        add_code_form(entries)
    with st.expander("Themes: create, rename, move", icon=":material/account_tree:"):
        themes_section()
with st.expander("Import and export", icon=":material/swap_vert:"):
    yaml_section()
