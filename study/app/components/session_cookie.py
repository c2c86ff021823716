"""Keeps a signed-in browser signed in across reloads, without page script ever holding the cookie.

The server sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS; see
study.app.server): this invisible component only posts a one-time code for it, or asks the server
to clear it on sign-out. It is mounted by every run, first and in the same place signed in or not,
so it is already running when the run that signs in reaches the browser and posts the code at once
(``keepalive``: a reload right then does not cut the request short, and the reload is signed in). The cookie holds a random token; the database stores only its hash
(study.auth.start_session), resolved on the next page load from ``st.context.cookies``.
"""
from __future__ import annotations

import streamlit as st

from study.app.session_handoff import COOKIE, SESSION_PATH  # noqa: F401  (COOKIE: read by common)

_JS = """
let sent = "";
export default function sessionCookie({ data }) {
  const request = data && data.code ? { method: "POST", body: data.code }
                : data && data.clear ? { method: "DELETE" } : null;
  const key = request ? request.method + (data.code || "") : "";
  if (!request || key === sent) return;
  sent = key;
  fetch("%s", { ...request, credentials: "same-origin", keepalive: true, headers: { "X-Study-Session": "1" } });
}
""" % SESSION_PATH

_mount = st.components.v2.component("study.session_cookie", js=_JS)
# The writer draws nothing: its place in the page (first, above every page's title) takes no room.
HIDDEN = "<style>.st-key-session_cookie { display: none; }</style>"


def write_session_cookie(code: str | None, clear: bool = False) -> None:
    """Mount the (invisible) cookie writer: with the one-time code after signing in, ``clear`` to
    have the cookie cleared, neither to do nothing yet (it is mounted all the same)."""
    st.html(HIDDEN)  # style only: drawn in no place of its own
    _mount(key="session_cookie", data={"code": code or "", "clear": clear})
