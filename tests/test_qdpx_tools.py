"""REFI-QDA projects in the shapes NVivo, MAXQDA, ATLAS.ti and QualCoder write them (fixtures
written here, never copied): texts named without ``internal://``, texts missing from the archive,
selections and codings by different users, source memos, whole-source coding memos, cases; and
round trips that add nothing."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from study import codes, codings, qdpx
from study.auth import CLI
from study.cli import cli
from study.codebook import parse_codebook
from study.errors import StudyError
from study.participants import list_participants, upsert_participant
from study.project_memos import project_memos
from study.store import Coding, Study, Transcript
from tests.factories import add_interview, add_raters, load_small_codebook
from tests.test_qdpx import memos_of

Q = "{urn:QDA-XML:project:1.0}"
ANA, BEN = "F3EA8DA1-BB99-411F-8ED4-011170237B6C", "1B0E8A55-3C1D-4E0B-9D2A-5F1F7C4C9B10"


def guid(kind: int, n: int) -> str:
    return f"{kind:08X}-0000-4000-8000-{n:012X}"


def interview(n: int) -> str:
    return (f"Interviewer: What did you build in week {n}?\n\n"
            f"P{n}: A parser in Python, then tests.\n\n"
            "Interviewer: And the hardest part?\n\n"
            f"P{n}: Reviews took longer than programming.\n")


# A MAXQDA-shaped project: upper-case GUIDs, every code codable (parents too) with a colour and
# a description, the same name in two branches, a Set, sources under a lower-case "sources/".
MAXQDA_CODES = f"""<CodeBook><Codes>
  <Code color="#ef8256" guid="{guid(1, 1)}" name="Skills" isCodable="true"><Description>What they can do.</Description>
    <Code color="#ef8256" guid="{guid(1, 2)}" name="programming" isCodable="true"><Description>Writes code.</Description></Code>
  </Code>
  <Code color="#32bd59" guid="{guid(1, 3)}" name="Work" isCodable="true">
    <Code color="#32bd59" guid="{guid(1, 4)}" name="programming" isCodable="true"/>
    <Code color="#32bd59" guid="{guid(1, 5)}" name="reviews" isCodable="true"/>
  </Code>
</Codes></CodeBook>"""


def maxqda_project(sources: int, path=lambda g: f"internal://{g}.txt", notes: bool = True) -> str:
    def source(n: int) -> str:
        text = interview(n)
        at = text.index("A parser")
        return (f'<TextSource modifyingUser="{ANA}" guid="{guid(2, n)}" creatingUser="{ANA}" '
                f'creationDateTime="2024-10-18T23:23:46Z" name="Interview {n}" plainTextPath="{path(guid(2, n))}">'
                f'<PlainTextSelection guid="{guid(3, n)}" startPosition="{at}" endPosition="{at + 8}" '
                f'creatingUser="{ANA}" creationDateTime="2024-10-19T10:00:00Z"><Coding guid="{guid(4, n)}" '
                f'creatingUser="{ANA}"><CodeRef targetGUID="{guid(1, 2)}"/></Coding></PlainTextSelection>'
                f'<NoteRef targetGUID="{guid(6, n)}"/></TextSource>')

    note_xml = "".join(f'<Note guid="{guid(6, n)}" creatingUser="{ANA}" creationDateTime="2024-10-20T09:00:00Z" '
                       f'name="Memo {n}"><PlainTextContent>memo on interview {n}</PlainTextContent></Note>'
                       for n in range(1, sources + 1))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" origin="MAXQDA 24 (Release 24.7.0)" name="Study">
 <Users><User guid="{ANA}" name="ana"/></Users>
 {MAXQDA_CODES}
 <Variables><Variable guid="{guid(7, 1)}" name="age" typeOfVariable="Integer"/>
  <Variable guid="{guid(7, 2)}" name="role" typeOfVariable="Text"/></Variables>
 <Cases>
  <Case guid="{guid(8, 1)}" name="P1"><VariableValue><VariableRef targetGUID="{guid(7, 1)}"/><IntegerValue>34</IntegerValue></VariableValue><SourceRef targetGUID="{guid(2, 1)}"/></Case>
  <Case guid="{guid(8, 2)}" name="P2"><VariableValue><VariableRef targetGUID="{guid(7, 2)}"/><TextValue>lead</TextValue></VariableValue><SourceRef targetGUID="{guid(2, 2)}"/></Case>
 </Cases>
 <Sources>{"".join(source(n) for n in range(1, sources + 1))}</Sources>
 {f"<Notes>{note_xml}</Notes>" if notes else ""}
 <Sets><Set guid="{guid(9, 1)}" name="Week one"><MemberSource targetGUID="{guid(2, 1)}"/></Set></Sets>
</Project>"""


