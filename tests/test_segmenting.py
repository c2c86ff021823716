"""Segmenting invariants: exact offsets, order, no overlap, never crossing a turn."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from study.errors import StudyError
from study.segmenting import UNITS, segment
from tests.factories import parsed_from_turns

words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12)
sentences = st.lists(words, min_size=1, max_size=8).map(" ".join).map(lambda s: s.strip() or "x")
bodies = st.lists(
    st.lists(sentences, min_size=1, max_size=4).map(lambda ss: ". ".join(ss) + "."), min_size=1, max_size=3
).map("\n".join)
turns = st.lists(st.tuples(st.sampled_from(["Interviewer", "P1", "Ana María"]), bodies), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(turns=turns, unit=st.sampled_from(UNITS))
def test_segments_are_exact_ordered_non_overlapping_slices_within_turns(turns, unit):
    parsed = parsed_from_turns(turns)
    spans = segment(parsed, unit, roles={"Interviewer": "interviewer"})
    assert [s.index for s in spans] == list(range(len(spans)))
    previous_end = 0
    for span in spans:
        text = parsed.text[span.start : span.end]
        assert text and text == text.strip()
        assert span.start >= previous_end
        previous_end = span.end
        turn = next(t for t in parsed.turns if t.start <= span.start and span.end <= t.end)
        assert span.speaker == turn.speaker
        assert span.role == ("interviewer" if turn.speaker == "Interviewer" else "participant")


@settings(max_examples=40, deadline=None)
@given(turns=turns)
def test_finer_units_leave_out_nothing_but_whitespace(turns):
    parsed = parsed_from_turns(turns)
    for unit in ("sentence", "paragraph"):
        spans = segment(parsed, unit, roles={"Interviewer": "interviewer"})
        for turn in parsed.turns:
            inside = [s for s in spans if turn.start <= s.start < turn.end]
            covered = set().union(*(range(s.start, s.end) for s in inside))
            uncovered = "".join(parsed.text[i] for i in range(turn.start, turn.end) if i not in covered)
            assert uncovered.strip() == ""


def test_sentences_split_at_sentence_ends():
    parsed = parsed_from_turns([("P1", "I check the license. Then I read the card! Is it maintained?")])
    texts = [parsed.text[s.start : s.end] for s in segment(parsed, "sentence")]
    assert texts == ["I check the license.", "Then I read the card!", "Is it maintained?"]


def test_paragraphs_follow_line_breaks_inside_a_turn():
    parsed = parsed_from_turns([("P1", "First point.\nSecond point, same turn.")])
    texts = [parsed.text[s.start : s.end] for s in segment(parsed, "paragraph")]
    assert texts == ["First point.", "Second point, same turn."]


def test_unknown_unit_is_refused_with_the_choices():
    with pytest.raises(StudyError, match="turn, sentence, paragraph"):
        segment(parsed_from_turns([("P1", "x")]), "word")
