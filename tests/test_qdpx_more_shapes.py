"""Round trips of the project shapes of ``tests/qdpx_more_shapes.py``: what a study cannot read
(a text only in Word, a text outside the archive) goes back out as it came in, and what an
export changes by design is listed, counted by hand."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from sqlalchemy import select

from study import codings, qdpx
from study.auth import CLI
from study.qdpx import kept
from study.qdpx.model import SOURCES_FOLDER
from study.store import Coding, Study
from tests.qdpx_loss import inventory, loss
from tests.qdpx_media_projects import DOCX, PROJECTS, TEXT
from tests.qdpx_more_shapes import SHAPES, folders, write_project, write_shape

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
    link and its coding, and the user with their id."""
    summary, lost, out = _round_trip(study, tmp_path, "outside")
    assert [name for name, _ in summary.left_out] == ["Linked interview"] and LEFT_OUT in summary.kept_lines
    assert lost.total == 0
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    assert [s.get("plainTextPath") for s in root.iter(X + "TextSource") if s.get("name") == "Linked interview"] == [
        "relative:///interviews/linked.txt"]


def _by_guid(root: ET.Element, tag: str) -> dict[str, ET.Element]:
    return {e.get("guid"): e for e in root.iter(X + tag)}


def test_quotation_names_editors_and_user_ids_go_back_out(study, tmp_path):
    """ATLAS.ti names its quotations and records who edited them last; a study names a selection
    by its words and keeps no editor. Those kept go back onto the selection written at the same
    place, the user known only by an id with it; GUIDs in braces, a reference in another case and
    a byte order mark before the XML are read. Nothing is lost."""
    summary, lost, out = _round_trip(study, tmp_path, "quotations")
    assert summary.ok and dict(summary.codings) == {"Ana": 1, "ben.k": 1} and not summary.unmapped
    assert lost.total == 0
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    users = _by_guid(root, "User")
    slump = next(s for s in root.iter(X + "PlainTextSelection") if s.get("name") == "Afternoon slump")
    assert (users[slump.get("modifyingUser")].get("id"), slump.get("modifiedDateTime")) == (
        "ben.k", "2023-02-09T16:30:00")
    assert {s.get("name") for s in root.iter(X + "PlainTextSelection")} >= {"Afternoon slump", "Whiteboard drawing"}


def _tree(code: ET.Element) -> tuple:
    return code.get("name"), code.get("isCodable"), [_tree(c) for c in code.findall(X + "Code")]


def test_folders_notes_as_files_and_utf16_positions_of_nvivo_go_back_out(study, tmp_path):
    """NVivo's folders that are not codable stay folders three deep; its notes written as files
    come in (a code's note keeps its own name); positions counted in UTF-16 units over a text with
    a byte order mark, CR LF line ends and emoji select the same words. What the schema has no
    place for (a vendor's element and attribute) is named by the import, not written back."""
    summary, lost, out = _round_trip(study, tmp_path, "folders")
    assert [quote for *_, quote in _quotes(study)] == ["Like a rocket \U0001F680 with no brakes",
                                                       "We slept for a week."]
    assert summary.skipped == ["1 <Layout> element(s) in <TextSource> not imported",
                               "1 attribute(s) of another namespace than QDA-XML's not imported: aggregate on <Code> (1)"]
    assert (dict(lost.elements), dict(lost.attributes), dict(lost.words), dict(lost.values), dict(lost.files)) == (
        {"Layout": 1}, {"Code@aggregate": 1, "Layout@zoom": 1}, {"true": 1}, {}, {})
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    [top] = [c for c in root.find(X + "CodeBook").find(X + "Codes").findall(X + "Code") if c.get("name") == "Feelings"]
    assert _tree(top) == ("Feelings", "false", [("Intense", "false", [("Speed", "true", []),
                                                                       ("Exhaustion", "true", [])])])
    notes = {n.get("name"): n for n in root.iter(X + "Note")}
    assert (notes["Launch week"].get("modifiedDateTime"), "On exhaustion" in notes) == ("2024-01-13T08:00:00Z", True)