def write_qdpx(path: Path, project: str, texts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
        for name, text in texts.items():
            archive.writestr(name, text.encode("utf-8"))
    return path


def texts_of(study: Study) -> dict[str, str]:
    with study.session() as session:
        return {t.name: t.text for t in session.scalars(select(Transcript))}


def quotes_of(study: Study) -> list[tuple[str, str, str]]:
    """(rater, transcript, quoted text) of every stored coding."""
    with study.session() as session:
        rows = []
        for c in session.scalars(select(Coding).order_by(Coding.id)):
            span = c.span or ((c.segment.start, c.segment.end) if c.segment else (0, len(c.transcript.text)))
            rows.append((c.rater.name, c.transcript.name, c.transcript.text[span[0]:span[1]]))
        return rows


# ---------------------------------------------------------------- where the texts are


@pytest.mark.parametrize("path", [
    lambda g: f"sources/{g}.txt",  # the member's own name
    lambda g: f"{g}.txt",  # a bare file name, the file in sources/
    lambda g: f"relative://{g}.txt",
    lambda g: f"C:\\Users\\ana\\Documents\\MAXQDA\\{g}.txt",  # a path on the writer's disk: its file in the archive
])
def test_a_text_named_without_internal_is_read_from_the_archive(study, tmp_path, path):
    project = maxqda_project(1, path)
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "m.qdpx", project,
                                                       {f"sources/{guid(2, 1)}.txt": interview(1)}))
    assert summary.ok and summary.imported == ["Interview 1"]
    assert quotes_of(study) == [("ana", "Interview 1", "A parser")]


def test_missing_texts_are_left_out_by_name_and_everything_else_is_imported(study, tmp_path):
    """Three sources, two of their text files missing: the codebook, both participants, every
    note the study can hold and the one readable text come in; the two are named."""
    project = maxqda_project(3)
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "m.qdpx", project,
                                                       {f"sources/{guid(2, 2)}.txt": interview(2)}))
    assert summary.imported == ["Interview 2"]
    assert summary.left_out == [("Interview 1", f"internal://{guid(2, 1)}.txt is missing from the archive"),
                                ("Interview 3", f"internal://{guid(2, 3)}.txt is missing from the archive")]
    assert summary.details()[0].startswith("2 text source(s) left out (everything else was imported): Interview 1: ")
    assert "2 coding(s) on the text source(s) left out not imported (kept with them for export)" in summary.skipped
    assert "2 text source(s) left out, with their selections, codings and notes, kept as written for export" \
        in summary.kept_lines
    assert summary.project_memos == 2  # the notes on the texts left out
    assert codes_of(study) == TREE
    assert [p["participant"] for p in list_participants(study)] == ["P1", "P2"]
    assert memos_of(study) == {("ana", "Interview 2", None): "memo on interview 2"}
    assert quotes_of(study) == [("ana", "Interview 2", "A parser")]


