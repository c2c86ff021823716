"""REFI-QDA exchange as other tools see it: our export read the way QualCoder reads it, round
trips that keep every span, rater and memo, NVivo's UTF-16 positions, merging two coders'
projects of one text, .qdc codebooks, and files that must be refused whole."""
from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner
from sqlalchemy import select

from study import codes, codings, qdpx
from study.auth import CLI
from study.cli import cli
from study.codebook import parse_codebook
from study.errors import QdpxFormatError, StudyError
from study.store import Code, Coding, Memo, Segment, Study, Transcript
from tests.factories import add_interview, add_raters
from tests.test_qdpx import memos_of

Q = "{urn:QDA-XML:project:1.0}"

# Two themes that both hold a "Latency" (QualCoder keeps one code per name); the second Latency
# is a codable parent with a code below it.
DUPLICATE_NAMES = """
name: Repeated names
themes:
  - name: Attributes
    codes:
      - name: Latency
        definition: How long a model takes to answer.
        keywords: [slow, latency]
      - name: License
        definition: Licence terms.
  - name: Performance
    codes:
      - name: Latency
        definition: Measured response times.
        colour: "#336699"
        codes:
          - name: Cold start
            definition: The first answer after loading.
            colour: "#aa3311"
"""


def qualcoder_codes(root: ET.Element) -> tuple[dict[str, int], dict[int, tuple[str, int | None, int | None]]]:
    """The code tree as QualCoder's refi.py (RefiImport.sub_codes) stores it: ({code GUID: cid} of
    the codes it registers, {cid: (name, catid, supercid)}). isCodable="false" is a category
    (code_cat), anything else a code (code_name) under its parent code (supercid) or category
    (catid). code_name.name is unique: a second code of a name is not inserted, and its GUID is
    not registered, so its codings find no code."""
    guids: dict[str, int] = {}
    table: dict[int, tuple[str, int | None, int | None]] = {}
    categories: dict[str, int] = {}

    def walk(element: ET.Element, catid: int | None, supercid: int | None) -> None:
        name = element.get("name")
        if element.get("isCodable") == "false":
            category = categories.setdefault(name, len(categories) + 1)
            for child in element.findall(f"{Q}Code"):
                walk(child, category, None)
            return
        cid = next((c for c, row in table.items() if row[0] == name), None)
        if cid is None:
            cid = len(table) + 1
            table[cid] = (name, None if supercid else catid, supercid)
            guids[element.get("guid")] = cid
        for child in element.findall(f"{Q}Code"):
            walk(child, None, cid)

    for code in root.find(f"{Q}CodeBook").find(f"{Q}Codes").findall(f"{Q}Code"):
        walk(code, None, None)
    return guids, table


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(qdpx.schema_path()))


@pytest.fixture
def coded(study) -> Study:
    """Two raters on one interview: the same code on the same segment, codes of repeated names,
    a coding memo, segment and transcript memos."""
    codes.load_into_study(study, parse_codebook(DUPLICATE_NAMES, source="dup.yaml"), CLI)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1", "P1", ["It was slow, the latency killed us.", "The license was fine."])
    codings.apply_code(study, CLI, "alice", "P1", 1, "Attributes/Latency", memo="slow = latency here")
    codings.apply_code(study, CLI, "bob", "P1", 1, "Attributes/Latency")
    codings.apply_code(study, CLI, "bob", "P1", 1, "Performance/Latency")
    codings.apply_code(study, CLI, "alice", "P1", 3, "Attributes/License")
    codings.apply_code(study, CLI, "alice", "P1", None, "Performance/Latency")  # the whole transcript
    codings.set_memo(study, CLI, "alice", "P1", 1, "ask about hardware")
    codings.set_memo(study, CLI, "bob", "P1", None, "short interview")
    text, (start, end) = segment_text(study, "P1", 1)
    latency = text.index("the latency")  # both quote "the latency", bob with the words around it
    codings.apply_code(study, CLI, "alice", "P1", 1, "Performance/Latency", span=(latency, latency + 11),
                       memo="the quote")
    codings.apply_code(study, CLI, "bob", "P1", 1, "Attributes/License", span=(latency - 6, latency + 18))
    codings.apply_code(study, CLI, "bob", "P1", 3, "Performance/Latency/Cold start")
    return study


