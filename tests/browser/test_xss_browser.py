"""User text is shown as text: a transcript, file name, code names, memos, a participant label
and a user name carrying HTML and Markdown payloads run nothing and fetch nothing, on every page."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest

from study import auth, codes, codings
from study.agreement import visibility
from study.codebook import load_codebook
from study.demo import CODEBOOK_FILE, DEMO_ACCOUNTS
from study.store import Study
from tests.browser.conftest import VIEWPORT, sign_in, start_app, wait_until_loaded
from tests.browser.navigation import go, rerun, reveal, select_first_row, settle
from tests.factories import add_interview

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
LINK = "[click](javascript:window.__xss=3)"
TRACKER = "![img](http://127.0.0.1:9/tracker.png)"
PAYLOADS = (SCRIPT, IMG, LINK, TRACKER)
# Markdown first: a line that starts with "<script>" is one HTML block to Markdown, which would
# hide the link and the image behind it from a renderer that is not escaping them.
EVERYTHING = f"{TRACKER} {LINK} {IMG} {SCRIPT}"
LINES = f"{TRACKER}\n\n{LINK}\n\n{IMG}\n\n{SCRIPT}"

FILE_NAME = "P77 <img src=x onerror=window.__xss=4>.txt"  # no "/": a file name cannot hold one
TRANSCRIPT = FILE_NAME.removesuffix(".txt")
TEXT = (f"Interviewer: What do you look at first? {SCRIPT}\n\n"
        f"P77: I read the card {IMG} and then {LINK} and {TRACKER} too.\n\n"
        f"Interviewer: And then?\n\n"
        f"P77: Then the downloads, {EVERYTHING}\n")
PARTICIPANT = f'{IMG}{LINK}'
CODE_NAMES = (f"{IMG} card", f"{LINK} link", "*bold* :red[colour] $x^2$ :smile:")
USER = "mallory <img src=x onerror=window.__xss=5>"
PAGES = ("Transcripts", "Codebook", "Agreement", "Adjudicate", "Findings", "Audit")
ADMIN = auth.Actor("admin", "admin")


@pytest.fixture(scope="module")
def payload_app(tmp_path_factory):
    """A study with the codebook, the demo accounts and one plain interview; the payloads arrive in the test."""
    db_path = tmp_path_factory.mktemp("xss") / "study.db"
    study = Study.open(f"sqlite:///{db_path}")
    codes.load_into_study(study, load_codebook(CODEBOOK_FILE), auth.CLI)
    add_interview(study, "P01", "P01", ["I search the hub by downloads."])
    for account in DEMO_ACCOUNTS:
        auth.add_user(study, account.name, account.role, account.password, auth.CLI)
    auth.add_user(study, USER, "coder", "mallory-password", auth.CLI)
    study.close()
    server = start_app(db_path)
    yield server
    server.stop()


class Watch:
    """Everything a browser context requests, and every dialog it opens."""

    def __init__(self, context, origin: str):
        self.origin, self.foreign, self.dialogs = origin, [], []
        context.on("request", self.request)
        context.on("page", lambda page: page.on("dialog", self.dialog))

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin or parts.path.rstrip("/").endswith("/x"):
            self.foreign.append(request.url)

    def dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser, payload_app):
    contexts, watches = [], []

    def open_page(name: str, password: str | None = None):
        context = browser.new_context(viewport=VIEWPORT)
        watch = Watch(context, payload_app.url)
        contexts.append(context)
        watches.append(watch)
        page = context.new_page()
        sign_in(page, payload_app.url, name, password)
        return page, watch

    yield open_page
    for context in contexts:
        context.close()




def assert_nothing_ran(page, watch: Watch, where: str) -> None:
    page.wait_for_timeout(300)  # let any image error handler fire
    for frame in page.frames:
        assert frame.evaluate("() => window.__xss") is None, f"script ran on {where} ({frame.url})"
    assert not watch.dialogs, f"dialog on {where}: {watch.dialogs}"
    assert not watch.foreign, f"request to another host on {where}: {watch.foreign}"


def upload(page) -> None:
    """The admin imports the transcript and a participants CSV through the Transcripts page."""
    people = io.StringIO()
    csv.writer(people).writerows([["participant", "transcript", "role"], [PARTICIPANT, TRANSCRIPT, EVERYTHING]])
    go(page, "Transcripts")
    reveal(page, page.get_by_text("Add transcripts"))
    inputs = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    inputs.nth(0).set_input_files([{"name": FILE_NAME, "mimeType": "text/plain", "buffer": TEXT.encode()}])
    inputs.nth(1).set_input_files([{"name": "people.csv", "mimeType": "text/csv", "buffer": people.getvalue().encode()}])
    page.get_by_role("button", name="Preview").click()  # speakers and roles are checked before anything is stored
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("1 imported.")).to_be_visible(timeout=30_000)


def code_with_payloads(db_url: str) -> None:
    """Payload codes, applied by alice and bob differently, with payload memos; both finish."""
    study = Study.open(db_url)
    try:
        refs = [codes.add_code(study, ADMIN, "Challenges", name, EVERYTHING, when_to_use=LINES,
                               example=EVERYTHING) for name in CODE_NAMES]
        for rater, ref in (("alice", refs[0]), ("bob", refs[1])):
            actor = auth.Actor(rater, "coder")
            codings.apply_code(study, actor, rater, TRANSCRIPT, 1, refs[2], memo=EVERYTHING)
            codings.apply_code(study, actor, rater, TRANSCRIPT, 3, ref, memo=EVERYTHING)
            codings.set_memo(study, actor, rater, TRANSCRIPT, 1, LINES)
            codings.set_memo(study, actor, rater, TRANSCRIPT, None, EVERYTHING)
            codings.mark_done(study, actor, rater, TRANSCRIPT, anyway=True)
        visibility.set_coders_see_agreement(study, ADMIN, True)
    finally:
        study.close()


def visit_every_view(page, watch: Watch, title: str) -> None:
    """Open the page and whatever it shows behind tabs and choices."""
    go(page, title)
    assert_nothing_ran(page, watch, title)
    if title == "Codebook":
        page.get_by_role("textbox", name="Search").fill("onerror")
        with rerun(page):
            page.get_by_role("textbox", name="Search").press("Enter")
        select_first_row(page)
        expect(page.get_by_text("When to use", exact=True).first).to_be_visible(timeout=20_000)
    if title == "Transcripts":  # the admin's tools, each drawn only once opened
        closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
        for _ in range(closed.count()):
            reveal(page, closed.first)
        expect(closed).to_have_count(0)
        assert_nothing_ran(page, watch, "Transcripts / every tool open")
    # last to first: the tabs inside a page's first tab (the fixes) before the tabs that hide them
    for tab in reversed(page.get_by_role("tab").all()):
        reveal(page, tab)
        assert_nothing_ran(page, watch, f"{title} / {tab.inner_text()}")
    if title == "Adjudicate":
        reveal(page, page.locator("summary").filter(has_text="Consensus decisions"))  # the decisions, under the card
        assert_nothing_ran(page, watch, "Adjudicate / Consensus decisions")
        page.get_by_role("button", name="Edit the codes").click()  # a fragment run opens the dialog
        page.get_by_role("combobox", name="Consensus codes").click()  # waits for it; the list of code names opens
        assert_nothing_ran(page, watch, "Adjudicate / edit")
        page.keyboard.press("Escape")  # the list closes
        page.keyboard.press("Escape")  # and the dialog
        expect(page.get_by_role("dialog")).to_have_count(0)
        settle(page)
    if title == "Findings":
        for view in ("Frequency", "Participants × codes", "Demographics", "Co-occurrence", "Saturation", "Framework"):
            choice = page.get_by_role("radio", name=view)
            if not choice.is_checked():  # choosing the view shown already starts no run
                with rerun(page):
                    choice.click()
            for tab in page.get_by_role("tab").all():
                reveal(page, tab)
            assert_nothing_ran(page, watch, f"Findings / {view}")


def test_payloads_run_nothing_and_fetch_nothing(payload_app, watched):
    page, watch = watched("admin")
    upload(page)
    assert_nothing_ran(page, watch, "Transcripts after the upload")
    code_with_payloads(payload_app.db_url)

    for title in PAGES:
        visit_every_view(page, watch, title)

    coder, coder_watch = watched("alice")  # the Code page, with the payload transcript, code and memo
    expect(coder.locator('[data-testid="coding-workspace"][data-ready="1"]')).to_be_visible(timeout=30_000)
    coder.locator('.seg[data-index="1"]').click()
    assert_nothing_ran(coder, coder_watch, "Code")
    for title in ("Transcripts", "Codebook", "Agreement"):
        visit_every_view(coder, coder_watch, title)

    mallory, mallory_watch = watched(USER, "mallory-password")  # a user name with a payload
    assert_nothing_ran(mallory, mallory_watch, "Code as a user with a payload name")
    go(mallory, "Transcripts")
    assert_nothing_ran(mallory, mallory_watch, "Transcripts as a user with a payload name")


def test_payload_text_is_shown_literally(payload_app, watched):
    """The escaped text reads as typed: the Adjudicate page shows the segment with its tags."""
    page, _ = watched("admin")
    go(page, "Adjudicate")
    card = page.locator(".st-key-adjudicate_card .turn-text").filter(has_text="Then the downloads").first
    for payload in PAYLOADS:
        expect(card).to_contain_text(payload)
    go(page, "Codebook")
    page.get_by_role("textbox", name="Search").fill("colour")
    page.get_by_role("textbox", name="Search").press("Enter")
    wait_until_loaded(page)
    select_first_row(page)
    expect(page.get_by_role("heading", name=CODE_NAMES[2])).to_be_visible(timeout=20_000)
