"""Every layout family read right: each word to the right speaker, the interviewer, exact offsets,
timestamps out of the text; the competition's decision and runner-up; the other file types.

The fixtures in tests/fixtures/layouts/ are synthetic, written in the shapes real exports have.
The expected turns below are written out by hand from those files.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.shared import Pt

from study.cli import cli
from study.errors import TranscriptFormatError
from study.importing.batch import import_files
from study.importing.reading import ImportOptions
from study.roles import assign_roles, main_interviewer
from study.transcripts import (
    MAX_DOCUMENT_XML_BYTES,
    ParsedTranscript,
    read_transcript,
    table_kind,
)
from study.auth import CLI
from tests.factories import assert_exact_offsets, docx_members, timed_turns
from tests.fixtures.heldout.heldout_writers import pdf_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
TIME = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")

MARA, TEO = "Mara Quist", "Teo Brandt"
ANA = "Dr. Ana Ruiz-Soto, PhD (Acme)"
INT, PART = "Interviewer", "Participant"

# file -> (layout, interviewer, [(speaker, body, timestamp)])
EXPECTED = {
    "otter.txt": ("name and time lines", MARA, [
        (MARA, "Thanks for joining. How did the project start?", "0:04"),
        ("Unknown Speaker", "It started as a side thing.\nWe had a grant.", "0:11"),
        (MARA, "And then?", "0:20"),
        ("Unknown Speaker", "Then it grew.", "1:02:03"),
    ]),
    "otter-times-only.txt": ("name and time lines", None, [
        ("Unknown", "When I was young, things were different.", "0:00"),
        ("Unknown", "It was a hard time for growers.", "0:15"),
        ("Unknown", "Everybody grew the same apple.", "0:21"),
    ]),
    "otter-continued.txt": ("name and time lines", MARA, [
        (MARA, "How did it start?", "0:00"),
        (TEO, "With a grant.", "0:05"),
        (TEO, "Then it grew.", "0:40"),
        (MARA, "Thanks.", "1:10"),
    ]),
    "youtube.vtt": ("captions", None, [  # rolling captions: each line once
        ("Unknown", "so today we are going to talk about models", "00:00:00"),
    ]),
    "zoom.vtt": ("captions", "Mara Quist (Acme Labs)", [
        ("Mara Quist (Acme Labs)", "Welcome, can you hear me? Good.", "00:00:01"),
        (TEO, "Yes, loud and clear.", "00:00:06"),
        ("Mara Quist (Acme Labs)", "What do you build?", "00:00:08"),
        (TEO, "Models & tools.", "00:00:09"),
    ]),
    "teams.vtt": ("captions", "Quist, Mara", [
        ("Quist, Mara", "Shall we start?", "00:00:00"),
        ("Brandt, Teo", "Sure. Go ahead.", "00:00:02"),
    ]),
    "captions.srt": ("captions", "Host", [
        ("Host", "Welcome back to the show. Today we talk about data.", "00:00:01"),
        ("Guest", "Happy to be here.", "00:00:04"),
    ]),
    "bracketed.txt": ("timestamps and voice tags", MARA, [
        (MARA, "How long have you worked here?", "00:00:01"),
        (TEO, "Six years.", "00:00:05"),
        (MARA, "And before that?", "00:01:10"),
        (TEO, "A startup.", "00:01:12"),
    ]),
    "voice.txt": ("timestamps and voice tags", MARA, [
        (MARA, "Where do models come from?", "00:00:24"),
        (TEO, "Mostly a hub.", "00:00:29"),
        (MARA, "Why?", "00:00:35"),
    ]),
    "name-then-time.txt": ("timestamps and voice tags", MARA, [
        (MARA, "What do you test first?", "00:00:07"),
        (TEO, "The license.\nThen the card.", "00:00:12"),
    ]),
    "teams-cues.txt": ("caption cues in text", "Quist, Mara", [
        ("Quist, Mara", "Good morning, shall we start?", "0:0:0"),
        ("Brandt, Teo", "Yes.\nReady.", "0:0:5"),
        ("Quist, Mara", "Great.", "0:0:8"),
        ("Brandt, Teo", "Ok.", "0:0:9"),
    ]),
    "script.txt": ("name lines", "INTERVIEWER", [
        ("INTERVIEWER", "How did it start?", None),
        ("JANE ROE", "With a grant, in 2019.\nWe were three.", None),
        ("INTERVIEWER", "And now?", None),
        ("JANE ROE", "Twelve.", None),
    ]),
    "inline-times.txt": ("speaker labels", "Speaker1", [
        ("Speaker1", "Hello there, how are you?", "00:00:04"),
        ("Speaker2", "Fine.", "00:00:09"),
        ("Speaker1", "Good.", "00:00:12"),
    ]),
    "interview.md": ("markdown", MARA, [
        (MARA, "Tell me about your team?", None),
        (TEO, "Four people.", None),
        (MARA, "Which tools?", "0:00"),
        (TEO, "Notebooks, mostly.", "0:05"),
    ]),
    "names.txt": ("speaker labels", "Interviewer 2", [  # two interviewers; 2 takes 2 turns, 1 one
        ("Interviewer 1", "Could you introduce yourself?", None),
        (ANA, "I lead platform work.", None),
        ("Interviewer 2", "And your team?", None),
        (ANA, "Twelve engineers, all remote.", None),
        ("Interviewer 2", "Do you pair?", None),
        (ANA, "Rarely, honestly.", None),
    ]),
    "qa.txt": ("question and answer", INT, [
        (INT, "How did it start?", None), (PART, "With a grant.", None),
        (INT, "And then?", None), (PART, "It grew.", None),
    ]),
    "pregunta.txt": ("question and answer", INT, [
        (INT, "¿Cómo empezó el proyecto?", None), (PART, "Con una beca pequeña.", None),
        (INT, "¿Y después?", None), (PART, "Creció mucho.", None),
    ]),
    "pergunta.txt": ("question and answer", INT, [
        (INT, "Como escolhe os modelos?", None), (PART, "Pela licença.\nConclusão: licença primeiro.", None),
        (INT, "E depois?", None), (PART, "Pelo cartão.", None),
    ]),
    "frage.txt": ("question and answer", INT, [
        (INT, "Wie fing es an?", None), (PART, "Mit einem Stipendium.", None),
        (INT, "Und dann?", None), (PART, "Es wuchs.", None),
    ]),
    "question.txt": ("question and answer", INT, [
        (INT, "Comment a commencé le projet ?", None), (PART, "Avec une bourse.", None),
        (INT, "Et ensuite ?", None), (PART, "Il a grandi.", None),
    ]),
    "notes.txt": ("speaker labels", "Speaker 1", [
        ("Speaker 1", "How did you pick the model?", None),
        ("Speaker 2", "By downloads.", None),
        ("Speaker 1", "13\nAnything else?", None),  # the memo mark stays in the text, as in the real files
        ("Speaker 2", "Stars.", None),
        ("Speaker 1", "22\nThanks.", None),
    ]),
    "table.csv": ("speaker table (columns: Speaker, Text, Start)", INT, [
        (INT, "How did you start?", "00:00:01"), ("P4", "By accident, really.", "00:00:05"),
        (INT, "And now?", "00:00:09"), ("P4", "Full time.", "00:00:12"),
    ]),
    "table.tsv": ("speaker table (columns: speaker, utterance, start time)", INT, [
        (INT, "How did you start?", "00:00:01"), ("P4", "By accident.", "00:00:05"),
    ]),
}


def assert_timestamps_out_of_the_text(parsed: ParsedTranscript) -> None:
    for turn in parsed.turns:
        if turn.timestamp:
            assert turn.timestamp not in parsed.turn_text(turn)
            assert not TIME.search(parsed.turn_text(turn))


def words_by_speaker(turns) -> list[tuple[str, str]]:
    return [(speaker, word) for speaker, body, *_ in turns for word in body.split()]


@pytest.mark.parametrize("name", EXPECTED)
def test_each_layout_reads_every_word_to_its_speaker(name):
    layout, interviewer, expected = EXPECTED[name]
    parsed = read_transcript(FIXTURES / name)
    assert words_by_speaker(timed_turns(parsed)) == words_by_speaker(expected)
    assert timed_turns(parsed) == expected
    assert main_interviewer(assign_roles(parsed)) == interviewer
    assert parsed.layout == layout
    assert_exact_offsets(parsed)
    assert_timestamps_out_of_the_text(parsed)


def test_the_decision_records_the_runner_up():
    parsed = read_transcript(FIXTURES / "pergunta.txt")
    assert (parsed.layout, parsed.layout_score) == ("question and answer", 1.0)
    # a tie goes to the reading with fewer speakers: "Pergunta 1" and "Pergunta 2" are one side
    assert parsed.runner_up == "protocol" and parsed.runner_up_score is not None


def test_header_lines_go_to_metadata():
    parsed = read_transcript(FIXTURES / "names.txt")
    assert parsed.metadata == {
        "Header": "An interview conducted by the platform study team on 3 May 2024.",
        "Interviewee": "Ana Ruiz-Soto",
        "Date": "2024-05-03",
    }
    assert not parsed.text.startswith("An interview")


def test_markdown_front_matter_and_headings_are_not_speech():
    parsed = read_transcript(FIXTURES / "interview.md")
    assert parsed.metadata == {"title": "Interview 9", "date": "2025-03-01"}
    spoken = " ".join(parsed.turn_text(turn) for turn in parsed.turns)
    assert "Tools" not in spoken and "Interview 9" not in spoken


def test_notes_heading_ends_all_speech_whatever_follows():
    parsed = read_transcript(FIXTURES / "notes.txt")
    assert "Fine-tune" not in {turn.speaker for turn in parsed.turns}
    assert all("founder" not in parsed.turn_text(turn) for turn in parsed.turns)
    assert parsed.text.endswith("Annotations\nFine-tune: Yes\nSpeaker 2: founder\n")


def test_otter_footer_is_not_speech():
    parsed = read_transcript(FIXTURES / "otter.txt")
    assert all("otter.ai" not in parsed.turn_text(turn) for turn in parsed.turns)


# ---------------------------------------------------------------- Word documents


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_otter_and_teams_docx_name_paragraphs(tmp_path):
    path = write_docx(tmp_path / "teams.docx", [
        "Quist, Mara   0:03", "How do you choose?", "Brandt, Teo   0:09", "By license.",
        "Quist, Mara   0:15", "Thanks.",
    ])
    parsed = read_transcript(path)
    assert timed_turns(parsed) == [
        ("Quist, Mara", "How do you choose?", "0:03"), ("Brandt, Teo", "By license.", "0:09"),
        ("Quist, Mara", "Thanks.", "0:15"),
    ]
    assert main_interviewer(assign_roles(parsed)) == "Quist, Mara"


def test_docx_bold_names_without_colons_are_speakers(tmp_path):
    document = docx.Document()
    for name, body in [(MARA, "How did you start?"), (TEO, "With a grant."), (MARA, "And then?"), (TEO, "It grew.")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        paragraph.add_run(" " + body)
    document.add_paragraph("A closing remark nobody said.")
    document.save(tmp_path / "bold.docx")
    parsed = read_transcript(tmp_path / "bold.docx")
    assert parsed.layout == "formatting"
    assert timed_turns(parsed) == [
        (MARA, "How did you start?", None), (TEO, "With a grant.", None),
        (MARA, "And then?", None), (TEO, "It grew.\nA closing remark nobody said.", None),
    ]
    assert_exact_offsets(parsed)


@pytest.mark.parametrize("bold", [True, False])  # bold names, or plain names alone on a line
def test_a_name_typed_once_in_other_letter_case_is_the_same_speaker(tmp_path, bold):
    # "teo brandt" once among "Teo Brandt": before, a name alone seen once was no label, so Teo's
    # words went to the question above (the interviewer's), and bold read two Teos
    document = docx.Document()
    for name, body in [(MARA, "Where do you work?"), (TEO, "At a lab."), (MARA, "Since when?"), (TEO.lower(), "2019."),
                       (MARA, "Who pays?"), (TEO, "A grant."), (MARA, "Thanks.")]:
        document.add_paragraph().add_run(name).bold = bold
        document.add_paragraph(body)
    document.save(tmp_path / "typo.docx")
    parsed = read_transcript(tmp_path / "typo.docx")
    assert timed_turns(parsed) == [
        (MARA, "Where do you work?", None), (TEO, "At a lab.", None), (MARA, "Since when?", None), (TEO, "2019.", None),
        (MARA, "Who pays?", None), (TEO, "A grant.", None), (MARA, "Thanks.", None),
    ]
    assert_exact_offsets(parsed)


def test_docx_name_paragraphs_in_a_style_of_their_own_are_speakers(tmp_path):
    document = docx.Document()
    style = document.styles.add_style("Speaker Name", 1)  # 1: a paragraph style
    style.font.size = Pt(9)
    for name, body in [(MARA, "Where do you work?"), (TEO, "At a lab."), (MARA, "Since when?"), (TEO, "2019.")]:
        document.add_paragraph(name, style="Speaker Name")
        document.add_paragraph(body)
    document.save(tmp_path / "styled.docx")
    parsed = read_transcript(tmp_path / "styled.docx")
    assert parsed.layout == "formatting"
    assert timed_turns(parsed) == [
        (MARA, "Where do you work?", None), (TEO, "At a lab.", None), (MARA, "Since when?", None), (TEO, "2019.", None),
    ]


# ---------------------------------------------------------------- other file types


DIALOGUE = ["Interviewer: How did you start?", "P2: With a grant.", "Interviewer: And then?", "P2: It grew."]
DIALOGUE_TURNS = [(INT, "How did you start?", None), ("P2", "With a grant.", None),
                  (INT, "And then?", None), ("P2", "It grew.", None)]


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer, one line of Helvetica per item."""
    return pdf_bytes([[(720 - 16 * row, line) for row, line in enumerate(lines)]])


