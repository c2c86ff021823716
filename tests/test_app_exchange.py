"""The Exchange page: an admin downloads the study as .qdpx and .qdc and imports another tool's
project; a coder cannot reach it."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from study.store import Coding, Transcript
from tests.test_app_pages import ADMIN, ALICE, ROOT, open_page, sample_db, study, study_db  # noqa: F401 (fixtures)
from tests.test_qdpx_exchange import EMOJI_QUOTES, EMOJI_TEXT, SOURCE, nvivo_project, selections_xml, utf16


def nvivo_upload() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("project.qde", nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES, utf16)))
        archive.writestr(f"Sources/{SOURCE}.txt", EMOJI_TEXT)
    return data.getvalue()


def test_an_admin_downloads_the_codebook_and_prepares_the_project(study_db):
    at = open_page("exchange", ADMIN)
    assert not at.exception and at.title[0].value == "Exchange"
    at.button[0].click()  # prepare the .qdpx
    at.run()
    assert not at.exception and not at.error


def test_an_admin_imports_another_tools_project(study_db, study):
    at = open_page("exchange", ADMIN)
    at.file_uploader[0].upload("coder-ana.qdpx", nvivo_upload(), "application/zip")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception and not at.error
    assert any("1 imported" in t.value for t in at.toast)  # shown escaped: "Transcripts\\: 1 imported"
    assert any("UTF" in w.value for w in at.warning)
    with study.session() as session:
        assert session.query(Transcript).filter_by(name="Interview 3").one().text == EMOJI_TEXT


def test_a_broken_upload_is_one_error_naming_the_file(study_db):
    at = open_page("exchange", ADMIN)
    at.file_uploader[0].upload("broken.qdpx", b"not a zip", "application/zip")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    shown = at.error[0].value.replace("\\", "")  # Markdown escapes
    assert shown.startswith("broken.qdpx: is not a .qdpx project (not a zip archive)")


def test_a_coder_cannot_reach_the_exchange_page(study_db):
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=60)
    at.session_state["actor"] = ALICE
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/exchange.py")


def test_an_admin_chooses_whose_credit_a_coding_is_and_is_told_the_creators_differ(study_db, study):
    from tests.test_qdpx_tools import guid, interview, nvivo_credit_project

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("project.qde", nvivo_credit_project())
        archive.writestr(f"Sources/{guid(2, 4)}.txt", interview(4))
    at = open_page("exchange", ADMIN)
    assert at.radio[0].value == "coding"
    at.file_uploader[0].upload("nvivo.qdpx", data.getvalue(), "application/zip")
    at.radio[0].set_value("selection")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception and not at.error
    shown = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "selection by Ana, coding by Ben: 1); credited to the selection's creator" in shown
    with study.session() as session:
        assert [c.rater.name for c in session.query(Coding).join(Transcript).filter(Transcript.name == "Interview 4")
                ] == ["Ana"]


def test_an_admin_prepares_the_project_with_the_names_qualcoder_needs(study_db, study):
    from study import codes
    from study.auth import CLI

    codes.add_code(study, CLI, "Challenges", "License", "Licence terms.")  # the sample has Attributes/Portability/License
    at = open_page("exchange", ADMIN)
    at.checkbox(key="qdpx_unique_names").check()
    at.button[0].click()
    at.run()
    assert not at.exception and not at.error
    with zipfile.ZipFile(io.BytesIO(at.session_state["qdpx_bytes"])) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    names = re.findall(r'<Code guid="[^"]+" name="([^"]+)" isCodable="true"', xml)
    assert len(names) == len(set(names)) and {"License (Portability)", "License (Challenges)"} <= set(names)


def test_project_memos_an_import_brought_are_shown(study_db, study):
    from study.project_memos import ProjectMemo, keep

    with study.session() as session:
        keep(session, [ProjectMemo("Reflexive *journal*", "ben", "Week one: I lead too much.", None)])
    at = open_page("exchange", ADMIN)
    assert not at.exception
    assert at.expander[0].label.startswith("Project memos other tools' projects brought (1)")
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Reflexive *journal*" in shown and "Week one: I lead too much." in shown


def test_the_admin_is_told_what_an_export_could_not_write_back(study_db, study):
    """What an import kept whose place is gone (here a case reference to a case the study no longer
    has) is named in a warning when the project is prepared, not dropped silently."""
    from study.qdpx import kept

    orphan = kept.KeptElement("00000008-0000-4000-8000-000000000009", "Case",
                              '<SelectionRef xmlns="urn:QDA-XML:project:1.0" '
                              'targetGUID="00000003-0000-4000-8000-000000000009" />')
    with study.session() as session:
        assert kept.keep(session, [orphan], {}, {}) == 1
    at = open_page("exchange", ADMIN)
    at.button[0].click()  # prepare the .qdpx
    at.run()
    assert not at.exception and not at.error and "qdpx_bytes" in at.session_state
    shown = [w.value.replace("\\", "") for w in at.warning]
    assert shown == ["Not written: a kept <SelectionRef> in a <Case> the export does not hold (removed or renamed "
                     "since the import)"]
