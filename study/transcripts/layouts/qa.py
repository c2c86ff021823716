"""Question/answer protocol with both sides labelled, in the languages researchers work in.

``Q:``/``A:``, ``Question``/``Answer``, ``Pregunta``/``Respuesta``, ``Pergunta 3:``/``Resposta:``,
``Frage``/``Antwort``, ``Question``/``Réponse`` (also bold). The questions are the
interviewer's, the answers the participant's; a line such as ``Conclusão: ...`` inside an
answer continues it.
"""
from __future__ import annotations

import re

from ..labels import LabelPattern, label_proposal
from ..reading import AtLineStart, Document, Proposal

_NUMBER = r"(?:[ \t]*\d+[.)]?)?"
_OPEN = r"(?:\*\*|__)?"
# A label ends at a colon, or at a dash or full stop before a space: "Pergunta-me ..." is no label.
_CLOSE = r"[ \t]*(?:(?:\*\*|__)[ \t]*[:.\-–—]|:(?:\*\*|__)?|[.\-–—](?:\*\*|__)?(?=[ \t]))"
_QUESTION = r"q|question|pregunta|pergunta|frage|domanda|vraag|quest\.?"
_ANSWER = r"a|answer|respuesta|resposta|antwort|r[ée]ponse|r[ée]p\.?|risposta|antwoord|r"

PATTERNS = (
    LabelPattern(re.compile(rf"{_OPEN}(?P<speaker>(?:{_QUESTION}){_NUMBER}){_CLOSE}", re.IGNORECASE),
                 self_evident=True, role="interviewer"),
    LabelPattern(re.compile(rf"{_OPEN}(?P<speaker>(?:{_ANSWER}){_NUMBER}){_CLOSE}", re.IGNORECASE),
                 self_evident=True, role="participant"),
)


_PRESENT = AtLineStart(rf"[ \t]*{_OPEN}(?:{_QUESTION}){_NUMBER}{_CLOSE}", re.IGNORECASE)


# A third voice labelled in capitals before a colon, words after it: "MR. HALE:  Objection.", "THE COURT: Counsel..."
_OTHER_VOICE = re.compile(r"^[ \t]*(?!(?:Q|A|QUESTION|ANSWER)\b)[A-Z][A-Z.'’ -]{2,40}:[ \t]+\S", re.MULTILINE)


def propose(document: Document) -> Proposal | None:
    if not _PRESENT.search(document.heads) or _OTHER_VOICE.search(document.heads):
        return None  # a labelled third voice (counsel's objections, the court): a dialogue of labels, not this protocol
    proposal = label_proposal("question and answer", document, PATTERNS, needs=":.-–—")
    if proposal is None or {turn.role_hint for turn in proposal.turns} != {"interviewer", "participant"}:
        return None  # both sides labelled, or it is not this layout
    return proposal
