"""REFI-QDA projects in shapes real exports take beyond plain text sources (fixtures written here
in those shapes, never copied): a PDF's plain-text representation (QualCoder, MAXQDA), an audio or
video recording's transcript placed by sync points (ATLAS.ti, QualCoder), the project's own
description (QualCoder), relations between codes (ATLAS.ti), and whatever else a file holds that
a study cannot: each is imported, or named in the summary, never dropped silently."""
from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from study import qdpx
from study.auth import CLI
from study.participants import list_participants
from study.project_memos import project_memos
from study.store import Study
from tests.test_qdpx import memos_of
from tests.test_qdpx_tools import ANA, BEN, Q, guid, interview, quotes_of, texts_of, write_qdpx

CODES = f"""<CodeBook><Codes>
  <Code guid="{guid(1, 1)}" name="Skills" isCodable="true" color="#EF8256">
    <Code guid="{guid(1, 2)}" name="programming" isCodable="true"/></Code>
  <Code guid="{guid(1, 3)}" name="reviews" isCodable="true"/>
</Codes></CodeBook>"""

# an emoji and a CR LF line end before the coded words: positions count code points, CR LF as two
TEXT = "Interviewer: 😀 What did you build?\r\n\r\nP1: A parser in Python, then tests.\r\n\r\n" \
       "Interviewer: And the hardest part?\r\n\r\nP1: Reviews took longer than programming.\r\n"


def project(sources: str, extra: str = "", origin: str = "QualCoder 3.6") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 name="Study" origin="{origin}" creatingUserGUID="{ANA}" xmlns="urn:QDA-XML:project:1.0">
 <Users><User guid="{ANA}" name="ana"/><User guid="{BEN}" name="ben"/></Users>
 {CODES}
 <Sources>{sources}</Sources>
 {extra}
