"""Sign in with a study account (user name and password); failed attempts are throttled in study.auth."""
from __future__ import annotations

import streamlit as st

from study.app.common import device_token, get_study, set_actor
from study.auth import sign_in
from study.errors import StudyError

PROBLEM_KEY = "sign_in.problem"


def submit() -> None:
    """Runs before the page: on success the same run already shows the signed-in pages."""
    name = st.session_state.get("sign_in.name", "").strip()
    password = st.session_state.pop("sign_in.password", "")
    if not name or not password:
        st.session_state[PROBLEM_KEY] = "Enter your user name and password."
        return
    try:
        set_actor(sign_in(get_study(), name, password, client=st.context.ip_address, device=device_token()))
    except StudyError as exc:
        st.session_state[PROBLEM_KEY] = f"Not signed in: {exc}."


st.title("Sign in")
st.caption("Sign in with the account your study's admin gave you.")

with st.form("sign_in", enter_to_submit=True, width=420):
    st.text_input("User name", key="sign_in.name", autocomplete="username")
    st.text_input("Password", key="sign_in.password", type="password", autocomplete="current-password")
    st.form_submit_button("Sign in", type="primary", on_click=submit)

if PROBLEM_KEY in st.session_state:
    st.error(st.session_state.pop(PROBLEM_KEY), icon=":material/lock:")