def test_nvivo_memos_go_back_out_named_where_they_were(study, tmp_path):
    """NVivo's selection over three turns is cut into one coding per turn in the study and goes out
    whole again, with its own name and its annotation (a note as a file, joined by a Link named
    "Annotation") rather than a copy of it as the selection's memo; a note a selection refers to,
    a document memo and a memo at a passage go out as the notes they were, named as they were.
    The one change, counted by hand: the document memo was a file and goes out as content."""
    summary, lost, out = _round_trip(study, tmp_path, "memos")
    annotation = "The sketch and the queue are one story here."
    quoted = [q for q in _quotes(study) if q[0] == "Ana Lima" and q[2]]
    assert [quote.split(":")[0] for *_, quote in quoted] == ["A map of the build pipeline, then the review queue.",
                                                            "Which part slowed you down?", "Waiting for reviewers"]
    with study.session() as session:
        assert {c.memo for c in session.scalars(select(Coding)) if c.rater.name == "Ana Lima" and c.segment} == {
            annotation}
    assert (dict(lost.elements), dict(lost.attributes), dict(lost.words), dict(lost.values), dict(lost.files)) == (
        {}, {"Note@plainTextPath": 1}, {}, {}, {})
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    selections = {s.get("name"): s for s in root.iter(X + "PlainTextSelection")}
    whole = selections["From sketch to queue"]
    path = root.find(X + "Sources")[0].get("plainTextPath").removeprefix("internal://")
    text = zipfile.ZipFile(out).read(f"{SOURCES_FOLDER}{path}").decode("utf-8")
    assert text[int(whole.get("startPosition")):int(whole.get("endPosition"))].endswith("P1: Waiting for reviewers")
    assert whole.find(X + "Description") is None
    notes = {n.get("guid"): n.get("name") for n in root.iter(X + "Note")}
    [link] = root.iter(X + "Link")
    assert (link.get("name"), notes[link.get("originGUID")], link.get("targetGUID")) == (
        "Annotation", "Annotation on From sketch to queue", whole.get("guid"))
    opening = selections["Opening question"]
    assert [notes[r.get("targetGUID")] for r in opening.findall(X + "NoteRef")] == ["Leading question?"]
    assert opening.find(X + "Description") is None
    assert [notes[r.get("targetGUID")] for r in opening.find(X + "Coding").iter(X + "NoteRef")] == ["Why Prompt"]
    text_element = root.find(X + "Sources")[0]
    on_text = [notes[r.get("targetGUID")] for r in text_element.findall(X + "NoteRef")]
    assert sorted(on_text) == ["First impressions", "Hesitation"]
    [whole_coding] = text_element.findall(X + "Coding")
    [on_coding] = [n for n in root.iter(X + "Note") if n.get("guid") == whole_coding.find(X + "NoteRef").get("targetGUID")]
    assert (on_coding.get("name"), on_coding.get("creationDateTime")) == ("Bottleneck throughout", "2024-06-05T09:10:00Z")
    codes = {c.get("guid"): c.get("name") for c in root.iter(X + "Code")}
    assert [(p.get("name"), codes[p.find(X + "Coding").find(X + "CodeRef").get("targetGUID")])
            for p in on_coding.findall(X + "PlainTextSelection") if p.find(X + "Coding") is not None] == [
        ("circling", "Prompt")]  # a study codes no memo's text: the coded passage is kept as written