</Project>"""


def span(text: str, words: str) -> tuple[int, int]:
    at = text.index(words)
    return at, at + len(words)


def selection(n: int, text: str, words: str, code: int, user: str = ANA, memo: str = "") -> str:
    start, end = span(text, words)
    description = f"<Description>{memo}</Description>" if memo else ""
    return (f'<PlainTextSelection guid="{guid(3, n)}" name="{words}" startPosition="{start}" endPosition="{end}" '
            f'creatingUser="{user}" creationDateTime="2024-05-01T10:00:00Z">{description}'
            f'<Coding guid="{guid(4, n)}" creatingUser="{user}"><CodeRef targetGUID="{guid(1, code)}"/></Coding>'
            f'</PlainTextSelection>')


# ---------------------------------------------------------------- PDFs


def pdf_source(n: int, text: str, region: bool = True, reviews: bool = True) -> str:
    """QualCoder's and MAXQDA's shape: the PDF itself, a memo, a plain-text Representation holding
    the text selections, and (NVivo, ATLAS.ti) a region selection on a page."""
    regions = (f'<PDFSelection guid="{guid(5, n)}" page="1" firstX="10" firstY="20" secondX="300" secondY="80" '
               f'creatingUser="{BEN}"><Coding guid="{guid(5, 100 + n)}"><CodeRef targetGUID="{guid(1, 3)}"/>'
               f'</Coding></PDFSelection>') if region else ""
    return (f'<PDFSource path="internal://{guid(2, n)}.pdf" creatingUser="{ANA}" '
            f'creationDateTime="2024-05-01T09:00:00Z" guid="{guid(2, n)}" name="Report {n}.pdf">'
            f'<Description>scanned from the field notes</Description>{regions}'
            f'<Representation guid="{guid(6, n)}" plainTextPath="internal://{guid(6, n)}.txt" creatingUser="{ANA}" '
            f'name="Report {n}.pdf">{selection(n, text, "A parser", 2)}'
            f'{selection(10 + n, text, "Reviews took longer", 3, user=BEN, memo="the cost") if reviews else ""}'
            f'</Representation>'
            f'</PDFSource>')


def test_a_pdfs_plain_text_representation_is_a_transcript_with_its_codings_and_memo(study, tmp_path):
    path = write_qdpx(tmp_path / "pdf.qdpx", project(pdf_source(1, TEXT)), {f"sources/{guid(6, 1)}.txt": TEXT,
                                                                              f"sources/{guid(2, 1)}.pdf": "%PDF-1.4"})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.imported == ["Report 1.pdf"] and summary.ok
    assert sorted(quotes_of(study)) == [("ana", "Report 1.pdf", "A parser"),
                                        ("ben", "Report 1.pdf", "Reviews took longer")]
    assert texts_of(study)["Report 1.pdf"] == TEXT.replace("\r\n", "\n")
    assert memos_of(study) == {("ana", "Report 1.pdf", None): "scanned from the field notes"}
    assert not summary.skipped and summary.kept_lines == ["1 PDF region selection(s) (areas of a page, not text) kept as written for export (a study does not show them)"]


def test_a_pdf_without_a_representation_is_named_as_not_imported(study, tmp_path):
    bare = f'<PDFSource path="absolute://C:/data/r.pdf" guid="{guid(2, 9)}" name="r.pdf"/>'
    text = f'<TextSource guid="{guid(2, 1)}" name="Interview 1"><PlainTextContent>{interview(1)}</PlainTextContent>' \
           f'{selection(1, interview(1), "A parser", 2)}</TextSource>'
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "p.qdpx", project(text + bare), {}))
    assert summary.imported == ["Interview 1"]
    assert not summary.skipped and summary.kept_lines == ["1 PDF source(s) without a plain-text representation kept as written for export (a study does not show them)"]


# ---------------------------------------------------------------- recordings


def sync_points(text: str, *quotes: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """SyncPoints at each quote's start and end (times made up), and {quote: (from, to) GUIDs}."""
    points, ends = [], {}
    for n, words in enumerate(quotes):
        start, end = span(text, words)
        ends[words] = (guid(7, 2 * n), guid(7, 2 * n + 1))
        points += [f'<SyncPoint guid="{ends[words][0]}" position="{start}" timeStamp="{1000 * start}"/>',
                   f'<SyncPoint guid="{ends[words][1]}" position="{end}" timeStamp="{1000 * end}"/>']
    return "".join(points), ends


def atlas_audio() -> tuple[str, str, str, dict[str, str]]:
    """ATLAS.ti's shape: the recording outside the archive (relative://) and unnamed, its transcript
    named and inside, TranscriptSelections between SyncPoints, a note on a coding, a time-range
    AudioSelection, a case for the recording. (sources, notes, cases, archive members)"""
    points, ends = sync_points(TEXT, "A parser in Python", "Reviews")
    transcript = (
        f'<Transcript plainTextPath="internal://{guid(6, 1)}.txt" richTextPath="internal://{guid(6, 2)}.docx" '
        f'guid="{guid(6, 1)}" name="interview detail.docx" creatingUser="{BEN}" '
        f'creationDateTime="2023-03-01T10:00:00Z">{points}'
        f'<TranscriptSelection guid="{guid(3, 1)}" name="P1 1" fromSyncPoint="{ends["A parser in Python"][0]}" '
        f'toSyncPoint="{ends["A parser in Python"][1]}" creatingUser="{BEN}"><Description>what they made</Description>'
        f'<Coding guid="{guid(4, 1)}" creatingUser="{BEN}"><CodeRef targetGUID="{guid(1, 2)}"/>'
        f'<NoteRef targetGUID="{guid(9, 1)}"/></Coding></TranscriptSelection>'
        f'<TranscriptSelection guid="{guid(3, 2)}" fromSyncPoint="{ends["Reviews"][0]}" '
        f'toSyncPoint="{ends["Reviews"][1]}"><Coding guid="{guid(4, 2)}" creatingUser="{ANA}">'
        f'<CodeRef targetGUID="{guid(1, 3)}"/></Coding></TranscriptSelection></Transcript>')
    audio = (f'<AudioSource path="relative:///interview.m4a" guid="{guid(2, 1)}" name="" creatingUser="{BEN}">'
             f'<Description>recorded at the lab</Description>{transcript}'
             f'<AudioSelection guid="{guid(8, 1)}" name="00:16.17 - 00:45.35" begin="16176" end="45358" '
             f'creatingUser="{BEN}"><Coding guid="{guid(8, 2)}" creatingUser="{BEN}"><CodeRef '
             f'targetGUID="{guid(1, 1)}"/></Coding></AudioSelection></AudioSource>')
    notes = (f'<Notes><Note guid="{guid(9, 1)}" name="IT24" plainTextPath="internal://{guid(9, 1)}.txt" '
             f'creatingUser="{BEN}"/></Notes>')
    cases = f'<Cases><Case guid="{guid(10, 1)}" name="P1"><SourceRef targetGUID="{guid(2, 1)}"/></Case></Cases>'
    return audio, notes, cases, {f"sources/{guid(6, 1)}.txt": TEXT, f"sources/{guid(9, 1)}.txt": "a note",
                                 f"sources/{guid(6, 2)}.docx": "the Word version (not read)"}