def test_a_project_whose_texts_are_all_missing_still_brings_its_codebook_and_cases(study, tmp_path):
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "m.qdpx", maxqda_project(6), {}))
    assert [name for name, _ in summary.left_out] == [f"Interview {n}" for n in range(1, 7)]
    assert summary.imported == [] and codes_of(study) == TREE
    assert [p["participant"] for p in list_participants(study)] == ["P1", "P2"]
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "import", str(tmp_path / "m.qdpx")])
    assert result.exit_code == 0 and "6 text source(s) left out" in result.output, result.output


TREE = ["Skills", "Skills/programming", "Work", "Work/programming", "Work/reviews"]


def codes_of(study: Study):
    with study.session() as session:
        return [c.ref for c in codes.all_codes(session)]


def test_participants_keep_only_the_attributes_the_file_gives(study, tmp_path):
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "m.qdpx", maxqda_project(2),
                                            {f"sources/{guid(2, n)}.txt": interview(n) for n in (1, 2)}))
    assert [(p["participant"], p["attributes"]) for p in list_participants(study)] == [
        ("P1", {"age": "34"}), ("P2", {"role": "lead"})]


# ---------------------------------------------------------------- whose coding it is (NVivo)


def nvivo_credit_project() -> str:
    """NVivo writes a selection's creatingUser and each coding's: here Ana selected, Ben coded."""
    text = interview(4)
    at = text.index("Reviews")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project name="Untitled" origin="NVivo for Windows 12.6" creatingUserGUID="{ANA}" xmlns="urn:QDA-XML:project:1.0">
  <Users><User guid="{ANA}" name="Ana"/><User guid="{BEN}" name="Ben"/></Users>
  <CodeBook><Codes><Code guid="{guid(1, 5)}" name="reviews" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{guid(2, 4)}" name="Interview 4" plainTextPath="internal://{guid(2, 4)}.txt">
    <PlainTextSelection guid="{guid(3, 4)}" name="" startPosition="{at}" endPosition="{at + 7}" creatingUser="{ANA}">
      <Coding guid="{guid(4, 4)}" creatingUser="{BEN}"><CodeRef targetGUID="{guid(1, 5)}"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"""


@pytest.mark.parametrize("credit, rater", [("coding", "Ben"), ("selection", "Ana")])
def test_when_selection_and_coding_creators_differ_the_import_says_so_and_credits_the_chosen(
        study, tmp_path, credit, rater):
    path = write_qdpx(tmp_path / "n.qdpx", nvivo_credit_project(), {f"Sources/{guid(2, 4)}.txt": interview(4)})
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "import", str(path), "--credit", credit])
    assert result.exit_code == 0, result.output
    whose = "the coding's creator" if credit == "coding" else "the selection's creator"
    assert (f"1 coding(s) were made by another user than their selection (selection by Ana, coding by Ben: 1); "
            f"credited to {whose}") in result.output
    other = "selection" if credit == "coding" else "coding"
    assert f"--credit {other}" in result.output
    assert quotes_of(study) == [(rater, "Interview 4", "Reviews")]


def test_the_same_creator_on_both_is_not_reported(study, tmp_path):
    project = nvivo_credit_project().replace(f'<Coding guid="{guid(4, 4)}" creatingUser="{BEN}"',
                                             f'<Coding guid="{guid(4, 4)}" creatingUser="{ANA}"')
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "n.qdpx", project,
                                                       {f"Sources/{guid(2, 4)}.txt": interview(4)}))
    assert not summary.credit_differs and summary.credit_line() is None


def test_an_unknown_credit_is_refused(study, tmp_path):
    with pytest.raises(StudyError, match="no credit 'owner'"):
        qdpx.import_qdpx(study, CLI, tmp_path / "none.qdpx", credit="owner")


# ---------------------------------------------------------------- memos both ways


def qualcoder_memo_project() -> str:
    """QualCoder writes a source's memo as its Description, and a whole-source coding's memo can
    only be a Note its Coding refers to."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc" origin="QualCoder 3.6" creatingUserGUID="{ANA}">
  <Users><User guid="{ANA}" name="ana"/><User guid="{BEN}" name="ben"/></Users>
  <CodeBook><Codes><Code guid="{guid(1, 5)}" name="reviews" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{guid(2, 5)}" name="Interview 5" plainTextPath="internal://{guid(2, 5)}.txt"
      creatingUser="{BEN}" creationDateTime="2024-01-02T10:00:00Z">
    <Description>Recorded in a noisy cafe.</Description>
    <Coding guid="{guid(4, 5)}" creatingUser="{ANA}" creationDateTime="2024-01-03T10:00:00Z">
      <CodeRef targetGUID="{guid(1, 5)}"/><NoteRef targetGUID="{guid(6, 5)}"/></Coding>
  </TextSource></Sources>
  <Notes><Note guid="{guid(6, 5)}" creatingUser="{ANA}" creationDateTime="2024-01-03T10:00:00Z">
    <PlainTextContent>the whole interview is about reviews</PlainTextContent></Note></Notes>
