"""A speaker's name alone on a line, the words below, no colon and no time: scripts, some
oral histories and exported notes (``JANE ROE`` / ``Interviewer``). Names must recur, and there
must be at least two of them, so that a short line said twice ("Yeah") is not a speaker.
"""
from __future__ import annotations

import re
from collections import Counter

from ..labels import LabelPattern, label_proposal
from ..reading import AtLineStart, Document, Proposal
from ..text import WORD

_NAME_ALONE = rf"(?P<speaker>[^\W\d_][{WORD}'’&()\- ]{{0,40}}(?:\.[ \t]*[{WORD}'’&()\- ]+)*?[{WORD})])[ \t]*$"
PATTERNS = (LabelPattern(re.compile(_NAME_ALONE), max_line=60),)
_MAX_LABEL_SHARE = 0.45


# Possessive: a shorter run of these characters never ends a line, so nothing is given back.
_PRESENT = AtLineStart(rf"[ \t]*[^\W\d_][{WORD}'’&()\-. \t]{{0,60}}+$")


def propose(document: Document) -> Proposal | None:
    if not _PRESENT.search(document.heads):
        return None
    proposal = label_proposal("name lines", document, PATTERNS)
    if proposal is None:
        return None
    counts = Counter(turn.speaker for turn in proposal.turns)
    recurring = [speaker for speaker, count in counts.items() if count > 1]
    content = len(document.content_lines)
    if len(recurring) < 2 or len(proposal.turns) > _MAX_LABEL_SHARE * content or proposal.consistent:
        return None
    return proposal