def test_an_atlas_ti_audio_transcript_is_imported_and_its_selections_placed_by_their_sync_points(study, tmp_path):
    """The recording's case is the transcript's participant, its memo the transcript's memo."""
    audio, notes, cases, members = atlas_audio()
    path = write_qdpx(tmp_path / "atlas.qdpx", project(audio, notes, origin="ATLAS.ti Win 23.4.0").replace(
        "<Sources>", cases + "<Sources>"), members)
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.imported == ["interview detail.docx"]
    assert sorted(quotes_of(study)) == [("ana", "interview detail.docx", "Reviews"),
                                        ("ben", "interview detail.docx", "A parser in Python")]
    assert summary.coding_memos == 1  # the selection's description and the coding's note, one memo
    assert memos_of(study) == {("ben", "interview detail.docx", None): "recorded at the lab"}
    participants = [(p["participant"], p["transcripts"]) for p in list_participants(study)]
    assert participants == [("P1", ["interview detail.docx"])]
    assert not summary.skipped and summary.kept_lines == [
        "1 audio selection(s) (time ranges, not transcript text) kept as written for export (a study does not show them)",
        # the coding's note goes back out as that note on that coding (its text is also the coding's memo)
        "1 note(s) on a coding of a selection (their text also the coding's memo), kept as written for export"]


def test_a_qualcoder_video_transcript_held_in_the_file_is_imported(study, tmp_path):
    """QualCoder's shape: the transcript's text inline, its creator named on the Transcript alone (not
    on its selections or codings, so theirs), a selection naming a sync point that is not there
    (reported)."""
    text = interview(2)
    points, ends = sync_points(text, "A parser")
    transcript = (f'<Transcript guid="{guid(6, 1)}" name="focus.mp4.transcribed" creatingUser="{BEN}" '
                  f'creationDateTime="2024-02-01T10:00:00Z"><PlainTextContent>{text}'
                  f'</PlainTextContent>{points}<TranscriptSelection guid="{guid(3, 1)}" name="focus.mp4.transcribed" '
                  f'fromSyncPoint="{ends["A parser"][0]}" toSyncPoint="{ends["A parser"][1]}"><Coding '
                  f'guid="{guid(4, 1)}"><CodeRef targetGUID="{guid(1, 2)}"/></Coding></TranscriptSelection>'
                  f'<TranscriptSelection guid="{guid(3, 2)}" fromSyncPoint="{ends["A parser"][0]}" '
                  f'toSyncPoint="{guid(7, 99)}"><Coding guid="{guid(4, 2)}"><CodeRef targetGUID="{guid(1, 3)}"/>'
                  f'</Coding></TranscriptSelection></Transcript>')
    video = (f'<VideoSource path="internal://{guid(2, 1)}.mp4" guid="{guid(2, 1)}" name="focus.mp4">{transcript}'
             '</VideoSource>')
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "v.qdpx", project(video),
                                                      {f"sources/{guid(2, 1)}.mp4": "the recording"}))
    assert quotes_of(study) == [("ben", "focus.mp4", "A parser")]
    assert summary.skipped == [f"source 'focus.mp4': transcript selection {guid(3, 2).lower()} names no sync point "
                               "of the transcript, so where it lies is unknown; its 1 coding(s) not imported"]


