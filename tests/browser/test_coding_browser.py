"""The sign-in and Code pages in a real browser: coding with a click and with the keyboard, what
survives a reload, what another coder sees, and transcript text that must stay text."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from study import auth, workspace
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.store import Study
from tests.browser.conftest import (
    VIEWPORT,
    sample_app,
    wait_for_session_cookie,
    wait_until_loaded,
)
from tests.factories import parsed_from_turns

pytestmark = pytest.mark.browser
WORKSPACE = '[data-testid="coding-workspace"]'


@pytest.fixture
def app_study(fresh_demo_app):
    study = Study.open(fresh_demo_app.db_url)
    yield study
    study.close()


@pytest.fixture(scope="module")
def fresh_demo_app(tmp_path_factory, sample_studies):
    """This module's own uncoded sample study: the Code page tests elsewhere leave codes, spans and
    done marks in the session-wide one, and these tests expect a transcript nobody has touched."""
    yield from sample_app(tmp_path_factory, sample_studies, "coding", with_codings=False)


def open_code_page(page_as, app, name: str):
    page = page_as(name, app=app)
    page.wait_for_selector(f'{WORKSPACE}[data-ready="1"]')
    return page


def wait_stored(page, segment_id: int, code_id: int):
    """Wait until the chip shows as read back from the database (not just optimistically)."""
    page.wait_for_selector(f'.seg[data-segment-id="{segment_id}"] .chip[data-code-id="{code_id}"][data-state="stored"]')


def participant_segments(page) -> list[int]:
    return [int(s) for s in page.eval_on_selector_all(".seg.participant", "els => els.map(e => e.dataset.segmentId)")]


def test_sign_in_page_and_a_wrong_password(browser, fresh_demo_app, screenshot):
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(fresh_demo_app.url)
    wait_until_loaded(page)
    screenshot(page, "sign-in")
    page.get_by_role("textbox", name="User name").fill("alice")
    page.get_by_role("textbox", name="Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("wrong user name or password").wait_for()
    assert page.locator(WORKSPACE).count() == 0
    page.context.close()


def test_a_coder_codes_with_a_click_and_the_keyboard_and_it_survives_a_reload(page_as, fresh_demo_app, screenshot):
    page = open_code_page(page_as, fresh_demo_app, "alice")
    first, second = participant_segments(page)[:2]
    page.locator(f'.seg[data-segment-id="{first}"] .text').click()
    code = page.locator(".code[data-code-id]").first
    code_id = int(code.get_attribute("data-code-id"))
    code.click()
    # shown at once (optimistic), then confirmed by what the database holds
    page.wait_for_selector(f'.seg[data-segment-id="{first}"] .chip[data-code-id="{code_id}"]', timeout=1000)
    wait_stored(page, first, code_id)

    for _ in range(10):  # j moves down segment by segment, through the interviewer's questions
        page.keyboard.press("j")
        if page.locator(WORKSPACE).get_attribute("data-selected") == str(second):
            break
    assert page.locator(WORKSPACE).get_attribute("data-selected") == str(second)
    page.keyboard.press("2")
    second_code = int(page.locator(".code[data-code-id]").nth(1).get_attribute("data-code-id"))
    wait_stored(page, second, second_code)
    screenshot(page, "code")

    page.keyboard.press("m")  # a memo on the selected segment, saved when leaving the field
    page.keyboard.type("Hedges <b>a lot</b> here")
    page.keyboard.press("Escape")
    workspace_root = page.locator(WORKSPACE)
    expect(workspace_root).to_have_attribute("data-confirmed-op", workspace_root.get_attribute("data-op"))

    page.reload()  # the session cookie keeps alice signed in
    page.wait_for_selector(f'{WORKSPACE}[data-ready="1"]')
    wait_stored(page, first, code_id)
    wait_stored(page, second, second_code)
    page.locator(f'.seg[data-segment-id="{second}"] .text').click()
    assert page.locator(".seg-memo").input_value() == "Hedges <b>a lot</b> here"

    page.locator(f'.seg[data-segment-id="{first}"] .chip[data-code-id="{code_id}"] .chip-remove').click()
    page.wait_for_selector(f'.seg[data-segment-id="{first}"][data-stored-codes=""]', state="attached")
    assert page.locator(f'.seg[data-segment-id="{first}"] .chip').count() == 0


def test_another_coder_never_sees_the_first_coders_codes_or_memos(page_as, fresh_demo_app, app_study):
    alice = auth.Actor("alice", "coder")
    transcript = workspace.first_to_code(workspace.transcript_progress(app_study, alice))
    view = workspace.coder_view(app_study, alice, transcript.id)
    answer = next(s for s in view.segments if s.role == "participant")
    code = workspace.codebook_entries(app_study)[5]
    workspace.toggle(app_study, alice, answer.id, code.id, applied=True)
    workspace.save_memo(app_study, alice, transcript.id, answer.id, "ALICE-PRIVATE-MEMO")

    page = open_code_page(page_as, fresh_demo_app, "bob")
    assert page.locator(WORKSPACE).get_attribute("data-transcript-id") == str(transcript.id)
    assert page.locator(".chip").count() == 0
    assert page.locator(f'.seg[data-segment-id="{answer.id}"]').get_attribute("data-codes") == ""
    page.locator(f'.seg[data-segment-id="{answer.id}"] .text').click()
    assert page.locator(".seg-memo").input_value() == ""
    assert "ALICE-PRIVATE-MEMO" not in page.content()


HOSTILE = [
    ("Interviewer", "Tell me about <script>window.__pwned = 'script'</script> your work."),
    ("P99", ("I use <img src=x onerror=\"window.__pwned='img'\"> and [a link](http://127.0.0.1:9/md-link) "
             "and ![image](http://127.0.0.1:9/md-image.png) every day.")),
]


def test_transcript_text_is_shown_as_text_and_runs_nothing(page_as, fresh_demo_app, app_study):
    add_parsed_transcript(app_study, "ZZ hostile", parsed_from_turns(HOSTILE), "P99", ImportOptions(interviewer="Interviewer"))
    page = open_code_page(page_as, fresh_demo_app, "alice")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.get_by_role("combobox", name="Transcript").click()
    page.get_by_role("option", name="ZZ hostile").click()
    page.wait_for_selector('.seg .text:text("<img src=x onerror=")')
    wait_until_loaded(page)
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".seg img, .seg script, .seg a").count() == 0
    texts = page.eval_on_selector_all(".seg .text", "els => els.map(e => e.textContent)")
    assert texts == [body for _, body in HOSTILE]
    assert not [url for url in requests if "127.0.0.1:9/" in url or url.endswith("/x")]


def test_signing_out_ends_the_session_for_reloads_too(page_as, fresh_demo_app):
    page = page_as("bob", app=fresh_demo_app)
    page.reload()
    wait_until_loaded(page)
    expect(page.get_by_text("Signed in as bob (coder)")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()
    wait_until_loaded(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_for_session_cookie(page, present=False)  # the page asks the server to clear the (HttpOnly) cookie