def segment_text(study: Study, transcript: str, index: int) -> tuple[str, tuple[int, int]]:
    with study.session() as session:
        segment = session.scalar(select(Segment).join(Transcript).where(
            Transcript.name == transcript, Segment.index == index))
        return segment.transcript.text, (segment.start, segment.end)


def stored_codings(study: Study) -> list[tuple]:
    """(rater, transcript, segment index, span, code, memo) of every stored coding, sorted."""
    with study.session() as session:
        rows = []
        for coding in session.scalars(select(Coding)):
            segment = coding.segment.index if coding.segment is not None else None
            rows.append((coding.rater.name, coding.transcript.name, segment, coding.span,
                         coding.code.ref, coding.memo))
        return sorted(rows, key=repr)


def project_root(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("project.qde"))


# ---------------------------------------------------------------- QualCoder reads our export


def test_qualcoder_reads_every_coding_owner_date_and_memo_of_our_export(coded, schema, tmp_path):
    """Read as ccbogel/QualCoder src/qualcoder/refi.py (RefiImport) reads a project, exported with
    the names QualCoder needs."""
    path = tmp_path / "study.qdpx"
    assert qdpx.export_qdpx(coded, CLI, path, unique_names=True).repeated_names == ("Latency",)
    with zipfile.ZipFile(path) as archive:
        schema.validate(archive.read("project.qde").decode("utf-8"))
    root = project_root(path)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    # parse_notes: creationDateTime (else modifiedDateTime) of every Note is read and .replace()d.
    notes = list(root.iter(f"{Q}Note"))
    assert notes and all(n.get("creationDateTime") for n in notes)
    # sub_codes (see qualcoder_codes); clean_up_case_codes_and_case_text: a code sharing a Case's
    # GUID is the case, not a code, and is deleted.
    cases = {c.get("guid") for c in root.iter(f"{Q}Case")}
    cids, table = qualcoder_codes(root)
    kept = {cid: row for guid, cid in cids.items() if guid not in cases for row in [table[cid]]}
    by_name = {row[0]: cid for cid, row in kept.items()}
    assert sorted(by_name) == ["Cold start", "Latency (Attributes)", "Latency (Performance)", "License"]
    # the codable parent stays a code, with Cold start below it (supercid)
    assert kept[by_name["Cold start"]][2] == by_name["Latency (Performance)"]
    # load_codings_for_text: the owner is the selection's creatingUser looked up in Users ("default"
    # when missing), the date its creationDateTime, the memo its Description; code_text is unique
    # on (cid, fid, pos0, pos1, owner), so a selection per rater's coding keeps both raters'.
    name_of = {guid: table[cid][0] for guid, cid in cids.items()}
    read = []
    for source in root.iter(f"{Q}TextSource"):
        for selection in source.iter(f"{Q}PlainTextSelection"):
            assert selection.get("creationDateTime")
            owner = users[selection.get("creatingUser")]
            memo = selection.findtext(f"{Q}Description") or ""
            for coding in selection.iter(f"{Q}Coding"):
                if coding.find(f"{Q}CodeRef").get("targetGUID") in cases:
                    continue
                code = name_of[coding.find(f"{Q}CodeRef").get("targetGUID")]
                read.append((code, source.get("name"), selection.get("startPosition"),
                             selection.get("endPosition"), owner, memo))
    assert len(set(r[:5] for r in read)) == len(read) == 7  # none dropped as a duplicate
    assert Counter(r[4] for r in read) == {"alice": 3, "bob": 4}
    assert ("Cold start", "P1", "bob") in {(r[0], r[1], r[4]) for r in read}
    assert ("Latency (Attributes)", "P1", "slow = latency here") in {(r[0], r[1], r[5]) for r in read}
    # a coding with a span is selected exactly: QualCoder's seltext is fulltext[pos0:pos1]
    text = segment_text(coded, "P1", 1)[0]
    quotes = {(r[4], r[0]): text[int(r[2]):int(r[3])] for r in read}
    assert quotes[("alice", "Latency (Performance)")] == "the latency"
    assert quotes[("bob", "License")] == "slow, the latency killed"
    # insert_annotation: a Note referenced from the TextSource, anchored by a PlainTextSelection
    # holding its positions, becomes an annotation by its owner.
    by_guid = {n.get("guid"): n for n in notes}
    source = next(root.iter(f"{Q}TextSource"))
    annotations = []
    for ref in source.findall(f"{Q}NoteRef"):
        note = by_guid[ref.get("targetGUID")]
        anchor = note.find(f"{Q}PlainTextSelection")
        annotations.append((users[note.get("creatingUser")], note.findtext(f"{Q}PlainTextContent"),
                            None if anchor is None else int(anchor.get("startPosition"))))
    with coded.session() as session:
        segment_1 = session.scalar(select(Segment).join(Transcript).where(Segment.index == 1))
        start = segment_1.start
    assert annotations == [("alice", "ask about hardware", start)]
    # load_text_source: the source's memo is its Description, its owner the creatingUser
    assert (source.findtext(f"{Q}Description"), users[source.get("creatingUser")]) == ("short interview", "bob")