def test_a_recording_without_a_transcript_is_named_as_not_imported(study, tmp_path):
    audio = f'<AudioSource path="internal://a.mp3" guid="{guid(2, 1)}" name="a.mp3"/>'
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "a.qdpx", project(audio),
                                                      {"sources/a.mp3": "the recording"}))
    assert not summary.skipped and summary.kept_lines == ["1 audio source(s) without a transcript kept as written for export (a study does not show them)"]


# ---------------------------------------------------------------- the rest of a project


def text_source(n: int = 1) -> str:
    return (f'<TextSource guid="{guid(2, n)}" name="Interview {n}" plainTextPath="internal://{guid(2, n)}.txt">'
            f'<Description />{selection(n, interview(n), "A parser", 2)}</TextSource>')


def test_the_projects_description_is_kept_as_a_project_memo(study, tmp_path):
    path = write_qdpx(tmp_path / "d.qdpx", project(text_source(), "<Description>Pilot, spring term</Description>"),
                      {f"sources/{guid(2, 1)}.txt": interview(1)})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.project_memos == 1 and not summary.skipped
    [memo] = project_memos(study, CLI)
    assert (memo.name, memo.author, memo.text) == ("Project description", "ana", "Pilot, spring term")


def test_what_a_study_cannot_hold_is_named_by_kind_and_empty_placeholders_are_not(study, tmp_path):
    """A graph, a picture, and an element no version of the standard names: each counted where it
    stands (the case's memo is kept, as a project memo; the set and ATLAS.ti's relation between
    codes are kept).
    QualCoder's empty ``<Description />`` placeholders hold nothing and are not reported."""
    extra = f"""
 <Links><Link guid="{guid(11, 1)}" name="is associated with" direction="Bidirectional" originGUID="{guid(1, 2)}"
   targetGUID="{guid(1, 3)}"/></Links>
 <Sets><Set guid="{guid(12, 1)}" name="Corpus"><MemberSource targetGUID="{guid(2, 1)}"/></Set></Sets>
 <Graphs><Graph guid="{guid(13, 1)}" name="map"><Vertex guid="{guid(13, 2)}" firstX="1" firstY="2"/></Graph></Graphs>
 <Description />"""
    cases = (f'<Variables><Variable guid="{guid(14, 1)}" name="age" typeOfVariable="Integer"><Description />'
             f'</Variable></Variables><Cases><Case guid="{guid(10, 1)}" name="P1"><Description>quiet, thoughtful'
             f'</Description><SourceRef targetGUID="{guid(2, 1)}"/></Case></Cases>')
    picture = (f'<PictureSource guid="{guid(2, 7)}" name="whiteboard.png" path="internal://{guid(2, 7)}.png">'
               f'<PictureSelection guid="{guid(3, 7)}" firstX="1" firstY="1" secondX="9" secondY="9"/></PictureSource>')
    vendor = '<x:Highlight xmlns:x="urn:example:vendor" colour="yellow"/>'
    source = text_source().replace("</TextSource>", vendor + "</TextSource>")
    path = write_qdpx(tmp_path / "x.qdpx", project(source + picture, extra).replace("<Sources>", cases + "<Sources>"),
                      {f"sources/{guid(2, 1)}.txt": interview(1), f"sources/{guid(2, 7)}.png": "the picture"})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.imported == ["Interview 1"] and len(quotes_of(study)) == 1
    assert [(m.name, m.text) for m in project_memos(study, CLI)] == [("Case memo: P1", "quiet, thoughtful")]
    assert summary.skipped == ["1 <Highlight> element(s) in <TextSource> not imported"]
    assert sorted(summary.kept_lines) == [
        "1 graph(s) (code maps) kept as written for export (a study does not show them)",
        "1 picture source(s) kept as written for export (a study does not show them)",
    ]


