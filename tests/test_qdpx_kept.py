"""Round trips of what a study has no place of its own for (graphs, pictures, PDF regions, audio
and video time ranges, notes on relations and sets, variables of every type): the projects of
``tests/qdpx_media_projects.py``, in the shapes NVivo, MAXQDA, ATLAS.ti and QualCoder write, go
in and out, and what the export lacks is measured by ``tests/qdpx_loss.py``."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner

from study import codes, participants, qdpx
from study.auth import CLI, Actor
from study.cli import cli
from study.qdpx import archive, kept
from study.store import Study
from tests.qdpx_loss import inventory, loss
from tests import qdpx_media_projects as media
from tests.qdpx_media_projects import PROJECTS, write

SCHEMA = xmlschema.XMLSchema(str(qdpx.schema_path()))
X = "{urn:QDA-XML:project:1.0}"


@pytest.mark.parametrize("tool", PROJECTS)
def test_each_fixture_is_a_valid_project_of_its_tool(tmp_path, tool):
    path = write(tmp_path / "in.qdpx", tool)
    xml = zipfile.ZipFile(path).read("project.qde").decode("utf-8")
    SCHEMA.validate(xml)
    assert f'origin="{tool}' in xml


def test_the_loss_measure_counts_what_a_copy_lacks(tmp_path):
    """A file against itself loses nothing; against a copy without its graph, the graph's
    elements, attributes, words and coordinates, counted by hand from the NVivo fixture: Graphs,
    Graph, 3 Vertex, 1 Edge; the Graph's name 'Tools and delay' and the vertices' and edge's names."""
    path = write(tmp_path / "in.qdpx", "NVivo")
    assert loss(inventory(path), inventory(path)).total == 0
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["project.qde"].decode("utf-8")
    start, end = xml.index("  <Graphs>"), xml.index("</Graphs>") + len("</Graphs>\n")
    members["project.qde"] = (xml[:start] + xml[end:]).encode("utf-8")
    cut = tmp_path / "cut.qdpx"
    with zipfile.ZipFile(cut, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    lost = loss(inventory(path), inventory(cut))
    assert lost.elements == {"Graphs": 1, "Graph": 1, "Vertex": 3, "Edge": 1}
    assert sorted(lost.words.elements()) == sorted(
        "tools and delay tools delay free note ask about lunch leads to".split())
    assert lost.values["firstX=40"] == 1 and lost.values["lineStyle=DASHED"] == 1
    assert lost.files == {}


# what a round trip changes by design, each counted by hand from the fixtures:
# - PlainTextContent: an export writes notes as files (their words are counted there, not lost);
# - QualCoder: an empty <Description /> is not written.
BY_DESIGN = {
    "NVivo": ({"PlainTextContent": 3}, {}, {}),
    "MAXQDA": ({"PlainTextContent": 1}, {}, {}),
    "ATLAS.ti": ({"PlainTextContent": 2}, {}, {}),
    "QualCoder": ({"Description": 1}, {}, {}),
}
CASE_REF = "case reference(s) to a picture, a recording or PDF without text or a text left out"
SET_MEMBER = "set member(s) that are a picture, a recording or PDF without text or a text left out"
LINK = "link(s) with an end that is not a code or text (a selection, a case, a picture)"
ANNOTATION = "annotation(s) (a note joined to a selection by a link, its text also the coding's memo),"
REFERENCES = (CASE_REF, SET_MEMBER, LINK, ANNOTATION)
KEPT = {  # what each import says it kept as written, one line per kind
    "NVivo": ["case code reference(s)", "graph(s) (code maps)", "note(s) on relations", "note(s) on the project",
              "picture source(s)", "variable description(s)", CASE_REF, ANNOTATION, SET_MEMBER],
    "MAXQDA": ["PDF region selection(s) (areas of a page, not text)", "note member(s) of sets",
               "video source(s) without a transcript", SET_MEMBER],
    "ATLAS.ti": ["case selection reference(s)", "graph(s) (code maps)", "note description(s)",
                 "note member(s) of sets", "note(s) on relations", LINK],
    "QualCoder": ["audio selection(s) (time ranges, not transcript text)", "picture source(s)", CASE_REF],
}


def _exported(study: Study, path: Path) -> Path:
    summary = qdpx.export_qdpx(study, CLI, path)
    assert summary.not_written == ()
    SCHEMA.validate(zipfile.ZipFile(path).read("project.qde").decode("utf-8"))
    return path


@pytest.mark.parametrize("tool", PROJECTS)
def test_what_a_study_has_no_place_for_goes_out_as_it_came_in(study, tmp_path, tool):
    """Graphs, pictures and their regions, PDF regions, audio and video time ranges, notes on
    relations, sets and the project, variable and note descriptions, cases' code and selection
    references and the files they name: an import keeps them (and says so) and an export gives
    them back, valid against the schema; only the changes listed in ``BY_DESIGN`` remain."""
    source = write(tmp_path / "in.qdpx", tool)
    summary = qdpx.import_qdpx(study, CLI, source)
    assert summary.ok and not summary.unmapped and not [s for s in summary.skipped if "not imported" in s]
    assert summary.kept_lines == [f"1 {what} kept as written for export" + (
        "" if what in REFERENCES else " (a study does not show them)") for what in KEPT[tool]]
    lost = loss(inventory(source), inventory(_exported(study, tmp_path / "out.qdpx")))
    elements, words, values = BY_DESIGN[tool]
    assert (dict(lost.elements), dict(lost.words), dict(lost.values), dict(lost.files)) == (elements, words, values, {})


@pytest.mark.parametrize("tool", PROJECTS)
def test_a_second_round_trip_loses_nothing(study, tmp_path, tool):
    qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", tool))
    first = _exported(study, tmp_path / "first.qdpx")
    again = Study.open(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        summary = qdpx.import_qdpx(again, CLI, first)
        assert summary.ok and not summary.unmapped and not summary.skipped, summary.details()
        second = _exported(again, tmp_path / "second.qdpx")
    finally:
        again.close()
    assert loss(inventory(first), inventory(second)).figures() == dict.fromkeys(
        ("elements", "attributes", "words", "values", "files", "selected"), 0)


def _graph_ends(path: Path) -> set[tuple[str, str]]:
    """(vertex name, name of the code it stands for) of the exported graph's vertices."""
    root = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
    codes = {c.get("guid"): c.get("name") for c in root.iter(X + "Code")}
    return {(v.get("name"), codes.get(v.get("representedGUID"))) for v in root.iter(X + "Vertex")}


def test_a_graph_follows_a_code_renamed_after_the_import(study, tmp_path):
    """Kept references name codes by id: the vertex of 'Delay' stands for the code renamed 'Hold-up'."""
    qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", "NVivo"))
    codes.edit_code(study, CLI, "Delay", name="Hold-up")
    assert _graph_ends(_exported(study, tmp_path / "out.qdpx")) == {
        ("Tools", "Tools"), ("Delay", "Hold-up"), ("Free note: ask about lunch", None)}


def test_a_coders_own_export_holds_only_their_codings_not_what_imports_kept(study, tmp_path):
    """Kept elements carry every user's codings (a picture region coded by another coder): only an
    admin's export gives them back."""
    qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", "NVivo"))
    qdpx.export_qdpx(study, Actor("Ben Okafor", "coder"), tmp_path / "ben.qdpx")
    xml = zipfile.ZipFile(tmp_path / "ben.qdpx").read("project.qde").decode("utf-8")
    SCHEMA.validate(xml)
    assert "PictureSelection" not in xml and "<Graph" not in xml


def test_a_file_too_large_to_keep_is_named_and_not_named_again_by_the_export(study, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_KEPT_FILE", 40)  # the picture is 72 bytes
    summary = qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", "QualCoder"))
    picture = "internal://00000002-0000-4000-8000-000000000001.png"
    assert f"{picture} (72 bytes) is larger than the 40 bytes a study keeps of a file; its <PictureSource> " \
           "is kept without it" in summary.skipped
    out = _exported(study, tmp_path / "out.qdpx")
    xml = zipfile.ZipFile(out).read("project.qde").decode("utf-8")
    assert "<PictureSelection" in xml and picture not in xml


def test_a_word_version_or_picture_missing_from_the_archive_is_named_and_the_rest_kept(study, tmp_path):
    """NVivo's project without its text's Word version (richTextPath) and its photo (a
    PictureSource's path): each named once, in one line with the file and the element; the text
    and the picture's regions still come in and go out (without the paths nothing can fill), and
    the export imported again says nothing of them."""
    whole = write(tmp_path / "whole.qdpx", "NVivo")
    with zipfile.ZipFile(whole) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if not n.endswith((".docx", ".png"))}
    cut = tmp_path / "cut.qdpx"
    with zipfile.ZipFile(cut, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    summary = qdpx.import_qdpx(study, CLI, cut)
    word, photo = (f"internal://{media.guid(2, n, False)}.{ext}" for n, ext in ((1, "docx"), (2, "png")))
    assert sorted(line for line in summary.skipped if "missing" in line) == [
        f"{word} is missing from the archive; <TextSource> 'Whiteboard interview' is kept without it",
        f"{photo} is missing from the archive; <PictureSource> 'Whiteboard photo' is kept without it"]
    assert summary.imported == ["Whiteboard interview"]
    out = _exported(study, tmp_path / "out.qdpx")
    xml = zipfile.ZipFile(out).read("project.qde").decode("utf-8")
    assert "<PictureSelection" in xml and word not in xml and photo not in xml
    again = qdpx.import_qdpx(study, CLI, out)
    assert not [line for line in again.skipped if "missing" in line]


def _case_children(path: Path) -> dict[str, list[str]]:
    root = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
    return {c.get("name"): [k.tag.removeprefix(X) for k in c] for c in root.iter(X + "Case") if c.get("name")}


def test_what_a_case_kept_follows_its_participant_renamed(study, tmp_path):
    """A case's kept references (its code, its picture) name the participant by id: renamed 'Pia',
    the case still holds them."""
    qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", "NVivo"))
    participants.rename_participant(study, CLI, "P1", "Pia")
    cases = _case_children(_exported(study, tmp_path / "out.qdpx"))
    assert cases["Pia"].count("CodeRef") == 1 and cases["Pia"].count("SourceRef") == 2 and "P1" not in cases


def test_a_kept_element_whose_place_is_gone_is_named_by_the_export(study, tmp_path):
    """ATLAS.ti's case 'Reviewer pain' refers to a quotation; given a text and then left with
    nothing, the participant is removed, and the export names the reference it could not write."""
    qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", "ATLAS.ti"))
    participants.move_transcript(study, CLI, "Review interview", "Reviewer pain")
    assert participants.move_transcript(study, CLI, "Review interview", "P7").removed
    summary = qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    said = "a kept <SelectionRef> in a <Case> the export does not hold (removed or renamed since the import)"
    assert summary.not_written == (said,)
    SCHEMA.validate(zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde").decode("utf-8"))
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "export", "--out", str(tmp_path / "cli.qdpx")])
    assert result.exit_code == 0 and f"Not written: {said}." in result.output


def test_sets_written_inside_a_projects_codebook_are_kept_too(study, tmp_path):
    """A codebook (.qdc) holds its sets inside CodeBook; a tool writing a project so had them
    dropped without a word."""
    qde, files = PROJECTS["ATLAS.ti"]()
    start, end = qde.index("  <Sets>"), qde.index("</Sets>") + len("</Sets>\n")
    moved = qde[:end].replace(qde[start:end], "") + qde[end:]
    moved = moved.replace("</Codes>", "</Codes>" + qde[start:end])
    path = tmp_path / "in.qdpx"
    with zipfile.ZipFile(path, "w") as archive_file:
        archive_file.writestr("project.qde", moved)
        for name, data in files.items():
            archive_file.writestr(name, data)
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.sets == 1 and not summary.skipped
    root = ET.fromstring(zipfile.ZipFile(_exported(study, tmp_path / "out.qdpx")).read("project.qde"))
    assert [s.get("name") for s in root.iter(X + "Set")] == ["Time codes"]


def test_a_declared_variable_type_goes_out_as_declared(study, tmp_path):
    """A study keeps attribute values as text and types them again on export; a Text variable whose
    values look like numbers ("007", an ID) went out as Integer, so another tool read 7. The type a
    project declared is kept when every value is one."""
    qde, files = PROJECTS["QualCoder"]()
    qde = qde.replace('name="Role" typeOfVariable="Text"', 'name="Badge" typeOfVariable="Text"').replace(
        "<TextValue>engineer</TextValue>", "<TextValue>007</TextValue>")
    path = tmp_path / "in.qdpx"
    with zipfile.ZipFile(path, "w") as archive_file:
        archive_file.writestr("project.qde", qde)
        for name, data in files.items():
            archive_file.writestr(name, data)
    qdpx.import_qdpx(study, CLI, path)
    root = ET.fromstring(zipfile.ZipFile(_exported(study, tmp_path / "out.qdpx")).read("project.qde"))
    assert {v.get("name"): v.get("typeOfVariable") for v in root.iter(X + "Variable")} == {"Age": "Float",
                                                                                          "Badge": "Text"}
    assert [v.text for v in root.iter(X + "TextValue")] == ["007"]


@pytest.mark.parametrize("tool", PROJECTS)
def test_the_studys_own_export_imported_again_adds_nothing(study, tmp_path, tool):
    """Coders send back the project they were given: what the study kept comes in again under
    the export's GUIDs, and the next export holds each element once, as before."""
    qdpx.import_qdpx(study, CLI, write(tmp_path / "in.qdpx", tool))
    with study.session() as session:
        stored = kept.kept_of(session).elements
    first = _exported(study, tmp_path / "first.qdpx")
    again = qdpx.import_qdpx(study, CLI, first)
    assert again.ok and not again.unmapped and not again.skipped and again.kept == 0
    with study.session() as session:  # stored once: a text's and the project's attributes, a selection's cut
        assert kept.kept_of(session).elements == stored
    second = _exported(study, tmp_path / "second.qdpx")
    assert inventory(second).elements == inventory(first).elements
    assert loss(inventory(first), inventory(second)).total == 0


def test_a_note_is_matched_and_taken_out_as_whole_paragraphs_only():
    """A coding memo joins its selection's description and the notes on it, leaving out a note the
    description holds already, and the export takes a note's text back out of the description:
    both by whole paragraphs, so a short note ("relevant", "ok") never swallows words of another."""
    assert kept.holds_paragraphs("A memo\n\nThe note", "The note")
    assert not kept.holds_paragraphs("Not relevant to the budget question", "relevant")
    assert kept.without_paragraphs("okay, so\n\nok\n\nok", "ok") == "okay, so"
    assert kept.without_paragraphs("ok", "ok") == ""
    assert kept.without_paragraphs("A memo\n\nTwo\n\nparagraphs\n\nend", "Two\n\nparagraphs") == "A memo\n\nend"
