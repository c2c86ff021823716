"""An admin imports an NVivo-shaped project whose selection and coding were made by different
users, chooses on the Exchange page whose credit the coding is, and is told the creators differ."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from study.store import Coding, Study, Transcript
from tests.browser.conftest import AppServer, sample_app
from tests.browser.navigation import go, rerun
from tests.test_qdpx_tools import guid, interview, nvivo_credit_project


@pytest.fixture(scope="module")
def exchange_app(tmp_path_factory, sample_studies) -> Iterator[AppServer]:
    """Its own copy of the sample study: the test imports a project into it."""
    yield from sample_app(tmp_path_factory, sample_studies, "exchange", with_codings=False)


def nvivo_file() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("project.qde", nvivo_credit_project())  # Ana selected, Ben coded
        archive.writestr(f"Sources/{guid(2, 4)}.txt", interview(4))
    return data.getvalue()


def test_the_admin_credits_the_selections_creator_and_is_told_the_creators_differ(exchange_app, page_as):
    admin = page_as("admin", app=exchange_app)
    go(admin, "Exchange")
    admin.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        [{"name": "nvivo.qdpx", "mimeType": "application/zip", "buffer": nvivo_file()}])
    admin.get_by_text("the selection's creator", exact=True).click()
    with rerun(admin):
        admin.get_by_role("button", name="Import").click()
    expect(admin.get_by_text("selection by Ana, coding by Ben: 1); credited to the selection's creator",
                             exact=False)).to_be_visible(timeout=30_000)
    study = Study.open(exchange_app.db_url)
    try:
        with study.session() as session:
            raters = session.scalars(select(Coding).join(Transcript).where(Transcript.name == "Interview 4")).all()
            assert [c.rater.name for c in raters] == ["Ana"]
    finally:
        study.close()
