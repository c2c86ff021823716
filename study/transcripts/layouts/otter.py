"""A name and a time alone on a line, the words below: Otter, Teams and Descript exports.

``Jane Roe  0:04``, ``Unknown Speaker  53:34``, ``Roe, Jane   1:02:03``; the footer
"Transcribed by https://otter.ai" is a notes line (see ``notes``), never speech.
"""
from __future__ import annotations

import re

from ..labels import NAME, TIME, LabelPattern, label_proposal
from ..reading import Document, Proposal

PATTERNS = (LabelPattern(re.compile(rf"{NAME}[ \t]+(?P<timestamp>{TIME})[ \t]*$"), vouched_by_peers=True),)


_PRESENT = re.compile(rf"[ \t]{TIME}[ \t]*$", re.MULTILINE)


def propose(document: Document) -> Proposal | None:
    if not _PRESENT.search(document.tails):
        return None
    return label_proposal("name and time lines", document, PATTERNS, needs=":")
