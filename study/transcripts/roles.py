"""What a speaker label says about its role, and the interviewer of a parsed transcript."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from study.errors import StudyError

from .model import ParsedTranscript

_NUMBERED = r"(?:[ \t]*[\d]+)*(?:[ \t]+[A-Z])?"  # "Interviewer 2", "Interviewer 2 2" (a typo), "Interviewer B"

# Labels that name a role, in the languages researchers transcribe in.
_ROLE_LABELS = (
    (re.compile(
        r"(interviewer(in)?|int|iv|i|moderator|mod|facilitator|researcher|host|co-?host|"
        r"pregunta|pergunta|frage|entrevistador(a)?|enqu[êe]teu?r|enqu[êe]trice|intervieweur|"
        r"investigador(a)?|pesquisador(a)?|interviewende?r?)" + _NUMBERED, re.IGNORECASE), "interviewer"),
    (re.compile(
        r"(participant|interviewee|respondent|p|r|respuesta|resposta|antwort|r[ée]ponse|"
        r"entrevistad[oa]|befragte[r]?|guest|narrator|informant|subject|candidate|teilnehmer(in)?|"
        r"participante)" + _NUMBERED, re.IGNORECASE), "participant"),
    (re.compile(r"(unknown )?(speaker|sprecher|hablante|orador|locutor)" + _NUMBERED, re.IGNORECASE), None),
)


@lru_cache(maxsize=4096)
def role_label(speaker: str) -> tuple[re.Pattern[str], str | None] | None:
    """The role pattern a label matches, if it names a role ("Interviewer", "P3", "Speaker 2")."""
    return next(((regex, role) for regex, role in _ROLE_LABELS if regex.fullmatch(speaker.strip())), None)


def label_role(speaker: str) -> str | None:
    """"interviewer", "participant" or None, from the label alone."""
    found = role_label(speaker)
    return found[1] if found else None


def speakers(parsed: ParsedTranscript) -> list[str]:
    """Speaker labels in order of first appearance."""
    return list(dict.fromkeys(turn.speaker for turn in parsed.turns))


def detect_interviewer(parsed: ParsedTranscript, given: str | None = None) -> str | None:
    """The interviewer's speaker label, or None for a single-speaker transcript.

    ``given`` (matched case-insensitively) wins; then a speaker whose role is "interviewer"
    (protocol style, or a label such as "Interviewer"/"Int"); then who asks the most
    questions ('?'), ties going to who speaks first.
    """
    found = speakers(parsed)
    if given is not None:
        return _matching_speaker(found, given)
    if len(found) < 2:
        return None
    for turn in parsed.turns:
        if (turn.role_hint or label_role(turn.speaker)) == "interviewer":
            return turn.speaker
    questions: Counter[str] = Counter()
    for turn in parsed.turns:
        questions[turn.speaker] += parsed.turn_text(turn).count("?")
    candidates = [s for s in found if label_role(s) != "participant"] or found
    return max(candidates, key=lambda speaker: questions[speaker])  # max keeps the first of ties


def _matching_speaker(found: list[str], given: str) -> str:
    for speaker in found:
        if speaker.casefold() == given.strip().casefold():
            return speaker
    raise StudyError(
        f"no speaker '{given}' in this transcript; speakers found: {', '.join(found) or 'none'}"
    )
