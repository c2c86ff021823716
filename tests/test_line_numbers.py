"""Line numbers in the margin (court transcripts, depositions, conversation analysis, thesis appendices number every
line) are learned from the document: when they count its lines one by one they are nobody's speech, read as spaces
so that every offset stays; numbers that do not count the lines stay text. As shipped and with every named layout
off. Expected turns are written by hand from the text each test writes."""
from __future__ import annotations

import re

import pytest

from study.transcripts import NAMED_LAYOUTS, read_transcript
from study.transcripts.accounting import word_account, word_count

BOTH = pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])

DEPOSITION = """                                        Page 14
 1   Q.  Mr. Dunmore, how long had you kept bees on the
 2       allotment before the complaint?
 3   A.  About nine years. I started with two hives my father
 4       left me.
 5   MR. HALE:  Objection. Form.
 6   Q.  You may answer.
 7   A.  Six hives, which is the most the rules allow.

                                        Page 15
 1   Q.  Did any neighbour raise a concern with you?
 2   A.  Mrs. Tolley mentioned once that a swarm had landed
 3       on her shed.
"""

APPENDIX = """Interview 4, Pflegedienst Nord
1\tI: Wie sieht ein typischer Tag bei Ihnen aus?
2\tB: Ich fange um sechs an, mit der ersten Tour. Das sind
3\tmeistens acht bis zehn Patienten.
4\tI: Und wie planen Sie die Tour?
5\tB: Die Tour kommt vom Büro aufs Tablet. Aber wenn
6\tFrau Albers anruft, fahre ich zuerst zu ihr.
"""


def _read(tmp_path, text: str, without=()):
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    return read_transcript(path, without=without)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, " ".join(parsed.turn_text(t).split())) for t in parsed.turns]


@BOTH
def test_a_deposition_s_line_numbers_are_no_one_s_words(tmp_path, without):
    parsed = _read(tmp_path, DEPOSITION, without)
    said = [(speaker, text) for speaker, text in _turns(parsed)]
    assert said == [
        ("Interviewer", "Mr. Dunmore, how long had you kept bees on the allotment before the complaint?"),
        ("Participant", "About nine years. I started with two hives my father left me."),
        ("MR. HALE", "Objection. Form."),
        ("Interviewer", "You may answer."),
        ("Participant", "Six hives, which is the most the rules allow."),
        ("Interviewer", "Did any neighbour raise a concern with you?"),
        ("Participant", "Mrs. Tolley mentioned once that a swarm had landed on her shed."),
    ]


@BOTH
def test_line_numbers_in_a_tab_column_leave_the_turns_and_keep_every_offset(tmp_path, without):
    parsed = _read(tmp_path, APPENDIX, without)
    assert _turns(parsed) == [
        ("I", "Wie sieht ein typischer Tag bei Ihnen aus?"),
        ("B", "Ich fange um sechs an, mit der ersten Tour. Das sind meistens acht bis zehn Patienten."),
        ("I", "Und wie planen Sie die Tour?"),
        ("B", "Die Tour kommt vom Büro aufs Tablet. Aber wenn Frau Albers anruft, fahre ich zuerst zu ihr."),
    ]
    read = parsed.header + parsed.text
    assert len(read) == len(APPENDIX)  # each number read as spaces: the lines keep their places
    assert [len(line) for line in read.split("\n")] == [len(line) for line in APPENDIX.split("\n")]
    assert any("numbered in the margin (1-6, 6 lines)" in warning for warning in parsed.warnings)
    assert [number for _, number in parsed.margin] == ["1", "2", "3", "4", "5", "6"]  # kept, with their places
    assert all(parsed.text[at] == " " and parsed.text[at + 1] == "\t" for at, _ in parsed.margin)
    assert word_account(parsed).total == word_count(APPENDIX)  # every word accounted for, the numbers as marks


@BOTH
def test_numbers_that_do_not_count_the_lines_stay_words(tmp_path, without):
    # years and amounts open these lines; they do not go up by one from line to line
    text = ("Interviewer: What happened when?\nParticipant: Let me list it.\n1962 we moved to the coast.\n"
            "1968 my brother was born.\n1975 we bought the boat.\n12 of us worked on it.\n"
            "Interviewer: And then?\nParticipant: 1980 it sank.\n")
    parsed = _read(tmp_path, text, without)
    assert "1962 we moved" in parsed.turn_text(parsed.turns[1]) and "1980 it sank" in parsed.turn_text(parsed.turns[3])
    assert not any("numbered" in warning for warning in parsed.warnings)


