"""Round trips of the project shapes of ``tests/qdpx_more_shapes.py``: what a study cannot read
(a text only in Word, a text outside the archive) goes back out as it came in, and what an
export changes by design is listed, counted by hand."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from study import qdpx
from study.auth import CLI
from study.qdpx import kept
from study.store import Study
from tests.qdpx_loss import inventory, loss
from tests.qdpx_media_projects import DOCX
from tests.qdpx_more_shapes import write_shape

SCHEMA = xmlschema.XMLSchema(str(qdpx.schema_path()))
X = "{urn:QDA-XML:project:1.0}"
LEFT_OUT = "1 text source(s) left out, with their selections, codings and notes, kept as written for export"


def _round_trip(study: Study, tmp_path: Path, shape: str):
    source = write_shape(tmp_path / "in.qdpx", shape)
    summary = qdpx.import_qdpx(study, CLI, source)
    out = tmp_path / "out.qdpx"
    assert qdpx.export_qdpx(study, CLI, out).not_written == ()
    SCHEMA.validate(zipfile.ZipFile(out).read("project.qde").decode("utf-8"))
    return summary, loss(inventory(source), inventory(out)), out


def test_a_text_only_in_word_goes_back_out_with_its_codings_note_set_and_case(study, tmp_path):
    """MAXQDA's text written only as Word has no plain text to import: it is named as left out,
    kept whole (its selection, coding, description, Word file, set membership and case) and the
    note on it is a project memo; the export gives all of it back. By design the note's text is
    written as a file (one PlainTextContent less)."""
    summary, lost, out = _round_trip(study, tmp_path, "word only")
    assert summary.left_out == [("Field notes in Word", "only a rich-text (.docx) version and no plain text, "
                                                        "which positions refer to")]
    assert LEFT_OUT in summary.kept_lines and summary.project_memos == 1
    assert (dict(lost.elements), dict(lost.attributes), dict(lost.words), dict(lost.values), dict(lost.files)) == (
        {"PlainTextContent": 1}, {}, {}, {}, {})
    archive = zipfile.ZipFile(out)
    root = ET.fromstring(archive.read("project.qde"))
    word = next(s for s in root.iter(X + "TextSource") if s.get("name") == "Field notes in Word")
    assert archive.read("Sources/" + word.get("richTextPath").removeprefix("internal://")) == DOCX
    notes = {n.get("guid"): n.get("name") for n in root.iter(X + "Note")}
    assert [notes[r.get("targetGUID")] for r in word.iter(X + "NoteRef")] == ["Visit memo"]


def test_a_text_outside_the_archive_goes_back_out_linked_as_it_came_in(study, tmp_path):
    """A text the project links to (``relative://``) is not read; it goes back out with the same
    link and its coding. Lost by design: the user's id (a study names users by name)."""
    summary, lost, out = _round_trip(study, tmp_path, "outside")
    assert [name for name, _ in summary.left_out] == ["Linked interview"] and LEFT_OUT in summary.kept_lines
    assert (dict(lost.elements), dict(lost.attributes), dict(lost.values), dict(lost.files)) == (
        {}, {"User@id": 1}, {}, {})
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    assert [s.get("plainTextPath") for s in root.iter(X + "TextSource") if s.get("name") == "Linked interview"] == [
        "relative:///interviews/linked.txt"]


@pytest.mark.parametrize("shape", ["word only", "outside"])
def test_importing_the_studys_own_export_again_keeps_nothing_twice(study, tmp_path, shape):
    _round_trip(study, tmp_path, shape)
    with study.session() as session:
        stored = kept.kept_of(session).elements
    again = qdpx.import_qdpx(study, CLI, tmp_path / "out.qdpx")
    assert again.kept == 0 and again.project_memos == 0
    with study.session() as session:
        assert kept.kept_of(session).elements == stored
