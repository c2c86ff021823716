"""An admin teaches the reader where turns start, in the upload preview: picks the line of one
file where a turn starts and names its speaker, and every file of the batch is read again that way, then imported with
the convention kept for the study."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from study.listing import segment_rows
from study.store import Study
from study.taught_conventions import saved_conventions
from tests.browser.conftest import AppServer, sample_app
from tests.browser.navigation import go, rerun, reveal

FIRST_LINE = "Voice 1 Thanks for joining. How did you start?"
# An export no reader can read alone: nothing marks where a label ends ("Voice 1 Thanks"), and "Voice" is no
# role word (a role word before a space, "Speaker 1 Thanks", is read: the spaced-label shape).
ZOOM = f"{FIRST_LINE}\nVoice 2 By accident, a friend needed help.\nVoice 1 Which model?\nVoice 2 A small one.\n"
OTHER = "Voice 1 Welcome. Why models?\nVoice 2 They are free.\nVoice 1 And licences?\nVoice 2 I read them all.\n"


@pytest.fixture(scope="module")
def teach_app(tmp_path_factory, sample_studies) -> Iterator[AppServer]:
    """Its own copy of the sample study: the test imports transcripts and keeps a convention."""
    yield from sample_app(tmp_path_factory, sample_studies, "teach", with_codings=False)


def test_a_turn_shown_to_start_at_a_line_rereads_the_batch_and_is_kept(teach_app, page_as):
    admin = page_as("admin", app=teach_app)
    go(admin, "Transcripts")
    reveal(admin, admin.get_by_text("Add transcripts"))
    uploader = admin.locator('[data-testid="stFileUploader"] input[type="file"]').nth(0)
    uploader.set_input_files([{"name": "Z1.txt", "mimeType": "text/plain", "buffer": ZOOM.encode()},
                              {"name": "Z2.txt", "mimeType": "text/plain", "buffer": OTHER.encode()}])
    with rerun(admin):
        admin.get_by_role("button", name="Preview").click()
    expect(admin.get_by_text("Read as paragraphs").first).to_be_visible(timeout=30_000)  # one unknown speaker
    reveal(admin, admin.get_by_text("Turns start elsewhere? Show the reader one").first)
    admin.get_by_text(FIRST_LINE, exact=True).click()  # the line, in the list of the file's lines
    admin.get_by_role("textbox", name="By this speaker (optional)").first.fill("Nobody")
    with rerun(admin):
        admin.get_by_role("button", name="Read every file again").first.click()
    expect(admin.get_by_text("'Nobody' is not at the start of").first).to_be_visible(timeout=30_000)
    # the error moves nothing: the preview and the form stay open, the line still chosen
    admin.get_by_role("textbox", name="By this speaker (optional)").first.fill("Voice 1")
    with rerun(admin):
        admin.get_by_role("button", name="Read every file again").first.click()
    expect(admin.get_by_text("Read as taught").first).to_be_visible(timeout=30_000)
    expect(admin.get_by_text("Read as taught")).to_have_count(2)  # the other file too
    expect(admin.get_by_text("Voice 2: By accident, a friend needed help.", exact=False).first).to_be_visible()
    admin.get_by_text("Keep how turns start for this study's later imports").click()
    admin.get_by_role("button", name="Import", exact=True).click()
    expect(admin.get_by_text("2 imported.")).to_be_visible(timeout=30_000)
    study = Study.open(teach_app.db_url)
    try:
        assert [(s["speaker"], s["role"]) for s in segment_rows(study, "Z2")] == [
            ("Voice 1", "interviewer"), ("Voice 2", "participant")] * 2
        assert [c.example for c in saved_conventions(study)] == [FIRST_LINE]
    finally:
        study.close()
