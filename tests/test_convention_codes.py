"""Speakers heard once: coded by the transcriber ("Parent A", "Vecina 3", "Cさん", "B2") beside a coded speaker who
speaks more (a label of the same form as one that recurs is a speaker's), or listed in a cast line above the
dialogue ("Present: ...", CHAT's "@Participants:"), read so as shipped and with every named layout switched off.
Expected turns are written by hand from the text."""
from __future__ import annotations

import pytest

from study.transcripts import NAMED_LAYOUTS, read_transcript
from study.transcripts.labels import label_family

BOTH = pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])


def _turns(tmp_path, text: str, without) -> list[tuple[str, str]]:
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    parsed = read_transcript(path, without=without)
    return [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]


@BOTH
@pytest.mark.parametrize("codes, colon", [
    (("Parent A", "Parent B", "Parent C"), ": "),  # a word and a letter
    (("Mother 1", "Father 2", "Mother 3"), ": "),  # the word changes with the speaker's gender, the number counts
    (("Vecina 1", "Vecino 2", "Vecina 3"), ": "),
    (("A1", "B2", "C3"), "："),  # group letter and seat number, full-width colon
    (("Aさん", "Bさん", "Cさん"), "："),  # anonymised Japanese participants
])
def test_coded_participants_heard_once_are_speakers(tmp_path, without, codes, colon):
    first, second, third = codes
    said = [("Moderator", "Thanks for coming. How do mornings go?"), (first, "Chaos, two kids and one bathroom."),
            ("Moderator", "Anyone else?"), (second, "Same here, the bus comes at seven."),
            (third, "We walk, it is only four blocks."), ("Moderator", "What would help?"),
            (first, "A later start, honestly.")]
    text = "Focus group 2, parents\n" + "".join(f"{name}{colon}{words}\n" for name, words in said)
    assert _turns(tmp_path, text, without) == said


@BOTH
def test_a_sentence_opened_by_a_word_and_a_colon_is_not_taken_for_a_coded_speaker(tmp_path, without):
    # "Honestly:" has no number nor lone letter: its form is no coded label's
    said = [("Parent A", "Mornings are hard.\nHonestly: the bus is the problem."), ("Moderator", "Why?"),
            ("Parent A", "It comes too early."), ("Moderator", "Thanks.")]
    text = "Interview 4\n" + "".join(f"{name}: {words}\n" for name, words in said)
    assert _turns(tmp_path, text, without) == said


@pytest.mark.parametrize("name, family", [
    ("Mother 1", "W 9"), ("Father 2", "W 9"), ("Parent B", "W A"), ("B2", "A9"), ("Bさん", "Aさん"), ("TN12", "W9"),
    ("Moderator", None), ("Ana Ruiz", None), ("主持人", None),
])
def test_the_form_of_a_coded_label(name, family):
    # numbers are 9, a Latin letter alone A, a Latin word W (compared in lower case); no code, no family
    assert label_family(name) == family


@BOTH
@pytest.mark.parametrize("cast", ["Present: Moderator (Jo Lane), Tomas, Rekha, Wen", "Participants: Tomas, Rekha and Wen"])
def test_speakers_a_cast_line_lists_are_speakers_heard_once(tmp_path, without, cast):
    said = [("Moderator", "What brings you here?"), ("Tomas", "The newspapers."), ("Rekha", "Homework club."),
            ("Moderator", "Anything missing?"), ("Tomas", "Longer hours."), ("Wen", "A quiet room."),
            ("Moderator", "Thanks.")]
    text = f"Focus group 4\n{cast}\n\n" + "".join(f"{name}: {words}\n" for name, words in said)
    assert _turns(tmp_path, text, without) == said  # the cast line's key ("Present") is no one


@BOTH
def test_a_chat_tier_heard_once_is_its_speakers(tmp_path, without):
    # "*MOT:" opens with the speakers' symbol: a speaker, though heard once; "%com:" is an annotation tier
    text = ("@Begin\n@Participants:\tCHI Target_Child, MOT Mother, INV Investigator\n*INV:\twhat is he called ?\n"
            "*CHI:\tBiscuit .\n*MOT:\ttell her about the beach .\n%com:\tpoints at the bear\n*CHI:\the fell in .\n"
            "*INV:\toh no !\n*CHI:\tyes .\n@End\n")
    assert _turns(tmp_path, text, without) == [("INV", "what is he called ?"), ("CHI", "Biscuit ."),
                                               ("MOT", "tell her about the beach ."), ("CHI", "he fell in ."),
                                               ("INV", "oh no !"), ("CHI", "yes .")]
