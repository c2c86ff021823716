"""Fuzzing the REFI-QDA import (issue 11): a mutated project.qde or archive gives a summary or a
StudyError, never another exception, and an import that fails stores nothing.

The budget is fixed and small for CI (``QDPX_FUZZ_EXAMPLES``, default 40 examples, well under
30 s); for a release run it longer, e.g. ``QDPX_FUZZ_EXAMPLES=5000 pytest tests/test_qdpx_fuzz.py``.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from study import qdpx
from study.auth import CLI
from study.errors import StudyError
from study.store import AuditEntry, Code, Coding, Memo, Participant, Study, Theme, Transcript, User
from tests.test_qdpx_exchange import EMOJI_QUOTES, EMOJI_TEXT, SOURCE, nvivo_project, selections_xml, utf16

EXAMPLES = int(os.environ.get("QDPX_FUZZ_EXAMPLES", "40"))
NOTE = "0f758eeb-d61d-4e91-b250-000000000001"
EXTRA = f"""
  <Cases><Case guid="4a463c0d-9263-494a-81d6-e9d5a229f227" name="P3"><VariableValue>
    <VariableRef targetGUID="51dc3bcd-5454-47ff-a4d6-ea699144410d"/><TextValue>20-29</TextValue></VariableValue>
    <SourceRef targetGUID="{SOURCE}"/></Case></Cases>
  <Notes><Note guid="{NOTE}" creatingUser="8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645" creationDateTime="2021-01-15T23:37:54Z">
    <PlainTextContent>a memo</PlainTextContent><PlainTextSelection guid="d61907b2-d0d4-48dc-b8b7-5e4f7ae5faa6"
    startPosition="60" endPosition="70"/></Note></Notes>
  <Links><Link guid="9b2f3c1e-0000-4000-8000-000000000001" originGUID="{NOTE}"
    targetGUID="fd960901-8191-4db1-a3dd-000000000000"/></Links>
  <Sets><Set guid="46467993-b426-49dd-9707-b5958eba9870" name="Group"/></Sets>"""
BASE = nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES, utf16) + f'<NoteRef targetGUID="{NOTE}"/>',
                     extra=EXTRA).replace(
    "<Cases>", '<Variables><Variable guid="51dc3bcd-5454-47ff-a4d6-ea699144410d" name="Age" '
               'typeOfVariable="Text"/></Variables><Cases>')

# Values worth trying where the file has a number, a GUID or a name.
NUMBERS = st.one_of(st.integers(-10, 400).map(str), st.sampled_from(["", "1e3", "-0", "99999999999999999999", "٣",
                                                                      " 7", "0x10", "NaN"]))
GUIDS = st.sampled_from([SOURCE, "8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645", "4d62f0cc-182f-44b8-a043-339c90779e9e",
                         "", "{}", "not-a-guid", NOTE])
NAMES = st.one_of(st.text(max_size=12), st.sampled_from(["consensus", " ", "x" * 400, "a/b", "\x00", "&amp;"]))
TARGETS = {
    r'(startPosition|endPosition)="[^"]*"': NUMBERS,
    r'(guid|targetGUID|creatingUser|originGUID)="[^"]*"': GUIDS,
    r'(name)="[^"]*"': NAMES,
    r'(isCodable|creationDateTime|plainTextPath|origin)="[^"]*"': st.text(max_size=20),
}


def _attribute_edit(draw, text: str) -> str:
    pattern = draw(st.sampled_from(sorted(TARGETS)))
    matches = list(re.finditer(pattern, text))
    match = matches[draw(st.integers(0, len(matches) - 1))]
    value = draw(TARGETS[pattern]).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text[:match.start()] + f'{match[1]}="{value}"' + text[match.end():]


def _element_edit(draw, text: str) -> str:
    """Drop or repeat one element (a duplicate GUID, a missing part)."""
    matches = list(re.finditer(r"<(\w+)\b[^<>]*/>", text))
    match = matches[draw(st.integers(0, len(matches) - 1))]
    repeat = draw(st.booleans())
    return text[:match.start()] + (match[0] * 2 if repeat else "") + text[match.end():]


def _byte_edit(draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data) - 1))
    junk = draw(st.binary(min_size=0, max_size=4))
    return data[:at] + junk + data[at + draw(st.integers(0, 3)):]


@st.composite
def archives(draw) -> tuple[bytes, bytes | None, str]:
    """(project.qde bytes, the source text's bytes or None, its folder)."""
    text = BASE
    for _ in range(draw(st.integers(1, 3))):
        text = draw(st.sampled_from([_attribute_edit, _element_edit]))(draw, text)
    project = text.encode("utf-8")
    if draw(st.integers(0, 4)) == 0:
        project = _byte_edit(draw, project)
    source: bytes | None = EMOJI_TEXT.encode("utf-8")
    choice = draw(st.integers(0, 6))
    if choice == 0:
        source = None
    elif choice == 1:
        source = _byte_edit(draw, source)
    elif choice == 2:
        source = EMOJI_TEXT.replace("\n", "\r\n").encode("utf-8")
    return project, source, draw(st.sampled_from(["Sources", "sources"]))


def _snapshot(study: Study) -> tuple[int, ...]:
    with study.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in
                     (Transcript, Theme, Code, Coding, Memo, User, Participant, AuditEntry))


@pytest.fixture(scope="module")
def fuzz_study(tmp_path_factory) -> Study:
    study = Study.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    yield study
    study.close()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("QDPX_FUZZ_SEED") is None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(archive=archives())
def test_a_mutated_project_gives_a_summary_or_a_study_error_and_a_failure_stores_nothing(
        fuzz_study, tmp_path_factory, archive):
    project, source, folder = archive
    path = Path(tmp_path_factory.mktemp("case")) / "mutated.qdpx"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("project.qde", project)
        if source is not None:
            zipped.writestr(f"{folder}/{SOURCE}.txt", source)
    before = _snapshot(fuzz_study)
    try:
        summary = qdpx.import_qdpx(fuzz_study, CLI, path)
    except StudyError as exc:
        assert "\n" not in str(exc)
        assert _snapshot(fuzz_study) == before
    else:
        assert isinstance(summary, qdpx.QdpxImportSummary)
