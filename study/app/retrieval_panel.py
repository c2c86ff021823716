"""The Code page's side panel: a search box (to the Search page) and retrieval while coding: for
the code chosen, its definition and where it was applied in the other transcripts (the coder's
own codings; an admin picks a rater or the consensus), each a link to that place on the Code page.

Drawn in the sidebar, apart from the coding workspace, as a fragment of its own: choosing another
code redraws the panel only."""
from __future__ import annotations

import streamlit as st

from study import codes, retrieval
from study.app.common import fragment
from study.app.display import attempt, labelled, plain
from study.auth import Actor
from study.store import Study

SEARCH, GO = "code.search", "code.search_go"
CODE, RATER = "retrieve.code", "retrieve.rater"


def search_box() -> None:
    """Words typed here open the Search page with them (its address holds them)."""
    st.text_input("Search the study", key=SEARCH, placeholder='words, "a phrase", prefix*',
                  on_change=st.session_state.__setitem__, args=(GO, True), icon=":material/search:")
    if st.session_state.pop(GO, False) and st.session_state.get(SEARCH, "").strip():
        st.switch_page("views/search.py", query_params={"q": st.session_state[SEARCH]})


@fragment
def retrieval_panel(study: Study, actor: Actor, shown_key: str) -> None:
    """The chosen code's definition and its codings outside the transcript the Code page shows
    (read from ``st.session_state[shown_key]`` on each run: the page's own fragment may have
    changed it since this panel was last drawn)."""
    shown = st.session_state.get(shown_key)
    refs = [entry.ref for entry in codes.codebook_entries(study, actor)]
    ref = st.selectbox("Retrieve a code", refs, index=None, placeholder="Choose a code", key=CODE,
                       help="Where this code was applied in the other transcripts, to compare before coding.")
    if ref is None:
        return
    rater = None
    if actor.is_admin:
        rater = st.selectbox("Codings of", retrieval.retrieval_raters(study, actor), key=RATER)
    found = attempt(retrieval.retrieve, study, actor, ref, rater, shown)
    if found is None:
        return
    labelled("Definition", found.code.definition or "(none)")
    labelled("When to use", found.code.when_to_use)
    labelled("When not to use", found.code.when_not_to_use)
    whose = "your codings" if found.rater == actor.name else f"{found.rater}'s codings"
    more = f" (the first {len(found.items)})" if len(found.items) < found.total else ""
    st.caption(plain(f"{found.total} in the other transcripts, {whose}{more}"))
    for item in found.items:
        st.page_link("views/code.py", label=plain(item.place), query_params=item.link(),
                     icon=":material/arrow_forward:")
        st.caption(plain(item.text))