def test_our_export_reimported_into_a_fresh_study_keeps_every_rater_coding_and_memo(coded, tmp_path):
    path = tmp_path / "study.qdpx"
    qdpx.export_qdpx(coded, CLI, path)
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    summary = qdpx.import_qdpx(fresh, CLI, path)
    assert stored_codings(fresh) == stored_codings(coded)
    assert memos_of(fresh) == memos_of(coded)
    with fresh.session() as session:
        assert [(c.ref, c.colour) for c in codes.all_codes(session)] == [
            ("Attributes/Latency", None), ("Attributes/License", None), ("Performance/Latency", "#336699"),
            ("Performance/Latency/Cold start", "#aa3311")]  # names, places and colours as they were
    assert dict(summary.codings) == {"alice": 4, "bob": 4} and summary.coding_memos == 2 and summary.memos == 2
    again = qdpx.import_qdpx(fresh, CLI, path)  # nothing new the second time
    assert not again.codings and again.memos == 0 and again.unchanged == ["P1"]
    fresh.close()


# ---------------------------------------------------------------- files as other tools write them

USER = "8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645"
OTHER_USER = "1b0e8a55-3c1d-4e0b-9d2a-5f1f7c4c9b10"
CODE = "4d62f0cc-182f-44b8-a043-339c90779e9e"
SOURCE = "56a79789-d535-4fb8-bedd-a915504c54ba"

# Emoji lie outside the basic plane: one code point, two UTF-16 units.
EMOJI_TEXT = ("Interviewer: How did the first week go? 🙂\n\n"
              "P3: Great 👍 the model 🚀 ran fast on our laptops.\n\n"
              "Interviewer: Anything that worried you? 🤔\n\n"
              "P3: The licence 😬 was unclear, so legal 🧑‍⚖️ asked for a review.\n")
EMOJI_QUOTES = ["ran fast", "licence", "legal 🧑‍⚖️ asked for a review"]


def utf16(text: str, index: int) -> int:
    """Where code point ``index`` starts in UTF-16 code units, as NVivo counts."""
    return len(text[:index].encode("utf-16-le")) // 2


def selections_xml(text: str, quotes: list[str], units=lambda text, i: i, user: str = USER, n0: int = 0) -> str:
    parts = []
    for n, quote in enumerate(quotes, start=n0):
        start = text.index(quote)
        parts.append(
            f'<PlainTextSelection guid="fd960901-8191-4db1-a3dd-{n:012d}" name="" '
            f'startPosition="{units(text, start)}" endPosition="{units(text, start + len(quote))}" '
            f'creatingUser="{user}" creationDateTime="2025-06-11T16:24:07Z">'
            f'<Coding guid="aa960901-8191-4db1-a3dd-{n:012d}" creatingUser="{user}" '
            f'creationDateTime="2025-06-11T16:24:07Z"><CodeRef targetGUID="{CODE}"/></Coding>'
            '</PlainTextSelection>')
    return "".join(parts)