def minimal_odt(paragraphs: list[str]) -> bytes:
    body = "".join(f"<text:p>{p.replace('  ', ' <text:s/>')}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def minimal_rtf(paragraphs: list[str]) -> bytes:
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\\f0 " + "".join(f"{p}\\par\n" for p in paragraphs) + "}").encode()


def minimal_xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("suffix,data", [
    (".pdf", minimal_pdf(DIALOGUE)),
    (".odt", minimal_odt(DIALOGUE)),
    (".rtf", minimal_rtf(DIALOGUE)),
    (".xlsx", minimal_xlsx([["Speaker", "Text"]] + [line.split(": ", 1) for line in DIALOGUE])),
])
def test_other_file_types_read_like_text(tmp_path, suffix, data):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(data)
    parsed = read_transcript(path)
    assert [(s, " ".join(b.split()), t) for s, b, t in timed_turns(parsed)] == DIALOGUE_TURNS
    assert main_interviewer(assign_roles(parsed)) == INT
    assert_exact_offsets(parsed)


@pytest.mark.parametrize("suffix,data,problem", [
    (".pdf", b"%PDF-1.4\n%%EOF", "could not be read as a PDF"),
    (".pdf", b"hello", "is not a PDF file"),
    (".pdf", minimal_pdf([]), "has no text layer"),
    (".odt", b"PK\x03\x04broken", "not a valid zip archive"),
    (".rtf", b"plain words", "is not an RTF file"),
    (".doc", b"plain words", "save it as .docx"),
    (".doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "save it as .docx"),
    (".xlsx", b"PK\x03\x04broken", "could not be read as an Excel workbook"),
])
def test_unreadable_file_types_say_how_to_convert(tmp_path, suffix, data, problem):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(data)
    with pytest.raises(TranscriptFormatError) as raised:
        read_transcript(path)
    assert raised.value.path == str(path) and problem in raised.value.problem
    assert "\n" not in str(raised.value)


def test_legacy_doc_without_antiword_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no antiword on this PATH
    path = tmp_path / "t.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(TranscriptFormatError, match="antiword.*is not installed.*save the file as .docx"):
        read_transcript(path)


@pytest.mark.parametrize("header,kind", [
    ("Speaker,Text,Start", "transcript"),
    ("speaker;utterance", "transcript"),
    ("participant,question,response", "survey"),
    ("participant,text", "survey"),
])
def test_table_kind_decides_by_the_columns(tmp_path, header, kind):
    path = tmp_path / "t.csv"
    path.write_text(header + "\nA,b,c\n", encoding="utf-8")
    assert table_kind(path) == kind


def test_speaker_table_csv_imports_as_one_transcript(study):
    summary = import_files(study, [FIXTURES / "table.csv"], actor=CLI)
    assert summary.imported == ["table"] and summary.ok


# ---------------------------------------------------------------- captions that cannot be placed (issue 11)


SRT_TIMINGS = {
    "missing end": "00:00:03,000 -->",
    "negative": "-00:00:03,000 --> 00:00:04,000",
    "letters": "00:00:0a,000 --> 00:00:04,000",
    "no milliseconds": "00:00:03 --> 00:00:04",
    "doubled arrow": "00:00:03,000 --> --> 00:00:04,000",
    "end before start": "00:00:05,000 --> 00:00:04,000",
}


def srt_with_timing(timing: str) -> str:
    return (
        "1\n00:00:01,000 --> 00:00:02,000\nAna: Why?\n\n"
        f"2\n{timing}\nBo: Because it was cheap.\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nAna: Fine.\n"
    )


@pytest.mark.parametrize("timing", SRT_TIMINGS.values(), ids=SRT_TIMINGS.keys())
def test_malformed_cue_timing_is_an_error_naming_file_and_line(tmp_path, timing):
    path = tmp_path / "t.srt"
    path.write_text(srt_with_timing(timing), encoding="utf-8")
    with pytest.raises(TranscriptFormatError) as raised:
        read_transcript(path)
    assert raised.value.path == str(path) and "line 6" in raised.value.problem


@pytest.mark.parametrize("timing", SRT_TIMINGS.values(), ids=SRT_TIMINGS.keys())
def test_lenient_reading_keeps_the_cue_as_text_and_reports_it(tmp_path, timing):
    path = tmp_path / "t.srt"
    path.write_text(srt_with_timing(timing), encoding="utf-8")
    parsed = read_transcript(path, lenient=True)
    assert "Because it was cheap." in parsed.text
    assert len(parsed.warnings) == 1 and "line 6" in parsed.warnings[0]


def test_cli_lenient_import_reports_what_it_kept(tmp_path):
    path = tmp_path / "t.srt"
    path.write_text(srt_with_timing("00:00:03 --> 00:00:04"), encoding="utf-8")
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 's.db'}"
    refused = runner.invoke(cli, ["--db", db, "import", str(path)])
    assert refused.exit_code == 1 and "line 6" in refused.output
    kept = runner.invoke(cli, ["--db", db, "import", "--lenient", str(path)])
    assert kept.exit_code == 0, kept.output
    assert "Imported 1" in kept.output and "kept as text: t: line 6" in kept.output