def test_a_numbered_turn_list_is_not_a_margin_when_the_numbers_skip(tmp_path):
    # turns numbered by the transcriber ("12 Interviewer: ...") count turns, not lines: an answer over two lines
    text = "".join(f"{n} {line}\n" for n, line in [(1, "Interviewer: Where were you born?"),
                                                   (2, "Participant: In Porto, near the river."),
                                                   (3, "Interviewer: And your parents?"),
                                                   (4, "Participant: My father fished.")])
    text = text.replace("Porto, near", "Porto,\nnear").replace("father fished", "father\nfished")
    text += "5 Interviewer: Thank you.\n7 Participant: Thank you too.\n9 Interviewer: Goodbye.\n"
    parsed = _read(tmp_path, text)
    assert re.match(r"\d", parsed.text)  # kept: they skip as often as they count


HEARING = """Hearing of the Allotments Committee, 4 March
    CHAIR: Mrs. Tolley, you have kept the allotment since
    when?
    MRS TOLLEY: Since my husband retired, so it must be
  5 nearly twenty years. Before that it was his.
    CHAIR: And the bees?
    MRS TOLLEY: The bees came later.
15 years ago, I think, a swarm settled in the hedge and
    Mr. Dunmore collected it.
 10 CHAIR: Did that cause any trouble?
    MRS TOLLEY: None at all at first. The trouble began
    when he put up the third hive.
    CHAIR: Thank you.
    MR DUNMORE: May I add something?
 15 CHAIR: Briefly, please.
"""


@BOTH
def test_numbers_on_every_fifth_line_are_margin_but_a_number_opening_an_answer_is_speech(tmp_path, without):
    parsed = _read(tmp_path, HEARING, without)
    assert [number for _, number in parsed.margin] == ["5", "10", "15"]
    assert all(HEARING[offset:offset + len(number)] == number for offset, number in parsed.margin)
    assert len(parsed.text) == len(HEARING)
    assert _turns(parsed)[1:4] == [
        ("MRS TOLLEY", "Since my husband retired, so it must be nearly twenty years. Before that it was his."),
        ("CHAIR", "And the bees?"),
        ("MRS TOLLEY", "The bees came later. 15 years ago, I think, a swarm settled in the hedge and "
                       "Mr. Dunmore collected it."),
    ]
    assert _turns(parsed)[4] == ("CHAIR", "Did that cause any trouble?")
    assert word_account(parsed).total == word_count(HEARING)  # every word accounted for, the numbers as marks
    assert word_account(parsed).labels == 5 + 3 * 2 + 2 + 3  # CHAIR x5, MRS TOLLEY x3, MR DUNMORE, 3 numbers


def test_every_fifth_line_numbered_restarting_on_each_page_counting_lines_with_words(tmp_path):
    page = ("    Q.  Where did the swarm settle?\n\n    A.  On the hedge by the shed,\n\n    low down.\n\n"
            "    Q.  Who collected it?\n\n    A.  Mr. Dunmore did.\n\n    Q.  When?\n\n    A.  That evening.\n\n"
            "    Q.  Was anyone stung?\n\n    A.  Not that I know of.\n\n    Q.  Thank you.\n\n")
    lines = page.split("\n")
    worded = [i for i, line in enumerate(lines) if line.strip()]
    for place in (4, 9):  # the 5th and the 10th line with words
        lines[worded[place]] = f"{place + 1:>2}" + lines[worded[place]][2:]
    text = "\n".join(lines) * 2
    parsed = _read(tmp_path, text)
    assert [number for _, number in parsed.margin] == ["5", "10", "5", "10"]
    said = [text for _, text in _turns(parsed)]
    assert said[:2] == ["Where did the swarm settle?", "On the hedge by the shed, low down."]
    assert "Mr. Dunmore did." in said and not any(s.startswith(("5", "10")) for s in said)


def test_a_few_numbers_at_line_starts_that_do_not_keep_step_stay_speech(tmp_path):
    text = ("I: How long did it take?\nB: About five years.\n10 of us started, 5 stayed.\n"
            "I: And then?\nB: 20 more joined.\nI: Why?\nB: 15 reasons, at least.\n")
    parsed = _read(tmp_path, text)
    assert parsed.margin == ()
    assert "10 of us started, 5 stayed." in " ".join(parsed.turn_text(t) for t in parsed.turns)
