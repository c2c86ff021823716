"""Moving around the app in a browser test: open a page from the sidebar, act and wait for the run
the action starts, select a row of a dataframe (drawn on a canvas, so clicked by position)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.browser.conftest import LOAD_TIMEOUT, READY, wait_until_loaded

ROW_HEIGHT = 35  # st.dataframe's header and rows, in pixels
# Every finished run leaves a numbered marker (app/common.py): the page's at its end, a fragment's at
# the fragment's end; the highest number is the last run finished.
RUN_MARKERS = '[data-testid="study-page-ready"], [data-testid="study-fragment-ready"]'
# Counts the runs the page starts from now on (Streamlit marks its app element
# data-test-script-state="running" while a run, the page's or a fragment's, is under way; a busy
# browser may draw both states in one frame and never show it), and the last run finished.
WATCH_RUNS = """(markers) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!window.__studyRuns) {
        window.__studyRuns = {started: 0};
        new MutationObserver(() => { if (app.getAttribute("data-test-script-state") === "running")
            window.__studyRuns.started++; })
            .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
    }
    const finished = Math.max(0, ...[...document.querySelectorAll(markers)].map(m => Number(m.dataset.run)));
    return {started: window.__studyRuns.started, finished};
}"""
# A tab or an expander the app keys reruns when opened (``on_change="rerun"``: it computes only the
# open one); Streamlit gives the tabs, or the expander's own wrapper, the class "st-key-<key>" (an
# expander inside a keyed container is not keyed itself).
RERUNS_WHEN_OPENED = """control => {
    const tab = control.getAttribute("role") === "tab";
    const wrapper = tab ? null : control.closest('[data-testid="stExpander"]').parentElement;
    const box = tab ? control.closest('[data-testid="stTabs"]')
                    : wrapper.getAttribute("data-testid") === "stLayoutWrapper" ? wrapper : null;
    const shut = tab ? control.getAttribute("aria-selected") !== "true" : !control.closest("details").open;
    return Boolean(box) && shut && [...box.classList].some(c => c.startsWith("st-key-"));
}"""
# Streamlit animates an expander's opening for half a second with its <details> clipped (an inline
# height, overflow hidden). A field focused meanwhile (a fill) scrolls the clip, and its content
# drops back when the animation ends: a click pressed before the drop is released beside its
# button, and the button never hears it. At rest, no expander has the animation's inline overflow.
EXPANDERS_AT_REST = """() => [...document.querySelectorAll('[data-testid="stExpander"] details')]
    .every(d => !d.style.overflow)"""
RAN_SINCE = """({before, markers}) => window.__studyRuns.started > before.started
    || [...document.querySelectorAll(markers)].some(m => Number(m.dataset.run) > before.finished)"""


def go(page, title: str) -> None:
    """Open a page from the sidebar and wait until it has rendered."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_selector(f'{READY}[data-page="{title}"]', state="attached", timeout=LOAD_TIMEOUT)
    wait_until_loaded(page)


@contextmanager
def rerun(page, timeout: float = LOAD_TIMEOUT) -> Iterator[None]:
    """Around an action that reruns the app (a click, a choice, Enter in a text box): after it, wait
    until a run it started has finished and the page is loaded again. A run is seen starting (the
    app's script state) or finished (a run marker, the page's or a fragment's, numbered higher than
    any before): a quick run the browser never showed as running still counts, and no run before
    the action does."""
    before = page.evaluate(WATCH_RUNS, RUN_MARKERS)
    yield
    page.wait_for_function(RAN_SINCE, arg={"before": before, "markers": RUN_MARKERS}, timeout=timeout)
    wait_until_loaded(page, timeout=timeout)


def settle(page) -> None:
    """Wait until the app is idle (no run under way, no widget still loading, no expander still
    opening or closing): after an action that starts no run (a tab or an expander opened, a dialog
    dismissed). One that does: ``rerun``."""
    wait_until_loaded(page)
    page.wait_for_function(EXPANDERS_AT_REST, timeout=LOAD_TIMEOUT)


def reveal(page, control) -> None:
    """Open a tab (its tab button) or an expander (its summary) and wait for what it shows: a run
    when the app computes it on opening, otherwise only that nothing is loading; and the expander
    fully open, its fields where they will stay."""
    if control.evaluate(RERUNS_WHEN_OPENED):
        with rerun(page):
            control.click()
    else:
        control.click()
    settle(page)


def select_first_row(page) -> None:
    """Tick the selection box of the first row of the page's first dataframe."""
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    with rerun(page):
        page.mouse.click(box["x"] + 16, box["y"] + ROW_HEIGHT + ROW_HEIGHT // 2)