def nvivo_project(selections: str, origin: str = "NVivo for Windows 12.6", user: str = USER,
                  user_name: str = "Coder", name: str = "Interview 3", extra: str = "") -> str:
    """A project shaped like an NVivo export: a codable parent node, text by plainTextPath (with a
    .docx richTextPath beside it), the project's creator as the default owner."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" name="Untitled" origin="{origin}"
 creatingUserGUID="{user}" creationDateTime="2025-02-21T15:09:07Z" basePath="" xmlns="urn:QDA-XML:project:1.0">
  <Users><User guid="{user}" name="{user_name}" /></Users>
  <CodeBook><Codes>
    <Code guid="3c51efbb-071f-43a7-9f32-228b89668e8d" name="Adoption" isCodable="true">
      <Code guid="{CODE}" name="Quote" isCodable="true" />
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE}" name="{name}" richTextPath="internal://{SOURCE}.docx"
     plainTextPath="internal://{SOURCE}.txt" creationDateTime="2025-06-11T16:24:07Z">{selections}</TextSource>
  </Sources>{extra}
</Project>"""


def write_qdpx(path: Path, project: str | bytes, text: str | bytes | None = None, folder: str = "Sources") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
        if text is not None:
            archive.writestr(f"{folder}/{SOURCE}.txt", text.encode("utf-8") if isinstance(text, str) else text)
        if f"internal://{SOURCE}.docx" in (project if isinstance(project, str) else project.decode("utf-8", "replace")):
            archive.writestr(f"{folder}/{SOURCE}.docx", b"PK\x03\x04 the Word version (not read)")
    return path


def quotes_of(study: Study, rater: str | None = None) -> list[str]:
    """The text each stored coding covers (its span, else its segment)."""
    with study.session() as session:
        found = []
        for coding in session.scalars(select(Coding).order_by(Coding.id)):
            if rater and coding.rater.name != rater:
                continue
            span = coding.span or (coding.segment.start, coding.segment.end)
            found.append(coding.transcript.text[span[0]:span[1]])
        return found


@pytest.mark.parametrize("origin", ["NVivo for Windows 12.6", "NVivo 14 (Mac)", ""])
def test_nvivo_utf16_positions_around_emoji_land_on_the_selected_words(study, tmp_path, origin):
    """NVivo counts UTF-16 units; known from its name, or (no origin) from where the selections land."""
    path = write_qdpx(tmp_path / "nvivo.qdpx", nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES, utf16),
                                                             origin), EMOJI_TEXT)
    summary = qdpx.import_qdpx(study, CLI, path)
    assert quotes_of(study) == EMOJI_QUOTES
    assert summary.readings == ["Interview 3: positions read as UTF-16 code units"]


def test_positions_in_characters_are_kept_when_the_tool_counts_characters(study, tmp_path):
    project = nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES), origin="MAXQDA 2022 (Release 22.4.0)")
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "maxqda.qdpx", project, EMOJI_TEXT, "sources"))
    assert quotes_of(study) == EMOJI_QUOTES and summary.readings == []


def crlf_as_one(text: str, index: int) -> int:
    return len(text[:index].replace("\r\n", "\n"))


def test_atlas_counts_a_crlf_line_end_as_one_character(study, tmp_path):
    text = EMOJI_TEXT.replace("\n", "\r\n")
    project = nvivo_project(selections_xml(text, EMOJI_QUOTES, crlf_as_one), origin="ATLAS.ti Win 23.4.0")
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "atlas.qdpx", project, text))
    assert quotes_of(study) == EMOJI_QUOTES


