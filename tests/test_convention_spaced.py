"""Role labels with no mark between label and words ("Interviewer How did you start?"), as a PDF's text gives a
transcript typed as a table with a label column: read as shipped and with every named layout switched off.
Expected turns are written by hand from the text each test writes."""
from __future__ import annotations

import pytest

from study.transcripts import NAMED_LAYOUTS, read_transcript

BOTH = pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])


def _read(tmp_path, text: str, without):
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    return read_transcript(path, without=without)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]


@BOTH
@pytest.mark.parametrize("asking, answering", [("Interviewer", "Respondent"), ("Entrevistadora", "Entrevistado"),
                                               ("Moderator", "Participant 3"), ("I", "R")])
def test_a_role_label_then_a_space_opens_a_turn_and_wrapped_lines_go_on(tmp_path, without, asking, answering):
    said = [(asking, "How did you start at the port?"), (answering, "My father worked there, so I followed\nhim."),
            (asking, "What did you do first?"), (answering, "I counted boxes.")]
    text = "Interview 3\nSpeaker Transcript\n" + "".join(f"{name} {words}\n" for name, words in said)
    parsed = _read(tmp_path, text, without)
    assert _turns(parsed) == said  # "Speaker Transcript", the table's header row, is no one's turn


@BOTH
def test_lines_of_prose_opened_by_i_are_not_labelled(tmp_path, without):
    # "I think", "I remember" in a row, "R and M stayed": letters that do not take turns are words
    text = ("I think the port changed everything.\nI remember my father coming home late.\nWe lived near the docks.\n"
            "I never liked the noise.\nR and M stayed, though.\n")
    assert {t.speaker for t in _read(tmp_path, text, without).turns} == {"Unknown"}


@BOTH
def test_tab_separated_cells_stay_a_tables(tmp_path, without):
    # a Word table's rows come as tab-separated lines, its header row included: the cells' convention reads them
    text = "Sprecher\tTranskript\nInterviewer\tWie kamen Sie dazu?\nBefragte\tÜber meine Tochter.\n" \
           "Interviewer\tUnd dann?\nBefragte\tDann blieb ich.\n"
    assert [t.speaker for t in _read(tmp_path, text, without).turns] == ["Interviewer", "Befragte"] * 2


@BOTH
@pytest.mark.parametrize("asking, answering", [("I", "B"), ("X", "Y"), ("E", "T")])
def test_letters_that_take_turns_are_speakers_whatever_the_letter(tmp_path, without, asking, answering):
    # German 'I'/'B' (Interviewer, Befragte/r), and letters no role list names: learned from their alternation
    said = [(asking, "Wie sind Sie zur Pflege gekommen?"), (answering, "Eigentlich über meine Mutter, die war auch\nKrankenschwester."),
            (asking, "Und dann direkt nach der Schule?"), (answering, "Nein, erst hab ich eine Lehre gemacht."),
            (asking, "Gibt es auch Schattenseiten?"), (answering, "Natürlich, die Zeit.")]
    text = "Interview 4, ambulanter Dienst\n\n" + "".join(f"{name} {words}\n" for name, words in said)
    parsed = _read(tmp_path, text, without)
    assert _turns(parsed) == said


@BOTH
def test_a_letter_the_document_writes_as_a_word_opens_no_turn(tmp_path, without):
    # 'A lot', 'A neighbour' take turns with 'I remember' line by line; but 'a' is a word of this text, so prose
    text = ("I remember the winter of 1962 very well.\nA lot of snow fell that year, more than a man could shovel.\n"
            "I was nine years old then.\nA neighbour brought us coal on a sled.\nI still think of him.\nA kind man.\n")
    assert {t.speaker for t in _read(tmp_path, text, without).turns} == {"Unknown"}


@BOTH
@pytest.mark.parametrize("title, asking, answering", [
    ("Interview 12", "Interviewer", "Participant 3"), ("Interview 12", "Interviewer", "Respondent 12"),
    ("Focus group 2", "Moderator", "P12"), ("Interview 3", "I", "B")])
def test_a_label_before_a_colon_is_not_read_as_a_role_before_a_space(tmp_path, without, title, asking, answering):
    # a title line, then "Name: words" on every line, no blank lines: "Participant 3: ..." is not "Participant"
    # before a space with "3: ..." as speech, and the title is no one's turn
    said = [(asking, "Thanks for joining. How do you pick a model?"), (answering, "I look at the downloads first."),
            (asking, "And the license?"), (answering, "Always, before anything else."),
            (asking, "And the card?"), (answering, "Sometimes.")]
    text = f"{title}\n" + "".join(f"{name}: {words}\n" for name, words in said)
    parsed = _read(tmp_path, text, without)
    assert _turns(parsed) == said
    assert title not in "".join(parsed.turn_text(t) for t in parsed.turns)
