"""Quotes: every coded span or segment for a code across the study (a coder: their own codings),
filtered by theme, participant and transcript, each linking to its place on the Code page, with
the same downloads as the findings tables. The quotes are shown a page at a time, counted and cut
in the database (study.quotes.quotes_page); a download holds every quote."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from study import codes, quotes
from study.app.common import get_study, require_actor
from study.app.display import (
    attempt, first_page, merged_config, page_number, pager, plain, table_downloads, table_styler, wrapped,
)
from study.findings import study_participants
from study.listing import transcript_names
from study.sources import findings_sources
from study.table import Column

study, actor = get_study(), require_actor()
ANY = "Any"
ROWS, PAGE = 50, "quotes_page"  # quotes a page; the page shown


def show_quotes() -> None:
    """The filters, then the quotes; returns early (never st.stop: main.py marks the run finished)."""
    refs = [entry.ref for entry in codes.codebook_entries(study, actor)]
    if not refs:
        st.info("The codebook has no codes yet.")
        return
    left, middle, right = st.columns(3)
    again = {"on_change": first_page, "args": (PAGE,)}  # a changed choice starts at the first page
    chosen_codes = left.multiselect("Codes", refs, placeholder="Every code of the theme", **again)
    theme = middle.selectbox("Theme", [ANY, *codes.theme_paths(study)], **again)
    choice = right.selectbox("Source", findings_sources(study, actor), format_func=lambda c: c.label, **again)
    left, right = st.columns(2)
    participant = left.selectbox("Participant", [ANY, *study_participants(study)], **again)
    transcript = right.selectbox("Transcript", [ANY, *transcript_names(study)], **again)

    if not chosen_codes and theme == ANY:
        st.info("Choose one or more codes, or a theme.")
        return
    asked = (chosen_codes or None, None if theme == ANY else theme, None if participant == ANY else participant,
             None if transcript == ANY else transcript, choice.source, choice.combine)
    page = attempt(quotes.quotes_page, study, actor, *asked, number=page_number(PAGE), size=ROWS)
    if page is None:
        return
    table = page.table
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
    pager(PAGE, page, "quotes")
    table_downloads(table, whole=lambda: quotes.quotes_table(study, actor, *asked))  # every quote, read on download


st.title("Quotes")
show_quotes()