# ---------------------------------------------------------------- limits and damaged archives (issue 11)


def test_oversize_file_is_refused_before_it_is_read(study, tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(3_000_000_000)  # sparse: 3 GB on paper, nothing on disk
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    summary = import_files(study, [path], options=ImportOptions(max_bytes=1_000_000), actor=CLI)
    assert summary.failed and "3000.0 MB, over the 1.0 MB limit" in summary.failed[0][1]


@pytest.mark.parametrize("compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_docx_with_a_corrupt_compressed_member_is_one_clean_error(tmp_path, compression):
    path = tmp_path / "t.docx"
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in docx_members(DIALOGUE).items():
            archive.writestr(name, data)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 10:start + 60] = bytes(50)  # damage the compressed stream, leave the directory intact
    path.write_bytes(bytes(data))
    with pytest.raises(TranscriptFormatError, match="corrupt|damaged|could not be read"):
        read_transcript(path)


def test_docx_with_an_unknown_xml_encoding_is_one_clean_error(tmp_path):
    members = docx_members(DIALOGUE)
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"encoding='UTF-8'", b"encoding='x-no-such-encoding'", 1)
    assert b"x-no-such-encoding" in members["word/document.xml"]
    path = tmp_path / "t.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(TranscriptFormatError, match="unknown text encoding|damaged"):
        read_transcript(path)


def test_docx_body_over_the_memory_bound_is_refused(tmp_path):
    members = docx_members(DIALOGUE)
    padding = b"<!--" + b" " * (MAX_DOCUMENT_XML_BYTES + 1) + b"-->"
    members["word/document.xml"] = members["word/document.xml"].replace(b"<w:body>", b"<w:body>" + padding, 1)
    path = tmp_path / "t.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(TranscriptFormatError, match="document body, over the 16.0 MB"):
        read_transcript(path)


def test_prose_with_repeated_short_lines_has_no_invented_speakers(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("I started in 2019.\nYeah\nIt was hard.\nYeah\nThen it grew.\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert parsed.layout == "paragraphs" and {turn.speaker for turn in parsed.turns} == {"Unknown"}