@pytest.mark.parametrize("text", [TEXT, "😀" * 3 + " P1: A parser 😀 in Python.\n"])
def test_representation_positions_count_code_points_around_emoji_and_crlf(study, tmp_path, text):
    path = write_qdpx(tmp_path / "pdf.qdpx", project(pdf_source(1, text, region=False, reviews=False)),
                      {f"sources/{guid(6, 1)}.txt": text})
    qdpx.import_qdpx(study, CLI, path)
    assert quotes_of(study) == [("ana", "Report 1.pdf", "A parser")]


def test_a_chance_lead_of_another_count_does_not_shift_roughly_dragged_selections(study, tmp_path):
    """MAXQDA counts characters. Ten selections cut mid-word (dragged roughly) fit no count; one of
    them happens to start and end on word boundaries if an emoji counted two. That chance lead of
    one in ten must not move all ten by a character."""
    text = "P1: 😀 " + "abcdefghij " * 12 + "\n"
    word = [text.index("abcdefghij", 7 + 11 * k) for k in range(10)]
    rough = [(w + 3, w + 6) for w in word[:9]] + [(word[9] + 1, word[9] + 11)]  # the last: a word under UTF-16
    selections = "".join(
        f'<PlainTextSelection guid="{guid(3, n)}" startPosition="{a}" endPosition="{b}" creatingUser="{ANA}">'
        f'<Coding guid="{guid(4, n)}" creatingUser="{ANA}"><CodeRef targetGUID="{guid(1, 2)}"/></Coding>'
        f'</PlainTextSelection>' for n, (a, b) in enumerate(rough))
    source = f'<TextSource guid="{guid(2, 1)}" name="Rough" plainTextPath="internal://r.txt">{selections}</TextSource>'
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "r.qdpx", project(source, origin="MAXQDA 24"),
                                                      {"sources/r.txt": text}))
    assert not summary.readings  # read as MAXQDA counts: characters
    assert [q for _, _, q in quotes_of(study)] == [text[a:b] for a, b in rough]


# ---------------------------------------------------------------- archives as people zip them


@pytest.mark.parametrize("members, path", [
    ({"Study/project.qde": None, "Study/Sources/s1.txt": None, "__MACOSX/Study/._project.qde": "junk"},
     "internal://s1.txt"),  # a project folder zipped again by hand (macOS adds its resource forks)
    ({"project.qde": None, "Sources\\s1.txt": None}, "internal://s1.txt"),  # a Windows zip tool's separators
    ({"project.qde": None, "Sources/My Interview.txt": None}, "internal://My%20Interview.txt"),  # a URL's escapes
])
def test_archives_zipped_by_hand_or_by_other_zip_tools_are_read(study, tmp_path, members, path):
    source = f'<TextSource guid="{guid(2, 1)}" name="Interview 1" plainTextPath="{path}">' \
             f'{selection(1, interview(1), "A parser", 2)}</TextSource>'
    qde = project(source)
    with zipfile.ZipFile(tmp_path / "z.qdpx", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data or (qde if name.endswith(".qde") else interview(1)))
    summary = qdpx.import_qdpx(study, CLI, tmp_path / "z.qdpx")
    assert summary.ok and quotes_of(study) == [("ana", "Interview 1", "A parser")]


def test_a_colour_not_in_rrggbb_form_is_reported_not_dropped_silently(study, tmp_path):
    odd = project(text_source()).replace('color="#EF8256"', 'color="#FFEF8256"')
    path = write_qdpx(tmp_path / "c.qdpx", odd, {f"sources/{guid(2, 1)}.txt": interview(1)})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.skipped == ["1 code colour(s) not in #RRGGBB form not kept (e.g. '#FFEF8256' on 'Skills')"]


