"""Loads Streamlit's chart code (plotly.js, several MB) in the browser while the page is idle, so
that opening a chart later draws it at once instead of loading the library first. Invisible; runs
in the page (st.components.v2). Nothing is drawn: the browser fetches and runs the very module
Streamlit imports for its first st.plotly_chart, from the app's own server."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

# Streamlit's lazily loaded chart module (its name carries a content hash: found in the installed build).
_CHUNKS = Path(st.__file__).parent / "static" / "static" / "js"
PLOTLY_CHUNK = next((p.name for p in sorted(_CHUNKS.glob("PlotlyChart.*.js"))), None)

DELAY_MS = 1500  # from the warmer's mounting, so that the page it sits on is drawn first

_JS = """
export default function warmCharts({ data }) {
  if (!data || !data.chunk || window.__studyChartsWarm) return;
  const index = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (!index) return;
  window.__studyChartsWarm = true;
  const load = () => import(new URL(data.chunk, index.src).href).catch(() => { window.__studyChartsWarm = false; });
  // after the page has been drawn: a quiet moment once the run's last deltas are in
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 0));
  setTimeout(() => idle(load, { timeout: 10000 }), data.delay);
}
"""

_mount = st.components.v2.component("study.warm_charts", js=_JS)


def warm_charts(key: str = "warm_charts") -> None:
    """Mount the warmer: once the page is idle, plotly.js is loaded (once a browser tab)."""
    if PLOTLY_CHUNK is None:  # another Streamlit build: the first chart loads it as before
        return
    st.html(f"<style>.st-key-{key} {{ display: none; }}</style>")  # style only: takes no room
    _mount(key=key, data={"chunk": PLOTLY_CHUNK, "delay": DELAY_MS})
