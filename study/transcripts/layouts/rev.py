"""Speaker labels with a colon, as Rev, Trint and most hand-typed transcripts write them.

``Speaker 1:`` alone with the words below; ``P3: text``; ``Dr. Jane Roe, PhD: text``;
``Ana Lee (00:01:02): text``. A memo mark glued to a label ("Speaker 1:13") is not a speaker
and not speech.
"""
from __future__ import annotations

import re

from ..labels import NAME, TIME, LabelPattern, label_proposal
from ..reading import Document, Proposal

PATTERNS = (
    # Name (00:01:02): text, or "Speaker 1 (00:01:02):" alone (Rev); "主持人（00:01:02）：" in full-width forms
    LabelPattern(re.compile(rf"{NAME}[ \t]*[(（](?P<timestamp>{TIME})[)）][ \t]*[:：]?"), self_evident=True),
    # Speaker 1: [00:00:02] text (Sonix, Rev with inline times)
    LabelPattern(re.compile(rf"{NAME}[ \t]*[:：][ \t]*[\[(](?P<timestamp>{TIME})[\])]"), self_evident=True,
                 hint=re.compile(r"[:：][ \t]*[\[(]\d")),
    # [Interviewer]: text
    LabelPattern(re.compile(rf"\[{NAME}\][ \t]*[:：]")),
    # Speaker 1: (alone, Rev) / Speaker 1: text / P3: text / Interviewer: text / Amina :: text; not "https://"
    LabelPattern(re.compile(rf"{NAME}[ \t]*[:：]{{1,2}}(?!//)(?!\d+[ \t]*$)")),
    # "Speaker 1:13": a memo mark glued to a label, read as that label only when the speaker is
    # labelled without one elsewhere ("Ana Lee 0:02" is a name and a time, see otter)
    LabelPattern(re.compile(rf"{NAME}[ \t]*:(?=\d+[ \t]*$)"), glued=True),
)


def propose(document: Document) -> Proposal | None:
    return label_proposal("speaker labels", document, PATTERNS, needs=":：")
