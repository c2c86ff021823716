"""Search and retrieval in a real browser: the Code page's search box opens the Search page with the
words, a hit's link opens the Code page at its turn with the words highlighted, and the side panel
lists where a code was applied elsewhere, each link opening that place."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from study import retrieval, search, workspace
from study.auth import Actor
from study.store import Study
from tests.browser.conftest import READY, wait_until_loaded
from tests.browser.navigation import select_first_row

pytestmark = pytest.mark.browser
WORKSPACE = '[data-testid="coding-workspace"]'
ALICE = Actor("alice", "coder")
HIGHLIGHTED = """() => {
  const found = CSS.highlights.get("study-search-match");
  return found ? [...found].map((range) => range.toString()) : [];
}"""


@pytest.fixture
def app_study(demo_app):
    study = Study.open(demo_app.db_url)
    yield study
    study.close()


def code_page_ready(page) -> None:
    page.wait_for_selector(f'{WORKSPACE}[data-ready="1"]', timeout=60_000)
    wait_until_loaded(page, timeout=60_000)


def selected_index(page) -> int:
    segment = page.locator(WORKSPACE).get_attribute("data-selected")
    return int(page.locator(f'.seg[data-segment-id="{segment}"]').get_attribute("data-index"))


def test_the_search_box_opens_the_search_page_and_a_hit_opens_its_turn_highlighted(page_as, demo_app, app_study):
    """The hit's address (the table's Open link, or the link under a chosen row) selects its turn
    on the Code page and marks exactly the words found."""
    results = search.search(app_study, ALICE, "licen*")
    assert results.total > 1  # the sample study talks about licenses
    page = page_as("alice", app=demo_app)
    code_page_ready(page)
    box = page.locator('[data-testid="stSidebar"]').get_by_label("Search the study")
    box.fill("licen*")
    box.press("Enter")
    page.wait_for_selector(f'{READY}[data-page="Search"]', state="attached", timeout=60_000)
    wait_until_loaded(page, timeout=60_000)
    expect(page.get_by_text(re.compile(rf"{results.total} matching turn"))).to_be_visible()
    assert "q=licen" in page.url
    select_first_row(page)  # the chosen row offers its turn on the Code page, in this tab
    hit = results.hits[0]
    page.get_by_role("link", name=f"Open {hit.transcript} #{hit.index} on the Code page").click()
    page.wait_for_url(re.compile(rf"transcript={hit.transcript_id}&segment={hit.index}&match="), timeout=60_000)
    code_page_ready(page)
    page.wait_for_function("() => CSS.highlights.has('study-search-match')", timeout=30_000)
    assert selected_index(page) == hit.index
    start, end = hit.matches[0]
    assert page.evaluate(HIGHLIGHTED) == [hit.text[start - hit.start:end - hit.start]]


def test_the_side_panel_lists_a_codes_other_places_and_opens_one(page_as, demo_app, app_study):
    here = workspace.transcript_progress(app_study, ALICE)[0].id
    ref, found = next((code.ref, found) for code in workspace.codebook_entries(app_study)
                      if (found := retrieval.retrieve(app_study, ALICE, code.ref, except_transcript=here)).items)
    page = page_as("alice", app=demo_app)
    page.goto(f"{demo_app.url}/?transcript={here}")
    code_page_ready(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("combobox", name="Retrieve a code").click()
    page.get_by_role("option", name=ref, exact=True).click()
    wait_until_loaded(page, timeout=60_000)
    expect(sidebar.get_by_text(re.compile(rf"{found.total} in the other transcripts"))).to_be_visible()
    first = found.items[0]
    sidebar.get_by_role("link", name=first.place).first.click()
    page.wait_for_url(re.compile(rf"transcript={first.transcript_id}"), timeout=60_000)
    code_page_ready(page)
    expect(page.locator(WORKSPACE)).to_have_attribute("data-transcript-id", str(first.transcript_id), timeout=30_000)
    assert selected_index(page) == first.segment