def test_a_memo_edited_in_the_study_goes_out_as_it_is_now_without_the_notes_it_no_longer_holds(study, tmp_path):
    """Ben's coding memo was two NVivo notes and is rewritten in the study: it goes out as the
    selection's Description, the two notes are not put back on it and are named; Ana's memo keeps
    her annotation and gains a paragraph after it: the annotation goes back out linked, and the
    Description is the whole memo (an import reads a selection's Description before its notes, so
    the new paragraph alone would come back before the annotation). Imported again, each memo holds
    what the study held, in its order."""
    source = write_shape(tmp_path / "in.qdpx", "memos")
    qdpx.import_qdpx(study, CLI, source)
    annotation = "The sketch and the queue are one story here."
    codings.apply_code(study, CLI, "Ben Okafor", "Pipeline interview", 0, "Prompt", memo="Only my reading now.")
    for segment, span in ((1, None), (2, None), (3, (154, 175))):
        codings.apply_code(study, CLI, "Ana Lima", "Pipeline interview", segment, "Bottleneck",
                           memo=f"{annotation}\n\nAnd the queue grows.", span=span)
    out = tmp_path / "out.qdpx"
    summary = qdpx.export_qdpx(study, CLI, out)
    assert [line.split(":")[0] for line in summary.not_written] == ["note 'Leading question?'", "note 'Why Prompt'"]
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    SCHEMA.validate(zipfile.ZipFile(out).read("project.qde").decode("utf-8"))
    selections = {s.get("name"): s for s in root.iter(X + "PlainTextSelection")}
    opening, whole = selections["Opening question"], selections["From sketch to queue"]
    assert (opening.find(X + "Description").text, list(opening.iter(X + "NoteRef"))) == ("Only my reading now.", [])
    assert whole.find(X + "Description").text == f"{annotation}\n\nAnd the queue grows."
    assert [link.get("targetGUID") for link in root.iter(X + "Link")] == [whole.get("guid")]
    assert {n.get("name") for n in root.iter(X + "Note")} >= {"Annotation on From sketch to queue"}
    assert not {"Leading question?", "Why Prompt"} & {n.get("name") for n in root.iter(X + "Note")}
    again = Study.open(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        qdpx.import_qdpx(again, CLI, out)
        assert {(c.rater, c.memo) for c in codings.codings_of(again, CLI, "Ben Okafor")} == {
            ("Ben Okafor", "Only my reading now.")}
        assert {c.memo for c in codings.codings_of(again, CLI, "Ana Lima") if c.segment is not None} == {
            f"{annotation}\n\nAnd the queue grows."}
    finally:
        again.close()


def test_a_point_and_the_colours_of_groupings_go_back_out(study, tmp_path):
    """MAXQDA's coded selection of no characters is kept as written (a study codes no empty
    stretch) and goes back out at its place, named by the import; the four non-codable levels
    above the codes keep their colours (a study's themes have none: before, they were dropped with
    no word); a selection to the text's very end and two users' overlapping ones are codings."""
    summary, lost, out = _round_trip(study, tmp_path, "points")
    assert lost.total == 0, lost
    assert summary.kept_lines == ["1 selection(s) of no characters (a point in a text, which a study cannot code) "
                                  "kept as written for export"] and not summary.unmapped
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    clicked = TEXT.index("review queue")
    assert [(int(s.get("startPosition")), int(s.get("endPosition"))) for s in root.iter(X + "PlainTextSelection")
            if s.get("startPosition") == s.get("endPosition")] == [(clicked, clicked)]
    assert {c.get("name"): c.get("color") for c in root.iter(X + "Code") if c.get("isCodable") == "false"} == {
        f"Level {n}": f"#10{n}0{n}0" for n in range(1, 5)}
    assert sorted((rater, quote) for rater, _, quote in _quotes(study)) == [
        ("ana", "A map of the build pipeline"), ("ana", "Waiting for reviewers, mostly after lunch."),  # its turn, whole
        ("ben", "the build pipeline, then the review queue.")]


def _passages(out: Path) -> dict[str, list[str]]:
    """{note name: the words each of its coded passages selects in the note's text}."""
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    return {n.get("name"): [n.find(X + "PlainTextContent").text[int(p.get("startPosition")):int(p.get("endPosition"))]
                            for p in n.findall(X + "PlainTextSelection") if p.find(X + "Coding") is not None]
            for n in root.iter(X + "Note") if n.find(X + "PlainTextContent") is not None}


def test_a_notes_coded_passage_follows_its_words_when_the_memo_is_edited(study, tmp_path):
    """The note on Ana's coding of the whole text has a coded passage ('circles', at 15-22 of
    "The whole talk circles the queue."). Its memo gains a first sentence in the study: the passage
    goes out on 'circles' where it now stands (before, it kept 15-22: 'ence. T'). Its words
    rewritten away: the passage is not written, and the export names it."""
    qdpx.import_qdpx(study, CLI, write_shape(tmp_path / "in.qdpx", "memos"))
    codings.apply_code(study, CLI, "Ana Lima", "Pipeline interview", None, "Bottleneck",
                       memo="A first sentence. The whole talk circles the queue.")
    summary = qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    assert summary.not_written == ()
    assert _passages(tmp_path / "out.qdpx")["Bottleneck throughout"] == ["circles"]
    codings.apply_code(study, CLI, "Ana Lima", "Pipeline interview", None, "Bottleneck", memo="Only the queue.")
    summary = qdpx.export_qdpx(study, CLI, tmp_path / "out2.qdpx")
    SCHEMA.validate(zipfile.ZipFile(tmp_path / "out2.qdpx").read("project.qde").decode("utf-8"))
    assert _passages(tmp_path / "out2.qdpx")["Bottleneck throughout"] == []
    assert summary.not_written == ("a coded passage of note 'Bottleneck throughout': its words ('circles') are no "
                                   "longer in the note (its memo was edited in the study)",)


def test_selections_go_back_out_each_where_it_was(study, tmp_path):
    """NVivo's answer selected with its speaker's label, three turns coded at one moment, an
    undated selection from one answer into the next and a selection coded by two users: each
    coding goes back out selecting the words it selected (none lost, none joined to another)."""
    summary, lost, out = _round_trip(study, tmp_path, "selections")
    assert lost.total == 0, lost
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    codes = {c.get("guid"): c.get("name") for c in root.iter(X + "Code")}
    coded = [codes[r.get("targetGUID")] for r in root.iter(X + "CodeRef")]
    assert (coded.count("Queue"), coded.count("Drawing")) == (3, 4)  # as in the file: 3 and 4 codings


def test_notes_on_a_recordings_transcript_selection_and_its_coding_go_back_out_there(study, tmp_path):
    """QualCoder's transcript selection with a note on it and one on its coding: both notes become
    the coding's memo and go back out as the notes they were, on the transcript selection inside
    its recording again. The one change, counted by hand: QualCoder's empty <Description /> on
    the picture is not written."""
    summary, lost, out = _round_trip(study, tmp_path, "recording notes")
    assert (dict(lost.elements), lost.figures()["attributes"], lost.figures()["words"]) == ({"Description": 1}, 0, 0)
    root = ET.fromstring(zipfile.ZipFile(out).read("project.qde"))
    notes = {n.get("guid"): n.get("name") for n in root.iter(X + "Note")}
    [selection] = [s for s in root.iter(X + "TranscriptSelection") if s.find(X + "Coding") is not None
                   and s.find(X + "NoteRef") is not None]
    assert [notes[r.get("targetGUID")] for r in selection.findall(X + "NoteRef")] == ["On the passage"]
    assert [notes[r.get("targetGUID")] for r in selection.find(X + "Coding").findall(X + "NoteRef")] == [
        "On the coding"]
    assert selection.find(X + "Description") is None
    with study.session() as session:
        assert [c.memo for c in session.scalars(select(Coding)) if c.memo] == [
            "Old microphones, new habits.\n\nWhy the engineer matters."]


def _quotes(study: Study) -> list[tuple[str, str, str]]:
    with study.session() as session:
        return [(c.rater.name, c.transcript.name, c.transcript.text[c.span[0]:c.span[1]] if c.span else
                 c.transcript.text[c.segment.start:c.segment.end] if c.segment else "")  # "": the whole text
                for c in session.scalars(select(Coding).order_by(Coding.id))]


@pytest.mark.parametrize("shape", SHAPES)
def test_importing_the_studys_own_export_again_keeps_nothing_twice(study, tmp_path, shape):
    _round_trip(study, tmp_path, shape)
    with study.session() as session:
        stored = kept.kept_of(session).elements
    again = qdpx.import_qdpx(study, CLI, tmp_path / "out.qdpx")
    assert again.kept == 0 and again.project_memos == 0
    with study.session() as session:
        assert kept.kept_of(session).elements == stored


def test_a_note_on_a_coding_goes_back_out_with_its_editor_and_a_removed_coding_is_named(study, tmp_path):
    """A note a selection's coding refers to, edited by another user, becomes that coding's memo
    and goes back out as the note it was, editor and edit date included, referred to by the
    coding again; once that coding is removed from the study, the export names the reference it
    could not put back."""
    qde, files = folders()
    at = qde.index("</Coding>", qde.index('<Coding guid="00000004-0000-4000-8000-000000000001"'))
    qde = qde[:at] + '<NoteRef targetGUID="00000006-0000-4000-8000-000000000001"/>' + qde[at:]
    qdpx.import_qdpx(study, CLI, write_project(tmp_path / "in.qdpx", qde, files))
    assert qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx").not_written == ()
    root = ET.fromstring(zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde"))
    notes = {n.get("guid"): n for n in root.iter(X + "Note")}
    [rocket] = [s for s in root.iter(X + "PlainTextSelection") if s.get("name") == "Rocket"]
    [ref] = rocket.find(X + "Coding").findall(X + "NoteRef")
    note = notes[ref.get("targetGUID")]
    assert (note.get("name"), note.get("modifiedDateTime")) == ("Launch week", "2024-01-13T08:00:00Z")
    assert rocket.find(X + "Description") is None  # the memo is that note's text, written once
    with study.session() as session:
        coding = session.scalars(select(Coding).where(Coding.memo.is_not(None))).one()
        session.delete(coding)
    assert qdpx.export_qdpx(study, CLI, tmp_path / "again.qdpx").not_written == (
        "a kept note reference on a coding the export does not hold (removed or recoded since the import)",)


@pytest.mark.parametrize("encoding, declared", [("utf-16", "utf-16"), ("utf-16", "utf-8"), ("utf-8-sig", "utf-8"),
                                                ("latin-1", "ISO-8859-1")])
def test_a_project_file_in_another_encoding_is_read_as_it_is_written(study, tmp_path, encoding, declared):
    """UTF-16 with its byte order mark is read as UTF-16 even where its declaration says UTF-8 (the
    parser refused it); a UTF-8 byte order mark and a declared Latin-1 are read too."""
    qde, files = SHAPES["quotations"]()
    qde = qde.lstrip("\ufeff").replace('encoding="utf-8"', f'encoding="{declared}"').replace(
        "Afternoon slump", "Après-midi slump")
    summary = qdpx.import_qdpx(study, CLI, write_project(tmp_path / "in.qdpx", qde.encode(encoding), files))
    assert summary.ok and dict(summary.codings) == {"Ana": 1, "ben.k": 1}
    root = ET.fromstring(zipfile.ZipFile(_exported_again(study, tmp_path)).read("project.qde"))
    assert "Après-midi slump" in {s.get("name") for s in root.iter(X + "PlainTextSelection")}


def _exported_again(study: Study, tmp_path: Path) -> Path:
    out = tmp_path / "out.qdpx"
    qdpx.export_qdpx(study, CLI, out)
    return out


@pytest.mark.parametrize("tool, by_design", [("MAXQDA", ({"PlainTextContent": 1}, {"Representation@plainTextPath": 1})),
                                             ("QualCoder", ({"Description": 1}, {"Transcript@plainTextPath": 1}))])
def test_a_pdf_or_recording_whose_text_is_missing_goes_back_out_whole(study, tmp_path, tool, by_design):
    """The PDF's representation or the recording's transcript is missing from the archive: the PDF
    or recording is kept whole (its regions or time ranges, its codings) with the case holding its
    own variables, whose Variables the export writes again; only the path of the missing text
    goes (it would name nothing), besides the by-design changes of ``test_qdpx_kept``."""
    qde, files = PROJECTS[tool]()
    path = write_project(tmp_path / "in.qdpx", qde, {n: data for n, data in files.items() if not n.endswith(".txt")})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert len(summary.left_out) == 1 and LEFT_OUT in summary.kept_lines
    out = tmp_path / "out.qdpx"
    assert qdpx.export_qdpx(study, CLI, out).not_written == ()
    SCHEMA.validate(zipfile.ZipFile(out).read("project.qde").decode("utf-8"))
    lost = loss(inventory(path), inventory(out))
    assert (dict(lost.elements), dict(lost.attributes), lost.figures()["words"], lost.figures()["values"]) == (
        *by_design, 0, 0)