</Project>"""


def test_a_source_description_is_its_creators_transcript_memo_and_goes_back_as_the_description(study, tmp_path):
    path = write_qdpx(tmp_path / "q.qdpx", qualcoder_memo_project(), {f"Sources/{guid(2, 5)}.txt": interview(5)})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert memos_of(study) == {("ben", "Interview 5", None): "Recorded in a noisy cafe."}
    assert [(r.code, r.memo) for r in codings.codings_of(study, CLI, "ana")] == [
        ("reviews", "the whole interview is about reviews")]
    assert summary.memos == 1 and summary.coding_memos == 1 and not summary.skipped
    qdpx.export_qdpx(study, CLI, tmp_path / "back.qdpx")
    root = project_root(tmp_path / "back.qdpx")
    source = next(root.iter(f"{Q}TextSource"))
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    assert (source.findtext(f"{Q}Description"), users[source.get("creatingUser")]) == (
        "Recorded in a noisy cafe.", "ben")
    [coding] = source.findall(f"{Q}Coding")
    notes = {n.get("guid"): n.findtext(f"{Q}PlainTextContent") for n in root.iter(f"{Q}Note")}
    assert [notes[r.get("targetGUID")] for r in coding.findall(f"{Q}NoteRef")] == [
        "the whole interview is about reviews"]


def project_root(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("project.qde"))


def test_transcript_memos_of_two_raters_and_whole_transcript_coding_memos_round_trip(study, tmp_path):
    load_small_codebook(study)
    add_interview(study, "Kickoff", "P1", ["We sort by downloads.", "The license decides."])
    add_raters(study, "alice", "bob")
    codings.apply_code(study, CLI, "alice", "Kickoff", None, "Challenges/Model search", memo="all of it")
    codings.set_memo(study, CLI, "alice", "Kickoff", None, "alice's view")
    codings.set_memo(study, CLI, "bob", "Kickoff", None, "bob's view")
    qdpx.export_qdpx(study, CLI, tmp_path / "s.qdpx")
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    qdpx.import_qdpx(fresh, CLI, tmp_path / "s.qdpx")
    assert memos_of(fresh) == memos_of(study)
    assert codings.codings_of(fresh, CLI, "alice") == codings.codings_of(study, CLI, "alice")
    fresh.close()


# ---------------------------------------------------------------- a round trip adds nothing


def test_a_round_trip_adds_no_date_field_and_no_empty_attribute(study, tmp_path):
    add_interview(study, "P1-2023-01-05", "P1", ["We sort by downloads."])
    add_interview(study, "P2 kickoff", "P2", ["Finding a model takes days."])
    with study.session() as session:
        upsert_participant(session, "P1", {"age": "34"})
        upsert_participant(session, "P2", {"role": "lead", "country": ""})
        # as an import sets them: P1's from its name, P2's from a file name the transcript no longer has
        session.scalar(select(Transcript).where(Transcript.name == "P1-2023-01-05")).interview_date = "2023-01-05"
        session.scalar(select(Transcript).where(Transcript.name == "P2 kickoff")).interview_date = "2023-02-01"
    qdpx.export_qdpx(study, CLI, tmp_path / "s.qdpx")
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    qdpx.import_qdpx(fresh, CLI, tmp_path / "s.qdpx")
    assert list_participants(fresh) == list_participants(study)
    with study.session() as a, fresh.session() as b:
        def rows(session):
            return [(t.name, t.header, t.interview_date) for t in session.scalars(select(Transcript).order_by(Transcript.name))]
        assert rows(b) == rows(a)
    fresh.close()


# ---------------------------------------------------------------- cases and their texts


def test_qualcoder_reads_each_participants_links_to_their_transcripts(study, tmp_path):
    """QualCoder's refi.py (clean_up_case_codes_and_case_text) links a case to text only through a
    code that shares the case's GUID: each coding of it becomes a case_text row; parse_cases
    ignores a Case's SourceRefs."""
    add_interview(study, "P1 first", "P1", ["We sort by downloads."])
    add_interview(study, "P1 second", "P1", ["Finding a model takes days."])
    add_interview(study, "P2 only", "P2", ["The license decides."])
    qdpx.export_qdpx(study, CLI, tmp_path / "s.qdpx")
    root = project_root(tmp_path / "s.qdpx")
    cases = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Case") if c.get("name") is not None}
    code_guids = {c.get("guid") for c in root.iter(f"{Q}Code")}
    case_text = set()
    for source in root.iter(f"{Q}TextSource"):
        for selection in source.findall(f"{Q}PlainTextSelection"):
            for coding in selection.findall(f"{Q}Coding"):
                target = coding.find(f"{Q}CodeRef").get("targetGUID")
                if target in cases and target in code_guids:
                    case_text.add((cases[target], source.get("name"), selection.get("startPosition"),
                                   selection.get("endPosition")))
    texts = texts_of(study)
    assert case_text == {("P1", "P1 first", "0", str(len(texts["P1 first"]))),
                         ("P1", "P1 second", "0", str(len(texts["P1 second"]))),
                         ("P2", "P2 only", "0", str(len(texts["P2 only"])))}
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    summary = qdpx.import_qdpx(fresh, CLI, tmp_path / "s.qdpx")
    assert not summary.skipped and codes_of(fresh) == []  # the case codes are links, not codes
    assert list_participants(fresh) == list_participants(study)
    fresh.close()


