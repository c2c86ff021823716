"""Search: every turn of the study whose words match, in context (before, match, after), filtered
by participant and their attributes, speaker role, code and transcript; each hit opens the Code
page at its turn with the match highlighted, and the hits (chosen ones, or all shown) can be coded
as the signed-in rater. The address holds the words (``?q=...``): the Code page's search box
and a shared link land here with them."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from study import codes, search
from study.app.common import get_study, require_actor
from study.app.display import attempt, flash, merged_config, plain, said, show_flash, table_styler, wrapped
from study.errors import StudyError
from study.findings import study_participants
from study.listing import transcript_names
from study.participants import attribute_values
from study.sources import findings_sources
from study.table import Column

study, actor = get_study(), require_actor()
QUERY, PAGE, CODE = "search.q", "search.page", "search.code"
PER_PAGE = 100
ANY = "any rater"


def words_from_address() -> None:
    """The words the address names (the Code page's search box, a shared link), once per change."""
    named = st.query_params.get("q", "")
    if named and named != st.session_state.get("search.url_q"):
        st.session_state["search.url_q"] = named
        st.session_state[QUERY] = named
        st.session_state[PAGE] = 0


def words_typed() -> None:
    st.query_params["q"] = st.session_state.get(QUERY, "")
    st.session_state["search.url_q"] = st.session_state.get(QUERY, "")
    st.session_state[PAGE] = 0


def chosen_filters() -> search.Filters:
    """The filters the page shows, in an expander that says how many are set."""
    with st.expander("Filters", icon=":material/filter_list:"):
        left, middle, right = st.columns(3)
        people = left.multiselect("Participants", study_participants(study), placeholder="Any participant")
        attributes = middle.multiselect("Participant attributes", [f"{name}={value}" for name, value in
                                                                   attribute_values(study)],
                                        placeholder="Any attributes")
        roles = right.multiselect("Speaker role", ["participant", "interviewer"], placeholder="Any speaker")
        left, middle, right = st.columns(3)
        refs = left.multiselect("Codes", [entry.ref for entry in codes.codebook_entries(study, actor)],
                                placeholder="Coded or not")
        names = middle.multiselect("Transcripts", transcript_names(study),
                                   placeholder="Every transcript")
        rater = None
        if actor.is_admin:  # a coder's code filter reads their own codings only (the blind rule)
            raters = [ANY, *(choice.source for choice in findings_sources(study, actor) if "," not in choice.source)]
            picked = right.selectbox("Codes applied by", raters)
            rater = None if picked == ANY else picked
        else:
            right.caption("The code filter reads your own codings.")
    pairs = tuple(tuple(text.split("=", 1)) for text in attributes)
    return search.Filters(tuple(people), pairs, tuple(roles), tuple(refs), tuple(names), rater)


def hits_view(results: search.Results) -> list[int]:
    """The hits as a concordance (before | match | after) with a link to each on the Code page;
    returns the segment ids of the rows chosen."""
    table = search.results_table(results)
    linked = replace(table, columns=(*table.columns, Column("open", "Open")), rows=tuple(
        {**row, "open": "./" + hit.link()} for row, hit in zip(table.rows, results.hits)))
    room = wrapped(linked, selectable=True)
    config = {"Open": st.column_config.LinkColumn("Open", display_text="Code page"),
              "Before": st.column_config.TextColumn("Before", width="medium"),
              "After": st.column_config.TextColumn("After", width="medium")}
    chosen = st.dataframe(
        table_styler(linked, colour={"match": lambda _: "font-weight: 700; background-color: #fff1a8"}),
        hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row", key="search.table",
        **{**room, "column_config": merged_config(room, config)})
    return [results.hits[n].segment_id for n in chosen.selection.rows]


def code_hits(segment_ids: list[int]) -> None:
    """Apply the chosen code to the hits, as the signed-in rater (their own codings)."""
    ref = st.session_state.get(CODE)
    try:
        done = search.code_hits(study, actor, segment_ids, ref)
    except StudyError as exc:
        flash("error", said(exc))
        return
    flash("success", f"{ref}: applied to {done.applied} turn(s), {done.already} had it already.")
    for name, why in done.refused:
        flash("warning", f"Not applied in {name}: {said(why)}")


def coding_bar(results: search.Results, chosen: list[int]) -> None:
    refs = [entry.ref for entry in codes.codebook_entries(study, actor) if not entry.retired]
    if not refs:
        return
    pick, selected, shown = st.columns([3, 1, 1], vertical_alignment="bottom")
    pick.selectbox("Code the hits with", refs, key=CODE)
    yours = f"The code goes into your own codings ({actor.name})."
    selected.button(f"Code chosen ({len(chosen)})", disabled=not chosen, on_click=code_hits, args=(chosen,),
                    width="stretch", help=f"Choose rows in the table first (the boxes on the left). {yours}")
    shown.button(f"Code all shown ({len(results.hits)})", on_click=code_hits,
                 args=([hit.segment_id for hit in results.hits],), width="stretch", help=yours)


def pager(results: search.Results) -> None:
    pages = -(-results.total // PER_PAGE)
    if pages <= 1:
        return
    st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, key="search.page_number",
                    on_change=lambda: st.session_state.__setitem__(PAGE, st.session_state["search.page_number"] - 1))


def search_page() -> None:
    words_from_address()
    st.text_input("Search the transcripts", key=QUERY, on_change=words_typed,
                  placeholder='words, "a phrase", or the start of a word*  (case and accents do not matter)')
    filters = chosen_filters()
    show_flash()
    typed = st.session_state.get(QUERY, "")
    if not typed.strip():
        st.caption('Every word must occur; "a phrase" needs its words in a row; licen* finds license, licence...; '
                   'hugging face also finds HuggingFace.')
        return
    page = st.session_state.get(PAGE, 0)
    results = attempt(search.search, study, actor, typed, filters, PER_PAGE, page * PER_PAGE)
    if results is None:
        return
    st.caption(plain(search.results_table(results).caption))
    if not results.hits:
        st.info("No turn matches.")
        return
    chosen = hits_view(results)
    for hit in [h for h in results.hits if h.segment_id in chosen][:1]:  # the chosen row, in this tab
        st.page_link("views/code.py", label=plain(f"Open {hit.transcript} #{hit.index} on the Code page"),
                     query_params=hit.address(),
                     icon=":material/open_in_browser:")
    coding_bar(results, chosen)
    pager(results)


st.title("Search")
search_page()
