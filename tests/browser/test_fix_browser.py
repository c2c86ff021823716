"""An admin fixes a transcript after import in the browser: a typo corrected, then the turn split,
and the study holds both with the codings on their words."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from study import auth, codings
from study.listing import segment_rows, transcript_rows
from study.store import Study
from tests.browser.conftest import AppServer, eventually, sample_app, wait_until_loaded
from tests.browser.navigation import go, reveal


@pytest.fixture(scope="module")
def fix_app(tmp_path_factory, sample_studies) -> Iterator[AppServer]:
    """Its own copy of the sample study: the fixes change transcripts other tests read."""
    yield from sample_app(tmp_path_factory, sample_studies, "fix", with_codings=True)


def test_an_admin_corrects_a_typo_and_splits_a_turn_and_the_codings_follow(fix_app, page_as):
    study = Study.open(fix_app.db_url)
    try:
        first = transcript_rows(study)[0]["name"]
        segment = segment_rows(study, first)[0]
        before = [(r.code, r.segment) for r in codings.codings_of(study, auth.CLI, "alice", first)]
    finally:
        study.close()
    admin = page_as("admin", app=fix_app)
    go(admin, "Transcripts")
    reveal(admin, admin.get_by_text("Fix after import"))
    reveal(admin, admin.get_by_role("tab", name="A turn"))
    area = admin.get_by_role("textbox", name="Correct the text")
    expect(area).to_have_value(segment["text"])
    area.fill(segment["text"] + " (sic)")
    admin.get_by_role("button", name="Save the correction").click()
    # the study holds the correction, then the page says so (a toast): a failure tells which is missing
    eventually(admin, lambda: first_text(fix_app, first) == segment["text"] + " (sic)", "the correction stored")
    expect(admin.get_by_text(re.compile("now reads"))).to_be_visible(timeout=30_000)
    wait_until_loaded(admin, timeout=60_000)
    words = segment["text"].split()
    admin.get_by_role("textbox", name="Split before these words").fill(" ".join(words[len(words) // 2:len(words) // 2 + 2]))
    admin.get_by_role("button", name="Split the turn").click()
    expect(admin.get_by_text(re.compile("is two turns"))).to_be_visible(timeout=30_000)
    study = Study.open(fix_app.db_url)
    try:
        rows = segment_rows(study, first)
        assert rows[0]["text"] + " " + rows[1]["text"] == segment["text"] + " (sic)"
        after = [(r.code, r.segment) for r in codings.codings_of(study, auth.CLI, "alice", first)]
        assert after == [(code, index + 1 if index else index) for code, index in before]  # later ones renumbered
    finally:
        study.close()


def first_text(app: AppServer, transcript: str) -> str:
    study = Study.open(app.db_url)
    try:
        return segment_rows(study, transcript)[0]["text"]
    finally:
        study.close()