def test_two_coders_projects_of_one_text_merge_despite_line_endings(study, tmp_path):
    """Coder one exported from NVivo on Windows (CRLF, a trailing newline, UTF-16 units); coder two
    from another tool (LF, no trailing newline, characters)."""
    windows = EMOJI_TEXT.replace("\n", "\r\n") + "\r\n"
    first = nvivo_project(selections_xml(windows, EMOJI_QUOTES[:2], utf16), user_name="Ana")
    unix = EMOJI_TEXT.rstrip("\n")
    second = nvivo_project(selections_xml(unix, EMOJI_QUOTES[1:], user=OTHER_USER, n0=5), origin="QualCoder 3.6",
                           user=OTHER_USER, user_name="Ben")
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "ana.qdpx", first, windows))
    merged = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "ben.qdpx", second, unix))
    assert merged.unchanged == ["Interview 3"] and not merged.imported
    with study.session() as session:
        assert session.scalars(select(Transcript.name)).all() == ["Interview 3"]
    assert quotes_of(study, "Ana") == EMOJI_QUOTES[:2]
    assert quotes_of(study, "Ben") == EMOJI_QUOTES[1:]


def test_a_text_equal_up_to_line_ends_under_another_name_is_the_same_transcript(study, tmp_path):
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "a.qdpx", nvivo_project(""), EMOJI_TEXT))
    project = nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES[:1]), origin="MAXQDA 24", name="Interview 3.docx")
    merged = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "b.qdpx", project, EMOJI_TEXT.replace("\n", "\r\n")))
    assert merged.unchanged == ["Interview 3.docx (as Interview 3)"]
    assert quotes_of(study) == EMOJI_QUOTES[:1]


def test_a_selection_over_two_turns_becomes_a_span_in_each(study, tmp_path):
    quote = "laptops.\n\nInterviewer: Anything"
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "x.qdpx", nvivo_project(selections_xml(EMOJI_TEXT, [quote])),
                                            EMOJI_TEXT))
    assert quotes_of(study) == ["laptops.", "Anything"]


def test_memos_are_counted_as_stored(study, tmp_path):
    """Annotations anchored by a PlainTextSelection inside the Note, as QualCoder writes them, and
    a selection's Description: every one carried is counted."""
    start = EMOJI_TEXT.index("ran fast")
    notes = "".join(
        f'<Note guid="0f758eeb-d61d-4e91-b250-{n:012d}" creatingUser="{USER}" creationDateTime="2021-01-15T23:37:54Z">'
        f'<PlainTextContent>memo {n}</PlainTextContent><PlainTextSelection guid="d61907b2-d0d4-48dc-b8b7-{n:012d}" '
        f'startPosition="{start + n}" endPosition="{start + n + 2}"/></Note>' for n in range(3))
    refs = "".join(f'<NoteRef targetGUID="0f758eeb-d61d-4e91-b250-{n:012d}"/>' for n in range(3))
    selections = selections_xml(EMOJI_TEXT, EMOJI_QUOTES[:1]).replace(
        '"><Coding ', '"><Description>why it matters</Description><Coding ')
    project = nvivo_project(selections + refs, origin="QualCoder 3.6", extra=f"<Notes>{notes}</Notes>")
    result = CliRunner().invoke(cli, ["--db", study.url, "qdpx", "import",
                                      str(write_qdpx(tmp_path / "m.qdpx", project, EMOJI_TEXT))])
    assert result.exit_code == 0, result.output
    assert "(1 with a memo). Memos: 1." in result.output  # three notes on one segment: one memo
    assert memos_of(study) == {("Coder", "Interview 3", 1): "memo 0\n\nmemo 1\n\nmemo 2"}
    assert [c[-1] for c in stored_codings(study)] == ["why it matters"]


