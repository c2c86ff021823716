"""Protocol style: questions in plain lines, each followed by an "Answer: ..." line.

The lines just before an answer are the interviewer's question; lines after an answer continue
it up to the first one ending in "?" (the next question); when no line before the next answer
ends in "?", those lines are the next question. A question's own label ("Pregunta 1:") is not its text. Headings, introductions and unanswered
questions stay in the text outside any turn.
"""
from __future__ import annotations

import re

from ..model import PROTOCOL_INTERVIEWER, PROTOCOL_PARTICIPANT, Turn
from ..reading import AtLineStart, Document, Proposal
from ..roles import qa_role
from ..text import Line, blocks_of, non_space_count, stripped_span

_ANSWER = re.compile(r"[ \t]*(answer|respuesta|resposta|antwort|r[ée]ponse|risposta)[ \t]*:", re.IGNORECASE)
_PRESENT = AtLineStart(r"[ \t]*(answer|respuesta|resposta|antwort|r[ée]ponse|risposta)[ \t]*:", re.IGNORECASE)


def propose(document: Document) -> Proposal | None:
    if not _PRESENT.search(document.heads):
        return None
    lines = list(document.lines)
    turns = [turn for block in blocks_of(lines) for turn in _block_turns(document.text, block)]
    explained = sum(non_space_count(document.text, turn.start, turn.end) for turn in turns)
    explained += sum(len(match.group().strip()) for line in lines if (match := _ANSWER.match(line.text)))
    explained += sum(non_space_count(document.text, start, _after_question_label(document.text, start))
                     for turn in turns if turn.role_hint == "interviewer"
                     for start in [document.text.rfind("\n", 0, turn.start) + 1])
    return Proposal("protocol", tuple(turns), explained)


def _block_turns(text: str, block: list[Line]) -> list[Turn]:
    answers = [(index, match) for index, line in enumerate(block) if (match := _ANSWER.match(line.text))]
    turns: list[Turn] = []
    question_start = block[0].start
    for number, (index, match) in enumerate(answers):
        answer_line = block[index]
        is_last = number == len(answers) - 1
        next_answer = len(block) if is_last else answers[number + 1][0]
        last = _answer_continuation_end(block, index, next_answer)
        if not is_last and last == next_answer - 1:
            last = index  # nothing ends in "?": the lines up to the next answer are its question
        turns += _span_turns(text, _after_question_label(text, question_start), answer_line.start,
                             PROTOCOL_INTERVIEWER, "interviewer")
        answer_start = answer_line.start + match.end()
        turns += _span_turns(text, answer_start, block[last].end, PROTOCOL_PARTICIPANT, "participant")
        question_start = block[last + 1].start if last + 1 < len(block) else block[last].end
    return turns


_QUESTION_LABEL = re.compile(r"[ \t]*(?:\*\*|__)?(?P<label>[^\W\d_][^\W_]{0,15}(?:[ \t]*\d+)?)[ \t]*[:.](?:\*\*|__)?[ \t]+")


def _after_question_label(text: str, start: int) -> int:
    """Where a question's words start: after its label ("Pregunta 1:", "Question :"), if it has one."""
    match = _QUESTION_LABEL.match(text, start)
    return match.end() if match and qa_role(match["label"]) == "interviewer" else start


def _answer_continuation_end(block: list[Line], answer_index: int, stop: int) -> int:
    last = answer_index
    for index in range(answer_index + 1, stop):
        if block[index].text.rstrip().endswith("?"):
            break
        last = index
    return last


def _span_turns(text: str, start: int, end: int, speaker: str, role: str) -> list[Turn]:
    span = stripped_span(text, start, end)
    return [Turn(speaker, *span, role_hint=role)] if span else []