# ---------------------------------------------------------------- and out again


def exported(study: Study, tmp_path) -> ET.Element:
    """The study exported to ``out.qdpx``: its project.qde, validated against the QDA-XML schema."""
    qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        xml = archive.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(qdpx.schema_path())).validate(xml)
    return ET.fromstring(xml)


def test_pdf_and_recording_texts_go_out_as_valid_text_sources_and_come_back_with_every_coding(study, tmp_path):
    audio, notes, cases, members = atlas_audio()
    members[f"sources/{guid(6, 11)}.txt"] = TEXT
    sources = audio + pdf_source(11, TEXT, region=False)
    first = write_qdpx(tmp_path / "in.qdpx", project(sources, notes).replace("<Sources>", cases + "<Sources>"), members)
    qdpx.import_qdpx(study, CLI, first)
    exported(study, tmp_path)
    out = tmp_path / "out.qdpx"
    fresh = Study.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    summary = qdpx.import_qdpx(fresh, CLI, out)
    assert sorted(quotes_of(fresh)) == sorted(quotes_of(study)) and len(quotes_of(fresh)) == 4
    assert memos_of(fresh) == memos_of(study) and not summary.skipped
    fresh.close()


VARIABLES = {"age": ("Integer", "IntegerValue", ["34", "41"]), "height": ("Float", "FloatValue", ["1.75", "1.6"]),
             "consent": ("Boolean", "BooleanValue", ["true", "false"]),
             "born": ("Date", "DateValue", ["1990-05-01", "1985-01-02"]),
             "seen": ("DateTime", "DateTimeValue", ["2024-03-01T10:00:00Z", "2024-03-02T09:30:00Z"]),
             "role": ("Text", "TextValue", ["lead", "member"])}


def test_variables_of_every_type_keep_their_type_and_values_through_a_round_trip(study, tmp_path):
    """MAXQDA and NVivo type their variables; a study keeps values as text, and the export types them
    again from the values, so each comes back as the type it left."""
    variables = "".join(f'<Variable guid="{guid(14, n)}" name="{name}" typeOfVariable="{kind}"/>'
                        for n, (name, (kind, _, _)) in enumerate(VARIABLES.items()))
    cases = "".join(
        f'<Case guid="{guid(10, p)}" name="P{p + 1}">' + "".join(
            f'<VariableValue><VariableRef targetGUID="{guid(14, n)}"/><{element}>{values[p]}</{element}>'
            '</VariableValue>'
            for n, (_, (_, element, values)) in enumerate(VARIABLES.items()))
        + f'<SourceRef targetGUID="{guid(2, p + 1)}"/></Case>' for p in range(2))
    sources = text_source(1) + text_source(2).replace(selection(2, interview(2), "A parser", 2), "")
    path = write_qdpx(tmp_path / "v.qdpx", project(sources).replace(
        "<Sources>", f"<Variables>{variables}</Variables><Cases>{cases}</Cases><Sources>"),
        {f"sources/{guid(2, n)}.txt": interview(n) for n in (1, 2)})
    qdpx.import_qdpx(study, CLI, path)
    root = exported(study, tmp_path)
    kinds = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{Q}Variable")}
    assert kinds == {name: kind for name, (kind, _, _) in VARIABLES.items()}
    names = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    written = {(case.get("name"), names[value.find(f"{Q}VariableRef").get("targetGUID")], value[1].text)
               for case in root.iter(f"{Q}Case") if case.get("name") for value in case.findall(f"{Q}VariableValue")}
    assert written == {(f"P{p + 1}", name, values[p]) for name, (_, _, values) in VARIABLES.items() for p in range(2)}


