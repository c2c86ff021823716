"""The study browser app (Streamlit). Run with `study app` or `study app`.

Pages are thin: they read state, call `study` and draw. Every rule (permissions included)
lives in the `study` package.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from study.app.components.session_cookie import COOKIE, write_session_cookie
from study.app.common import (
    current_actor,
    freeze_long_lived_objects,
    hide_fragment_markers,
    mark_page_ready,
    resume_browser_session,
    session_cookie_code,
    session_token,
    sign_out,
)

# A local icon: a :material/...: favicon would be fetched from Google's servers.
ICON = Path(__file__).parent / "components" / "icon.svg"
st.set_page_config(page_title="study", page_icon=str(ICON), layout="wide")

actor = current_actor() or resume_browser_session()
# First in every run, signed in or not: the run that signs in hands the code to a writer already
# mounted with the sign-in page (a reload right after signing in keeps the session). Signed out:
# just signed out, or the browser still holds a cookie whose session ended (a reload may have cut
# the sign-out's own request short), so the browser's cookie is cleared.
write_session_cookie(session_cookie_code() if actor else None,
                     clear=actor is None and (session_token() is not None or bool(st.context.cookies.get(COOKIE))))
if actor is None:
    pages = [st.Page("views/sign_in.py", title="Sign in", icon=":material/login:")]
else:
    pages = [
        st.Page("views/code.py", title="Code", icon=":material/edit_note:", default=True),
        st.Page("views/transcripts.py", title="Transcripts", icon=":material/description:"),
        st.Page("views/codebook.py", title="Codebook", icon=":material/menu_book:"),
        st.Page("views/agreement.py", title="Agreement", icon=":material/handshake:"),
        st.Page("views/quotes.py", title="Quotes", icon=":material/format_quote:"),
        st.Page("views/search.py", title="Search", icon=":material/search:"),
    ]
    if actor.is_admin:
        pages += [
            st.Page("views/adjudicate.py", title="Adjudicate", icon=":material/gavel:"),
            st.Page("views/findings.py", title="Findings", icon=":material/table_chart:"),
            st.Page("views/exchange.py", title="Exchange", icon=":material/swap_horiz:"),
            st.Page("views/audit.py", title="Audit", icon=":material/history:"),
        ]
    with st.sidebar:
        st.text(f"Signed in as {actor.name} ({actor.role})")  # st.text: a user name is never Markdown
        st.button("Sign out", on_click=sign_out, icon=":material/logout:")

page = st.navigation(pages)
hide_fragment_markers()
page.run()
mark_page_ready(page.title)
freeze_long_lived_objects()
