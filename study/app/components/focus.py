"""Gives the keys back to the page: after a filter changes, whatever holds the focus (the filter's
search box) lets go of it, so that a page's key shortcuts (Streamlit buttons' ``shortcut``) act at
once instead of typing into the filter. Invisible; runs in the page (st.components.v2)."""
from __future__ import annotations

import streamlit as st

_JS = """
let seen = null;
export default function releaseFocus({ data }) {
  const token = data ? data.token : "";
  if (seen !== null && token !== seen && document.activeElement) document.activeElement.blur();
  seen = token;
}
"""

_mount = st.components.v2.component("study.release_focus", js=_JS)


def release_focus_on_change(key: str, token: str) -> None:
    """Mount the focus releaser: when ``token`` (e.g. the filters' values) differs from the last
    run's, the focused element is blurred. The first mount blurs nothing."""
    st.html(f"<style>.st-key-{key} {{ display: none; }}</style>")  # style only: takes no room
    _mount(key=key, data={"token": token})