def test_nvivo_case_codes_over_whole_texts_link_them_to_their_participants(study, tmp_path):
    """NVivo links a case to its texts by coding them whole with a code that shares the case's GUID,
    with or without a SourceRef."""
    text = interview(6)
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project name="n" origin="NVivo 14" creatingUserGUID="{ANA}" xmlns="urn:QDA-XML:project:1.0">
  <Users><User guid="{ANA}" name="Ana"/></Users>
  <CodeBook><Codes><Code guid="{guid(1, 5)}" name="reviews" isCodable="true"/>
    <Code guid="{guid(8, 6)}" name="Participant 6" isCodable="true"/></Codes></CodeBook>
  <Cases><Case guid="{guid(8, 6)}" name="Participant 6"/></Cases>
  <Sources><TextSource guid="{guid(2, 6)}" name="Interview 6" plainTextPath="internal://{guid(2, 6)}.txt">
    <PlainTextSelection guid="{guid(3, 6)}" startPosition="0" endPosition="{len(text)}" creatingUser="{ANA}">
      <Coding guid="{guid(4, 6)}" creatingUser="{ANA}"><CodeRef targetGUID="{guid(8, 6)}"/></Coding></PlainTextSelection>
  </TextSource></Sources>
</Project>"""
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "n.qdpx", project,
                                                       {f"Sources/{guid(2, 6)}.txt": text}))
    assert not summary.skipped and not summary.unmapped and not summary.codings
    assert list_participants(study) == [{"participant": "Participant 6", "transcripts": ["Interview 6"],
                                         "attributes": {}}]


# ---------------------------------------------------------------- the code tree both ways


def code_tree(codes: ET.Element, ns: str = Q) -> list[tuple]:
    """(depth, name, codable, colour, description) of every Code, in document order."""
    rows = []

    def walk(element: ET.Element, depth: int) -> None:
        for code in element.findall(f"{ns}Code"):
            rows.append((depth, code.get("name"), code.get("isCodable", "true"), (code.get("color") or "").lower(),
                         code.findtext(f"{ns}Description") or ""))
            walk(code, depth + 1)

    walk(codes, 0)
    return rows


def test_a_maxqda_code_tree_goes_back_out_as_it_came_in(study, tmp_path):
    """Codable parents with colours and descriptions, one name in two branches: the exported tree
    is the imported one, name for name (no parent added, nothing renamed), and codings on both
    "programming" codes stay apart."""
    project = maxqda_project(2).replace(  # code the second branch's "programming" too
        f'<CodeRef targetGUID="{guid(1, 2)}"/></Coding></PlainTextSelection><NoteRef targetGUID="{guid(6, 2)}"/>',
        f'<CodeRef targetGUID="{guid(1, 4)}"/></Coding></PlainTextSelection><NoteRef targetGUID="{guid(6, 2)}"/>')
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "m.qdpx", project,
                                            {f"sources/{guid(2, n)}.txt": interview(n) for n in (1, 2)}))
    assert [(r.transcript, r.code) for r in codings.codings_of(study, CLI, "ana")] == [
        ("Interview 1", "Skills/programming"), ("Interview 2", "Work/programming")]
    summary = qdpx.export_qdpx(study, CLI, tmp_path / "back.qdpx")
    assert summary.repeated_names == ("programming",)
    original = code_tree(ET.fromstring(project).find(f"{Q}CodeBook").find(f"{Q}Codes"))
    cases = {c.get("guid") for c in project_root(tmp_path / "back.qdpx").iter(f"{Q}Case")}
    exported = [row for row, code in zip(code_tree(project_root(tmp_path / "back.qdpx").find(f"{Q}CodeBook")
                                                   .find(f"{Q}Codes")),
                                         project_root(tmp_path / "back.qdpx").find(f"{Q}CodeBook").iter(f"{Q}Code"))
                if code.get("guid") not in cases]
    assert exported == original


def test_the_default_export_says_which_names_repeat_and_how_to_export_for_qualcoder(study, tmp_path):
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "m.qdpx", maxqda_project(1),
                                            {f"sources/{guid(2, 1)}.txt": interview(1)}))
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "export", "--out", str(tmp_path / "o.qdpx")])
    assert result.exit_code == 0 and "written as they are: programming." in result.output
    assert "--unique-names" in result.output
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "export", "--out", str(tmp_path / "q.qdpx"),
                                      "--unique-names"])
    names = [r[1] for r in code_tree(project_root(tmp_path / "q.qdpx").find(f"{Q}CodeBook").find(f"{Q}Codes"))]
    assert result.exit_code == 0 and "programming (Skills)" in names and "programming (Work)" in names


CODEBOOK = "{urn:QDA-XML:codebook:1.0}"


def test_a_qdc_codebook_keeps_its_tree_and_goes_back_out_the_same(study, tmp_path):
    """An NVivo-shaped .qdc (namespace written 1:0, every node codable, a child of a child)."""
    source = tmp_path / "nvivo.qdc"
    source.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?><CodeBook origin="NVivo 14" '
        'xmlns="urn:QDA-XML:codebook:1:0"><Codes>'
        f'<Code guid="{guid(1, 1)}" isCodable="true" name="Trust" color="#112233"><Description>Whom they trust.'
        f'</Description><Code guid="{guid(1, 2)}" isCodable="true" name="Peers">'
        f'<Code guid="{guid(1, 3)}" isCodable="true" name="Close peers" color="#445566"/></Code></Code>'
        f'<Code guid="{guid(1, 4)}" isCodable="false" name="Context"><Code guid="{guid(1, 5)}" isCodable="true" '
        'name="Peers"/></Code></Codes></CodeBook>')
    result = qdpx.import_codebook(study, CLI, source)
    assert result.codes == 4 and not result.skipped
    assert codes_of(study) == ["Trust", "Trust/Peers", "Trust/Peers/Close peers", "Context/Peers"]
    qdpx.export_codebook(study, CLI, tmp_path / "back.qdc")
    original = code_tree(ET.fromstring(source.read_text()).find("{urn:QDA-XML:codebook:1:0}Codes"),
                         "{urn:QDA-XML:codebook:1:0}")
    back = code_tree(ET.fromstring((tmp_path / "back.qdc").read_text()).find(f"{CODEBOOK}Codes"), CODEBOOK)
    assert back == original


def test_two_codes_of_one_parent_sharing_a_name_are_told_apart_and_reported(study, tmp_path):
    codes_xml = (f'<Code guid="{guid(1, 1)}" name="Work" isCodable="true">'
                 f'<Code guid="{guid(1, 2)}" name="reviews" isCodable="true"/>'
                 f'<Code guid="{guid(1, 3)}" name="Reviews" isCodable="true"/></Code>')
    project = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Users><User guid="{ANA}" name="ana"/></Users>'
               f"<CodeBook><Codes>{codes_xml}</Codes></CodeBook></Project>")
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "d.qdpx", project, {}))
    assert codes_of(study) == ["Work", "Work/reviews", "Work/Reviews (2)"]
    assert summary.skipped == ["code 'Reviews' under Work is stored as 'Reviews (2)': another code of that "
                               "parent has its name"]


# ---------------------------------------------------------------- project memos (journals)


def test_a_project_memo_is_kept_and_goes_back_out_as_a_journal_qualcoder_reads(study, tmp_path):
    """QualCoder writes a journal as a named Note whose text is a file; NVivo and MAXQDA project
    memos are notes attached to nothing too."""
    journal = guid(6, 9)
    project = qualcoder_memo_project().replace("</Notes>", (
        f'<Note guid="{journal}" name="Reflexive journal" plainTextPath="internal://{journal}.txt" '
        f'creatingUser="{BEN}" creationDateTime="2024-01-05T08:00:00Z"/></Notes>'))
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "q.qdpx", project, {
        f"Sources/{guid(2, 5)}.txt": interview(5), f"Sources/{journal}.txt": "Week one: I lead too much."}))
    assert summary.project_memos == 1 and "Project memos: 1." in summary.headline() and not summary.skipped
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "project-memos", "--format", "csv"])
    assert result.output.splitlines() == ["name,author,created,text",
                                          "Reflexive journal,ben,2024-01-05T08:00:00Z,Week one: I lead too much."]
    again = qdpx.import_qdpx(study, CLI, tmp_path / "q.qdpx")
    assert again.project_memos == 0  # kept once
    qdpx.export_qdpx(study, CLI, tmp_path / "back.qdpx")
    root = project_root(tmp_path / "back.qdpx")
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    referenced = {r.get("targetGUID") for r in root.iter(f"{Q}NoteRef")}
    # QualCoder's parse_notes: a Note no source refers to, with a name and a plainTextPath, is a
    # journal: its text the file <sources folder>/<path after internal:/> (the folder "sources" if
    # there is one, else "Sources"), its owner the creatingUser.
    with zipfile.ZipFile(tmp_path / "back.qdpx") as archive:
        folder = "sources" if any(n.startswith("sources/") for n in archive.namelist()) else "Sources"
        journals = [(n.get("name"), users[n.get("creatingUser")], n.get("creationDateTime"),
                     archive.read(folder + n.get("plainTextPath").split("internal:/")[1]).decode())
                    for n in root.iter(f"{Q}Note") if n.get("guid") not in referenced and n.get("plainTextPath")]
    assert journals == [("Reflexive journal", "ben", "2024-01-05T08:00:00Z", "Week one: I lead too much.")]
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    qdpx.import_qdpx(fresh, CLI, tmp_path / "back.qdpx")
    assert project_memos(fresh, CLI) == project_memos(study, CLI)
    fresh.close()


def test_the_studys_themes_sent_back_codable_by_nvivo_are_its_themes_again(study, tmp_path):
    """NVivo has no uncodable groupings: the study's themes come back as codable nodes nobody coded.
    Where the study has a theme of that path, the node is that theme, and the codings land on the
    study's own codes; a coded node, or one the study has no theme for, is a code."""
    load_small_codebook(study)  # Attributes/Portability/License, Attributes/Traditional/Popularity, ...
    add_interview(study, "Kickoff", "P1", ["We sort by downloads.", "The license decides."])
    with study.session() as session:
        text = session.scalar(select(Transcript.text))
    before = codes_of(study)
    at = text.index("license")
    tree = (f'<Code guid="{guid(1, 1)}" name="Attributes" isCodable="true">'
            f'<Code guid="{guid(1, 2)}" name="Portability" isCodable="true">'
            f'<Code guid="{guid(1, 3)}" name="License" isCodable="true"/></Code>'
            f'<Code guid="{guid(1, 4)}" name="Speed" isCodable="true"/></Code>')
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project name="n" origin="NVivo 14" creatingUserGUID="{ANA}" xmlns="urn:QDA-XML:project:1.0">
  <Users><User guid="{ANA}" name="Ana"/></Users><CodeBook><Codes>{tree}</Codes></CodeBook>
  <Sources><TextSource guid="{guid(2, 7)}" name="Kickoff" plainTextPath="internal://{guid(2, 7)}.txt">
    <PlainTextSelection guid="{guid(3, 7)}" startPosition="{at}" endPosition="{at + 7}" creatingUser="{ANA}">
      <Coding guid="{guid(4, 7)}" creatingUser="{ANA}"><CodeRef targetGUID="{guid(1, 3)}"/></Coding></PlainTextSelection>
  </TextSource></Sources></Project>"""
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "n.qdpx", project,
                                                       {f"Sources/{guid(2, 7)}.txt": text}))
    assert [(r.code, r.span) for r in codings.codings_of(study, CLI, "Ana")] == [
        ("Attributes/Portability/License", (at, at + 7))]
    # Speed: a node the study has no theme for, so a code (in the theme Attributes)
    assert summary.codes_added == 1 and set(codes_of(study)) - set(before) == {"Attributes/Speed"}


def test_a_text_written_as_utf16_with_a_byte_order_mark_is_read(study, tmp_path):
    path = tmp_path / "m.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", maxqda_project(1))
        archive.writestr(f"sources/{guid(2, 1)}.txt", interview(1).encode("utf-16"))  # a BOM, then UTF-16
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.ok and quotes_of(study) == [("ana", "Interview 1", "A parser")]


@pytest.mark.parametrize("book, refs", [
    # as older imports kept another tool's top-level codes: they go back out, and come in, at the top level
    ("name: b\nthemes:\n  - name: Codes\n    codes: [{name: A, definition: a}]\n", ["A"]),
    ("name: b\nthemes:\n  - name: Codes\n    codes: [{name: A, definition: a}]\n"
     "    themes: [{name: Sub, codes: [{name: B, definition: b}]}]\n", ["Codes/A", "Codes/Sub/B"]),  # a study's own
])
def test_a_theme_named_codes_goes_out_as_the_tools_top_level_or_as_the_studys_own_theme(study, tmp_path, book, refs):
    codes.load_into_study(study, parse_codebook(book, source="b.yaml"), CLI)
    qdpx.export_qdpx(study, CLI, tmp_path / "s.qdpx")
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        qdpx.import_qdpx(fresh, CLI, tmp_path / "s.qdpx")
        with fresh.session() as session:
            assert [c.ref for c in codes.all_codes(session)] == refs
    finally:
        fresh.close()
