"""What every page shares: the open study, the signed-in actor, the page-ready marker.
No rules live here."""
from __future__ import annotations

import functools
import gc
import html
import os
import sys
from collections.abc import Callable
from typing import ParamSpec

import streamlit as st

from study.app.session_handoff import COOKIE, DEVICE_COOKIE, grant
from study.auth import (
    DEVICE_LIFETIME,
    SESSION_LIFETIME,
    Actor,
    end_session,
    remember_device,
    resume_session,
    start_session,
)
from study.store import Study

ACTOR_KEY = "actor"
TOKEN_KEY = "session_token"
COOKIE_CODE_KEY = "session_cookie_code"
P = ParamSpec("P")


def get_study() -> Study:
    """The study named by $STUDY_DB: one engine per database and server process; sessions are
    short and per call (thread-safe)."""
    return _open_study(os.environ.get("STUDY_DB") or "")


@st.cache_resource(show_spinner=False)
def _open_study(url: str) -> Study:
    return Study.open(url or None)


def current_actor() -> Actor | None:
    """The signed-in actor, re-read from the session on every run: a role change takes effect at
    once, and a password change or expiry signs the tab out. (A state without a token is what
    AppTest tests set up directly.)"""
    token = session_token()
    if token is None:
        return st.session_state.get(ACTOR_KEY)
    actor = resume_session(get_study(), token)
    if actor is None:
        st.session_state.pop(ACTOR_KEY, None)
    else:
        st.session_state[ACTOR_KEY] = actor
    return actor


def set_actor(actor: Actor) -> None:
    """Sign the browser in: this tab at once, and its reloads through a session cookie; the device
    cookie marks it as a browser that signed in to this account before. The server sets both for
    a one-time code: page script never sees a token."""
    token = start_session(get_study(), actor)
    device = remember_device(get_study(), actor, device_token())
    st.session_state[ACTOR_KEY], st.session_state[TOKEN_KEY] = actor, token
    st.session_state[COOKIE_CODE_KEY] = grant(token, int(SESSION_LIFETIME.total_seconds()),
                                              device, int(DEVICE_LIFETIME.total_seconds()))


def device_token() -> str | None:
    """The device cookie this browser sent: it signed in here before (study.auth.sign_in)."""
    return st.context.cookies.get(DEVICE_COOKIE)


def session_cookie_code() -> str | None:
    """The one-time code that has the server set this browser's session cookie (after sign-in)."""
    return st.session_state.get(COOKIE_CODE_KEY)


def session_token() -> str | None:
    return st.session_state.get(TOKEN_KEY)


def resume_browser_session() -> Actor | None:
    """The actor whose session cookie this browser sent, if it is still valid."""
    token = st.context.cookies.get(COOKIE)
    actor = resume_session(get_study(), token)
    if actor is not None:
        st.session_state[ACTOR_KEY], st.session_state[TOKEN_KEY] = actor, token
    return actor


def require_actor() -> Actor:
    """The actor main.py resolved for this run (pages run after it; no second look-up)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        st.stop()
    return actor


def sign_out() -> None:
    """End the session on the server (the cookie's token stops working) and forget this tab's state;
    the token stays in session state for one run, so that the page clears the cookie."""
    token = session_token()
    end_session(get_study(), token)
    st.session_state.clear()
    st.session_state[TOKEN_KEY] = token


RUNS_KEY = "page_runs"


def mark_page_ready(page_title: str) -> None:
    """An invisible marker that the page's run finished, numbered by this tab's runs (browser tests
    and benchmarks wait for it: a click's run has finished once the number has grown)."""
    _mark_run_finished("study-page-ready", f' data-page="{html.escape(page_title)}"')


def fragment(body: Callable[P, None]) -> Callable[P, None]:
    """``st.fragment`` whose every run ends with a numbered marker, as a page run does
    (``mark_page_ready``): a fragment's run is seen finished even when the browser, busy, never
    showed it running (both script states drawn in one frame)."""
    @st.fragment
    @functools.wraps(body)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        body(*args, **kwargs)
        _mark_run_finished("study-fragment-ready")

    return run


def hide_fragment_markers() -> None:
    """The fragments' run markers take no room (each would add a gap where its fragment ends)."""
    st.html('<style>[data-testid="stElementContainer"]:has([data-testid="study-fragment-ready"]) '
            "{ display: none; }</style>")


def _mark_run_finished(testid: str, attributes: str = "") -> None:
    runs = st.session_state[RUNS_KEY] = st.session_state.get(RUNS_KEY, 0) + 1
    st.html(f'<span data-testid="{testid}"{attributes} data-run="{runs}" hidden></span>')


_modules_frozen = 0


def freeze_long_lived_objects() -> None:
    """Move what imports created out of the garbage collector's reach (``gc.freeze``).

    Streamlit runs a full ``gc.collect()`` after every script run, before the run's output
    reaches the browser; over the objects of this app's libraries that takes 100-200 ms,
    more than all the rest of a click. Objects created by imports live as long as the process,
    so they are frozen whenever new modules have been imported (a few times per process: what
    else is alive then is frozen too, and is freed by reference counting, not by the cycle
    collector); the collection then walks only what sessions create.
    """
    global _modules_frozen
    if len(sys.modules) != _modules_frozen:
        gc.collect()  # garbage made so far is freed, not frozen
        gc.freeze()
        _modules_frozen = len(sys.modules)
