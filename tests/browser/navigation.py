"""Moving around the app in a browser test: open a page from the sidebar, wait for a rerun,
select a row of a dataframe (drawn on a canvas, so clicked by position)."""
from __future__ import annotations

from tests.browser.conftest import READY, wait_until_loaded

ROW_HEIGHT = 35  # st.dataframe's header and rows, in pixels


def go(page, title: str) -> None:
    """Open a page from the sidebar and wait until it has rendered."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_selector(f'{READY}[data-page="{title}"]', state="attached", timeout=60_000)
    wait_until_loaded(page, timeout=60_000)


def settle(page) -> None:
    """Wait for the rerun a click started (it may not have started yet) to finish."""
    page.wait_for_timeout(500)
    wait_until_loaded(page, timeout=60_000)


def select_first_row(page) -> None:
    """Tick the selection box of the first row of the page's first dataframe."""
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + ROW_HEIGHT + ROW_HEIGHT // 2)
    settle(page)
