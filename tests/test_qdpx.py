"""REFI-QDA exchange: export valid against the QDA-XML schema, round trips, files from other tools, bad files."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner
from sqlalchemy import select

from study import codes, codings, qdpx
from study.auth import CLI, Actor
from study.cli import cli
from study.coding_write import CodingKey, CodingWrite, write_codings
from study.errors import NotAllowed, QdpxFormatError, StudyError
from study.listing import segment_rows, transcript_rows
from study.participants import list_participants, upsert_participant
from study.qdpx import kept
from study.store import Memo, Meta, Segment, Study, Transcript, User
from tests.factories import add_interview, add_raters, load_small_codebook

LICENSE = "Attributes/Portability/License"
POPULARITY = "Attributes/Traditional/Popularity"
SEARCH = "Challenges/Model search"
X = "{urn:QDA-XML:project:1.0}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory, sample_studies) -> Study:
    """The bundled sample study (10 transcripts, 54 codes, alice's and bob's codings)."""
    study = Study.open(f"sqlite:///{sample_studies.copy(tmp_path_factory.mktemp('sample') / 'sample.db')}")
    yield study
    study.close()


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(qdpx.schema_path()))


def project_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(qdpx.PROJECT_FILE).decode("utf-8")


def codebook_of(study: Study):
    with study.session() as session:
        return codes.stored_codebook(session)


def memos_of(study: Study) -> dict[tuple[str, str, int | None], str]:
    with study.session() as session:
        rows = session.execute(
            select(User.name, Transcript.name, Segment.index, Memo.text)
            .join(User, Memo.rater_id == User.id).join(Transcript, Memo.transcript_id == Transcript.id)
            .outerjoin(Segment, Memo.segment_id == Segment.id))
        return {(rater, transcript, index): text for rater, transcript, index, text in rows}


def texts_of(study: Study) -> dict[str, str]:
    with study.session() as session:
        return {t.name: t.text for t in session.scalars(select(Transcript))}


# ---------------------------------------------------------------- the sample study


def test_the_sample_study_round_trips_through_a_valid_qdpx(sample, study, schema, tmp_path):
    summary = qdpx.export_qdpx(sample, CLI, tmp_path / "sample.qdpx")
    schema.validate(project_xml(tmp_path / "sample.qdpx"))
    assert (summary.sources, summary.codes, summary.raters) == (10, 54, ("alice", "bob", "consensus"))

    result = qdpx.import_qdpx(study, CLI, tmp_path / "sample.qdpx")
    assert result.ok and not result.unmapped and not result.skipped
    assert result.details() == ["new raters (users of the project, added as coders without password): alice, bob, "
                                "consensus (adjudicated)"]
    assert texts_of(study) == texts_of(sample)
    assert codebook_of(study) == codebook_of(sample)  # names, definitions, rules, keywords, colours, themes
    for rater in ("alice", "bob"):
        assert codings.codings_of(study, CLI, rater) == codings.codings_of(sample, CLI, rater)
    assert list_participants(study) == list_participants(sample)
    for name in texts_of(sample):
        assert segment_rows(study, name) == segment_rows(sample, name)


def test_the_same_study_exports_to_the_same_bytes(sample, study, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    qdpx.export_qdpx(sample, CLI, tmp_path / "a" / "study.qdpx")
    qdpx.import_qdpx(study, CLI, tmp_path / "a" / "study.qdpx")
    qdpx.export_qdpx(study, CLI, tmp_path / "b" / "study.qdpx")  # the imported copy, exported again
    assert (tmp_path / "a" / "study.qdpx").read_bytes() == (tmp_path / "b" / "study.qdpx").read_bytes()


def test_an_export_holds_the_texts_as_utf8_files_the_project_points_to(sample, tmp_path):
    qdpx.export_qdpx(sample, CLI, tmp_path / "s.qdpx", raters=["alice"])
    xml = project_xml(tmp_path / "s.qdpx")
    with zipfile.ZipFile(tmp_path / "s.qdpx") as archive:
        sources = [n for n in archive.namelist() if n.startswith("sources/")]  # lower case: ATLAS.ti reads no other
        assert len(sources) == 10 and len(archive.namelist()) == 11
        for name in sources:
            assert f'plainTextPath="internal://{name.removeprefix("sources/")}"' in xml
        assert set(archive.read(n).decode("utf-8") for n in sources) == set(texts_of(sample).values())
    assert 'name="bob"' not in xml


def test_the_schema_copy_keeps_its_licence():
    text = qdpx.schema_path().read_text(encoding="utf-8")
    assert "This specification is licensed under the MIT license." in text
    assert 'targetNamespace="urn:QDA-XML:project:1.0"' in text


# ---------------------------------------------------------------- a small study, every kind of record


@pytest.fixture
def small(study):
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1-2023-01-05", "P1", ["We sort by downloads.", "The license decides."])
    add_interview(study, "P2-2023-01-09", "P2", ["Finding a model takes days."])
    with study.session() as session:
        upsert_participant(session, "P1", {"age": "34", "country": "Chile", "interviewed": "2023-01-05"})
        upsert_participant(session, "P2", {"age": "41", "country": "", "interviewed": "2023-01-09"})
    codings.apply_code(study, CLI, "alice", "P1-2023-01-05", 1, POPULARITY, memo="downloads as a proxy")
    codings.apply_code(study, CLI, "alice", "P1-2023-01-05", 3, LICENSE)
    codings.apply_code(study, CLI, "bob", "P1-2023-01-05", 3, LICENSE)
    codings.apply_code(study, CLI, "bob", "P1-2023-01-05", 3, POPULARITY)
    codings.apply_code(study, CLI, "alice", "P2-2023-01-09", None, SEARCH)  # the whole transcript
    codings.set_memo(study, CLI, "alice", "P2-2023-01-09", 1, "compare with P1")
    codings.set_memo(study, CLI, "bob", "P1-2023-01-05", None, "short interview")
    return study


def test_memos_whole_transcript_codings_and_attributes_round_trip(small, schema, tmp_path):
    qdpx.export_qdpx(small, CLI, tmp_path / "small.qdpx")
    schema.validate(project_xml(tmp_path / "small.qdpx"))
    target = Study.open(f"sqlite:///{tmp_path / 'target.db'}")
    qdpx.import_qdpx(target, CLI, tmp_path / "small.qdpx")
    for rater in ("alice", "bob"):
        assert codings.codings_of(target, CLI, rater) == codings.codings_of(small, CLI, rater)
    assert memos_of(target) == memos_of(small) == {
        ("alice", "P2-2023-01-09", 1): "compare with P1", ("bob", "P1-2023-01-05", None): "short interview"}
    assert list_participants(target) == list_participants(small)
    assert [r["date"] for r in transcript_rows(target)] == ["2023-01-05", "2023-01-09"]
    target.close()


def _selections_of(path: Path, code: str) -> list[tuple[int, int]]:
    """(start, end) of each selection coded ``code`` (a code's name) in the project at ``path``."""
    root = ET.fromstring(project_xml(path))
    guid = next(c.get("guid") for c in root.iter(X + "Code") if c.get("name") == code)
    return [(int(s.get("startPosition")), int(s.get("endPosition"))) for s in root.iter(X + "PlainTextSelection")
            if any(r.get("targetGUID") == guid for r in s.iter(X + "CodeRef"))]


def test_codings_of_neighbouring_segments_made_at_once_go_out_a_selection_each(small, tmp_path):
    """Coding three neighbouring segments at once gives three codings with one rater, code and
    date: each goes out as its own selection (an export joins only the pieces an import cut one
    selection into), and the file gives the same three codings back."""
    moment = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
    with small.session() as session:
        transcript = session.scalar(select(Transcript).where(Transcript.name == "P1-2023-01-05"))
        segments = sorted(transcript.segments, key=lambda s: s.index)[:3]
        bob, search = session.scalar(select(User.id).where(User.name == "bob")), codes.resolve(session, SEARCH).id
        write_codings(session, CLI, [CodingWrite(CodingKey(bob, transcript.id, s.id, search), created=moment)
                                     for s in segments])
        bounds = [(s.start, s.end) for s in segments]
    qdpx.export_qdpx(small, CLI, tmp_path / "bob.qdpx", raters=["bob"])
    assert _selections_of(tmp_path / "bob.qdpx", "Model search") == bounds
    target = Study.open(f"sqlite:///{tmp_path / 'target.db'}")
    qdpx.import_qdpx(target, CLI, tmp_path / "bob.qdpx")
    assert codings.codings_of(target, CLI, "bob") == codings.codings_of(small, CLI, "bob")
    target.close()


def test_participant_attributes_become_typed_variables(small, tmp_path):
    qdpx.export_qdpx(small, CLI, tmp_path / "small.qdpx")
    xml = project_xml(tmp_path / "small.qdpx")
    assert 'name="age" typeOfVariable="Integer"' in xml
    assert 'name="interviewed" typeOfVariable="Date"' in xml
    assert 'name="country" typeOfVariable="Text"' in xml
    assert "<IntegerValue>34</IntegerValue>" in xml
    assert xml.count("<TextValue>") == 1  # P2's empty country is left out


def test_only_the_named_raters_are_exported(small, tmp_path):
    summary = qdpx.export_qdpx(small, CLI, tmp_path / "bob.qdpx", raters=["bob"])
    assert (summary.raters, summary.codings) == (("bob",), 2)
    target = Study.open(f"sqlite:///{tmp_path / 'target.db'}")
    result = qdpx.import_qdpx(target, CLI, tmp_path / "bob.qdpx")
    assert dict(result.codings) == {"bob": 2}
    target.close()


def test_a_coder_exports_only_their_own_codings(small, tmp_path):
    summary = qdpx.export_qdpx(small, Actor("alice", "coder"), tmp_path / "alice.qdpx")
    assert summary.raters == ("alice",)
    with pytest.raises(NotAllowed):
        qdpx.export_qdpx(small, Actor("alice", "coder"), tmp_path / "bob.qdpx", raters=["bob"])


def test_only_an_admin_imports(small, tmp_path):
    qdpx.export_qdpx(small, CLI, tmp_path / "small.qdpx")
    with pytest.raises(NotAllowed):
        qdpx.import_qdpx(small, Actor("alice", "coder"), tmp_path / "small.qdpx")


def test_importing_into_the_study_it_came_from_changes_nothing(small, tmp_path):
    qdpx.export_qdpx(small, CLI, tmp_path / "small.qdpx")
    before = {r: codings.codings_of(small, CLI, r) for r in ("alice", "bob")}
    result = qdpx.import_qdpx(small, CLI, tmp_path / "small.qdpx")
    assert result.unchanged == ["P1-2023-01-05", "P2-2023-01-09"] and not result.imported
    assert (result.codes_added, sum(result.codings.values())) == (0, 0)
    assert {r: codings.codings_of(small, CLI, r) for r in ("alice", "bob")} == before


def test_a_different_text_under_a_taken_name_is_refused_and_nothing_is_stored(small, tmp_path):
    qdpx.export_qdpx(small, CLI, tmp_path / "small.qdpx")
    target = Study.open(f"sqlite:///{tmp_path / 'target.db'}")
    add_interview(target, "P1-2023-01-05", "P1", ["Something else entirely."])
    with pytest.raises(StudyError, match="already has a different transcript named 'P1-2023-01-05'"):
        qdpx.import_qdpx(target, CLI, tmp_path / "small.qdpx")
    assert list(texts_of(target)) == ["P1-2023-01-05"]  # not P2 either: one file, one transaction
    assert codebook_of(target).codes() == ()
    target.close()


# ---------------------------------------------------------------- a project from another tool

# Another tool's project: CRLF line ends, a parent code that is itself coded, a top-level code,
# a case with a variable, a PDF source, and selections that fit no segment.
TEXT = ("Interviewer: What gets in the way?\r\n\r\nP7: Mostly the cost of GPUs.\r\n\r\n"
        "Interviewer: Anything else?\r\n\r\nP7: Honestly, the paperwork for licences.\r\n")
G = {k: f"{{0000000{i}-0000-4000-8000-000000000000}}" for i, k in enumerate(
    ["user", "barriers", "cost", "hope", "source", "case", "age", "pdf", "note"])}


def other_tool_project(text: str = TEXT) -> str:
    def sel(n: int, start: int, end: int, code: str, note: str = "") -> str:
        return (f'<PlainTextSelection guid="{{10000000-0000-4000-8000-00000000000{n}}}" startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{G["user"]}"><Coding guid="{{20000000-0000-4000-8000-'
                f'00000000000{n}}}"><CodeRef targetGUID="{G[code]}"/></Coding>{note}</PlainTextSelection>')

    cost = text.index("the cost of GPUs")
    paperwork = text.index("paperwork")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="From another tool">
  <Users><User guid="{G['user']}" name="Maria"/></Users>
  <CodeBook><Codes>
    <Code guid="{G['barriers']}" name="Barriers" isCodable="true" color="#c00">
      <Description>What gets in the way.</Description>
      <Code guid="{G['cost']}" name="Cost / price" isCodable="true"><Description>Money.</Description></Code>
    </Code>
    <Code guid="{G['hope']}" name="Hope" isCodable="true"/>
  </Codes></CodeBook>
  <Variables><Variable guid="{G['age']}" name="age" typeOfVariable="Integer"/></Variables>
  <Cases><Case guid="{G['case']}" name="P7">
    <VariableValue><VariableRef targetGUID="{G['age']}"/><IntegerValue>29</IntegerValue></VariableValue>
    <SourceRef targetGUID="{G['source']}"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="{G['source']}" name="Interview 7" plainTextPath="internal://s7.txt">
      {sel(1, cost, cost + len("the cost of GPUs"), "cost")}
      {sel(2, paperwork, paperwork + len("paperwork"), "barriers", f'<NoteRef targetGUID="{G["note"]}"/>')}
      {sel(3, 0, len("Interviewer"), "hope")}
      {sel(4, len(text) + 10, len(text) + 20, "hope")}
      <Coding guid="{{30000000-0000-4000-8000-000000000001}}" creatingUser="{G['user']}"><CodeRef targetGUID="{G['hope']}"/></Coding>
    </TextSource>
    <PDFSource guid="{G['pdf']}" name="Scanned notes" path="internal://scan.pdf"/>
  </Sources>
  <Notes><Note guid="{G['note']}" creatingUser="{G['user']}"><PlainTextContent>Bureaucracy, not law.</PlainTextContent></Note></Notes>
</Project>"""


def write_qdpx(path: Path, project: str | bytes, files: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
        for name, text in (files or {}).items():
            archive.writestr(name, text.encode("utf-8"))
    return path


@pytest.fixture
def other_tool(tmp_path) -> Path:
    return write_qdpx(tmp_path / "other.qdpx", other_tool_project(), {"Sources/s7.txt": TEXT})


def test_a_project_from_another_tool_lands_in_its_segments(study, other_tool):
    result = qdpx.import_qdpx(study, CLI, other_tool)
    assert result.imported == ["Interview 7"]
    assert texts_of(study) == {"Interview 7": TEXT.replace("\r\n", "\n")}
    # Segments: 0 and 2 the interviewer's questions, 1 and 3 P7's answers; offsets counted with
    # CRLF in the file are moved onto the LF text.
    assert [(c.segment, c.code, c.memo) for c in codings.codings_of(study, CLI, "Maria")] == [
        (None, "Hope", None),
        (1, "Barriers/Cost \\/ price", None),  # the name as written: a slash in a name is escaped in a reference
        (3, "Barriers", "Bureaucracy, not law."),
    ]
    assert dict(result.codings) == {"Maria": 3}
    assert result.coding_memos == 1  # the note on the selection is the memo of its coding


def test_a_selection_over_two_turns_goes_out_whole_and_its_neighbour_of_the_same_date_alone(study, tmp_path):
    """A selection over two turns is cut into a coding per turn and goes out as that one selection
    again; the next turn's selection, same user, code and date, stays a selection of its own."""
    text = "A: We ship weekly.\n\nB: Why weekly?\n\nA: Reviews take days.\n"
    third = text.index("A: Reviews")

    def selection(n: int, start: int, end: int) -> str:
        user, hope = G["user"], G["hope"]
        return (f'<PlainTextSelection guid="{{10000000-0000-4000-8000-00000000000{n}}}" startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{user}" creationDateTime="2024-02-01T10:00:00Z">'
                f'<Coding guid="{{20000000-0000-4000-8000-00000000000{n}}}" creatingUser="{user}" '
                f'creationDateTime="2024-02-01T10:00:00Z"><CodeRef targetGUID="{hope}"/></Coding>'
                '</PlainTextSelection>')

    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Cut"><Users><User guid="{G['user']}" name="Maria"/></Users>
  <CodeBook><Codes><Code guid="{G['hope']}" name="Hope" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{G['source']}" name="Weekly" plainTextPath="internal://w.txt">
    {selection(1, 0, third - 2)}{selection(2, third, len(text) - 1)}
  </TextSource></Sources></Project>"""
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "in.qdpx", project, {"Sources/w.txt": text}))
    assert [c.segment for c in codings.codings_of(study, CLI, "Maria")] == [0, 1, 2]
    qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    assert _selections_of(tmp_path / "out.qdpx", "Hope") == [(0, third - 2), (third, len(text) - 1)]


@pytest.mark.parametrize("older", [True, False], ids=["imported-before-extents", "extents-kept"])
def test_a_study_imported_before_extents_were_kept_finds_them_where_its_selections_lay(study, tmp_path, older):
    """A study imported before extents were kept (study_meta has no qdpx_extents): a selection over
    two turns still goes out whole, found from where the kept elements say the file's selections
    lay (here their own names); the next turn's selection, same user, code and date, stays alone,
    and so do a second user's codings of the same two turns, made a day apart. Each selection keeps
    its own name, though Maria's and Nils's first ones are stored on the same stretch (before, the
    second name was dropped as a copy of the first)."""
    text = "A: We ship weekly.\n\nB: Why weekly?\n\nA: Reviews take days.\n"
    third, second = text.index("A: Reviews"), text.index("B: Why")

    def selection(n: int, name: str, start: int, end: int, user: str = G["user"], day: int = 1) -> str:
        return (f'<PlainTextSelection guid="{{10000000-0000-4000-8000-00000000000{n}}}" name="{name}" '
                f'startPosition="{start}" endPosition="{end}" creatingUser="{user}" '
                f'creationDateTime="2024-02-0{day}T10:00:00Z"><Coding guid="{{20000000-0000-4000-8000-'
                f'00000000000{n}}}" creatingUser="{user}" creationDateTime="2024-02-0{day}T10:00:00Z"><CodeRef '
                f'targetGUID="{G["hope"]}"/></Coding></PlainTextSelection>')

    other = "{00000009-0000-4000-8000-000000000009}"
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Cut"><Users><User guid="{G['user']}" name="Maria"/>
  <User guid="{other}" name="Nils"/></Users>
  <CodeBook><Codes><Code guid="{G['hope']}" name="Hope" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{G['source']}" name="Weekly" plainTextPath="internal://w.txt">
    {selection(1, "First answer", 0, third - 2)}{selection(2, "Second answer", third, len(text) - 1)}
    {selection(3, "Nils on the question", 0, second - 2, other, 1)}{selection(4, "Nils again", second, third - 2, other, 2)}
  </TextSource></Sources></Project>"""
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "in.qdpx", project, {"Sources/w.txt": text}))
    with study.session() as session:
        assert session.get(Meta, kept.EXTENTS) is not None
        if older:
            session.delete(session.get(Meta, kept.EXTENTS))  # as an import before 5a9fc51 left the study
            session.commit()
    qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    root = ET.fromstring(project_xml(tmp_path / "out.qdpx"))
    by_user = {u.get("guid"): u.get("name") for u in root.iter(X + "User")}
    assert sorted((by_user[s.get("creatingUser")], int(s.get("startPosition")), int(s.get("endPosition")),
                   s.get("name")) for s in root.iter(X + "PlainTextSelection") if s.get("name") != "Weekly") == [
        ("Maria", 0, third - 2, "First answer"), ("Maria", third, len(text) - 1, "Second answer"),
        ("Nils", 0, second - 2, "Nils on the question"), ("Nils", second, third - 2, "Nils again")]


