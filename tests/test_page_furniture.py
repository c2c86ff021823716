"""A PDF transcript's page furniture (a running title, a page number on every page) is nobody's speech:
set aside as notes, and the turn a page break cuts goes on whole (synthetic PDFs in the shape of a
university oral-history transcript, written by hand)."""
from __future__ import annotations

import re
import textwrap

from study.transcripts import read_transcript_data
from study.transcripts.accounting import word_account
from tests.fixtures.heldout.heldout_writers import pdf_bytes

_ASKED = [
    ("INTERVIEWER", "Where did you grow up, and what did your parents do for a living in those years?"),
    ("WALSH", "In a mill town on the river, the youngest of five. My father worked the looms for thirty-one years "
              "and my mother took in sewing when the mill was on short time, which was often enough."),
    ("INTERVIEWER", "Do you remember the strike?"),
    ("WALSH", "I was nine. The whole street was out. We had soup from the union hall every evening and my brother "
              "and I carried the pots home. My father never spoke about it afterwards, not once."),
]
_THEN = ["So.", "Now, thinking back to those years,", "And then, last of all:"]
TURNS = [(speaker, f"{then} {words}") for then in _THEN for speaker, words in _ASKED]  # no two pages alike
TITLE = "Walsh Oral History Interview, 12 March 2004"


def _paged(lines: list[str], header=None, footer=None, per_page: int = 12) -> bytes:
    pages = []
    for first in range(0, len(lines), per_page):
        number = first // per_page + 1
        page = [(760, header(number))] if header else []
        page += [(720 - 16 * row, line) for row, line in enumerate(lines[first:first + per_page])]
        pages.append(page + ([(40, footer(number))] if footer else []))
    return pdf_bytes(pages)


def _lines(turns=TURNS, sep: str = ": ") -> list[str]:
    return [line for speaker, words in turns for line in textwrap.wrap(f"{speaker}{sep}{words}", 70)]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_running_title_and_page_numbers_are_notes_and_turns_go_on_across_pages():
    data = _paged(_lines(), header=lambda n: TITLE, footer=lambda n: f"Page {n} of 4")
    parsed = read_transcript_data(data, "walsh.pdf")
    assert [(turn.speaker, _words(parsed.turn_text(turn))) for turn in parsed.turns] == \
        [(speaker, _words(words)) for speaker, words in TURNS]
    pages = len(parsed.set_aside) // 2
    assert pages == 3
    account = word_account(parsed)
    assert account.speech == sum(len(_words(words)) for _, words in TURNS)
    assert account.notes == pages * (len(_words(TITLE)) + len(_words("Page 1 of 4")))
    assert any("set aside" in warning and TITLE in warning for warning in parsed.warnings)


def test_a_bare_page_number_at_the_foot_is_furniture():
    data = _paged(_lines(), footer=lambda n: f"- {n} -")
    parsed = read_transcript_data(data, "walsh.pdf")
    assert [line for _, line in parsed.set_aside] == ["- 1 -", "- 2 -", "- 3 -"]
    assert all(not re.search(r"\d", parsed.turn_text(turn)) for turn in parsed.turns)


def test_a_name_alone_above_each_turn_is_no_furniture_even_at_the_top_of_each_page():
    """Each page opens with "INTERVIEWER", and so do many lines inside the pages: a label, not a running header."""
    lines = [line for speaker, words in TURNS for line in [speaker, *textwrap.wrap(words, 70)]]
    data = _paged(lines, per_page=len(lines) // 3)
    parsed = read_transcript_data(data, "walsh.pdf")
    assert parsed.set_aside == ()
    assert [turn.speaker for turn in parsed.turns] == [speaker for speaker, _ in TURNS]


def test_a_one_page_file_has_no_furniture_to_learn():
    data = _paged(_lines(TURNS[:2]) + ["1"], header=lambda n: TITLE, per_page=40)
    parsed = read_transcript_data(data, "walsh.pdf")
    assert parsed.set_aside == ()


def test_ligatures_read_as_their_letters():
    """A font whose glyph for "fi" is one ligature: the word reads "find", as a search needs."""
    encoding = "<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 /fi] >>"
    lines = ["INTERVIEWER: Did you \x80nd work?", "WALSH: In the \x80elds, at \x80rst."]
    parsed = read_transcript_data(pdf_bytes([[(720 - 16 * row, line) for row, line in enumerate(lines * 2)]], encoding),
                                  "walsh.pdf")
    assert _words(parsed.turn_text(parsed.turns[1])) == ["In", "the", "fields", "at", "first"]
