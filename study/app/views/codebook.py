"""Codebook: browse themes and codes with their guidance; admins add, edit, rename, merge,
retire and import codes; everyone can download it as YAML."""
from __future__ import annotations

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import act, flash, labelled, plain, said, show_flash, table_styler
from study import codes
from study.codes import CodeView
from study.importing.uploads import UploadedFile
from study.errors import StudyError

study, actor = get_study(), require_actor()
ROW_HEIGHT = 66
GUIDANCE = (("definition", "Definition"), ("when_to_use", "When to use"),
            ("when_not_to_use", "When not to use"), ("example", "Example"))


def filtered(entries: list[CodeView]) -> list[CodeView]:
    left, right = st.columns([1, 2])
    themes = list(dict.fromkeys(e.top_theme for e in entries))
    theme = left.selectbox("Theme", ["All themes", *themes])
    needle = right.text_input("Search", placeholder="a word in a name, definition or keyword").strip().casefold()
    shown = [e for e in entries if theme == "All themes" or e.top_theme == theme]
    if needle:
        shown = [e for e in shown if needle in " ".join(
            [e.name, e.definition, e.when_to_use, e.example, *e.keywords]).casefold()]
    return shown


def code_table(entries: list[CodeView]) -> CodeView | None:
    """The codes as one table; returns the entry of the selected row."""
    table = codes.codebook_table(entries)
    event = st.dataframe(
        table_styler(table), hide_index=True, width="stretch", height=min(ROW_HEIGHT * len(entries) + 38, 640),
        row_height=ROW_HEIGHT,  # three lines: long definitions wrap instead of being cut off
        on_select="rerun", selection_mode="single-row", key="codes_table",
        column_order=("theme", "code", "definition"),  # the reference is the theme and code again
        column_config={"theme": st.column_config.TextColumn("Theme", width=150),
                       "code": st.column_config.TextColumn("Code", width=170),
                       "definition": st.column_config.TextColumn("Definition", width="large")},
    )
    rows = event.selection.rows
    return entries[rows[0]] if rows and rows[0] < len(entries) else None


def code_detail(entry: CodeView) -> None:
    st.subheader(plain(entry.name), anchor=False)
    st.caption(plain(entry.theme_label) + (" · retired" if entry.retired else ""))
    for key, label in GUIDANCE:
        labelled(label, getattr(entry, key))
    if entry.keywords:
        labelled("Keywords", ", ".join(entry.keywords))
    if entry.theme_description:
        labelled("About the theme", entry.theme_description)


def edit_forms(entry: CodeView, entries: list[CodeView]) -> None:
    ref = entry.ref
    edit, move, merge, retire = st.tabs(["Edit or rename", "Move", "Merge",
                                         "Retire" if not entry.retired else "Restore"])
    with move:
        themes = [t for t in codes.theme_paths(study) if t != entry.theme_ref]
        target = st.selectbox("Move to theme", themes, index=None, placeholder="choose a theme", key=f"move-{ref}")
        st.button("Move", disabled=target is None, key=f"move-button-{ref}", on_click=act,
                  args=(codes.move_code, study, actor, ref, target),
                  kwargs={"done": lambda new_ref: f"Moved to {new_ref}; its codings went with it."})
    with edit, st.form(f"edit-{ref}", border=False):
        st.text_input("Name", entry.name, key=f"edit-{ref}-name")
        for key, label in GUIDANCE:
            st.text_area(label, getattr(entry, key), height=100 if key == "definition" else 80, key=f"edit-{ref}-{key}")
        st.form_submit_button("Save changes", type="primary", on_click=save_code, args=(ref, entry))
    with merge:
        others = [e.ref for e in entries if e.ref != ref and not e.retired]
        st.caption("Every coding of this code moves to the code you choose; this code is then retired.")
        target = st.selectbox("Merge into", others, index=None, placeholder="choose a code", key=f"merge-{ref}")
        st.button("Merge", disabled=target is None, on_click=act, args=(codes.merge_codes, study, actor, ref, target),
                  kwargs={"done": lambda moved: f"Merged into {target}: {moved} coding(s) moved."})
    with retire:
        if entry.retired:
            st.caption("Offer this code for coding again.")
            st.button("Restore", on_click=act, args=(codes.retire_code, study, actor, ref, False),
                      kwargs={"done": f"Restored {ref}."})
        else:
            st.caption("A retired code keeps its codings but is no longer offered for coding.")
            st.button("Retire", on_click=act, args=(codes.retire_code, study, actor, ref),
                      kwargs={"done": f"Retired {ref}."})


def save_code(ref: str, entry: CodeView) -> None:
    """Write the fields of the edit form that changed (a changed name renames the code)."""
    stored = {"name": entry.name, **{key: getattr(entry, key) for key, _ in GUIDANCE}}
    changed = {k: st.session_state[f"edit-{ref}-{k}"] for k in stored
               if st.session_state[f"edit-{ref}-{k}"] != stored[k]}
    if not changed:
        flash("success", "Nothing changed.")
        return
    act(codes.edit_code, study, actor, ref, **changed, done=lambda new_ref: f"Saved {new_ref}.")


def add_code_form() -> None:
    themes = codes.theme_paths(study)
    with st.form("add-code", clear_on_submit=True):
        theme = st.selectbox("Theme", themes)
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
        new_name = st.text_input("New name", key="theme-rename-name")
        st.button("Rename theme", disabled=not (theme and new_name.strip()), key="theme-rename",
                  on_click=act, args=(codes.rename_theme, study, actor, theme, new_name),
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
    st.caption(f"{len(live)} codes in {len({e.top_theme for e in live})} themes. "
               "Select a code to read its guidance" + (" or change it." if actor.is_admin else "."))
shown = filtered(entries) if entries else []
table, detail = st.columns([3, 2], gap="large")
with table:
    selected = code_table(shown) if shown else None
    if entries and not shown:
        st.info("No code matches.")
with detail:
    if selected is not None:
        code_detail(selected)
        if actor.is_admin:
            edit_forms(selected, entries)
    elif shown:
        st.caption("Select a row to see the code's definition, when to use it and an example.")
if actor.is_admin:
    with st.expander("Add a code", icon=":material/add:"):
        add_code_form()
    with st.expander("Themes: create, rename, move", icon=":material/account_tree:"):
        themes_section()
with st.expander("Import and export", icon=":material/swap_vert:"):
    yaml_section()
