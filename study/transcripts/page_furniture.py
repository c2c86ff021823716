"""A paged file's furniture: running headers, footers and page numbers, learned from the pages.

A transcript kept as a PDF repeats a title ("Walsh Oral History Interview, 12 March 2004"), a
reference, a page number ("3", "Page 3 of 12", "- 3 -") at the top or the bottom of each page. Read
as text they land inside whichever turn a page break cuts, as that speaker's words. A line is
furniture when, but for its numbers, it stands among the first or last lines of most pages: the
document says so by repeating it, whatever its language or wording. It is taken out of the text
with the place where it stood, so the speech goes on across the page break, and counted with the
notes (``accounting``): set aside, not lost. A line found as often inside the pages is no furniture
(a speaker's name alone on its line above each turn may stand at a page's top too).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

_EDGE_LINES = 3  # a page's top and bottom bands: a title, a name and a page number at most
_SHARE = 0.5  # of the pages: a running line is on most of them (a first page has a title block instead)
_INSIDE_RATIO = 4  # a running line stands at least four times as often at a page's edge as inside a page
_NUMBERS = re.compile(r"\d+")

Furniture = tuple[tuple[int, str], ...]  # (offset in the text where the line stood, the line)


def without_furniture(pages: Sequence[str]) -> tuple[str, Furniture]:
    """The pages' text, one after another, without their running lines; and those lines with their places.

    >>> without_furniture(["Title\\nA: Hi.\\n1", "Title\\nB: Yes.\\n2", "Title\\nA: Bye.\\n3"])[0]
    'A: Hi.\\nB: Yes.\\nA: Bye.'
    """
    running = _running_lines([page.split("\n") for page in pages])
    kept: list[str] = []
    furniture: list[tuple[int, str]] = []
    offset = 0
    for page in pages:
        lines = page.split("\n")
        edges = _edge_indexes(lines)
        for index, line in enumerate(lines):
            if index in edges and _key(line) in running:
                furniture.append((offset, line.strip()))
            else:
                kept.append(line)
                offset += len(line) + 1
    return "\n".join(kept), tuple(furniture)


def described(furniture: Furniture) -> str:
    """A warning naming what was set aside: "6 running page header, footer and page number line(s) ...
    (“Walsh Oral History Interview”; “Page 1 of 4”)", each running line once."""
    shown = list({_key(line): line for _, line in reversed(furniture)}.values())[::-1]
    listed = "; ".join(f"“{line}”" for line in shown[:3]) + ("; …" if len(shown) > 3 else "")
    return (f"{len(furniture)} running page header, footer and page number line(s) set aside as notes, "
            f"not speech ({listed})")


def _running_lines(pages: list[list[str]]) -> set[str]:
    """The keys of lines that stand at a page's edge on most pages (two at least), and hardly ever elsewhere."""
    if len(pages) < 2:
        return set()
    at_edge: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for lines in pages:
        edges = _edge_indexes(lines)
        at_edge.update({_key(lines[index]) for index in edges})
        inside.update(_key(line) for index, line in enumerate(lines) if index not in edges and line.strip())
    needed = max(2, _SHARE * len(pages))
    return {key for key, count in at_edge.items()
            if key and count >= needed and inside[key] * _INSIDE_RATIO < count}


def _edge_indexes(lines: list[str]) -> set[int]:
    """The indexes of a page's first and last few lines with words."""
    filled = [index for index, line in enumerate(lines) if line.strip()]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _key(line: str) -> str:
    """The line but for its numbers and spacing, in lower case: page 3's "Page 3 of 12" is page 4's "Page 4 of 12"."""
    return _NUMBERS.sub("#", " ".join(line.split()).casefold())