def test_what_is_not_imported_is_reported_by_count(study, tmp_path):
    extra = """<Sets><Set guid="46467993-b426-49dd-9707-b5958eba9870" name="Group"/></Sets>"""
    media = "".join(f'<{kind} guid="631251cc-9fb4-4131-bea8-{n:012d}" name="m{n}" path="internal://m{n}"/>'
                    for n, kind in enumerate(["PDFSource", "PictureSource", "PictureSource", "AudioSource"]))
    project = nvivo_project("").replace("</TextSource>", "</TextSource>" + media).replace("</Project>", extra + "</Project>")
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "s.qdpx", project, EMOJI_TEXT))
    assert sorted(summary.skipped) == [f"internal://m{n} is missing from the archive; <{kind}> 'm{n}' is kept without it"
                               for n, kind in enumerate(["PDFSource", "PictureSource", "PictureSource", "AudioSource"])]
    assert sorted(summary.kept_lines) == ["1 PDF source(s) without a plain-text representation kept as written for export (a study does not show them)",
                                       "1 audio source(s) without a transcript kept as written for export (a study does not show them)",
                                       "2 picture source(s) kept as written for export (a study does not show them)"]  # the set is kept


# ---------------------------------------------------------------- refused whole


def nothing_stored(study: Study) -> bool:
    with study.session() as session:
        return not any(session.scalars(select(model)).first() for model in (Transcript, Code, Coding, Memo))


@pytest.mark.parametrize("change, problem", [
    (lambda p: p.replace("</Sources>", f'<TextSource guid="{SOURCE.upper()}" name="Copy" plainTextPath="internal://'
                                       f'{SOURCE}.txt"/></Sources>'), "two sources share the GUID"),
    (lambda p: p.replace('<Code guid="3c51efbb-071f-43a7-9f32-228b89668e8d"', f'<Code guid="{{{CODE}}}"'),
     "two codes share the GUID"),
    (lambda p: p.replace("</Users>", f'<User guid="{USER}" name="Someone else"/></Users>'), "two users share the GUID"),
    (lambda p: p.replace('encoding="utf-8"', 'encoding="x-klingon"'), "declares a text encoding"),
])
def test_a_file_with_ambiguous_guids_or_an_unknown_encoding_is_refused_whole(study, tmp_path, change, problem):
    path = write_qdpx(tmp_path / "bad.qdpx", change(nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES))),
                      EMOJI_TEXT)
    with pytest.raises(QdpxFormatError, match=problem) as caught:
        qdpx.import_qdpx(study, CLI, path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert nothing_stored(study)


@pytest.mark.parametrize("name", ["consensus", "   ", "x" * 5000])
def test_a_user_name_the_study_cannot_take_refuses_the_import(study, tmp_path, name):
    path = write_qdpx(tmp_path / "u.qdpx", nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES), user_name=name),
                      EMOJI_TEXT)
    with pytest.raises(StudyError) as caught:
        qdpx.import_qdpx(study, CLI, path)
    assert str(path) in str(caught.value)
    assert nothing_stored(study)


# ---------------------------------------------------------------- codebooks (.qdc)


def test_a_codebook_round_trips_through_a_qdc_file(coded, tmp_path):
    path = tmp_path / "book.qdc"
    result = CliRunner().invoke(cli, ["--db", coded.url, "qdpx", "export-codebook", "--out", str(path)])
    assert result.exit_code == 0 and "4 code(s)" in result.output, result.output
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    result = CliRunner().invoke(cli, ["--db", fresh.url, "qdpx", "import-codebook", str(path)])
    assert result.exit_code == 0 and "Codes added: 4" in result.output, result.output
    with coded.session() as a, fresh.session() as b:
        assert codes.stored_codebook(b).themes == codes.stored_codebook(a).themes
    fresh.close()


