"""The study browser app (Streamlit). Run with `study app` or `streamlit run app.py`.

Pages are thin: they read state, call `study` and draw. Every rule (permissions included)
lives in the `study` package.
"""
from __future__ import annotations

import streamlit as st

from app_pages.common import current_actor, sign_out

st.set_page_config(page_title="study", page_icon=":material/forum:", layout="wide")

actor = current_actor()
if actor is None:
    pages = [st.Page("app_pages/sign_in.py", title="Sign in", icon=":material/login:")]
else:
    pages = [
        st.Page("app_pages/code.py", title="Code", icon=":material/edit_note:", default=True),
        st.Page("app_pages/transcripts.py", title="Transcripts", icon=":material/description:"),
        st.Page("app_pages/codebook.py", title="Codebook", icon=":material/menu_book:"),
        st.Page("app_pages/agreement.py", title="Agreement", icon=":material/handshake:"),
    ]
    if actor.is_admin:
        pages += [
            st.Page("app_pages/adjudicate.py", title="Adjudicate", icon=":material/gavel:"),
            st.Page("app_pages/findings.py", title="Findings", icon=":material/table_chart:"),
            st.Page("app_pages/audit.py", title="Audit", icon=":material/history:"),
        ]
    with st.sidebar:
        st.caption(f"Signed in as **{actor.name}** ({actor.role})")
        st.button("Sign out", on_click=sign_out, icon=":material/logout:")

st.navigation(pages).run()
