"""The whole study in a real browser: two coders code the same transcript blind, the admin
compares, adjudicates and downloads the Word report; and screenshots of each page for the README."""
from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from study import codes
from study.adjudication import resolutions
from study.auth import CLI
from study.codings import segments_frame
from study.store import Study
from tests.browser.conftest import VIEWPORT, sample_app, sign_in, wait_until_loaded
from tests.browser.navigation import go, select_first_row

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect

AGREED = "Reuse scenarios/Transfer learning"
ALICE_ONLY = "Reuse scenarios/Feature extraction"
BOB_ONLY = "Reuse scenarios/Data labeling"
FREQUENCY_HEADER = ["Code", "N", "of", "%", "Participants", "Definition", "Exemplar quote"]


@pytest.fixture(scope="module")
def blank_app(tmp_path_factory, sample_studies):
    """The sample study without any codings, served on its own (this module writes to it)."""
    yield from sample_app(tmp_path_factory, sample_studies, "workflow", with_codings=False)


@pytest.fixture(scope="module")
def plan(blank_app) -> dict:
    """The transcript to code, two of its participant segments and the ids of the codes used."""
    study = Study.open(blank_app.db_url)
    try:
        segments = segments_frame(study)
        transcript = segments.transcript.iloc[0]
        spoken = segments[(segments.transcript == transcript) & (segments.role == "participant")].segment
        with study.session() as session:
            ids = {ref: codes.resolve(session, ref).id for ref in (AGREED, ALICE_ONLY, BOB_ONLY)}
    finally:
        study.close()
    return {"transcript": transcript, "first": int(spoken.iloc[0]), "second": int(spoken.iloc[1]), "ids": ids}


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page(app, name: str):
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, app.url, name)
        return page

    yield open_page
    for context in contexts:
        context.close()



def workspace(page):
    ws = page.locator('[data-testid="coding-workspace"][data-ready="1"]')
    expect(ws).to_be_visible(timeout=30_000)
    return ws


def stored_codes(ws, index: int) -> str:
    return ws.locator(f'.seg[data-index="{index}"]').get_attribute("data-stored-codes") or ""


def code(page, index: int, code_id: int) -> None:
    """Select a segment, click a code and wait until the database has confirmed it."""
    ws = workspace(page)
    ws.locator(f'.seg[data-index="{index}"]').click()
    ws.locator(f'button.code[data-code-id="{code_id}"]').click()
    expect(ws.locator(f'.seg[data-index="{index}"]')).to_have_attribute(
        "data-stored-codes", re.compile(rf"(^|,){code_id}(,|$)"), timeout=15_000)


def mark_done(page) -> None:
    page.get_by_role("button", name="Mark done").click()
    # two of the transcript's participant turns are coded: the page says how many are not and asks
    expect(page.get_by_text(re.compile(r"participant turn\(s\) have no code yet"))).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Mark done anyway").click()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible(timeout=20_000)


def test_two_coders_code_blind_and_the_admin_adjudicates_and_exports(blank_app, plan, new_page, tmp_path):
    ids, first, second = plan["ids"], plan["first"], plan["second"]
    alice, bob = new_page(blank_app, "alice"), new_page(blank_app, "bob")

    # both coders code the same transcript (the Code page opens on it: the first not done)
    for page, other in ((alice, ids[ALICE_ONLY]), (bob, ids[BOB_ONLY])):
        expect(workspace(page)).to_have_attribute("data-transcript-id", re.compile(r"\d+"))
        code(page, first, ids[AGREED])
        code(page, second, other)

    # each sees only their own codes, also after the other has coded
    go(alice, "Transcripts")
    go(alice, "Code")
    assert stored_codes(workspace(alice), second) == str(ids[ALICE_ONLY])
    assert stored_codes(workspace(bob), second) == str(ids[BOB_ONLY])
    mark_done(alice)
    mark_done(bob)

    admin = new_page(blank_app, "admin")

    # agreement: figures for the finished transcript, and the one disagreement
    go(admin, "Agreement")
    expect(admin.get_by_text("Median α over codes")).to_be_visible()
    admin.get_by_role("tab", name="Disagreements").click()
    expect(admin.get_by_text("1 segment(s) where the raters' codes differ")).to_be_visible()

    # adjudicate by keyboard: a reason, then "1" takes alice's codes (the first rater); finishing the
    # transcript already carried the agreed code, so carrying again finds it there
    go(admin, "Adjudicate")
    expect(admin.get_by_text("Disagreement 1 of 1")).to_be_visible()
    expect(admin.get_by_role("button", name=re.compile(r"Take alice \[1\]"))).to_be_visible()
    admin.get_by_label("Reason (optional)").fill("feature extraction fits: frozen weights")
    admin.get_by_label("Reason (optional)").press("Tab")  # commit the reason; keys go to the page again
    wait_until_loaded(admin)
    admin.locator("h1").first.click()
    admin.keyboard.press("1")
    expect(admin.get_by_text("1 of 1 disputed segments resolved")).to_be_visible(timeout=30_000)
    admin.get_by_role("button", name="Carry agreements").click()
    expect(admin.get_by_text("Agreed codes carried on 1 segment(s)")).to_be_visible(timeout=30_000)
    study = Study.open(blank_app.db_url)
    try:
        [decision] = [r for r in resolutions(study, CLI, ["alice", "bob"]) if r.decision != "agreed"]
    finally:
        study.close()
    assert (decision.decision, decision.reason) == ("take:alice", "feature extraction fits: frozen weights")

    # findings from the consensus, and the Word report
    go(admin, "Findings")
    expect(admin.get_by_role("combobox", name="Source")).to_have_value("consensus (adjudicated)")
    with admin.expect_download(timeout=240_000) as download:
        admin.get_by_role("button", name="Word report").click()
    path = Path(download.value.path())
    document = docx.Document(str(path))
    frequency = [t for t in document.tables if [c.text for c in t.rows[0].cells] == FREQUENCY_HEADER]
    assert frequency, [[c.text for c in t.rows[0].cells] for t in document.tables]
    counts = {row.cells[0].text: row.cells[1].text for row in frequency[0].rows[1:]}
    assert counts["Transfer learning"] == "1" and counts["Feature extraction"] == "1"
    assert counts["Data labeling"] == "0"


PAGES = ("Transcripts", "Codebook", "Agreement", "Adjudicate", "Findings", "Audit")


def test_screenshots_of_the_study_pages(page_as, screenshot):
    """The admin's pages on the sample study, saved as screenshots (docs/screenshots/<page>.png with STUDY_UPDATE_SCREENSHOTS=1)."""
    page = page_as("admin")
    for title in PAGES:
        go(page, title)
        if title == "Codebook":  # show a code's guidance: select the first row of the table
            select_first_row(page)
            expect(page.get_by_text("Edit or rename", exact=True)).to_be_visible(timeout=20_000)
            wait_until_loaded(page)
        assert not page.locator('[data-testid="stException"]').count(), title
        screenshot(page, title.lower())