def test_a_codebook_from_nvivo_for_mac_and_atlas_ti_loads(study, tmp_path):
    nvivo = tmp_path / "nvivo.qdc"
    nvivo.write_text(  # NVivo for Mac writes the namespace with a colon, and codable parent nodes
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?><CodeBook origin="NVivo 12 For Mac" '
        'xmlns="urn:QDA-XML:codebook:1:0"><Codes><Code guid="3c51efbb-071f-43a7-9f32-228b89668e8d" '
        'isCodable="true" name="Trust"><Description>Whom they trust.</Description><Code '
        f'guid="{CODE}" isCodable="true" name="Peers" color="#00FF00"/></Code></Codes></CodeBook>')
    atlas = tmp_path / "atlas.qdc"
    atlas.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook origin="ATLAS.ti Win 23.4.0" '
        'xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="1ff58b12-6f6f-4b0c-8be5-bbdc91f55294" '
        'name="Cost" isCodable="true"><Description>Money.</Description></Code></Codes><Sets><Set name="g" '
        'guid="eca18d76-2b8b-4f26-bc1d-19eca19fb3f0"><MemberCode guid="1ff58b12-6f6f-4b0c-8be5-bbdc91f55294"/>'
        '</Set></Sets></CodeBook>')
    assert qdpx.import_codebook(study, CLI, nvivo).codes == 2
    assert qdpx.import_codebook(study, CLI, atlas).skipped == ("1 set(s) (groups of codes or sources) not imported",)
    with study.session() as session:
        assert [(c.ref, c.definition, c.colour) for c in codes.all_codes(session)] == [
            ("Trust", "Whom they trust.", None), ("Trust/Peers", "", "#00FF00"),
            ("Cost", "Money.", None)]


def test_the_consensus_travels_as_a_rater_of_its_own_never_into_a_study_consensus(coded, tmp_path):
    from study import adjudication

    for rater in ("alice", "bob"):
        codings.mark_done(coded, CLI, rater, "P1", anyway=True)
    # both applied Attributes/Latency and (alice by a span in it) Performance/Latency to segment 1
    adjudication.auto_adjudicate(coded, CLI, ["alice", "bob"])
    path = tmp_path / "study.qdpx"
    qdpx.export_qdpx(coded, CLI, path)
    assert "consensus (adjudicated)" in {u.get("name") for u in project_root(path).iter(f"{Q}User")}
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    qdpx.import_qdpx(fresh, CLI, path)
    rows = stored_codings(fresh)
    consensus = [r[1:] for r in stored_codings(coded) if r[0] == "consensus"]
    assert consensus and [r[1:] for r in rows if r[0] == "consensus (adjudicated)"] == consensus
    assert {r[0] for r in rows} == {"alice", "bob", "consensus (adjudicated)"}
    fresh.close()


def test_nvivo_cases_listed_as_codes_assign_text_to_the_case_and_are_not_codes(study, tmp_path):
    case = "4a463c0d-9263-494a-81d6-e9d5a229f227"
    selections = selections_xml(EMOJI_TEXT, EMOJI_QUOTES[:1]) + selections_xml(EMOJI_TEXT, EMOJI_QUOTES[1:2], n0=7)
    selections = selections.replace(f'aa960901-8191-4db1-a3dd-{7:012d}" creatingUser="{USER}" creationDateTime='
                                    f'"2025-06-11T16:24:07Z"><CodeRef targetGUID="{CODE}"',
                                    f'aa960901-8191-4db1-a3dd-{7:012d}" creatingUser="{USER}" creationDateTime='
                                    f'"2025-06-11T16:24:07Z"><CodeRef targetGUID="{case}"')
    project = nvivo_project(selections).replace(
        "</Codes>", f'<Code guid="{case}" name="P3" isCodable="true"/></Codes>').replace(
        "</Project>", f'<Cases><Case guid="{case}" name="P3"><SourceRef targetGUID="{SOURCE}"/></Case></Cases></Project>')
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "cases.qdpx", project, EMOJI_TEXT))
    assert summary.skipped == ["1 coding(s) that assign part of a text to a case, not a code, not imported"]
    assert not summary.unmapped and dict(summary.codings) == {"Coder": 1}
    with study.session() as session:
        assert [c.ref for c in codes.all_codes(session)] == ["Adoption", "Adoption/Quote"]