def test_a_case_memo_is_kept_and_goes_back_out_as_the_cases_description(study, tmp_path):
    """QualCoder and NVivo keep a case's memo in its Description; a study keeps it as a project memo
    named for the participant, and writes it back where it came from (not as a journal note)."""
    cases = (f'<Cases><Case guid="{guid(10, 1)}" name="P1"><Description>quiet, thoughtful</Description>'
             f'<SourceRef targetGUID="{guid(2, 1)}"/></Case></Cases>')
    path = write_qdpx(tmp_path / "c.qdpx", project(text_source()).replace("<Sources>", cases + "<Sources>"),
                      {f"sources/{guid(2, 1)}.txt": interview(1)})
    assert qdpx.import_qdpx(study, CLI, path).project_memos == 1
    root = exported(study, tmp_path)
    [case] = [c for c in root.iter(f"{Q}Case") if c.get("name") == "P1"]
    assert case.findtext(f"{Q}Description") == "quiet, thoughtful"
    assert not list(root.iter(f"{Q}Note"))  # and no journal note for it


def test_two_transcripts_of_one_recording_are_two_texts_and_the_recordings_memo_is_the_firsts(study, tmp_path):
    texts = {n: interview(n) for n in (1, 2)}
    transcripts = "".join(
        f'<Transcript guid="{guid(6, n)}" name="{lang}" creatingUser="{ANA}"><PlainTextContent>{texts[n]}'
        f'</PlainTextContent>{sync_points(texts[n], "A parser")[0]}<TranscriptSelection guid="{guid(3, n)}" '
        f'fromSyncPoint="{guid(7, 0)}" toSyncPoint="{guid(7, 1)}"><Coding guid="{guid(4, n)}">'
        f'<CodeRef targetGUID="{guid(1, 2)}"/></Coding></TranscriptSelection></Transcript>'
        for n, lang in ((1, "English"), (2, "Français")))
    audio = (f'<AudioSource guid="{guid(2, 1)}" name="focus group.mp3"><Description>two languages</Description>'
             f'{transcripts}</AudioSource>')
    # sync point GUIDs repeat across the two transcripts: each transcript's own are its positions
    summary = qdpx.import_qdpx(study, CLI, write_qdpx(tmp_path / "t.qdpx", project(audio), {}))
    assert summary.imported == ["focus group.mp3", "focus group.mp3 (Français)"]
    assert quotes_of(study) == [("ana", "focus group.mp3", "A parser"),
                                ("ana", "focus group.mp3 (Français)", "A parser")]
    assert memos_of(study) == {("ana", "focus group.mp3", None): "two languages"}


def test_what_a_qdc_codebook_holds_beyond_its_codes_is_named(study, tmp_path):
    """A .qdc is codes, and ATLAS.ti adds its code groups (Sets); anything else is named too."""
    book = tmp_path / "book.qdc"
    book.write_text(f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
                    f'origin="Probe"><Codes><Code guid="{guid(1, 1)}" name="Cost" isCodable="true"/></Codes>'
                    f'<Sets><Set guid="{guid(12, 1)}" name="g"><MemberCode targetGUID="{guid(1, 1)}"/></Set></Sets>'
                    f'<Ordering by="name"/></CodeBook>', encoding="utf-8")
    result = qdpx.import_codebook(study, CLI, book)
    assert result.codes == 1
    assert result.skipped == ("1 <Ordering> element(s) in <CodeBook> not imported",
                              "1 set(s) (groups of codes or sources) not imported")


def test_a_codebook_written_without_the_namespace_is_read_when_its_parts_are_qda_xmls(study, tmp_path):
    """Taguette's first codebooks: no namespace, upper-case GUIDs, flat codable tags, an empty Sets."""
    book = tmp_path / "codebook.qdc"
    book.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook origin="Taguette 0.9"><Codes><Code '
                    f'guid="{guid(1, 1)}" name="interview.barriers" isCodable="true"></Code><Code guid="{guid(1, 2)}" '
                    f'name="interview.hopes" isCodable="true"></Code></Codes><Sets></Sets></CodeBook>',
                    encoding="utf-8")
    result = qdpx.import_codebook(study, CLI, book)
    assert result.codes == 2 and not result.skipped


