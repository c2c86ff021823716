"""Reading transcripts: every format and turn convention into text plus turns, and bad input refused."""
from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from study.errors import StudyError, TranscriptFormatError
from study.roles import assign_roles, main_interviewer, unmatched_speakers
from study.transcripts import (
    ParsedTranscript,
    Turn,
    read_survey_csv,
    read_transcript,
    speakers,
    word_account,
)
from tests.factories import assert_exact_offsets, docx_members, timed_turns

REAL_TRANSCRIPTS = Path(
    os.environ.get("STUDY_REAL_TRANSCRIPTS", Path(__file__).resolve().parents[2] / "shared" / "real_transcripts")
)


# ---------------------------------------------------------------- helpers


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """A .docx with one paragraph per item; "\\n" inside an item becomes a line break, as Word does."""
    document = docx.Document()
    for text in paragraphs:
        lines = text.split("\n")
        run = document.add_paragraph().add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
    if table:
        cells = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(cells.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    document.save(path)
    return path


def write_txt(path: Path, paragraphs: list[str]) -> Path:
    path.write_text("\n".join(paragraphs), encoding="utf-8")
    return path


def turns_of(parsed: ParsedTranscript) -> list[tuple[str, str]]:
    return [(turn.speaker, parsed.turn_text(turn)) for turn in parsed.turns]


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# ---------------------------------------------------------------- turn conventions


CONVENTIONS = {
    "label alone, body below (Rev)": (
        ["Speaker 1:", "How did you pick it?", "Speaker 2:", "By downloads.", "And by stars."],
        [("Speaker 1", "How did you pick it?", None), ("Speaker 2", "By downloads.\nAnd by stars.", None)],
    ),
    "label and body on one line": (
        ["Speaker 1: How did you pick it?", "Speaker 2: By downloads."],
        [("Speaker 1", "How did you pick it?", None), ("Speaker 2", "By downloads.", None)],
    ),
    "role labels": (
        ["Interviewer: How did you pick it?", "P3: By downloads."],
        [("Interviewer", "How did you pick it?", None), ("P3", "By downloads.", None)],
    ),
    "name and time in parentheses": (
        ["Ana Lee (00:01:02): How did you pick it?", "Bo (00:01:09): By downloads."],
        [("Ana Lee", "How did you pick it?", "00:01:02"), ("Bo", "By downloads.", "00:01:09")],
    ),
    "label alone with time (Rev)": (
        ["Speaker 1 (00:01:02):", "How did you pick it?", "Speaker 2 (00:01:09):", "By downloads."],
        [("Speaker 1", "How did you pick it?", "00:01:02"), ("Speaker 2", "By downloads.", "00:01:09")],
    ),
    "time in brackets first": (
        ["[00:01:02] Ana Lee: How did you pick it?", "[00:01:09] Bo: By downloads."],
        [("Ana Lee", "How did you pick it?", "00:01:02"), ("Bo", "By downloads.", "00:01:09")],
    ),
    "name then time on its own line (Otter)": (
        ["Ana Lee  0:02", "How did you pick it?", "Bo  0:09", "By downloads.", "Ana Lee  0:15", "Thanks."],
        [
            ("Ana Lee", "How did you pick it?", "0:02"),
            ("Bo", "By downloads.", "0:09"),
            ("Ana Lee", "Thanks.", "0:15"),
        ],
    ),
}


@pytest.mark.parametrize("write", [write_docx, write_txt], ids=["docx", "txt"])
@pytest.mark.parametrize("paragraphs,expected", CONVENTIONS.values(), ids=CONVENTIONS.keys())
def test_each_turn_convention_gives_speakers_bodies_and_timestamps(tmp_path, write, paragraphs, expected):
    suffix = ".docx" if write is write_docx else ".txt"
    parsed = read_transcript(write(tmp_path / f"t{suffix}", paragraphs))
    assert timed_turns(parsed) == expected
    assert parsed.text == "\n".join(paragraphs)
    assert_exact_offsets(parsed)


def test_role_labels_set_role_hints(tmp_path):
    parsed = read_transcript(write_txt(tmp_path / "t.txt", ["Interviewer: Why?", "P3: Because.", "Speaker 4: Hm."]))
    assert [turn.role_hint for turn in parsed.turns] == ["interviewer", "participant", None]


def test_markdown_bold_labels(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("# Interview 3\n\n**Interviewer:** Why?\n\n**P3:** Because.\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("Interviewer", "Why?"), ("P3", "Because.")]


def test_sentences_with_a_colon_are_not_speaker_labels(tmp_path):
    paragraphs = [
        "Interviewer: What is your rule?",
        "P1: The rule is simple: never deploy on a Friday.",
        "Note: we did deploy once.",
        "See also: https://example.org/runbook",
        "We met at 10:30 that day.",
        "Answer: that was later.",
        "Interviewer: Thanks.",
    ]
    parsed = read_transcript(write_txt(tmp_path / "t.txt", paragraphs))
    assert turns_of(parsed) == [
        ("Interviewer", "What is your rule?"),
        ("P1", "\n".join(paragraphs[1:6]).removeprefix("P1: ")),
        ("Interviewer", "Thanks."),
    ]


def test_two_named_speakers_each_speaking_once_are_a_dialogue(tmp_path):
    parsed = read_transcript(write_txt(tmp_path / "t.txt", ["Maria: How are you?", "João: Fine, thanks."]))
    assert turns_of(parsed) == [("Maria", "How are you?"), ("João", "Fine, thanks.")]


def test_memo_numbers_glued_to_answers_are_kept(tmp_path):
    paragraphs = ["Speaker 1:", "Where?", "Speaker 2:", "At Salesforce.1"]
    parsed = read_transcript(write_docx(tmp_path / "t.docx", paragraphs))
    assert parsed.turn_text(parsed.turns[-1]) == "At Salesforce.1"


def write_annotated_docx(path: Path) -> Path:
    """An interview annotated by hand in Word, as the real ones are: a raised note number after the words
    a note is about (lifted by w:position, or superscript), and under "Annotations" the notes, each opening
    with its raised number. "m" with a superscript 3 is an exponent: no note is numbered 3."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def raised(paragraph, number: str, lifted: bool) -> None:
        run = paragraph.add_run(number)
        if lifted:
            position = OxmlElement("w:position")
            position.set(qn("w:val"), "10")
            run._r.get_or_add_rPr().append(position)
        else:
            run.font.superscript = True

    document = docx.Document()
    document.add_paragraph("Speaker 1:")
    document.add_paragraph("Which hub do you use?")
    document.add_paragraph("Speaker 2:")
    answer = document.add_paragraph("We use the model hub.")
    raised(answer, "1", lifted=True)
    answer.add_run(" It holds 10 m")
    raised(answer, "3", lifted=False)
    answer.add_run(" of cards")
    raised(answer, "2", lifted=False)
    answer.add_run(", more or less.")
    document.add_paragraph("")
    document.add_paragraph("Annotations")
    for number, note in (("1", " Uses the hub"), ("2", " Cards matter")):
        paragraph = document.add_paragraph()
        raised(paragraph, number, lifted=True)
        paragraph.add_run(note)
    document.save(path)
    return path


def test_raised_note_numbers_leave_the_speech_and_stay_in_the_notes(tmp_path):
    parsed = read_transcript(write_annotated_docx(tmp_path / "t.docx"))
    assert turns_of(parsed) == [("Speaker 1", "Which hub do you use?"),
                                ("Speaker 2", "We use the model hub. It holds 10 m3 of cards, more or less.")]
    assert parsed.text.endswith("Annotations\n1 Uses the hub\n2 Cards matter")
    assert any(w.startswith("2 raised note number(s) left out") for w in parsed.warnings)


def test_authors_notes_after_the_last_turn_belong_to_no_speaker(tmp_path):
    paragraphs = ["Speaker 1:", "Thanks, that's all.", "", "Annotations", "1 Role: founder"]
    parsed = read_transcript(write_docx(tmp_path / "t.docx", paragraphs))
    assert turns_of(parsed) == [("Speaker 1", "Thanks, that's all.")]
    assert parsed.text.endswith("Annotations\n1 Role: founder")


def test_metadata_header_goes_to_metadata_not_text(tmp_path):
    paragraphs = ["Name: Interview-07", "", "Created On: 8/9/2022 4:49:34 PM", "Duration: 00:41:12", "",
                  "Speaker 1:", "Hello."]
    parsed = read_transcript(write_docx(tmp_path / "t.docx", paragraphs))
    assert parsed.metadata == {"Name": "Interview-07", "Created On": "8/9/2022 4:49:34 PM", "Duration": "00:41:12"}
    assert parsed.text == "Speaker 1:\nHello."


def test_inline_time_marks_stay_in_the_text(tmp_path):
    paragraphs = ["Speaker 1:", "So [inaudible 00:06:48] then?", "Speaker 2:", "Yes."]
    parsed = read_transcript(write_docx(tmp_path / "t.docx", paragraphs))
    assert parsed.turn_text(parsed.turns[0]) == "So [inaudible 00:06:48] then?"
    assert parsed.turns[0].timestamp is None


def test_table_cells_are_kept_in_the_text(tmp_path):
    table = [["Size", "Speed"], ["small", "fast"]]
    parsed = read_transcript(write_docx(tmp_path / "t.docx", ["Speaker 1:", "Look at this."], table=table))
    assert parsed.text.endswith("Look at this.\nSize\tSpeed\nsmall\tfast")


def test_a_speaker_tables_other_worded_columns_are_kept_as_notes_beside_each_turn(tmp_path):
    # an oral-history platform's transcript CSV holds the project's codes in a "tags" column; before,
    # every column but speaker, text and time was dropped without a word. An end time is scaffolding.
    path = tmp_path / "t.csv"
    path.write_text("speaker,words,tags,timestamp,end\nInterviewer,Where did you grow up?,background,00:00,00:04\n"
                    "Mae,\"On a farm, near Dayton.\",childhood;rural life,00:05,00:09\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("Interviewer", "Where did you grow up?"), ("Mae", "On a farm, near Dayton.")]
    assert word_account(parsed).notes_text == ("tags: background", "tags: childhood;rural life")
    assert parsed.warnings == ("column(s) tags kept as a note below each row's turn, not speech",)


def test_text_without_labels_is_one_unknown_turn_per_paragraph(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("I started in 2019,\nwrapped line.\n\nThen I moved teams.\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [
        ("Unknown", "I started in 2019,\nwrapped line."),
        ("Unknown", "Then I moved teams."),
    ]
    assert main_interviewer(assign_roles(parsed)) is None


# ---------------------------------------------------------------- protocol style


PROTOCOL = [
    "Interview Protocol",
    "",
    "Demographic Questions (~5 min)",
    "First, some questions about your background.",
    "",
    "Could you describe your role?\nAnswer: TechLead1",
    "Which hub do you use?\nAnswer: huggingface",
    "Why?\nAnswer: It is easy.",
    "How did you address it?",
    "",
    "Where do you select the PTNNs,",
    "from a hub or from GitHub?\nAnswer: from a model hub",
    "More on that: we mirror it.",
    "Annotations",
    "1 Subject is a Tech Lead",
]


def test_protocol_style_questions_are_interviewer_and_answers_participant(tmp_path):
    parsed = read_transcript(write_docx(tmp_path / "protocol.docx", PROTOCOL))
    assert [(t.speaker, t.role_hint, parsed.turn_text(t)) for t in parsed.turns] == [
        ("Interviewer", "interviewer", "Could you describe your role?"),
        ("Participant", "participant", "TechLead1"),
        ("Interviewer", "interviewer", "Which hub do you use?"),
        ("Participant", "participant", "huggingface"),
        ("Interviewer", "interviewer", "Why?"),
        ("Participant", "participant", "It is easy."),
        ("Interviewer", "interviewer", "Where do you select the PTNNs,\nfrom a hub or from GitHub?"),
        ("Participant", "participant", "from a model hub\nMore on that: we mirror it."),
    ]
    assert main_interviewer(assign_roles(parsed)) == "Interviewer"


def test_protocol_style_answer_paragraphs_continue_until_the_next_question(tmp_path):
    paragraphs = ["How did you address it?", "Answer: We pinned every version.", "Since then we publish a container.",
                  "Any other problems?", "Answer: Hardware."]
    parsed = read_transcript(write_docx(tmp_path / "protocol.docx", paragraphs))
    assert [(t.role_hint, parsed.turn_text(t)) for t in parsed.turns] == [
        ("interviewer", "How did you address it?"),
        ("participant", "We pinned every version.\nSince then we publish a container."),
        ("interviewer", "Any other problems?"),
        ("participant", "Hardware."),
    ]


def test_protocol_style_keeps_headings_and_answer_prefixes_in_text_only(tmp_path):
    parsed = read_transcript(write_docx(tmp_path / "protocol.docx", PROTOCOL))
    assert parsed.text.startswith("Interview Protocol\n\nDemographic Questions (~5 min)\n")
    assert "\nAnswer: TechLead1\n" in parsed.text
    in_turns = "".join(parsed.turn_text(turn) for turn in parsed.turns)
    outside_turns = ("Interview Protocol", "Demographic Questions", "First, some questions",
                     "How did you address it?", "Answer:", "Annotations", "1 Subject")
    for outside in outside_turns:
        assert outside not in in_turns


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_files_decode_faithfully(tmp_path, encoding):
    path = tmp_path / "t.txt"
    path.write_bytes("Interviewer: Café – naïve?\r\nP1: Oui, café – naïve.\r\n".encode(encoding))
    parsed = read_transcript(path)
    assert parsed.text == "Interviewer: Café – naïve?\nP1: Oui, café – naïve.\n"
    assert turns_of(parsed) == [("Interviewer", "Café – naïve?"), ("P1", "Oui, café – naïve.")]


def test_old_mac_line_endings_are_normalised(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"Interviewer: Why?\rP1: Because.")
    assert read_transcript(path).text == "Interviewer: Why?\nP1: Because."


# ---------------------------------------------------------------- subtitles


def test_vtt_voice_tags_give_speakers_and_consecutive_cues_merge(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text(
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.500\n<v Ana Lee>How did you</v>\n\n"
        "00:00:02.500 --> 00:00:04.000\n<v Ana Lee>pick it?</v>\n\n"
        "00:01:02.000 --> 00:01:05.000\n<v.loud Bo>By downloads,\nmostly.</v>\n",
        encoding="utf-8",
    )
    parsed = read_transcript(path)
    assert timed_turns(parsed) == [
        ("Ana Lee", "How did you pick it?", "00:00:01"),
        ("Bo", "By downloads, mostly.", "00:01:02"),
    ]
    assert parsed.text == "Ana Lee (00:00:01):\nHow did you pick it?\n\nBo (00:01:02):\nBy downloads, mostly."


def test_vtt_name_prefixes_give_speakers_and_unlabelled_cues_continue_the_turn(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text(
        "WEBVTT\n\n"
        "1\n00:00:01.000 --> 00:00:02.000\nInterviewer: How did you\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\npick it?\n\n"
        "3\n00:00:04.000 --> 00:00:05.000\nP2: By downloads.\n",
        encoding="utf-8",
    )
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("Interviewer", "How did you pick it?"), ("P2", "By downloads.")]


def test_srt_cues_with_name_prefixes(tmp_path):
    path = tmp_path / "t.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nAna: Why?\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nBo: Because.\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nAna: Fine.\n",
        encoding="utf-8",
    )
    parsed = read_transcript(path)
    assert timed_turns(parsed) == [
        ("Ana", "Why?", "00:00:01"), ("Bo", "Because.", "00:00:03"), ("Ana", "Fine.", "00:00:05"),
    ]
    assert_exact_offsets(parsed)


def test_sbv_captions_with_chevron_names_and_unnamed_cues_that_go_on(tmp_path):
    path = tmp_path / "t.sbv"
    path.write_text(
        "0:00:00.400,0:00:03.100\n[music]\n\n"
        "0:00:03.100,0:00:06.900\n>> PRIYA: How long have you kept bees\n\n"
        "0:00:06.900,0:00:09.250\non this allotment?\n\n"
        "0:01:09.250,0:01:13.800\n>> TOM: Nineteen years.\n",
        encoding="utf-8",
    )
    parsed = read_transcript(path)
    assert timed_turns(parsed) == [
        ("PRIYA", "How long have you kept bees on this allotment?", "0:00:03"), ("TOM", "Nineteen years.", "0:01:09"),
    ]
    assert word_account(parsed).notes_text == ("[music]",)
    assert_exact_offsets(parsed)


def test_an_sbv_cue_that_ends_before_it_starts_names_its_line(tmp_path):
    path = tmp_path / "t.sbv"
    path.write_text("0:00:03.000,0:00:01.000\nAna: Why?\n", encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match="line 1 .*ends before it starts"):
        read_transcript(path)


_TTML = ('<?xml version="1.0" encoding="UTF-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml" '
         'xmlns:ttm="http://www.w3.org/ns/ttml#metadata"><head><metadata><ttm:title>Slow Streets 4</ttm:title>'
         '<ttm:agent xml:id="a1" type="person"><ttm:name>Nadia Berg</ttm:name></ttm:agent></metadata></head>'
         '<body><div>{}</div></body></tt>')


def test_timed_text_speakers_are_the_agents_named_in_the_head_and_word_spans_are_words_apart(tmp_path):
    path = tmp_path / "t.ttml"
    path.write_text(_TTML.format(
        '<p begin="0.3" end="2.0" ttm:agent="a1"><span>How</span><span>long</span><span>now?</span></p>'
        '<p begin="00:00:02.500" end="4.0" ttm:agent="SPEAKER_2">Eleven years<br/>this September.</p>'
        '<p begin="75.2s" end="80.0"><span ttm:agent="SPEAKER_2">Same corner.</span></p>'
        '<p begin="81.0" end="83.0">Nadia Berg: Thank you.</p>'), encoding="utf-8")
    parsed = read_transcript(path)
    assert timed_turns(parsed) == [
        ("Nadia Berg", "How long now?", "0:00:00"), ("SPEAKER_2", "Eleven years this September. Same corner.", "0:00:02"),
        ("Nadia Berg", "Thank you.", "0:01:21"),
    ]
    assert parsed.header == "Slow Streets 4"
    assert_exact_offsets(parsed)


@pytest.mark.parametrize("content, problem", [
    ("<html><body><p>Hello</p></body></html>", "not a timed-text file"),
    ("<tt><body><div><p>unclosed", "not a timed-text file"),
    ('<!DOCTYPE tt [<!ENTITY a "aaaa">]><tt><body><div><p>&a;</p></div></body></tt>', "not a timed-text file"),
    ('<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="1"> </p></div></body></tt>', "no cues with text"),
])
def test_a_file_that_is_not_timed_text_is_refused_in_one_line(tmp_path, content, problem):
    path = tmp_path / "t.ttml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match=problem):
        read_transcript(path)


# ---------------------------------------------------------------- survey CSV


def test_survey_csv_groups_responses_by_participant_with_questions(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(
        "Participant,Question,Response\n"
        "P1,Why?,Because it is fast.\n"
        "P2,Why?,\"Cheap,\nand good.\"\n"
        "P1,Anything else?,No.\n",
        encoding="utf-8",
    )
    responses = read_survey_csv(path)
    assert [response.participant for response in responses] == ["P1", "P2"]
    first = responses[0].parsed
    assert [(t.speaker, t.role_hint, first.turn_text(t)) for t in first.turns] == [
        ("Interviewer", "interviewer", "Why?"),
        ("P1", "participant", "Because it is fast."),
        ("Interviewer", "interviewer", "Anything else?"),
        ("P1", "participant", "No."),
    ]
    assert turns_of(responses[1].parsed)[-1] == ("P2", "Cheap,\nand good.")
    assert main_interviewer(assign_roles(first)) == "Interviewer"


def test_survey_csv_uses_the_single_other_column_as_responses(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("participant,Comments\n7,Too slow.\n", encoding="utf-8")
    [response] = read_survey_csv(path)
    assert turns_of(response.parsed) == [("7", "Too slow.")]


@pytest.mark.parametrize(
    "content,problem",
    [
        ("name,response\nP1,Yes\n", "no 'participant' column"),
        ("participant,age,comment\nP1,30,Yes\n", "no 'response' column"),
        ("participant,response\n,Yes\n", "line 2 has a response but no participant"),
        ("participant,response\n", "contains no responses"),
    ],
)
def test_unusable_survey_csv_is_refused(tmp_path, content, problem):
    path = tmp_path / "survey.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptFormatError) as raised:
        read_survey_csv(path)
    assert raised.value.path == str(path) and problem in raised.value.problem


# ---------------------------------------------------------------- interviewer and speakers


def parsed_from(turns: list[tuple[str, str]], role_hints: dict[str, str] | None = None) -> ParsedTranscript:
    text, built = "", []
    for speaker, body in turns:
        text += f"{speaker}: "
        built.append(Turn(speaker, len(text), len(text) + len(body), role_hint=(role_hints or {}).get(speaker)))
        text += body + "\n"
    return ParsedTranscript(text, tuple(built), {})


def test_speakers_in_order_of_first_appearance():
    assert speakers(parsed_from([("B", "x"), ("A", "y"), ("B", "z")])) == ["B", "A"]


@pytest.mark.parametrize(
    "turns,role_hints,expected",
    [
        # B asks in 2 of 2 turns with 3 of 5 words (lead 1 - 0.3 = 0.7); A in 1 of 2 with 2 of 5 (0.5 - 0.2 = 0.3)
        ([("A", "Fine."), ("B", "Why? How?"), ("A", "Ok?")], None, "B"),
        ([("A", "Why?"), ("B", "How?")], None, None),  # a tie: no interviewer, whoever speaks first
        ([("A", "Fine."), ("B", "Sure.")], None, None),  # no questions: no interviewer
        ([("A", "Why? How?"), ("Int", "Go on.")], None, "Int"),  # a role label wins outright
        ([("A", "Why? How?"), ("B", "Go on.")], {"B": "interviewer"}, "B"),  # so does a reader's role hint
        ([("A", "Why?"), ("A", "How?")], None, None),  # one speaker: no interviewer
    ],
)
def test_the_interviewer_of_read_turns(turns, role_hints, expected):
    assert main_interviewer(assign_roles(parsed_from(turns, role_hints))) == expected


def test_a_given_interviewer_matches_the_label_case_insensitively():
    parsed = parsed_from([("Speaker 1", "Why?"), ("Speaker 2", "Ok.")])
    assert main_interviewer(assign_roles(parsed, {"speaker 2": "interviewer"})) == "Speaker 2"


def test_a_given_speaker_not_in_the_transcript_is_reported():
    parsed = parsed_from([("Speaker 1", "Why?"), ("Speaker 2", "Ok.")])
    assert unmatched_speakers(parsed, ["Speaker 3", "speaker 1"]) == ["Speaker 3"]


# ---------------------------------------------------------------- bad input


def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + "]>"
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


def zip_bomb_docx(path: Path, zeros_megabytes: int) -> Path:
    members = docx_members(["Speaker 1:", "Hello."])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            for _ in range(zeros_megabytes):
                member.write(bytes(1 << 20))
    return path


def damaged(data: bytes) -> bytes:
    """The zip's directory intact but its first member's compressed bytes zeroed."""
    return data[:60] + bytes(400) + data[460:]


BAD_INPUTS = {
    "random bytes as docx": ("t.docx", lambda p: p.write_bytes(bytes(range(256)) * 8), "not a zip archive"),
    "text file named docx": ("t.docx", lambda p: p.write_text("Speaker 1: hi"), "not a zip archive"),
    "truncated docx": (
        "t.docx",
        lambda p: p.write_bytes(damaged(write_docx(p, ["Speaker 1:", "Hi."]).read_bytes())),
        "the zip archive is corrupt",
    ),
    "zip without a Word document": ("t.docx", lambda p: write_zip(p, {"a.txt": b"hello"}), "not a Word document"),
    "zip bomb, huge": ("t.docx", lambda p: zip_bomb_docx(p, 300), "zip bomb"),
    "zip bomb, highly compressed": ("t.docx", lambda p: zip_bomb_docx(p, 60), "zip bomb"),
    "entity declarations (billion laughs)": (
        "t.docx",
        lambda p: write_zip(p, {**docx_members(["Hi."]), "word/document.xml": billion_laughs()}),
        "billion laughs",
    ),
    "malformed document.xml": (
        "t.docx",
        lambda p: write_zip(p, {**docx_members(["Hi."]), "word/document.xml": b"<w:document"}),
        "not well-formed XML",
    ),
    "docx without paragraphs": ("t.docx", lambda p: docx.Document().save(p), "contains no transcript text"),
    "docx of empty paragraphs": ("t.docx", lambda p: write_docx(p, ["", "  ", ""]), "contains no transcript text"),
    "empty txt": ("t.txt", lambda p: p.write_bytes(b""), "is empty"),
    "blank txt": ("t.txt", lambda p: p.write_text(" \n\n\t\n"), "is empty"),
    "header only": ("t.txt", lambda p: p.write_text("Name: x\nDate: 2022-07-15\n"), "contains no transcript text"),
    "binary txt": ("t.txt", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20), "binary data"),
    "binary txt without NUL": ("t.txt", lambda p: p.write_bytes(bytes(range(1, 32)) * 30), "binary data"),
    "vtt cut in a timing line": (
        "t.vtt",
        lambda p: p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi.\n\n00:00:03.000 --> 00:0"),
        "malformed cue",
    ),
    "vtt cut before the arrow": (
        "t.vtt",
        lambda p: p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi.\n\n00:00:03.0"),
        "without a 'start --> end' timing line",
    ),
    "vtt without header": (
        "t.vtt", lambda p: p.write_text("00:00:01.000 --> 00:00:02.000\nHi.\n"), "'WEBVTT' line"
    ),
    "vtt without cues": ("t.vtt", lambda p: p.write_text("WEBVTT\n"), "no captions"),
    "srt cut in a timing line": (
        "t.srt",
        lambda p: p.write_text("1\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:00:03,0"),
        "without a 'start --> end' timing line",
    ),
    "unknown suffix": (
        "t.wpd", lambda p: p.write_text("Speaker 1: hi"), "unsupported file type '.wpd'; supported: .ass, .cha, .csv, .dfxp, .doc"
    ),
    "csv as a transcript": ("t.csv", lambda p: p.write_text("participant,response\nP1,Yes\n"), "survey responses"),
    "a folder": ("t.txt", lambda p: p.mkdir(), "is a folder"),
}


@pytest.mark.parametrize("name,write,problem", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_naming_file_and_problem(tmp_path, name, write, problem):
    path = tmp_path / name
    write(path)
    with pytest.raises(TranscriptFormatError) as raised:
        read_transcript(path)
    assert raised.value.path == str(path)
    assert problem in raised.value.problem
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(TranscriptFormatError, match="file not found"):
        read_transcript(tmp_path / "missing.txt")


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = write_txt(tmp_path / "t.txt", ["Speaker 1: " + "words " * 20])
    with pytest.raises(TranscriptFormatError, match=r"is 131 bytes, over the 100 bytes limit"):
        read_transcript(path, max_bytes=100)


# ---------------------------------------------------------------- round trip (property)


NOTES_HEADING = re.compile(r"(annotations?|memos?|notes?|comments?)[: ]*", re.IGNORECASE)
RULE_OR_HEADING = re.compile(r"#{1,6}[ \t]+\S.*|---+|\*\*\*+|___+")  # Markdown's: it ends a turn, kept as a note
SPEAKER_LABELS = ["Interviewer", "P1", "P12", "Speaker 2", "Dr. Ana Lee", "José"]
ROLE_LIKE = {"Interviewer", "P1", "P12", "Speaker 2"}
characters = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t")
first_line = st.text(characters, min_size=1, max_size=40)
# Later lines hold no colon: a line that starts "Word: ..." reads as a new turn, by design.
later_line = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=":"), max_size=40)
bodies = st.builds(lambda first, rest: "\n".join([first, *rest]), first_line, st.lists(later_line, max_size=3))


# Derandomized: CI must not fail on a case found by chance; a case found so is added as an example.
@settings(max_examples=200, deadline=None, derandomize=True)
@given(turns=st.lists(st.tuples(st.sampled_from(SPEAKER_LABELS), bodies), min_size=1, max_size=8))
@example(turns=[("Interviewer", "0"), ("P1", "0"), ("P12", "0\n\n0")])  # once read as a header record
# bodies of digits alone: the first two once read as a header (a cast list), outside any turn
@example(turns=[("Interviewer", "0"), ("P12", "0\n0"), ("P1", "0"), ("P1", "0")])
@example(turns=[("Interviewer", "0"), ("P1", "0"), ("P12", "0\n0"), ("Speaker 2", "0"), ("Speaker 2", "0")])
def test_name_colon_text_round_trips(tmp_path_factory, turns):
    turns = [(speaker, body.strip()) for speaker, body in turns]
    # A body of invisible marks alone (U+200E, U+061C: format characters) is no speech: the label
    # stands alone and is kept as text under Unknown, by design.
    assume(all(any(not unicodedata.category(ch).startswith(("C", "Z")) for ch in body) for _, body in turns))
    # A notes heading line ("Memo", "Notes") ends all speech, by design.
    assume(not any(NOTES_HEADING.fullmatch(line.strip()) for _, body in turns for line in body.split("\n")))
    # A later line that is a Markdown rule or heading ('___', '***', '## Part 2') ends the turn, by design
    # (a section break; the word account keeps it as a note). Seen in CI: ("Interviewer", "0\n___").
    assume(not any(RULE_OR_HEADING.fullmatch(line.strip()) for _, body in turns for line in body.split("\n")[1:]))
    named = [speaker for speaker, _ in turns if speaker not in ROLE_LIKE]
    assume(all(named.count(speaker) > 1 for speaker in named))  # a lone "Name:" may be a sentence
    path = tmp_path_factory.mktemp("roundtrip") / "t.txt"
    path.write_text("\n".join(f"{speaker}: {body}" for speaker, body in turns), encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == turns
    assert_exact_offsets(parsed)


# ---------------------------------------------------------------- real transcripts


@pytest.fixture
def real_transcripts() -> Path:
    if not REAL_TRANSCRIPTS.is_dir():
        pytest.skip(f"real transcripts not found at {REAL_TRANSCRIPTS} (set STUDY_REAL_TRANSCRIPTS)")
    return REAL_TRANSCRIPTS


SPEAKER_LABEL = re.compile(r"Speaker \d+:")


def spoken_text(paragraph) -> str:
    """A paragraph's text as spoken: without the authors' raised note numbers ("…hub.¹"), each a
    digits-only run set superscript or lifted (w:position)."""
    def note_number(run) -> bool:
        lifted = run._r.rPr is not None and run._r.rPr.find(qn("w:position")) is not None
        return run.text.strip().isdigit() and (bool(run.font.superscript) or lifted)

    return "".join(run.text for run in paragraph.runs if not note_number(run))


def transcript_paragraphs(path: Path) -> list[str]:
    """The paragraphs from the first speaker label to the authors' "Annotations", read independently."""
    texts = [spoken_text(paragraph) for paragraph in docx.Document(path).paragraphs]
    first = next(index for index, text in enumerate(texts) if SPEAKER_LABEL.match(text))
    return texts[first:texts.index("Annotations")]


@pytest.mark.parametrize(
    "name,inaudible_marks",  # marks counted in Word: 8 in Interview-02, none in Interview-05
    [("Interview-02-20220704.docx", 8), ("Interview-05-20220715.docx", 0)],
)
def test_real_rev_transcripts(real_transcripts, name, inaudible_marks):
    path = real_transcripts / name
    parsed = read_transcript(path)
    paragraphs = transcript_paragraphs(path)
    assert len(parsed.turns) == sum(1 for text in paragraphs if SPEAKER_LABEL.match(text))
    assert speakers(parsed) == ["Speaker 1", "Speaker 2"]
    assert main_interviewer(assign_roles(parsed)) == "Speaker 1"
    assert parsed.text.count("[inaudible 00:") == inaudible_marks
    spoken = "".join(SPEAKER_LABEL.sub("", text, count=1) for text in paragraphs)
    assert "".join("".join(parsed.turn_text(turn) for turn in parsed.turns).split()) == "".join(spoken.split())
    assert_exact_offsets(parsed)


def test_real_transcript_alternates_speakers_mostly(real_transcripts):
    parsed = read_transcript(real_transcripts / "Interview-02-20220704.docx")
    changes = sum(a.speaker != b.speaker for a, b in zip(parsed.turns, parsed.turns[1:]))
    assert changes >= 0.9 * (len(parsed.turns) - 1)


def test_real_transcript_header_is_metadata(real_transcripts):
    parsed = read_transcript(real_transcripts / "Interview-05-20220715.docx")
    assert parsed.metadata["Name"] == "Interview-05-20220715"
    assert parsed.metadata["Created By"] == "WJ"
    assert parsed.text.startswith("Speaker 1:\n")
    assert "Created On" not in parsed.text


def test_real_protocol_transcript(real_transcripts):
    path = real_transcripts / "Interview-01-20200703.docx"
    parsed = read_transcript(path)
    assert {(turn.speaker, turn.role_hint) for turn in parsed.turns} == {
        ("Interviewer", "interviewer"), ("Participant", "participant"),
    }
    answers = [parsed.turn_text(turn) for turn in parsed.turns if turn.speaker == "Participant"]
    answer_lines = [
        line.split(":", 1)[1].strip()
        for paragraph in docx.Document(path).paragraphs
        for line in spoken_text(paragraph).split("\n")
        if line.startswith("Answer:")
    ]
    assert answer_lines and all(any(line in answer for answer in answers) for line in answer_lines)
    assert "Could you briefly describe your role in your team?" in [parsed.turn_text(t) for t in parsed.turns]
    assert "NPM defines the following attributes" in parsed.text  # from a table
    assert main_interviewer(assign_roles(parsed)) == "Interviewer"
