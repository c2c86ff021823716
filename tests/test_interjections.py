"""A speaker's interjection set in brackets inside another's turn ('sixteen [DAVIS: Sixteen!] and') is that speaker's
turn, the turn around it its own speaker's; names the document gives no turn ('[Note: ...]') stay in the turn. As
shipped and with every named layout off. Expected turns are written by hand from the text each test writes."""
from __future__ import annotations

import pytest

from study.transcripts import NAMED_LAYOUTS, read_transcript
from study.transcripts.accounting import word_account, word_count

BOTH = pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])

ORAL_HISTORY = """Oral history of Ellen Roberts

ROBERTS: I left school when I was sixteen.

DAVIS: Sixteen?

ROBERTS: Yes. I went to the mill at sixteen [DAVIS: Sixteen!] and I stayed there thirty years. My mother [Davis: Mm-hmm.] worked there too.

DAVIS: What was the work like?

ROBERTS: Loud. [Note: machines in the background.] We learned to lip-read.
"""


def _read(tmp_path, text: str, without=()):
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    return read_transcript(path, without=without)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]


@BOTH
def test_a_bracketed_interjection_is_its_speaker_s_turn_in_its_place(tmp_path, without):
    parsed = _read(tmp_path, ORAL_HISTORY, without)
    assert _turns(parsed) == [
        ("ROBERTS", "I left school when I was sixteen."), ("DAVIS", "Sixteen?"),
        ("ROBERTS", "Yes. I went to the mill at sixteen"), ("DAVIS", "Sixteen!"),
        ("ROBERTS", "and I stayed there thirty years. My mother"), ("DAVIS", "Mm-hmm."), ("ROBERTS", "worked there too."),
        ("DAVIS", "What was the work like?"),
        ("ROBERTS", "Loud. [Note: machines in the background.] We learned to lip-read."),  # a note names no speaker
    ]
    assert word_account(parsed).total == word_count(ORAL_HISTORY)  # the names in brackets: labels, not lost


@BOTH
def test_a_role_label_in_brackets_interjects_even_before_it_speaks_alone(tmp_path, without):
    text = ("I: Wie war der erste Tag?\nB: Schwierig. Ich kannte niemanden [I: Mhm.] und die Maschinen waren laut.\n"
            "I: Und dann?\nB: Dann wurde es besser.\n")
    assert _turns(_read(tmp_path, text, without)) == [
        ("I", "Wie war der erste Tag?"), ("B", "Schwierig. Ich kannte niemanden"), ("I", "Mhm."),
        ("B", "und die Maschinen waren laut."), ("I", "Und dann?"), ("B", "Dann wurde es besser.")]


def test_a_speaker_quoting_themself_or_a_stranger_keeps_the_turn_whole(tmp_path):
    text = ("Interviewer: What did he say?\nAna: He said [Bob: go home] and I said (Ana: no).\n"
            "Interviewer: And then?\nAna: Nothing.\n")
    parsed = _read(tmp_path, text)
    assert _turns(parsed)[1] == ("Ana", "He said [Bob: go home] and I said (Ana: no).")
