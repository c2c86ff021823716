"""Keeps a signed-in browser signed in across reloads: writes (or clears) the session cookie.

The cookie holds a random token; the server stores only its hash (study.auth.start_session)
and resolves it on the next page load from ``st.context.cookies``. SameSite=Strict, 12 hours.
"""
from __future__ import annotations

import streamlit as st

from study.auth import SESSION_LIFETIME

COOKIE = "study_session"

_JS = """
export default function sessionCookie({ data }) {
  const token = (data && data.token) || "";
  const attributes = "; path=/; SameSite=Strict; max-age=" + (token ? data.max_age : 0);
  const cookie = "%s=" + encodeURIComponent(token) + attributes;
  document.cookie = cookie;
}
""" % COOKIE

_mount = st.components.v2.component("study.session_cookie", js=_JS)


def write_session_cookie(token: str | None) -> None:
    """Mount the (invisible) cookie writer: the token while signed in, nothing to clear it."""
    _mount(key="session_cookie", data={"token": token or "", "max_age": int(SESSION_LIFETIME.total_seconds())})
