"""Quotes: every coded span or segment for a code across the study (a coder: their own codings),
filtered by theme, participant and transcript, each linking to its place on the Code page, with
the same downloads as the findings tables."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from study import codes, quotes
from study.app.common import get_study, require_actor
from study.app.display import attempt, merged_config, plain, table_downloads, table_styler, wrapped
from study.findings import study_participants
from study.listing import transcript_names
from study.sources import findings_sources
from study.table import Column

study, actor = get_study(), require_actor()
ANY = "Any"

def show_quotes() -> None:
    """The filters, then the quotes; returns early (never st.stop: main.py marks the run finished)."""
    refs = [entry.ref for entry in codes.codebook_entries(study, actor)]
    if not refs:
        st.info("The codebook has no codes yet.")
        return
    left, middle, right = st.columns(3)
    chosen_codes = left.multiselect("Codes", refs, placeholder="Every code of the theme")
    theme = middle.selectbox("Theme", [ANY, *codes.theme_paths(study)])
    choice = right.selectbox("Source", findings_sources(study, actor), format_func=lambda c: c.label)
    left, right = st.columns(2)
    participant = left.selectbox("Participant", [ANY, *study_participants(study)])
    transcript = right.selectbox("Transcript", [ANY, *transcript_names(study)])

    if not chosen_codes and theme == ANY:
        st.info("Choose one or more codes, or a theme.")
        return
    table = attempt(quotes.quotes_table, study, actor, chosen_codes or None, None if theme == ANY else theme,
                    None if participant == ANY else participant, None if transcript == ANY else transcript,
                    choice.source, choice.combine)
    if table is None:
        return
    st.caption(plain(table.caption))
    if not table.rows:
        st.info("No quotes for this choice yet.")
        return
    linked = replace(table, columns=(*table.columns, Column("open", "Open")), rows=tuple(
        {**row, "open": "./?" + "&".join(f"{k}={v}" for k, v in (("transcript", row["transcript_id"]),
                                                                 ("segment", row["segment"])) if v is not None)}
        for row in table.rows))  # the table the CLI prints, and a link to the Code page
    room = wrapped(linked)  # long quotes wrap instead of being cut to one line
    st.dataframe(table_styler(linked), hide_index=True, width="stretch", **{**room, "column_config": merged_config(
        room, {"Open": st.column_config.LinkColumn("Open", display_text="Code page")})})
    table_downloads(table)


st.title("Quotes")
show_quotes()