def test_an_empty_text_source_is_reported_and_the_rest_imported(study, tmp_path):
    empty = (f'<TextSource guid="9ddd19c4-168c-4103-bbad-08d4bd10a145" name="Blank">'
             '<PlainTextContent></PlainTextContent></TextSource>')
    project = nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES[:1])).replace("</Sources>", empty + "</Sources>")
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "e.qdpx", project, EMOJI_TEXT))
    assert summary.imported == ["Interview 3"]
    assert summary.skipped == ["1 empty text source(s) not imported"]


def test_real_transcripts_round_trip_with_every_span_and_quote(real_transcripts, study, tmp_path):
    """The real interviews (read by the .docx reader) coded by spans and whole segments, exported,
    and imported into a fresh study: the same codings over the same words."""
    from study.importing.batch import import_files

    codes.load_into_study(study, parse_codebook(DUPLICATE_NAMES, source="dup.yaml"), CLI)
    import_files(study, sorted(real_transcripts.glob("Interview-0*.docx")), actor=CLI)
    with study.session() as session:
        units = [(t.name, s.index, s.start, t.text[s.start:s.end]) for t in session.scalars(select(Transcript))
                 for s in t.segments][::4]
    add_raters(study, "alice", "bob")
    for name, index, start, text in units:
        words = text.split()
        if len(words) > 3:
            at = start + text.index(words[1])
            codings.apply_code(study, CLI, "alice", name, index, "Attributes/Latency", span=(at, at + len(words[1])))
            codings.apply_code(study, CLI, "bob", name, index, "Performance/Latency")
    path = tmp_path / "real.qdpx"
    qdpx.export_qdpx(study, CLI, path)
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    qdpx.import_qdpx(fresh, CLI, path)
    assert quotes_of(fresh) and sorted(quotes_of(fresh)) == sorted(quotes_of(study))
    assert [r[:2] + r[3:] for r in stored_codings(fresh)] == [r[:2] + r[3:] for r in stored_codings(study)]
    fresh.close()


def test_source_variables_become_the_transcripts_metadata_and_travel_back(study, tmp_path):
    """MAXQDA writes a source's variables in a Case with no name and one SourceRef (QualCoder reads
    them so, parse_case_for_file_variables) or as VariableValues inside the source."""
    variables = ('<Variables><Variable guid="3ba84074-e1af-4234-9773-1a71bb5c54de" name="Location" '
                 'typeOfVariable="Text"/><Variable guid="96868d37-d832-4d19-bf5e-9bd0792ab8e2" name="Date" '
                 'typeOfVariable="Date"/></Variables>')
    case = ('<Cases><Case guid="d9001bcb-0803-4b06-b4d4-be0accd558a9"><VariableValue><VariableRef '
            'targetGUID="3ba84074-e1af-4234-9773-1a71bb5c54de"/><TextValue>Lab 2</TextValue></VariableValue>'
            f'<SourceRef targetGUID="{SOURCE}"/></Case></Cases>')
    inside = ('<VariableValue><VariableRef targetGUID="96868d37-d832-4d19-bf5e-9bd0792ab8e2"/>'
              '<DateValue>2024-03-05</DateValue></VariableValue>')
    project = nvivo_project(selections_xml(EMOJI_TEXT, EMOJI_QUOTES[:1]) + inside, origin="MAXQDA 24").replace(
        "<Sources>", variables + case + "<Sources>")
    qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "v.qdpx", project, EMOJI_TEXT))
    with study.session() as session:
        transcript = session.scalar(select(Transcript))
        assert (transcript.header, transcript.interview_date) == ({"Location": "Lab 2", "Date": "2024-03-05"},
                                                                  "2024-03-05")
    qdpx.export_qdpx(study, CLI, tmp_path / "back.qdpx")
    root = project_root(tmp_path / "back.qdpx")
    names = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    nameless = [c for c in root.iter(f"{Q}Case") if c.get("name") is None]
    assert len(nameless) == 1 and len(nameless[0].findall(f"{Q}SourceRef")) == 1
    assert {names[v.find(f"{Q}VariableRef").get("targetGUID")]: v[1].text
            for v in nameless[0].findall(f"{Q}VariableValue")} == {"Location": "Lab 2", "Date": "2024-03-05"}
