"""Subtitle cues holding two speakers' lines, each opened by a dash ('- Is it far?' / '- Twenty minutes.', also '-',
'--' and '–' without or with a space): the dash says the speaker changed, not who speaks. Between a file's two named
speakers the parts alternate; otherwise they are separate turns of two unnamed voices taking turns, never the words
of the speaker before them, and a warning says how many there are. Expected turns are written by hand."""
from __future__ import annotations

import pytest

from study.transcripts import read_transcript
from study.transcripts.accounting import word_account

THREE_NAMED = """1
00:00:01,000 --> 00:00:03,000
MAYA: We should go before it rains.

2
00:00:03,500 --> 00:00:05,000
- Is it far?
- Twenty minutes.

3
00:00:05,500 --> 00:00:07,000
TOM: Then we leave now.

4
00:00:07,500 --> 00:00:09,000
LENA: Wait for me.
"""

NONE_NAMED = """WEBVTT

00:00:01.000 --> 00:00:03.000
-Where were you?
-At the station, waiting
for the last train.

00:00:03.500 --> 00:00:05.000
It never came.

00:00:05.500 --> 00:00:07.000
Nobody told us.
-- That's the usual story.

00:00:07.500 --> 00:00:09.000
– So we walked.
– All the way?
"""


def _read(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_transcript(path)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, " ".join(parsed.turn_text(t).split())) for t in parsed.turns]


def test_a_dashed_exchange_among_three_named_speakers_is_given_to_none_of_them(tmp_path):
    parsed = _read(tmp_path, "walk.srt", THREE_NAMED)
    assert _turns(parsed) == [
        ("MAYA", "We should go before it rains."),
        ("Speaker A", "Is it far?"),
        ("Speaker B", "Twenty minutes."),
        ("TOM", "Then we leave now."),
        ("LENA", "Wait for me."),
    ]
    assert any("2 parts" in w and "(5 words)" in w and "name each after import" in w for w in parsed.warnings)


def test_dashes_of_every_kind_split_a_cue_and_a_wrapped_line_stays_with_its_part(tmp_path):
    parsed = _read(tmp_path, "station.vtt", NONE_NAMED)
    assert _turns(parsed) == [
        ("Speaker A", "Where were you?"),
        ("Speaker B", "At the station, waiting for the last train. It never came."),  # goes on after the exchange
        ("Speaker A", "Nobody told us."),  # a first line without a dash, ending a sentence: one speaker
        ("Speaker B", "That's the usual story."),
        ("Speaker A", "So we walked."),
        ("Speaker B", "All the way?"),
    ]
    account = word_account(parsed)
    assert account.speech == 3 + 8 + 3 + 3 + 5 + 3 + 3  # "That's" is two words


@pytest.mark.parametrize("line", ["- 5 degrees below, and falling.", "-20 at night."])
def test_a_minus_sign_before_a_number_is_no_change_of_speaker(tmp_path, line):
    parsed = _read(tmp_path, "cold.srt", f"1\n00:00:01,000 --> 00:00:03,000\nDANA: It was cold.\n{line}\n")
    assert [speaker for speaker, _ in _turns(parsed)] == ["DANA"]


def test_between_a_file_s_two_speakers_the_dashed_parts_alternate(tmp_path):
    text = ("1\n00:00:01,000 --> 00:00:02,000\nDEV: Ready?\n\n2\n00:00:02,500 --> 00:00:04,000\n- Is it on?\n"
            "- It's on. Go.\n\n3\n00:00:04,500 --> 00:00:06,000\nThen I start.\n\n"
            "4\n00:00:06,500 --> 00:00:08,000\nMARIA: Fine.\n")
    parsed = _read(tmp_path, "two.srt", text)
    # a dash says the speaker changed: the first part is MARIA's, the next DEV's, who goes on in the cue after
    assert _turns(parsed) == [("DEV", "Ready?"), ("MARIA", "Is it on?"), ("DEV", "It's on. Go. Then I start."),
                              ("MARIA", "Fine.")]


def test_a_dash_after_a_sentence_s_end_inside_a_line_opens_the_next_speaker_s_part(tmp_path):
    text = ("1\n00:00:01,000 --> 00:00:03,000\nKako si, Vedrane? -Dobro sam.\n-A posao? -Ide polako.\n\n"
            "2\n00:00:03,500 --> 00:00:05,000\nRekao je - ne znam - da dolazi.\n")
    parsed = _read(tmp_path, "razgovor.srt", text)
    assert _turns(parsed) == [
        ("Speaker A", "Kako si, Vedrane?"),
        ("Speaker B", "Dobro sam."),
        ("Speaker A", "A posao?"),
        ("Speaker B", "Ide polako. Rekao je - ne znam - da dolazi."),  # dashes inside a sentence are punctuation
    ]
