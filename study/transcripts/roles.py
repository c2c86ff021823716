"""What a speaker label says about its role: the one list of role labels and role words.

A whole label the readers know ("Interviewer 2", "P3", "Moderator", "Observer", "Speaker 1") says its role
(``label_role``, which the readers use for turn hints and to trust a label); ``role_named`` also reads
a role word inside a longer label ("Dr. Jane Roe (Interviewer)", "Ana Ruiz - Guest") and the Q/A
forms the readers leave to the layout ("Q", "Answer"). ``study.roles`` decides roles from these.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from .model import ParsedTranscript
from .text import WORD

INTERVIEWER, PARTICIPANT, OTHER = "interviewer", "participant", "other"

_NUMBERED = r"(?:[ \t]*[\d]+)*(?:[ \t]+[A-Z])?"  # "Interviewer 2", "Interviewer 2 2" (a typo), "Interviewer B"

# Role words, in the languages researchers transcribe in: a whole label, or a word inside a longer one.
_TEAM_WORDS = (
    r"interviewers?|interviewerin|moderator(?:in)?|moderation|facilitator|researcher|host|co-?hosts?|"
    # who presides a hearing or a sitting: an interviewer when asking, else other (see study.roles)
    r"chair(?:man|woman|person)?|(?:mr\.?|madam|mister)[ \t]+speaker|the[ \t]+court|vorsitzender?|"
    r"(?:m\.|mme|monsieur|madame)[ \t]+l[ea][ \t]+pr[ée]sidente?|(?:el[ \t]+señor|la[ \t]+señora)[ \t]+president[ae]|"
    r"(?:vize)?pr[äa]sident(?:in)?|"
    r"entrevistador(?:a)?|intervieweur|enqu[êe]teu?r|enqu[êe]trice|forscher(?:in)?|investigador(?:a)?|"
    r"pesquisador(?:a)?|peneliti|pewawancara"
)
_PARTICIPANT_WORDS = (
    r"participants?|interviewees?|respondents?|guest|informant|narrator|entrevistad[oa]|"
    r"teilnehmer(?:in)?|teilnehmende|befragte[rn]?|participante|informan|narasumber|responden|"
    # who answers under examination in a hearing or a deposition
    r"(?:the[ \t]+)?witness|deponent|zeug(?:e|in)|t[ée]moin|testigo|testemunha"
)
# Who is present without being interviewer or participant: kept and shown, never coded unless asked.
_OTHER_WORDS = (
    r"observers?|note[- ]?takers?|notetaker|interpreters?|translators?|transcriber|"
    r"court[ \t]+reporter|the[ \t]+reporter|stenographer|videographer|"
    r"observador(?:a)?|int[ée]rprete|traductor(?:a)?|tradutor(?:a)?|beobachter(?:in)?|beobachtung|dolmetscher(?:in)?|"
    r"[üu]bersetzer(?:in)?|protokollant(?:in)?|observat(?:eur|rice)|interpr[èe]te|traduct(?:eur|rice)"
)
# Short or ambiguous forms that name a role only as the whole label ("I", "P3", "Frage 2").
_TEAM_LABELS = (
    r"interviewer(in)?|int|iv|i|moderator|mod|facilitator|researcher|host|co-?host|"
    r"pregunta|pergunta|frage|entrevistador(a)?|enqu[êe]teu?r|enqu[êe]trice|intervieweur|"
    r"investigador(a)?|pesquisador(a)?|interviewende?r?"
)
_PARTICIPANT_LABELS = (
    r"participant|interviewee|respondent|p|r|respuesta|resposta|antwort|r[ée]ponse|"
    r"entrevistad[oa]|befragte[r]?|guest|narrator|informant|subject|candidate|teilnehmer(in)?|"
    r"participante"
)
# Whole labels the readers leave to the layout (Q/A protocols): Q, Q2, Question; A bare "A" says
# nothing ("A"/"B" are often anonymised names; in Q/A protocols the reader names the speakers).
_TEAM_QA = r"q\s*\d*|question|pregunta|pergunta|frage"
_PARTICIPANT_QA = r"resp\s*\d*|answer|respuesta|resposta|antwort|réponse|reponse"

_ROLE_LABELS = (
    (re.compile(rf"({_OTHER_WORDS}){_NUMBERED}", re.IGNORECASE), OTHER),
    (re.compile(rf"({_TEAM_LABELS}){_NUMBERED}", re.IGNORECASE), INTERVIEWER),
    (re.compile(rf"({_PARTICIPANT_LABELS}){_NUMBERED}", re.IGNORECASE), PARTICIPANT),
    (re.compile(r"(unknown )?(speaker|sprecher|hablante|orador|locutor)" + _NUMBERED, re.IGNORECASE), None),
)
# Other words win ("Interpreter for the participant"), then participant words over team words.
_NAMED = (
    (re.compile(rf"(?i)\b(?:{_OTHER_WORDS})\b"), OTHER),
    (re.compile(rf"(?i)(?:\b(?:{_PARTICIPANT_WORDS})\b|^(?:{_PARTICIPANT_QA})$)"), PARTICIPANT),
    (re.compile(rf"(?i)(?:\b(?:{_TEAM_WORDS})\b|^(?:{_TEAM_QA})$)"), INTERVIEWER),
    (re.compile(r"(?:委員長|議長)$"), INTERVIEWER),  # "田中委員長": the chair, glued to the name as Japanese writes it
)


@lru_cache(maxsize=4096)
def role_label(speaker: str) -> tuple[re.Pattern[str], str | None] | None:
    """The role pattern a label matches, if it names a role ("Interviewer", "P3", "Speaker 2")."""
    return next(((regex, role) for regex, role in _ROLE_LABELS if regex.fullmatch(speaker.strip())), None)


def label_role(speaker: str) -> str | None:
    """"interviewer", "participant", "other" or None, from the whole label alone."""
    found = role_label(speaker)
    return found[1] if found else None


_QA_LABELS = (
    (re.compile(rf"(?:{_TEAM_QA})[ \t]*\d*", re.IGNORECASE), INTERVIEWER),
    (re.compile(rf"(?:{_PARTICIPANT_QA})[ \t]*\d*", re.IGNORECASE), PARTICIPANT),
)


def qa_role(label: str) -> str | None:
    """The side a Q/A protocol's label stands for ("Q", "Pregunta 2" -> interviewer; "Answer",
    "Resposta" -> participant): a side, not a person, so readers name it by its role."""
    return next((role for regex, role in _QA_LABELS if regex.fullmatch(label.strip())), None)


def role_named(label: str) -> str | None:
    """The role a speaker label names, whole or by a word in it ("Moderator", "P3", "Ana (Guest)"), else None."""
    label = " ".join(label.split())
    if said := label_role(label):
        return said
    return next((role for regex, role in _NAMED if regex.search(label)), None)


# In a header: "Ana Ruiz (Interviewer)" or "- **Ana Ruiz (Interviewer):** ...", and "Interviewer: Ana Ruiz".
_CAST_PAREN = re.compile(rf"(?P<name>[^\W\d_][{WORD} .'’\-]{{0,58}}?)[ \t]*\((?P<role>[^()\n]{{1,40}})\)")
_CAST_KEY = re.compile(rf"(?P<role>[^:\n]{{1,30}}?)[ \t]*:[ \t]*(?P<name>[^\W\d_][{WORD} .'’\-]{{0,58}}?)[ \t]*")
_MARKUP = re.compile(r"^[ \t]*(?:[-*•–][ \t]+)?|\*\*|__")


def legend(text: str) -> dict[str, str]:
    """The codes a legend declares and what it says they stand for: "M = Moderation, B = Beobachtung"
    (several to a line, each code short) -> {"M": "Moderation", "B": "Beobachtung"}."""
    return {match["code"]: match["meaning"].strip() for line in text.splitlines()
            for match in _LEGEND.finditer(line)}


_LEGEND = re.compile(rf"(?:^|(?<=[,;:]))[ \t]*(?P<code>[^\W\d_][{WORD}]{{0,5}})[ \t]+=[ \t]+(?P<meaning>[^,;=\n]{{2,40}})")


def cast_roles(header: str, names: Iterable[str]) -> dict[str, str]:
    """The roles a header's cast list gives the speakers ``names``: "Ana Ruiz (Interviewer)",
    "Interviewer: Ana Ruiz" for the speaker labelled "Ana Ruiz" (or by its initials, "AR"), or a
    legend's "B = Beobachtung" for the speaker labelled "B"."""
    cast: dict[str, str] = {code.casefold(): role for code, meaning in legend(header).items()
                            if (role := role_named(meaning))}
    for line in header.splitlines():
        line = _MARKUP.sub("", line).strip()
        if (match := _CAST_PAREN.match(line)) and (role := role_named(match["role"])):
            cast.setdefault(" ".join(match["name"].split()).casefold(), role)
        elif (match := _CAST_KEY.fullmatch(line)) and (role := role_named(match["role"])) and len(match["name"].split()) <= 4:
            cast.setdefault(" ".join(match["name"].split()).casefold(), role)
    found = {}
    for name in names:
        roles = {role for person, role in cast.items() if name.casefold() in (person, _initials(person))}
        if len(roles) == 1:
            found[name] = roles.pop()
    return found


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word[0].isalpha())


def speakers(parsed: ParsedTranscript) -> list[str]:
    """Speaker labels in order of first appearance."""
    return list(dict.fromkeys(turn.speaker for turn in parsed.turns))
