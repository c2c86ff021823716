"""Line numbers in a transcript's margin, learned from the document: court and deposition transcripts, conversation
analysis and thesis appendices number every line ("12   THE WITNESS: Six years by then.", "3\tmeistens acht..."),
so that a quote can be cited by page and line. They are nobody's words, and inside a turn they would be read as
speech. When the numbers count the lines one by one (restarting on each page), they say nothing the line breaks do
not: each is read as spaces, so every offset stays where it was and each line keeps its place; the numbers are kept
beside the text (``ParsedTranscript.margin``), and the word account counts them with the labels.

Some number only every fifth (or tenth) line ("5", "10", "15" at the start of every fifth line, as in
parliamentary records, trial transcripts and literary editions): a number there is a margin number when its value
is its line's place, the same distance from its line as the other numbers of its page are from theirs; a number that
opens an answer ("15 years ago") on another line is not where the count puts a number, and stays speech.
"""
from __future__ import annotations

import re

_NUMBER = re.compile(r"^[ \t]*(\d{1,4})(?=[ \t]|$)", re.MULTILINE)
_MIN_LINES = 5
_NUMBERED_SHARE = 0.6  # of the lines with words: page headers, footers and a title block may go unnumbered
_COUNTING_SHARE = 0.8  # of successive numbered lines, each one more than the last (a new page starts again)


def without_line_numbers(text: str) -> tuple[str, tuple[tuple[int, str], ...], str | None]:
    """``text`` with its margin's line numbers read as spaces (same length), the numbers with their offsets, and a
    note saying so; or ``text``, no numbers and None when its lines are not numbered one by one nor every n-th."""
    numbers = list(_NUMBER.finditer(text))
    if len(numbers) >= _MIN_LINES and _counts_lines(text, numbers):
        return _blanked(text, numbers, 1)
    every, sparse = _every_nth_line(text, numbers)
    if sparse:
        return _blanked(text, sparse, every)
    return text, (), None


def _blanked(text: str, numbers: list[re.Match[str]], every: int) -> tuple[str, tuple[tuple[int, str], ...], str]:
    chars = list(text)
    for match in numbers:
        chars[match.start(1):match.end(1)] = " " * (match.end(1) - match.start(1))
    values = [int(match.group(1)) for match in numbers]
    which = f"every {every} lines, " if every > 1 else ""
    note = (f"its lines are numbered in the margin ({which}{min(values)}-{max(values)}, {len(values)} lines): "
            "the numbers are left out of the speech, each line keeps its place")
    return "".join(chars), tuple((match.start(1), match.group(1)) for match in numbers), note


def _counts_lines(text: str, numbers: list[re.Match[str]]) -> bool:
    """Whether the numbers stand on most lines with words and go up by one from line to line."""
    lines_with_words = sum(1 for line in text.split("\n") if line.strip())
    if len(numbers) < _NUMBERED_SHARE * lines_with_words:
        return False
    values = [int(match.group(1)) for match in numbers]
    counting = sum(1 for a, b in zip(values, values[1:]) if b == a + 1)
    return counting >= _COUNTING_SHARE * (len(values) - 1)


_MIN_SPARSE = 3  # numbers in step; two will do when a margin's gap sets them apart from the words
_GAP = re.compile(r"[ \t]{2,}|\t|$")
_STEPS = (5, 10, 4, 3, 2)  # the counts of lines between margin numbers that editors use, most usual first
_SPARSE_SHARE = 0.6  # of the numbers the count puts between the first and the last


def _every_nth_line(text: str, numbers: list[re.Match[str]]) -> tuple[int, list[re.Match[str]]]:
    """The step and the numbers that stand every ``step`` lines at their line's place, when the document numbers
    its lines so (counting every line, or only lines with words); else (0, [])."""
    if len(numbers) < _MIN_SPARSE:
        return 0, []
    lines = text.split("\n")
    line_of = {start: index for index, start in enumerate(_line_starts(lines))}
    every_line = [line_of[_line_start(text, m.start())] for m in numbers]
    with_words, count = {}, 0
    for index, line in enumerate(lines):
        with_words[index] = count
        count += bool(line.strip())
    worded = [with_words[index] for index in every_line]
    best: tuple[int, list[re.Match[str]]] = (0, [])
    for step in _STEPS:
        for places in (every_line, worded):
            placed = _placed(numbers, places, step)
            if len(placed) > len(best[1]):
                best = (step, placed)
    step, placed = best
    if len(placed) < _MIN_SPARSE and not (len(placed) == 2 and all(_set_apart(text, m) for m in placed)):
        return 0, []
    values = [int(m.group(1)) for m in placed]
    missed = sum(gap // step - 1 for gap in (b - a for a, b in zip(values, values[1:])) if gap > step)
    return (step, placed) if len(placed) >= _SPARSE_SHARE * (len(placed) + missed) else (0, [])


def _placed(numbers: list[re.Match[str]], places: list[int], step: int) -> list[re.Match[str]]:
    """The numbers, multiples of ``step``, whose value less their line's place is shared by another such number
    ``step`` lines from it (one page's count): a number in the text stands elsewhere."""
    candidates = [(m, int(m.group(1)) - place, place) for m, place in zip(numbers, places)
                  if int(m.group(1)) % step == 0 and int(m.group(1)) > 0]
    at = {(shift, place) for _, shift, place in candidates}
    return [m for m, shift, place in candidates
            if (shift, place - step) in at or (shift, place + step) in at]


def _set_apart(text: str, number: re.Match[str]) -> bool:
    """Whether the number stands apart from the words after it, as a margin does ("  5   B: ..."), not "15 years"."""
    return _GAP.match(text, number.end(1)) is not None


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1
