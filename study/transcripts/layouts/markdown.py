"""Markdown transcripts: bold speaker names, headings and front matter that are not speech.

``**Jane Roe:** text``, ``**Jane**: text``, ``**Jane** [0:00]`` or ``**Jane** 0:00`` alone
with the words below, ``**Jane**`` alone. Headings end the turn above them (``labels``);
YAML front matter and ``**Date:**`` header lines are metadata (``notes``).
"""
from __future__ import annotations

import re

from ..labels import NAME, TIME, LabelPattern, label_proposal
from ..reading import Document, Proposal, holds

_BOLD_OPEN = r"(?:\*\*|__)"
_BOLD_CLOSE = r"(?:\*\*|__)"
PATTERNS = (
    LabelPattern(re.compile(rf"{_BOLD_OPEN}{NAME}{_BOLD_CLOSE}[ \t]*[\[(](?P<timestamp>{TIME})[\])][ \t]*:?"),
                 self_evident=True),
    LabelPattern(re.compile(rf"{_BOLD_OPEN}{NAME}[ \t]*(?::{_BOLD_CLOSE}|{_BOLD_CLOSE}[ \t]*:)"),
                 vouched_by_peers=True),
    LabelPattern(re.compile(rf"{_BOLD_OPEN}{NAME}{_BOLD_CLOSE}[ \t]+(?P<timestamp>{TIME})[ \t]*$"),
                 vouched_by_peers=True),
    LabelPattern(re.compile(rf"{_BOLD_OPEN}{NAME}{_BOLD_CLOSE}[ \t]*$")),
)


def propose(document: Document) -> Proposal | None:
    if not holds(document.text, "**") and not holds(document.text, "__"):
        return None
    return label_proposal("markdown", document, PATTERNS, needs="*_")
