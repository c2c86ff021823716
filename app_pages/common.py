"""What every page shares: the open study, the signed-in actor. No rules live here."""
from __future__ import annotations

import os

import streamlit as st

from study.auth import Actor
from study.store import Study

ACTOR_KEY = "actor"


@st.cache_resource
def get_study() -> Study:
    """One engine per server process; sessions are short and per call (thread-safe)."""
    return Study.open(os.environ.get("STUDY_DB"))


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:
        st.stop()
    return actor


def sign_out() -> None:
    st.session_state.clear()