def test_an_undated_selection_over_two_turns_goes_out_whole_and_one_repeating_it_is_kept(study, tmp_path):
    """Without dates the pieces of a selection over two turns are stored at different times and
    still go out as the one selection, under its name; a second selection of the same user and
    code on the second turn adds no coding (a study holds it once): it is kept as written, named
    by the import, and goes back out as it was (before, it was only named)."""
    text = "A: We ship weekly.\n\nB: Why weekly?\n\nA: Reviews take days.\n"
    second = text.index("B: Why")
    selections = "".join(
        f'<PlainTextSelection guid="{{10000000-0000-4000-8000-00000000000{n}}}" name="{name}" startPosition="{a}" '
        f'endPosition="{b}"><Coding guid="{{20000000-0000-4000-8000-00000000000{n}}}"><CodeRef targetGUID="'
        f'{G["hope"]}"/></Coding></PlainTextSelection>'
        for n, name, a, b in ((1, "Both turns", 0, text.index("?") + 1), (2, "The question", second, text.index("?") + 1)))
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Undated">
  <CodeBook><Codes><Code guid="{G['hope']}" name="Hope" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{G['source']}" name="Weekly" plainTextPath="internal://w.txt">{selections}</TextSource></Sources>
</Project>"""
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "in.qdpx", project, {"Sources/w.txt": text}))
    assert not summary.skipped and summary.kept_lines == [
        "1 selection(s) that code only what another selection of the same user and code codes already (a study "
        "holds that coding once) kept as written for export"]
    assert len(codings.codings_of(study, CLI, qdpx.UNKNOWN_USER)) == 2  # the two turns, once each
    qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    assert sorted(_selections_of(tmp_path / "out.qdpx", "Hope")) == [(0, text.index("?") + 1),
                                                                    (second, text.index("?") + 1)]
    xml = project_xml(tmp_path / "out.qdpx")
    assert 'name="Both turns"' in xml and 'name="The question"' in xml
    again = qdpx.import_qdpx(study, CLI, tmp_path / "out.qdpx")  # its own export: nothing kept twice
    assert again.kept == 0


def test_a_codable_parent_stays_a_code_with_its_colour_and_codes_below_it(study, other_tool):
    qdpx.import_qdpx(study, CLI, other_tool)
    book = codebook_of(study)
    assert [(c.ref, c.definition, c.colour) for c in book.codes()] == [
        ("Barriers", "What gets in the way.", "#cc0000"),  # codable parent: a code, its codings its own
        ("Barriers/Cost \\/ price", "Money.", None),  # the name as written
        ("Hope", "", None),
    ]
    assert [c.name for c in book.codes()[0].codes] == ["Cost / price"]


def test_selections_that_fit_no_segment_and_other_sources_are_reported(study, other_tool):
    result = qdpx.import_qdpx(study, CLI, other_tool)
    assert len(result.unmapped) == 2
    assert any("Interview 7 [0:11] (Hope): covers no segment" in item for item in result.unmapped)
    assert any("[154:164] (Hope): its positions are outside the text" in item for item in result.unmapped)
    # the fixture holds no scan.pdf: the PDF is kept without its file, and that is said
    assert result.skipped == ["internal://scan.pdf is missing from the archive; <PDFSource> 'Scanned notes' is kept "
                              "without it"]
    assert result.kept_lines == [
        "1 PDF source(s) without a plain-text representation kept as written for export (a study does not show them)",
        "1 note(s) on a selection (their text also the coding's memo), kept as written for export"]


def test_cases_give_the_participant_and_its_variables(study, other_tool):
    qdpx.import_qdpx(study, CLI, other_tool)
    assert list_participants(study) == [{"participant": "P7", "transcripts": ["Interview 7"], "attributes": {"age": "29"}}]


def test_codings_are_not_added_where_the_rater_marked_the_transcript_done(study, other_tool):
    qdpx.import_qdpx(study, CLI, other_tool)
    [row] = [r for r in codings.codings_of(study, CLI, "Maria", "Interview 7")
             if (r.segment, r.code) == (1, "Barriers/Cost \\/ price")]
    codings.remove_code(study, CLI, "Maria", "Interview 7", 1, row.code, span=row.span)
    codings.mark_done(study, CLI, "Maria", "Interview 7", anyway=True)
    result = qdpx.import_qdpx(study, CLI, other_tool)
    assert result.unchanged == ["Interview 7"] and not result.codings
    assert any("marked this transcript done" in s for s in result.skipped)


# ---------------------------------------------------------------- bad files


def test_a_file_that_is_no_zip_is_refused_with_its_name(study, tmp_path):
    path = tmp_path / "notes.qdpx"
    path.write_text("just text")
    with pytest.raises(QdpxFormatError, match="not a zip archive") as caught:
        qdpx.import_qdpx(study, CLI, path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("project, problem", [
    ('<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     '<Project xmlns="urn:QDA-XML:project:1.0" name="x">&b;</Project>', "DTD or entities"),
    ('<Project xmlns="urn:QDA-XML:project:1.0" name="x">', "not well-formed XML"),
    ('<Project name="x"/>', "not QDA-XML"),
    ('<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes><Code name="A" isCodable="true"/>'
     '</Codes></CodeBook></Project>', "has no guid attribute"),
])
def test_a_bad_project_file_is_refused_with_the_reason(study, tmp_path, project, problem):
    path = write_qdpx(tmp_path / "bad.qdpx", project)
    with pytest.raises(StudyError, match=problem) as caught:
        qdpx.import_qdpx(study, CLI, path)
    assert str(path) in str(caught.value)


def codes_project(codes: str) -> str:
    return (f'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Users><User guid="{G["user"]}" name="Maria"/>'
            f"</Users><CodeBook><Codes>{codes}</Codes></CodeBook></Project>")


def guid(n: int) -> str:
    return f"{{{n:08d}-0000-4000-8000-000000000000}}"


def nested(depth: int) -> str:
    """``depth`` codes, each inside the one before."""
    return "".join(f'<Code guid="{guid(i)}" name="c{i}" isCodable="true">' for i in range(depth)) + "</Code>" * depth


@pytest.mark.parametrize("codes, problem", [
    (f'<Code guid="{guid(1)}" name="  " isCodable="true"/>', r"code 00000001-0000-4000-8000-000000000000 has a blank name"),
    (f'<Code guid="{guid(1)}" name="" isCodable="true"/>', "has a blank name"),
    (f'<Code guid="{guid(1)}" name="{"x" * 5000}" isCodable="true"/>', "is 5,000 characters long; a code name holds at most 200"),
    (f'<Code guid="{guid(1)}" name="Cost\u202eesnepxe" isCodable="true"/>',
     r"contains U\+202E, which changes the order text is shown in"),
    (nested(101), r"code 00000100-0000-4000-8000-000000000000 lies 101 levels deep; a codebook may nest codes at most 100"),
    (nested(5000), "lies 101 levels deep"),  # far past Python's recursion limit: refused before it is reached
])
def test_a_code_name_or_depth_no_study_can_hold_is_refused_naming_the_code(study, tmp_path, codes, problem):
    path = write_qdpx(tmp_path / "codes.qdpx", codes_project(codes))
    with pytest.raises(QdpxFormatError, match=problem) as caught:
        qdpx.import_qdpx(study, CLI, path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert codebook_of(study).codes() == ()


def test_codes_nested_as_deep_as_allowed_are_imported(study, tmp_path):
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "deep.qdpx", codes_project(nested(100))))
    deepest = codebook_of(study).codes()[-1]  # every one codable: a chain of 100 codes from the top level
    assert deepest.path == tuple(f"c{i}" for i in range(100))


def test_a_bad_offset_is_refused_with_where_it_is(study, tmp_path):
    project = other_tool_project().replace('startPosition="0"', 'startPosition="zero"')
    path = write_qdpx(tmp_path / "bad.qdpx", project, {"Sources/s7.txt": TEXT})
    with pytest.raises(QdpxFormatError, match="startPosition 'zero' is not a whole number"):
        qdpx.import_qdpx(study, CLI, path)


def test_an_archive_without_a_project_is_refused(study, tmp_path):
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(QdpxFormatError, match="has no project.qde"):
        qdpx.import_qdpx(study, CLI, path)


def test_a_part_that_would_unzip_too_large_is_refused_before_inflating(study, tmp_path, monkeypatch):
    path = write_qdpx(tmp_path / "big.qdpx", other_tool_project(), {"Sources/s7.txt": TEXT})
    monkeypatch.setattr(qdpx.archive, "MAX_UNZIPPED_BYTES", 1_000)  # the project.qde is larger than this
    with pytest.raises(QdpxFormatError, match="zip bomb"):
        qdpx.import_qdpx(study, CLI, path)


def test_a_source_that_is_not_utf8_is_left_out_and_named_and_the_rest_imported(study, tmp_path):
    path = tmp_path / "latin1.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", other_tool_project())
        archive.writestr("Sources/s7.txt", TEXT.replace("licences", "licences é").encode("latin-1"))
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.left_out == [("Interview 7", "internal://s7.txt is not UTF-8 text, as REFI-QDA requires")]
    assert not summary.ok and ", 1 left out." in summary.headline()
    assert summary.details()[0] == ("1 text source(s) left out (everything else was imported): Interview 7: "
                                    "internal://s7.txt is not UTF-8 text, as REFI-QDA requires")
    # its 4 selections and 1 whole-source coding are kept with it for export, the note on one
    # selection is a project memo; the codebook and the participant came in
    assert summary.kept_lines == ["1 PDF source(s) without a plain-text representation kept as written for export (a study does not show them)",
                                  "1 case reference(s) to a picture, a recording or PDF without text or a text left "
                                  "out kept as written for export",
                                  "1 text source(s) left out, with their selections, codings and notes, kept as "
                                  "written for export"]
    assert summary.skipped == ["internal://scan.pdf is missing from the archive; <PDFSource> 'Scanned notes' is kept "
                               "without it",
                               "5 coding(s) on the text source(s) left out not imported (kept with them for export)"]
    assert summary.project_memos == 1
    assert texts_of(study) == {}
    assert [c.ref for c in codebook_of(study).codes()] == ["Barriers", "Barriers/Cost \\/ price",
                                                           "Hope"]
    assert [p["participant"] for p in list_participants(study)] == ["P7"]


def test_a_source_outside_the_archive_is_never_read(study, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Interviewer: hi\n\nP1: secret")
    project = other_tool_project().replace('plainTextPath="internal://s7.txt"', f'plainTextPath="{secret}"')
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "ext.qdpx", project))
    [(name, why)] = summary.left_out
    assert name == "Interview 7" and why.startswith(f"its text, {secret}, is not inside the archive")
    assert texts_of(study) == {}


# ---------------------------------------------------------------- command line


def test_cli_exports_and_imports(small, db_url, tmp_path):
    runner = CliRunner()
    out = tmp_path / "small.qdpx"
    exported = runner.invoke(cli, ["--db", db_url, "qdpx", "export", "--out", str(out), "--raters", "alice,bob"])
    assert exported.exit_code == 0, exported.output
    # Notes: alice's memo on P2's segment 1 (bob's memo on the whole of P1 is P1's Description, a
    # coding memo its selection's).
    assert "2 transcript(s), 4 code(s), 5 coding(s) by alice, bob, 1 note(s)" in exported.output
    target = f"sqlite:///{tmp_path / 'target.db'}"
    imported = runner.invoke(cli, ["--db", target, "qdpx", "import", str(out)])
    assert imported.exit_code == 0, imported.output
    assert "Transcripts: 2 imported" in imported.output and "Codings: alice 3, bob 2" in imported.output


def test_cli_reports_a_bad_file_in_one_line(db_url, tmp_path):
    path = tmp_path / "bad.qdpx"
    path.write_text("nope")
    result = CliRunner().invoke(cli, ["--db", db_url, "qdpx", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}: is not a .qdpx project")
