"""The Code page's code panel on a laptop screen and on a large one: enough codes in view to
choose from without scrolling, a definition card read whole, a memo box as tall as its text."""
from __future__ import annotations

import pytest

from study.store import Study
from playwright.sync_api import expect
from tests.browser.conftest import sign_in, wait_until_loaded

pytestmark = pytest.mark.browser
WORKSPACE = '[data-testid="coding-workspace"]'
SIZES = [pytest.param({"width": 1280, "height": 800}, id="1280x800"),
         pytest.param({"width": 1920, "height": 1080}, id="1920x1080")]
LONG_MEMO = "\n".join(f"Line {n} of a memo that keeps going, as memos do." for n in range(1, 9))


@pytest.fixture
def code_page(browser, fresh_demo_app, request):
    """A Code page at the test's window size, signed in as admin (the help closed; the other
    Code page tests code as alice and bob)."""
    context = browser.new_context(viewport=request.param)
    page = context.new_page()
    sign_in(page, fresh_demo_app.url, "admin")
    page.wait_for_selector(f'{WORKSPACE}[data-ready="1"]')
    wait_until_loaded(page)
    yield page
    context.close()


def codes_in_view(page) -> int:
    """Code buttons wholly inside the code list's visible box and the window."""
    return page.locator(WORKSPACE).evaluate("""(ws) => {
        const list = ws.querySelector('.code-list').getBoundingClientRect();
        return [...ws.querySelectorAll('.code')].filter((b) => { const r = b.getBoundingClientRect();
            return r.height > 0 && r.top >= list.top - 1 && r.bottom <= list.bottom + 1 && r.bottom <= innerHeight; }).length;
    }""")


def read_whole(page, selector: str) -> dict:
    """How an element sits: whether its text overflows its own box, and whether the box is in the window."""
    return page.locator(f"{WORKSPACE} {selector}").evaluate("""(el) => { const r = el.getBoundingClientRect();
        return {overflows: el.scrollHeight > el.clientHeight + 1, inWindow: r.top >= 0 && r.bottom <= innerHeight + 1,
                height: r.height}; }""")


def longest_guidance(fresh_demo_app) -> int:
    from study import workspace

    study = Study.open(fresh_demo_app.db_url)
    try:
        entries = [c for c in workspace.codebook_entries(study) if not c.retired]
    finally:
        study.close()
    return max(entries, key=lambda c: len(c.definition + c.when_to_use + c.when_not_to_use + c.example)).id


@pytest.mark.parametrize("code_page", SIZES, indirect=True)
def test_at_least_25_codes_are_in_view_with_the_help_closed(code_page):
    assert code_page.locator(f"{WORKSPACE} .code").count() >= 50  # the demo codebook: 54 codes
    assert codes_in_view(code_page) >= 25


@pytest.mark.parametrize("code_page", SIZES, indirect=True)
def test_the_definition_card_of_the_longest_guidance_is_read_whole(code_page, fresh_demo_app):
    code = code_page.locator(f'{WORKSPACE} .code[data-code-id="{longest_guidance(fresh_demo_app)}"]')
    code.scroll_into_view_if_needed()
    code.hover()
    card = read_whole(code_page, ".code-card")
    assert code_page.locator(f"{WORKSPACE} .code-card .part").count() == 4  # definition, when (not) to use, example
    assert not card["overflows"] and card["inWindow"], card


@pytest.mark.parametrize("code_page", [SIZES[0]], indirect=True)
def test_a_codes_card_leaves_the_chosen_segment_and_its_chips_in_view(code_page):
    """Found by a new user: hovering a code, its card covered the chips of the segment being coded.
    The card goes below (or above) the segment where it fits whole there."""
    ws = code_page.locator(WORKSPACE)
    segments = ws.locator(".seg")
    for n in range(2):  # two codes on the first segment: chips to keep in view
        segments.nth(0).click()
        code_page.keyboard.press(str(n + 1))
    chips = ws.locator(".seg.selected .chip")
    expect(chips).to_have_count(2)
    codes = ws.locator(".code")
    for i in range(0, min(codes.count(), 40), 3):  # codes level with the segment and below it
        codes.nth(i).hover()
        card = ws.locator(".code-card").bounding_box()
        for box in (ws.locator(".seg.selected").bounding_box(),):
            overlaps = card["y"] < box["y"] + box["height"] and box["y"] < card["y"] + card["height"] and \
                card["x"] < box["x"] + box["width"] and box["x"] < card["x"] + card["width"]
            assert not overlaps, (i, card, box)


@pytest.mark.parametrize("code_page", SIZES, indirect=True)
def test_the_memo_box_grows_with_its_text(code_page):
    memo = code_page.locator(f"{WORKSPACE} .seg-memo")
    for _ in range(10):  # the other window size's run may have saved its memo here (1.2 s after typing)
        if not memo.input_value():
            break
        code_page.keyboard.press("j")
    assert memo.input_value() == ""
    empty = read_whole(code_page, ".seg-memo")["height"]
    memo.fill(LONG_MEMO)
    grown = read_whole(code_page, ".seg-memo")
    assert grown["height"] > 2.5 * empty and not grown["overflows"] and grown["inWindow"], (empty, grown)
    assert codes_in_view(code_page) >= 10  # the list makes room, and stays usable
