"""The coding workspace's script on its own in Chromium, called the way Streamlit calls a
component (study/app/components/coding_workspace.js): renders that overtake each other while the
module loads, and a request for the transcript that a newer rerun dropped. No app server."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ROOT, VIEWPORT

pytestmark = pytest.mark.browser
SCRIPT = ROOT / "study" / "app" / "components" / "coding_workspace.js"
HOST = "http://workspace.test/"
WORKSPACE = '[data-testid="coding-workspace"]'
SEGMENTS = [[11, 0, "Interviewer", "interviewer", "How do you work?", "", 0],
            [12, 1, "P1", "participant", "Mostly alone.", "", 17],
            [13, 2, "P1", "participant", "Sometimes with others.", "", 31]]
CODES = [{"id": 5, "ref": "c5", "name": "Alone", "label": "Alone", "theme": "Work", "path": ["Work", "Alone"],
          "depth": 1, "colour": None, "definition": "", "when_to_use": "", "when_not_to_use": "", "example": "",
          "retired": False}]
# Streamlit's loader (BidiComponent): import the module, call its default export with the
# component's arguments; events sent with setTriggerValue are kept in window.sent.
LOADER = """async (source) => {
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const module = await import(url);
    window.sent = [];
    window.render = (data) => module.default({ data, parentElement: document.getElementById("host"),
        setTriggerValue: (name, value) => window.sent.push(value) });
}"""


def rater_state(version: str, with_static: bool) -> dict:
    """What coding_workspace.payload sends: the rater's work, and the static part when asked."""
    data = {"version": version, "read_at": 0, "applied": {}, "spans": {}, "memos": {}, "memo_versions": {},
            "transcript_memo": "", "done": False, "progress": {"coded": 0, "total": 2}}
    if with_static:
        data["static"] = {"version": version, "transcript": {"id": 1}, "segments": SEGMENTS, "codes": CODES}
    return data


@pytest.fixture
def component(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.route(f"{HOST}**", lambda route: route.fulfill(content_type="text/html", body='<div id="host"></div>'))
    page.goto(HOST)
    page.evaluate(LOADER, SCRIPT.read_text(encoding="utf-8"))
    yield page
    context.close()


def test_a_render_overtaken_while_loading_leaves_one_working_workspace(component):
    # Streamlit runs the cleanup of a render whose data changed before its module call returned,
    # after the newer render has called the module: that cleanup must not take the workspace down.
    component.evaluate("""async (data) => {
        const overtaken = window.render(data);
        window.render(data);
        overtaken();
        await new Promise((done) => setTimeout(done, 0));  // after any timer the cleanup set
    }""", rater_state("v1", with_static=True))
    component.evaluate("(data) => window.render(data)", rater_state("v1", with_static=False))
    assert component.locator(WORKSPACE).count() == 1
    root = component.locator(WORKSPACE)
    assert root.get_attribute("data-ready") == "1"
    before = root.get_attribute("data-selected")
    component.keyboard.press("j")  # the keys still reach it
    assert root.get_attribute("data-selected") not in (before, "")


def test_a_lost_request_for_the_transcript_is_asked_again_and_said(component):
    component.evaluate("(data) => window.render(data)", rater_state("v2", with_static=False))
    assert [e["kind"] for e in component.evaluate("window.sent")] == ["need_static"]
    root = component.locator(WORKSPACE)
    assert root.get_attribute("data-ready") == "0"
    # no answer comes (the rerun it started was overtaken): it asks again after RETRY_MS
    component.wait_for_function("window.sent.length >= 2", timeout=15_000)
    assert [e["kind"] for e in component.evaluate("window.sent")] == ["need_static", "need_static"]
    assert "Still loading the transcript" in component.locator(f"{WORKSPACE} .notice").inner_text()
    component.evaluate("(data) => window.render(data)", rater_state("v2", with_static=True))
    assert root.get_attribute("data-ready") == "1"
    assert root.get_attribute("data-transcript-id") == "1"


def test_a_span_after_an_emoji_is_sent_in_the_servers_character_offsets_with_its_words(component):
    # Python counts "😀" as one character, JavaScript's strings as two: the span the page sends must
    # be in the server's offsets (characters), or a coding after an emoji lands one letter off
    posted = []

    def answer(route):
        posted.append(route.request.post_data_json)
        route.fulfill(content_type="application/json", body='{"confirmed_op": 1, "errors": [], "segments": {}}')

    component.route("**/_study/code", answer)
    data = rater_state("v3", with_static=True)
    data["static"]["segments"] = [[21, 0, "P1", "participant", "Nice 😀 card here.", "", 40]]
    component.evaluate("(data) => window.render(data)", data)
    component.evaluate("""() => {
        const row = document.querySelector('[data-segment-id="21"]');
        const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
        let node = walker.nextNode();
        while (node && !node.textContent.includes("card")) node = walker.nextNode();
        const range = document.createRange();
        const at = node.textContent.indexOf("card");
        range.setStart(node, at); range.setEnd(node, at + 4);
        document.getSelection().removeAllRanges(); document.getSelection().addRange(range);
        document.querySelector('[aria-label="Transcript segments"]').dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
    }""")
    component.wait_for_function("document.querySelector('[data-testid=\"span-selection\"]').hidden === false")
    component.keyboard.press("1")
    component.wait_for_function("() => true")  # let the click's request go out
    for _ in range(50):
        if posted:
            break
        component.wait_for_timeout(100)
    op = posted[0]["ops"][0]
    assert (op["span"], op["words"]) == ([40 + 7, 40 + 11], "card")
