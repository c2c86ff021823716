"""Line numbers in a transcript's margin, learned from the document: court and deposition transcripts, conversation
analysis and thesis appendices number every line ("12   THE WITNESS: Six years by then.", "3\tmeistens acht..."),
so that a quote can be cited by page and line. They are nobody's words, and inside a turn they would be read as
speech. When the numbers count the lines one by one (restarting on each page), they say nothing the line breaks do
not: each is read as spaces, so every offset stays where it was and each line keeps its place; the numbers are kept
beside the text (``ParsedTranscript.margin``), and the word account counts them with the labels.
"""
from __future__ import annotations

import re

_NUMBER = re.compile(r"^[ \t]*(\d{1,4})(?=[ \t]|$)", re.MULTILINE)
_MIN_LINES = 5
_NUMBERED_SHARE = 0.6  # of the lines with words: page headers, footers and a title block may go unnumbered
_COUNTING_SHARE = 0.8  # of successive numbered lines, each one more than the last (a new page starts again)


def without_line_numbers(text: str) -> tuple[str, tuple[tuple[int, str], ...], str | None]:
    """``text`` with its margin's line numbers read as spaces (same length), the numbers with their offsets, and a
    note saying so; or ``text``, no numbers and None when its lines are not numbered one by one."""
    numbers = list(_NUMBER.finditer(text))
    if len(numbers) < _MIN_LINES or not _counts_lines(text, numbers):
        return text, (), None
    chars = list(text)
    for match in numbers:
        chars[match.start(1):match.end(1)] = " " * (match.end(1) - match.start(1))
    values = [int(match.group(1)) for match in numbers]
    note = (f"its lines are numbered in the margin ({min(values)}-{max(values)}, {len(values)} lines): "
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