@pytest.mark.parametrize("kind", ["transcript", "source"])
def test_a_text_held_inline_keeps_its_crlf_line_ends_so_positions_counted_over_them_fit(study, tmp_path, kind):
    """An XML reader reads every CR LF as LF; a text written inside the file (QualCoder's transcripts,
    a TextSource's PlainTextContent) keeps its CRs, since its tool counted positions over them."""
    if kind == "transcript":
        points, ends = sync_points(TEXT, "A parser in Python", "Reviews took longer")
        selections = "".join(
            f'<TranscriptSelection guid="{guid(3, n)}" fromSyncPoint="{ends[words][0]}" '
            f'toSyncPoint="{ends[words][1]}"><Coding guid="{guid(4, n)}"><CodeRef targetGUID="{guid(1, 2)}"/>'
            f'</Coding></TranscriptSelection>' for n, words in enumerate(ends))
        source = (f'<VideoSource path="internal://{guid(2, 1)}.mp4" guid="{guid(2, 1)}" name="focus.mp4">'
                  f'<Transcript guid="{guid(6, 1)}" name="focus" creatingUser="{BEN}"><PlainTextContent>{TEXT}'
                  f'</PlainTextContent>{points}{selections}</Transcript></VideoSource>')
    else:
        source = (f'<TextSource guid="{guid(2, 1)}" name="focus.mp4" creatingUser="{BEN}">'
                  f'<PlainTextContent>{TEXT}</PlainTextContent>'
                  f'{selection(1, TEXT, "A parser in Python", 2, user=BEN)}'
                  f'{selection(2, TEXT, "Reviews took longer", 2, user=BEN)}</TextSource>')
    with zipfile.ZipFile(tmp_path / "c.qdpx", "w") as archive:  # the XML's bytes as written, CR LF kept
        archive.writestr("project.qde", project(source).encode("utf-8"))
    summary = qdpx.import_qdpx(study, CLI, tmp_path / "c.qdpx")
    assert summary.ok and not summary.unmapped
    assert sorted(quotes_of(study)) == [("ben", "focus.mp4", "A parser in Python"),
                                        ("ben", "focus.mp4", "Reviews took longer")]


def test_a_set_whose_text_was_left_out_goes_back_out_whole_with_that_text(study, tmp_path):
    """A set (MAXQDA's document set) of two texts, one missing from the archive: the set is kept
    with the text that came in, the text left out is kept as written (its selections and codings
    with it), and both go back out as the set's members."""
    sources = text_source(1) + text_source(2)
    sets = (f'<Sets><Set guid="{guid(12, 1)}" name="Corpus"><Description>both weeks</Description>'
            f'<MemberSource targetGUID="{guid(2, 1)}"/><MemberSource targetGUID="{guid(2, 2)}"/>'
            f'<MemberCode targetGUID="{guid(1, 3)}"/></Set></Sets>')
    path = write_qdpx(tmp_path / "s.qdpx", project(sources, sets), {f"sources/{guid(2, 1)}.txt": interview(1)})
    summary = qdpx.import_qdpx(study, CLI, path)
    assert summary.left_out == [("Interview 2", f"internal://{guid(2, 2)}.txt is missing from the archive")]
    assert not [line for line in summary.skipped if "member(s) of sets" in line]
    qdpx.export_qdpx(study, CLI, tmp_path / "out.qdpx")
    root = ET.fromstring(zipfile.ZipFile(tmp_path / "out.qdpx").read("project.qde"))
    [kept] = root.iter(f"{Q}Set")
    names = {s.get("guid"): s.get("name") for s in root.iter(f"{Q}TextSource")}
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    assert (kept.get("name"), kept.find(f"{Q}Description").text) == ("Corpus", "both weeks")
    assert [names[m.get("targetGUID")] for m in kept.iter(f"{Q}MemberSource")] == ["Interview 1", "Interview 2"]
    assert [codes[m.get("targetGUID")] for m in kept.iter(f"{Q}MemberCode")] == ["reviews"]
    xmlschema.XMLSchema(str(qdpx.schema_path())).validate(ET.tostring(root, encoding="unicode"))
