"""A name and a time alone on a line, the words below: Otter, Teams and Descript exports.

``Jane Roe  0:04``, ``Unknown Speaker  53:34``, ``Roe, Jane   1:02:03``. A time alone on a line
(``0:15``) starts a new turn of the same speaker (of an unknown one before any name), so the
time goes to the turn, not into its text. The footer "Transcribed by https://otter.ai" is a
notes line (see ``notes``), never speech.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..labels import NAME, TIME, Label, LabelPattern, accepted_labels, proposal_from_labels
from ..model import UNKNOWN_SPEAKER
from ..reading import Document, Guarded, Proposal

# "Jane Roe  0:04", or with a separator between: "Jane Roe - 00:00:10", "Jane Roe / 0:04"
PATTERNS = (LabelPattern(re.compile(rf"{NAME}[ \t]+(?:[-–—/|·][ \t]+)?(?P<timestamp>{TIME})[ \t]*$"), vouched_by_peers=True),)
_TIME_ALONE = re.compile(rf"[ \t]*(?P<timestamp>{TIME})[ \t]*")
_CONTINUES = LabelPattern(re.compile(""), vouched_by_peers=True)
# A time ends a line: its last ":00" (a literal to skip to) ends the line too.
_PRESENT = Guarded(re.compile(rf"(?:^|[ \t]){TIME}[ \t]*$", re.MULTILINE),
                   re.compile(r":\d{2}(?:[.,]\d{1,3})?[ \t]*$", re.MULTILINE))


def propose(document: Document) -> Proposal | None:
    if not _PRESENT.search(document.tails):
        return None
    lines = document.speech_lines
    named = {label.line.start: label for label in accepted_labels(lines, PATTERNS, needs=":")}
    alone = [line for line in lines if line.start not in named and _TIME_ALONE.fullmatch(line.text)]
    if not named and len(alone) < 2:
        return None
    labels, speaker = [], UNKNOWN_SPEAKER
    for line in lines:
        if line.start in named:
            labels.append(named[line.start])
            speaker = named[line.start].speaker
        elif (match := _TIME_ALONE.fullmatch(line.text)) and (named or len(alone) > 1):
            labels.append(Label(line, speaker, line.start, line.end, match["timestamp"], _CONTINUES))
    if not labels:
        return None
    proposal = proposal_from_labels("name and time lines", document, labels, all_labelled=False)
    return replace(proposal, consistent=not named)  # times alone: one unknown voice, consistently
